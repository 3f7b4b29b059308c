/* The chain page's order form: running total, one submit per tap, countdown to the deadline. */
(function () {
  "use strict";
  var form = document.getElementById("order-form");
  var total = document.getElementById("total");
  if (form) {
    var recalc = function () {
      var sum = 0;
      form.querySelectorAll("input.qty").forEach(function (el) {
        sum += (parseInt(el.value, 10) || 0) * parseFloat(el.dataset.price);
      });
      if (total) { total.textContent = "¥" + sum.toFixed(2); }
    };
    form.addEventListener("input", recalc);
    recalc();
    // One tap, one order: the button is disabled after the first submit (the server's token is
    // the real guard).
    form.addEventListener("submit", function () {
      var button = document.getElementById("submit-order");
      if (button) { button.disabled = true; }
    });
    // Back from the receipt (bfcache): the form can be used again, for a second order.
    window.addEventListener("pageshow", function (event) {
      var button = document.getElementById("submit-order");
      if (event.persisted && button) { button.disabled = false; }
    });
  }
  var cd = document.querySelector(".countdown");
  if (cd) {
    var deadline = new Date(cd.dataset.deadline).getTime();
    var tick = function () {
      var s = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
      var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
      var parts = { d: d, h: h, m: m, s: s % 60 };
      cd.textContent = (d ? cd.dataset.days : cd.dataset.hours).replace(/\{(\w)\}/g, function (_, k) {
        return parts[k];
      });
    };
    tick();
    setInterval(tick, 1000);
  }
})();
