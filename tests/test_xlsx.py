"""Excel both ways: export --format xlsx writes a real workbook, import reads it back."""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calcert.i18n import set_language
from calcert.model.headings import COLUMN_WORDS, column_for, heading
from calcert.model.records import CSV_COLUMNS, Award, Institution
from calcert.ops.spreadsheet import _letter, read_xlsx
from calcert.outputs.export import Row
from calcert.outputs.xlsx import to_xlsx
from conftest import MLAWA, RADOM, REPO

REAL = REPO / "registry"
PL = {"LANG": "pl_PL.UTF-8"}
ERROR = "calcert: error: "

# Text that a spreadsheet would take for a formula, a number or a date: it must stay text.
ODD = """\
id = "gops-zolkiewka"
name = "=HYPERLINK(\\"x\\")"
kind = "GOPS"
city = "Żółkiewka"
voivodeship = "lubelskie"

[[awards]]
valid_from = 2023-06-01
valid_until = 2028-05-31
certificate_no = "007"
notes = "line one\\nline two; 1.05.2023"
"""


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".calcert.lock"
    }


def cells(path: Path) -> list[list[object]]:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    return [[c.value for c in row] for row in sheet.iter_rows()]


def export_xlsx(cli, root: Path, name: str, *args: str, env=None) -> Path:
    result = cli(root, *args, "export", "--format", "xlsx", "-o", name, env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    return Path(name)


def make_book(rows: list[list[object]], name: str = "people.xlsx", title="Arkusz1") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(name)
    return Path(name)


# ---- export --------------------------------------------------------------------------------


def test_the_workbook_has_date_cells_a_frozen_bold_header_widths_and_a_filter(cli):
    path = export_xlsx(cli, REAL, "register.xlsx")
    sheet = openpyxl.load_workbook(path).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == list(CSV_COLUMNS)
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}8"
    valid_from = sheet.cell(row=5, column=header.index("valid_from") + 1)
    assert valid_from.value == datetime(2022, 3, 29)
    assert valid_from.is_date and valid_from.number_format == "YYYY-MM-DD"
    name_width = sheet.column_dimensions["B"].width
    assert name_width >= len("Miejski Ośrodek Pomocy Społecznej w Radomiu")
    assert sheet.column_dimensions["A"].width < name_width  # fitted, not one width for all


def test_the_workbook_holds_what_the_csv_holds(cli):
    path = export_xlsx(cli, REAL, "register.xlsx")
    csv_lines = cli(REAL, "export", "--format", "csv").stdout
    import csv

    expected = list(csv.reader(io.StringIO(csv_lines)))
    got = [
        ["" if v is None else v.date().isoformat() if isinstance(v, datetime) else v for v in row]
        for row in cells(path)
    ]
    assert got == expected


def test_text_that_looks_like_a_formula_or_a_number_stays_text(make_register, cli):
    root = make_register(files={"gops-zolkiewka": ODD})
    path = export_xlsx(cli, root, "odd.xlsx")
    sheet = openpyxl.load_workbook(path).worksheets[0]
    row = {h.value: c for h, c in zip(sheet[1], sheet[2], strict=True)}
    assert row["name"].value == '=HYPERLINK("x")'
    assert row["name"].data_type == "s"
    assert row["certificate_no"].value == "007"
    assert row["notes"].value == "line one\nline two; 1.05.2023"


def test_polish_headers_are_words_from_the_catalog(cli):
    path = export_xlsx(cli, REAL, "rejestr.xlsx", "--lang", "pl")
    book = openpyxl.load_workbook(path)
    header = [c.value for c in book.worksheets[0][1]]
    assert header[:4] == ["id", "nazwa", "rodzaj", "miejscowość"]
    assert "ważny od" in header and "ważny do" in header and "nr certyfikatu" in header
    assert book.worksheets[0].title == "certyfikaty"


def test_xlsx_to_a_terminal_is_refused_and_dash_pipes_it(cli, monkeypatch):
    monkeypatch.setattr("calcert.cli.commands_data._stdout_is_terminal", lambda: True)
    result = cli(REAL, "export", "--format", "xlsx")
    assert result.exit_code == 2
    assert result.stderr == (
        f"{ERROR}--format xlsx writes a binary workbook: give -o FILE.xlsx "
        "(or -o - to send it down a pipe)\n"
    )
    assert result.stdout == ""
    monkeypatch.setattr("calcert.cli.commands_data._stdout_is_terminal", lambda: False)
    piped = cli(REAL, "export", "--format", "xlsx", "-o", "-")
    assert piped.exit_code == 0, piped.output
    book = openpyxl.load_workbook(io.BytesIO(piped.stdout_bytes))
    assert book.worksheets[0]["A2"].value == "mbp-piekary-slaskie"
    assert not Path("-").exists()


