"""``export --format xlsx``: the CSV's rows as an Excel workbook for people.

One sheet, one row per award, the columns of ``export --format csv`` with headings in the
reader's language (``calcert.model.headings``); dates are real date cells shown as
YYYY-MM-DD, every other value is a text cell (never a formula, a number or a date, however
it looks: ``=…``, ``007``). The header is bold and frozen, has an autofilter, and the
columns are as wide as their content. ``import`` reads the workbook back.

openpyxl is imported inside ``to_xlsx`` only: start-up never pays for it.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

from calcert.errors import UsageError
from calcert.i18n import _
from calcert.model.findings import display_path
from calcert.model.headings import heading
from calcert.model.records import AWARD_DATE_KEYS, CSV_COLUMNS
from calcert.outputs.export import Row

DATE_FORMAT = "YYYY-MM-DD"
MIN_WIDTH, MAX_WIDTH = 6, 60  # characters; longer text is cut off in view, not in the cell
# Characters XML 1.0 (and so a workbook) cannot hold; TOML strings can (as \u0007).
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def to_xlsx(selected: list[Row]) -> bytes:
    """The workbook's bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("awards")
    sheet.append([heading(column) for column in CSV_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    table = [_cells(row) for row in selected]
    for values in table:
        sheet.append(values)
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
            elif isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text, even when it starts with "="
    for index, width in enumerate(_widths(table), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(CSV_COLUMNS))}{len(selected) + 1}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cells(row: Row) -> list[object]:
    """The row's values by column: dates as dates, the rest as text or None."""
    values = row.values()
    cells: list[object] = []
    for column in CSV_COLUMNS:
        if column in AWARD_DATE_KEYS:
            cells.append(getattr(row.award, column))
        elif isinstance(values[column], bool):
            cells.append("true" if values[column] else "false")  # as CSV writes it
        elif values[column] is None:
            cells.append(None)
        else:
            cells.append(_text(row, column, str(values[column])))
    return cells


def _text(row: Row, column: str, text: str) -> str:
    bad = _NOT_IN_XML.search(text)
    if bad is None:
        return text
    where = row.institution.path or row.institution.id
    raise UsageError(
        _(
            "{file}: {key} holds the control character U+{code:04X}, which an Excel "
            "workbook cannot hold; remove it from the file (--format csv keeps it)"
        ).format(
            file=display_path(where) if isinstance(where, Path) else where,
            key=column,
            code=ord(bad[0]),
        )
    )


def _shown_length(value: object) -> int:
    if isinstance(value, date):
        return len(DATE_FORMAT)
    return max((len(line) for line in str(value or "").splitlines()), default=0)


def _widths(table: list[list[object]]) -> list[float]:
    """Each column as wide as its longest line (heading or value), within bounds."""
    widths: list[float] = []
    for index, column in enumerate(CSV_COLUMNS):
        longest = len(heading(column)) + 3  # room for the autofilter's button
        longest = max([longest, *(_shown_length(cells[index]) for cells in table)])
        widths.append(min(max(longest + 1, MIN_WIDTH), MAX_WIDTH))
    return widths
