/* Treatment-floor board (templates/sessions/floor_board.html).

   htmx replaces the board every few seconds; in between, this script ticks the
   elapsed minutes every second from each session's data-needles-in time and
   moves a session to "check patient" / "remove needles" when it crosses the
   clinic's thresholds, announcing the change to screen readers.

   It also stops polling once nobody has touched the page for the idle time of a
   login (each poll would otherwise keep the login alive for ever), says when the
   board could not be updated, and follows a redirect to the login page.

   Loaded as a file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  var STATES = ["under", "min", "max"];
  var known = {}; // session uuid -> last state seen, to announce changes only
  var offset = 0; // server clock minus this browser's clock, in ms
  var lastUpdate = Date.now();
  var lastActivity = Date.now();
  var paused = false;

  function board() {
    return document.getElementById("floor-board");
  }

  function notice(text) {
    var box = document.getElementById("floor-notice");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
  }

  function announce(text) {
    var region = document.getElementById("floor-announcer");
    if (region) region.textContent = text;
  }

  function clock(date) {
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function stateFor(seconds, low, high) {
    if (seconds >= high * 60) return "max";
    if (seconds >= low * 60) return "min";
    return "under";
  }

  function syncClock(el) {
    var rendered = Date.parse(el.getAttribute("data-rendered-at"));
    if (!isNaN(rendered)) offset = rendered - Date.now();
  }

  function tick(options) {
    var el = board();
    if (!el) return;
    var silent = options && options.silent;
    var low = Number(el.getAttribute("data-retention-min"));
    var high = Number(el.getAttribute("data-retention-max"));
    var now = Date.now() + offset;

    el.querySelectorAll("[data-needles-in]").forEach(function (entry) {
      var since = Date.parse(entry.getAttribute("data-needles-in"));
      if (isNaN(since)) return;
      var seconds = Math.max(0, (now - since) / 1000);
      var minutes = String(Math.floor(seconds / 60));
      var elapsed = entry.querySelector("[data-elapsed]");
      if (elapsed && elapsed.textContent !== minutes) elapsed.textContent = minutes;

      var state = stateFor(seconds, low, high);
      if (entry.getAttribute("data-state") !== state) {
        STATES.forEach(function (s) {
          entry.classList.toggle("floor-status-" + s, s === state);
        });
        entry.setAttribute("data-state", state);
        var text = entry.querySelector("[data-status-text]");
        if (text) text.textContent = el.getAttribute("data-label-" + state);
        var glyph = entry.querySelector("[data-status-glyph]");
        if (glyph) glyph.textContent = el.getAttribute("data-glyph-" + state);
      }
      var id = entry.getAttribute("data-floor-session");
      var before = known[id];
      if (!silent && before !== undefined && STATES.indexOf(state) > STATES.indexOf(before)) {
        announce(entry.getAttribute("data-room") + ": " + el.getAttribute("data-label-" + state));
      }
      known[id] = state;
    });

    // A room takes the colour and border of its most urgent session.
    el.querySelectorAll("[data-floor-room]").forEach(function (room) {
      var worst = -1;
      room.querySelectorAll("[data-needles-in]").forEach(function (entry) {
        worst = Math.max(worst, STATES.indexOf(entry.getAttribute("data-state")));
      });
      var roomState = worst < 0 ? "free" : STATES[worst];
      ["free"].concat(STATES).forEach(function (s) {
        room.classList.toggle("floor-state-" + s, s === roomState);
      });
    });

    var poll = Number(el.getAttribute("data-poll-seconds")) || 15;
    if (!paused && Date.now() - lastUpdate > poll * 3 * 1000) {
      notice(
        "The board could not be updated since " + clock(new Date(lastUpdate)) +
          ": the times still count, but new sessions and removed needles are not shown. " +
          "Check the connection or reload the page."
      );
    }
  }

  function idleLimit() {
    var el = board();
    var seconds = el ? Number(el.getAttribute("data-idle-seconds")) : 0;
    return seconds > 0 ? seconds * 1000 : Infinity;
  }

  function resume() {
    lastActivity = Date.now();
    if (!paused) return;
    paused = false;
    notice("");
    var el = board();
    if (el && window.htmx) window.htmx.trigger(el, "floorRefresh");
  }

  ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"].forEach(function (name) {
    document.addEventListener(name, resume, { passive: true });
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt !== board()) return;
    if (Date.now() - lastActivity >= idleLimit()) {
      event.preventDefault();
      if (!paused) {
        paused = true;
        notice(
          "Updates paused at " + clock(new Date()) + " after a while without activity, so that " +
            "the login can time out. Press a key or move the mouse to resume."
        );
      }
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.elt !== board()) return;
    // The login ended: htmx followed the redirect to the login page. Go there.
    var xhr = event.detail.xhr;
    var asked = board().getAttribute("hx-get");
    if (xhr && xhr.responseURL && new URL(xhr.responseURL).pathname !== asked) {
      event.detail.shouldSwap = false;
      window.location.assign(xhr.responseURL);
    }
  });

  document.addEventListener("htmx:afterSwap", function () {
    var el = board();
    if (!el || !el.isConnected) return;
    lastUpdate = Date.now();
    if (!paused) notice("");
    syncClock(el);
    tick();
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-floor-refresh]");
    var el = board();
    if (!link || !el || !window.htmx) return;
    event.preventDefault();
    resume();
    window.htmx.trigger(el, "floorRefresh");
  });

  function start() {
    var el = board();
    if (!el) return;
    syncClock(el);
    tick({ silent: true });
    window.setInterval(tick, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
