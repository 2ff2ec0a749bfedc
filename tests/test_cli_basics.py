"""Entry points, help, version, prompts on a terminal, and the bug exit code."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer import _click as click
from typer.main import get_command

from calcert import __version__
from calcert.cli.app import app


def test_version(cli) -> None:
    result = cli(None, "--version")
    assert result.exit_code == 0
    assert result.stdout == f"calcert {__version__}\n"


@pytest.mark.slow  # a real process
def test_python_dash_m(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "calcert", "--version"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0
    assert proc.stdout == f"calcert {__version__}\n"


def test_every_command_and_option_has_help() -> None:
    group = get_command(app)
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # type: ignore[attr-defined]
        command = group.get_command(ctx, name)  # type: ignore[attr-defined]
        assert command.help, name
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"{name} {param.name}"


def test_unknown_option_is_one_line(cli) -> None:
    result = cli(None, "list", "--colour")
    assert result.exit_code == 2
    assert (
        result.stderr == "calcert: error: No such option: --colour (see `calcert list --help`)\n"
    )


def test_a_bug_is_one_line_with_the_version_and_exit_3(make_register, cli, monkeypatch) -> None:
    root = make_register()

    def boom(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("calcert.ops.queries.list_rows", boom)
    result = cli(root, "list")
    assert result.exit_code == 3
    assert result.stderr.startswith(f"calcert {__version__}: internal error, a bug in calcert")
    assert "ZeroDivisionError: division by zero" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    debug = cli(root, "--debug", "list")
    assert debug.exit_code == 3
    assert "Traceback (most recent call last)" in debug.stderr


def _run_on_a_terminal(args: list[str], answers: list[str], cwd: Path) -> tuple[int, str]:
    """Run calcert with stdin/stdout on a pseudo-terminal, answering its prompts."""
    main_fd, child_fd = pty.openpty()
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "calcert", *args],
        stdin=child_fd,
        stdout=child_fd,
        stderr=child_fd,
        cwd=cwd,
        env=env,
        close_fds=True,
    )
    os.close(child_fd)
    output = b""
    pending = list(answers)
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
            os.write(main_fd, (pending.pop(0) + "\n").encode())
    proc.wait(timeout=30)
    os.close(main_fd)
    return proc.returncode, output.decode("utf-8", "replace")


@pytest.mark.slow  # a real process on a pseudo-terminal
@pytest.mark.skipif(not hasattr(pty, "openpty"), reason="needs a pseudo-terminal")
def test_missing_name_and_city_are_prompted_for_on_a_terminal(make_register) -> None:
    root = make_register()
    code, output = _run_on_a_terminal(
        ["--registry", str(root), "add", "gops-x", "--from", "2020-01-01"],
        ["Gminny Ośrodek Pomocy Społecznej w X", "X"],
        root,
    )
    assert code == 0, output
    assert "Name of the institution:" in output
    text = (root / "institutions" / "gops-x.toml").read_text(encoding="utf-8")
    assert 'name = "Gminny Ośrodek Pomocy Społecznej w X"\ncity = "X"\n' in text


def test_calcert_alone_prints_the_help(cli) -> None:
    result = cli(None)
    assert result.exit_code == 2
    assert result.stderr.startswith("Usage: calcert [OPTIONS] COMMAND [ARGS]...\n")
    assert "\\n" not in result.stderr
    assert "  expiring" in result.stderr


def test_a_missing_argument_is_named_as_in_the_usage(cli, make_register) -> None:
    result = cli(make_register(), "show")
    assert result.exit_code == 2
    assert result.stderr.startswith("calcert: error: Missing argument ID")
