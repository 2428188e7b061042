// Behaviour shared by every page. No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  // Every htmx request carries the CSRF token of the page.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
  });

  // A form refused with 422 shows the answer in place: it carries the messages.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422) { event.detail.shouldSwap = true; event.detail.isError = false; }
  });

  // Record tabs load their content the first time they are shown.
  document.addEventListener("shown.bs.tab", function (event) {
    var target = event.target.getAttribute("data-bs-target");
    var pane = target && document.querySelector(target);
    if (pane && window.htmx) { window.htmx.trigger(pane, "shown-tab"); }
  });

  // The global search popup closes with Escape or a click elsewhere.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var popup = document.getElementById("search-popup");
      if (popup) { popup.innerHTML = ""; }
    }
  });
  document.addEventListener("click", function (event) {
    var popup = document.getElementById("search-popup");
    if (popup && !event.target.closest(".topbar-search")) { popup.innerHTML = ""; }
  });

  // Forms that ask before doing something destructive: data-confirm="message".
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  }, true);

  // Table rows with data-href open their record when clicked anywhere (the first cell
  // keeps a real link for the keyboard and for opening in a new tab).
  document.addEventListener("click", function (event) {
    var row = event.target.closest("tr[data-href]");
    if (!row || event.target.closest("a, button, input, select, label, form")) { return; }
    if (window.getSelection && String(window.getSelection())) { return; }
    window.location.assign(row.getAttribute("data-href"));
  });

  // Exact dates on hover for relative times: <time datetime=".." title="..">.
})();
