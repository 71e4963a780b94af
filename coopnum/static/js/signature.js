/* On-screen signature (a loan's borrower, a training's attendance): a <canvas> drawn with the mouse, a finger or a stylus (pointer events,
   touch events as a fallback), copied as a PNG data URL into the hidden field of the form at each stroke's end.
   Without JavaScript the canvas is hidden and the form is sent without a signature. */
(function () {
  "use strict";

  function setup(box) {
    var canvas = box.querySelector("canvas");
    var field = box.querySelector("[data-signature-field]");
    var clear = box.querySelector("[data-signature-clear]");
    if (!canvas || !field || !canvas.getContext) { return; }
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;
    var last = null;

    function reset() {
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.lineWidth = 3;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111111";
      drawn = false;
      field.value = "";
    }

    function point(evt) {
      var rect = canvas.getBoundingClientRect();
      var src = evt.touches && evt.touches.length ? evt.touches[0] : evt;
      return {
        x: (src.clientX - rect.left) * (canvas.width / rect.width),
        y: (src.clientY - rect.top) * (canvas.height / rect.height)
      };
    }

    function start(evt) {
      evt.preventDefault();
      drawing = true;
      last = point(evt);
      ctx.beginPath();
      ctx.arc(last.x, last.y, 1, 0, 2 * Math.PI);
      ctx.fillStyle = "#111111";
      ctx.fill();
      drawn = true;
    }

    function move(evt) {
      if (!drawing) { return; }
      evt.preventDefault();
      var p = point(evt);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      last = p;
    }

    function end() {
      if (!drawing) { return; }
      drawing = false;
      if (drawn) { field.value = canvas.toDataURL("image/png"); }
    }

    if (window.PointerEvent) {
      canvas.addEventListener("pointerdown", function (evt) {
        if (canvas.setPointerCapture) { canvas.setPointerCapture(evt.pointerId); }
        start(evt);
      });
      canvas.addEventListener("pointermove", move);
      canvas.addEventListener("pointerup", end);
      canvas.addEventListener("pointercancel", end);
    } else {
      canvas.addEventListener("mousedown", start);
      canvas.addEventListener("mousemove", move);
      window.addEventListener("mouseup", end);
      canvas.addEventListener("touchstart", start, { passive: false });
      canvas.addEventListener("touchmove", move, { passive: false });
      canvas.addEventListener("touchend", end);
    }
    if (clear) { clear.addEventListener("click", reset); }
    reset();
  }

  function init() {
    var boxes = document.querySelectorAll("[data-signature]");
    for (var i = 0; i < boxes.length; i++) { setup(boxes[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
