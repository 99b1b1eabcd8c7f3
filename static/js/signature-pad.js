/* The consent page's signature pad: draws on the <canvas> with a finger,
   stylus or mouse (pointer events), and on submit puts the drawing into the
   hidden signature_image field as a PNG data URL. Choosing a method shows its
   fields only. Without this script the typed name still works.
   Loaded as a file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  function setUp(form) {
    var pad = form.querySelector("[data-signature-pad]");
    var canvas = form.querySelector("[data-signature-canvas]");
    var field = form.querySelector("input[name=signature_image]");
    if (!pad || !canvas || !field || !canvas.getContext) return;
    var context = canvas.getContext("2d");
    var drawn = false;
    var last = null;
    pad.hidden = false;

    context.lineWidth = 3;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#000";

    function method() {
      var checked = form.querySelector("input[name=signature_method]:checked");
      return checked ? checked.value : "";
    }

    function showMethod() {
      var current = method();
      form.querySelectorAll("[data-method-group]").forEach(function (group) {
        group.hidden = current !== "" && group.getAttribute("data-method-group") !== current;
      });
    }

    function choose(value) {
      var radio = form.querySelector("input[name=signature_method][value=" + value + "]");
      if (radio && !radio.checked) {
        radio.checked = true;
        showMethod();
      }
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - box.left) * (canvas.width / box.width),
        y: (event.clientY - box.top) * (canvas.height / box.height),
      };
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      last = point(event);
      context.beginPath();
      context.arc(last.x, last.y, context.lineWidth / 2, 0, 2 * Math.PI);
      context.fill();
      drawn = true;
      choose("drawn");
    });
    canvas.addEventListener("pointermove", function (event) {
      if (last === null) return;
      var next = point(event);
      context.beginPath();
      context.moveTo(last.x, last.y);
      context.lineTo(next.x, next.y);
      context.stroke();
      last = next;
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () {
        last = null;
      });
    });

    form.querySelector("[data-signature-clear]").addEventListener("click", function () {
      context.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false;
      field.value = "";
    });

    form.querySelectorAll("input[name=signature_method]").forEach(function (radio) {
      radio.addEventListener("change", showMethod);
    });
    showMethod();

    form.addEventListener("submit", function () {
      field.value = method() === "drawn" && drawn ? canvas.toDataURL("image/png") : "";
    });
  }

  document.querySelectorAll("[data-signature-form]").forEach(setUp);
})();
