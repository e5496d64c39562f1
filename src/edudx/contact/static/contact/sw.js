// EduDX contact book service worker (served at /contact/sw.js, scope /contact/).
// Pages: network first; each page fetched is kept, and shown when offline, marked so the
// page says how old it is. Static files: stale while revalidate. Signed out: the kept
// pages go.
var STATIC = "contact-static-__VERSION__";
var PAGES = "contact-pages";

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) {
        return k.indexOf("contact-static-") === 0 && k !== STATIC;
      }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function markOffline(response) {
  return response.text().then(function (html) {
    var headers = new Headers(response.headers);
    headers.set("X-Contact-Offline", "1");
    return new Response(html.replace('data-offline="0"', 'data-offline="1"'), {
      status: 200, headers: headers
    });
  });
}

function page(request) {
  return fetch(request).then(function (response) {
    var url = new URL(response.url);
    if (response.redirected && url.pathname.indexOf("/accounts/") === 0) {
      caches.delete(PAGES);  // signed out: forget what the last user saw
    } else if (response.ok && response.type === "basic") {
      var copy = response.clone();
      caches.open(PAGES).then(function (c) { c.put(request.url, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(PAGES).then(function (c) { return c.match(request.url); }).then(function (hit) {
      if (hit) return markOffline(hit);
      return new Response(
        "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
        "<p>Bạn đang ngoại tuyến và trang này chưa được lưu trên máy. / You are offline.</p>",
        { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
      );
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.indexOf("/contact/") === 0) {
    event.respondWith(page(request));
  } else if (url.pathname.indexOf("/static/") === 0) {
    // Stale while revalidate: the kept copy at once, a fresh one for next time.
    event.respondWith(caches.open(STATIC).then(function (c) {
      return c.match(request).then(function (hit) {
        var fresh = fetch(request).then(function (response) {
          if (response.ok) c.put(request, response.clone());
          return response;
        });
        if (hit) {
          event.waitUntil(fresh.catch(function () {}));
          return hit;
        }
        return fresh;
      });
    }));
  }
});

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: event.data.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || "EduDX", {
    body: data.body || "", data: { url: data.url || "/notifications/" }, icon: "/static/contact/icon-192.png"
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url));
});
