/* The landlord notice's print button: a script file, since the Content-Security-Policy allows
 * no inline event handlers. */
(function () {
  "use strict";
  var button = document.getElementById("print-notice");
  if (button) {
    button.addEventListener("click", function () { window.print(); });
  }
})();
