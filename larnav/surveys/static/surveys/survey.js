/* Show a question only when the answer it depends on is given; without this script every question is
   shown, each with a note saying when to answer it, and the server ignores answers to hidden ones. */
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  var form = document.querySelector("form.sv-sheet");
  if (!form) { return; }
  var dependents = Array.prototype.slice.call(form.querySelectorAll("[data-condition-name]"));
  if (!dependents.length) { return; }

  function visible(element) {
    return !element.closest("[hidden]");
  }

  function update() {
    dependents.forEach(function (question) {
      var name = question.getAttribute("data-condition-name");
      var value = question.getAttribute("data-condition-value");
      var chosen = form.querySelector('input[name="' + name + '"][value="' + value + '"]');
      var show = Boolean(chosen && chosen.checked && visible(chosen));
      question.hidden = !show;
      Array.prototype.forEach.call(question.querySelectorAll("input, textarea, select"), function (input) {
        input.disabled = !show;
      });
    });
  }

  form.addEventListener("change", update);
  // A question can depend on one that depends on another: settle in as many passes as there are levels.
  for (var i = 0; i < dependents.length; i++) { update(); }
})();
