// Copy buttons of the calendar feed page: <button data-dl-copy="#input-id" data-dl-copied="Copied">.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dl-copy]");
    if (!button) { return; }
    var input = document.querySelector(button.getAttribute("data-dl-copy"));
    if (!input) { return; }
    input.focus();
    input.select();
    var done = function () {
      var label = button.querySelector("span");
      if (label) { label.textContent = button.getAttribute("data-dl-copied") || label.textContent; }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("input[readonly]#dl-feed-url")) { event.target.select(); }
  });
})();
