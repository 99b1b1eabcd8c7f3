/* Calendar pages: the move panel (focus and title) and the print button.
   Loaded as a file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  var opener = null; // the Move button that opened the panel

  function region() {
    return document.getElementById("panel-region");
  }

  function focusIn(panel) {
    var target =
      panel.querySelector(".is-invalid, .alert-danger, [role=status]") ||
      panel.querySelector("input:not([type=hidden]), select, textarea");
    if (!target) return;
    if (!target.matches("input, select, textarea, button, a[href]")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var title = elt && elt.getAttribute("data-panel-title");
    var heading = document.getElementById("panel-title");
    if (title && heading) {
      heading.textContent = title;
      opener = elt;
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var panel = document.getElementById("panel");
    if (!panel || !region()) return;
    var elt = event.detail.elt;
    if (event.target === panel || panel.contains(event.target) || (elt && panel.contains(elt))) {
      region().hidden = false;
      focusIn(panel);
    }
  });

  function closePanel() {
    region().hidden = true;
    document.getElementById("panel").replaceChildren();
    if (opener && document.body.contains(opener)) opener.focus();
    else document.getElementById("main").focus();
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-panel]")) {
      closePanel();
    } else if (event.target.closest("[data-print]")) {
      window.print();
    }
  });

  // Escape closes the move panel when the focus is in it.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && region() && !region().hidden && region().contains(event.target)) {
      closePanel();
    }
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
  });
})();

/* Moving and resizing on the grid: drag the "Drag" grip (or its bottom edge
   to resize), or focus the grip, press Enter and use the arrow keys. Each
   place it would land is checked by the server first (the move's own rules,
   as a dry run: /move/check/) and marked with words, not colour alone; a
   refused place is never dropped on. A drop is a move through the move
   service (/move/drop/), which can be undone once (/move/undo/). Without
   JavaScript the Move form does all of this. */
