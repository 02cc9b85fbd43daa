/* The exception wallboard refreshes itself every data-refresh-seconds (60): it fetches
   the page again and swaps in the new numbers, so a screen on the wall never flickers or
   loses its full-screen mode. When the server does not answer, the old numbers stay and
   say so; when the session has ended, the page reloads (to the login page). */
(function () {
  "use strict";

  function start() {
    var board = document.querySelector("[data-wallboard]");
    if (!board) return;
    var seconds = parseInt(board.getAttribute("data-refresh-seconds"), 10) || 60;

    function showStale(isStale) {
      var note = board.querySelector("[data-wall-stale]");
      if (note) note.hidden = !isStale;
    }

    function refresh() {
      fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (response.redirected || response.status === 401 || response.status === 403) {
            window.location.reload();
            return null;
          }
          if (!response.ok) throw new Error(String(response.status));
          return response.text();
        })
        .then(function (html) {
          if (html === null) return;
          var fresh = new DOMParser()
            .parseFromString(html, "text/html")
            .querySelector("[data-wallboard]");
          if (!fresh) throw new Error("no wallboard in the answer");
          board.innerHTML = fresh.innerHTML;
          showStale(false);
        })
        .catch(function () {
          showStale(true);
        });
    }

    window.setInterval(refresh, seconds * 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
