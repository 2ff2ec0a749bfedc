"""Every finding code points at the exact line an editor or CI annotation should show.

One case per code in ``findings.CHECKS``: a small register with that one problem, run
through ``validate --format json``, and the exact ``(path, line)`` of each finding of that
code. ``test_every_code_has_a_line_test`` fails when a new code is added without a case.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from calcert.checks.catalog import CHECKS

AWARD = """\
[[awards]]
valid_from = 2022-03-29
valid_until = 2026-03-28
source = "https://example.org/cal"
"""


def inst(ident: str, *, head: str = "", awards: str = AWARD, name: str | None = None) -> str:
    """A valid institution file; ``head`` adds top-level lines after ``city``."""
    name = name or f"Ośrodek {ident}"
    return f'id = "{ident}"\nname = "{name}"\ncity = "Mława"\n{head}\n{awards}'


@dataclass
class Case:
    files: dict[str, str | bytes]
    # (file stem, line) of every finding of the code, in output order.
    expected: list[tuple[str, int]]
    args: list[str] = field(default_factory=list)


CASES: dict[str, Case] = {
    # Not UTF-8 (Windows-1250 "ł") on line 3: the line of the first bad byte.
    "E001": Case(
        {"mops-a": 'id = "mops-a"\nname = "A"\ncity = "Mława"\n'.encode("cp1250")},
        [("mops-a", 3)],
    ),
    "E002": Case({"mops-a": 'id = "mops-a"\nname = "A"\n\ncity = Mława\n'}, [("mops-a", 4)]),
    # A missing award key points at that award's [[awards]] header.
    "E003": Case(
        {"mops-a": inst("mops-a", awards=AWARD + "\n[[awards]]\nvalid_until = 2031-01-01\n")},
        [("mops-a", 10)],
    ),
    # Unknown keys point at themselves, top-level and inside an award.
    "E004": Case(
        {
            "mops-a": inst(
                "mops-a",
                head='voivodship = "mazowieckie"\n',
                awards=AWARD + 'awarded_bye = "Jan"\n',
            )
        },
        [("mops-a", 4), ("mops-a", 10)],
    ),
    "E005": Case(
        {
            "mops-a": inst(
                "mops-a",
                awards='[[awards]]\nvalid_from = "2022-03-29"\nvalid_until = 2026-03-28\n',
            )
        },
        [("mops-a", 6)],
    ),
    "E006": Case(
        {"mops-a": inst("mops-a", head='parent = "MOPS_Wroclaw"\n')},
        [("mops-a", 4)],
    ),
    "E007": Case(
        {"mops-a": 'name = "A"\nid = "mops-b"\ncity = "Mława"\n\n' + AWARD},
        [("mops-a", 2)],
    ),
    # Both files that declare the id, each at its own id line.
    "E008": Case(
        {
            "mops-a": inst("mops-a"),
            "mops-copy": 'name = "Kopia"\n\nid = "mops-a"\ncity = "Mława"\n\n' + AWARD,
        },
        [("mops-a", 1), ("mops-copy", 3)],
    ),
    "E009": Case(
        {"mops-a": inst("mops-a", head='kind = "MOPS"\nvoivodeship = "Mazowsze"\n')},
        [("mops-a", 5)],
    ),
    # No awards at all: nothing to point at but the file, line 1; an empty array: its key.
    "E010": Case(
        {
            "mops-a": 'id = "mops-a"\nname = "A"\ncity = "Mława"\n',
            "mops-b": 'id = "mops-b"\nname = "B"\ncity = "Mława"\nawards = []\n',
        },
        [("mops-a", 1), ("mops-b", 4)],
    ),
    "E011": Case(
        {
            "mops-a": inst(
                "mops-a", awards="[[awards]]\nvalid_from = 2022-03-29\nvalid_until = 2021-03-28\n"
            )
        },
        [("mops-a", 7)],
    ),
    # Overlapping awards: both [[awards]] headers.
    "E012": Case(
        {
            "mops-a": inst(
                "mops-a",
                awards=(
                    "[[awards]]\nvalid_from = 2017-05-19\nvalid_until = 2022-05-18\n\n"
                    "[[awards]]\nvalid_from = 2022-03-29\nvalid_until = 2026-03-28\n"
                ),
            )
        },
        [("mops-a", 5), ("mops-a", 9)],
    ),
    "E013": Case(
        {"mops-a": inst("mops-a", awards=AWARD + "notes = 'x'\nwithdrawn_on = 2027-01-01\n")},
        [("mops-a", 10)],
    ),
    "E014": Case(
        {"mops-a": inst("mops-a", head='kind = "MOPS"\nparent = "mops-nowhere"\n')},
        [("mops-a", 5)],
    ),
    "E015": Case(
        {"mops-a": inst("mops-a", awards=AWARD + 'withdrawal_reason = "no work"\n')},
        [("mops-a", 9)],
    ),
    "E016": Case(
        {"mops-a": inst("mops-a", awards=AWARD + 'term = "2022/2026"\n')},
        [("mops-a", 9)],
    ),
    # Term length warnings point at valid_until, the date to check.
    "W001": Case(
        {
            "mops-a": inst(
                "mops-a", awards="[[awards]]\nvalid_from = 2010-01-01\nvalid_until = 2020-12-31\n"
            )
        },
        [("mops-a", 7)],
    ),
    "W002": Case(
        {
            "mops-a": inst(
                "mops-a", awards="[[awards]]\nvalid_from = 2022-01-01\nvalid_until = 2022-02-28\n"
            )
        },
        [("mops-a", 7)],
    ),
    "W003": Case(
        {
            "mops-a": inst(
                "mops-a",
                awards=(
                    "[[awards]]\nawarded_on = 2022-03-29\nvalid_from = 2022-03-29\n"
                    "valid_until = 2026-03-28\n"
                ),
            )
        },
        [("mops-a", 6)],
        ["--as-of", "2022-01-01"],
    ),
    "W004": Case(
        {
            "mops-a": inst(
                "mops-a",
                awards=(
                    "[[awards]]\nvalid_from = 2022-03-29\nvalid_until = 2026-03-28\n"
                    "term = '2022-2026'\nawarded_on = 2021-01-05\n"
                ),
            )
        },
        [("mops-a", 9)],
    ),
    # Look-alike institutions: both files, at their name lines.
    "W005": Case(
        {
            "mops-a": inst("mops-a", name="MOPS w Mławie"),
            "mops-mlawa": 'id = "mops-mlawa"\n\nname = "mops  w mławie!"\ncity = "MŁAWA"\n\n'
            + AWARD,
        },
        [("mops-a", 2), ("mops-mlawa", 3)],
    ),
    # Not canonical: the first line that `fmt` would change (kind belongs before city).
    "W006": Case(
        {"mops-a": 'id = "mops-a"\nname = "A"\ncity = "Mława"\nkind = "MOPS"\n\n' + AWARD},
        [("mops-a", 3)],
    ),
    # An award without a source: its [[awards]] header (there is no source line).
    "W008": Case(
        {"mops-a": inst("mops-a", awards="[[awards]]\nvalid_from = 2022-03-29\n")},
        [("mops-a", 5)],
    ),
    "W009": Case(
        {
            "mops-a": inst(
                "mops-a", awards=AWARD + "decided_on = 2022-04-01\nawarded_on = 2022-03-29\n"
            )
        },
        [("mops-a", 9)],
    ),
    # A second award stated as the first: the line of its ordinal.
    "W010": Case(
        {
            "mops-a": inst(
                "mops-a",
                awards=AWARD
                + '\n[[awards]]\nvalid_from = 2027-01-01\nordinal = 1\nsource = "x"\n',
            )
        },
        [("mops-a", 12)],
    ),
    "W007": Case(
        {"mops-a": inst("mops-a", awards=AWARD + 'term = "2020-2024"\n')},
        [("mops-a", 9)],
    ),
}


def test_every_code_has_a_line_test() -> None:
    assert sorted(CASES) == sorted(CHECKS), "add a case to CASES for every finding code"


def _run(case: Case, make_register, cli, tmp_path: Path, monkeypatch) -> list[dict]:
    root = make_register()
    for stem, content in case.files.items():
        path = root / "institutions" / f"{stem}.toml"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))
    monkeypatch.chdir(tmp_path)
    result = cli(root, "validate", "--format", "json", *case.args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("code", sorted(CASES))
def test_finding_line(code: str, make_register, cli, tmp_path, monkeypatch) -> None:
    case = CASES[code]
    findings = _run(case, make_register, cli, tmp_path, monkeypatch)
    got = [(f["path"], f["line"]) for f in findings if f["code"] == code]
    want = [(f"registry/institutions/{stem}.toml", line) for stem, line in case.expected]
    assert got == want, findings
    # Every finding of every case carries a line, whatever its code.
    assert all(isinstance(f["line"], int) and f["line"] >= 1 for f in findings), findings
    assert all(f["severity"] == CHECKS[f["code"]].severity for f in findings)


def test_overlap_findings_name_the_other_award(make_register, cli, tmp_path, monkeypatch):
    findings = _run(CASES["E012"], make_register, cli, tmp_path, monkeypatch)
    assert [f["message"] for f in findings if f["code"] == "E012"] == [
        "award 2017-05-19..2022-05-18 overlaps award 2022-03-29..2026-03-28 by 51 days; "
        "end the earlier one the day before 2022-03-29 (or `calcert add --supersede`)",
        "award 2022-03-29..2026-03-28 overlaps award 2017-05-19..2022-05-18 by 51 days; "
        "end the earlier one the day before 2022-03-29 (or `calcert add --supersede`)",
    ]


@pytest.mark.parametrize(
    ("raw", "line"),
    [
        (b"\xef\xbb\xbf" + inst("mops-a").encode(), 1),  # BOM
        (inst("mops-a").replace("\n", "\r\n").encode(), 1),  # CRLF
        (inst("mops-a").rstrip("\n").encode(), 8),  # no final newline: the last line
        (inst("mops-a").encode() + b"\n\n", 9),  # trailing blank lines: the first extra one
    ],
)
def test_not_canonical_points_at_first_difference(
    raw: bytes, line: int, make_register, cli, tmp_path, monkeypatch
) -> None:
    findings = _run(Case({"mops-a": raw}, []), make_register, cli, tmp_path, monkeypatch)
    assert [(f["code"], f["line"]) for f in findings] == [("W006", line)]


def test_unterminated_string_points_at_the_last_line(make_register, cli, tmp_path, monkeypatch):
    case = Case({"mops-a": 'id = "mops-a"\nname = "A\ncity = "x"\n'}, [])
    findings = _run(case, make_register, cli, tmp_path, monkeypatch)
    assert [(f["code"], f["line"]) for f in findings] == [("E002", 2)]


def test_parent_cycle_is_reported_in_every_file_of_it(make_register, cli, tmp_path, monkeypatch):
    case = Case(
        {
            "mops-a": inst("mops-a", head='parent = "mops-b"\n'),
            "mops-b": inst("mops-b", head='website = "https://b.pl"\nparent = "mops-a"\n'),
        },
        [],
    )
    findings = _run(case, make_register, cli, tmp_path, monkeypatch)
    assert [(f["code"], f["path"], f["line"], f["message"]) for f in findings] == [
        (
            "E014",
            "registry/institutions/mops-a.toml",
            4,
            "parents form a cycle: mops-a → mops-b → mops-a",
        ),
        (
            "E014",
            "registry/institutions/mops-b.toml",
            5,
            "parents form a cycle: mops-b → mops-a → mops-b",
        ),
    ]
