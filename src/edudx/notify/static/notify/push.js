// Web Push: register the contact book's service worker, subscribe with the server's VAPID
// key, send the subscription to the server. Shown only where the browser supports it.
(function () {
  var btn = document.getElementById("push-enable");
  var status = document.getElementById("push-status");
  if (!btn || !("serviceWorker" in navigator) || !("PushManager" in window)) return;
  btn.hidden = false;
  function b64(s) {
    var pad = "=".repeat((4 - (s.length % 4)) % 4);
    var raw = atob((s + pad).replace(/-/g, "+").replace(/_/g, "/"));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  btn.addEventListener("click", function () {
    navigator.serviceWorker
      .register(btn.dataset.swUrl, { scope: btn.dataset.swScope })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (reg) {
        return fetch(btn.dataset.keyUrl, { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (k) {
            return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64(k.publicKey) });
          });
      })
      .then(function (sub) {
        return fetch(btn.dataset.subscribeUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
          body: JSON.stringify(sub.toJSON()),
        });
      })
      .then(function (r) { status.textContent = r.ok ? "✓" : "✗"; })
      .catch(function (e) { status.textContent = String(e); });
  });
})();