(function () {
  "use strict";

  var drag = null; // the move being chosen, see pickUp()
  var undo = null; // {url, version} of the last move made here

  function $(selector, root) {
    return (root || document).querySelector(selector);
  }
  function csrf() {
    var input = $("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function announce(text) {
    var region = document.getElementById("calendar-announce");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 30);
  }
  function showStatus(text, canUndo) {
    var status = document.getElementById("calendar-status");
    if (!status) return;
    $("[data-status-text]", status).textContent = text;
    $("[data-undo]", status).hidden = !canUndo;
    status.classList.toggle("is-shown", Boolean(text));
  }

  function minutesOf(clock) {
    var parts = clock.split(":");
    return parseInt(parts[0], 10) * 60 + parseInt(parts[1], 10);
  }
  function clockOf(minutes) {
    var h = Math.floor(minutes / 60), m = minutes % 60;
    return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
  }

  /* The grid's geometry: its columns (practitioner and day) and rows (clock times). */
  function layout(table) {
    return {
      table: table,
      step: parseInt(table.getAttribute("data-slot-minutes"), 10) || 15,
      columns: Array.prototype.slice.call(table.querySelectorAll("thead th.cal-col-head")),
      rows: Array.prototype.slice.call(table.querySelectorAll("tbody th.cal-time")),
    };
  }
  function rowIndexAt(grid, clock) {
    var wanted = minutesOf(clock), best = 0;
    grid.rows.forEach(function (th, index) {
      if (minutesOf(th.getAttribute("data-clock")) <= wanted) best = index;
    });
    return best;
  }
  function columnIndexOf(grid, entry) {
    var day = entry.getAttribute("data-day"), who = entry.getAttribute("data-practitioner");
    for (var i = 0; i < grid.columns.length; i++) {
      var th = grid.columns[i];
      if (th.getAttribute("data-day") === day && th.getAttribute("data-practitioner") === who) return i;
    }
    return 0;
  }

  function pickUp(entry, via) {
    var grid = layout(entry.closest("table"));
    var row = rowIndexAt(grid, entry.getAttribute("data-time"));
    var start = minutesOf(entry.getAttribute("data-time"));
    drag = {
      entry: entry,
      grid: grid,
      via: via,
      offset: start - minutesOf(grid.rows[row].getAttribute("data-clock")), // off-grid starts
      original: { column: columnIndexOf(grid, entry), row: row },
      column: columnIndexOf(grid, entry),
      row: row,
      minutes: parseInt(entry.getAttribute("data-minutes"), 10),
      originalMinutes: parseInt(entry.getAttribute("data-minutes"), 10),
      checks: {},
      marker: null,
    };
    entry.classList.add("is-dragging");
    update();
  }

  function target() {
    var th = drag.grid.columns[drag.column];
    var start = minutesOf(drag.grid.rows[drag.row].getAttribute("data-clock")) + drag.offset;
    return {
      date: th.getAttribute("data-day"),
      dayLabel: th.getAttribute("data-day-label"),
      practitioner: th.getAttribute("data-practitioner"),
      practitionerName: th.getAttribute("data-practitioner-name"),
      time: clockOf(start),
      end: clockOf(start + drag.minutes),
      minutes: drag.minutes,
    };
  }
  function describe(place) {
    return place.dayLabel + " " + place.time + "–" + place.end + " with " + place.practitionerName;
  }
  function fields(place, reason) {
    var entry = drag.entry;
    var data = new URLSearchParams();
    data.set("version", entry.getAttribute("data-version"));
    data.set("date", place.date);
    data.set("time", place.time);
    data.set("duration_minutes", String(place.minutes));
    data.set("practitioner", place.practitioner);
    data.set("room", entry.getAttribute("data-room"));
    data.set("outside_hours_reason", reason || "");
    return data;
  }
  function unchanged() {
    return drag.column === drag.original.column && drag.row === drag.original.row &&
      drag.minutes === drag.originalMinutes;
  }

  /* The server's verdict on a place (asked once per place per drag). */
  function check(place) {
    var key = fields(place).toString();
    if (!drag.checks[key]) {
      var url = drag.entry.getAttribute("data-check-url") + "?" + key;
      drag.checks[key] = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .catch(function () {
          return { allowed: false, problem: "The calendar could not check that time (no connection?).", needs_reason: "" };
        });
    }
    return drag.checks[key];
  }
  function verdictText(verdict) {
    if (!verdict) return "Checking…";
    if (!verdict.allowed) return "✕ Not possible: " + verdict.problem;
    if (verdict.needs_reason) return "⚠ Outside working hours: needs a reason";
    return "✓ Free";
  }

  /* The marker over the place the appointment would land, with the verdict in words. */
  function placeMarker(place, verdict) {
    var scroller = drag.grid.table.closest(".calendar-scroll");
    if (!drag.marker) {
      drag.marker = document.createElement("div");
      drag.marker.className = "cal-drop";
      drag.marker.setAttribute("data-testid", "drop-marker");
      drag.marker.setAttribute("aria-hidden", "true"); // the live region says it
      scroller.appendChild(drag.marker);
    }
    var box = scroller.getBoundingClientRect();
    var column = drag.grid.columns[drag.column].getBoundingClientRect();
    var first = drag.grid.rows[drag.row].getBoundingClientRect();
    var lastIndex = Math.min(drag.grid.rows.length - 1, drag.row + Math.max(1, Math.ceil(drag.minutes / drag.grid.step)) - 1);
    var last = drag.grid.rows[lastIndex].getBoundingClientRect();
    drag.marker.style.left = column.left - box.left + scroller.scrollLeft + "px";
    drag.marker.style.top = first.top - box.top + scroller.scrollTop + "px";
    drag.marker.style.width = column.width + "px";
    drag.marker.style.height = last.bottom - first.top + "px";
    drag.marker.classList.toggle("is-bad", Boolean(verdict && !verdict.allowed));
    drag.marker.classList.toggle("is-warn", Boolean(verdict && verdict.allowed && verdict.needs_reason));
    drag.marker.classList.toggle("is-ok", Boolean(verdict && verdict.allowed && !verdict.needs_reason));
    drag.marker.textContent = place.time + "–" + place.end + " · " + verdictText(verdict);
  }

  function update() {
    var place = target();
    var current = drag;
    placeMarker(place, null);
    check(place).then(function (verdict) {
      if (drag !== current) return;
      var now = target();
      if (now.date !== place.date || now.time !== place.time || now.minutes !== place.minutes ||
          now.practitioner !== place.practitioner) return; // moved on meanwhile
      placeMarker(place, verdict);
      // Picked up where it is: the instructions were just announced, no verdict needed.
      if (current.via === "keys" && !unchanged()) announce(describe(place) + ": " + verdictText(verdict));
    });
  }

  function putDown() {
    if (!drag) return;
    drag.entry.classList.remove("is-dragging");
    if (drag.marker) drag.marker.remove();
    drag = null;
  }
  function cancel(message) {
    var grip = drag && $("[data-grip]", drag.entry);
    putDown();
    announce(message || "Move cancelled: nothing changed.");
    if (grip) grip.focus();
  }

  /* Drop: wait for the verdict; refused places stay refused, outside hours asks for a reason. */
  function drop() {
    if (unchanged()) return cancel("Not moved: that is where it already is.");
    var current = drag, place = target();
    check(place).then(function (verdict) {
      if (drag !== current) return;
      if (!verdict.allowed) {
        var message = "Not moved. " + verdict.problem;
        putDown();
        showStatus(message, false);
        announce(message);
        return;
      }
      if (verdict.needs_reason) return confirmReason(current, place, verdict.needs_reason);
      send(current, place, "");
    });
  }

  function send(current, place, reason) {
    var patient = current.entry.getAttribute("data-patient");
    return fetch(current.entry.getAttribute("data-drop-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
      body: fields(place, reason),
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (drag === current) putDown();
        if (answer.moved) {
          undo = { url: answer.undo_url, version: answer.version };
          finished(answer.message, true);
        } else {
          finished("Not moved (" + patient + "). " + answer.problem, false);
        }
        return answer;
      });
  }

  function finished(message, canUndo) {
    showStatus(message, canUndo);
    announce(message);
    if (window.htmx) window.htmx.trigger(document.body, "calendarChanged");
    var button = $("#calendar-status [data-undo]");
    if (canUndo && button) button.focus();
  }

  function confirmReason(current, place, why) {
    var dialog = document.getElementById("drop-confirm");
    $("[data-confirm-what]", dialog).textContent =
      "Move " + current.entry.getAttribute("data-patient") + " to " + describe(place) + ".";
    $("[data-confirm-why]", dialog).textContent = why;
    $("[data-confirm-error]", dialog).textContent = "";
    var input = $("#drop-reason", dialog);
    input.value = "";
    input.classList.remove("is-invalid");
    dialog.pending = { current: current, place: place };
    dialog.showModal();
    input.focus();
  }

  function setUpDialog() {
    var dialog = document.getElementById("drop-confirm");
    if (!dialog || dialog.ready) return;
    dialog.ready = true;
    var input = $("#drop-reason", dialog);
    function submit() {
      var pending = dialog.pending, reason = input.value.trim();
      if (!reason) {
        input.classList.add("is-invalid");
        $("[data-confirm-error]", dialog).textContent = "Say why it is booked outside working hours.";
        input.focus();
        return;
      }
      send(pending.current, pending.place, reason).then(function (answer) {
        if (answer.moved) {
          dialog.pending = null;
          dialog.close();
          var button = $("#calendar-status [data-undo]");
          if (button) button.focus();
        } else {
          $("[data-confirm-error]", dialog).textContent = answer.problem;
        }
      });
    }
    $("[data-confirm-submit]", dialog).addEventListener("click", submit);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        submit();
      }
    });
    function dismiss() {
      if (dialog.pending) {
        var grip = $("[data-grip]", dialog.pending.current.entry);
        dialog.pending = null;
        if (drag) putDown();
        announce("Move cancelled: nothing changed.");
        if (grip && document.body.contains(grip)) grip.focus();
      }
    }
    $("[data-confirm-cancel]", dialog).addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", dismiss);
  }

  /* Undo: the last move taken back, through the move service like any move. */
  document.addEventListener("click", function (event) {
    if (!event.target.closest("#calendar-status [data-undo]") || !undo) return;
    var last = undo;
    undo = null;
    fetch(last.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
      body: new URLSearchParams({ version: String(last.version) }),
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        finished(answer.moved ? answer.message : "Not undone. " + answer.problem, false);
        var status = document.getElementById("calendar-status");
        status.setAttribute("tabindex", "-1");
        status.focus();
      });
  });

  /* Pointer: drag the grip to move, the bottom edge to resize. */
  function placeAt(x, y) {
    var grid = drag.grid, column = drag.column, row = drag.row;
    grid.columns.forEach(function (th, index) {
      var box = th.getBoundingClientRect();
      if (x >= box.left && x < box.right) column = index;
    });
    grid.rows.forEach(function (th, index) {
      var box = th.parentElement.getBoundingClientRect();
      if (y >= box.top && y < box.bottom) row = index;
    });
    return { column: column, row: row };
  }

  document.addEventListener("pointerdown", function (event) {
    var handle = event.target.closest("[data-grip], [data-resize]");
    if (!handle || event.button !== 0 || drag) return;
    var entry = handle.closest("[data-movable]");
    event.preventDefault();
    pickUp(entry, "pointer");
    drag.resizing = handle.hasAttribute("data-resize");
    drag.start = { x: event.clientX, y: event.clientY };
    drag.grab = placeAt(event.clientX, event.clientY);
    drag.grab.row -= drag.row; // where in the appointment it was grabbed
    drag.moved = false;
    handle.setPointerCapture(event.pointerId);
  });

  document.addEventListener("pointermove", function (event) {
    if (!drag || drag.via !== "pointer") return;
    if (!drag.moved && Math.abs(event.clientX - drag.start.x) + Math.abs(event.clientY - drag.start.y) < 5) return;
    drag.moved = true;
    var at = placeAt(event.clientX, event.clientY);
    if (drag.resizing) {
      // The row under the pointer is the block's last; the block ends with the type's buffer.
      var end = Math.max(at.row, drag.row) + 1;
      var buffer = parseInt(drag.entry.getAttribute("data-buffer"), 10) || 0;
      var minutes = Math.max(drag.grid.step, (end - drag.row) * drag.grid.step - drag.offset - buffer);
      if (minutes === drag.minutes) return;
      drag.minutes = minutes;
    } else {
      var row = Math.max(0, Math.min(drag.grid.rows.length - 1, at.row - drag.grab.row));
      if (row === drag.row && at.column === drag.column) return;
      drag.row = row;
      drag.column = at.column;
    }
    update();
  });

  document.addEventListener("pointerup", function () {
    if (!drag || drag.via !== "pointer") return;
    if (!drag.moved) {
      // A click: pick it up for the keyboard instead.
      var entry = drag.entry;
      putDown();
      pickUp(entry, "keys");
      $("[data-grip]", entry).focus();
      announceHelp();
      return;
    }
    drop();
  });

  /* Keyboard: Enter or Space picks up; arrows choose; Enter drops; Escape cancels. */
  function announceHelp() {
    announce(
      "Moving " + drag.entry.getAttribute("data-patient") + ", now " + describe(target()) +
        ". Up and down: earlier or later; left and right: next column; Shift with up and down: shorter or longer; Enter: move here; Escape: cancel."
    );
  }

  document.addEventListener("keydown", function (event) {
    var grip = event.target.closest && event.target.closest("[data-grip]");
    if (!grip) return;
    if (!drag) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        pickUp(grip.closest("[data-movable]"), "keys");
        announceHelp();
      }
      return;
    }
    var step = drag.grid.step;
    switch (event.key) {
      case "ArrowUp":
      case "ArrowDown":
        var down = event.key === "ArrowDown";
        if (event.shiftKey) {
          drag.minutes = Math.max(step, drag.minutes + (down ? step : -step));
        } else {
          drag.row = Math.max(0, Math.min(drag.grid.rows.length - 1, drag.row + (down ? 1 : -1)));
        }
        break;
      case "ArrowLeft":
      case "ArrowRight":
        var right = event.key === "ArrowRight";
        drag.column = Math.max(0, Math.min(drag.grid.columns.length - 1, drag.column + (right ? 1 : -1)));
        break;
      case "Enter":
      case " ":
        event.preventDefault();
        drop();
        return;
      case "Escape":
        event.preventDefault();
        cancel();
        return;
      default:
        return;
    }
    event.preventDefault();
    update();
  });

  document.addEventListener("focusout", function (event) {
    if (drag && drag.via === "keys" && event.target.closest && event.target.closest("[data-grip]") &&
        !document.getElementById("drop-confirm").open) {
      putDown();
    }
  });

  function enable(root) {
    (root || document).querySelectorAll("[data-grip], [data-resize]").forEach(function (handle) {
      handle.hidden = false;
    });
    setUpDialog();
  }
  enable();
  document.addEventListener("htmx:afterSettle", function (event) { enable(event.target); });
})();
