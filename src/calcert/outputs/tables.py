"""Rows → text for people (Rich on a terminal, aligned plain text otherwise) or scripts.

Rich is imported only when a table is actually drawn on a terminal: importing it costs
tens of milliseconds that ``--version`` and piped output should not pay.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
from collections.abc import Sequence
from typing import Protocol, TextIO

from calcert.i18n import N_, _
from calcert.model.text import csv_cell, escape_controls


def colour_allowed(stream: TextIO | None = None) -> bool:
    """Colour only on a terminal and when ``NO_COLOR`` is unset or empty (no-color.org)."""
    stream = stream or sys.stdout
    return not os.environ.get("NO_COLOR") and _isatty(stream)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# Free text may wrap; ids, dates, statuses and numbers must stay whole to stay useful.
_WRAPPING = frozenset({"name", "city", "awarded_by", "event", "notes", "kind", "voivodeship"})


# Column names as people read them, in words (json and csv keep the keys).
_HEADERS = {
    "number": "#",
    "valid_from": N_("valid from"),
    "valid_until": N_("valid until"),
    "days_left": N_("days left"),
    "awarded_on": N_("awarded on"),
    "awarded_by": N_("awarded by"),
    "withdrawn_on": N_("withdrawn on"),
    "certificate_no": N_("certificate no."),
    "withdrawal_reason": N_("withdrawal reason"),
    "decided_on": N_("decided on"),
    "ordinal": N_("ordinal"),
    "valid_until_assumed": N_("valid until assumed"),
}
_SHORT_HEADERS = {"certificates": N_("certs")}  # where a terminal is short of room


_STATUS_STYLES = {"active": "green", "pending": "yellow", "expired": "dim", "withdrawn": "red"}
_DROP_ORDER = ("kind", "voivodeship", "certificates", "awarded_on", "valid_from", "term")
_WRAP_AT = 18  # free text wider than this wraps while other columns are still wanted


# Column names and statuses as people read them (json/csv keep the English keys).
HUMAN_WORDS = (
    N_("id"),
    N_("name"),
    N_("city"),
    N_("voivodeship"),
    N_("kind"),
    N_("status"),
    N_("certificates"),
    N_("certs"),
    N_("term"),
    N_("website"),
    N_("parent"),
    N_("event"),
    N_("notes"),
    N_("source"),
    N_("active"),
    N_("expired"),
    N_("withdrawn"),
    N_("pending"),
    N_("all"),
    N_("error"),
    N_("warning"),
    N_("awards"),
)


def header(column: str, *, short: bool = False) -> str:
    """A column's name for people, in the current language: "valid until", "ważny do"."""
    if short and column in _SHORT_HEADERS:
        return _(_SHORT_HEADERS[column])
    return _(_HEADERS.get(column, column))


def _human_cell(row: dict[str, object], column: str) -> str:
    """A value as people read it: statuses translated, control characters escaped."""
    value = _cell(row.get(column))
    return _(value) if column == "status" and value else escape_controls(value)


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


# An end that no source states (``valid_until_assumed``): marked in tables for people, a
# column of its own in json and csv.
ASSUMED_KEY = "valid_until_assumed"
ASSUMED_LEGEND = N_(
    "≈ assumed end: no source states it; the register assumes [terms] default_years from the start"
)


def mark_assumed(
    rows: Sequence[dict[str, object]], columns: Sequence[str]
) -> tuple[list[dict[str, object]], str | None]:
    """Rows for people, an assumed ``valid_until`` shown as ``≈2016-06-27``, and the legend
    to print under them (None when no end is assumed)."""
    if "valid_until" not in columns or not any(row.get(ASSUMED_KEY) for row in rows):
        return list(rows), None
    marked = [
        {**row, "valid_until": f"≈{row['valid_until']}"} if row.get(ASSUMED_KEY) else row
        for row in rows
    ]
    return marked, _(ASSUMED_LEGEND)


def machine_columns(columns: Sequence[str]) -> list[str]:
    """``columns`` with ``valid_until_assumed`` right after ``valid_until`` (json, csv)."""
    out = list(columns)
    if "valid_until" in out and ASSUMED_KEY not in out:
        out.insert(out.index("valid_until") + 1, ASSUMED_KEY)
    return out


