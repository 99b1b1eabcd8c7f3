/* The steps of a treatment record: after htmx swaps another step in (a step
   link or "Next step"), focus moves to the step's first heading, so that a
   keyboard or screen-reader user carries on from there. Without JS the links
   load the step's page. Loaded as a file: the CSP allows no inline script. */
(function () {
  "use strict";

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.target;
    if (!target || target.id !== "record-step") return;
    var heading = target.querySelector("h2");
    if (!heading) return;
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  });
})();
