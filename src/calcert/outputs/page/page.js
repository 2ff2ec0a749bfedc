/* The public register page: filters, search and sorting, inlined into the page.
   Reads attributes only; never builds markup from data. Without it the table shows whole. */
(function () {
  var table = document.getElementById("register");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var filters = ["voivodeship", "kind", "status"].map(function (k) {
    return [k, document.getElementById("filter-" + k)];
  });
  var search = document.getElementById("filter-text");
  var count = document.getElementById("count");

  // Case and Polish diacritics do not matter: "lodz" finds "Łódź" (ł has no decomposition).
  function fold(text) {
    return text.toLocaleLowerCase("pl").replace(/ł/g, "l").normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "");
  }
  var texts = rows.map(function (row) { return fold(row.getAttribute("data-search")); });

  function apply() {
    var text = fold(search.value.trim());
    var shown = 0;
    rows.forEach(function (row, i) {
      var ok = filters.every(function (f) {
        return !f[1].value || row.getAttribute("data-" + f[0]) === f[1].value;
      });
      if (ok && text) { ok = texts[i].indexOf(text) >= 0; }
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = count.getAttribute("data-template")
      .replace("{shown}", shown).replace("{total}", rows.length);
  }
  filters.forEach(function (f) { f[1].addEventListener("change", apply); });
  search.addEventListener("input", apply);

  // A sub-unit stays under its parent: rows sort in groups (a unit and its sub-units).
  var groups = [];
  var byId = {};
  rows.forEach(function (row) {
    var group = byId[row.getAttribute("data-parent")];
    if (!group) { group = []; groups.push(group); }
    group.push(row);
    byId[row.id] = group;
  });
  // Cells carry their rank in the page's order (Polish alphabetical, dates, numbers).
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  headers.forEach(function (th, index) {
    var button = th.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      groups.sort(function (a, b) {
        var order = Number(a[0].cells[index].getAttribute("data-value")) -
          Number(b[0].cells[index].getAttribute("data-value"));
        return ascending ? order : -order;
      });
      groups.forEach(function (group) {
        group.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
  document.getElementById("filters").hidden = false;
  apply();
})();
