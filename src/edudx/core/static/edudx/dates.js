// Dates in dd/mm/yyyy whatever the browser's language. A native <input type="date"> shows
// the browser's own order: day first for Vietnamese and most languages — kept as it is, with
// its calendar — but month first in a US-English browser (common on Vietnamese office PCs),
// where 03/04/2026 reads as 4 March to a clerk. There each date (and date-time) field becomes
// a text box in dd/mm/yyyy (hh:mm) that fills a hidden field of the same name with the ISO
// value, so the server receives exactly what the native field sent.
(function () {
  var script = document.currentScript;

  function dayFirst() {
    try {
      var parts = new Intl.DateTimeFormat(navigator.language).formatToParts(new Date(2001, 1, 3));
      var order = parts.filter(function (p) { return p.type === "day" || p.type === "month"; });
      return order.length > 0 && order[0].type === "day";
    } catch (e) {
      return true;
    }
  }
  if (dayFirst()) return;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // "2026-03-12" / "2026-03-12T07:30" → "12/03/2026" / "12/03/2026 07:30"
  function toText(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}:\d{2}))?/.exec(iso || "");
    return m ? m[3] + "/" + m[2] + "/" + m[1] + (m[4] ? " " + m[4] : "") : "";
  }

  // "12/3/2026" → "2026-03-12"; with time "12/03/2026 7:30" → "2026-03-12T07:30"; null if
  // it is no such day (31/02) or not in that shape.
  function toIso(text, withTime) {
    var m = /^\s*(\d{1,2})[\/.\-](\d{1,2})[\/.\-](\d{4})(?:\s+(\d{1,2}):(\d{2}))?\s*$/.exec(text || "");
    if (!m || (withTime && m[4] === undefined) || (!withTime && m[4] !== undefined)) return null;
    var d = +m[1], mo = +m[2], y = +m[3];
    var day = new Date(Date.UTC(y, mo - 1, d));
    if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return null;
    var iso = y + "-" + pad(mo) + "-" + pad(d);
    if (!withTime) return iso;
    var h = +m[4], mi = +m[5];
    if (h > 23 || mi > 59) return null;
    return iso + "T" + pad(h) + ":" + pad(mi);
  }

  function enhance(root) {
    var fields = root.querySelectorAll("input[type=date], input[type=datetime-local]");
    Array.prototype.forEach.call(fields, function (field) {
      var withTime = field.type === "datetime-local";
      var hint = script.getAttribute(withTime ? "data-datetime-hint" : "data-date-hint");
      var text = document.createElement("input");
      text.type = "text";
      text.inputMode = "numeric";
      text.autocomplete = "off";
      text.placeholder = withTime ? "dd/mm/yyyy hh:mm" : "dd/mm/yyyy";
      text.className = field.className;
      text.required = field.required;
      text.disabled = field.disabled;
      text.value = toText(field.value);
      if (field.id) { text.id = field.id; field.removeAttribute("id"); }
      // A refused form marks and focuses its field in error: the text box takes that over.
      ["aria-invalid", "aria-describedby", "aria-label"].forEach(function (name) {
        if (field.hasAttribute(name)) text.setAttribute(name, field.getAttribute(name));
      });
      var focus = field.autofocus;
      text.autofocus = focus;
      function sync() {
        var iso = toIso(text.value, withTime);
        field.value = iso || "";
        text.setCustomValidity(text.value.trim() && !iso ? hint : "");
      }
      text.addEventListener("input", sync);
      field.type = "hidden";
      field.parentNode.insertBefore(text, field);
      sync();
      if (focus) text.focus();
    });
  }

  enhance(document);
  document.addEventListener("htmx:afterSwap", function (e) { enhance(e.target); });
})();
