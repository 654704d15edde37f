// The main menu's groups are <details> disclosures and work without this script. With it:
// one group open at a time, Escape closes the open group (focus back on its name), and so do a click
// or a Tab outside it; a group near the right edge opens its links leftwards so nothing scrolls sideways.
(function () {
  "use strict";
  var groups = Array.prototype.slice.call(document.querySelectorAll("details[data-nav-group]"));
  if (!groups.length) return;

  function close(group, focusSummary) {
    if (!group.open) return;
    group.open = false;
    if (focusSummary) group.querySelector("summary").focus();
  }

  groups.forEach(function (group) {
    group.addEventListener("toggle", function () {
      if (!group.open) return;
      groups.forEach(function (other) { if (other !== group) close(other, false); });
      group.classList.remove("nav-group--end");
      var links = group.querySelector(".nav-group__links");
      if (links && links.getBoundingClientRect().right > document.documentElement.clientWidth) {
        group.classList.add("nav-group--end");
      }
    });
    group.addEventListener("focusout", function (event) {
      // Only when focus lands somewhere else (Tab): a click on a link may blur first without a target.
      if (event.relatedTarget && !group.contains(event.relatedTarget)) close(group, false);
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    groups.forEach(function (group) { close(group, group.contains(document.activeElement)); });
  });

  document.addEventListener("click", function (event) {
    groups.forEach(function (group) { if (!group.contains(event.target)) close(group, false); });
  });
})();
