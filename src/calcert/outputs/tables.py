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
from typing import TextIO

from calcert.i18n import N_, _


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


_HEADERS = {"number": "#", "certificates": "certs", "voivodeship": "voivodeship"}


_STATUS_STYLES = {"active": "green", "pending": "yellow", "expired": "dim", "withdrawn": "red"}
_DROP_ORDER = ("kind", "voivodeship", "certificates", "awarded_on", "valid_from", "term")


def _natural_width(rows: Sequence[dict[str, object]], columns: Sequence[str]) -> int:
    """Width of the table with free-text columns wrapped to at most 18 characters."""
    total = 1
    for column in columns:
        longest = max([len(column)] + [len(_cell(r.get(column))) for r in rows])
        total += (min(longest, 18) if column in _WRAPPING else longest) + 3
    return total


# Column names and statuses as people read them (json/csv keep the English keys).
HUMAN_WORDS = (
    N_("id"),
    N_("name"),
    N_("city"),
    N_("voivodeship"),
    N_("kind"),
    N_("status"),
    N_("valid_from"),
    N_("valid_until"),
    N_("certificates"),
    N_("certs"),
    N_("days_left"),
    N_("term"),
    N_("awarded_on"),
    N_("awarded_by"),
    N_("withdrawn_on"),
    N_("website"),
    N_("parent"),
    N_("event"),
    N_("notes"),
    N_("source"),
    N_("certificate_no"),
    N_("withdrawal_reason"),
    N_("active"),
    N_("expired"),
    N_("withdrawn"),
    N_("pending"),
    N_("all"),
    N_("error"),
    N_("warning"),
    N_("awards"),
)


def _header(column: str, *, plain: bool = False) -> str:
    return _(column if plain else _HEADERS.get(column, column))


def _human_cell(row: dict[str, object], column: str) -> str:
    value = _cell(row.get(column))
    return _(value) if column == "status" and value else value


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def to_json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def to_csv(rows: Sequence[dict[str, object]], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buffer.getvalue()


NUMERIC_COLUMNS = frozenset({"days_left", "certificates", "number"})


def _md_cell(value: object) -> str:
    """A Markdown table cell on one line, with ``|`` and ``\\`` escaped."""
    text = _cell(value).replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(text.split())


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
    headers = [_header(c, plain=True) for c in columns]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for r in cells:
        lines.append("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(lines) + "\n"


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
        print(empty, file=stream)
        return
    if not _isatty(stream):
        stream.write(plain_table(rows, columns))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(
        file=stream, color_system="auto" if colour_allowed(stream) else None, highlight=False
    )
    table = Table(title=title, header_style="bold")
    # Columns empty in every row only take room on a terminal; scripts use json/csv.
    columns = [c for c in columns if any(row.get(c) not in (None, "") for row in rows)]
    # On a narrow terminal drop the least important columns rather than crush the rest.
    for victim in _DROP_ORDER:
        if _natural_width(rows, columns) <= console.width or len(columns) <= 3:
            break
        if victim in columns:
            columns.remove(victim)
    for column in columns:
        justify = "right" if column in NUMERIC_COLUMNS else "left"
        wraps = column in _WRAPPING
        table.add_column(
            _header(column),
            justify=justify,  # type: ignore[arg-type]
            no_wrap=not wraps,
            min_width=10 if wraps else None,
            overflow="fold",
        )
    from rich.text import Text

    for row in rows:
        cells = []
        for column in columns:
            raw = _cell(row.get(column))
            value = _human_cell(row, column)
            style = _STATUS_STYLES.get(raw, "") if column == "status" else ""
            cells.append(Text(value, style=style))
        table.add_row(*cells)
    console.print(table)


def print_rows(
    rows: Sequence[dict[str, object]],
    columns: Sequence[str],
    fmt: str,
    *,
    title: str | None = None,
    empty: str = "nothing to show",
) -> None:
    if fmt == "json":
        sys.stdout.write(to_json([{c: row.get(c) for c in columns} for row in rows]))
    elif fmt == "csv":
        sys.stdout.write(to_csv(rows, columns))
    elif fmt == "md":
        # For people reading a page: an empty result is a sentence, not an empty table.
        sys.stdout.write(to_markdown(rows, columns) if rows else f"{empty}\n")
    else:
        print_table(rows, columns, title=title, empty=empty)


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
