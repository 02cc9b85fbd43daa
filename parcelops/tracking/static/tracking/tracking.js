/* ParcelOps tracking pages: the viewer's time zone on the customer's page, and background
   posting on the dock's scan page. Both pages work without this script. */
(function () {
  "use strict";

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  /* The customer's page: the form sends the browser's zone; a shared link without it is
     shown again in the viewer's zone (once: the zone in the address then matches). */
  function setUpTimeZone() {
    var form = document.querySelector("[data-time-zone-form]");
    if (!form) return;
    var zone = browserZone();
    if (!zone) return;
    var field = form.querySelector("input[name='tz']");
    if (field) field.value = zone;
    var result = document.querySelector("[data-shown-time-zone]");
    var url = new URL(window.location.href);
    if (result && result.getAttribute("data-shown-time-zone") !== zone && url.searchParams.get("tz") !== zone) {
      url.searchParams.set("tz", zone);
      window.location.replace(url.toString());
    }
  }

  /* The scan page: each Enter posts the scan in the background, the answer goes on top of
     the list, and the number field is cleared and keeps the focus for the next parcel. */
  function setUpScanner() {
    var form = document.querySelector("[data-scan-form]");
    if (!form || !window.fetch) return;
    var number = form.querySelector("input[name='number']");
    var list = document.querySelector("[data-scan-list]");
    var empty = document.querySelector("[data-scan-empty]");
    var error = form.querySelector("[data-scan-error]");
    var template = document.querySelector("[data-scan-row-template]");

    function addRow(row) {
      var item = template.content.firstElementChild.cloneNode(true);
      item.classList.add("scan-" + row.outcome);
      item.querySelector("[data-number]").textContent = row.number;
      item.querySelector("[data-type]").textContent = row.scan_type;
      item.querySelector("[data-message]").textContent = row.message;
      var time = item.querySelector("time");
      time.setAttribute("datetime", row.at);
      /* The server's time is already in the shop's zone, like every other time on the
         pages: its clock part as written, never the browser's zone. */
      time.textContent = row.at.slice(11, 19);
      list.insertBefore(item, list.firstChild);
      while (list.children.length > 12) list.removeChild(list.lastChild);
      if (empty) empty.hidden = true;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = number.value.trim();
      if (!value) {
        number.focus();
        return;
      }
      var body = new FormData(form);
      number.value = "";
      number.focus();
      error.hidden = true;
      fetch(form.action, {
        method: "POST",
        body: body,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.json().then(function (data) {
            return { ok: response.ok, data: data };
          });
        })
        .then(function (answer) {
          if (answer.ok) {
            addRow(answer.data);
          } else {
            error.textContent = value + ": " + answer.data.errors.map(function (e) { return e.message; }).join(" ");
            error.hidden = false;
          }
        })
        .catch(function () {
          error.textContent = value + ": " + error.getAttribute("data-offline-message");
          error.hidden = false;
        });
    });
  }

  function onReady(callback) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", callback);
    } else {
      callback();
    }
  }

  onReady(function () {
    setUpTimeZone();
    setUpScanner();
  });
})();
