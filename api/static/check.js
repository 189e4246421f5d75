// Keeps a check's page current: fetches the live fragment every second and swaps it in,
// until the server says the check is finished. No reload, no build step.
(function () {
  "use strict";
  var root = document.getElementById("check-live");
  if (!root || root.dataset.finished === "true") {
    return;
  }
  var url = root.dataset.fragmentUrl;
  var interval = 1000;
  var delay = interval;
  var last = null;

  function schedule() {
    window.setTimeout(tick, delay);
  }

  function tick() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.redirected || response.status === 401) {
          window.location.reload();  // the login expired: the page itself goes to /login
          return null;
        }
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        var finished = response.headers.get("X-Check-Finished") === "true";
        return response.text().then(function (html) {
          var active = document.activeElement;
          if (!finished && active && active.tagName === "INPUT" && root.contains(active)) {
            schedule();  // someone is typing (a one-time code): don't swap the form away
            return null;
          }
          if (html !== last) {
            root.innerHTML = html;
            last = html;
          }
          delay = interval;
          if (finished) {
            root.dataset.finished = "true";
          } else {
            schedule();
          }
          return null;
        });
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000);  // server unreachable: back off, keep trying
        root.dataset.stale = "true";
        schedule();
      });
  }

  schedule();
})();
