/* The body chart of the assessment: clicking a region of the SVG ticks or
   unticks the matching pain-location checkbox, and the region shows whether
   it is ticked. The checkboxes are the real control and work without JS.
   Loaded as a file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  function checkboxFor(region) {
    var chart = region.closest("[data-bodychart]");
    var scope = (chart && chart.closest("form")) || document;
    var key = region.getAttribute("data-region");
    var boxes = scope.querySelectorAll('input[type="checkbox"][name="pain_locations"]');
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].value === key) return boxes[i];
    }
    return null;
  }

  function sync() {
    document.querySelectorAll("[data-bodychart] [data-region]").forEach(function (region) {
      var box = checkboxFor(region);
      if (box) region.classList.toggle("is-selected", box.checked);
    });
  }

  document.addEventListener("click", function (event) {
    var region = event.target.closest ? event.target.closest("[data-bodychart] [data-region]") : null;
    if (!region) return;
    var box = checkboxFor(region);
    if (!box) return;
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", { bubbles: true }));
  });

  document.addEventListener("change", function (event) {
    if (event.target.name === "pain_locations") sync();
  });

  document.addEventListener("htmx:afterSettle", sync);
  sync();
})();
