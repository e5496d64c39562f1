// The resource picker of a lesson or an assignment (learning/_resource_picker.html): a
// ticked search result moves up to the chosen resources, so the next search (which
// replaces the results) keeps it; the search asks for results without the chosen ones;
// Enter in the search box searches instead of sending the whole form.
(function () {
  function chosenIds(picker) {
    return Array.prototype.map.call(
      picker.querySelectorAll("[data-chosen] input:checked"), function (i) { return i.value; });
  }
  document.addEventListener("change", function (e) {
    var box = e.target;
    if (!box.matches || !box.matches(".res-found input[type=checkbox]") || !box.checked) return;
    var picker = box.closest("[data-picker]");
    picker.querySelector("[data-chosen]").appendChild(box.closest("label"));
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target.matches && e.target.matches("[data-picker-search]")) {
      e.preventDefault();
      e.target.dispatchEvent(new Event("search"));
    }
  });
  document.addEventListener("htmx:configRequest", function (e) {
    var input = e.detail.elt;
    if (!input.matches || !input.matches("[data-picker-search]")) return;
    e.detail.parameters.have = chosenIds(input.closest("[data-picker]"));
  });
})();
