"""Options of calcert itself work where users type them: before or after the command."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from calcert.cli.app import app
from conftest import MLAWA, RADOM


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def reg(make_register):
    return make_register(files={"mops-mlawa": MLAWA, "mops-radom": RADOM})


@pytest.mark.parametrize(
    "args",
    [
        ("--registry", "{reg}", "list", "--status", "all"),
        ("list", "--registry", "{reg}", "--status", "all"),
        ("list", "--status", "all", "--registry", "{reg}"),
        ("list", "--status", "all", "--registry={reg}"),
    ],
)
def test_registry_before_or_after_the_command(reg, args):
    result = run(*(a.format(reg=reg) for a in args))
    assert result.exit_code == 0, result.stderr
    assert "mops-mlawa" in result.stdout and "mops-radom" in result.stdout


def test_lang_and_debug_after_the_command(reg):
    result = run(
        "expiring",
        "--within",
        "6m",
        "--as-of",
        "2025-12-01",
        "--lang",
        "pl",
        "--registry",
        str(reg),
        "--debug",
    )
    assert result.exit_code == 0, result.stderr
    assert "miejscowość" in result.stdout


def test_an_option_value_that_looks_global_stays_a_value(reg):
    result = run(
        "add",
        "mops-radom",
        "--from",
        "2019-01-01",
        "--notes",
        "--registry",
        "--dry-run",
        "--registry",
        str(reg),
    )
    assert result.exit_code == 0, result.stderr
    assert 'notes = "--registry"' in result.stdout


def test_nothing_is_moved_after_a_double_dash(reg):
    result = run("--registry", str(reg), "validate", "--", "--debug")
    assert result.exit_code == 2
    assert "--debug" in result.stderr
