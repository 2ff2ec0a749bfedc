"""``list``, ``show`` and ``expiring`` in every format, byte for byte.

Scripts read the json and csv, job summaries paste the Markdown and people read the tables:
each output is pinned as a file under ``golden/queries/``. The register has what the
formats treat apart: an end no source states (``≈``, the legend, ``valid_until_assumed``), a
withdrawal, a sub-unit, absent optional keys, a stated ordinal, free text with a newline
and a ``|``, and Polish letters; ``--lang pl`` renders the words people read in Polish.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import LUBARTOW_WITHDRAWN

GOLDEN = Path(__file__).parent / "golden" / "queries"

PARENT = """\
id = "cal-lublin"
name = "Centrum Aktywności Lokalnej | Lublin"
kind = "CAL"
city = "Lublin"
voivodeship = "lubelskie"
website = "https://cal.lublin.pl"

[[awards]]
valid_from = 2012-01-01
awarded_by = "Paweł Jordan"
notes = "Sesja nr 38.\\nDruga linia."

[[awards]]
decided_on = 2016-11-30
awarded_on = 2017-01-10
valid_from = 2017-01-01
valid_until = 2026-02-28
term = "2017-2026"
ordinal = 3
awarded_by = "Grażyna Gnatowska"
event = "Gala CAL"
certificate_no = "CAL/3/2017"
source = "https://www.cal.org.pl/lublin/"
"""

# A sub-unit with neither kind nor voivodeship, and no stated end.
BRANCH = """\
id = "cal-lublin-filia"
name = "Filia CAL w Lublinie"
city = "Lublin"
parent = "cal-lublin"

[[awards]]
valid_from = 2023-05-01
"""

# Withdrawn before the end it would have been assumed to have (none is stated).
WITHDRAWN = LUBARTOW_WITHDRAWN.replace("valid_until = 2028-01-31\n", "")
assert WITHDRAWN != LUBARTOW_WITHDRAWN

LIST = ("list", "--status", "all")
EXPIRING = ("expiring", "--within", "3y")
CASES = {
    "list.json": (*LIST, "--format", "json"),
    "list.csv": (*LIST, "--format", "csv"),
    "list.txt": (*LIST, "--format", "table"),
    "list.pl.txt": ("--lang", "pl", *LIST),
    "show.json": ("show", "cal-lublin", "--format", "json"),
    "show.txt": ("show", "cal-lublin", "--format", "table"),
    "show.pl.txt": ("--lang", "pl", "show", "cal-lublin"),
    "show-branch.json": ("show", "cal-lublin-filia", "--format", "json"),
    "show-branch.txt": ("show", "cal-lublin-filia"),
    "expiring.json": (*EXPIRING, "--format", "json"),
    "expiring.csv": (*EXPIRING, "--format", "csv"),
    "expiring.md": (*EXPIRING, "--format", "md"),
    "expiring.txt": (*EXPIRING, "--format", "table"),
    "expiring.pl.md": ("--lang", "pl", *EXPIRING, "--format", "md"),
}


@pytest.fixture
def root(make_register) -> Path:
    return make_register(
        files={"cal-lublin": PARENT, "cal-lublin-filia": BRANCH, "gops-lubartow": WITHDRAWN}
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_query_output_is_what_users_and_scripts_have_read(root, cli, name) -> None:
    result = cli(root, *CASES[name], "--as-of", "2026-01-15")
    assert (result.exit_code, result.stderr) == (0, "")
    expected = (GOLDEN / name).read_bytes().decode("utf-8")
    assert result.stdout == expected


def test_every_golden_file_is_checked() -> None:
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(CASES)
