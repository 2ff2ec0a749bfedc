"""Issue 12, what calcert writes and shows: output files, escapes, CSV cells, ICS, comments.

Each test is named after the item of issue 12 it holds to (``test_12_<item>_…``) and
failed on the code before the fix; docs/robustness.md ("What calcert writes and shows")
lists the promises with these names.
"""

from __future__ import annotations

import csv
import io
import os
import re
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
import tomli_w
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from calcert.model.text import csv_cell, csv_value, escape_controls
from calcert.outputs import tables
from conftest import MLAWA, empty_register

AS_OF = "2025-01-01"

# Escape sequences a hostile file could carry to a terminal: an OSC 52 clipboard write,
# a window title, a screen clear, an 8-bit CSI, a bidi override, a bell.
CONTROLS = ["a\x1b[2Jb", "x\x9b", "a\u202eb", "a\u2028b", "a\x7f", "a\rb", "\x00"]
NASTY = "\x1b]52;c;ZXZpbA==\x07\x1b]0;pwned\x07\x1b[2J\x9b31m\u202etxet\x07"


def _toml_char(c: str) -> str:
    if c in '"\\':
        return "\\" + c
    return f"\\u{ord(c):04x}" if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 else c


def _toml_string(text: str) -> str:
    return '"' + "".join(_toml_char(c) for c in text) + '"'


def _institution(ident: str, name: str, **extra: str) -> str:
    lines = [f'id = "{ident}"', f"name = {_toml_string(name)}"]
    lines += [f"{k} = {_toml_string(v)}" for k, v in extra.items()]
    lines.append('city = "Mława"' if "city" not in extra else "")
    return "\n".join(line for line in lines if line) + (
        "\n\n[[awards]]\nvalid_from = 2022-03-29\nvalid_until = 2025-03-28\n"
    )


def _raw_controls(text: str, allowed: str = "\n") -> list[str]:
    return sorted(
        {c for c in text if re.match(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e]", c) and c not in allowed}
    )


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _nasty_register(make_register):
    text = _institution(
        "mops-x", "Ośrodek " + NASTY, kind="[bold]K[/bold] [/] " + NASTY, voivodeship="mazowieckie"
    )
    text = text.replace(
        "valid_until = 2025-03-28\n",
        f"valid_until = 2025-03-28\nawarded_by = {_toml_string(NASTY)}\n"
        f"notes = {_toml_string('two' + chr(10) + 'lines ' + NASTY)}\n",
    )
    return make_register(files={"mops-x": text})


# ---- 2: export -o PATH -----------------------------------------------------------------------


def test_12_2_export_refuses_a_target_inside_the_register(make_register, cli):
    root = make_register(files={"mops-mlawa": MLAWA})
    config = (root / "calcert.toml").read_bytes()
    for target in (root / "calcert.toml", root / "institutions" / "x.toml", root):
        result = cli(root, "export", "-o", str(target))
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"calcert: error: -o {target}: ")
        assert "inside the register" in result.stderr
        assert "read-only" not in result.stderr
    assert (root / "calcert.toml").read_bytes() == config
    assert sorted(p.name for p in (root / "institutions").iterdir()) == [
        ".gitkeep",
        "mops-mlawa.toml",
    ]


def test_12_2_export_refuses_a_target_that_is_not_a_regular_file(make_register, cli, tmp_path):
    root = make_register(files={"mops-mlawa": MLAWA})
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    sock_path = tmp_path / "sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    try:
        for target, what in ((fifo, "a FIFO"), (sock_path, "a socket"), (tmp_path, "a directory")):
            result = cli(root, "export", "-o", str(target))
            assert result.exit_code == 2, result.output
            assert result.stderr == (
                f"calcert: error: -o {target}: is {what}, not a regular file; give a file "
                "name, or -o - for standard output\n"
            )
        assert fifo.is_fifo() and sock_path.is_socket()
    finally:
        sock.close()


