"""Fuzzing: arbitrary bytes and mutated near-valid TOML into the loader and ``validate``,
and random argument lists into the CLI. The only allowed outcomes are findings, the
project's own one-line errors and exit codes 0/1/2: never exit 3, never a traceback.

Example counts are kept CI-friendly (``--hypothesis-show-statistics`` prints how many ran).
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import textwrap
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from unittest import mock

import pytest
import typer.main
import typer.testing
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from calcert.checks import pipeline as checks
from calcert.checks.catalog import CHECKS
from calcert.cli.app import app
from calcert.register.config import Config
from calcert.register.loader import Register
from calcert.register.tomlfile import STRUCTURE_CODES, dumps, parse
from conftest import MLAWA, RADOM, empty_register, examples
from hostile_helpers import FINDING_LINE, assert_no_crash, snapshot, temp_files

# CALCERT_FUZZ_SCALE=20 runs twenty times as many examples (a deeper run by hand).
SCALE = max(1, int(os.environ.get("CALCERT_FUZZ_SCALE", "1") or 1))
# The explain phase re-runs failing examples many times; a failure shrinks, that is enough.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink]
FUZZ = settings(
    max_examples=examples(250) * SCALE,
    deadline=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
SLOW_FUZZ = settings(
    max_examples=examples(200) * SCALE,
    deadline=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.too_slow],
)

RICH = textwrap.dedent(
    """\
    id = "mops-wroclaw-zespol"
    name = "Zespół \\"Dzielnica\\" MOPS Wrocław"
    kind = "MOPS"
    city = "Wrocław"
    voivodeship = "dolnośląskie"
    website = "https://mops.wroclaw.pl/"
    parent = "mops-wroclaw"

    [[awards]]
    awarded_on = 2011-06-28
    valid_from = 2011-06-28
    valid_until = 2014-06-27
    term = "2011-2014"
    awarded_by = 'Lena Chodkiewicz'
    event = \"\"\"Gala
    CAL\"\"\"
    certificate_no = "12/2011"
    source = "https://cal.org.pl/"
    notes = "ą ę ł"
    withdrawn_on = 2013-01-15
    withdrawal_reason = "decyzja komisji"

    [[awards]]
    valid_from = 2022-03-29
    valid_until = 2026-03-28
    """
)
SEEDS = [MLAWA.encode(), RADOM.encode(), RICH.encode()]

TOKENS = [
    b'"',
    b"'",
    b"[",
    b"]",
    b"{",
    b"}",
    b",",
    b"=",
    b".",
    b"#",
    b"\\",
    b"\n",
    b"\r\n",
    b"\r",
    b"\t",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xb1",
    b"\x9c",
    b"\xff",
    b'"""',
    b"'''",
    b"[[awards]]\n",
    b"[awards]\n",
    b"awards = []\n",
    b"awards = [1, 2]\n",
    b"valid_from = 2022-03-29\n",
    b"valid_until = 2021-01-01\n",
    b"withdrawn_on = 2030-01-01\n",
    b'withdrawal_reason = "x"\n',
    b'term = "2026-2022"\n',
    'id = "Mops Mława"\n'.encode(),
    b'parent = "mops-mlawa"\n',
    b'voivodeship = "Mazowieckie"\n',
    b'website = "ftp://x"\n',
    b"2022-02-30",
    b"0001-01-01",
    b"9999-12-31",
    b"1979-05-27T07:32:00Z",
    b"07:32:00",
    b"inf",
    b"nan",
    b"-0",
    b"0x1F",
    b"1e400",
    b"9" * 5000,
    b"true",
    "ąęłśżźćń🎉".encode(),
    b"[" * 3000,
    b"x.y.z = 1\n",
    b"a = {b = 1}\n",
]


