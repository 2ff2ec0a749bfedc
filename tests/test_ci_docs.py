"""The CI documentation is true: the workflow and docs call commands and options that exist.

(What the console sessions of docs/ci.md print is checked with every other page's in
tests/test_doc_examples.py.)"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer.main
import yaml
from typer._click.core import Command, Context, Parameter  # typer 0.28 vendors click

from calcert.cli.app import app
from conftest import MLAWA, RADOM, REPO

DOCS = REPO / "docs"
WORKFLOW = DOCS / "workflows" / "calcert.yml"
OPERATORS = {";", "|", "||", "&&", ">", ">>", "<", "&", "2>", "2>&1"}


def invocations(script: str) -> list[list[str]]:
    """Every ``calcert …`` command in a shell script, as its argument list."""
    found = []
    for line in script.splitlines():
        line = line.strip()
        if line.startswith("$ "):
            line = line[2:]
        if not line or line.startswith("#"):
            continue
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";|&<>")
        lexer.whitespace_split = True
        segment: list[str] = []
        for token in [*lexer, ";"]:
            if token in OPERATORS or set(token) <= set(";|&<>"):
                if segment and segment[0] == "calcert":
                    found.append(segment[1:])
                segment = []
            elif segment or "=" not in token:  # skip leading VAR=value assignments
                segment.append(token)
    return found


def check_invocation(args: list[str]) -> None:
    """Fail unless ``calcert ARGS`` names an existing command with existing options."""
    group = typer.main.get_command(app)
    ctx = Context(group)

    def options(command: Command) -> dict[str, Parameter]:
        return {
            name: p
            for p in command.get_params(ctx)
            for name in (*p.opts, *p.secondary_opts)
            if name.startswith("-")
        }

    def consume(command: Command, rest: list[str], stop_at_command: bool) -> list[str]:
        known = options(command)
        while rest:
            token = rest[0]
            if not token.startswith("-"):
                if stop_at_command:
                    return rest
                rest = rest[1:]  # an argument
                continue
            name = token.split("=", 1)[0]
            assert name in known, f"calcert {' '.join(args)}: no option {name}"
            param = known[name]
            flag = getattr(param, "is_flag", False) or getattr(param, "count", False)
            takes_value = not flag and "=" not in token
            rest = rest[2:] if takes_value else rest[1:]
        return rest

    rest = consume(group, list(args), stop_at_command=True)
    if not rest and {"--version", "--help", "-h"} & set(args):
        return  # eager options: no command needed
    assert rest, f"calcert {' '.join(args)}: no command"
    command = group.get_command(ctx, rest[0])  # type: ignore[attr-defined]
    assert command is not None, f"calcert {' '.join(args)}: no command {rest[0]!r}"
    consume(command, rest[1:], stop_at_command=False)


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def workflow_scripts() -> list[str]:
    return [
        step["run"]
        for job in workflow()["jobs"].values()
        for step in job["steps"]
        if "run" in step
    ]


def doc_blocks(path: Path) -> list[str]:
    """Shell blocks (console/sh/bash) of a Markdown page: of a console block only its
    ``$`` commands, continuation lines joined."""
    text = path.read_text(encoding="utf-8")
    blocks = []
    for info, body in re.findall(r"```(console|sh|bash|shell)\n(.*?)```", text, flags=re.S):
        body = body.replace("\\\n", " ")
        if info == "console":
            body = "\n".join(line for line in body.splitlines() if line.startswith("$ "))
        blocks.append(body)
    return blocks


def test_checker_catches_mistakes() -> None:
    check_invocation(["--registry", "r", "validate", "--format", "github", "a.toml"])
    check_invocation(["--version"])
    for bad in (["valdiate"], ["validate", "--formt", "json"], ["--no-such", "list"], []):
        with pytest.raises(AssertionError):
            check_invocation(bad)
    assert invocations('x=1; calcert list --status all | head >> "$F"\nA=b calcert fmt') == [
        ["list", "--status", "all"],
        ["fmt"],
    ]


def test_workflow_parses_and_has_both_jobs() -> None:
    data = workflow()
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"pull_request", "schedule"} <= set(triggers)
    assert set(data["jobs"]) == {"validate", "expiring"}
    validate = "\n".join(s["run"] for s in data["jobs"]["validate"]["steps"] if "run" in s)
    expiring = "\n".join(s["run"] for s in data["jobs"]["expiring"]["steps"] if "run" in s)
    assert ["validate", "--format", "github"] in invocations(validate)
    assert ["fmt", "--check"] in invocations(validate)
    assert invocations(expiring) == [
        ["expiring", "--within", "6m", "--format", "md", "--exit-code"]
    ]
    assert '--exit-code >> "$GITHUB_STEP_SUMMARY"' in expiring


def test_workflow_calls_existing_commands_and_options() -> None:
    calls = [args for script in workflow_scripts() for args in invocations(script)]
    assert len(calls) == 3
    for args in calls:
        check_invocation(args)


def test_workflow_commands_run(make_register, cli, tmp_path, monkeypatch) -> None:
    """Run as the workflow runs them, in a register repository: never a usage error."""
    make_register(files={"mops-mlawa": MLAWA, "mops-radom": RADOM})
    monkeypatch.chdir(tmp_path)
    for args in (a for script in workflow_scripts() for a in invocations(script)):
        result = cli(None, *args)
        assert result.exit_code in (0, 1), (args, result.output)
        assert result.stderr == "", args


@pytest.mark.parametrize(
    "page", ["docs/ci.md", "docs/editors.md", "docs/reference.md", "README.md", "README.pl.md"]
)
def test_docs_call_existing_commands_and_options(page: str) -> None:
    calls = [args for block in doc_blocks(REPO / page) for args in invocations(block)]
    assert calls
    for args in calls:
        check_invocation(args)


def test_ci_page_shows_the_shipped_pre_commit_config() -> None:
    config = (DOCS / "pre-commit-config.yaml").read_text(encoding="utf-8")
    assert f"```yaml\n{config}```" in (DOCS / "ci.md").read_text(encoding="utf-8")
    hooks = {h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert {h["id"] for h in yaml.safe_load(config)["repos"][0]["hooks"]} == hooks