def test_12_2_export_dash_means_standard_output(make_register, cli, tmp_path, monkeypatch):
    root = make_register(files={"mops-mlawa": MLAWA})
    monkeypatch.chdir(tmp_path)
    result = cli(root, "export", "--format", "json", "-o", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("[\n")
    assert not (tmp_path / "-").exists()


def test_12_2_export_write_errors_do_not_blame_the_register(
    make_register, cli, tmp_path, monkeypatch
):
    root = make_register(files={"mops-mlawa": MLAWA})

    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    import tempfile

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    target = tmp_path / "out.csv"
    result = cli(root, "export", "-o", str(target))
    assert result.exit_code == 2
    assert result.stderr == f"calcert: error: -o {target}: cannot write (Read-only file system)\n"


def test_12_2_export_replaces_a_file_atomically_and_keeps_its_mode(make_register, cli, tmp_path):
    root = make_register(files={"mops-mlawa": MLAWA})
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    target.chmod(0o640)
    result = cli(root, "export", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").startswith("id,name,")
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "registry"]


def test_12_2_export_through_a_symlink_into_the_register_is_refused(make_register, cli, tmp_path):
    root = make_register(files={"mops-mlawa": MLAWA})
    link = tmp_path / "innocent.csv"
    link.symlink_to(root / "institutions" / "mops-mlawa.toml")
    before = (root / "institutions" / "mops-mlawa.toml").read_bytes()
    result = cli(root, "export", "-o", str(link))
    assert result.exit_code == 2
    assert "inside the register" in result.stderr
    assert (root / "institutions" / "mops-mlawa.toml").read_bytes() == before


# ---- 4: CSV formula injection ----------------------------------------------------------------

FORMULAS = {
    "name": '=HYPERLINK("http://evil","click")',
    "kind": "+cmd|' /C calc'!A0",
    "awarded_by": "@SUM(1+1)*cmd|' /C calc'!A0",
    "city": "-2+3",
}


def _formula_register(make_register):
    text = (
        'id = "mops-x"\n'
        f"name = {_toml_string(FORMULAS['name'])}\n"
        f"kind = {_toml_string(FORMULAS['kind'])}\n"
        f"city = {_toml_string(FORMULAS['city'])}\n\n"
        "[[awards]]\nvalid_from = 2024-03-29\nvalid_until = 2027-03-28\n"
        f"awarded_by = {_toml_string(FORMULAS['awarded_by'])}\n"
        'notes = "\\tstarts with a tab"\n'
        'certificate_no = "\'=already quoted"\n'
    )
    return make_register(files={"mops-x": text})


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


@pytest.mark.parametrize(
    "args",
    [
        ("export", "--format", "csv"),
        ("list", "--format", "csv"),
        ("expiring", "--within", "5y", "--format", "csv"),
        ("stats", "--format", "csv"),
    ],
    ids=["export", "list", "expiring", "stats"],
)
def test_12_4_csv_injection_no_cell_starts_a_formula(make_register, cli, args):
    root = _formula_register(make_register)
    result = cli(root, *args, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    cells = _cells(result.stdout)
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    if args[0] != "stats":
        assert "'" + FORMULAS["name"] in cells
    else:
        assert "'" + FORMULAS["kind"] in cells


def test_12_4_csv_injection_export_import_export_is_byte_identical(make_register, cli, tmp_path):
    root = _formula_register(make_register)
    assert cli(root, "fmt").exit_code == 0  # so that the files can be compared too
    first = cli(root, "export", "--format", "csv").stdout
    assert "''=already quoted" in first and "'\tstarts with a tab" in first
    (tmp_path / "out.csv").write_text(first, encoding="utf-8")
    fresh = make_register(root=tmp_path / "fresh")
    result = cli(fresh, "import", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.output
    assert cli(fresh, "export", "--format", "csv").stdout == first
    assert (fresh / "institutions" / "mops-x.toml").read_bytes() == (
        root / "institutions" / "mops-x.toml"
    ).read_bytes()


@settings(deadline=None)  # CLI runs: a loaded CI machine must not fail them
@given(st.text())
def test_12_4_csv_injection_cells_read_back_exactly(text):
    cell = csv_cell(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert csv_value(cell) == text


# ---- 3: control characters and markup in renderers --------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("list", "--status", "all"),
        ("show", "mops-x"),
        ("expiring", "--within", "1y", "--format", "md"),
        ("expiring", "--within", "1y"),
        ("export", "--format", "md"),
        ("export", "--format", "html"),
        ("stats",),
    ],
    ids=["list", "show", "expiring-md", "expiring", "export-md", "export-html", "stats"],
)
def test_12_3_controls_are_escaped_by_every_text_renderer(make_register, cli, args):
    root = _nasty_register(make_register)
    result = cli(root, *args, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert _raw_controls(result.stdout) == []
    assert "\\x1b]52;c;ZXZpbA==\\x07" in result.stdout


def test_12_3_add_and_withdraw_summaries_escape_controls(make_register, cli):
    root = _nasty_register(make_register)
    added = cli(root, "add", "mops-x", "--from", "2025-03-29")
    assert added.exit_code == 0, added.output
    withdrawn = cli(root, "withdraw", "mops-x", "--on", "2025-04-01")
    assert withdrawn.exit_code == 0, withdrawn.output
    for out in (added.stdout, withdrawn.stdout):
        assert _raw_controls(out) == []
        assert "Ośrodek \\x1b]52;c;ZXZpbA==\\x07" in out


def test_12_3_rich_table_on_a_terminal_escapes_controls_and_markup(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    rows = [{"id": "mops-x", "name": "[bold]x[/bold] " + NASTY, "kind": "[/]"}]
    stream = Terminal()
    tables.print_table(rows, ["id", "name", "kind"], title="[red]t", stream=stream)
    out = stream.getvalue()
    assert _raw_controls(out) == []
    assert "[bold]x[/bold]" in out and "[/]" in out and "[red]t" in out


def test_12_3_stats_on_a_terminal_prints_markup_literally(make_register, monkeypatch):
    from calcert.ops import stats as st_ops
    from calcert.outputs import stats_report
    from calcert.register.loader import load

    root = _nasty_register(make_register)
    data = st_ops.compute(load(root), datetime(2024, 1, 1).date())
    stream = Terminal()
    stats_report.print_rich(data, stream, colour=False)
    out = stream.getvalue()
    assert "[bold]K[/bold] [/]" in out
    assert _raw_controls(out) == []


def test_12_3_escape_controls_units():
    assert escape_controls("plain Łódź") == "plain Łódź"
    assert escape_controls("a\x1b[2Jb\u202e\x9b") == "a\\x1b[2Jb\\u202e\\x9b"
    assert escape_controls("a\nb\tc", keep="\n") == "a\nb\\tc"


# ---- 3: control characters refused on the way in -----------------------------------------------


@pytest.mark.parametrize("text", [*CONTROLS[:-1], "a\nb", "a\tb"])  # argv holds no NUL
@pytest.mark.parametrize("option", ["--name", "--city", "--by", "--notes", "--source"])
def test_12_3_add_refuses_control_characters(make_register, cli, option, text):
    root = make_register()
    args = {"--name": "X", "--city": "Y", option: "Ośrodek " + text}
    flat = [part for pair in args.items() for part in pair]
    result = cli(root, "add", "mops-x", *flat, "--from", "2022-01-01")
    if option == "--notes" and text in ("a\nb", "a\tb"):
        assert result.exit_code == 0, result.output  # notes may break lines and tab
        return
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"calcert: error: {option} contains the control character ")
    assert sorted(p.name for p in (root / "institutions").iterdir()) == [".gitkeep"]


def test_12_3_withdraw_refuses_control_characters(make_register, cli):
    root = make_register(files={"mops-mlawa": MLAWA})
    before = (root / "institutions" / "mops-mlawa.toml").read_bytes()
    result = cli(root, "withdraw", "mops-mlawa", "--on", "2024-01-01", "--reason", "a\x1b[2J")
    assert result.exit_code == 2
    assert result.stderr == (
        "calcert: error: --reason contains the control character \\x1b (an escape "
        "sequence, or a pasted line break?); remove it\n"
    )
    assert (root / "institutions" / "mops-mlawa.toml").read_bytes() == before


def test_12_3_import_refuses_control_characters(make_register, cli, tmp_path):
    root = make_register()
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "id,name,city,valid_from,valid_until,notes\n"
        'mops-x,"X\x1b]0;t\x07",Y,2022-01-01,2024-12-31,\n'
        'mops-y,Z,Y,2022-01-01,2024-12-31,"two\nlines"\n',
        encoding="utf-8",
    )
    result = cli(root, "import", str(rows))
    assert result.exit_code == 1
    assert f"{rows}:2: name contains the control character \\x1b; remove it" in result.stderr
    assert sorted(p.name for p in (root / "institutions").iterdir()) == [".gitkeep"]


# ---- 15: ICS -------------------------------------------------------------------------------


def _ics_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\n ", "").split("\n")


def test_12_15_ics_has_no_raw_control_characters(make_register, cli):
    root = _nasty_register(make_register)
    result = cli(root, "export", "--format", "ics", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert _raw_controls(result.stdout.replace("\r\n", "")) == []
    import icalendar

    event = icalendar.Calendar.from_ical(result.stdout).walk("VEVENT")[0]
    assert "Ośrodek \\x1b]52;c;ZXZpbA==\\x07" in str(event["SUMMARY"])
    assert "\nlines" not in str(event["DESCRIPTION"])  # notes are not in the event


def test_12_15_ics_dtstamp_is_the_real_utc_time(make_register, cli):
    root = make_register(files={"mops-mlawa": MLAWA})
    before = datetime.now(UTC).replace(microsecond=0)
    result = cli(root, "export", "--format", "ics", "--as-of", AS_OF)
    after = datetime.now(UTC)
    stamps = [line[8:] for line in _ics_lines(result.stdout) if line.startswith("DTSTAMP:")]
    assert stamps
    for stamp in stamps:
        when = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        assert before <= when <= after


def test_12_15_ics_duplicate_award_starts_get_distinct_uids(make_register, cli):
    twin = MLAWA.replace('id = "mops-mlawa"', 'id = "mops-mlawa"')
    overlapping = twin + "\n[[awards]]\nvalid_from = 2022-03-29\nvalid_until = 2023-03-28\n"
    root = make_register(files={"mops-mlawa": overlapping})
    result = cli(root, "export", "--format", "ics")
    assert result.exit_code == 0, result.output
    uids = [line for line in _ics_lines(result.stdout) if line.startswith("UID:")]
    assert len(uids) == 2
    assert len(set(uids)) == 2, uids
    assert "UID:mops-mlawa-20220329@calcert" in uids  # the first keeps its stable UID


# ---- 14: W005 grouping -----------------------------------------------------------------------


def test_12_14_w005_lookalikes_output_is_linear(make_register, cli):
    n = 600
    files = {
        f"mops-{i}": _institution(f"mops-{i}", "Miejski Ośrodek Pomocy Społecznej")
        for i in range(n)
    }
    root = make_register(files=files)
    result = cli(root, "validate", "--select", "W005")
    lines = result.stdout.splitlines()
    assert sum(" W005 " in line for line in lines) == n
    assert max(len(line) for line in lines) < 400, max(lines, key=len)[:300]
    assert "and 596 others" in result.stdout


# ---- 11: comments ----------------------------------------------------------------------------

COMMENTED = (
    MLAWA.replace('city = "Mława"\n', 'city = "Mława"  # confirmed by phone, 2022-04\n')
    + "# the 2018 certificate is in the archive box\n"
)


@pytest.mark.parametrize(
    "args",
    [
        ("add", "mops-mlawa", "--from", "2026-03-29"),
        ("withdraw", "mops-mlawa", "--on", "2024-01-01"),
    ],
    ids=["add", "withdraw"],
)
def test_12_11_add_and_withdraw_do_not_silently_drop_comments(make_register, cli, args):
    root = make_register(files={"mops-mlawa": COMMENTED})
    path = root / "institutions" / "mops-mlawa.toml"
    before = path.read_bytes()
    result = cli(root, *args)
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        "calcert: refused, nothing written: institutions/mops-mlawa.toml:4: has # comments, "
        f"which {args[0]} would drop; move them into an award's notes, or drop them with "
        "`calcert fmt`, then run the command again\n"
    ).replace("institutions/", f"{root}/institutions/")
    assert path.read_bytes() == before


def test_12_11_a_hash_inside_a_string_is_not_a_comment(make_register, cli):
    text = MLAWA.replace('awarded_by = "Grażyna Gnatowska"', 'awarded_by = "Gala #3"')
    text = text.replace('city = "Mława"\n', 'city = "Mława"\n')
    text += "notes = '''a # b\n# c'''\n"
    root = make_register(files={"mops-mlawa": text})
    result = cli(root, "add", "mops-mlawa", "--from", "2026-03-29")
    assert result.exit_code == 0, result.output


def test_12_11_import_does_not_silently_drop_comments(make_register, cli, tmp_path):
    root = make_register(files={"mops-mlawa": COMMENTED})
    path = root / "institutions" / "mops-mlawa.toml"
    before = path.read_bytes()
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "id,name,city,valid_from,valid_until\n"
        "mops-mlawa,Miejski Ośrodek Pomocy Społecznej w Mławie,Mława,2026-03-29,2031-03-28\n",
        encoding="utf-8",
    )
    result = cli(root, "import", str(rows))
    assert result.exit_code == 1, result.output
    assert f"mops-mlawa is in {path}, which has # comments (line 4)" in result.stderr
    assert path.read_bytes() == before


@settings(deadline=None)  # CLI runs: a loaded CI machine must not fail them
@given(st.text())
def test_12_11_text_in_strings_is_never_a_comment(text):
    from calcert.register.comments import first_comment_line

    literal = tomli_w.dumps({"notes": text, "name": text})
    assert first_comment_line(literal) is None
    assert first_comment_line(literal + "x = 1  # " + text + "\n") == literal.count("\n") + 1
    multi = f'a = """{text.replace(chr(92), "").replace(chr(34), "")}"""\n# c\n'
    assert first_comment_line(multi) == multi.count("\n")


# ---- 3: prompts ------------------------------------------------------------------------------


def _answer_on_a_terminal(args: list[str], answers: list[str], env: dict[str, str]) -> str:
    """Run calcert on a pseudo-terminal, typing each answer when a prompt (``…:``) shows."""
    import pty
    import subprocess
    import sys
    import time

    main_fd, child_fd = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, *args],
        stdin=child_fd,
        stdout=child_fd,
        stderr=child_fd,
        env={**os.environ, "NO_COLOR": "1", **env},
        close_fds=True,
    )
    os.close(child_fd)
    output, pending = b"", list(answers)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            chunk = os.read(main_fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        if pending and output.rstrip().endswith(b":"):
            os.write(main_fd, (pending.pop(0) + "\r").encode())
    proc.wait(timeout=30)
    os.close(main_fd)
    return output.decode("utf-8", "replace")


NO_READLINE = (
    "import sys; sys.modules['readline'] = None; from calcert.cli.app import main; main()"
)


@pytest.mark.slow  # real processes on a pseudo-terminal
@pytest.mark.parametrize(
    "python", [["-m", "calcert"], ["-c", NO_READLINE]], ids=["readline", "bare"]
)
def test_12_3_prompts_do_not_store_arrow_key_escapes(make_register, python):
    root = make_register()
    output = _answer_on_a_terminal(
        [*python, "--registry", str(root), "add", "gops-x", "--from", "2020-01-01"],
        ["Gminny Ośrodek X\x1b[D\x1b[DY", "Gminny Ośrodek XY", "X", "X"],
        {},
    )
    assert (root / "institutions" / "gops-x.toml").exists(), output
    text = (root / "institutions" / "gops-x.toml").read_text(encoding="utf-8")
    assert "\x1b" not in text and "\\u001b" not in text, output
    assert 'name = "Gminny Ośrodek' in text


# ---- 10: stray and duplicate files -----------------------------------------------------------


def _misfiled_register(make_register, with_twin: bool):
    files = {"mops-radom": MLAWA}  # a copy of Mława's file saved under Radom's name
    if with_twin:
        files["mops-mlawa"] = MLAWA
    return make_register(files=files)


@pytest.mark.parametrize("with_twin", [True, False], ids=["duplicate-id", "id-not-name"])
@pytest.mark.parametrize(
    "args",
    [
        ("list", "--status", "all"),
        ("list", "--status", "all", "--format", "json"),
        ("expiring", "--within", "10y"),
        ("export", "--format", "csv"),
        ("stats", "--format", "json"),
    ],
    ids=["list", "list-json", "expiring", "export", "stats"],
)
def test_12_10_reading_commands_name_both_files_of_a_duplicate_id(
    make_register, cli, args, with_twin
):
    root = _misfiled_register(make_register, with_twin)
    result = cli(root, *args, "--as-of", "2024-01-01")
    assert result.exit_code == 2, result.output
    folder = root / "institutions"
    if with_twin:
        assert result.stderr == (
            f"calcert: {folder}/mops-radom.toml: declares id 'mops-mlawa', which "
            f"{folder}/mops-mlawa.toml declares too (file skipped; see `calcert validate`)\n"
        )
        assert result.stdout.count("mops-mlawa") == (0 if args[0] == "stats" else 1)
    else:
        assert result.stderr == (
            f"calcert: {folder}/mops-radom.toml: declares id 'mops-mlawa', not 'mops-radom' "
            "as its name says (file skipped; see `calcert validate`)\n"
        )
        assert "mops-mlawa" not in result.stdout


def test_12_10_show_does_not_lose_or_mislabel_a_misfiled_institution(make_register, cli):
    root = _misfiled_register(make_register, with_twin=False)
    folder = root / "institutions"
    by_id = cli(root, "show", "mops-mlawa")
    assert by_id.exit_code == 2
    assert by_id.stderr == (
        f"calcert: error: {folder}/mops-radom.toml declares id 'mops-mlawa' but is not named "
        "mops-mlawa.toml; rename the file or fix its id (`calcert validate`)\n"
    )
    by_name = cli(root, "show", "mops-radom")
    assert by_name.exit_code == 2
    assert by_name.stderr == (
        f"calcert: error: {folder}/mops-radom.toml: declares id 'mops-mlawa', not 'mops-radom' "
        "as its name says; fix the file (`calcert validate`)\n"
    )
    assert by_name.stdout == ""


@pytest.mark.parametrize("name", ["mops-mlawa.TOML", "mops-mlawa.toml ", "mops-mlawa.Toml"])
def test_12_10_stray_files_get_a_finding_naming_them(make_register, cli, name):
    root = make_register()
    (root / "institutions" / name).write_text(MLAWA, encoding="utf-8")
    folder = root / "institutions"
    result = cli(root, "validate")
    assert result.exit_code == 1
    assert result.stdout.startswith(
        f"{folder}/{name}:1: error E001 not read: an institution file's name ends in .toml "
        "(lower case, nothing after it); rename it to mops-mlawa.toml\n"
    )
    listed = cli(root, "list", "--status", "all")
    assert listed.exit_code == 2
    assert f"calcert: {folder}/{name}:1: not read: " in listed.stderr


def test_12_10_hidden_and_other_files_stay_quiet(make_register, cli):
    root = make_register(files={"mops-mlawa": MLAWA})
    for name in (".mops-mlawa.toml.x1.tmp", "README.md", "mops-mlawa.toml~", ".x.TOML"):
        (root / "institutions" / name).write_text("x", encoding="utf-8")
    assert cli(root, "validate").exit_code == 0


def test_12_10_a_symlinked_institutions_folder_leading_outside_is_named(
    make_register, cli, tmp_path
):
    root = make_register()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "mops-mlawa.toml").write_text(MLAWA, encoding="utf-8")
    (root / "institutions" / ".gitkeep").unlink()
    (root / "institutions").rmdir()
    (root / "institutions").symlink_to(elsewhere)
    result = cli(root, "validate")
    assert result.exit_code == 1
    assert result.stdout.startswith(
        f"{root}/institutions: error E001 symlink to {elsewhere}, outside the register; no "
        "file is read through it: make institutions a folder of the register\n"
    )
    listed = cli(root, "list", "--status", "all")
    assert listed.exit_code == 2 and "mops-mlawa" not in listed.stdout


