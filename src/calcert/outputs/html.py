"""The public register page: one self-contained HTML file (no CDN, no network at all).

Institutions with their current term, status and history; columns sortable and rows
filterable by voivodeship, kind and status with a little inline JavaScript (without it the
full table still shows); cards instead of a table on a phone; an inline SVG bar chart of
certificates awarded per year. Every value from the register goes through
``html.escape``; the script only reads attributes and never builds markup from data. The
page is in Polish: it is meant for the association's website.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from html import escape

from calcert.model.records import Award, Institution
from calcert.ops.stats import per_year
from calcert.outputs.export import Row

STATUS_PL = {
    "active": "aktywny",
    "pending": "przyszły",
    "expired": "wygasły",
    "withdrawn": "cofnięty",
}
COLUMNS = (
    ("name", "Instytucja"),
    ("city", "Miejscowość"),
    ("voivodeship", "Województwo"),
    ("kind", "Rodzaj"),
    ("status", "Status"),
    ("until", "Obecny certyfikat"),
    ("count", "Certyfikaty"),
)
MONTHS = [
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
]

CSS = """
:root { --fg: #1d2430; --muted: #5b6472; --line: #d8dde5; --accent: #0b6e4f; --bg: #fff; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg); margin: 0 auto; padding: 1rem; max-width: 72rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
p.meta { color: var(--muted); margin: 0 0 1rem; }
form.filters { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; }
form.filters label { display: flex; flex-direction: column; font-size: .85rem;
  color: var(--muted); }
select, input { font: inherit; padding: .3rem .4rem; min-width: 10rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0;
  cursor: pointer; color: inherit; }
th[aria-sort="ascending"] button::after { content: " ▲"; }
th[aria-sort="descending"] button::after { content: " ▼"; }
.nowrap { white-space: nowrap; }
.status { display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .85rem;
  background: #eceff3; }
.status-active { background: #d5f0e3; color: #0b5137; }
.status-withdrawn { background: #f8d7da; color: #7a1c25; }
.status-pending { background: #fff1c9; color: #6b4d00; }
details ol { margin: .25rem 0 0; padding-left: 1.2rem; }
details li { margin-bottom: .3rem; }
small { color: var(--muted); }
a { color: var(--accent); }
figure { margin: 1.5rem 0; }
figure svg { width: 100%; max-width: 40rem; height: auto; }
.bar { fill: var(--accent); }
svg text { font: 11px system-ui, sans-serif; fill: var(--fg); }
#count { color: var(--muted); }
@media (max-width: 720px) {
  thead { position: absolute; left: -9999px; }
  table, tbody, tr, td { display: block; width: 100%; }
  tr { border: 1px solid var(--line); border-radius: .5rem; margin-bottom: .75rem;
    padding: .4rem .6rem; }
  td { border: 0; padding: .2rem 0; }
  td::before { content: attr(data-label) ": "; font-weight: 600; color: var(--muted); }
  td.col-name::before { content: ""; }
  td.col-name { font-weight: 600; }
  select, input { min-width: 0; width: 100%; }
  form.filters label { flex: 1 1 100%; }
}
"""

SCRIPT = """
(function () {
  var table = document.getElementById("register");
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var filters = ["voivodeship", "kind", "status"].map(function (k) {
    return [k, document.getElementById("filter-" + k)];
  });
  var search = document.getElementById("filter-text");
  var count = document.getElementById("count");
  function apply() {
    var text = search.value.trim().toLocaleLowerCase("pl");
    var shown = 0;
    rows.forEach(function (row) {
      var ok = filters.every(function (f) {
        return !f[1].value || row.getAttribute("data-" + f[0]) === f[1].value;
      });
      if (ok && text) { ok = row.textContent.toLocaleLowerCase("pl").indexOf(text) >= 0; }
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = "Pokazano " + shown + " z " + rows.length;
  }
  filters.forEach(function (f) { f[1].addEventListener("change", apply); });
  search.addEventListener("input", apply);
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  headers.forEach(function (th, index) {
    var button = th.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var numeric = th.getAttribute("data-type") === "number";
      rows.sort(function (a, b) {
        var x = a.cells[index].getAttribute("data-value");
        var y = b.cells[index].getAttribute("data-value");
        var order = numeric ? Number(x) - Number(y) : x.localeCompare(y, "pl");
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { table.tBodies[0].appendChild(row); });
    });
  });
  document.getElementById("filters").hidden = false;
  apply();
})();
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _date_pl(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _link(url: str | None, text: str) -> str:
    if url and url.startswith(("https://", "http://")):
        return f'<a href="{_e(url)}" rel="noopener">{_e(text)}</a>'
    return _e(text)


def _term(award: Award) -> str:
    """The term as HTML: dates never break inside."""
    span = (
        f'<span class="nowrap">{award.valid_from.isoformat()}</span> – '
        f'<span class="nowrap">{award.valid_until.isoformat()}</span>'
    )
    return f"{span} ({_e(award.term)})" if award.term else span


def _history(inst: Institution, as_of: date) -> str:
    items = []
    for award in inst.sorted_awards():
        status = award.status(as_of)
        parts = [f"<strong>{_term(award)}</strong>", _badge(status)]
        if award.awarded_on:
            parts.append(f"<br><small>przyznany {_e(_date_pl(award.awarded_on))}")
            if award.awarded_by:
                parts.append(f", wręczył(a) {_e(award.awarded_by)}")
            if award.event:
                parts.append(f", {_e(award.event)}")
            parts.append("</small>")
        if award.withdrawn_on:
            reason = f": {_e(award.withdrawal_reason)}" if award.withdrawal_reason else ""
            parts.append(
                f"<br><small>cofnięty {_e(award.withdrawn_on.isoformat())}{reason}</small>"
            )
        if award.source:
            parts.append(f"<br><small>{_link(award.source, 'źródło')}</small>")
        items.append("<li>" + " ".join(parts[:2]) + "".join(parts[2:]) + "</li>")
    label = f"{len(inst.awards)} certyfikat" + ("y" if 2 <= len(inst.awards) <= 4 else "ów")
    if len(inst.awards) == 1:
        label = "1 certyfikat"
    return f"<details><summary>{_e(label)}</summary><ol>{''.join(items)}</ol></details>"


def _badge(status: str) -> str:
    return f'<span class="status status-{_e(status)}">{_e(STATUS_PL.get(status, status))}</span>'


def _row(inst: Institution, as_of: date) -> str:
    status = inst.status(as_of) or ""
    award = inst.current_award(as_of) or inst.latest_award()
    assert award is not None
    name = _link(inst.website, inst.name)
    cells = [
        ("name", "Instytucja", inst.name, name),
        ("city", "Miejscowość", inst.city, _e(inst.city)),
        ("voivodeship", "Województwo", inst.voivodeship or "", _e(inst.voivodeship or "—")),
        ("kind", "Rodzaj", inst.kind or "", _e(inst.kind or "—")),
        ("status", "Status", STATUS_PL.get(status, status), _badge(status)),
        ("until", "Obecny certyfikat", award.valid_until.isoformat(), _term(award)),
        ("count", "Certyfikaty", str(len(inst.awards)), _history(inst, as_of)),
    ]
    tds = "".join(
        f'<td class="col-{key}" data-label="{_e(label)}" data-value="{_e(value)}">{body}</td>'
        for key, label, value, body in cells
    )
    return (
        f'<tr id="{_e(inst.id)}" data-voivodeship="{_e(inst.voivodeship or "")}" '
        f'data-kind="{_e(inst.kind or "")}" data-status="{_e(status)}">{tds}</tr>'
    )


def _options(values: Iterable[str], labels: dict[str, str] | None = None) -> str:
    out = ['<option value="">wszystkie</option>']
    for value in values:
        label = (labels or {}).get(value, value)
        out.append(f'<option value="{_e(value)}">{_e(label)}</option>')
    return "".join(out)


def chart(insts: list[Institution]) -> str:
    """Inline SVG: certificates awarded per year (the ceremony's, else the term's start)."""
    years = per_year(insts)
    if not years:
        return ""
    counts = {y["year"]: y["total"] for y in years}
    span = list(range(years[0]["year"], years[-1]["year"] + 1))
    top = max(counts.values())
    bar_w, gap, height, base = 28, 8, 160, 130
    width = len(span) * (bar_w + gap) + gap
    parts = []
    for i, year in enumerate(span):
        count = counts.get(year, 0)
        h = round(count / top * (base - 20)) if count else 0
        x = gap + i * (bar_w + gap)
        parts.append(
            f"<g><title>{year}: {count}</title>"
            f'<rect class="bar" x="{x}" y="{base - h}" width="{bar_w}" height="{h}"></rect>'
            f'<text x="{x + bar_w / 2:g}" y="{base - h - 4}" text-anchor="middle">'
            f"{count if count else ''}</text>"
            f'<text x="{x + bar_w / 2:g}" y="{base + 16}" text-anchor="middle">{year}</text></g>'
        )
    return (
        "<figure><figcaption>Certyfikaty przyznane w kolejnych latach</figcaption>"
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Certyfikaty przyznane w kolejnych latach">'
        f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="#999"></line>'
        f"{''.join(parts)}</svg></figure>"
    )


def to_html(selected: list[Row], as_of: date, title: str) -> str:
    """The page for the institutions that have at least one selected award."""
    seen: dict[str, Institution] = {}
    for row in selected:
        seen.setdefault(row.institution.id, row.institution)
    insts = sorted(seen.values(), key=lambda i: i.id)
    statuses = sorted({s for i in insts if (s := i.status(as_of))}, key=list(STATUS_PL).index)
    voivodeships = sorted({i.voivodeship for i in insts if i.voivodeship})
    kinds = sorted({i.kind for i in insts if i.kind})
    active = sum(1 for i in insts if i.status(as_of) == "active")
    number = ' data-type="number"'
    headers = "".join(
        f'<th scope="col"{number if key == "count" else ""}>'
        f'<button type="button">{_e(label)}</button></th>'
        for key, label in COLUMNS
    )
    body = "\n".join(_row(inst, as_of) for inst in insts)
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
    )
    return f"""<!DOCTYPE html>
<html lang="pl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<title>{_e(title)}</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>{_e(title)}</h1>
<p class="meta">Stan na {_e(_date_pl(as_of))}: {len(insts)} instytucji, {active} z aktywnym \
certyfikatem Jakości Centrum Aktywności Lokalnej.</p>
</header>
<main>
<form class="filters" id="filters" hidden onsubmit="return false">
<label>Województwo <select id="filter-voivodeship">{_options(voivodeships)}</select></label>
<label>Rodzaj <select id="filter-kind">{_options(kinds)}</select></label>
<label>Status <select id="filter-status">{_options(statuses, STATUS_PL)}</select></label>
<label>Szukaj <input id="filter-text" type="search" placeholder="nazwa, miejscowość…"></label>
</form>
<p id="count" aria-live="polite"></p>
<table id="register">
<thead><tr>{headers}</tr></thead>
<tbody>
{body}
</tbody>
</table>
{chart(insts)}
</main>
<script>{SCRIPT}</script>
</body>
</html>
"""
