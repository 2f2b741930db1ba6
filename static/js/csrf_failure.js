// The CSRF failure page (templates/403_csrf.html): "Go back and reload" reloads the page
// the form was on, as a fresh copy brings a fresh token (Back alone would show the stale
// copy from the cache). Without JavaScript the link goes home.
(function () {
  "use strict";
  const back = document.getElementById("csrf-back");
  if (back && document.referrer.indexOf(window.location.origin + "/") === 0) back.href = document.referrer;
})();