def test_12_10_nothing_is_written_through_a_symlinked_institutions_folder(
    make_register, cli, tmp_path
):
    root = make_register()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "institutions" / ".gitkeep").unlink()
    (root / "institutions").rmdir()
    (root / "institutions").symlink_to(elsewhere)
    rows = tmp_path / "rows.csv"
    rows.write_text("id,name,city,valid_from,valid_until\nmops-x,X,Y,2022-01-01,2024-12-31\n")
    for args in (
        ("add", "mops-x", "--name", "X", "--city", "Y", "--from", "2022-01-01"),
        ("import", str(rows)),
    ):
        result = cli(root, *args)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"calcert: error: {root}/institutions: symlink to ")
    assert list(elsewhere.iterdir()) == []


# ---- 12: git realities -----------------------------------------------------------------------

CONFLICTED = MLAWA.replace(
    'city = "Mława"\n',
    '<<<<<<< HEAD\ncity = "Mława"\n=======\ncity = "Mlawa"\n>>>>>>> feature\n',
)


def test_12_12_conflict_markers_get_their_own_message(make_register, cli):
    root = make_register(files={"mops-mlawa": CONFLICTED})
    shown = f"{root}/institutions/mops-mlawa.toml"
    message = (
        "unresolved git merge conflict at line 4; keep the lines you want and delete the "
        "<<<<<<<, ======= and >>>>>>> lines"
    )
    result = cli(root, "validate")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{shown}:4: error E002 {message}\n")
    listed = cli(root, "list")
    assert listed.exit_code == 2
    assert listed.stderr == (
        f"calcert: {shown}:4: {message} (file skipped; see `calcert validate`)\n"
    )


