// Copy-to-clipboard for the API token page. Without JavaScript the token
// stays selectable in its read-only field; the button only appears here.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.querySelector("[data-copy-status]");
    if (!field || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        if (status) { status.textContent = button.getAttribute("data-copied-text"); }
      }, function () {
        field.focus();
        field.select();
      });
    });
  });
  var token = document.getElementById("api-token");
  if (token) {
    token.addEventListener("focus", function () { token.select(); });
  }
})();
