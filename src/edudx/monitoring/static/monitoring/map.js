// Operations-centre map: Leaflet with no tile layer (works offline); school points and
// commune areas from the platform's GeoJSON, coloured by status.
(function () {
  "use strict";
  var COLOURS = { ok: "#1a7f37", warn: "#b7791f", bad: "#c53030", none: "#9aa0a6" };
  function text(s) { var d = document.createElement("div"); d.textContent = s; return d.innerHTML; }
  function start() {
    var el = document.getElementById("ops-map");
    if (!el || typeof L === "undefined") { return; }
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
    fetch(el.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          style: function (f) {
            var c = COLOURS[f.properties.status] || COLOURS.none;
            return { color: c, weight: 1, fillColor: c, fillOpacity: 0.15 };
          },
          pointToLayer: function (f, latlng) {
            var c = COLOURS[f.properties.status] || COLOURS.none;
            return L.circleMarker(latlng, { radius: 7, color: "#222", weight: 1, fillColor: c, fillOpacity: 0.9 });
          },
          onEachFeature: function (f, lyr) {
            var p = f.properties;
            var v = p.level ? (el.dataset.level + " " + p.level) : (p.value === null ? el.dataset.noData : String(p.value).replace(".", ",") + "%");
            var html = "<a href=\"" + text(p.url) + "\">" + text(p.name) + "</a><br>" + text(v);
            if (p.report) { html += "<br>" + text(el.dataset.report) + ": " + text(p.report); }
            lyr.bindPopup(html);
            lyr.bindTooltip(text(p.name));
          }
        }).addTo(map);
        var b = layer.getBounds();
        if (b.isValid()) { map.fitBounds(b, { padding: [10, 10] }); } else { map.setView([12.25, 107.65], 10); }
        el.dataset.features = String(data.features.length);
        el.classList.add("loaded");
      });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