def test_12_12_conflict_markers_in_calcert_toml(make_register, cli):
    root = make_register(config='name = "Rejestr"\n<<<<<<< HEAD\n[validate]\n=======\n>>>>>>> x\n')
    result = cli(root, "list")
    assert result.exit_code == 2
    assert result.stderr == (
        f"calcert: error: {root}/calcert.toml:2: unresolved git merge conflict at line 2; "
        "keep the lines you want and delete the <<<<<<<, ======= and >>>>>>> lines\n"
    )


@settings(deadline=None)  # CLI runs: a loaded CI machine must not fail them
@given(st.text())
def test_12_12_conflict_marker_units(text):
    from calcert.model.text import conflict_marker_line

    assert conflict_marker_line("a = 1\n=======\n") == 2
    assert conflict_marker_line("x\n>>>>>>> b\n<<<<<<< a\n") == 3
    assert conflict_marker_line("a = '<<<<<<< not at the start'\n") is None
    clean = text.replace("<<<<<<<", "").replace("=======", "").replace(">>>>>>>", "")
    clean = clean.replace("|||||||", "")
    assert conflict_marker_line(clean) is None


# ---- fuzz: -o targets and CSV cells -----------------------------------------------------------


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".calcert" not in p.name
    }


TARGET_PARTS = ["registry", "institutions", "calcert.toml", "mops-mlawa.toml", "..", ".",
                "out.csv", "dir", "link", "-", "", "x y", "nope"]  # fmt: skip


