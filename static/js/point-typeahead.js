/* Keyboard-first needle placement: the point typeahead (htmx fills the
   listbox from records:points; arrows move, Enter or a click picks, Escape
   closes) and, after a section is swapped in, focus where work continues.
   Without JS, typing the code in the field works the same.
   Loaded as a file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  function listFor(input) {
    return document.getElementById(input.getAttribute("aria-controls"));
  }

  function inputFor(list) {
    return document.querySelector('[data-point-typeahead][aria-controls="' + list.id + '"]');
  }

  function options(list) {
    return Array.prototype.slice.call(list.querySelectorAll('[role="option"][data-code]'));
  }

  function setActive(input, list, index) {
    var opts = options(list);
    opts.forEach(function (opt, i) {
      opt.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (opts[index]) {
      input.setAttribute("aria-activedescendant", opts[index].id);
      opts[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function close(input, list) {
    list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  // The fields only some points need (Ashi's location and region, Jiaji's
  // levels, how many of a multi-point extra's points): shown for a chosen point
  // that needs them, and always when they hold a value or an error. Without
  // JS they all stay visible.
  function showPointFields(form, opt) {
    if (!form) return;
    var kind = opt ? opt.getAttribute("data-kind") : null;
    var named = opt ? opt.getAttribute("data-named") === "1" : false;
    var many = opt ? Number(opt.getAttribute("data-points") || "1") > 1 : false;
    var wanted = { ashi: kind === "ashi", levels: named, points: many && !named };
    form.querySelectorAll("[data-point-field]").forEach(function (group) {
      var inUse = group.querySelector(".is-invalid, .invalid-feedback") !== null ||
        Array.prototype.some.call(group.querySelectorAll("input, select"), function (field) {
          return field.tagName === "SELECT" ? field.selectedOptions.length > 0 && field.value !== "" : field.value !== "";
        });
      group.hidden = !(opt === undefined || wanted[group.getAttribute("data-point-field")] || inUse);
    });
  }

  function initPointFields(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("form[data-point-fields]").forEach(function (form) {
      showPointFields(form, null);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { initPointFields(document); });
  document.addEventListener("htmx:afterSettle", function (event) { initPointFields(event.target); });
  // A code typed by hand (no option chosen): show every field, the server judges.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("[data-point-typeahead]") && input.value !== input.getAttribute("data-chosen")) {
      showPointFields(input.form, undefined);
    }
  });

  function choose(input, list, opt) {
    var form = input.form;
    var midline = opt.getAttribute("data-midline") === "1";
    var ashi = opt.getAttribute("data-kind") === "ashi";
    input.value = opt.getAttribute("data-code");
    input.setAttribute("data-chosen", input.value);
    close(input, list);
    var side = form ? form.querySelector('[name="side"]') : null;
    if (side) {
      if (midline) side.value = "midline";
      else if (side.value === "midline") side.value = "";
    }
    showPointFields(form, opt);
    var next = ashi ? form.querySelector('[name="ashi_location"]') : midline ? form.querySelector('[name="needle"]') : side;
    (next || input).focus();
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-point-typeahead]")) return;
    var list = listFor(input);
    if (!list) return;
    var opts = options(list);
    if (event.key === "Escape") {
      close(input, list);
      return;
    }
    if (!opts.length) return;
    var current = opts.findIndex(function (opt) {
      return opt.getAttribute("aria-selected") === "true";
    });
    if (event.key === "ArrowDown") {
      event.preventDefault();
      setActive(input, list, (current + 1) % opts.length);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      setActive(input, list, current <= 0 ? opts.length - 1 : current - 1);
    } else if (event.key === "Enter" && current >= 0) {
      event.preventDefault();
      choose(input, list, opts[current]);
    }
  });

  document.addEventListener("click", function (event) {
    var opt = event.target.closest ? event.target.closest('[role="option"][data-code]') : null;
    if (!opt) return;
    var list = opt.closest('[role="listbox"]');
    var input = list && inputFor(list);
    if (input) choose(input, list, opt);
  });

  // A late answer must not reopen the list once the point was chosen.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var list = event.detail.target;
    if (list && list.getAttribute && list.getAttribute("role") === "listbox") {
      var input = inputFor(list);
      if (input && document.activeElement !== input) event.detail.shouldSwap = false;
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.detail.target;
    if (list && list.getAttribute && list.getAttribute("role") === "listbox") {
      var input = inputFor(list);
      if (input) input.setAttribute("aria-expanded", options(list).length ? "true" : "false");
    }
  });

  // After a section of the record is swapped in: focus the field marked for it,
  // or the first field in error, so that keyboard entry carries on.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.target; // for an outerHTML swap: the new section itself
    if (!target || !target.classList || !target.classList.contains("record-section")) return;
    if (target.hasAttribute("hx-swap-oob")) return; // updated on the side: focus stays
    var field =
      target.querySelector("[data-focus-after-swap]") ||
      target.querySelector(".is-invalid") ||
      target.querySelector("[data-testid=section-errors]");
    if (!field) return;
    if (!field.matches("input, select, textarea, button")) field.setAttribute("tabindex", "-1");
    field.focus();
  });
})();
