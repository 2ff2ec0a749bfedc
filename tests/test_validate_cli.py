"""``validate`` as CI and editors use it: formats, code selection, PATHs, the summary."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

OVERLAP = """\
id = "mops-a"
name = "Ośrodek A"
city = "Mława"

[[awards]]
valid_from = 2017-05-19
valid_until = 2022-05-18
source = "uchwała Komisji Certyfikacyjnej"

[[awards]]
valid_from = 2022-03-29
valid_until = 2026-03-28
source = "uchwała Komisji Certyfikacyjnej"
"""

# Valid, but not canonical (kind belongs before city): one W006 on line 3.
UNSORTED = """\
id = "mops-b"
name = "Ośrodek B"
city = "Mława"
kind = "MOPS"

[[awards]]
valid_from = 2022-03-29
valid_until = 2026-03-28
source = "uchwała Komisji Certyfikacyjnej"
"""

GOOD = """\
id = "mops-c"
name = "Ośrodek C"
city = "Radom"

[[awards]]
valid_from = 2022-03-29
valid_until = 2026-03-28
source = "uchwała Komisji Certyfikacyjnej"
"""


@pytest.fixture
def reg(make_register, tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return make_register(files={"mops-a": OVERLAP, "mops-b": UNSORTED, "mops-c": GOOD})


def codes(result) -> list[tuple[str, str, int]]:
    return [(f["code"], Path(f["path"]).stem, f["line"]) for f in json.loads(result.stdout)]


def test_text_output_is_path_line_severity_code_message_sorted(reg, cli):
    result = cli(reg, "validate")
    assert result.exit_code == 1
    assert result.stdout == (
        "registry/institutions/mops-a.toml:5: error E012 award 2017-05-19..2022-05-18 overlaps "
        "award 2022-03-29..2026-03-28 by 51 days; end the earlier one the day before 2022-03-29 "
        "(or `calcert add --supersede`)\n"
        "registry/institutions/mops-a.toml:10: error E012 award 2022-03-29..2026-03-28 overlaps "
        "award 2017-05-19..2022-05-18 by 51 days; end the earlier one the day before 2022-03-29 "
        "(or `calcert add --supersede`)\n"
        "registry/institutions/mops-b.toml:3: warning W006 not in canonical form; "
        "run `calcert fmt` to fix it\n"
    )
    assert result.stderr == ""  # no summary when stderr is not a terminal


def test_github_format(reg, cli):
    result = cli(reg, "validate", "--format", "github", "--select", "W")
    assert result.exit_code == 0
    assert result.stdout == (
        "::warning file=registry/institutions/mops-b.toml,line=3,title=W006::"
        "not in canonical form; run `calcert fmt` to fix it\n"
    )
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("args", "expected", "exit_code"),
    [
        ([], [("E012", "mops-a", 5), ("E012", "mops-a", 10), ("W006", "mops-b", 3)], 1),
        (["--select", "E012"], [("E012", "mops-a", 5), ("E012", "mops-a", 10)], 1),
        (["--select", "w006"], [("W006", "mops-b", 3)], 0),
        (["--select", "W"], [("W006", "mops-b", 3)], 0),
        (["--select", "W", "--strict"], [("W006", "mops-b", 3)], 1),
        (["--ignore", "E012"], [("W006", "mops-b", 3)], 0),
        (["--ignore", "E012,W006", "--strict"], [], 0),
        (["--select", "E", "--ignore", "E012"], [], 0),
        (
            ["--select", "E012, W006", "--ignore", "W"],
            [("E012", "mops-a", 5), ("E012", "mops-a", 10)],
            1,
        ),
    ],
)
def test_select_and_ignore(reg, cli, args, expected, exit_code):
    result = cli(reg, "validate", "--format", "json", *args)
    assert codes(result) == expected
    assert result.exit_code == exit_code


def test_config_ignore(reg, cli):
    config = (reg / "calcert.toml").read_text()
    (reg / "calcert.toml").write_text(config + 'ignore = ["E012"]\n')
    result = cli(reg, "validate", "--format", "json")
    assert codes(result) == [("W006", "mops-b", 3)]
    assert result.exit_code == 0
    # --ignore adds to the config's list; --select cannot bring an ignored code back.
    result = cli(reg, "validate", "--format", "json", "--select", "E012", "--ignore", "W006")
    assert codes(result) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--select", "E012,X999"],
            "calcert: error: --select: unknown code X999; known: E001, E002, E003, E004, "
            "E005, E006, E007, E008, E009, E010, E011, E012, E013, E014, E015, E016, W001, "
            "W002, W003, W004, W005, W006, W007, W008, W009, W010 (or E / W for all errors / "
            "warnings)\n",
        ),
        (
            ["--ignore", "E99,w100"],
            "calcert: error: --ignore: unknown codes E99, W100; known: E001, E002, E003, E004, "
            "E005, E006, E007, E008, E009, E010, E011, E012, E013, E014, E015, E016, W001, "
            "W002, W003, W004, W005, W006, W007, W008, W009, W010 (or E / W for all errors / "
            "warnings)\n",
        ),
        (
            ["--select", " , "],
            "calcert: error: --select: no codes given; e.g. --select E012,W006\n",
        ),
        (
            ["--explain", "E999"],
            "calcert: error: unknown finding code 'E999'; codes: E001, E002, E003, E004, E005, "
            "E006, E007, E008, E009, E010, E011, E012, E013, E014, E015, E016, W001, W002, "
            "W003, W004, W005, W006, W007, W008, W009, W010\n",
        ),
    ],
)
def test_unknown_codes_are_usage_errors(reg, cli, args, message):
    result = cli(reg, "validate", *args)
    assert result.exit_code == 2
    assert result.stderr == message
    assert result.stdout == ""


def test_unknown_code_in_config_is_a_usage_error(reg, cli):
    config = (reg / "calcert.toml").read_text()
    (reg / "calcert.toml").write_text(config + 'ignore = ["W006", "W066"]\n')
    result = cli(reg, "validate")
    assert result.exit_code == 2
    assert result.stderr == (
        "calcert: error: registry/calcert.toml: [validate] ignore names unknown codes: W066; "
        "see `calcert validate --explain CODE`\n"
    )


def test_explain(cli):
    result = cli(None, "validate", "--explain", "e012")  # needs no register
    assert result.exit_code == 0
    assert result.stdout == (
        "E012 overlapping-awards (error)\n"
        "\n"
        "Two awards of one institution cover the same day. A renewal starts the day after the\n"
        "previous term ends; when a new certificate replaced an old one early, end the old one\n"
        "the day before (`calcert add --supersede` does that). Where no valid_until is recorded,\n"
        "the end assumed from [terms] default_years counts, and the finding says so: record the\n"
        "end a source states.\n"
        "\n"
        "Skip it with `calcert validate --ignore E012`, or for the whole register with ignore =\n"
        '["E012"] under [validate] in calcert.toml.\n'
    )


def test_paths_filter_the_report(reg, cli):
    result = cli(reg, "validate", "--format", "json", "registry/institutions/mops-b.toml")
    assert codes(result) == [("W006", "mops-b", 3)]
    assert result.exit_code == 0  # mops-a's errors are not in the given file
    # Several paths, in any spelling that names the file.
    result = cli(
        reg,
        "validate",
        "--format",
        "json",
        "registry/institutions/../institutions/mops-c.toml",
        str(reg / "institutions" / "mops-a.toml"),
    )
    assert codes(result) == [("E012", "mops-a", 5), ("E012", "mops-a", 10)]


def test_paths_still_see_the_whole_register(make_register, cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    twin = GOOD.replace("mops-c", "mops-radom-2").replace("Ośrodek C", "OŚRODEK  c.")
    parent = GOOD.replace('city = "Radom"', 'city = "Radom"\nparent = "mops-c"')
    parent = parent.replace("mops-c", "mops-d", 1).replace("Ośrodek C", "Zespół D")
    root = make_register(
        files={"mops-c": GOOD, "mops-radom-2": twin, "mops-d": parent, "mops-x": "id = \n"}
    )
    # The look-alike lives in another file, yet is reported for the file that was asked for;
    # the parent exists in another file, so no E014; the broken mops-x is not reported.
    result = cli(root, "validate", "--format", "json", "registry/institutions/mops-c.toml")
    assert json.loads(result.stdout) == [
        {
            "severity": "warning",
            "code": "W005",
            "path": "registry/institutions/mops-c.toml",
            "line": 2,
            "column": None,
            "message": "'mops-c' looks like the same institution as 'mops-radom-2' (same name "
            "and city); merge them or tell them apart in the name",
        }
    ]
    assert result.exit_code == 0
    result = cli(root, "validate", "--format", "json", "registry/institutions/mops-d.toml")
    assert codes(result) == []
    # A duplicate id declared in another file is an error of the given file too.
    (root / "institutions" / "mops-e.toml").write_text(GOOD)
    result = cli(root, "validate", "--format", "json", "registry/institutions/mops-c.toml")
    assert ("E008", "mops-c", 1) in codes(result)
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "registry/institutions/nope.toml",
            "calcert: error: registry/institutions/nope.toml: no such file\n",
        ),
        (
            "registry/calcert.toml",
            "calcert: error: registry/calcert.toml: not an institution file of the register at "
            "registry (expected institutions/<id>.toml)\n",
        ),
    ],
)
def test_paths_outside_the_register_are_usage_errors(reg, cli, path, message):
    result = cli(reg, "validate", path)
    assert result.exit_code == 2
    assert result.stderr == message


def _run_on_a_terminal(root: Path, *args: str) -> tuple[int, str, str]:
    """Run calcert with stderr on a pseudo-terminal; stdout stays a pipe."""
    master, slave = pty.openpty()
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "calcert", "--registry", str(root), *args],
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
        cwd=root.parent,
        timeout=60,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    err = b"".join(chunks).decode().replace("\r\n", "\n")
    return proc.returncode, proc.stdout.decode(), err


@pytest.mark.slow  # a real process on a pseudo-terminal
def test_summary_on_a_terminal_only_for_text(reg):
    code, out, err = _run_on_a_terminal(reg, "validate")
    assert code == 1
    assert out.count("\n") == 3
    assert err == "2 errors, 1 warning in 3 files\n"
    code, out, err = _run_on_a_terminal(reg, "validate", "registry/institutions/mops-c.toml")
    assert (code, out, err) == (0, "", "0 errors, 0 warnings in 1 file\n")
    for fmt in ("json", "github"):
        code, out, err = _run_on_a_terminal(reg, "validate", "--format", fmt)
        assert code == 1
        assert err == ""
        assert out


BROKEN_SYNTAX = 'id = "mops-a"\nname = "A\ncity = "Radom"\n'


def test_json_and_github_give_the_column_of_a_syntax_error(
    make_register, cli, tmp_path, monkeypatch
):
    """E002 knows its column from tomllib; JSON says it, annotations put it in ``col=``."""
    monkeypatch.chdir(tmp_path)
    root = make_register(files={"mops-a": BROKEN_SYNTAX})
    rows = json.loads(cli(root, "validate", "--format", "json").stdout)
    assert [(r["code"], r["line"], r["column"]) for r in rows] == [("E002", 2, 10)]
    github = cli(root, "validate", "--format", "github").stdout
    assert github.startswith("::error file=registry/institutions/mops-a.toml,line=2,col=10,")
    text = cli(root, "validate").stdout
    assert text.startswith("registry/institutions/mops-a.toml:2: error E002 ")
    assert "(column 10)" in text


def test_json_column_is_null_where_unknown(reg, cli):
    rows = json.loads(cli(reg, "validate", "--format", "json").stdout)
    assert rows and all(r["column"] is None for r in rows)
