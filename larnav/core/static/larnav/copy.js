// Copy-to-clipboard buttons, one script for every page that has them:
//   <input id="feed" readonly data-select-on-focus>
//   <button data-copy="#feed" data-status="feed-status" data-copied="Copied." hidden>Copy</button>
//   <span id="feed-status" aria-live="polite"></span>
// A button that starts hidden appears only when scripts run; without them the field stays selectable.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy][hidden]").forEach(function (button) { button.hidden = false; });
  document.querySelectorAll("[data-select-on-focus]").forEach(function (field) {
    field.addEventListener("focus", function () { field.select(); });
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var input = document.querySelector(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-status") || "");
    if (!input) return;
    input.focus();
    input.select();
    var done = function () { if (status) status.textContent = button.getAttribute("data-copied"); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });
})();
