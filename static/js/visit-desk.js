/* The visit desk (stats:visit_desk), on top of htmx.
 *
 * - Enter records the visit from any box, radio buttons and checkboxes included (browsers only
 *   submit implicitly from text-like fields).
 * - After each save or reset, the focus goes back to the first field (or to the first field in
 *   error), so that the next visit starts at once without the mouse.
 * - A saved entry usually comes back as its row only (stats.views.entry._desk_recorded_response):
 *   the form stays as the user left it, which is the previous visit's choices offered again. The
 *   "visit-recorded" event then trims the list, clears the errors of a failed attempt, sets the
 *   half-day and moves the focus. Each entry tells the server the count the page shows
 *   (X-Desk-Count) and whether its list has the "Actions" column (X-Desk-Row-Actions), so that a
 *   page out of step with the day's list gets the whole desk again.
 * Without JavaScript the form still posts and redirects: this file only saves keystrokes.
 */
(function () {
  "use strict";

  function focusFirstOf(form) {
    var group = form.querySelector(".field-error") || form.querySelector(".field");
    if (!group) return;
    // In a radio group the focus belongs on the checked option, as the Tab key would put it.
    var target = group.querySelector("input:checked") || group.querySelector("input, select, textarea");
    if (target) target.focus();
  }

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
    focusFirstOf(form);
  }

  // What a failed attempt drew on the form (templates/forms/field.html and Django's widgets).
  function clearErrors(form) {
    form.querySelectorAll(".form-errors, .errors").forEach(function (box) {
      box.remove();
    });
    form.querySelectorAll(".field-error").forEach(function (field) {
      field.classList.remove("field-error");
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (input) {
      input.removeAttribute("aria-invalid");
    });
    form.querySelectorAll("[aria-describedby]").forEach(function (element) {
      var ids = element
        .getAttribute("aria-describedby")
        .split(/\s+/)
        .filter(function (id) {
          return id && !/_errors$/.test(id);
        });
      if (ids.length) element.setAttribute("aria-describedby", ids.join(" "));
      else element.removeAttribute("aria-describedby");
    });
  }

  function visitRecorded(event) {
    var detail = event.detail || {};
    var rows = document.getElementById("desk-rows");
    if (rows && typeof detail.limit === "number") {
      while (rows.rows.length > detail.limit) rows.deleteRow(-1);
    }
    var form = document.getElementById("visit-form");
    if (!form) return;
    clearErrors(form);
    if (typeof detail.halfDay === "string") {
      form.querySelectorAll('input[name="half_day"]').forEach(function (radio) {
        radio.checked = radio.value === detail.halfDay;
      });
    }
    focusFirstOf(form);
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || event.isComposing || !input.form || input.form.id !== "visit-form") return;
    if (input.type === "radio" || input.type === "checkbox") {
      event.preventDefault();
      input.form.requestSubmit();
    }
  });

  document.addEventListener("htmx:configRequest", function (event) {
    var count = document.getElementById("desk-count");
    if (count && event.detail.elt && event.detail.elt.id === "visit-form") {
      event.detail.headers["X-Desk-Count"] = count.textContent.trim();
      // A list drawn while the period was closed has no "Actions" column for a new row to match.
      var table = document.querySelector("table.desk-table");
      if (table) event.detail.headers["X-Desk-Row-Actions"] = table.getAttribute("data-row-actions");
    }
  });

  document.addEventListener("htmx:afterSettle", focusFirstField);
  document.addEventListener("visit-recorded", visitRecorded);
})();