@pytest.mark.slow  # fuzz
@settings(deadline=None)  # CLI runs: a loaded CI machine must not fail them
@given(
    parts=st.lists(st.sampled_from(TARGET_PARTS), min_size=1, max_size=4),
    fmt=st.sampled_from(["csv", "json", "md", "ics", "html"]),
)
def test_12_2_fuzz_export_targets_never_touch_the_register(tmp_path_factory, parts, fmt):
    from typer.testing import CliRunner

    from calcert.cli.app import app

    base = tmp_path_factory.mktemp("targets")
    root = empty_register(base / "registry")
    (root / "institutions" / "mops-mlawa.toml").write_text(MLAWA, encoding="utf-8")
    (base / "dir").mkdir()
    (base / "link").symlink_to(root / "calcert.toml")
    before = _tree(root)
    target = parts[0] if parts == ["-"] else str(base.joinpath(*parts))
    # ".." must not lead out of the sandbox (a calcert.toml above it would be a register).
    assume(target == "-" or base in Path(os.path.abspath(target)).parents)
    result = CliRunner().invoke(app, ["--registry", str(root), "export", "--format", fmt,
                                      "-o", target])  # fmt: skip
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output and len(result.stderr.splitlines()) <= 1
    assert _tree(root) == before


CELL_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=10)


