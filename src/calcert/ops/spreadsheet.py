"""``calcert import FILE.xlsx``: a workbook's first sheet read as the rows of a CSV file.

The layout is that of ``export --format xlsx``: a header row (the CSV keys, or the Polish
headings the export writes under ``--lang pl``), then one row per award. Date columns take
real date cells and text dates (YYYY-MM-DD or DD.MM.YYYY) alike; every other cell is read
as text. The result is the ``CsvFile`` that ``importer.read_csv`` gives, so checking and
writing (all-or-nothing) are shared with CSV. Problems of the workbook itself name the
cell (``people.xlsx:Arkusz1!D7: …``) and exit 2; problems of a row name the sheet and row
(``people.xlsx:Arkusz1:7: …``), as CSV rows name their line.

openpyxl is imported here only, inside the functions: start-up never pays for it.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

from calcert.errors import UsageError
from calcert.i18n import _
from calcert.model.findings import display_path
from calcert.model.records import AWARD_DATE_KEYS
from calcert.ops.importer import (
    CsvFile,
    CsvRow,
    check_header,
    header_columns,
    no_header,
    parse_cell_date,
    read_csv,
    read_input,
)

# .xls is the old binary format: not readable, but refused as a workbook, not as bad CSV.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # zip (xlsx) and OLE2 (xls)
_PLAIN_TITLE = re.compile(r"^[^\W\d]\w*$")
Cell = object  # what openpyxl gives for a cell: None, str, int, float, bool, date, datetime…


def is_workbook(path: Path) -> bool:
    """A workbook by its name, or by how it starts (as a zip or OLE2 file: CSV never does)."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return True
    try:
        with path.open("rb") as handle:
            return handle.read(4) in _MAGIC
    except OSError:
        return False


def read_source(path: Path) -> CsvFile:
    """The rows to import from a workbook or a CSV file."""
    return read_xlsx(path) if is_workbook(path) else read_csv(path)


def read_xlsx(path: Path) -> CsvFile:
    """The first sheet's rows; a file that is not such a workbook is exit 2."""
    shown = display_path(path)
    title, records = _load(path, shown)
    sheet = _quoted(title)

    def cell(column: int, row: int) -> str:
        return f"{shown}:{sheet}!{_letter(column)}{row}"

    if not records or not any(_text(value) for value in records[0]):
        raise UsageError(no_header(cell(0, 1)))
    columns = header_columns([_text(value) for value in records[0]])
    check_header(columns, lambda index: cell(index, 1))
    rows = []
    for number, record in enumerate(records[1:], start=2):
        values = _row_values(columns, record, functools.partial(cell, row=number))
        if values:
            rows.append(CsvRow(number, values))
    return CsvFile(f"{shown}:{title}", "", columns, rows)


def _load(path: Path, shown: str) -> tuple[str, list[tuple[Cell, ...]]]:
    """The first worksheet's title and its rows of cell values."""
    data = read_input(path, shown)
    import openpyxl
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    try:  # a damaged or foreign file can fail in many ways inside openpyxl and zipfile
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if not book.worksheets:
                return "", []
            sheet = book.worksheets[0]
            if isinstance(sheet, ReadOnlyWorksheet):  # a stale <dimension> would cut rows off
                sheet.reset_dimensions()
            return sheet.title, list(sheet.iter_rows(values_only=True))
        finally:
            book.close()
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(
            _(
                "{file}: not an Excel workbook (.xlsx) ({reason}); save it in Excel as "
                '"Excel Workbook (*.xlsx)" or as "CSV UTF-8" and import that'
            ).format(file=shown, reason=reason)
        ) from None


def _row_values(
    columns: list[str], record: Sequence[Cell], at: Callable[[int], str]
) -> dict[str, str]:
    """The row's non-empty cells as text, by column; dates as YYYY-MM-DD."""
    values: dict[str, str] = {}
    for index, value in enumerate(record):
        if index >= len(columns):
            if _text(value):
                raise UsageError(
                    _(
                        "{where}: a value in a column without a heading; give the column "
                        "a heading or clear the cell"
                    ).format(where=at(index))
                )
            continue
        column = columns[index]
        text = _date_text(column, value, at(index)) if column in AWARD_DATE_KEYS else _text(value)
        if text:
            values[column] = text
    return values


def _date_text(column: str, value: Cell, where: str) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = _text(value)
    if not text:
        return ""
    day = parse_cell_date(text) if isinstance(value, str) else None
    if day is None:
        raise UsageError(
            _(
                "{where}: {key} {value!r} is not a date; use a date cell or YYYY-MM-DD text, "
                "e.g. 2022-03-29"
            ).format(where=where, key=column, value=text)
        )
    return day.isoformat()


def _text(value: Cell) -> str:
    """A cell as text: numbers without a needless ``.0``, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _letter(index: int) -> str:
    """The column letters of a 0-based column index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _quoted(title: str) -> str:
    """A sheet name as Excel writes it in a reference: 'Arkusz 1'!A1, Arkusz1!A1."""
    if _PLAIN_TITLE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"
