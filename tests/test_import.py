"""import: round trip with export, separators and BOM, all-or-nothing, row-numbered errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from calcert.outputs.export import CSV_COLUMNS
from conftest import CSV_HEADER as HEADER
from conftest import CSV_ROW_A as ROW_A
from conftest import CSV_ROW_B as ROW_B
from conftest import MLAWA, RADOM, REPO, snapshot
from conftest import write_text as write

REAL = REPO / "registry"
ROW_C = "gops-c,GOPS w C,GOPS,Cisna,podkarpackie,2019-03-01,2024-02-29,,\n"


@pytest.fixture(autouse=True)
def _in_tmp(in_tmp: Path) -> None:
    """CSV paths show as people.csv, as a user would type them."""


def test_export_import_into_an_empty_register_gives_the_same_csv(make_register, cli, tmp_path):
    exported = cli(REAL, "export", "--format", "csv")
    assert exported.exit_code == 0, exported.output
    write("register.csv", exported.stdout)
    empty = make_register(root=tmp_path / "fresh")
    result = cli(empty, "import", "register.csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "register.csv:2: add  mbp-piekary-slaskie 2012-02-23..≈2017-02-22 (new institution)",
        "register.csv:3: add  mopr-wloclawek 2013-11-21..2016-11-20 (new institution)",
        "register.csv:4: add  mops-mlawa 2011-06-28..≈2016-06-27 (new institution)",
        "register.csv:5: add  mops-mlawa 2022-03-29..2026-03-28 (renewal)",
        "register.csv:6: add  mops-radom 2014-05-19..2017-05-18 (new institution)",
        "register.csv:7: add  mops-stalowa-wola 2016-05-12..≈2021-05-11 (new institution)",
        "register.csv:8: add  ops-brzeszcze 2009-12-08..≈2014-12-07 (new institution)",
        "Imported 7 awards (6 new institutions) into 6 files; skipped 0 rows.",
    ]
    again = cli(empty, "export", "--format", "csv")
    assert again.stdout == exported.stdout
    # Canonical files, byte for byte: no assumed valid_until is written back, and
    # decided_on and ordinal survive.
    for path in sorted((REAL / "institutions").glob("*.toml")):
        assert (empty / "institutions" / path.name).read_bytes() == path.read_bytes()
    validate = cli(empty, "validate")
    assert validate.exit_code == 0, validate.output


def test_importing_an_export_again_skips_every_row(make_register, cli):
    root = make_register(files={"mops-mlawa": MLAWA, "mops-radom": RADOM})
    write("again.csv", cli(root, "export").stdout)
    before = snapshot(root)
    result = cli(root, "import", "again.csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "again.csv:2: skip mops-mlawa 2022-03-29..2026-03-28: already recorded",
        "again.csv:3: skip mops-radom 2014-05-19..2017-05-18: already recorded",
        "Imported 0 awards into 0 files; skipped 2 rows.",
    ]
    assert snapshot(root) == before


def test_semicolons_and_a_bom_as_polish_excel_saves_them(make_register, cli):
    root = make_register()
    text = (HEADER + ROW_A + ROW_B).replace(",", ";")
    write("excel.csv", "\ufeff" + text.replace("\n", "\r\n"))
    result = cli(root, "import", "excel.csv")
    assert result.exit_code == 0, result.output
    assert (root / "institutions" / "mops-a.toml").read_text(encoding="utf-8") == (
        'id = "mops-a"\nname = "MOPS w A"\nkind = "MOPS"\ncity = "Aów"\n'
        'voivodeship = "mazowieckie"\n\n[[awards]]\nvalid_from = 2020-01-01\n'
        'valid_until = 2024-12-31\nterm = "2020-2024"\nawarded_by = "Anna Ą"\n'
    )
    assert (root / "institutions" / "mops-b.toml").exists()


def test_polish_spreadsheet_dates_are_read(make_register, cli):
    root = make_register()
    write("pl.csv", HEADER + ROW_B.replace("2021-05-05,2026-05-04", "5.05.2021,04.05.2026"))
    result = cli(root, "import", "pl.csv")
    assert result.exit_code == 0, result.output
    text = (root / "institutions" / "mops-b.toml").read_text(encoding="utf-8")
    assert "valid_from = 2021-05-05\nvalid_until = 2026-05-04\n" in text


def test_a_bad_row_in_the_middle_writes_nothing(make_register, cli):
    root = make_register(files={"mops-mlawa": MLAWA})
    bad = ROW_B.replace("2021-05-05", "2022-02-30")
    write("people.csv", HEADER + ROW_A + bad + ROW_C)
    before = snapshot(root)
    result = cli(root, "import", "people.csv")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "calcert: people.csv:3: valid_from '2022-02-30' is not a date; use YYYY-MM-DD, "
        "e.g. 2022-03-29\n"
        "calcert: nothing was imported\n"
    )
    assert snapshot(root) == before


def test_every_bad_row_is_named(make_register, cli):
    root = make_register()
    rows = [
        ROW_A.replace("mazowieckie", "mazovia"),
        ROW_B.replace("mops-b", "MOPS B"),
        ROW_C.replace("GOPS w C", ""),
        ROW_C.replace("podkarpackie", "Podkarpacki").replace("gops-c", "gops-d"),
    ]
    write("people.csv", HEADER + "".join(rows))
    result = cli(root, "import", "people.csv")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "calcert: people.csv:2: voivodeship 'mazovia' is not one of the 16 (lower-case "
        "Polish names), e.g. 'mazowieckie'",
        "calcert: people.csv:3: id 'MOPS B' is not valid: an id is lower-case letters a-z, "
        "digits and single hyphens, e.g. mops-mlawa",
        "calcert: people.csv:4: name is empty; every row needs id, name, city, valid_from",
        "calcert: people.csv:5: voivodeship 'podkarpacki' is not one of the 16 (lower-case "
        "Polish names); did you mean 'podkarpackie'?",
        "calcert: nothing was imported",
    ]
    assert list((root / "institutions").glob("*.toml")) == []


def test_an_overlap_with_a_recorded_award_is_refused_naming_the_row(make_register, cli):
    root = make_register(files={"mops-mlawa": MLAWA})
    header = "id,name,city,valid_from,valid_until\n"
    overlapping = (
        "mops-mlawa,Miejski Ośrodek Pomocy Społecznej w Mławie,Mława,2025-01-01,2029-12-31\n"
    )
    write(
        "people.csv",
        header + "mops-a,MOPS w A,Aów,2020-01-01,2024-12-31\n" + overlapping,
    )
    before = snapshot(root)
    result = cli(root, "import", "people.csv")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(
        "calcert: people.csv:3: refused, nothing written: registry/institutions/mops-mlawa.toml:"
    )
    # Once, at the award the row adds, with advice for an import (not `add --supersede`).
    assert "E012 award 2025-01-01..2029-12-31 overlaps award 2022-03-29..2026-03-28" in lines[0]
    assert "correct the dates in the CSV" in lines[0]
    assert len(lines) == 2
    assert lines[-1] == "calcert: nothing was imported"
    assert snapshot(root) == before


def test_conflicting_identity_is_refused_naming_the_row(make_register, cli):
    root = make_register(files={"mops-mlawa": MLAWA})
    write(
        "people.csv",
        "id,name,city,valid_from,valid_until\n"
        + "mops-a,MOPS w A,Aów,2020-01-01,2024-12-31\n"
        + "mops-mlawa,MOPS Mława,Mława,2016-06-28,2021-06-27\n",
    )
    before = snapshot(root)
    result = cli(root, "import", "people.csv")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "calcert: people.csv:3: name 'MOPS Mława' does not match 'Miejski Ośrodek Pomocy "
        "Społecznej w Mławie' recorded for mops-mlawa in registry/institutions/mops-mlawa.toml; "
        "fix the row or the register",
        "calcert: nothing was imported",
    ]
    assert snapshot(root) == before


def test_rows_of_one_new_institution_must_agree(make_register, cli):
    root = make_register()
    second = "mops-a,MOPS w A,MOPR,Aów,mazowieckie,2025-01-01,2029-12-31,,\n"
    write("people.csv", HEADER + ROW_A + second)
    result = cli(root, "import", "people.csv")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "calcert: people.csv:3: kind 'MOPR' of mops-a differs from 'MOPS' in line 2; "
        "make the rows agree"
    )


def test_missing_fields_of_an_institution_are_filled_in(make_register, cli):
    no_kind = RADOM.replace('kind = "MOPS"\n', "")
    root = make_register(files={"mops-radom": no_kind})
    write(
        "people.csv",
        "id,name,kind,city,valid_from,valid_until\n"
        "mops-radom,Miejski Ośrodek Pomocy Społecznej w Radomiu,MOPS,Radom,2019-01-01,"
        "2023-12-31\n",
    )
    result = cli(root, "import", "people.csv")
    assert result.exit_code == 0, result.output
    assert "mops-radom: filled in kind" in result.stdout
    text = (root / "institutions" / "mops-radom.toml").read_text(encoding="utf-8")
    assert 'kind = "MOPS"' in text and "valid_from = 2019-01-01" in text


def test_duplicate_rows_in_the_file_are_skipped(make_register, cli):
    root = make_register()
    write("people.csv", HEADER + ROW_A + ROW_A)
    result = cli(root, "import", "people.csv")
    assert result.exit_code == 0, result.output
    assert "people.csv:3: skip mops-a 2020-01-01..2024-12-31: same term as line 2" in (
        result.stdout
    )


def test_dry_run_prints_and_writes_nothing(make_register, cli):
    root = make_register()
    write("people.csv", HEADER + ROW_A + ROW_B)
    before = snapshot(root)
    result = cli(root, "import", "people.csv", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "Would import 2 awards (2 new institutions) into 2 files, skip 0 rows; nothing written "
        "(dry run)."
    )
    assert snapshot(root) == before


@pytest.mark.parametrize("encoding", ["cp1250", "iso-8859-2"])
def test_a_legacy_encoding_is_one_clear_error_naming_the_row(make_register, cli, encoding):
    root = make_register()
    write(
        "people.csv",
        HEADER + "mops-x,MOPS,MOPS,Radom,,2020-01-01,2024-12-31,,\n" + ROW_B,
        encoding,
    )
    result = cli(root, "import", "people.csv")
    assert result.exit_code == 2
    assert result.stderr.startswith("calcert: error: people.csv:3: not UTF-8, looks like ")
    assert result.stderr.endswith(
        'save the file as CSV in UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)") and import '
        "again\n"
    )


def test_utf16_is_refused(make_register, cli):
    root = make_register()
    write("people.csv", "\ufeff" + HEADER + ROW_A, "utf-16-le")
    result = cli(root, "import", "people.csv")
    assert result.exit_code == 2
    assert result.stderr == (
        "calcert: error: people.csv:1: the file is UTF-16 text; save it as CSV in UTF-8 "
        '(in Excel: "CSV UTF-8 (Comma delimited)")\n'
    )


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            "id,name,city,valid_from,valid_untill\n",
            "people.csv:1: unknown column 'valid_untill' (did you mean 'valid_until'?); the "
            "columns are those of `calcert export --format csv`: " + ", ".join(CSV_COLUMNS),
        ),
        (
            "id,name,valid_from,valid_until\n",
            "people.csv:1: the header lacks the required column city",
        ),
        (
            "id,name,city,city,valid_from,valid_until\n",
            "people.csv:1: column 'city' appears twice in the header",
        ),
        (
            "\n",
            "people.csv:1: no header row; the first line names the columns, e.g. "
            "id,name,city,valid_from (see `calcert export --format csv`)",
        ),
    ],
)
def test_header_problems_are_usage_errors(make_register, cli, header, message):
    root = make_register()
    write("people.csv", header)
    result = cli(root, "import", "people.csv")
    assert result.exit_code == 2
    assert result.stderr == f"calcert: error: {message}\n"


def test_too_many_cells_and_bad_quotes_name_the_line(make_register, cli):
    root = make_register()
    write(
        "people.csv",
        "id,name,city,valid_from,valid_until\nmops-a,MOPS, w A,Aów,2020-01-01,2024-12-31\n",
    )
    result = cli(root, "import", "people.csv")
    assert result.exit_code == 2
    assert result.stderr == (
        "calcert: error: people.csv:2: 6 cells but the header has 5 columns; is a value with "
        "a ',' missing its quotes?\n"
    )


def test_a_missing_file_is_a_usage_error(make_register, cli):
    root = make_register()
    result = cli(root, "import", "nope.csv")
    assert result.exit_code == 2
    assert (
        result.stderr == "calcert: error: nope.csv: cannot be read (No such file or directory)\n"
    )


def test_quoted_newlines_keep_line_numbers_right(make_register, cli):
    root = make_register()
    write(
        "people.csv",
        "id,name,city,valid_from,valid_until,notes\n"
        'mops-a,MOPS w A,Aów,2020-01-01,2024-12-31,"two\nlines"\n'
        "mops-b,MOPS w B,Bełchatów,2021-13-01,2026-05-04,\n",
    )
    result = cli(root, "import", "people.csv")
    assert result.exit_code == 1
    assert result.stderr.startswith("calcert: people.csv:4: valid_from '2021-13-01' is not a date")


def test_errors_found_by_the_register_checks_name_the_csv_line(make_register, cli):
    root = make_register(files={"mops-mlawa": MLAWA})
    write(
        "people.csv",
        "id,name,city,valid_from,valid_until,term,withdrawal_reason\n"
        "mops-a,MOPS w A,Aów,2015-01-01,2019-12-31,,\n"
        "mops-a,MOPS w A,Aów,2020-01-01,2024-12-31,2020/2024,\n"
        "mops-b,MOPS w B,Bełchatów,2021-05-05,2026-05-04,,bo tak\n",
    )
    result = cli(root, "import", "people.csv")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "calcert: people.csv:3: refused, nothing written: registry/institutions/mops-a.toml:12: "
        "E016 term '2020/2024' is not a span of years like \"2014-2017\"",
        "calcert: people.csv:4: refused, nothing written: registry/institutions/mops-b.toml:8: "
        "E015 award #1 has a withdrawal_reason but no withdrawn_on",
        "calcert: nothing was imported",
    ]
    assert not (root / "institutions" / "mops-a.toml").exists()


def test_a_large_import_on_a_terminal_shows_progress(make_register, monkeypatch):
    import io
    import os
    import sys
    from datetime import date

    from calcert.cli import commands_data
    from calcert.ops import importer

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    # Durability is test_killed_writes' subject; here 250 fsyncs would only cost seconds.
    monkeypatch.setattr(os, "fsync", lambda fd: None)
    root = make_register()
    rows = "".join(f"mops-{n},MOPS {n},Miasto {n},2020-01-01,2024-12-31\n" for n in range(250))
    write("big.csv", "id,name,city,valid_from,valid_until\n" + rows)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    source = importer.read_csv(Path("big.csv"))
    plan = commands_data._import_with_progress(root, source, date(2025, 1, 1), False)
    assert len(plan.added) == 250
    assert len(list((root / "institutions").glob("*.toml"))) == 250
    assert "importing big.csv" in terminal.getvalue()


def test_import_beside_a_broken_file_imports_and_names_it(make_register, cli):
    root = make_register(files={"mops-radom": 'id = "mops-radom\n'})
    write("people.csv", HEADER + ROW_A)
    result = cli(root, "import", "people.csv")
    assert result.exit_code == 2
    assert "Imported 1 award (1 new institution) into 1 file; skipped 0 rows." in result.stdout
    assert "registry/institutions/mops-radom.toml:1: " in result.stderr
    assert (root / "institutions" / "mops-a.toml").exists()


# ---- what Excel writes: sep=;, trailing empty columns, the xlsx export's Polish headers -------


def test_excels_sep_line_sets_the_separator_and_lines_keep_their_numbers(make_register, cli):
    root = make_register()
    text = "sep=;\n" + (HEADER + ROW_A + ROW_B.replace("mops-b", "MOPS B")).replace(",", ";")
    write("excel.csv", "\ufeff" + text)
    result = cli(root, "import", "excel.csv")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith("calcert: excel.csv:4: id 'MOPS B'")
    write("excel.csv", "sep=,\n" + HEADER + ROW_A)
    result = cli(root, "import", "excel.csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("excel.csv:3: add  mops-a 2020-01-01..2024-12-31")


def test_trailing_empty_columns_as_excel_saves_them(make_register, cli):
    root = make_register()
    rows = [line.rstrip("\n") + ";;\n" for line in (HEADER, ROW_A, ROW_B)]
    write("excel.csv", "".join(rows).replace(",", ";") + ";;;;;;;;;;;\n")
    result = cli(root, "import", "excel.csv")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (root / "institutions").glob("*.toml")) == [
        "mops-a.toml",
        "mops-b.toml",
    ]


def test_a_column_without_a_name_between_others_is_still_refused(make_register, cli):
    root = make_register()
    write("people.csv", "id,,name,city,valid_from,valid_until\n")
    result = cli(root, "import", "people.csv")
    assert result.exit_code == 2
    assert (
        result.stderr == "calcert: error: people.csv:1: a column has no name in the header row\n"
    )


def test_polish_header_names_of_the_xlsx_export(make_register, cli):
    root = make_register()
    header = "id;nazwa;rodzaj;Miejscowość;województwo;ważny od;WAŻNY DO;okres;wręczający\n"
    write("pl.csv", header + (ROW_A + ROW_B).replace(",", ";"))
    result = cli(root, "import", "pl.csv")
    assert result.exit_code == 0, result.output
    assert 'awarded_by = "Anna Ą"' in (root / "institutions" / "mops-a.toml").read_text(
        encoding="utf-8"
    )
