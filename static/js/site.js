/* Progress for long operations, on every page (base.html and the admin load this file, deferred).
 *
 * Also <form data-confirm="…"> and <input type="checkbox" data-check-all="entry"> (below): the
 * Content-Security-Policy lets no inline handler run, so the pages' behaviour lives in files here.
 *
 * <form data-busy="正在退款…">: on submit the buttons are disabled (one tap, one request) and a
 * progress bar with the message shows until the next page arrives.
 * <a data-download="正在导出…" href="…?export=csv">: the file is fetched here so the page can show
 * how much has arrived (exports stream for a while), then saved under the server's file name. Where
 * fetch streams are missing, or the answer is not a file, the link is simply followed.
 * The messages come from the templates, so they are translated like any other text.
 */
(function () {
  "use strict";

  // The top bar on a phone: signed-in people have many links, which would fill the first screen.
  // They fold behind a menu button; the language switch stays in sight. Without this script the
  // links simply wrap, so nothing is ever out of reach.
  var bar = document.querySelector(".topbar");
  var nav = bar && bar.querySelector("nav");
  if (nav && nav.querySelectorAll("a").length > 3) {
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "menu-toggle";
    toggle.textContent = bar.getAttribute("data-menu") || "Menu";
    toggle.setAttribute("aria-expanded", "false");
    nav.id = nav.id || "site-nav";
    toggle.setAttribute("aria-controls", nav.id);
    var language = nav.querySelector("form.lang");
    if (language) { bar.insertBefore(language, nav); }
    bar.insertBefore(toggle, nav);
    bar.classList.add("has-menu");
    toggle.addEventListener("click", function () {
      var open = bar.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  function indicator(anchor, message) {
    var box = document.createElement("div");
    box.className = "busy";
    box.setAttribute("role", "status");
    box.setAttribute("aria-live", "polite");
    var bar = document.createElement("progress");
    var text = document.createElement("span");
    text.textContent = message;
    box.appendChild(bar);
    box.appendChild(text);
    anchor.insertAdjacentElement("afterend", box);
    return { box: box, text: text };
  }

  function kilobytes(n) {
    return (n / 1024).toFixed(n < 10240 ? 1 : 0) + " KB";
  }

  function fileName(disposition, fallback) {
    var star = /filename\*=UTF-8''([^;]+)/i.exec(disposition || "");
    if (star) { return decodeURIComponent(star[1]); }
    var plain = /filename="?([^";]+)"?/i.exec(disposition || "");
    return plain ? plain[1] : fallback;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) { return; }
    // <form data-confirm="确定…？">: asks first (an inline onsubmit would not run under the CSP).
    if (form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    var message = form.getAttribute("data-busy");
    // The admin's import (django-import-export's templates): upload, then confirm, both slow.
    var importing = document.querySelector("meta[name=busy-import]");
    if (!message && importing && (form.querySelector("input[name=import_file]")
        || /process_import/.test(form.getAttribute("action") || ""))) {
      message = importing.content;
    }
    if (!message) { return; }
    if (form.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
    form.setAttribute("aria-busy", "true");
    // Disabled after this event, so the pressed button's name and value still go with the form.
    setTimeout(function () {
      form.querySelectorAll("button, input[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
    indicator(form, message);
  });

  // Back from the next page (bfcache): the form is usable again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[aria-busy=true]").forEach(function (form) {
      form.removeAttribute("aria-busy");
      form.querySelectorAll("button, input[type=submit]").forEach(function (b) { b.disabled = false; });
      var next = form.nextElementSibling;
      if (next && next.className === "busy") { next.remove(); }
    });
  });

  // <input type="checkbox" data-check-all="entry">: ticks or clears every box named "entry".
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.hasAttribute("data-check-all")) { return; }
    var form = box.form || document;
    form.querySelectorAll("input[type=checkbox][name='" + box.getAttribute("data-check-all") + "']")
      .forEach(function (other) { other.checked = box.checked; });
  });

  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("a[data-download]") : null;
    if (!link || event.defaultPrevented || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    if (!window.fetch || !window.ReadableStream || !window.URL || !URL.createObjectURL) { return; }
    event.preventDefault();
    if (link.getAttribute("aria-busy") === "true") { return; }
    link.setAttribute("aria-busy", "true");
    var shown = indicator(link, link.getAttribute("data-download"));
    var message = shown.text.textContent;
    var done = function () { link.removeAttribute("aria-busy"); shown.box.remove(); };
    fetch(link.href, { credentials: "same-origin" }).then(function (response) {
      var disposition = response.headers.get("Content-Disposition");
      if (!response.ok || !disposition || !response.body) {
        done();
        window.location.href = link.href; // let the page say what went wrong
        return null;
      }
      var reader = response.body.getReader(), parts = [], received = 0;
      var pump = function () {
        return reader.read().then(function (step) {
          if (step.done) { return; }
          parts.push(step.value);
          received += step.value.length;
          shown.text.textContent = message + " " + kilobytes(received);
          return pump();
        });
      };
      return pump().then(function () {
        var blob = new Blob(parts, { type: response.headers.get("Content-Type") || "" });
        var save = document.createElement("a");
        save.href = URL.createObjectURL(blob);
        save.download = fileName(disposition, "download");
        document.body.appendChild(save);
        save.click();
        save.remove();
        setTimeout(function () { URL.revokeObjectURL(save.href); }, 10000);
        done();
      });
    }).catch(function () {
      done();
      window.location.href = link.href;
    });
  });
})();
