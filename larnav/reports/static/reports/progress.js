// Follows a report being built: asks the server for its progress every two seconds and
// shows it; when the report is ready (or failed) the page is loaded again to offer the files.
(function () {
  "use strict";
  var box = document.querySelector(".report-progress[data-status-url]");
  if (!box || box.getAttribute("data-finished") === "1" || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector("progress");
  var status = box.querySelector(".report-progress__status");
  var delay = 2000;

  function show(data) {
    if (bar) { bar.value = data.progress; bar.textContent = data.progress + " %"; }
    var text = data.status_label + ": " + data.progress + " %" + (data.step ? " – " + data.step : "");
    if (status && status.textContent !== text) { status.textContent = text; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (data) {
        show(data);
        if (data.finished) { window.location.reload(); return; }
        delay = 2000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 30000);  // the server is busy or away: ask less often
        window.setTimeout(poll, delay);
      });
  }
  window.setTimeout(poll, delay);
})();
