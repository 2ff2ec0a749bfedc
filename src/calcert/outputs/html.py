"""The public register page: one self-contained HTML file (no CDN, no network at all).

Institutions with their current (else last) term and its true status, sub-units under
their parent, in Polish alphabetical order; columns sortable, rows filterable by
voivodeship, kind and status and searchable regardless of case and diacritics by a little
JavaScript (without it the full table still shows); cards instead of a table on a phone;
an inline SVG bar chart of certificates awarded per year. The style and script are
package data (``page/page.css``, ``page/page.js``) inlined into the page. Every value from
the register goes through ``html.escape``; the script only reads attributes. All text is
in the current language (``export`` makes the page Polish unless ``--lang`` says else).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import cache
from html import escape
from importlib import resources
from typing import Any

from calcert.i18n import N_, _, language, ngettext
from calcert.model.collation import polish_key
from calcert.model.records import Award, Institution
from calcert.model.text import escape_controls
from calcert.ops.stats import per_year
from calcert.outputs.export import Row

STATUS_ORDER = ("active", "pending", "expired", "withdrawn")  # filter and sort order
COLUMNS = (
    ("name", N_("Institution")),
    ("city", N_("City")),
    ("voivodeship", N_("Voivodeship")),
    ("kind", N_("Kind")),
    ("status", N_("Status")),
    ("until", N_("Current or last certificate")),
    ("count", N_("Certificates")),
)
DATES = (
    N_("{day} January {year}"),
    N_("{day} February {year}"),
    N_("{day} March {year}"),
    N_("{day} April {year}"),
    N_("{day} May {year}"),
    N_("{day} June {year}"),
    N_("{day} July {year}"),
    N_("{day} August {year}"),
    N_("{day} September {year}"),
    N_("{day} October {year}"),
    N_("{day} November {year}"),
    N_("{day} December {year}"),
)


@cache
def asset(name: str) -> str:
    """``page/page.css`` or ``page/page.js`` from the installed package."""
    return resources.files("calcert.outputs").joinpath("page", name).read_text(encoding="utf-8")


def _e(value: object) -> str:
    """HTML-escaped text; control characters (but line ends and tabs) shown as ``\\x1b``."""
    text = escape_controls("" if value is None else str(value), keep="\t\n")
    return escape(text, quote=True)


def long_date(day: date) -> str:
    """ "1 January 2025", "1 stycznia 2025"."""
    return _(DATES[day.month - 1]).format(day=day.day, year=day.year)


def _link(url: str | None, text: str) -> str:
    if url and url.startswith(("https://", "http://")):
        return f'<a href="{_e(url)}" rel="noopener">{_e(text)}</a>'
    return _e(text)


ASSUMED_TITLE = N_("Assumed end: no source states the term; the register assumes its default term")


def _until(award: Award) -> str:
    """The last day (a withdrawal's, if any); an end no source states is "≈" with a tooltip
    saying so."""
    end = award.effective_until
    if award.valid_until_assumed and end == award.valid_until:
        return (
            f'<span class="nowrap assumed" title="{_e(_(ASSUMED_TITLE))}">'
            f"≈{end.isoformat()}</span>"
        )
    return f'<span class="nowrap">{end.isoformat()}</span>'


def _term(award: Award) -> str:
    """The term as HTML, ending where a withdrawal ended it; dates never break inside."""
    span = f'<span class="nowrap">{award.valid_from.isoformat()}</span> – {_until(award)}'
    return f"{span} ({_e(award.term)})" if award.term else span


def _award_notes(award: Award) -> str:
    parts = []
    if award.awarded_on:
        parts.append(_("awarded {date}").format(date=_e(long_date(award.awarded_on))))
        if award.awarded_by:
            parts.append(_("by {name}").format(name=_e(award.awarded_by)))
        if award.event:
            parts.append(_e(award.event))
    text = f"<br><small>{', '.join(parts)}</small>" if parts else ""
    if award.decided_on:
        decided = _("decided by the commission {date}").format(
            date=_e(long_date(award.decided_on))
        )
        text += f"<br><small>{decided}</small>"
    if award.withdrawn_on:
        reason = f": {_e(award.withdrawal_reason)}" if award.withdrawal_reason else ""
        withdrawn = _("withdrawn {date}").format(date=_e(long_date(award.withdrawn_on)))
        text += f"<br><small>{withdrawn}{reason}</small>"
    if award.source:
        text += f"<br><small>{_link(award.source, _('source'))}</small>"
    return text


def _history(inst: Institution, as_of: date) -> str:
    items = [
        f'<li value="{inst.ordinal_of(a)}"><strong>{_term(a)}</strong> '
        f"{_badge(a.status(as_of))}{_award_notes(a)}</li>"
        for a in inst.sorted_awards()
    ]  # numbered by the stated ordinal, else by the place in the history
    n = len(inst.awards)
    label = ngettext("{n} certificate", "{n} certificates", n).format(n=n)
    return f"<details><summary>{_e(label)}</summary><ol>{''.join(items)}</ol></details>"


def _badge(status: str) -> str:
    """The status in the CLI's words (``list``, ``show``)."""
    return f'<span class="status status-{_e(status)}">{_e(_(status))}</span>'


def _shown(inst: Institution, as_of: date) -> Award:
    """The current award, else the last one: what the row is about."""
    award = inst.current_award(as_of) or inst.latest_award()
    assert award is not None  # known_on keeps institutions with at least one award
    return award


def _name_cell(inst: Institution, parents: dict[str, Institution]) -> str:
    name = _link(inst.website, inst.name)
    parent = parents.get(inst.parent or "")
    if parent is not None and parent is not inst:
        part_of = _("part of {parent}").format(parent=_e(parent.name))
        name += f'<small class="part-of">{part_of}</small>'
    return name


def _row(
    inst: Institution,
    as_of: date,
    ranks: dict[str, dict[str, int]],
    parents: dict[str, Institution],
) -> str:
    status = inst.status(as_of) or ""
    award = _shown(inst, as_of)
    cells = [
        ("name", _name_cell(inst, parents)),
        ("city", _e(inst.city)),
        ("voivodeship", _e(inst.voivodeship or "—")),
        ("kind", _e(inst.kind or "—")),
        ("status", _badge(status)),
        ("until", _term(award)),
        ("count", _history(inst, as_of)),
    ]
    labels = dict(COLUMNS)
    tds = "".join(
        f'<td class="col-{key}" data-label="{_e(_(labels[key]))}" '
        f'data-value="{ranks[key][inst.id]}">{body}</td>'
        for key, body in cells
    )
    search = " ".join(v for v in (inst.name, inst.city, inst.voivodeship, inst.kind, inst.id) if v)
    sub = (
        f' class="sub-unit" data-parent="{_e(inst.parent)}"' if _is_sub_unit(inst, parents) else ""
    )
    return (
        f'<tr id="{_e(inst.id)}"{sub} data-voivodeship="{_e(inst.voivodeship or "")}" '
        f'data-kind="{_e(inst.kind or "")}" data-status="{_e(status)}" '
        f'data-search="{_e(search)}">{tds}</tr>'
    )


def _rank(insts: list[Institution], value: Callable[[Institution], Any]) -> dict[str, int]:
    """Each institution's place when sorted by ``value`` (text in Polish order)."""

    def key(inst: Institution) -> Any:
        v = value(inst)
        return polish_key(v) if isinstance(v, str) else v

    return {inst.id: n for n, inst in enumerate(sorted(insts, key=key))}


def _ranks(insts: list[Institution], as_of: date) -> dict[str, dict[str, int]]:
    """The order of every sortable column, for the script (it compares numbers only)."""
    return {
        "name": _rank(insts, lambda i: i.name),
        "city": _rank(insts, lambda i: i.city),
        "voivodeship": _rank(insts, lambda i: i.voivodeship or "\uffff"),
        "kind": _rank(insts, lambda i: i.kind or "\uffff"),
        "status": _rank(insts, lambda i: STATUS_ORDER.index(i.status(as_of) or "active")),
        "until": _rank(insts, lambda i: _shown(i, as_of).effective_until),
        "count": _rank(insts, lambda i: len(i.awards)),
    }


def ordered(insts: list[Institution]) -> tuple[list[Institution], dict[str, Institution]]:
    """Institutions in Polish alphabetical order of name, each sub-unit right under its
    parent when the parent is on the page; and the institutions on the page by id."""
    by_id = {i.id: i for i in insts}
    by_name = sorted(insts, key=lambda i: polish_key(i.name))
    children: dict[str, list[Institution]] = {}
    for inst in by_name:
        if _is_sub_unit(inst, by_id):
            children.setdefault(str(inst.parent), []).append(inst)
    out: list[Institution] = []
    placed: set[str] = set()

    def place(inst: Institution) -> None:
        if inst.id not in placed:
            placed.add(inst.id)
            out.append(inst)
            for child in children.get(inst.id, []):
                place(child)

    for inst in by_name:
        if not _is_sub_unit(inst, by_id):
            place(inst)
    for inst in by_name:  # a cycle of parents has no top: its units stand on their own
        place(inst)
    return out, by_id


def _is_sub_unit(inst: Institution, on_page: dict[str, Institution]) -> bool:
    return inst.parent is not None and inst.parent != inst.id and inst.parent in on_page


def _options(values: Iterable[str], labels: Callable[[str], str] = str) -> str:
    out = [f'<option value="">{_e(_("all"))}</option>']
    for value in values:
        out.append(f'<option value="{_e(value)}">{_e(labels(value))}</option>')
    return "".join(out)


def chart(insts: list[Institution]) -> str:
    """Inline SVG: certificates awarded per year (the ceremony's, else the term's start)."""
    years = per_year(insts)
    if not years:
        return ""
    counts = {y.year: y.total for y in years}
    span = list(range(years[0].year, years[-1].year + 1))
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
    caption = _e(_("Certificates awarded per year"))
    return (
        f"<figure><figcaption>{caption}</figcaption>"
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{caption}">'
        f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="#999"></line>'
        f"{''.join(parts)}</svg></figure>"
    )


def _summary(insts: list[Institution], as_of: date) -> str:
    """ "As of 1 January 2025: 6 institutions, 27 certificates, 4 active." """
    n_insts = len(insts)
    n_awards = sum(len(i.awards) for i in insts)
    n_active = sum(1 for i in insts if i.status(as_of) == "active")
    return _("As of {date}: {institutions}, {certificates}, {active}.").format(
        date=long_date(as_of),
        institutions=ngettext("{n} institution", "{n} institutions", n_insts).format(n=n_insts),
        certificates=ngettext("{n} certificate", "{n} certificates", n_awards).format(n=n_awards),
        active=ngettext("{n} active", "{n} active", n_active).format(n=n_active),
    )


def _filters(insts: list[Institution], as_of: date) -> str:
    statuses = [s for s in STATUS_ORDER if any(i.status(as_of) == s for i in insts)]
    voivodeships = sorted({i.voivodeship for i in insts if i.voivodeship}, key=polish_key)
    kinds = sorted({i.kind for i in insts if i.kind}, key=polish_key)
    return (
        '<form class="filters" id="filters" hidden onsubmit="return false">'
        f"<label>{_e(_('Voivodeship'))} "
        f'<select id="filter-voivodeship">{_options(voivodeships)}</select></label>'
        f'<label>{_e(_("Kind"))} <select id="filter-kind">{_options(kinds)}</select></label>'
        f"<label>{_e(_('Status'))} "
        f'<select id="filter-status">{_options(statuses, _)}</select></label>'
        f'<label>{_e(_("Search"))} <input id="filter-text" type="search" '
        f'placeholder="{_e(_("name, city…"))}"></label>'
        "</form>"
    )


def to_html(selected: list[Row], as_of: date, title: str) -> str:
    """The page for the institutions that have at least one selected award."""
    seen: dict[str, Institution] = {}
    for row in selected:
        seen.setdefault(row.institution.id, row.institution)
    insts, parents = ordered(list(seen.values()))
    ranks = _ranks(insts, as_of)
    number = ' data-type="number"'
    headers = "".join(
        f'<th scope="col"{number if key == "count" else ""}>'
        f'<button type="button">{_e(_(label))}</button></th>'
        for key, label in COLUMNS
    )
    body = "\n".join(_row(inst, as_of, ranks, parents) for inst in insts)
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
    )
    count = _e(_("Showing {shown} of {total}"))
    return f"""<!DOCTYPE html>
<html lang="{_e(language())}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<title>{_e(title)}</title>
<style>
{asset("page.css")}</style>
</head>
<body>
<header>
<h1>{_e(title)}</h1>
<p class="meta">{_e(_summary(insts, as_of))}</p>
</header>
<main>
{_filters(insts, as_of)}
<p id="count" aria-live="polite" data-template="{count}"></p>
<table id="register">
<thead><tr>{headers}</tr></thead>
<tbody>
{body}
</tbody>
</table>
{chart(insts)}
</main>
<script>
{asset("page.js")}</script>
</body>
</html>
"""
