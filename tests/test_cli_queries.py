"""``list``, ``show`` and ``expiring``: what a registrar asks of the register."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from conftest import MLAWA, RADOM, STATUS_SAMPLES
from conftest import institution_toml as inst


@pytest.fixture
def register(make_register):
    return make_register(files=STATUS_SAMPLES)


def test_expiring_lists_current_certificates_without_renewal(register, cli) -> None:
    result = cli(
        register, "expiring", "--within", "6m", "--as-of", "2025-12-01", "--format", "csv"
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["id"], r["valid_until"], r["days_left"]) for r in rows] == [
        ("h-renewal-withdrawn", "2026-03-31", "120"),
        ("a-ends-soon", "2026-05-31", "181"),
        ("g-same-day", "2026-05-31", "181"),
    ]
    assert list(rows[0]) == [
        "id",
        "name",
        "city",
        "valid_until",
        "valid_until_assumed",
        "days_left",
    ]
    assert {r["valid_until_assumed"] for r in rows} == {"false"}


def test_expiring_window_is_inclusive(register, cli) -> None:
    result = cli(
        register, "expiring", "--within", "0d", "--as-of", "2026-05-31", "--format", "csv"
    )
    assert [r["id"] for r in csv.DictReader(io.StringIO(result.stdout))] == [
        "a-ends-soon",
        "g-same-day",
    ]
    assert result.stdout.count("\n") == 3


@pytest.mark.parametrize("within", ["6m", "P6M", "26w", "183d", "0y6m"])
def test_expiring_accepts_every_duration_form(register, cli, within) -> None:
    result = cli(
        register, "expiring", "--within", within, "--as-of", "2025-12-01", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    assert "a-ends-soon" in {row["id"] for row in json.loads(result.stdout)}


def test_expiring_exit_code(register, cli) -> None:
    listed = cli(register, "expiring", "--within", "6m", "--as-of", "2025-12-01", "--exit-code")
    assert listed.exit_code == 1
    assert "a-ends-soon" in listed.stdout
    none = cli(register, "expiring", "--within", "1w", "--as-of", "2030-01-01", "--exit-code")
    assert none.exit_code == 0
    assert "no certificate ends within 1 week of 2030-01-01" in none.stdout


def test_expiring_json_types(register, cli) -> None:
    result = cli(
        register, "expiring", "--within", "6m", "--as-of", "2025-12-01", "--format", "json"
    )
    rows = json.loads(result.stdout)
    assert rows[0] == {
        "id": "h-renewal-withdrawn",
        "name": "Ośrodek h-renewal-withdrawn",
        "city": "Miasto h-renewal-withdrawn",
        "valid_until": "2026-03-31",
        "valid_until_assumed": False,
        "days_left": 120,
    }


@pytest.mark.parametrize("within", ["6x", "6M", "", "99999y"])
def test_expiring_bad_duration(register, cli, within) -> None:
    result = cli(register, "expiring", "--within", within)
    assert result.exit_code == 2
    assert "P6M" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_list_default_is_active(register, cli) -> None:
    result = cli(register, "list", "--as-of", "2025-12-01", "--format", "csv")
    ids = [r["id"] for r in csv.DictReader(io.StringIO(result.stdout))]
    assert ids == ["a-ends-soon", "b-ends-later", "c-renewed", "g-same-day", "h-renewal-withdrawn"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("expired", ["e-expired"]),
        ("withdrawn", ["d-withdrawn"]),
        ("pending", ["f-pending"]),
    ],
)
def test_list_by_status(register, cli, status, expected) -> None:
    result = cli(register, "list", "--status", status, "--as-of", "2025-12-01", "--format", "json")
    assert [row["id"] for row in json.loads(result.stdout)] == expected


def test_list_all_and_the_plain_table(register, cli) -> None:
    result = cli(register, "list", "--status", "all", "--as-of", "2025-12-01")
    lines = result.stdout.splitlines()
    assert re.split(r"\s\s+", lines[0]) == [
        "id",
        "name",
        "city",
        "voivodeship",
        "kind",
        "status",
        "valid from",
        "valid until",
        "certificates",
    ]
    assert len(lines) == 9
    assert "\x1b[" not in result.stdout  # no colour when not a terminal


def test_list_bad_choices(register, cli) -> None:
    assert cli(register, "list", "--status", "bogus").exit_code == 2
    assert cli(register, "list", "--format", "xml").exit_code == 2
    assert cli(register, "list", "--as-of", "2025-02-30").exit_code == 2


def test_show_json(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA, "mops-radom": RADOM})
    result = cli(root, "show", "mops-radom", "--format", "json", "--as-of", "2015-01-01")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["name"] == "Miejski Ośrodek Pomocy Społecznej w Radomiu"
    assert data["status"] == "active"
    assert data["awards"] == [
        {
            "number": 1,
            "status": "active",
            "awarded_on": "2014-05-19",
            "valid_from": "2014-05-19",
            "valid_until": "2017-05-18",
            "term": "2014-2017",
            "awarded_by": "Paweł Jordan",
            "source": "https://www.cal.org.pl/mops-w-radomiu-po-raz-trzeci-uhonorowany-certyfikatem-cal/",
        }
    ]


def test_show_table(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    result = cli(root, "show", "mops-mlawa", "--as-of", "2026-11-30")
    assert result.exit_code == 0, result.output
    assert "status: expired" in result.stdout
    assert "Grażyna Gnatowska" in result.stdout
    with_notes = cli(
        make_register(
            files={"mops-mlawa": MLAWA + 'notes = "Sesja nr 38."\n'}, root=root.parent / "second"
        ),
        "show",
        "mops-mlawa",
    )
    assert "#1 notes: Sesja nr 38." in with_notes.stdout


def test_show_unknown_id(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    result = cli(root, "show", "mops-nowhere")
    assert result.exit_code == 2
    assert result.stderr == (
        "calcert: error: unknown institution id 'mops-nowhere'; "
        "`calcert list --status all` lists them\n"
    )


def test_queries_skip_and_name_unreadable_files(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA, "broken": 'id = "broken\n'})
    result = cli(root, "list", "--status", "all", "--format", "csv")
    assert result.exit_code == 2
    assert "mops-mlawa" in result.stdout
    assert result.stderr.startswith("calcert: ")
    assert "/registry/institutions/broken.toml:1: " in result.stderr
    assert "(file skipped; see `calcert validate`)" in result.stderr
    expiring = cli(root, "expiring", "--within", "6m", "--as-of", "2026-01-01", "--exit-code")
    assert expiring.exit_code == 2
    assert "mops-mlawa" in expiring.stdout


def test_withdrawn_award_is_never_current(make_register, cli) -> None:
    root = make_register(files={"x": inst("x", "2021-01-01..2026-01-31!2025-06-01")})
    for day, status in [
        ("2025-05-31", "active"),
        ("2025-06-01", "withdrawn"),
        ("2026-02-01", "withdrawn"),
    ]:
        result = cli(root, "show", "x", "--format", "json", "--as-of", day)
        assert json.loads(result.stdout)["status"] == status, day
    result = cli(root, "expiring", "--within", "1y", "--as-of", "2025-06-01", "--format", "csv")
    assert result.stdout.strip() == "id,name,city,valid_until,valid_until_assumed,days_left"
