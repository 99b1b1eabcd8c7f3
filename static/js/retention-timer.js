/* The running retention timer of a treatment record: updates every element
   with data-retention-timer each second and writes the alerts (text, not
   only colour) when the clinic's minimum and maximum are reached.
   Loaded as a file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  var offsets = new WeakMap(); // server clock minus this browser's clock, per timer

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function alertText(level, low, high) {
    if (level === "high") {
      return high + " minutes reached: remove the needles now (a longer retention needs a reason).";
    }
    if (level === "low") {
      return low + " minutes reached: the needles may come out when ready.";
    }
    return "";
  }

  function update(timer) {
    var started = Date.parse(timer.getAttribute("data-started-at"));
    if (isNaN(started)) return;
    if (!offsets.has(timer)) {
      var serverNow = Date.parse(timer.getAttribute("data-server-now"));
      offsets.set(timer, isNaN(serverNow) ? 0 : serverNow - Date.now());
    }
    var seconds = Math.max(0, Math.floor((Date.now() + offsets.get(timer) - started) / 1000));
    var minutes = Math.floor(seconds / 60);
    var out = timer.querySelector("[data-elapsed]");
    if (out) out.textContent = pad(minutes) + ":" + pad(seconds % 60) + " (min:s)";

    var low = parseInt(timer.getAttribute("data-alert-min"), 10);
    var high = parseInt(timer.getAttribute("data-alert-max"), 10);
    var box = document.getElementById(timer.getAttribute("data-alert-target"));
    if (!box || isNaN(low) || isNaN(high)) return;
    var level = minutes >= high ? "high" : minutes >= low ? "low" : "";
    if (box.getAttribute("data-level") === level && box.textContent.trim() !== "" === (level !== "")) return;
    box.setAttribute("data-level", level);
    box.className = "retention-alert" + (level === "high" ? " alert alert-danger" : level === "low" ? " alert alert-warning" : "");
    box.textContent = alertText(level, low, high);
  }

  function tick() {
    document.querySelectorAll("[data-retention-timer]").forEach(update);
  }

  tick();
  window.setInterval(tick, 1000);
})();
