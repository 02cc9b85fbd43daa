/* The exception desk: every [data-deadline] counts down to its deadline, live, in the
   words the page put in #countdown-words (the same the server used for its first text).
   Past the deadline it counts up, marked overdue. Loaded with a <script src>: the
   Content-Security-Policy forbids inline scripts. */
(function () {
  "use strict";

  function fill(template, values) {
    return template.replace(/%\((\w+)\)(02d|d|s)/g, function (whole, name, kind) {
      var value = values[name];
      if (kind === "02d") return (value < 10 ? "0" : "") + value;
      return String(value);
    });
  }

  function durationText(seconds, words) {
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    if (days) return fill(words.days, { days: days, hours: hours });
    if (hours) return fill(words.hours, { hours: hours, minutes: minutes });
    return fill(words.minutes, { minutes: minutes, seconds: rest });
  }

  function start() {
    var source = document.getElementById("countdown-words");
    var clocks = document.querySelectorAll("[data-deadline]");
    if (!source || !clocks.length) return;
    var words = JSON.parse(source.textContent);
    var deadlines = [];
    clocks.forEach(function (clock) {
      var at = Date.parse(clock.getAttribute("data-deadline"));
      if (!isNaN(at)) deadlines.push({ element: clock, at: at });
    });

    function tick() {
      var now = Date.now();
      deadlines.forEach(function (deadline) {
        var seconds = Math.floor(Math.abs(deadline.at - now) / 1000);
        var isOverdue = now >= deadline.at;
        var text = fill(isOverdue ? words.overdue : words.left, {
          time: durationText(seconds, words),
        });
        if (deadline.element.textContent !== text) deadline.element.textContent = text;
        deadline.element.classList.toggle("is-overdue", isOverdue);
      });
    }

    tick();
    window.setInterval(tick, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
