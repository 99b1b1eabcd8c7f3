/* Calendar pages: the move panel (focus and title) and the print button.
   Loaded as a file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  var opener = null; // the Move button that opened the panel

  function region() {
    return document.getElementById("panel-region");
  }

  function focusIn(panel) {
    var target =
      panel.querySelector(".is-invalid, .alert-danger, [role=status]") ||
      panel.querySelector("input:not([type=hidden]), select, textarea");
    if (!target) return;
    if (!target.matches("input, select, textarea, button, a[href]")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var title = elt && elt.getAttribute("data-panel-title");
    var heading = document.getElementById("panel-title");
    if (title && heading) {
      heading.textContent = title;
      opener = elt;
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var panel = document.getElementById("panel");
    if (!panel || !region()) return;
    var elt = event.detail.elt;
    if (event.target === panel || panel.contains(event.target) || (elt && panel.contains(elt))) {
      region().hidden = false;
      focusIn(panel);
    }
  });

  function closePanel() {
    region().hidden = true;
    document.getElementById("panel").replaceChildren();
    if (opener && document.body.contains(opener)) opener.focus();
    else document.getElementById("main").focus();
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-panel]")) {
      closePanel();
    } else if (event.target.closest("[data-print]")) {
      window.print();
    }
  });

  // Escape closes the move panel when the focus is in it.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && region() && !region().hidden && region().contains(event.target)) {
      closePanel();
    }
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
  });
})();
