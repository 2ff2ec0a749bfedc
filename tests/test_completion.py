"""Shell completion (bash, zsh, fish, PowerShell): commands, options, option values and
institution ids, read from the register as the user's command line names it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from calcert.cli.app import app
from conftest import MLAWA, RADOM


def complete(shell: str, words: str, cwd: Path | None = None, **env: str) -> list[str]:
    """What ``calcert`` offers for the last word of ``words`` in ``shell``."""
    if shell == "bash":
        parts = words.split(" ")
        env |= {"COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1)}
    elif shell == "powershell":
        env |= {"_TYPER_COMPLETE_ARGS": words, "_TYPER_COMPLETE_WORD_TO_COMPLETE": ""}
        last = words.split(" ")[-1]
        env["_TYPER_COMPLETE_WORD_TO_COMPLETE"] = last
    else:
        env["_TYPER_COMPLETE_ARGS"] = words
        env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    env["_CALCERT_COMPLETE"] = f"complete_{shell}"
    result = CliRunner().invoke(app, [], env=env, prog_name="calcert")
    assert result.exit_code == 0, result.output
    return result.stdout.split()


@pytest.fixture
def reg(make_register) -> Path:
    return make_register(files={"mops-mlawa": MLAWA, "mops-radom": RADOM})


def test_commands_and_options(reg) -> None:
    assert complete("bash", "calcert ex") == ["expiring", "export"]
    assert complete("bash", "calcert list --st") == ["--status"]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (
            "calcert list --status ",
            ["active", "expired", "withdrawn", "pending", "current", "all"],
        ),
        ("calcert list --format ", ["table", "json", "csv"]),
        ("calcert validate --format ", ["text", "json", "github"]),
        ("calcert export --status cu", ["current"]),
    ],
)
def test_option_values(reg, words, expected) -> None:
    assert complete("bash", words) == expected


@pytest.mark.parametrize("command", ["show", "withdraw", "add"])
def test_ids_from_the_register_named_on_the_command_line(reg, command) -> None:
    assert complete("bash", f"calcert --registry {reg} {command} mops-") == [
        "mops-mlawa",
        "mops-radom",
    ]
    assert complete("bash", f"calcert --registry {reg} {command} mops-r") == ["mops-radom"]


def test_ids_from_the_environment(reg) -> None:
    assert complete("bash", "calcert show mops-m", CALCERT_REGISTRY=str(reg)) == ["mops-mlawa"]


@pytest.mark.parametrize("shell", ["zsh", "fish", "powershell"])
def test_other_shells_complete_ids(reg, shell) -> None:
    offered = complete(shell, f"calcert --registry {reg} show mops-r")
    assert any("mops-radom" in item for item in offered), offered


def test_no_register_completes_nothing_and_prints_no_error(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert complete("bash", "calcert show m") == []
    assert complete("bash", "calcert --registry nowhere show m") == []


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "pwsh"])
def test_show_completion_prints_the_script_for_the_shell_in_use(shell, monkeypatch) -> None:
    import typer.completion

    monkeypatch.setattr(typer.completion, "_get_shell_name", lambda: shell)
    result = CliRunner().invoke(app, ["--show-completion"], prog_name="calcert")
    assert result.exit_code == 0, result.output
    assert "_CALCERT_COMPLETE" in result.stdout