def to_json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def to_csv(rows: Sequence[dict[str, object]], columns: Sequence[str]) -> str:
    """CSV for spreadsheets: a would-be formula gets a ``'`` in front (``csv_cell``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(_cell(row.get(c))) for c in columns])
    return buffer.getvalue()


NUMERIC_COLUMNS = frozenset({"days_left", "certificates", "number"})


def _md_cell(value: object) -> str:
    """A Markdown table cell on one line, with ``|`` and ``\\`` escaped."""
    text = _cell(value).replace("\\", "\\\\").replace("|", "\\|")
    return escape_controls(" ".join(text.split()))


def to_markdown(rows: Sequence[dict[str, object]], columns: Sequence[str]) -> str:
    """A GitHub-flavoured Markdown table (job summaries, issues, wiki pages)."""
    lines = [
        "| " + " | ".join(_md_cell(c) for c in columns) + " |",
        "| " + " | ".join("---:" if c in NUMERIC_COLUMNS else "---" for c in columns) + " |",
    ]
    for row in rows:
        lines.append("| " + " | ".join(_md_cell(row.get(c)) for c in columns) + " |")
    return "\n".join(lines) + "\n"


def plain_table(rows: Sequence[dict[str, object]], columns: Sequence[str]) -> str:
    """Aligned columns, no colour, no box drawing: greppable and diff-friendly."""
    cells = [[_human_cell(row, c) for c in columns] for row in rows]
    headers = [header(c) for c in columns]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for r in cells:
        lines.append("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(lines) + "\n"


def terminal_width() -> int:
    """``$COLUMNS`` when it is a positive number, else the terminal's, else 80."""
    value = os.environ.get("COLUMNS", "")
    if value.isdigit() and int(value) > 0:
        return int(value)
    import shutil

    columns = shutil.get_terminal_size((80, 24)).columns
    return columns if columns > 0 else 80


def _ascii_only() -> bool:
    """``TERM=dumb`` terminals show neither box drawing nor colour."""
    return os.environ.get("TERM", "") == "dumb"


def _widths(rows: Sequence[dict[str, object]], column: str) -> tuple[int, int]:
    """(narrowest, natural) width of a column on a terminal: free text may wrap between
    words, other values (ids, dates, statuses, numbers) never wrap."""
    cells = [_human_cell(row, column) for row in rows]
    title = header(column, short=True)
    if column not in _WRAPPING:
        width = max([len(title)] + [len(c) for c in cells])
        return width, width
    narrowest = max(len(w) for text in [title, *cells] for w in text.split() or [""])
    return narrowest, max(narrowest, min(_WRAP_AT, max(len(c) for c in cells)))


def _table_width(widths: Sequence[int]) -> int:
    return sum(widths) + 3 * len(widths) + 1  # "│ " before each cell, " │" at the end


def fit_columns(
    rows: Sequence[dict[str, object]], columns: Sequence[str], width: int
) -> tuple[dict[str, int], list[str]] | None:
    """Column widths that fit ``width`` and the columns left out for it, least important
    first (``_DROP_ORDER``); None when even the rest cannot fit without breaking a value."""
    shown = [c for c in columns if any(row.get(c) not in (None, "") for row in rows)]
    dropped: list[str] = []
    for victim in _DROP_ORDER:
        if _table_width([_widths(rows, c)[1] for c in shown]) <= width:
            break
        if victim in shown:
            shown.remove(victim)
            dropped.append(victim)
    ranges = {c: _widths(rows, c) for c in shown}
    if _table_width([low for low, _high in ranges.values()]) > width:
        return None
    widths = {c: high for c, (_low, high) in ranges.items()}
    while _table_width(list(widths.values())) > width:
        roomiest = max(widths, key=lambda c: widths[c] - ranges[c][0])
        widths[roomiest] -= 1
    return widths, dropped


def _dropped_note(dropped: Sequence[str], width: int) -> str:
    import textwrap

    names = ", ".join(header(c) for c in dropped)
    note = _(
        "not shown at {width} columns: {columns}; widen the terminal or use --format csv"
    ).format(width=width, columns=names)
    return textwrap.fill(note, width, break_long_words=False, break_on_hyphens=False)