# ---- round trip ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "pl"])
def test_export_import_export_is_identical_in_content(make_register, cli, tmp_path, lang):
    source = make_register(
        files={"mops-mlawa": MLAWA, "mops-radom": RADOM, "gops-zolkiewka": ODD},
        root=tmp_path / "source",
    )
    first = export_xlsx(cli, source, "first.xlsx", "--lang", lang)
    empty = make_register(root=tmp_path / "fresh")
    imported = cli(empty, "import", "first.xlsx")
    assert imported.exit_code == 0, imported.output
    sheet = "awards" if lang == "en" else "certyfikaty"
    assert imported.stdout.splitlines()[0] == (
        f"first.xlsx:{sheet}:2: add  gops-zolkiewka 2023-06-01..2028-05-31 (new institution)"
    )
    assert snapshot(empty / "institutions") == snapshot(source / "institutions")
    second = export_xlsx(cli, empty, "second.xlsx", "--lang", lang)
    assert cells(second) == cells(first)
    assert cli(empty, "validate").exit_code == 0


def test_importing_the_real_register_workbook_gives_the_same_files(make_register, cli, tmp_path):
    export_xlsx(cli, REAL, "register.xlsx")
    empty = make_register(root=tmp_path / "fresh")
    result = cli(empty, "import", "register.xlsx")
    assert result.exit_code == 0, result.output
    for name in ("mops-mlawa.toml", "mops-radom.toml"):
        assert (empty / "institutions" / name).read_bytes() == (
            REAL / "institutions" / name
        ).read_bytes()


def test_a_hand_made_workbook_with_text_dates_and_numbers(make_register, cli):
    root = make_register()
    make_book(
        [
            ["ID", "Nazwa", "Miejscowość", "Ważny od", "ważny_do", "nr certyfikatu", None],
            ["mops-a", "MOPS w A", "Aów", "5.05.2021", date(2026, 5, 4), 17, None],
            [None, None, None, None, None, None, None],
        ]
    )
    result = cli(root, "import", "people.xlsx")
    assert result.exit_code == 0, result.output
    text = (root / "institutions" / "mops-a.toml").read_text(encoding="utf-8")
    assert 'valid_from = 2021-05-05\nvalid_until = 2026-05-04\ncertificate_no = "17"\n' in text


# ---- broken workbooks: one line, exit 2, nothing written ----------------------------------


def refused(cli, root: Path, name: str) -> str:
    before = snapshot(root)
    result = cli(root, "import", name)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert snapshot(root) == before
    return result.stderr


def test_text_in_a_date_column_names_the_cell(make_register, cli):
    root = make_register()
    make_book(
        [
            ["id", "name", "city", "valid_from", "valid_until"],
            ["mops-a", "MOPS w A", "Aów", date(2020, 1, 1), date(2024, 12, 31)],
            ["mops-b", "MOPS w B", "Bełchatów", date(2021, 5, 5), "wkrótce"],
        ]
    )
    assert refused(cli, root, "people.xlsx") == (
        f"{ERROR}people.xlsx:Arkusz1!E3: valid_until 'wkrótce' is not a date; "
        "use a date cell or YYYY-MM-DD text, e.g. 2022-03-29\n"
    )


def test_a_number_in_a_date_column_is_not_a_date(make_register, cli):
    root = make_register()
    make_book([["id", "name", "city", "valid_from", "valid_until"], ["a", "A", "A", 44000, 1]])
    assert "people.xlsx:Arkusz1!D2: valid_from '44000' is not a date" in refused(
        cli, root, "people.xlsx"
    )


def test_a_missing_required_column_is_named(make_register, cli):
    root = make_register()
    make_book([["id", "name", "valid_from", "valid_until"], ["mops-a", "A", "2020-01-01", ""]])
    assert refused(cli, root, "people.xlsx") == (
        f"{ERROR}people.xlsx:Arkusz1!A1: the header lacks the required column city\n"
    )


def test_an_unknown_column_names_its_cell(make_register, cli):
    root = make_register()
    make_book([["id", "name", "city", "valid_from", "valid_until", "ważny"]])
    assert refused(cli, root, "people.xlsx").startswith(
        f"{ERROR}people.xlsx:Arkusz1!F1: unknown column 'ważny'"
    )


@pytest.mark.parametrize(
    "content", [b"id,name\nnot a workbook\n", b"PK\x03\x04broken zip", b""], ids=str
)
def test_a_file_that_is_not_a_workbook_is_one_line(make_register, cli, content):
    root = make_register()
    Path("broken.xlsx").write_bytes(content)
    message = refused(cli, root, "broken.xlsx")
    assert message.startswith(f"{ERROR}broken.xlsx: not an Excel workbook (.xlsx)")
    assert message.count("\n") == 1
    assert "Traceback" not in message


def test_an_empty_sheet_has_no_header(make_register, cli):
    root = make_register()
    make_book([])
    assert refused(cli, root, "people.xlsx").startswith(
        f"{ERROR}people.xlsx:Arkusz1!A1: no header row"
    )


