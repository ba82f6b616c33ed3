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

// A unit chosen for a mention shows at once in every row naming it (the server does the
// same on "Cập nhật bản xem trước", which is what is saved; this only spares the wait).
(function () {
  "use strict";
  var table = document.querySelector("table.review");
  if (!table) {
    return;
  }
  document.querySelectorAll("select[id^='map-']:not([id$='-scope'])").forEach(function (select) {
    var hidden = document.querySelector("input[name='" + select.name + "-text']");
    if (!hidden) {
      return;
    }
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      table.querySelectorAll(".unit[data-mention]").forEach(function (unit) {
        if (unit.dataset.mention !== hidden.value) {
          return;
        }
        unit.textContent = "";
        if (select.value) {
          unit.appendChild(document.createTextNode(option.textContent + " "));
          var note = document.createElement("span");
          note.className = "muted";
          note.textContent = "(«" + hidden.value + "»)";
          unit.appendChild(note);
          unit.className = "unit mapped";
        } else {
          unit.textContent = hidden.value;
          unit.className = "unit unknown";
        }
      });
    });
  });
})();
