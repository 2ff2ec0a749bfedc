#!/usr/bin/env python3
"""Run the ``run:`` steps of calcert's action.yml locally with bash, as a GitHub runner does.

    python scripts/run_action.py [-i NAME=VALUE]... [--workspace DIR] [--skip STEP]...

The workspace (default: the current directory) plays the register repository's checkout;
GITHUB_ACTION_PATH is this repository. Each run step gets what the runner gives it: its
``env:`` with ``${{ inputs.* }}`` and ``${{ github.* }}`` filled in, GITHUB_STEP_SUMMARY,
GITHUB_OUTPUT, GITHUB_ENV and GITHUB_PATH as files in a temporary folder (GITHUB_ENV and
GITHUB_PATH lines are applied to the steps after), and ``bash --noprofile --norc -eo
pipefail``. ``uses:`` steps (actions/setup-python) are not run: the python on PATH stands in
for them. Like on GitHub, the steps after a failing one are skipped. Prints each step's
output and then the job summary; exits with the failing step's status (0 when all passed).

Only the expressions action.yml needs are understood (``inputs.NAME``, ``github.action_path``,
``github.workspace``, and ``inputs.NAME == / != 'text'`` in ``if:``); anything else is an
error, so the action cannot grow something this runner would silently get wrong.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
CONDITION = re.compile(r"^inputs\.([\w-]+)\s*(==|!=)\s*'([^']*)'$")


@dataclass
class Step:
    name: str
    status: str  # "passed", "failed", "skipped"
    returncode: int | None = None
    stdout: str = ""
    stderr: str = ""


@dataclass
class Run:
    steps: list[Step] = field(default_factory=list)
    summary: str = ""

    @property
    def returncode(self) -> int:
        failed = [s.returncode for s in self.steps if s.status == "failed"]
        return (failed[0] or 1) if failed else 0

    @property
    def stdout(self) -> str:
        return "".join(s.stdout for s in self.steps)


def load(action_path: Path = REPO) -> dict:
    return yaml.safe_load((action_path / "action.yml").read_text(encoding="utf-8"))


def _value(expr: str, context: dict[str, str]) -> str:
    if expr not in context:
        raise ValueError(f"expression not supported by the local runner: ${{{{ {expr} }}}}")
    return context[expr]


def _render(text: str, context: dict[str, str]) -> str:
    return EXPRESSION.sub(lambda m: _value(m[1], context), str(text))


def _condition(expr: str, inputs: dict[str, str]) -> bool:
    expr = EXPRESSION.sub(lambda m: m[1], expr.strip())
    match = CONDITION.match(expr)
    if not match or match[1] not in inputs:
        raise ValueError(f"if: not supported by the local runner: {expr}")
    equal = inputs[match[1]] == match[3]
    return equal if match[2] == "==" else not equal


def _env_file(path: Path) -> dict[str, str]:
    """NAME=value lines and NAME<<DELIMITER blocks, as the runner reads GITHUB_ENV."""
    found: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    while lines:
        line = lines.pop(0)
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            while lines and (item := lines.pop(0)) != delimiter:
                value.append(item)
            found[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            found[name] = value
    return found


def run_action(
    inputs: dict[str, str] | None = None,
    workspace: Path | None = None,
    action_path: Path = REPO,
    env: dict[str, str] | None = None,
    skip: tuple[str, ...] = (),
) -> Run:
    """Run action.yml's run steps; ``env`` is the runner's environment (default os.environ)."""
    action = load(action_path)
    declared = action.get("inputs") or {}
    unknown = set(inputs or {}) - set(declared)
    if unknown:
        raise ValueError(f"action.yml has no input {', '.join(sorted(unknown))}")
    values = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    values.update(inputs or {})
    workspace = (workspace or Path.cwd()).resolve()
    context = {f"inputs.{name}": value for name, value in values.items()}
    context.update({"github.action_path": str(action_path), "github.workspace": str(workspace)})

    result = Run()
    with tempfile.TemporaryDirectory(prefix="calcert-action-") as temp:
        files = {
            name: Path(temp, name.lower())
            for name in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH")
        }
        for path in files.values():
            path.touch()
        runner_temp = Path(temp, "runner-temp")
        runner_temp.mkdir()
        base = dict(os.environ if env is None else env)
        base.update({name: str(path) for name, path in files.items()})
        base.update(
            CI="true",
            GITHUB_ACTIONS="true",
            GITHUB_WORKSPACE=str(workspace),
            GITHUB_ACTION_PATH=str(action_path),
            RUNNER_TEMP=str(runner_temp),
        )
        failed = False
        for index, spec in enumerate(action["runs"]["steps"], 1):
            name = _render(spec.get("name") or spec.get("uses") or f"step {index}", context)
            if "uses" in spec:
                result.steps.append(Step(name, "skipped", stdout=f"(uses: {spec['uses']})\n"))
                continue
            if failed or name in skip:
                result.steps.append(Step(name, "skipped"))
                continue
            if "if" in spec and not _condition(str(spec["if"]), values):
                result.steps.append(Step(name, "skipped", stdout=f"(if: {spec['if']})\n"))
                continue
            if spec.get("shell") != "bash":
                raise ValueError(f"{name}: the local runner runs shell: bash steps only")
            step_env = dict(base)
            step_env.update(_env_file(files["GITHUB_ENV"]))
            extra_path = files["GITHUB_PATH"].read_text(encoding="utf-8").split()
            step_env["PATH"] = os.pathsep.join([*reversed(extra_path), step_env["PATH"]])
            for key, value in (spec.get("env") or {}).items():
                step_env[key] = _render(value, context)
            script = Path(temp, f"step-{index}.sh")
            script.write_text(_render(spec["run"], context), encoding="utf-8")
            cwd = workspace / _render(spec.get("working-directory", "."), context)
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                cwd=cwd,
                env=step_env,
                capture_output=True,
                text=True,
                check=False,
            )
            failed = done.returncode != 0
            status = "failed" if failed else "passed"
            result.steps.append(Step(name, status, done.returncode, done.stdout, done.stderr))
        result.summary = files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-i", "--input", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--workspace", type=Path, default=None)
    parser.add_argument("--skip", action="append", default=[], metavar="STEP_NAME")
    args = parser.parse_args(argv)
    inputs = dict(item.split("=", 1) for item in args.input)
    run = run_action(inputs, args.workspace, skip=tuple(args.skip))
    sys.stdout.write(report(run))
    return run.returncode


def report(run: Run) -> str:
    """What main prints: each step's output under its name, then the job summary."""
    lines = []
    for step in run.steps:
        code = "" if step.returncode is None else f", exit {step.returncode}"
        lines.append(f"=== {step.name} ({step.status}{code})\n{step.stdout}{step.stderr}")
    lines.append(f"--- GITHUB_STEP_SUMMARY ---\n{run.summary}")
    outcome = "failed" if run.returncode else "succeeded"
    lines.append(f"--- job {outcome} (exit {run.returncode})\n")
    return "".join(lines)


if __name__ == "__main__":
    sys.exit(main())
