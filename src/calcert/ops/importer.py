"""``calcert import``: awards from a spreadsheet's CSV, checked whole, written all-or-nothing.

The columns are those of ``export --format csv``. The file is read completely first (UTF-8
with or without BOM, ``,`` or ``;`` as the header line shows), every row is checked, the
register as it would be is validated like ``add`` does (refused when the import would add
an error), and only then are files written: every new file is staged and fsynced before
the first one is renamed into place, so a failure while writing leaves the register as it
was. Problems name the CSV line (``people.csv:7: …``).

Problems with the file itself (encoding, header, quoting) exit 2; rows that would put bad
data into the register are refused with exit 1.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from calcert.errors import EXIT_FINDINGS, CalcertError, UsageError
from calcert.i18n import _, ngettext, translate_text
from calcert.model.findings import display_path
from calcert.model.headings import column_for
from calcert.model.records import (
    AWARD_DATE_KEYS,
    AWARD_INT_KEYS,
    AWARD_KEYS,
    CSV_COLUMNS,
    INSTITUTION_COLUMNS,
    Award,
    Institution,
    assumed_until,
)
from calcert.model.text import csv_value, escape_controls, first_control
from calcert.model.values import closest_voivodeship, date_parts, id_problem, is_voivodeship
from calcert.ops.edits import refuse_foreign_folder
from calcert.ops.import_checks import by_line, change_problems
from calcert.register.comments import comment_line
from calcert.register.fs import (
    INSTITUTIONS_DIR,
    CommitFailed,
    locked,
    remove_stale_temp_files,
    write_together,
)
from calcert.register.loader import Register, load
from calcert.register.tomlfile import BOM, ParsedFile, dumps, guess_encoding

REQUIRED = ("id", "name", "city", "valid_from")
# How a spreadsheet may say yes or no in valid_until_assumed (Excel's TRUE/FALSE too).
_YES = frozenset({"true", "yes", "tak", "1"})
_NO = frozenset({"false", "no", "nie", "0"})
IDENTITY = tuple(c for c in INSTITUTION_COLUMNS if c != "id")
_PL = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")  # what a Polish spreadsheet writes
_SEP_LINE = re.compile(r"sep=([;,\t|])[ \t]*\r?\n", re.IGNORECASE)  # Excel's separator line
Tick = Callable[[], None]


class ImportProblems(CalcertError):
    """Every problem found (one line each); the import wrote nothing."""

    def __init__(self, messages: list[str], exit_code: int) -> None:
        n = len(messages) - 1
        more = ngettext(" (and {n} more)", " (and {n} more)", n).format(n=n) if n else ""
        super().__init__(messages[0] + more, exit_code)
        self.messages = messages


@dataclass
class CsvRow:
    line: int  # where the record starts in the file (the header is line 1)
    values: dict[str, str]  # non-empty cells, stripped


@dataclass
class CsvFile:
    shown: str
    delimiter: str
    columns: list[str]
    rows: list[CsvRow]


@dataclass
class Action:
    line: int
    ident: str
    award: Award
    what: str  # "add" or "skip"
    note: str = ""


@dataclass
class ImportPlan:
    source: str
    actions: list[Action] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    filled: dict[str, list[str]] = field(default_factory=dict)
    contents: dict[Path, str] = field(default_factory=dict)

    @property
    def added(self) -> list[Action]:
        return [a for a in self.actions if a.what == "add"]

    @property
    def skipped(self) -> list[Action]:
        return [a for a in self.actions if a.what == "skip"]


# ---- reading the file ----------------------------------------------------------------------


def read_csv(path: Path) -> CsvFile:
    """Rows of the CSV file; a file that cannot be read as the export's CSV is exit 2."""
    shown = display_path(path)
    raw = read_input(path, shown)
    text, first, delimiter = _excel_sep_line(_decode_csv(raw, shown))
    header_line = text.split("\n", 1)[0]
    if not header_line.strip():
        raise UsageError(no_header(f"{shown}:{first}"))
    delimiter = delimiter or (";" if header_line.count(";") > header_line.count(",") else ",")
    records = _records(text, delimiter, first, shown)
    columns = header_columns(records[0][1])
    check_header(columns, lambda _index: f"{shown}:{first}")
    rows = [_row(line, record, columns, delimiter, shown) for line, record in records[1:]]
    return CsvFile(shown, delimiter, columns, [row for row in rows if row is not None])


