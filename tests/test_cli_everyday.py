"""The registrar's everyday, issue 13 item 11: show's sub-units and typo hint, list --status
current, export -o's confirmation, and paths in messages as the user would type them."""

from __future__ import annotations

import csv
import io
import json

from conftest import MLAWA, RADOM, STATUS_SAMPLES
from conftest import institution_toml as inst

CLUB = """\
id = "klub-mlawa"
name = "Klub Integracji Społecznej w Mławie"
city = "Mława"
parent = "mops-mlawa"

[[awards]]
valid_from = 2023-01-01
valid_until = 2027-12-31
"""


def test_show_lists_the_sub_units(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA, "klub-mlawa": CLUB, "mops-radom": RADOM})
    result = cli(root, "show", "mops-mlawa")
    assert result.exit_code == 0, result.output
    assert "sub-units: klub-mlawa (Klub Integracji Społecznej w Mławie)\n" in result.stdout
    data = json.loads(cli(root, "show", "mops-mlawa", "--format", "json").stdout)
    assert data["sub_units"] == ["klub-mlawa"]
    alone = cli(root, "show", "mops-radom")
    assert "sub-units" not in alone.stdout
    assert "sub_units" not in json.loads(
        cli(root, "show", "mops-radom", "--format", "json").stdout
    )


def test_show_suggests_the_nearest_id_for_a_typo(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA, "mops-radom": RADOM})
    result = cli(root, "show", "mops-mlwa")
    assert result.exit_code == 2
    assert result.stderr == (
        "calcert: error: unknown institution id 'mops-mlwa'; did you mean 'mops-mlawa'? "
        "(`calcert list --status all` lists them)\n"
    )
    pl = cli(root, "--lang", "pl", "show", "mops-radon")
    assert "czy chodziło o 'mops-radom'?" in pl.stderr


def test_list_status_current_is_active_or_pending_not_withdrawn(make_register, cli) -> None:
    files = dict(
        STATUS_SAMPLES, **{"i-leaving": inst("i-leaving", "2021-01-01..2026-06-30!2026-01-01")}
    )
    root = make_register(files=files)
    result = cli(root, "list", "--status", "current", "--as-of", "2025-12-01", "--format", "csv")
    assert result.exit_code == 0, result.output
    ids = [r["id"] for r in csv.DictReader(io.StringIO(result.stdout))]
    assert ids == [
        "a-ends-soon",
        "b-ends-later",
        "c-renewed",
        "f-pending",
        "g-same-day",
        "h-renewal-withdrawn",
    ]
    exported = cli(root, "export", "--status", "current", "--as-of", "2025-12-01")
    assert {r["id"] for r in csv.DictReader(io.StringIO(exported.stdout))} == set(ids)


def test_export_to_a_file_says_what_it_wrote_on_stderr(make_register, cli, in_tmp) -> None:
    root = make_register(files={"mops-mlawa": MLAWA, "mops-radom": RADOM})
    result = cli(root, "export", "-o", str(in_tmp / "out.csv"))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == "calcert: wrote 2 awards to out.csv\n"
    one = cli(
        root,
        "export",
        "--format",
        "json",
        "--status",
        "active",
        "--as-of",
        "2015-01-01",
        "-o",
        "one.json",
    )
    assert one.stderr == "calcert: wrote 1 award to one.json\n"
    piped = cli(root, "export", "-o", "-")
    assert piped.stderr == ""
    assert piped.stdout.startswith("id,")
    pl = cli(root, "--lang", "pl", "export", "-o", "out.csv")
    assert pl.stderr == "calcert: zapisano 2 certyfikaty do out.csv\n"


def test_paths_in_messages_are_relative_below_the_current_folder(
    make_register, cli, in_tmp
) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    assert root.is_absolute()
    added = cli(
        root, "add", "mops-mlawa", "--from", "2026-03-29", "--until", "2031-03-28", "--dry-run"
    )
    assert added.stdout.startswith("# would write registry/institutions/mops-mlawa.toml\n")
    withdrawn = cli(root, "withdraw", "mops-mlawa", "--on", "2024-01-01", "--dry-run")
    assert withdrawn.stdout.startswith("# would write registry/institutions/mops-mlawa.toml\n")
    created = cli(None, "init", str(in_tmp / "second"))
    assert created.stdout.startswith("Created a register in second/ ")
    assert "calcert --registry second add" in created.stdout
