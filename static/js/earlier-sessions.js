/* "Earlier sessions" (templates/includes/earlier_sessions.html): once htmx has
   appended the next page, the button that had the focus is gone; the focus
   moves to the first session added, so keyboard and screen-reader users carry
   on from where the new sessions start. */
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function (event) {
    var list = event.detail && event.detail.target;
    if (!list || !list.hasAttribute || !list.hasAttribute("data-earlier-list")) return;
    var pages = list.querySelectorAll("[data-earlier-page]");
    if (!pages.length) return;
    var first = pages[pages.length - 1].querySelector("[data-page-focus]");
    if (first) first.focus();
  });
})();