def read_input(path: Path, shown: str) -> bytes:
    """The bytes of a file to import; a file that cannot be read is one line, exit 2."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(
            _("{file}: cannot be read ({reason})").format(file=shown, reason=exc.strerror)
        ) from None


def _decode_csv(raw: bytes, shown: str) -> str:
    """The text of a CSV file: UTF-8 with or without BOM, else one line saying what it is."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UsageError(
            _(
                "{file}:1: the file is UTF-16 text; save it as CSV in UTF-8 "
                '(in Excel: "CSV UTF-8 (Comma delimited)")'
            ).format(file=shown)
        )
    body = raw[len(BOM) :] if raw.startswith(BOM) else raw
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise UsageError(
            _(
                "{file}:{line}: not UTF-8, looks like {encoding}; save the file as "
                'CSV in UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)") and import again'
            ).format(file=shown, line=line, encoding=guess_encoding(body))
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise UsageError(
            _("{file}:{line}: the file contains NUL bytes; is it really CSV text?").format(
                file=shown, line=line
            )
        )
    return text


def _records(text: str, delimiter: str, first: int, shown: str) -> list[tuple[int, list[str]]]:
    """Each CSV record with the line of the file it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    start = first
    try:
        for record in reader:
            records.append((start, record))
            start = reader.line_num + first
    except csv.Error as exc:
        raise UsageError(
            _("{file}:{line}: not valid CSV ({error}); check the quotes in this row").format(
                file=shown, line=start, error=exc
            )
        ) from None
    return records


def _row(
    line: int, record: list[str], columns: list[str], delimiter: str, shown: str
) -> CsvRow | None:
    """One data row by column name; None for a blank line (a spreadsheet's trailing ones)."""
    if not any(cell.strip() for cell in record):
        return None
    if len(record) > len(columns) and any(c.strip() for c in record[len(columns) :]):
        cells = ngettext("{n} cell", "{n} cells", len(record)).format(n=len(record))
        raise UsageError(
            ngettext(
                "{file}:{line}: {cells} but the header has {n} column; "
                "is a value with a {delimiter!r} missing its quotes?",
                "{file}:{line}: {cells} but the header has {n} columns; "
                "is a value with a {delimiter!r} missing its quotes?",
                len(columns),
            ).format(file=shown, line=line, cells=cells, n=len(columns), delimiter=delimiter)
        )
    # A cell ``export`` protected from spreadsheets ('=…) reads back as its value.
    values = {
        column: csv_value(cell.strip())
        for column, cell in zip(columns, record, strict=False)
        if column and cell.strip()
    }
    return CsvRow(line, values)


def _excel_sep_line(text: str) -> tuple[str, int, str | None]:
    """Excel's ``sep=;`` first line: (the text after it, its first line number, ``;``)."""
    match = _SEP_LINE.match(text)
    if match is None:
        return text, 1, None
    return text[match.end() :], 2, match[1]


def no_header(where: str) -> str:
    return _(
        "{where}: no header row; the first line names the columns, e.g. "
        "{columns} (see `calcert export --format csv`)"
    ).format(where=where, columns=",".join(REQUIRED))


def header_columns(cells: list[str]) -> list[str]:
    """The header's column keys: headings as the xlsx export writes them (``ważny od``)
    read as their keys; empty cells at the end of the row (Excel's ``a;b;;``) dropped."""
    names = [cell.strip() for cell in cells]
    while names and not names[-1]:
        names.pop()
    return [column_for(name) or name for name in names]


def check_header(columns: list[str], at: Callable[[int], str]) -> None:
    """Refuse a header without a name, with an unknown or a repeated column, or lacking a
    required one; ``at(i)`` names the place of column ``i`` (a CSV line, a sheet's cell)."""
    seen: set[str] = set()
    for index, column in enumerate(columns):
        if not column:
            raise UsageError(
                _("{where}: a column has no name in the header row").format(where=at(index))
            )
        if column not in CSV_COLUMNS:
            close = difflib.get_close_matches(column.lower(), CSV_COLUMNS, n=1)
            hint = _(" (did you mean {close!r}?)").format(close=close[0]) if close else ""
            raise UsageError(
                _(
                    "{where}: unknown column {column!r}{hint}; the columns are those of "
                    "`calcert export --format csv`: {columns}"
                ).format(where=at(index), column=column, hint=hint, columns=", ".join(CSV_COLUMNS))
            )
        if column in seen:
            raise UsageError(
                _("{where}: column {column!r} appears twice in the header").format(
                    where=at(index), column=column
                )
            )
        seen.add(column)
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        raise UsageError(
            ngettext(
                "{where}: the header lacks the required column {columns}",
                "{where}: the header lacks the required columns {columns}",
                len(missing),
            ).format(where=at(0), columns=", ".join(missing))
        )


def parse_cell_date(text: str) -> date | None:
    """YYYY-MM-DD, or DD.MM.YYYY as Polish spreadsheets save dates; None if neither."""
    parts = date_parts(text)
    try:
        if parts:
            return date(*parts)
        match = _PL.fullmatch(text)
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None
    return None


# ---- planning ------------------------------------------------------------------------------


def _cell_value(key: str, value: str, where: str) -> tuple[object, str | None]:
    """The value of one award cell, or the problem with it."""
    if key in AWARD_DATE_KEYS:
        day = parse_cell_date(value)
        if day is None:
            return None, _(
                "{where}: {key} {value!r} is not a date; use YYYY-MM-DD, e.g. 2022-03-29"
            ).format(where=where, key=key, value=value)
        return day, None
    if key in AWARD_INT_KEYS:
        if not (value.isascii() and value.isdigit()) or len(value) > 6:
            return None, _(
                "{where}: {key} {value!r} is not a whole number; e.g. 3 for a third certificate"
            ).format(where=where, key=key, value=value)
        return int(value), None
    return value, None


def _assumed_column(row: CsvRow, where: str, problems: list[str]) -> bool:
    """Whether the row says its valid_until is assumed (then no valid_until is written)."""
    text = row.values.get("valid_until_assumed", "").lower()
    if text not in _YES and text not in _NO and text:
        problems.append(
            _("{where}: valid_until_assumed {value!r} is neither true nor false").format(
                where=where, value=row.values["valid_until_assumed"]
            )
        )
    return text in _YES


def _row_award(row: CsvRow, where: str, problems: list[str], default_years: int) -> Award | None:
    if _has_controls(row, where, problems):
        return None
    fields: dict[str, object] = {}
    ok = True
    for key in AWARD_KEYS:
        value = row.values.get(key)
        if value is None:
            continue
        fields[key], problem = _cell_value(key, value, where)
        if problem is not None:
            problems.append(problem)
            ok = False
    assumed = _assumed_column(row, where, problems)
    if not ok or "valid_from" not in fields:
        return None
    if assumed or "valid_until" not in fields:
        # No source states the end: none is written, the register assumes it.
        fields["valid_until"] = assumed_until(fields["valid_from"], default_years)  # type: ignore[arg-type]
        fields["valid_until_assumed"] = True
    return Award(**fields)  # type: ignore[arg-type]


def _has_controls(row: CsvRow, where: str, problems: list[str]) -> bool:
    """A cell with a control character (``notes`` may break lines) is refused."""
    for key, value in row.values.items():
        char = first_control(value, key)
        if char is not None:
            problems.append(
                _("{where}: {key} contains the control character {char}; remove it").format(
                    where=where, key=key, char=escape_controls(char)
                )
            )
            return True
    return False


def plan_import(
    register: Register, source: CsvFile, today: date, tick: Tick | None = None
) -> ImportPlan:
    """Work out every file the import writes and check the result; writes nothing."""
    refuse_foreign_folder(register)
    problems: list[str] = []
    plan = ImportPlan(source.shown)
    by_id: dict[str, list[tuple[CsvRow, Award]]] = {}
    for row in source.rows:
        where = f"{source.shown}:{row.line}"
        problem = _row_problem(row, where)
        if problem is not None:
            problems.append(problem)
            continue
        award = _row_award(row, where, problems, register.config.default_years)
        if award is not None:
            by_id.setdefault(row.values["id"], []).append((row, award))
        if tick:
            tick()

    first_line: dict[str, int] = {}
    for ident, items in by_id.items():
        first_line[ident] = items[0][0].line
        _plan_institution(register, source.shown, ident, items, plan, problems)
    origin = {(a.ident, a.award.valid_from, a.award.valid_until): a.line for a in plan.added}
    # What the rows planned so far would break too: every problem in one pass.
    problems += change_problems(register, plan.contents, source.shown, origin, first_line, today)
    if problems:
        raise ImportProblems(by_line(problems, source.shown), EXIT_FINDINGS)
    plan.actions.sort(key=lambda a: a.line)
    return plan


def _row_problem(row: CsvRow, where: str) -> str | None:
    """What keeps a row from naming an institution: an empty required cell, a bad id or
    voivodeship (lower-cased in place: spreadsheets capitalise)."""
    empty = [c for c in REQUIRED if c not in row.values]
    if empty:
        return ngettext(
            "{where}: {columns} is empty; every row needs {required}",
            "{where}: {columns} are empty; every row needs {required}",
            len(empty),
        ).format(where=where, columns=", ".join(empty), required=", ".join(REQUIRED))
    ident = row.values["id"]
    problem = id_problem(ident)
    if problem:
        return _("{where}: id {id!r} is not valid: {problem}").format(
            where=where, id=ident, problem=translate_text(problem)
        )
    voivodeship = row.values.get("voivodeship")
    if voivodeship is None:
        return None
    row.values["voivodeship"] = voivodeship = voivodeship.lower()
    if is_voivodeship(voivodeship):
        return None
    close = closest_voivodeship(voivodeship)
    hint = (
        _("; did you mean {close!r}?").format(close=close) if close else _(", e.g. 'mazowieckie'")
    )
    return _(
        "{where}: voivodeship {value!r} is not one of the 16 (lower-case Polish names){hint}"
    ).format(where=where, value=voivodeship, hint=hint)


def _plan_institution(
    register: Register,
    shown: str,
    ident: str,
    items: list[tuple[CsvRow, Award]],
    plan: ImportPlan,
    problems: list[str],
) -> Institution | None:
    """Plan one institution's rows: the file it becomes, or None when a row is refused."""
    bad = _rows_disagree(shown, ident, items, problems)
    parsed = register.file_for(ident)
    old: Institution | None = None
    if parsed is not None:
        if _unreadable(parsed, shown, ident, items[0][0].line, problems):
            return None
        old = parsed.institution
        bad = _has_comments(parsed, shown, items[0][0].line, ident, problems) or bad
        bad = _rows_disagree_with_file(parsed, shown, ident, items, problems) or bad
    if bad:
        return None
    new_awards, used_rows = _new_awards(old, ident, items, plan)
    if not new_awards:
        return old
    fills = _fills(old, used_rows)
    if old is None:
        name, city = fills.pop("name"), fills.pop("city")
        institution = Institution(ident, name, city, tuple(new_awards), **fills)
        plan.created.append(ident)
        path = register.institutions_dir / f"{ident}.toml"
    else:
        assert parsed is not None
        institution = dataclasses.replace(old, awards=(*old.awards, *new_awards), **fills)
        if fills:
            plan.filled[ident] = list(fills)
        path = parsed.path
    plan.contents[path] = dumps(institution)
    return institution


def _identity_cells(rows: Iterable[CsvRow]) -> Iterator[tuple[CsvRow, str, str]]:
    """Each value the rows give their institution (name, city, …), with its row and key."""
    for row in rows:
        for key in IDENTITY:
            value = row.values.get(key)
            if value is not None:
                yield row, key, value


def _cell_problem(
    message: str, shown: str, row: CsvRow, key: str, value: str, ident: str, **more: object
) -> str:
    """``message`` about one cell: the file and line, the key and value, the institution."""
    return message.format(file=shown, line=row.line, key=key, value=value, id=ident, **more)


def _rows_disagree(
    shown: str, ident: str, items: list[tuple[CsvRow, Award]], problems: list[str]
) -> bool:
    """Whether two rows of one institution give it different names, cities, …"""
    identity: dict[str, tuple[str, int]] = {}
    bad = False
    for row, key, value in _identity_cells(row for row, _award in items):
        other, other_line = identity.setdefault(key, (value, row.line))
        if other != value:
            message = _(
                "{file}:{line}: {key} {value!r} of {id} differs from "
                "{other!r} in line {other_line}; make the rows agree"
            )
            problems.append(
                _cell_problem(
                    message, shown, row, key, value, ident, other=other, other_line=other_line
                )
            )
            bad = True
    return bad


def _unreadable(
    parsed: ParsedFile, shown: str, ident: str, line: int, problems: list[str]
) -> bool:
    """Whether the institution's file is one import may not rewrite (not read completely)."""
    if parsed.complete and parsed.institution is not None:
        return False
    first = parsed.findings[0] if parsed.findings else None
    reason = translate_text(first.message) if first else _("cannot be read")
    problems.append(
        _(
            "{file}:{line}: {id} is in {path}, which cannot be "
            "read ({reason}); fix that file first (`calcert validate {path}`)"
        ).format(file=shown, line=line, id=ident, path=parsed.shown, reason=reason)
    )
    return True


def _rows_disagree_with_file(
    parsed: ParsedFile,
    shown: str,
    ident: str,
    items: list[tuple[CsvRow, Award]],
    problems: list[str],
) -> bool:
    """Whether a row gives the institution another value than its file records."""
    old = parsed.institution
    assert old is not None
    bad = False
    for row, key, value in _identity_cells(row for row, _award in items):
        current = getattr(old, key)
        if current is not None and value != current:
            message = _(
                "{file}:{line}: {key} {value!r} does not match {current!r} "
                "recorded for {id} in {path}; fix the row or the register"
            )
            problems.append(
                _cell_problem(
                    message, shown, row, key, value, ident, current=current, path=parsed.shown
                )
            )
            bad = True
    return bad


def _new_awards(
    old: Institution | None, ident: str, items: list[tuple[CsvRow, Award]], plan: ImportPlan
) -> tuple[list[Award], list[CsvRow]]:
    """The rows' awards not recorded yet (each term once), and the rows they come from;
    every row gets its action in ``plan``."""
    recorded = {(a.valid_from, a.valid_until): a for a in (old.awards if old else ())}
    in_file: dict[tuple[date, date], int] = {}
    new_awards: list[Award] = []
    used_rows: list[CsvRow] = []
    for row, award in items:
        term = (award.valid_from, award.valid_until)
        if term in recorded:
            note = _("already recorded")
            if recorded[term] != award:
                note = _("already recorded (other columns differ; the register is kept as it is)")
            plan.actions.append(Action(row.line, ident, award, "skip", note))
        elif term in in_file:
            note = _("same term as line {line}").format(line=in_file[term])
            plan.actions.append(Action(row.line, ident, award, "skip", note))
        else:
            in_file[term] = row.line
            new_awards.append(award)
            used_rows.append(row)
            plan.actions.append(Action(row.line, ident, award, "add"))
    return new_awards, used_rows


def _fills(old: Institution | None, used_rows: list[CsvRow]) -> dict[str, Any]:
    """Institution values the rows give that the register does not have yet."""
    fills: dict[str, Any] = {}
    for _row, key, value in _identity_cells(used_rows):
        if old is None or getattr(old, key) is None:
            fills.setdefault(key, value)
    return fills


def _has_comments(
    parsed: ParsedFile, shown: str, line: int, ident: str, problems: list[str]
) -> bool:
    """A file with ``#`` comments is not rewritten: the comments would be lost."""
    comment = comment_line(parsed)
    if comment is None:
        return False
    problems.append(
        _(
            "{file}:{line}: {id} is in {path}, which has # comments (line {comment}) that "
            "the import would drop; move them into an award's notes, or drop them with "
            "`calcert fmt`, then import again"
        ).format(file=shown, line=line, id=ident, path=parsed.shown, comment=comment)
    )
    return True


# ---- writing -------------------------------------------------------------------------------


def write_all(root: Path, contents: dict[Path, str], tick: Tick | None = None) -> None:
    """Write every file or none, even when interrupted (see ``fs.write_together``)."""
    directory = root / INSTITUTIONS_DIR
    directory.mkdir(exist_ok=True)
    remove_stale_temp_files(directory)  # left by a killed writer; we hold the lock
    data = {path: text.encode("utf-8") for path, text in contents.items()}
    try:
        write_together(root, data, tick or (lambda: None))
    except CommitFailed as exc:  # e.g. the file system turned read-only under us
        raise UsageError(
            _(
                "{directory}: cannot write ({reason}) after {done} of {total} files; each "
                "file is whole, and the next calcert command that writes (or the same "
                "import again) finishes the import"
            ).format(
                directory=display_path(directory),
                reason=exc.reason,
                done=exc.done,
                total=exc.total,
            )
        ) from None
    except OSError as exc:
        raise UsageError(
            _("{directory}: cannot write ({reason}); nothing was imported").format(
                directory=display_path(directory), reason=exc.strerror
            )
        ) from None


def import_csv(
    root: Path,
    source: CsvFile,
    today: date,
    *,
    dry_run: bool = False,
    tick: Tick | None = None,
) -> ImportPlan:
    """Check the whole file against the register, then write it all (or nothing)."""
    if dry_run:
        return plan_import(load(root), source, today, tick)
    with locked(root):
        # Files it rewrites are parsed from their bytes, never taken from the cache.
        plan = plan_import(load(root, use_cache=False), source, today, tick)
        if plan.contents:
            write_all(root, plan.contents, tick)
    return plan