def stacked(rows: Sequence[dict[str, object]], columns: Sequence[str], width: int) -> str:
    """One block per row, one ``header: value`` line per value: for terminals too narrow
    for a table. Values wrap between words only, so ids and dates stay whole."""
    import textwrap

    blocks = []
    for row in rows:
        lines = [_human_cell(row, columns[0])]
        for column in columns[1:]:
            value = _human_cell(row, column)
            if value:
                lines.append(
                    textwrap.fill(
                        f"{header(column)}: {value}",
                        max(width, 1),
                        initial_indent="  ",
                        subsequent_indent="    ",
                        break_long_words=False,
                        break_on_hyphens=False,
                    )
                )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def print_table(
    rows: Sequence[dict[str, object]],
    columns: Sequence[str],
    *,
    title: str | None = None,
    empty: str = "nothing to show",
    stream: TextIO | None = None,
) -> None:
    stream = stream or sys.stdout
    if not rows:
        print(escape_controls(empty), file=stream)
        return
    width = terminal_width()
    if not _isatty(stream):
        stream.write(plain_table(rows, columns))
        return
    fitted = fit_columns(rows, columns, width)
    if fitted is None:  # too narrow for a table that keeps ids and dates whole
        stream.write(stacked(rows, columns, width))
        return
    widths, dropped = fitted
    _rich_table(rows, widths, title, stream, width)
    if dropped:
        print(_dropped_note(dropped, width), file=stream)


def _rich_table(
    rows: Sequence[dict[str, object]],
    widths: dict[str, int],
    title: str | None,
    stream: TextIO,
    width: int,
) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    ascii_only = _ascii_only()
    colour = colour_allowed(stream) and not ascii_only
    console = Console(
        file=stream, color_system="auto" if colour else None, highlight=False, width=width
    )
    # Text, not a string: Rich would read "[bold]" in a title as markup.
    table = Table(
        title=Text(escape_controls(title)) if title else None,
        header_style="bold",
        box=box.ASCII if ascii_only else box.HEAVY_HEAD,
    )
    for column, column_width in widths.items():
        table.add_column(
            header(column, short=True),
            justify="right" if column in NUMERIC_COLUMNS else "left",
            no_wrap=column not in _WRAPPING,
            width=column_width,
            overflow="fold",
        )
    for row in rows:
        cells = []
        for column in widths:
            raw = _cell(row.get(column))
            style = _STATUS_STYLES.get(raw, "") if column == "status" else ""
            cells.append(Text(_human_cell(row, column), style=style))
        table.add_row(*cells)
    console.print(table)


class Row(Protocol):
    """A typed result that gives its values by column (``queries.ListRow``, ``ExpiringRow``)."""

    def as_dict(self) -> dict[str, object]: ...


def print_rows(
    results: Sequence[Row],
    columns: Sequence[str],
    fmt: str,
    *,
    title: str | None = None,
    empty: str = "nothing to show",
) -> None:
    """``results`` as ``fmt`` on stdout: json and csv with every column
    (``machine_columns``), Markdown and tables with ``columns`` and ends marked ``≈``."""
    rows = [result.as_dict() for result in results]
    if fmt == "json":
        keys = machine_columns(columns)
        sys.stdout.write(to_json([{c: row.get(c) for c in keys} for row in rows]))
        return
    if fmt == "csv":
        sys.stdout.write(to_csv(rows, machine_columns(columns)))
        return
    rows, legend = mark_assumed(rows, columns)
    if fmt == "md":
        # For people reading a page: an empty result is a sentence, not an empty table.
        sys.stdout.write(to_markdown(rows, columns) if rows else f"{empty}\n")
        if legend:
            sys.stdout.write(f"\n{legend}\n")
    else:
        print_table(rows, columns, title=title, empty=empty)
        if legend:
            print(legend)


class Progress:
    """A progress bar on stderr for long runs: only on a terminal, and only after ~1 s.

    ``advance()`` is cheap until then (a counter; the clock is read every 256 steps), and
    Rich is imported only when the bar is actually drawn. It is transient: the bar is gone
    when the work is done, so output stays the same with and without it.
    """

    DELAY = 1.0

    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total = total
        self.label = label
        self.done = 0
        self.stream = stream or sys.stderr
        self._start = time.monotonic()
        self._bar: object | None = None
        self._task: object | None = None
        self._enabled = total > 0 and _isatty(self.stream)

    def __enter__(self) -> Progress:
        return self

    def advance(self) -> None:
        self.done += 1
        if not self._enabled or self.done & 255:
            return
        if self._bar is None:
            if time.monotonic() - self._start < self.DELAY:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
            from rich.progress import Progress as Bar

            console = Console(
                file=self.stream,
                color_system="auto" if colour_allowed(self.stream) else None,
            )
            bar = Bar(
                TextColumn(self.label),
                BarColumn(),
                MofNCompleteColumn(),
                console=console,
                transient=True,
            )
            bar.start()
            self._task = bar.add_task(self.label, total=self.total)
            self._bar = bar
        self._bar.update(self._task, completed=self.done)  # type: ignore[attr-defined]

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()  # type: ignore[attr-defined]
