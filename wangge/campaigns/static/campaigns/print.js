/* The doorplates page's print button (the CSP allows no inline handler). */
(function () {
  "use strict";
  var button = document.getElementById("print-doorplates");
  if (button) {
    button.addEventListener("click", function () { window.print(); });
  }
})();
