/* Both sites (tablero and supervision): a page is never shown again from the browser's
   back/forward cache. After signing out, Back restored a case record with its personal data
   from that cache when the record had been the target of the sign-in redirect; neither
   "Cache-Control: no-store" nor Clear-Site-Data stopped it. A page restored that way is
   loaded again from the server (which answers with the sign-in page once the session has
   ended), and the page is hidden as it is left, so the cached copy never flashes on screen. */
(function () {
  "use strict";
  function hide() { document.documentElement.style.visibility = "hidden"; }
  window.addEventListener("pagehide", function (e) { if (e.persisted) { hide(); } });
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) {
      hide();
      window.location.reload();
    }
  });
})();
