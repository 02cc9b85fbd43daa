/* The stock forms with a handheld scanner acting as a keyboard: a scanner types the code
   and presses Enter. In a scan field Enter moves to the next field instead of sending the
   form half filled; in the last field it sends the form as usual. */
(function () {
  "use strict";

  function fieldsOf(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return (el.tagName === "INPUT" || el.tagName === "SELECT" || el.tagName === "TEXTAREA") &&
        el.type !== "hidden" && el.type !== "submit" && !el.disabled;
    });
  }

  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || !field.hasAttribute || !field.hasAttribute("data-scan")) return;
    var form = field.form;
    if (!form || !form.hasAttribute("data-scan-form")) return;
    var fields = fieldsOf(form);
    var next = fields[fields.indexOf(field) + 1];
    if (!next) return;
    event.preventDefault();
    next.focus();
    if (next.select) next.select();
  });
})();
