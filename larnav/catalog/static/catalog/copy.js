// Copy buttons: <button data-copy="#input-id" data-status="status-id" data-copied="text">; the status element is a polite live region.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var input = document.querySelector(button.getAttribute("data-copy"));
  var status = document.getElementById(button.getAttribute("data-status") || "");
  if (!input) return;
  input.select();
  var done = function () { if (status) status.textContent = button.getAttribute("data-copied"); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
  } else {
    document.execCommand("copy");
    done();
  }
});
