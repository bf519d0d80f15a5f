/* Small behaviours shared by every page. The Content-Security-Policy forbids inline scripts and
   event handlers (onclick=…), so pages declare them with data attributes and this file binds them. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.matches("[data-select-on-focus]")) {
      event.target.select();
    }
  });
})();
