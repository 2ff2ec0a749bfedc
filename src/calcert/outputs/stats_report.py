"""The figures of ``stats`` for people (charts of text or Rich) and as CSV rows."""

from __future__ import annotations

from typing import TextIO

from calcert.i18n import _, ngettext
from calcert.model.terms import parse_duration
from calcert.model.text import escape_controls
from calcert.ops.stats import NONE_LABEL, Figures

CSV_COLUMNS = ("section", "key", "value")


def to_rows(data: Figures) -> list[dict[str, object]]:
    """Long form for CSV: section, key, value."""
    totals = ("institutions", "awards", "active", "first_awards", "renewals")
    out: list[dict[str, object]] = [
        {"section": "total", "key": key, "value": getattr(data, key)} for key in totals
    ]
    for y in data.awards_per_year:
        for part in ("total", "first", "renewal"):
            out.append(
                {"section": f"awards_per_year_{part}", "key": y.year, "value": getattr(y, part)}
            )
    for section in ("active_per_voivodeship", "active_per_kind"):
        for item in getattr(data, section):
            out.append({"section": section, "key": item.key, "value": item.active})
    for e in data.expiring:
        out.append({"section": "expiring", "key": e.within, "value": e.count})
    return out


def _label(value: object) -> str:
    """A voivodeship or kind as shown to people: ``(not given)`` in their language."""
    return _(NONE_LABEL) if value == NONE_LABEL else escape_controls(str(value))


def sections(data: Figures) -> list[tuple[str, list[tuple[str, int]]]]:
    """Titled lists of (label, count) for charts, in the current language."""
    first, renewals = data.first_awards, data.renewals
    per_year = _("Awards per year ({first}, {renewals})").format(
        first=ngettext("{n} first recorded", "{n} first recorded", first).format(n=first),
        renewals=ngettext("{n} renewal", "{n} renewals", renewals).format(n=renewals),
    )
    return [
        (per_year, [(str(y.year), y.total) for y in data.awards_per_year]),
        (
            _("Active certificates on {as_of} by voivodeship ({n} in all)").format(
                as_of=data.as_of.isoformat(), n=data.active
            ),
            [(_label(c.key), c.active) for c in data.active_per_voivodeship],
        ),
        (
            _("Active certificates by kind"),
            [(_label(c.key), c.active) for c in data.active_per_kind],
        ),
        (
            _("Expiring without a renewal recorded"),
            [(parse_duration(e.within).within(), e.count) for e in data.expiring],
        ),
    ]


def headline(data: Figures, number: str = "{n}") -> str:
    """``4 institutions, 5 awards, 3 active on 2025-04-01``; ``number`` wraps each count."""

    def shown(n: int) -> str:
        return number.format(n=n)

    n_inst, n_awards, n_active = data.institutions, data.awards, data.active
    return _("{institutions}, {awards}, {active} on {as_of}").format(
        institutions=ngettext("{n} institution", "{n} institutions", n_inst).format(
            n=shown(n_inst)
        ),
        awards=ngettext("{n} award", "{n} awards", n_awards).format(n=shown(n_awards)),
        active=ngettext("{n} active", "{n} active", n_active).format(n=shown(n_active)),
        as_of=data.as_of.isoformat(),
    )


def plain_text(data: Figures, width: int = 40) -> str:
    """Charts of ``#`` for logs and pipes (no colour, no box drawing)."""
    out = [headline(data)]
    for title, items in sections(data):
        out += ["", title]
        if not items:
            out.append("  " + _("(none)"))
            continue
        label_w = max(len(label) for label, _count in items)
        top = max(count for _label, count in items) or 1
        for label, count in items:
            bar = "#" * round(count / top * width) if count else ""
            out.append(f"  {label.ljust(label_w)}  {count:>4}  {bar}".rstrip())
    return "\n".join(out) + "\n"


def print_rich(data: Figures, stream: TextIO, colour: bool) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=stream, color_system="auto" if colour else None, highlight=False)
    console.print(headline(data, "[bold]{n}[/]"))
    for title, items in sections(data):
        table = Table(show_header=False, box=None)
        table.add_column("label")
        table.add_column("count", justify="right")
        table.add_column("bar")
        top = max((c for _label, c in items), default=0) or 1
        for label, count in items:
            bar = Text("█" * round(count / top * 40), style="cyan")
            table.add_row(Text(label), str(count), bar)  # Text: "[b]" in a kind is no markup
        if not items:
            table.add_row(_("(none)"), "", "")
        console.print()
        console.print(Text(title, style="bold"))
        console.print(table)
