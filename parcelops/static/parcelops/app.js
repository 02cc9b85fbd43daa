/* ParcelOps: small enhancements on top of pages that work without JavaScript.
   The phone menu, confirmation of destructive buttons, and the new-order line rows. */
(function () {
  "use strict";

  document.documentElement.classList.remove("no-js");
  document.documentElement.classList.add("js");

  function onReady(callback) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", callback);
    } else {
      callback();
    }
  }

  function setUpMenu() {
    var toggle = document.querySelector("[data-nav-toggle]");
    if (!toggle) return;
    var menu = document.getElementById(toggle.getAttribute("aria-controls"));
    toggle.addEventListener("click", function () {
      var isOpen = menu.classList.toggle("is-open");
      toggle.setAttribute("aria-expanded", isOpen ? "true" : "false");
    });
  }

  function setUpConfirmations() {
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-confirm]");
      if (button && !window.confirm(button.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  }

  /* Money as integer cents, like the server: "12.5" -> 1250; null when not money. */
  function toCents(text) {
    var value = (text || "").trim();
    if (!/^\d{1,12}(\.\d{1,2})?$/.test(value)) return null;
    var parts = value.split(".");
    var fraction = ((parts[1] || "") + "00").slice(0, 2);
    return parseInt(parts[0], 10) * 100 + parseInt(fraction, 10);
  }

  function formatCents(cents) {
    var sign = cents < 0 ? "-" : "";
    var absolute = Math.abs(cents);
    var fraction = String(absolute % 100);
    return sign + Math.floor(absolute / 100) + "." + (fraction.length < 2 ? "0" + fraction : fraction);
  }

  function setUpOrderForm() {
    var form = document.querySelector("[data-order-form]");
    if (!form) return;
    var rows = form.querySelector("[data-line-rows]");
    var template = form.querySelector("[data-line-template]");
    var totalForms = form.querySelector("input[name='lines-TOTAL_FORMS']");
    var computed = form.querySelector("[data-computed-total]");
    var computedValue = form.querySelector("[data-computed-value]");
    var totalInput = form.querySelector("input[name='total']");

    function recalculate() {
      var sum = 0;
      var isComplete = true;
      rows.querySelectorAll("[data-line-row]").forEach(function (row) {
        if (row.hidden) return;
        var quantityText = (row.querySelector("[data-line-quantity]").value || "").trim();
        var priceText = (row.querySelector("[data-line-price]").value || "").trim();
        if (!quantityText && !priceText) return;
        var quantity = /^\d+$/.test(quantityText) ? parseInt(quantityText, 10) : null;
        var price = toCents(priceText);
        if (quantity === null || price === null) {
          isComplete = false;
          return;
        }
        sum += quantity * price;
      });
      var discount = toCents(form.querySelector("input[name='discount']").value || "0");
      var shipping = toCents(form.querySelector("input[name='shipping_fee']").value || "0");
      if (!isComplete || sum === 0 || discount === null || shipping === null) {
        computed.hidden = true;
        return;
      }
      computedValue.textContent = formatCents(sum - discount + shipping);
      computed.hidden = false;
    }

    form.querySelector("[data-add-line]").addEventListener("click", function () {
      var index = parseInt(totalForms.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      totalForms.value = String(index + 1);
      var added = rows.lastElementChild;
      added.querySelectorAll(".line-label").forEach(function (label) {
        label.textContent = label.textContent.trim() + " (" + (index + 1) + ")";
      });
      added.querySelector("input").focus();
    });

    rows.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-remove-line]");
      if (!remove) return;
      var row = remove.closest("[data-line-row]");
      /* An emptied row is skipped by the server, so the form indexes stay as they are. */
      row.querySelectorAll("input").forEach(function (input) {
        input.value = "";
      });
      row.hidden = true;
      recalculate();
    });

    form.addEventListener("input", recalculate);
    form.querySelector("[data-use-computed]").addEventListener("click", function () {
      totalInput.value = computedValue.textContent;
      totalInput.focus();
    });
    recalculate();
  }

  /* The hand-over form: the carriers the typed number fits are offered (the first one chosen
     when no carrier is), and choosing another carrier than the customer's asks for a tick. */
  function setUpHandOver(form) {
    var select = form.querySelector("select[name='carrier']");
    var number = form.querySelector("input[name='tracking_number']");
    var hint = form.querySelector("[data-carrier-hint]");
    var confirmBox = form.querySelector("[data-carrier-confirm]");
    var requested = form.getAttribute("data-requested-carrier") || "";
    var chosenByUs = false;
    var timer = null;
    var asked = "";

    function showConfirm() {
      if (confirmBox) confirmBox.hidden = !(requested && select.value && select.value !== requested);
    }

    function choose(code) {
      select.value = code;
      showConfirm();
    }

    function showHint(candidates) {
      hint.textContent = "";
      var fits = candidates.some(function (c) { return c.code === select.value; });
      if (!candidates.length || (fits && !chosenByUs)) {
        hint.hidden = true;
        return;
      }
      hint.appendChild(document.createTextNode(hint.getAttribute("data-hint-text") + " "));
      candidates.slice(0, 3).forEach(function (candidate) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-secondary btn-sm";
        button.setAttribute("data-carrier-choice", candidate.code);
        button.textContent = candidate.name;
        hint.appendChild(button);
      });
      hint.hidden = false;
    }

    function detect() {
      var value = number.value.replace(/[\s-]+/g, "");
      if (value.length < 6 || value === asked || !window.fetch) return;
      asked = value;
      fetch(form.getAttribute("data-detect-url") + "?number=" + encodeURIComponent(value), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) { return response.ok ? response.json() : { candidates: [] }; })
        .then(function (data) {
          if (value !== asked) return;
          var candidates = data.candidates || [];
          if (candidates.length && (!select.value || chosenByUs)) {
            chosenByUs = true;
            choose(candidates[0].code);
          }
          showHint(candidates);
        })
        .catch(function () { /* no suggestion: the form works as before */ });
    }

    number.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(detect, 250);
    });
    select.addEventListener("change", function () {
      chosenByUs = false;
      showConfirm();
    });
    hint.addEventListener("click", function (event) {
      var button = event.target.closest("[data-carrier-choice]");
      if (!button) return;
      chosenByUs = false;
      choose(button.getAttribute("data-carrier-choice"));
      hint.hidden = true;
    });
    showConfirm();
  }

  onReady(function () {
    setUpMenu();
    setUpConfirmations();
    setUpOrderForm();
    document.querySelectorAll("[data-hand-over-form]").forEach(setUpHandOver);
  });
})();
