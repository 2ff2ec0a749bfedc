"""Hostile arguments: bad ids, text that must round-trip exactly, dates and durations at
and beyond the ends of the calendar, empty strings everywhere; and what a real bug looks
like (one line, the version, exit 3; the traceback only on request).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from calcert import __version__
from calcert.cli.app import app
from calcert.model.records import Award, Institution
from calcert.model.text import first_control
from calcert.register.config import init_register
from calcert.register.loader import load
from calcert.register.tomlfile import dumps, parse
from conftest import MLAWA, RADOM, empty_register, examples
from hostile_helpers import assert_no_crash, snapshot

ID_RULE = "an id is lower-case letters a-z, digits and single hyphens, e.g. mops-mlawa"


@pytest.fixture
def reg(make_register, monkeypatch):
    root = make_register(files={"mops-mlawa": MLAWA, "mops-radom": RADOM})
    monkeypatch.chdir(root)
    return root


# ---- ids -------------------------------------------------------------------------------

BAD_IDS = {
    "a/b": ID_RULE,
    "../mops-mlawa": ID_RULE,
    "/etc/passwd": ID_RULE,
    "MOPS-MLAWA": ID_RULE,
    "mops_mlawa": ID_RULE,
    "mops--mlawa": ID_RULE,
    "mops-": ID_RULE,
    "mops mlawa": ID_RULE,
    "mops-mława": ID_RULE,
    "mops-mlawa.toml": ID_RULE,
    "a" * 65: "the id is 65 characters long (at most 64)",
    "": "the id is empty",
}


@pytest.mark.parametrize("ident", sorted(BAD_IDS))
def test_bad_ids_are_refused_before_any_file_is_touched(ident, reg, cli, tmp_path):
    before = snapshot(tmp_path)
    line = f"calcert: error: id {ident!r} is not valid: {BAD_IDS[ident]}\n"
    for args in (
        ("add", ident, "--name", "X", "--city", "Y", "--awarded", "2020-01-01"),
        ("show", ident),
        ("withdraw", ident, "--on", "2023-01-01"),
    ):
        result = cli(reg, *args)
        assert_no_crash(result.stdout, result.stderr, result.exit_code)
        assert (result.exit_code, result.stdout, result.stderr) == (2, "", line), args
    result = cli(
        reg, "add", "x", "--name", "X", "--city", "Y", "--awarded", "2020-01-01", "--parent", ident
    )
    assert result.exit_code == 2
    assert result.stderr == f"calcert: error: --parent {ident!r} is not valid: {BAD_IDS[ident]}\n"
    assert snapshot(tmp_path) == before


def test_longest_id_is_fine(reg, cli):
    ident = "a" * 64
    result = cli(reg, "add", ident, "--name", "X", "--city", "Y", "--awarded", "2020-01-01")
    assert result.exit_code == 0, result.stderr
    assert (reg / "institutions" / f"{ident}.toml").exists()


# ---- text that must round-trip exactly -------------------------------------------------

TRICKY = [
    'Ośrodek "Pod Lipami"',
    "line one\nline two\n\nline four",
    "back\\slash \\n not a newline \\u0041",
    "tab\there\rcarriage",
    "emoji 🎉👩‍👩‍👧 and ZWJ",
    "control \x01\x07\x1b[31m\x7f\x9f",
    "'''triple single''' and \"\"\"triple double\"\"\"",
    "# not a comment = [not a table]",
    "\u2028line separator\u2029paragraph\ufeffBOM",
    "right-to-left \u202etxet",
    "ﬁ ligature, Ǆ, İ, ß",
]


def _roundtrip_library(text: str) -> None:
    award = Award(
        valid_from=date(2022, 3, 29),
        valid_until=date(2026, 3, 28),
        awarded_by=text,
        event=text,
        certificate_no=text,
        notes=text,
        withdrawal_reason=None,
    )
    inst = Institution(id="mops-x", name=text, city=text, kind=text, awards=(award,))
    out = dumps(inst)
    parsed = parse(Path("mops-x.toml"), out.encode("utf-8"), "mops-x.toml")
    assert parsed.institution is not None, parsed.findings
    got = parsed.institution
    assert (got.name, got.city, got.kind) == (text, text, text)
    award_back = got.awards[0]
    assert (award_back.awarded_by, award_back.event, award_back.notes) == (text, text, text)
    assert award_back.certificate_no == text
    assert dumps(got) == out  # dumps → parse → dumps is byte-identical
    assert parsed.is_canonical()


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_text_roundtrips_through_the_file_format(text):
    _roundtrip_library(text)


@settings(max_examples=examples(300), deadline=None)
@given(st.text(min_size=1))
def test_any_text_roundtrips_through_the_file_format(text):
    _roundtrip_library(text)


def _add_via_cli(root: Path, text: str):
    runner = CliRunner()
    args = [
        "--registry",
        str(root),
        "add",
        "mops-x",
        "--name",
        text,
        "--city",
        text,
        "--kind",
        text,
        "--by",
        text,
        "--event",
        text,
        "--certificate-no",
        text,
        "--notes",
        text,
        "--awarded",
        "2022-03-29",
        "--term",
        "2022-2026",
    ]
    return runner.invoke(app, args, catch_exceptions=False)


def _refused_control(text: str, result) -> bool:
    """add refuses a control character (issue 12 item 3): True when it did, and said so."""
    if first_control(text.strip()) is None:
        return False
    assert result.exit_code == 2, result.stdout
    assert result.stderr.startswith("calcert: error: --name contains the control character ")
    return True


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_text_roundtrips_through_add(text, tmp_path):
    root = init_register(tmp_path / "r")
    result = _add_via_cli(root, text)
    if _refused_control(text, result):
        assert not (root / "institutions" / "mops-x.toml").exists()
        return
    assert result.exit_code == 0, result.stderr
    inst = load(root).institutions()[0]
    want = text.strip()
    assert (inst.name, inst.city, inst.kind) == (want, want, want)
    assert (inst.awards[0].awarded_by, inst.awards[0].notes) == (want, want)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=80))
def test_any_text_roundtrips_through_add(text):
    """Whatever a registrar types is stored as typed (surrounding blanks trimmed), or
    refused when it holds a control character."""
    with tempfile.TemporaryDirectory() as tmp:
        root = empty_register(Path(tmp) / "r")
        result = _add_via_cli(root, text)
        assert_no_crash(result.stdout, result.stderr, result.exit_code)
        if "\x00" in text:  # only a library caller can pass a NUL; argv cannot hold one
            assert result.exit_code == 2
            assert result.stderr == (
                f"calcert: error: argument {text!r} contains a NUL character\n"
            )
            return
        if not text.strip():
            assert result.exit_code == 2
            assert result.stderr == (
                "calcert: error: --name is empty; give a value or leave the option out\n"
            )
            assert not (root / "institutions" / "mops-x.toml").exists()
            return
        if _refused_control(text, result):
            assert not (root / "institutions" / "mops-x.toml").exists()
            return
        assert result.exit_code == 0, result.stderr
        inst = load(root).institutions()[0]
        want = text.strip()
        assert (inst.name, inst.city, inst.kind, inst.awards[0].notes) == (want,) * 4
        raw = (root / "institutions" / "mops-x.toml").read_bytes()
        assert dumps(inst).encode("utf-8") == raw


@pytest.mark.slow  # a real process
def test_undecodable_argv_bytes_are_a_usage_error(tmp_path):
    """A terminal in a legacy encoding hands Python lone surrogates; they are not stored."""
    root = init_register(tmp_path / "r")
    argv = [sys.executable, "-m", "calcert", "--registry", str(root), "add", "mops-x"]
    argv = [os.fsencode(a) for a in argv] + [
        b"--name",
        "Ośrodek".encode("cp1250"),
        b"--city",
        b"Radom",
        b"--awarded",
        b"2022-03-29",
    ]
    result = subprocess.run(argv, capture_output=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr == (
        b"calcert: error: --name 'O\\udc9crodek' is not valid text (bytes that are not UTF-8); "
        b"check the terminal's encoding, the register stores UTF-8\n"
    )
    assert not (root / "institutions" / "mops-x.toml").exists()


# ---- dates, terms and durations at the ends of the calendar ----------------------------

NOT_A_DATE = "is not a date; use YYYY-MM-DD, e.g. 2022-03-29"


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (
            "0000-01-01",
            "is not a calendar date (there is no year 0); use YYYY-MM-DD, e.g. 2022-03-29",
        ),
        ("10000-01-01", NOT_A_DATE),
        (
            "2023-02-29",
            "is not a calendar date (month 2 of 2023 has 28 days); use YYYY-MM-DD, "
            "e.g. 2022-03-29",
        ),
        (
            "2022-13-01",
            "is not a calendar date (there is no month 13); use YYYY-MM-DD, e.g. 2022-03-29",
        ),
        ("2022-3-9", NOT_A_DATE),
        ("２０２２-０３-２９", NOT_A_DATE),  # full-width digits are not ISO dates
        ("٢٠٢٢-٠٣-٢٩", NOT_A_DATE),
        ("2022-03-29T10:00", NOT_A_DATE),
        ("29.03.2022", NOT_A_DATE),
        ("", NOT_A_DATE),
        (" ", NOT_A_DATE),
        ("-1-01-01", NOT_A_DATE),
    ],
)
def test_bad_dates_everywhere(value, why, reg, cli):
    before = snapshot(reg)
    for option, args in (
        ("--awarded", ("add", "x", "--name", "X", "--city", "Y", "--awarded", value)),
        ("--from", ("add", "x", "--name", "X", "--city", "Y", "--from", value)),
        (
            "--until",
            ("add", "x", "--name", "X", "--city", "Y", "--from", "2020-01-01", "--until", value),
        ),
        ("--on", ("withdraw", "mops-mlawa", "--on", value)),
        ("--as-of", ("list", "--as-of", value)),
        ("--as-of", ("expiring", "--within", "1y", "--as-of", value)),
        ("--as-of", ("show", "mops-mlawa", "--as-of", value)),
        ("--as-of", ("validate", "--as-of", value)),
    ):
        result = cli(reg, *args)
        assert_no_crash(result.stdout, result.stderr, result.exit_code)
        assert result.exit_code == 2, args
        assert result.stderr == f"calcert: error: {option}: {value!r} {why}\n", args
    assert snapshot(reg) == before


@pytest.fixture
def extreme(make_register, monkeypatch):
    """A register whose awards touch both ends of the calendar."""
    first = textwrap.dedent(
        """\
        id = "first"
        name = "Pierwszy"
        city = "Alfa"

        [[awards]]
        valid_from = 0001-01-01
        valid_until = 0001-12-31
        """
    )
    last = textwrap.dedent(
        """\
        id = "last"
        name = "Ostatni"
        city = "Omega"

        [[awards]]
        valid_from = 9999-01-01
        valid_until = 9999-12-31
        withdrawn_on = 9999-12-31
        """
    )
    root = make_register(files={"first": first, "last": last, "mops-mlawa": MLAWA})
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize("as_of", ["0001-01-01", "0001-12-31", "9999-12-30", "9999-12-31"])
def test_as_of_at_the_ends_of_the_calendar(as_of, extreme, cli):
    for args in (
        ("list", "--status", "all", "--as-of", as_of, "--format", "json"),
        ("list", "--as-of", as_of),
        ("expiring", "--within", "0d", "--as-of", as_of),
        ("show", "first", "--as-of", as_of),
        ("show", "last", "--as-of", as_of, "--format", "json"),
        ("validate", "--as-of", as_of),
    ):
        result = cli(extreme, *args)
        assert_no_crash(result.stdout, result.stderr, result.exit_code)
        if args[:2] == ("show", "last") and as_of.startswith("0001"):
            # Its awards were made in year 9999: on that --as-of the register knew of none.
            assert result.exit_code == 2
            assert "no certificate of last was recorded by" in result.stderr
            continue
        assert result.exit_code == 0, (args, result.stdout, result.stderr)


def test_status_at_the_ends_of_the_calendar(extreme, cli):
    result = cli(extreme, "list", "--status", "all", "--as-of", "9999-12-31", "--format", "csv")
    rows = {line.split(",")[0]: line.split(",")[5] for line in result.stdout.splitlines()[1:]}
    assert rows == {"first": "expired", "last": "withdrawn", "mops-mlawa": "expired"}
    result = cli(extreme, "expiring", "--within", "0d", "--as-of", "0001-12-31", "--format", "csv")
    assert (
        result.stdout == "id,name,city,valid_until,valid_until_assumed,days_left\n"
        "first,Pierwszy,Alfa,0001-12-31,false,0\n"
    )


BEYOND = "goes beyond the calendar (year 9999); use a shorter one, e.g. 90d, 2w, 6m, 1y, 1y6m or "
FORMS = "ISO 8601 P6M, P1Y2M10D, P2W"


@pytest.mark.parametrize(
    ("within", "as_of"),
    [
        ("99999y", "2025-01-01"),
        ("999999y", "2025-01-01"),
        ("P999999Y", "2025-01-01"),
        ("9999999d", "2025-01-01"),
        ("999999m", "2025-01-01"),
        ("999999w", "2025-01-01"),
        ("999999y999999m999999w9999999d", "2025-01-01"),
        ("1d", "9999-12-31"),
        ("1y", "9999-12-31"),
        ("P1D", "9999-12-31"),
    ],
)
def test_durations_beyond_the_calendar(within, as_of, reg, cli):
    result = cli(reg, "expiring", "--within", within, "--as-of", as_of)
    assert_no_crash(result.stdout, result.stderr, result.exit_code)
    assert result.exit_code == 2
    assert result.stderr == f"calcert: error: duration {within!r} from {as_of} {BEYOND}{FORMS}\n"


@pytest.mark.parametrize(
    "within",
    ["", " ", "P", "1Y", "1y1y", "1d1y", "-1d", "1.5y", "1" + "0" * 5000 + "d", "∞"],
)
def test_durations_not_understood(within, reg, cli):
    result = cli(reg, "expiring", "--within", within)
    assert result.exit_code == 2
    assert result.stderr == (
        f"calcert: error: duration {within!r} is not understood; use one of 90d, 2w, 6m, 1y, "
        f"1y6m or {FORMS}\n"
    )


def test_longest_duration_that_fits(reg, cli):
    result = cli(reg, "expiring", "--within", "7000y", "--as-of", "2025-01-01", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1].startswith("mops-mlawa,")


@pytest.mark.parametrize(
    ("args", "code", "err"),
    [
        (
            ("--awarded", "9999-12-31"),
            2,
            "calcert: error: a 5-year term from 9999-12-31 ends beyond the calendar\n",
        ),
        (
            ("--term", "0000-0001"),
            2,
            "calcert: error: --term: '0000-0001' starts in year 0, which does not exist; "
            "e.g. 2014-2017\n",
        ),
        (
            ("--term", "2017-2014"),
            2,
            "calcert: error: --term: '2017-2014' ends before it starts; e.g. 2014-2017\n",
        ),
        (
            ("--term", "9999-10000"),
            2,
            "calcert: error: --term: '9999-10000' is not a term; give the years printed on the "
            "certificate, e.g. 2014-2017\n",
        ),
        (
            ("--term", "２０１４-２０１７"),
            2,
            "calcert: error: --term: '２０１４-２０１７' is not a term; give the years printed on "
            "the certificate, e.g. 2014-2017\n",
        ),
        (
            ("--from", "2022-03-29", "--until", "2022-03-28"),
            2,
            "calcert: error: --until 2022-03-28 is before --from 2022-03-29; the term's last day "
            "comes after its first\n",
        ),
    ],
)
def test_terms_beyond_the_calendar(args, code, err, reg, cli):
    before = snapshot(reg)
    result = cli(reg, "add", "x", "--name", "X", "--city", "Y", *args)
    assert (result.exit_code, result.stderr) == (code, err)
    assert snapshot(reg) == before


@pytest.mark.parametrize(
    ("args", "stored"),
    [
        (("--term", "0001-9999"), ("0001-01-01", "9999-12-31", "0001-9999")),
        (("--term", "9999-9999"), ("9999-01-01", "9999-12-31", "9999-9999")),
        (("--from", "0001-01-01", "--until", "0001-01-01"), ("0001-01-01", "0001-01-01", None)),
        (
            ("--from", "9998-12-31", "--term", "9998-9999"),
            ("9998-12-31", "9999-12-30", "9998-9999"),
        ),
    ],
)
def test_terms_at_the_ends_of_the_calendar_are_stored_exactly(args, stored, reg, cli):
    result = cli(reg, "add", "x", "--name", "X", "--city", "Y", *args)
    assert result.exit_code == 0, result.stderr
    award = next(i for i in load(reg).institutions() if i.id == "x").awards[0]
    assert (award.valid_from.isoformat(), award.valid_until.isoformat(), award.term) == stored
    result = cli(reg, "validate", "--select", "E")
    assert (result.exit_code, result.stdout) == (0, "")


# ---- empty strings everywhere ----------------------------------------------------------

EMPTY_CASES = [
    (
        ("--registry", "", "list"),
        "calcert: error: Invalid value for --registry: is empty; "
        "give the register directory (see `calcert --help`)",
    ),
    (
        ("init", ""),
        "calcert: error: DIR is empty; give the directory, e.g. `calcert init registry`",
    ),
    (
        ("add", "", "--name", "X", "--city", "Y", "--awarded", "2020-01-01"),
        "calcert: error: id '' is not valid: the id is empty",
    ),
    (("show", ""), "calcert: error: id '' is not valid: the id is empty"),
    (
        ("withdraw", "", "--on", "2023-01-01"),
        "calcert: error: id '' is not valid: the id is empty",
    ),
    (
        ("withdraw", "mops-mlawa", "--on", "2023-01-01", "--reason", ""),
        "calcert: error: --reason is empty; give a value or leave the option out",
    ),
    (
        ("list", "--status", ""),
        "calcert: error: --status '' is not one of: active, expired, withdrawn, pending, "
        "current, all",
    ),
    (("list", "--format", ""), "calcert: error: --format '' is not one of: table, json, csv"),
    (
        ("show", "mops-mlawa", "--format", ""),
        "calcert: error: --format '' is not one of: table, json",
    ),
    (
        ("expiring", "--within", "1y", "--format", ""),
        "calcert: error: --format '' is not one of: table, json, csv, md",
    ),
    (
        ("validate", "--format", ""),
        "calcert: error: --format '' is not one of: text, json, github",
    ),
    (
        ("validate", "--select", ""),
        "calcert: error: --select: no codes given; e.g. --select E012,W006",
    ),
    (
        ("validate", "--ignore", " , "),
        "calcert: error: --ignore: no codes given; e.g. --ignore E012,W006",
    ),
    (("validate", "--explain", ""), None),
    (("validate", ""), None),
]
for _option in (
    "--name",
    "--city",
    "--kind",
    "--voivodeship",
    "--website",
    "--by",
    "--event",
    "--certificate-no",
    "--source",
    "--notes",
):
    EMPTY_CASES.append(
        (
            (
                "add",
                "mops-new",
                "--name",
                "X",
                "--city",
                "Y",
                "--awarded",
                "2020-01-01",
                _option,
                "",
            ),
            f"calcert: error: {_option} is empty; give a value or leave the option out",
        )
    )
EMPTY_CASES.append(
    (
        (
            "add",
            "mops-new",
            "--name",
            "X",
            "--city",
            "Y",
            "--awarded",
            "2020-01-01",
            "--parent",
            "",
        ),
        "calcert: error: --parent '' is not valid: the id is empty",
    )
)
EMPTY_CASES.append(
    (
        ("add", "mops-new", "--name", "X", "--city", "Y", "--awarded", "2020-01-01", "--term", ""),
        "calcert: error: --term: '' is not a term; give the years printed on the certificate, "
        "e.g. 2014-2017",
    )
)


@pytest.mark.parametrize(("args", "line"), EMPTY_CASES, ids=lambda v: repr(v)[:60])
def test_empty_strings_everywhere(args, line, reg, cli, tmp_path):
    before = snapshot(tmp_path)
    runner = CliRunner()
    argv = list(args) if args[0] in ("--registry", "init") else ["--registry", str(reg), *args]
    result = runner.invoke(app, argv, catch_exceptions=False)
    assert_no_crash(result.stdout, result.stderr, result.exit_code)
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    if line is not None:
        assert result.stderr == line + "\n"
    assert snapshot(tmp_path) == before


# ---- a bug in calcert: one line, the version, exit 3 -----------------------------------


def _boom(*args, **kwargs):
    raise RuntimeError("kaboom\nsecond line of the message")


BUG = (
    f"calcert {__version__}: internal error, a bug in calcert (not in your data): "
    "RuntimeError: kaboom second line of the message; nothing was written. Re-run with "
    "--debug for the traceback and report it.\n"
)


def test_bug_is_one_line_with_the_version_and_exit_3(reg, cli, monkeypatch):
    monkeypatch.setattr("calcert.ops.queries.list_rows", _boom)
    result = cli(reg, "list")
    assert (result.exit_code, result.stdout, result.stderr) == (3, "", BUG)


@pytest.mark.parametrize("how", ["--debug", "CALCERT_DEBUG"])
def test_debug_shows_the_traceback(how, reg, monkeypatch):
    monkeypatch.setattr("calcert.ops.queries.list_rows", _boom)
    if how == "CALCERT_DEBUG":
        monkeypatch.setenv("CALCERT_DEBUG", "1")
        argv = ["--registry", str(reg), "list"]
    else:
        argv = ["--debug", "--registry", str(reg), "list"]
    result = CliRunner().invoke(app, argv, catch_exceptions=False)
    assert result.exit_code == 3
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert 'raise RuntimeError("kaboom' in result.stderr
    assert result.stderr.endswith(BUG)


def test_bug_outside_a_command_is_exit_3_too(reg, cli, monkeypatch):
    from calcert.cli.app import CalcertGroup

    monkeypatch.setattr(CalcertGroup, "invoke", _boom)
    result = cli(reg, "list")
    assert (result.exit_code, result.stdout, result.stderr) == (3, "", BUG)


@pytest.mark.slow  # a real process
def test_bug_in_a_real_process(reg):
    child = textwrap.dedent(
        """
        import sys
        import calcert.ops.queries

        def boom(*args, **kwargs):
            raise KeyError("lost")

        calcert.ops.queries.expiring_rows = boom
        from calcert.cli.app import main

        sys.argv = ["calcert", *sys.argv[1:]]
        main()
        """
    )
    argv = [sys.executable, "-c", child, "--registry", str(reg), "expiring", "--within", "1y"]
    env = {k: v for k, v in os.environ.items() if k != "CALCERT_DEBUG"}
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env, check=False)
    assert result.returncode == 3
    assert result.stdout == ""
    assert result.stderr == (
        f"calcert {__version__}: internal error, a bug in calcert (not in your data): "
        "KeyError: 'lost'; nothing was written. Re-run with --debug for the traceback and "
        "report it.\n"
    )
    result = subprocess.run(
        [*argv[:3], "--debug", *argv[3:]], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 3
    assert "Traceback (most recent call last)" in result.stderr


@pytest.mark.slow  # a real process
def test_output_the_terminal_cannot_encode_is_escaped_not_a_crash(reg):
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    result = subprocess.run(
        [sys.executable, "-m", "calcert", "--registry", str(reg), "list", "--as-of", "2025-01-01"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Miejski O\\u015brodek Pomocy Spo\\u0142ecznej w M\\u0142awie" in result.stdout


# ---- found by the fuzz: messages quoting arguments stay one line -------------------------


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("line\nbreak", "calcert: error: line\\nbreak: no such file"),
        ("tab\there\r", "calcert: error: tab\\there\\r: no such file"),
    ],
)
def test_control_characters_in_a_path_argument(path, line, reg, cli):
    result = cli(reg, "validate", path)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", line + "\n")


@pytest.mark.parametrize(
    "args",
    [
        ("add", "mops\x00mlawa", "--name", "X", "--city", "Y", "--awarded", "2020-01-01"),
        ("add", "mops-x", "--name", "NUL \x00 inside", "--city", "Y", "--awarded", "2020-01-01"),
        ("show", "mops-mlawa", "--as-of", "\x00"),
        ("expiring", "--within", "P1Y\x00"),
        ("validate", "x\x00y"),
        ("init", "a\x00b"),
        ("export", "-o", "a\x00b"),
        ("import", "a\x00b.csv"),
    ],
    ids=lambda a: " ".join(a)[:30],
)
def test_nul_in_any_argument_is_one_line(args, reg, cli, tmp_path):
    """A real command line cannot carry a NUL; a library caller can, and gets exit 2."""
    before = snapshot(tmp_path)
    result = cli(reg, *args)
    nul = next(a for a in args if "\x00" in a)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"calcert: error: argument {nul!r} contains a NUL character\n"
    assert snapshot(tmp_path) == before
