// The bulk bar of task lists (templates/partials/bulk_actions.html): "select all on this
// page", one header box per table, and how many rows are chosen. A file, not inline (the
// Content-Security-Policy allows no inline script). Without JavaScript the checkboxes and
// the bar still work; only the select-all boxes do nothing.
(function () {
  "use strict";

  function rows(scope) {
    return Array.prototype.slice.call(
      scope.querySelectorAll('input[type=checkbox][name=ids][form="bulk-form"]')
    );
  }

  function refresh() {
    var all = rows(document);
    var chosen = all.filter(function (box) { return box.checked; }).length;
    var count = document.querySelector(".bulk-count");
    if (count) {
      count.textContent = chosen ? chosen + " / " + all.length : "";
    }
    document.querySelectorAll(".bulk-all").forEach(function (toggle) {
      var scope = toggle.getAttribute("data-bulk-scope") === "page" ? document : toggle.closest("table");
      var mine = scope ? rows(scope) : [];
      var on = mine.filter(function (box) { return box.checked; }).length;
      toggle.checked = mine.length > 0 && on === mine.length;
      toggle.indeterminate = on > 0 && on < mine.length;
    });
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.classList && box.classList.contains("bulk-all")) {
      var scope = box.getAttribute("data-bulk-scope") === "page" ? document : box.closest("table");
      if (scope) {
        rows(scope).forEach(function (row) { row.checked = box.checked; });
      }
    }
    if (box.name === "ids" || (box.classList && box.classList.contains("bulk-all"))) {
      refresh();
    }
  });

  // Giving tasks to another unit opens a page that asks again; other actions ask nothing.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", refresh);
  } else {
    refresh();
  }
})();
