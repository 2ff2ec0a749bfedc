"""``calcert.ops.importer`` called directly: read_csv, plan_import, import_csv.

test_import.py checks the command a registrar runs; these check the library's contract:
what ``read_csv`` makes of a spreadsheet's file, and that a plan is all or nothing.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calcert.errors import UsageError
from calcert.ops.importer import ImportProblems, import_csv, parse_cell_date, plan_import, read_csv
from calcert.register.config import init_register
from calcert.register.loader import load
from conftest import CSV_HEADER as HEADER
from conftest import CSV_ROW_A as ROW_A
from conftest import CSV_ROW_B as ROW_B
from conftest import MLAWA, examples, snapshot
from conftest import write_text as write

TODAY = date(2025, 1, 1)
# A row of Mława's needs its id, name and city; MLAWA_ROW + "FROM,UNTIL,TERM,BY\n".
MLAWA_ROW = "mops-mlawa,Miejski Ośrodek Pomocy Społecznej w Mławie,,Mława,,"


@pytest.fixture(autouse=True)
def _in_tmp(in_tmp: Path) -> None:
    """CSV paths show as people.csv, as a user would type them."""


# ---- read_csv ------------------------------------------------------------------------------


def test_read_csv_gives_rows_with_their_lines_and_stripped_non_empty_cells() -> None:
    source = read_csv(write("people.csv", HEADER + ROW_A + "\n" + ROW_B + ",,,,,,,,\n"))
    assert (source.shown, source.delimiter) == ("people.csv", ",")
    assert source.columns == HEADER.strip().split(",")
    assert [row.line for row in source.rows] == [2, 4]  # blank lines are passed over
    assert source.rows[1].values == {
        "id": "mops-b",
        "name": "MOPS w B",
        "kind": "MOPS",
        "city": "Bełchatów",
        "voivodeship": "łódzkie",
        "valid_from": "2021-05-05",
        "valid_until": "2026-05-04",
    }


def test_semicolons_and_a_bom_as_polish_excel_saves_them() -> None:
    text = "\ufeff" + (HEADER + ROW_A).replace(",", ";")
    source = read_csv(write("excel.csv", text))
    assert source.delimiter == ";"
    assert source.rows[0].values["awarded_by"] == "Anna Ą"
    assert source.columns[0] == "id"  # the BOM is not part of the first column's name


def test_a_quoted_comma_or_newline_stays_in_its_cell_and_lines_stay_right() -> None:
    text = HEADER + 'mops-a,"MOPS, w A",MOPS,"A\nów",mazowieckie,2020-01-01,2024-12-31,,\n' + ROW_B
    source = read_csv(write("people.csv", text))
    assert source.rows[0].values["name"] == "MOPS, w A"
    assert [row.line for row in source.rows] == [2, 4]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            (HEADER + ROW_A).encode("cp1250"),
            "people.csv:2: not UTF-8, looks like Windows-1250; save the file as CSV in UTF-8",
        ),
        ((HEADER + ROW_A).encode("utf-16"), "people.csv:1: the file is UTF-16 text"),
        (b"\n" + ROW_A.encode(), "people.csv:1: no header row; the first line names the columns"),
        (
            HEADER.replace("city", "miasto").encode(),
            "people.csv:1: unknown column 'miasto'; the columns are those of",
        ),
        (
            HEADER.replace("kind", "citi").encode(),
            "people.csv:1: unknown column 'citi' (did you mean 'city'?)",
        ),
        (
            HEADER.replace("kind", "city").encode(),
            "people.csv:1: column 'city' appears twice in the header",
        ),
        (
            HEADER.replace(",valid_from", "").encode(),
            "people.csv:1: the header lacks the required column valid_from",
        ),
        (
            (HEADER + ROW_A.replace("MOPS w A", "MOPS, w A")).encode(),
            "people.csv:2: 10 cells but the header has 9 columns; is a value with a ','",
        ),
        (
            (HEADER + 'mops-a,"MOPS" w A",MOPS,Aów,,2020-01-01,2024-12-31,,\n').encode(),
            "people.csv:2: not valid CSV (",
        ),
        ((HEADER + "mops-a,\x00\n").encode(), "people.csv:2: the file contains NUL bytes"),
    ],
)
def test_a_file_that_is_not_the_exports_csv_is_one_usage_error(raw, message) -> None:
    path = Path("people.csv")
    path.write_bytes(raw)
    with pytest.raises(UsageError) as raised:
        read_csv(path)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_a_missing_file_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as raised:
        read_csv(Path("nowhere.csv"))
    assert str(raised.value) == "nowhere.csv: cannot be read (No such file or directory)"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2022-03-29", date(2022, 3, 29)),
        ("29.03.2022", date(2022, 3, 29)),
        ("1.3.2022", date(2022, 3, 1)),
        ("2022-02-30", None),
        ("31.02.2022", None),
        ("2022/03/29", None),
        ("29-03-2022", None),
    ],
)
def test_cell_dates_are_iso_or_polish(text, day) -> None:
    assert parse_cell_date(text) == day


@settings(max_examples=examples(100), deadline=None)
@given(st.dates(min_value=date(1000, 1, 1)))
def test_both_date_forms_read_back_as_written(day) -> None:
    assert parse_cell_date(day.isoformat()) == day
    assert parse_cell_date(day.strftime("%d.%m.%Y")) == day


# ---- plan_import ---------------------------------------------------------------------------


def test_plan_of_new_institutions_adds_every_row_and_writes_nothing(make_register) -> None:
    root = make_register()
    before = snapshot(root)
    plan = plan_import(load(root), read_csv(write("people.csv", HEADER + ROW_A + ROW_B)), TODAY)
    assert snapshot(root) == before
    assert [(a.line, a.ident, a.what) for a in plan.actions] == [
        (2, "mops-a", "add"),
        (3, "mops-b", "add"),
    ]
    assert plan.created == ["mops-a", "mops-b"]
    institutions = root / "institutions"
    assert sorted(plan.contents) == [institutions / "mops-a.toml", institutions / "mops-b.toml"]
    assert plan.contents[institutions / "mops-a.toml"] == (
        'id = "mops-a"\nname = "MOPS w A"\nkind = "MOPS"\ncity = "Aów"\n'
        'voivodeship = "mazowieckie"\n\n[[awards]]\nvalid_from = 2020-01-01\n'
        'valid_until = 2024-12-31\nterm = "2020-2024"\nawarded_by = "Anna Ą"\n'
    )


def test_rows_already_recorded_are_skipped(make_loaded) -> None:
    register = make_loaded(files={"mops-mlawa": MLAWA})
    recorded = MLAWA_ROW + "2022-03-29,2026-03-28,,Someone Else\n"
    renewal = MLAWA_ROW + "2026-03-29,2030-03-28,,\n"
    source = read_csv(write("people.csv", HEADER + recorded + renewal + renewal))
    plan = plan_import(register, source, TODAY)
    assert [(a.line, a.what, a.note) for a in plan.actions] == [
        (2, "skip", "already recorded (other columns differ; the register is kept as it is)"),
        (3, "add", ""),
        (4, "skip", "same term as line 3"),
    ]
    assert plan.created == []
    [text] = plan.contents.values()
    assert text.count("[[awards]]") == 2
    assert "Someone Else" not in text


def test_a_file_of_recorded_rows_plans_no_writes(make_loaded) -> None:
    register = make_loaded(files={"mops-mlawa": MLAWA})
    source = read_csv(write("people.csv", HEADER + MLAWA_ROW + "29.03.2022,28.03.2026,,\n"))
    plan = plan_import(register, source, TODAY)
    assert [a.what for a in plan.actions] == ["skip"]
    assert plan.contents == {}


def test_missing_identity_fields_are_filled_from_the_rows(make_loaded) -> None:
    register = make_loaded(files={"mops-mlawa": MLAWA.replace('kind = "MOPS"\n', "")})
    row = MLAWA_ROW.replace(",,Mława", ",GOPS,Mława") + "2026-03-29,2030-03-28,,\n"
    plan = plan_import(register, read_csv(write("people.csv", HEADER + row)), TODAY)
    assert plan.filled == {"mops-mlawa": ["kind"]}


def test_every_bad_row_is_named_and_nothing_is_planned(make_register) -> None:
    root = make_register()
    bad = (
        ROW_A
        + "mops-b,MOPS w B,,Bełchatów,mazowsze,2021-05-05,2026-05-04,,\n"
        + "Bad Id,X,,Y,,2021-05-05,2026-05-04,,\n"
        + "mops-d,D,,,,2021-05-05,2026-05-04,,\n"
        + "mops-e,E,,Ełk,,2021-13-05,2026-05-04,,\n"
    )
    before = snapshot(root)
    with pytest.raises(ImportProblems) as raised:
        import_csv(root, read_csv(write("people.csv", HEADER + bad)), TODAY)
    assert raised.value.exit_code == 1
    assert raised.value.messages == [
        "people.csv:3: voivodeship 'mazowsze' is not one of the 16 (lower-case Polish names); "
        "did you mean 'mazowieckie'?",
        "people.csv:4: id 'Bad Id' is not valid: an id is lower-case letters a-z, digits and "
        "single hyphens, e.g. mops-mlawa",
        "people.csv:5: city is empty; every row needs id, name, city, valid_from",
        "people.csv:6: valid_from '2021-13-05' is not a date; use YYYY-MM-DD, e.g. 2022-03-29",
    ]
    assert str(raised.value) == raised.value.messages[0] + " (and 3 more)"
    assert snapshot(root) == before


def test_rows_that_disagree_with_the_register_are_refused(make_loaded) -> None:
    register = make_loaded(files={"mops-mlawa": MLAWA})
    row = MLAWA_ROW.replace("Mława,", "Radom,") + "2026-03-29,2030-03-28,,\n"
    with pytest.raises(ImportProblems) as raised:
        plan_import(register, read_csv(write("people.csv", HEADER + row)), TODAY)
    assert raised.value.messages == [
        "people.csv:2: city 'Radom' does not match 'Mława' recorded for mops-mlawa in "
        "registry/institutions/mops-mlawa.toml; fix the row or the register"
    ]


def test_an_import_that_would_add_an_error_names_the_csv_row(make_register) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    overlap = MLAWA_ROW + "2025-01-01,2028-12-31,,\n"
    before = snapshot(root)
    with pytest.raises(ImportProblems) as raised:
        import_csv(root, read_csv(write("people.csv", HEADER + ROW_A + overlap)), TODAY)
    # The overlap once, at the award the row adds, traced to that row, with an import's advice.
    assert raised.value.messages == [
        "people.csv:3: refused, nothing written: registry/institutions/mops-mlawa.toml:15: "
        "E012 award 2025-01-01..2028-12-31 overlaps award 2022-03-29..2026-03-28 by 452 days; "
        "correct the dates in the CSV (an import never shortens an award: end a recorded one "
        "in its file first)"
    ]
    assert snapshot(root) == before  # mops-a, valid on its own, was not written either


def test_import_writes_every_planned_file_and_dry_run_none(make_register) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    source = read_csv(write("people.csv", HEADER + ROW_A + ROW_B))
    before = snapshot(root)
    dry = import_csv(root, source, TODAY, dry_run=True)
    assert snapshot(root) == before
    ticks: list[None] = []
    plan = import_csv(root, source, TODAY, tick=lambda: ticks.append(None))
    assert plan.contents == dry.contents
    for path, text in plan.contents.items():
        assert path.read_text(encoding="utf-8") == text
    assert sorted(f.path.name for f in load(root).files) == [
        "mops-a.toml",
        "mops-b.toml",
        "mops-mlawa.toml",
    ]
    assert len(ticks) == 4  # one per row checked, one per file written


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([ROW_A, ROW_B, MLAWA_ROW + "2026-03-29,2030-03-28,,\n"])))
def test_importing_the_same_file_twice_adds_nothing_the_second_time(rows) -> None:
    # Durability is test_killed_writes' subject: here fsync would only cost time.
    with tempfile.TemporaryDirectory() as tmp, mock.patch("os.fsync"):
        root = Path(tmp) / "registry"
        init_register(root)
        (root / "institutions" / "mops-mlawa.toml").write_text(MLAWA, encoding="utf-8")
        source = read_csv(write(str(Path(tmp) / "people.csv"), HEADER + "".join(rows)))
        first = import_csv(root, source, TODAY)
        assert len(first.added) == len(set(rows))
        after = snapshot(root)
        second = import_csv(root, source, TODAY)
        assert (second.added, second.contents) == ([], {})
        assert snapshot(root) == after
