"""The figures of ``stats`` for people (charts of text or Rich) and as CSV rows."""

from __future__ import annotations

from calcert.i18n import _, ngettext
from calcert.model.text import escape_controls
from calcert.ops.stats import NONE_LABEL

CSV_COLUMNS = ("section", "key", "value")


def to_rows(data: dict[str, object]) -> list[dict[str, object]]:
    """Long form for CSV: section, key, value."""
    out: list[dict[str, object]] = []
    for key in ("institutions", "awards", "active", "first_awards", "renewals"):
        out.append({"section": "total", "key": key, "value": data[key]})
    for y in data["awards_per_year"]:  # type: ignore[attr-defined]
        for part in ("total", "first", "renewal"):
            out.append({"section": f"awards_per_year_{part}", "key": y["year"], "value": y[part]})
    for section, key in (("active_per_voivodeship", "voivodeship"), ("active_per_kind", "kind")):
        for item in data[section]:  # type: ignore[attr-defined]
            out.append({"section": section, "key": item[key], "value": item["active"]})
    for item in data["expiring"]:  # type: ignore[attr-defined]
        out.append({"section": "expiring", "key": item["within"], "value": item["count"]})
    return out


def _label(value: object) -> str:
    """A voivodeship or kind as shown to people: ``(not given)`` in their language."""
    return _(NONE_LABEL) if value == NONE_LABEL else escape_controls(str(value))


def sections(data: dict[str, object]) -> list[tuple[str, list[tuple[str, int]]]]:
    """Titled lists of (label, count) for charts, in the current language."""
    years = data["awards_per_year"]
    first, renewals, active = data["first_awards"], data["renewals"], data["active"]
    per_year = _("Awards per year ({first}, {renewals})").format(
        first=ngettext("{n} first recorded", "{n} first recorded", first).format(n=first),  # type: ignore[arg-type]
        renewals=ngettext("{n} renewal", "{n} renewals", renewals).format(n=renewals),  # type: ignore[arg-type]
    )
    return [
        (
            per_year,
            [(str(y["year"]), y["total"]) for y in years],  # type: ignore[attr-defined]
        ),
        (
            _("Active certificates on {as_of} by voivodeship ({n} in all)").format(
                as_of=data["as_of"], n=active
            ),
            [(_label(i["voivodeship"]), i["active"]) for i in data["active_per_voivodeship"]],  # type: ignore[attr-defined]
        ),
        (
            _("Active certificates by kind"),
            [(_label(i["kind"]), i["active"]) for i in data["active_per_kind"]],  # type: ignore[attr-defined]
        ),
        (
            _("Expiring without a renewal recorded"),
            [
                (_("within {duration}").format(duration=i["within"]), i["count"])
                for i in data["expiring"]  # type: ignore[attr-defined]
            ],
        ),
    ]


def headline(data: dict[str, object], number: str = "{n}") -> str:
    """``4 institutions, 5 awards, 3 active on 2025-04-01``; ``number`` wraps each count."""

    def shown(n: object) -> str:
        return number.format(n=n)

    institutions, awards, active = data["institutions"], data["awards"], data["active"]
    return _("{institutions}, {awards}, {active} on {as_of}").format(
        institutions=ngettext("{n} institution", "{n} institutions", institutions).format(  # type: ignore[arg-type]
            n=shown(institutions)
        ),
        awards=ngettext("{n} award", "{n} awards", awards).format(n=shown(awards)),  # type: ignore[arg-type]
        active=ngettext("{n} active", "{n} active", active).format(n=shown(active)),  # type: ignore[arg-type]
        as_of=data["as_of"],
    )


def plain_text(data: dict[str, object], width: int = 40) -> str:
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


def print_rich(data: dict[str, object], stream, colour: bool) -> None:
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
