// Every POST form of the page carries a random `_once` (core/formonce.py): the same form
// sent twice — a double tap, a phone resending after a dropped connection — runs once on
// the server. A form that htmx sends and keeps on the page gets a new value after each send.
(function () {
  function fresh() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function stamp(form) {
    if ((form.getAttribute("method") || "").toLowerCase() !== "post") return;
    var field = form.querySelector("input[name=_once]");
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "_once";
      form.appendChild(field);
    }
    field.value = fresh();
  }
  function stampAll(root) {
    if (root.tagName === "FORM") stamp(root);
    Array.prototype.forEach.call(root.querySelectorAll("form"), stamp);
  }
  stampAll(document);
  document.addEventListener("htmx:afterSwap", function (e) { stampAll(e.target); });
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.target.closest ? e.target.closest("form") : null;
    if (form) stamp(form);
  });
})();
