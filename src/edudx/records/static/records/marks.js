// Mark grid keyboard: Enter moves down the column (as in a spreadsheet) instead of
// submitting; Tab moves along the row natively. Without JavaScript the grid still works.
document.addEventListener("keydown", function (event) {
  var input = event.target;
  if (event.key !== "Enter" || !input.matches || !input.matches(".marks-grid input")) return;
  event.preventDefault();
  var row = input.closest("tr");
  var col = input.getAttribute("data-col");
  var next = event.shiftKey ? row.previousElementSibling : row.nextElementSibling;
  var target = next && next.querySelector('input[data-col="' + col + '"]');
  if (target) {
    target.focus();
    target.select();
  }
});
