// Contact book PWA: register the service worker (scope /contact/), and when the page is a
// copy the service worker kept (offline), say so and how old the data is.
(function () {
  var root = document.querySelector(".contact-root");
  if (!root) return;
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: root.dataset.scope }).catch(function () {});
  }
  function age() {
    var t = Date.parse(root.dataset.renderedAt);
    var mins = Math.max(0, Math.round((Date.now() - t) / 60000));
    if (mins < 1) return root.dataset.tNow;
    if (mins < 60) return root.dataset.tMin.replace("{n}", mins);
    var hours = Math.round(mins / 60);
    if (hours < 48) return root.dataset.tHour.replace("{n}", hours);
    return root.dataset.tDay.replace("{n}", Math.round(hours / 24));
  }
  function show() {
    var banner = document.getElementById("offline-banner");
    if (!banner) return;
    document.getElementById("offline-age").textContent = age();
    banner.hidden = false;
  }
  if (root.dataset.offline === "1" || navigator.onLine === false) show();
  window.addEventListener("offline", show);
})();