@pytest.mark.slow  # fuzz
@settings(deadline=None)  # CLI runs: a loaded CI machine must not fail them
@given(name=CELL_TEXT, notes=CELL_TEXT, by=CELL_TEXT)
def test_12_4_fuzz_csv_cells_survive_export_import_export(tmp_path_factory, name, notes, by):
    from typer.testing import CliRunner

    from calcert.cli.app import app
    from calcert.model.records import Award, Institution
    from calcert.register.tomlfile import dumps

    name, notes, by = name.strip() or "x", notes.strip() or "x", by.strip() or "x"
    base = tmp_path_factory.mktemp("cells")
    root, fresh = empty_register(base / "a"), empty_register(base / "b")
    award = Award(datetime(2022, 1, 1).date(), datetime(2024, 12, 31).date(), awarded_by=by,
                  notes=notes)  # fmt: skip
    inst = Institution(id="mops-x", name=name, city="=city", awards=(award,))
    (root / "institutions" / "mops-x.toml").write_text(dumps(inst), encoding="utf-8")
    runner = CliRunner()
    first = runner.invoke(app, ["--registry", str(root), "export"]).stdout
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in _cells(first))
    (base / "out.csv").write_text(first, encoding="utf-8")
    imported = runner.invoke(app, ["--registry", str(fresh), "import", str(base / "out.csv")])
    if imported.exit_code == 0:  # a value import refuses (a control character) is no loss
        assert runner.invoke(app, ["--registry", str(fresh), "export"]).stdout == first


