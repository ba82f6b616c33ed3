// The import review table: clicking a row opens the source text of the item it shows
// (the <details> of the row below), so the paragraph is read beside the item. Without
// JavaScript the same <details> opens from its summary.
// A separate file because the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var table = document.querySelector("table.review");
  if (!table) {
    return;
  }
  table.addEventListener("click", function (event) {
    var target = event.target;
    if (target.closest("input, button, textarea, select, a, label, summary, details")) {
      return;
    }
    var row = target.closest("tr[data-detail]");
    if (!row) {
      return;
    }
    var detail = document.getElementById(row.dataset.detail);
    var source = detail && detail.querySelector("details.source");
    if (source) {
      source.open = !source.open;
      row.classList.toggle("showing-source", source.open);
    }
  });
})();
