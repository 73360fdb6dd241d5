// Training takes up to a minute in the request: the button says so and cannot be pressed twice.
document.addEventListener("submit", function (event) {
  var button = event.target.querySelector("button[data-busy-text]");
  if (!button) { return; }
  if (button.disabled) { event.preventDefault(); return; }
  // After the submission has started, so the click itself still submits the form.
  window.setTimeout(function () {
    button.disabled = true;
    button.textContent = button.dataset.busyText;
  }, 0);
});