# ---- 9: one truth for values -------------------------------------------------------------------
#
# `validate` and the shipped JSON Schema must accept and refuse the same values. Editors run
# the schema's patterns as ECMA-262 regular expressions (``$`` is the very end, ``\d`` is
# 0-9), so the schema is checked here with an ECMA engine (regress, as check-jsonschema
# uses) rather than Python's ``re``. Left out, as the schema cannot know them: quoted dates
# (E005), the file name (E007), other files (E008, E014) and date order (E011-E013); and
# term years in reverse order, which only validate reads as numbers.

CROSS_FILE_OR_DATES = {"E005", "E007", "E008", "E011", "E012", "E013", "E014"}
TEXT_KEYS = ("name", "city", "kind", "awarded_by", "event", "certificate_no", "notes")
CORPUS: dict[str, list[str]] = {
    **{key: ["Ośrodek", "", " ", "a\n", "a\nb", "a\tb", *CONTROLS] for key in TEXT_KEYS},
    "term": [
        "2014-2017",
        "2014–2017",
        "2014-2017\n",
        "٢٠١٤-٢٠١٧",
        "２０１４-２０１７",
        "2014-2017 ",
        "14-17",
        "2014-2017\x1b",
    ],
    "source": [
        "https://x.pl",
        "http://x.pl/a?b=1",
        "https://x.pl\n",
        "https://x.pl/ a",
        "ftp://x.pl",
        "https://",
        "https://x.pl\x1b",
        "https://x.pl\u202e",
    ],
    "website": ["https://x.pl", "https://x.pl\n", "mailto:x@x.pl", "https://x.pl\x9b"],
    "id": ["mops-x", "mops-x\n", "Mops-x", "mops--x", "mops-٣", "-x", "x" * 65],
    "parent": ["case-0", "case-0\n", "case 0", "case-٣"],
    "voivodeship": ["mazowieckie", "mazowieckie\n", "Mazowieckie", "mazowieckie\x1b"],
}
AWARD_TEXT = {"term", "source", *TEXT_KEYS[3:]}