def test_a_bad_row_in_a_workbook_writes_nothing_and_names_sheet_and_row(make_register, cli):
    root = make_register()
    make_book(
        [
            ["id", "name", "city", "valid_from", "valid_until"],
            ["mops-a", "MOPS w A", "Aów", date(2020, 1, 1), date(2024, 12, 31)],
            ["MOPS B", "MOPS w B", "Bełchatów", date(2021, 5, 5), date(2026, 5, 4)],
        ]
    )
    result = cli(root, "import", "people.xlsx")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith(
        "calcert: people.xlsx:Arkusz1:3: id 'MOPS B' is not valid"
    )
    assert list((root / "institutions").glob("*.toml")) == []


# ---- start-up ------------------------------------------------------------------------------


def test_openpyxl_is_not_imported_at_start_up():
    code = (
        "import calcert.cli.app, calcert.cli.commands_data, calcert.ops.importer, "
        "calcert.outputs.export"
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()]
    assert "calcert.cli.commands_data" in imported  # the measurement sees our modules
    assert not [m for m in imported if m.split(".")[0] in ("openpyxl", "et_xmlfile")]


def test_a_control_character_that_a_workbook_cannot_hold_is_one_line(make_register, cli):
    root = make_register(files={"gops-zolkiewka": ODD.replace("line one", "bell \\u0007")})
    result = cli(root, "export", "--format", "xlsx", "-o", "odd.xlsx")
    assert result.exit_code == 2
    assert result.stderr == (
        f"{ERROR}registry/institutions/gops-zolkiewka.toml: notes holds the control character "
        "U+0007, which an Excel workbook cannot hold; remove it from the file (--format csv "
        "keeps it)\n"
    )
    assert not Path("odd.xlsx").exists()


def test_workbook_errors_in_polish(make_register, cli):
    root = make_register()
    make_book([["id", "nazwa", "miejscowość", "ważny od", "ważny do"], ["a", "A", "A", "x", 1]])
    result = cli(root, "import", "people.xlsx", env=PL)
    assert result.exit_code == 2
    assert result.stderr == (
        "calcert: błąd: people.xlsx:Arkusz1!D2: valid_from 'x' nie jest datą; użyj komórki "
        "z datą albo tekstu YYYY-MM-DD, np. 2022-03-29\n"
    )


# ---- properties ----------------------------------------------------------------------------

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    min_size=1,
    max_size=40,
).filter(lambda t: t == t.strip())
LINES = st.lists(TEXT, min_size=1, max_size=3).map("\n".join)
DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=TEXT, city=TEXT, notes=LINES, number=TEXT, start=DAYS, until=DAYS)
def test_every_text_and_date_survives_the_workbook(name, city, notes, number, start, until):
    """Whatever text the register holds comes back from the workbook as the same text."""
    award = Award(valid_from=start, valid_until=until, certificate_no=number, notes=notes)
    institution = Institution(id="mops-x", name=name, city=city, awards=(award,))
    row = Row(institution, award, "active")
    data = to_xlsx([row])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.xlsx"
        path.write_bytes(data)
        source = read_xlsx(path)
    expected = {
        k: str(v).lower() if isinstance(v, bool) else str(v)
        for k, v in row.values().items()
        if k in CSV_COLUMNS and v is not None
    }
    assert [r.values for r in source.rows] == [expected]
    assert source.columns == list(CSV_COLUMNS)


@given(column=st.sampled_from(CSV_COLUMNS), upper=st.booleans(), underscore=st.booleans())
def test_every_polish_heading_names_its_column(column, upper, underscore):
    set_language("pl")
    try:
        text = heading(column)
    finally:
        set_language("en")
    text = text.upper() if upper else text
    text = text.replace(" ", "_") if underscore else text
    assert column_for(text) == column
    assert column_for(column) == column


def test_the_heading_words_are_the_csv_columns():
    assert COLUMN_WORDS == CSV_COLUMNS


@given(st.integers(min_value=0, max_value=16383))
def test_column_letters_are_excels(index):
    assert _letter(index) == openpyxl.utils.get_column_letter(index + 1)


def test_a_wrong_size_in_the_sheet_loses_no_row_or_column(make_register, cli):
    """Some programs write a stale <dimension>; every row and column is still read."""
    root = make_register()
    path = make_book(
        [
            ["id", "name", "city", "valid_from", "valid_until"],
            ["mops-a", "MOPS w A", "Aów", date(2020, 1, 1), date(2024, 12, 31)],
            ["mops-b", "MOPS w B", "Bełchatów", date(2021, 5, 5), date(2026, 5, 4)],
        ]
    )
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    assert b'<dimension ref="A1:E3" />' in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b'ref="A1:E3"', b'ref="A1:B2"')
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)
    result = cli(root, "import", "people.xlsx")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "Imported 2 awards (2 new institutions) into 2 files; skipped 0 rows."
    )


def test_an_old_xls_workbook_is_told_to_be_saved_as_xlsx(make_register, cli):
    root = make_register()
    Path("old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert refused(cli, root, "old.xls") == (
        f"{ERROR}old.xls: not an Excel workbook (.xlsx) (File is not a zip file); save it in "
        'Excel as "Excel Workbook (*.xlsx)" or as "CSV UTF-8" and import that\n'
    )