@st.composite
def mutated(draw) -> bytes:
    """A valid institution file with a few byte-level or line-level edits."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "dup-line", "swap-lines"]))
        i = draw(st.integers(0, len(data)))
        if op == "insert":
            data[i:i] = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=4))
        elif op == "delete":
            data[i : i + draw(st.integers(1, 12))] = b""
        elif op == "replace" and i < len(data):
            data[i] = draw(st.integers(0, 255))
        else:
            lines = bytes(data).split(b"\n")
            a = draw(st.integers(0, len(lines) - 1))
            b = draw(st.integers(0, len(lines) - 1))
            if op == "dup-line":
                lines.insert(b, lines[a])
            else:
                lines[a], lines[b] = lines[b], lines[a]
            data = bytearray(b"\n".join(lines))
    return bytes(data)


def _check_parsed(raw: bytes) -> None:
    path = Path("/register/institutions/mops-mlawa.toml")
    parsed = parse(path, raw, "institutions/mops-mlawa.toml")  # must not raise
    for finding in parsed.findings:
        assert finding.code in CHECKS
        assert finding.line is None or finding.line >= 1
        assert "\n" not in finding.message
    if parsed.institution is None:
        assert parsed.has_errors, "no record came out, so something must be an error"
    if parsed.complete:
        # What was read completely can be written back canonically and read again unchanged.
        assert parsed.institution is not None
        text = dumps(parsed.institution)
        again = parse(path, text.encode("utf-8"), "x")
        assert again.institution is not None
        # The same record; the canonical form sorts the awards by valid_from.
        ordered = dataclasses.replace(
            parsed.institution, awards=parsed.institution.sorted_awards()
        )
        assert again.institution == ordered
        assert dumps(again.institution) == text
    else:
        assert any(f.code in STRUCTURE_CODES for f in parsed.findings) or (
            parsed.institution is None
        )
    # Register-wide checks on a register containing it do not raise either.
    others = [
        parse(Path(f"/register/institutions/s{i}.toml"), seed, f"s{i}")
        for i, seed in enumerate(SEEDS)
    ]
    register = Register(Path("/register"), Config(), [*others, parsed])
    for finding in checks.run(register, date(2025, 1, 1)):
        assert finding.code in CHECKS


@FUZZ
@given(st.binary(max_size=2000))
def test_loader_on_arbitrary_bytes(raw):
    _check_parsed(raw)


@FUZZ
@given(st.text(max_size=500).map(lambda t: t.encode("utf-8")))
def test_loader_on_arbitrary_text(raw):
    _check_parsed(raw)


@FUZZ
@given(mutated())
@example(RICH.replace("valid_from = 2011-06-28", "valid_from = 3011-06-28").encode())  # found
def test_loader_on_mutated_files(raw):
    _check_parsed(raw)


@contextmanager
def _register_with(raw: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        root = empty_register(Path(tmp) / "rejestr ł")
        (root / "institutions" / "mops-radom.toml").write_text(RADOM)
        (root / "institutions" / "mops-mlawa.toml").write_bytes(raw)
        yield root


RUNNER = CliRunner()
_COMMAND = []


def _command(_app):
    """Typer rebuilds the click command on every invoke (~12 ms); the fuzz builds it once."""
    if not _COMMAND:
        _COMMAND.append(typer.main.get_command(app))
    return _COMMAND[0]


def _invoke(args: list[str]):
    with mock.patch.object(typer.testing, "_get_command", _command):
        result = RUNNER.invoke(app, args, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # let hypothesis shrink the real traceback
    return result


@pytest.mark.slow
@SLOW_FUZZ
@given(mutated())
def test_validate_and_list_on_mutated_files(raw):
    with _register_with(raw) as root:
        before = (root / "institutions" / "mops-mlawa.toml").read_bytes()
        result = _invoke(["--registry", str(root), "validate", "--as-of", "2025-01-01"])
        assert_no_crash(result.stdout, result.stderr, result.exit_code)
        assert result.exit_code in (0, 1)
        for line in result.stdout.splitlines():
            assert FINDING_LINE.match(line), line
        result = _invoke(["--registry", str(root), "validate", "--format", "json"])
        assert result.exit_code in (0, 1)
        for row in json.loads(result.stdout):
            assert set(row) == {"severity", "code", "path", "line", "column", "message"}
        for args in (
            ["list", "--status", "all", "--as-of", "2025-01-01"],
            ["expiring", "--within", "2y", "--as-of", "2016-01-01"],
        ):
            result = _invoke(["--registry", str(root), *args])
            assert_no_crash(result.stdout, result.stderr, result.exit_code)
            assert "mops-radom" in result.stdout, (args, result.stdout)  # still served
        result = _invoke(["--registry", str(root), "fmt", "--check"])
        assert_no_crash(result.stdout, result.stderr, result.exit_code)
        assert (root / "institutions" / "mops-mlawa.toml").read_bytes() == before


# ---- CLI fuzz over random argument lists -----------------------------------------------

COMMANDS = [
    "add",
    "withdraw",
    "list",
    "show",
    "expiring",
    "validate",
    "fmt",
    "init",
    "export",
    "import",
    "stats",
    "schema",
]
OPTIONS = [
    "--name",
    "--city",
    "--kind",
    "--voivodeship",
    "--website",
    "--parent",
    "--awarded",
    "--from",
    "--until",
    "--term",
    "--by",
    "--event",
    "--certificate-no",
    "--source",
    "--notes",
    "--supersede",
    "--dry-run",
    "--on",
    "--reason",
    "--status",
    "--as-of",
    "--format",
    "--within",
    "--exit-code",
    "--strict",
    "--select",
    "--ignore",
    "--explain",
    "--check",
    "--output",
    "-o",
    "--remind",
    "--lang",
    "--debug",
    "--help",
    "--version",
    "--",
    "-",
]
VALUES = [
    "",
    " ",
    "mops-mlawa",
    "mops-radom",
    "mops-nowy",
    "Mława",
    "MOPS Mława",
    "mazowieckie",
    "Mazowieckie",
    "https://example.org/",
    "ftp://x",
    "2014-05-19",
    "2017-05-19",
    "2022-03-29",
    "2026-03-28",
    "2026-03-29",
    "0001-01-01",
    "9999-12-31",
    "0000-01-01",
    "10000-01-01",
    "2023-02-29",
    "2014-2017",
    "2022-2026",
    "2026-2022",
    "0001-9999",
    "90d",
    "6m",
    "1y6m",
    "P1Y2M10D",
    "99999y",
    "9999999d",
    "P",
    "all",
    "active",
    "withdrawn",
    "json",
    "csv",
    "github",
    "table",
    "text",
    "E012",
    "W006,E001",
    "e",
    "institutions/mops-mlawa.toml",
    "institutions/nope.toml",
    "..",  # the CLI fuzz runs two levels below its temporary directory: never outside it
    "../..",
    "a/b",
    "ABC",
    "a" * 65,
    "x\x00y",
    "line\nbreak",
    '"quoted"',
    "back\\slash",
    "🎉",
    "\u202e",
    "-5",
    "ics",
    "md",
    "html",
    "pl",
    "en",
    "xx",
    "6m,1m",
    "none",
    "current",
    "rows.csv",
    "zle.csv",
    "puste.csv",
    "bin.csv",
    "out.csv",
    "nodir/out.csv",
    "institutions",
]


# Random text never holds a path separator: `init X` and `export -o X` stay in the sandbox.
SAFE_TEXT = st.text(st.characters(blacklist_characters="/\\"), max_size=12)


@st.composite
def argv(draw) -> list[str]:
    args = []
    if draw(st.booleans()):
        args.append(draw(st.sampled_from(COMMANDS)))
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["option", "value", "pair", "text"]))
        if kind == "option":
            args.append(draw(st.sampled_from(OPTIONS)))
        elif kind == "value":
            args.append(draw(st.sampled_from(VALUES)))
        elif kind == "pair":
            args += [draw(st.sampled_from(OPTIONS)), draw(st.sampled_from(VALUES))]
        else:
            args.append(draw(SAFE_TEXT))
    if args and args[0] != "init" and draw(st.booleans()):
        args.insert(0, draw(st.sampled_from(COMMANDS)))
    return args


SHAPES = {
    "add": ["ID", "--name", "--city", "--kind", "--voivodeship", "--website", "--parent",
            "--awarded", "--from", "--until", "--term", "--by", "--event", "--certificate-no",
            "--source", "--notes", "--supersede", "--dry-run"],
    "withdraw": ["ID", "--on", "--reason", "--dry-run"],
    "list": ["--status", "--as-of", "--format"],
    "show": ["ID", "--as-of", "--format"],
    "expiring": ["--within", "--as-of", "--format", "--exit-code"],
    "validate": ["PATH", "--format", "--strict", "--as-of", "--select", "--ignore", "--explain"],
    "fmt": ["--check"],
    "export": ["--format", "-o", "--status", "--as-of", "--remind"],
    "import": ["PATH", "--dry-run"],
    "stats": ["--format", "--as-of"],
    "schema": [],
}  # fmt: skip
FLAGS = {"--supersede", "--dry-run", "--exit-code", "--strict", "--check"}


@st.composite
def shaped(draw) -> list[str]:
    """A command with options it knows, in any order, with values from the vocabulary."""
    command = draw(st.sampled_from(sorted(SHAPES)))
    args = [command]
    if not SHAPES[command]:
        return args
    for option in draw(st.lists(st.sampled_from(SHAPES[command]), max_size=7, unique=True)):
        if option in FLAGS:
            args.append(option)
        elif option in ("ID", "PATH"):
            args.append(draw(st.sampled_from(VALUES)))
        else:
            args += [option, draw(st.sampled_from(VALUES) | SAFE_TEXT)]
    return args


@pytest.mark.slow
@settings(SLOW_FUZZ, max_examples=examples(300) * SCALE)
@given(argv() | shaped())
@example(["validate", "x\x00y"])  # found: typer's Path type crashed on the NUL (exit 3)
@example(["init", "\x00"])  # found: ValueError from mkdir (exit 3)
@example(["validate", "line\nbreak"])  # found: the error message took two lines
def test_cli_on_random_arguments(args):
    with tempfile.TemporaryDirectory() as tmp:
        root = empty_register(Path(tmp) / "registry")
        (root / "institutions" / "mops-mlawa.toml").write_text(MLAWA)
        (root / "institutions" / "mops-radom.toml").write_text(RADOM)
        (root / "institutions" / "zly.toml").write_bytes("id = 'zły'\n".encode("cp1250"))
        here = Path(tmp) / "work" / "here"  # so that `..` and `../..` stay inside tmp
        here.mkdir(parents=True)
        _write_csvs(here)
        cwd = os.getcwd()
        os.chdir(here)
        try:
            result = _invoke(["--registry", str(root), *args])
        finally:
            os.chdir(cwd)
        assert_no_crash(result.stdout, result.stderr, result.exit_code)
        assert (root / "calcert.toml").is_file()


# ---- import: hostile CSV files -----------------------------------------------------------

CSV_HEADER = "id;name;city;valid_from;valid_until;term;awarded_by\n"
CSV_ROWS = (
    "mops-radom;Miejski Ośrodek Pomocy Społecznej w Radomiu;Radom;2017-05-19;2022-05-18;"
    "2017-2022;Paweł Jordan\n"
    "gops-nowa;GOPS Nowa Wieś;Nowa Wieś;19.05.2020;18.05.2025;;\n"
)


def _write_csvs(directory: Path) -> None:
    (directory / "rows.csv").write_text(CSV_HEADER + CSV_ROWS, encoding="utf-8")
    (directory / "zle.csv").write_bytes((CSV_HEADER + CSV_ROWS).encode("cp1250"))
    (directory / "puste.csv").write_bytes(b"")
    (directory / "bin.csv").write_bytes(bytes(range(256)))


@st.composite
def mutated_csv(draw) -> bytes:
    data = bytearray(
        draw(st.sampled_from([b"", b"\xef\xbb\xbf"])) + (CSV_HEADER + CSV_ROWS).encode()
    )
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        if op == "insert":
            token = draw(
                st.sampled_from([b";", b",", b'"', b"\n", b"\r\n", b"\x00", b"\xb1", b"=", b"id",
                                 b"2022-02-30", b"9999-12-31", b"0001-01-01", b";;;;", b"\t"])
                | st.binary(min_size=1, max_size=3)
            )  # fmt: skip
            data[i:i] = token
        elif op == "delete":
            data[i : i + draw(st.integers(1, 10))] = b""
        elif i < len(data):
            data[i] = draw(st.integers(0, 255))
    return bytes(data)


@pytest.mark.slow
@SLOW_FUZZ
@given(mutated_csv(), st.booleans())
def test_import_of_mutated_csv(raw, dry_run):
    """All or nothing: a refused or unreadable import leaves every byte of the register."""
    with tempfile.TemporaryDirectory() as tmp:
        root = empty_register(Path(tmp) / "rejestr ł")
        (root / "institutions" / "mops-radom.toml").write_text(RADOM)
        csv_path = Path(tmp) / "import ę.csv"
        csv_path.write_bytes(raw)
        before = snapshot(root)
        args = ["--registry", str(root), "import", str(csv_path)]
        result = _invoke([*args, "--dry-run"] if dry_run else args)
        assert_no_crash(result.stdout, result.stderr, result.exit_code)
        if dry_run or result.exit_code != 0:
            assert snapshot(root) == before
        assert temp_files(root) == []