def _case_file(number: int, key: str, value: str) -> str:
    top = {"id": f"case-{number}", "name": "Ośrodek", "city": "Mława"}
    award: dict[str, object] = {
        "valid_from": datetime(2022, 3, 29).date(),
        "valid_until": datetime(2025, 3, 28).date(),
    }
    (award if key in AWARD_TEXT else top)[key] = value
    return tomli_w.dumps(top) + "\n[[awards]]\n" + tomli_w.dumps(award)


def _ecma_validator():
    import jsonschema
    import regress

    from calcert.outputs import schema

    def pattern(validator, patrn, instance, _schema):
        if validator.is_type(instance, "string") and regress.Regex(patrn).find(instance) is None:
            yield jsonschema.ValidationError(f"{instance!r} does not match {patrn!r}")

    ecma = jsonschema.validators.extend(jsonschema.Draft7Validator, {"pattern": pattern})
    return ecma(schema.generate(), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def _disagreements(make_register, cli, cases: list[tuple[str, str]]) -> list[str]:
    import json
    import tomllib

    files = {f"case-{n}": _case_file(n, key, value) for n, (key, value) in enumerate(cases)}
    root = make_register(files=files)
    result = cli(root, "validate", "--format", "json")
    assert result.exit_code in (0, 1), result.output
    refused = {
        Path(f["path"]).stem
        for f in json.loads(result.stdout)
        if f["severity"] == "error" and f["code"] not in CROSS_FILE_OR_DATES
    }
    validator = _ecma_validator()
    out = []
    for n, (key, value) in enumerate(cases):
        data = json.loads(json.dumps(tomllib.loads(files[f"case-{n}"]), default=str))
        schema_refuses = any(True for _error in validator.iter_errors(data))
        if schema_refuses != (f"case-{n}" in refused):
            who = "schema" if schema_refuses else "validate"
            out.append(f"{key} = {value!r}: only {who} refuses it")
    return out


def test_12_9_validate_and_the_schema_agree_on_a_corpus(make_register, cli):
    cases = [(key, value) for key, values in CORPUS.items() for value in values]
    assert _disagreements(make_register, cli, cases) == []


@pytest.mark.slow  # fuzz
@settings(deadline=None)  # CLI runs: a loaded CI machine must not fail them
@given(key=st.sampled_from(sorted(CORPUS)), value=st.text(max_size=12))
def test_12_9_validate_and_the_schema_agree_on_any_text(tmp_path_factory, key, value):
    from typer.testing import CliRunner

    from calcert.cli.app import app

    root = tmp_path_factory.mktemp("agree") / "registry"
    empty_register(root)

    def cli(root, *args):
        return CliRunner().invoke(app, ["--registry", str(root), *args])

    def make_register(files):
        for stem, text in files.items():
            (root / "institutions" / f"{stem}.toml").write_text(text, encoding="utf-8")
        return root

    if key == "term" and re.fullmatch(r"[0-9]{4}[-–][0-9]{4}", value):
        return  # years in reverse order: only validate reads them as numbers
    assert _disagreements(make_register, cli, [(key, value)]) == []


def test_12_9_add_with_a_trailing_newline_in_the_id_creates_no_file(make_register, cli):
    root = make_register()
    result = cli(root, "add", "abc\n", "--name", "X", "--city", "Y", "--from", "2022-01-01")
    assert result.exit_code == 2
    assert result.stderr.startswith("calcert: error: id 'abc\\n' is not valid: ")
    assert sorted(p.name for p in (root / "institutions").iterdir()) == [".gitkeep"]


@pytest.mark.parametrize(
    "text", ["٢٩.٠٣.٢٠٢٢", "29.03.2022\n", "２０２２-０３-２９", "2022-03-29\n"]
)
def test_12_9_import_dates_are_ascii_digits_only(text):
    from calcert.ops.importer import parse_cell_date

    assert parse_cell_date(text) is None
    assert parse_cell_date("29.03.2022") == parse_cell_date("2022-03-29") is not None
