/* Tables as cards on phones (progressive enhancement): each body cell is labelled with its
   column's heading (data-label) and the table gets the class "cards", which site.css lays out as
   one card of labelled cells per row under 40rem. Without JavaScript a table scrolls in its box. */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("table.data-table:not(.spine-table)"), function (table) {
    if (!table.tHead || !table.tBodies.length) return;
    var heads = Array.prototype.map.call(table.tHead.rows[0].cells, function (h) { return h.textContent.trim(); });
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      Array.prototype.forEach.call(row.cells, function (cell, i) {
        if (!cell.hasAttribute("data-label") && heads[i]) cell.setAttribute("data-label", heads[i]);
      });
    });
    table.classList.add("cards");
  });
})();
