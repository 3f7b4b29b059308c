/* The funnel's "form started" step: on the first input into a form that carries
   data-started-url, one same-origin beacon (with the page's CSRF token) records it. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-started-url]").forEach(function (form) {
    form.addEventListener("input", function () {
      var token = form.querySelector("[name=csrfmiddlewaretoken]");
      if (!navigator.sendBeacon || !token) { return; }
      var data = new FormData();
      data.append("csrfmiddlewaretoken", token.value);
      navigator.sendBeacon(form.dataset.startedUrl, data);
    }, {once: true});
  });
})();
