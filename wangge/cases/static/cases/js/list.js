/* The case list: on a wide screen the filters stand open beside the results (on a phone they
 * start folded above them, so the cases come first). Runs on load and whenever htmx swaps the
 * search area in. Without this script the filters simply start folded. */
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 1024px)");

  function unfold() {
    var filters = document.getElementById("more-filters");
    if (filters && wide.matches) { filters.open = true; }
  }

  unfold();
  document.addEventListener("htmx:afterSettle", unfold);
})();
