/* The visit desk (stats:visit_desk), on top of htmx.
 *
 * - Enter records the visit from any box, radio buttons and checkboxes included (browsers only
 *   submit implicitly from text-like fields).
 * - After each save or reset, the focus goes back to the first field (or to the first field in
 *   error), so that the next visit starts at once without the mouse.
 * Without JavaScript the form still posts and redirects: this file only saves keystrokes.
 */
(function () {
  "use strict";

  function focusFirstField() {
    var desk = document.getElementById("desk");
    if (!desk || !desk.hasAttribute("data-focus-first")) return;
    desk.removeAttribute("data-focus-first");
    var form = document.getElementById("visit-form");
    if (!form) {
      var refusal = desk.querySelector(".desk-refusal");
      if (refusal) refusal.focus();
      return;
    }
    var group = form.querySelector(".field-error") || form.querySelector(".field");
    if (!group) return;
    // In a radio group the focus belongs on the checked option, as the Tab key would put it.
    var target = group.querySelector("input:checked") || group.querySelector("input, select, textarea");
    if (target) target.focus();
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || event.isComposing || !input.form || input.form.id !== "visit-form") return;
    if (input.type === "radio" || input.type === "checkbox") {
      event.preventDefault();
      input.form.requestSubmit();
    }
  });

  document.addEventListener("htmx:afterSettle", focusFirstField);
})();
