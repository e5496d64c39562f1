// The schedule form: a paper goes only to classes of its grade (the service refuses the
// others), so the class list offers those classes only and says so when there is none.
(function () {
  var paper = document.getElementById("t-paper");
  var cls = document.getElementById("t-class");
  var none = document.getElementById("t-class-none");
  if (!paper || !cls) return;
  function filter() {
    var chosen = paper.options[paper.selectedIndex];
    var grade = chosen ? chosen.getAttribute("data-grade") : null;
    var first = null;
    var keep = false;
    Array.prototype.forEach.call(cls.options, function (o) {
      var g = o.getAttribute("data-grade");
      var fits = !grade || !g || g === grade;
      o.hidden = !fits;
      o.disabled = !fits;
      if (fits && first === null) first = o;
      if (fits && o.selected) keep = true;
    });
    if (!keep) cls.selectedIndex = first === null ? -1 : first.index;
    if (none) none.hidden = first !== null;
  }
  paper.addEventListener("change", filter);
  filter();
})();
