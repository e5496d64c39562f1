// Curriculum topics for the subject and grade chosen in the same form. An element with
// `data-topics-for="#subject-field #grade-field"` is either a topic-code input whose
// datalist (exams/_topics.html) then suggests only those topics, or a list whose items
// (data-subject, data-grade) are shown only for them. With no subject or grade chosen,
// every topic. A code typed by hand is still accepted.
(function () {
  Array.prototype.forEach.call(document.querySelectorAll("[data-topics-for]"), function (el) {
    var ids = el.getAttribute("data-topics-for").split(" ");
    var subject = document.querySelector(ids[0]);
    var grade = document.querySelector(ids[1]);
    var list = el.tagName === "INPUT" ? document.getElementById(el.getAttribute("list")) : null;
    var items = list ? list.options : el.querySelectorAll("li[data-subject]");
    function filter() {
      var s = subject ? subject.value : "";
      var g = grade ? grade.value : "";
      Array.prototype.forEach.call(items, function (item) {
        var off = (s !== "" && item.getAttribute("data-subject") !== s) ||
          (g !== "" && item.getAttribute("data-grade") !== g);
        if (list) item.disabled = off;
        else item.hidden = off;
      });
    }
    [subject, grade].forEach(function (field) {
      if (field) {
        field.addEventListener("change", filter);
        field.addEventListener("input", filter);
      }
    });
    filter();
  });
})();
