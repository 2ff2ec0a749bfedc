"""The pre-commit hooks, for real: a register repository refuses a broken commit.

The hook repository is a git copy of this checkout's working tree (pre-commit clones hook
repositories, so the hook file must be committed somewhere). pre-commit builds the hook's
virtualenv once per session under a shared PRE_COMMIT_HOME with `pip install .` of that
copy: a local path, built by hatchling and babel. pip does that without the package index:
PIP_NO_INDEX and PIP_FIND_LINKS, which pre-commit's pip inherits, confine it to a wheelhouse
of calcert's dependencies and build backend (tests/wheelhouse.py), the same way docs/ci.md
tells an offline register repository to do it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from wheelhouse import offline_pip_env

pytestmark = pytest.mark.slow  # pre-commit installs hooks and commits in a throw-away repository

pytest.importorskip("pre_commit")

BROKEN = """\
id = "mops-mlawa"
name = "Miejski Ośrodek Pomocy Społecznej w Mławie"
city = "Mława"

[[awards]]
valid_from = 2017-05-19
valid_until = 2022-05-18

[[awards]]
valid_from = 2022-03-29
valid_until = 2026-03-28
"""

GOOD = BROKEN.replace("2022-05-18", "2022-03-28")

# Valid, but kind belongs before city: only the fmt hook objects.
UNSORTED = """\
id = "mops-radom"
name = "Miejski Ośrodek Pomocy Społecznej w Radomiu"
city = "Radom"
kind = "MOPS"

[[awards]]
valid_from = 2014-05-19
valid_until = 2017-05-18
"""


def _git_env(home: Path, wheelhouse: Path) -> dict[str, str]:
    env = {
        **offline_pip_env(wheelhouse),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.org",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.org",
        "PRE_COMMIT_HOME": str(home),
        "NO_COLOR": "1",
    }
    env.pop("CALCERT_REGISTRY", None)
    # The hooks call pre-commit and calcert from this interpreter's environment.
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.fixture(scope="session")
def hook_repo(
    tmp_path_factory: pytest.TempPathFactory, source_copy: Path, wheelhouse: Path
) -> tuple[Path, str, Path]:
    """A committed copy of this checkout's working tree: (path, commit, PRE_COMMIT_HOME)."""
    home = tmp_path_factory.mktemp("pre-commit-home")
    env = _git_env(home, wheelhouse)
    copy = tmp_path_factory.mktemp("calcert-hooks") / "calcert"
    shutil.copytree(source_copy, copy)
    for args in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "hooks"]):
        done = _run(args, copy, env)
        assert done.returncode == 0, done.stderr
    sha = _run(["git", "rev-parse", "HEAD"], copy, env).stdout.strip()
    return copy, sha, home


def test_hook_file_declares_both_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["calcert-validate"]["entry"] == "calcert validate"
    assert hooks["calcert-validate"]["pass_filenames"] is True
    assert hooks["calcert-fmt"]["entry"] == "calcert fmt --check"
    assert hooks["calcert-fmt"]["pass_filenames"] is False
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["files"] == r"^registry/institutions/.*\.toml$"


def test_commit_refused_then_accepted(hook_repo, wheelhouse: Path, tmp_path: Path) -> None:
    copy, sha, home = hook_repo
    env = _git_env(home, wheelhouse)
    repo = tmp_path / "register-repo"
    repo.mkdir()
    python = [sys.executable]

    def ok(args: list[str]) -> subprocess.CompletedProcess[str]:
        done = _run(args, repo, env)
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    ok(["git", "init", "-q"])
    ok([*python, "-m", "calcert", "init"])
    # The documented config, pointed at the local copy of this checkout.
    config = yaml.safe_load((REPO / "docs" / "pre-commit-config.yaml").read_text())
    config["repos"][0].update(repo=str(copy), rev=sha)
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    ok([*python, "-m", "pre_commit", "install"])
    ok(["git", "add", "-A"])
    ok(["git", "commit", "-qm", "empty register"])  # no register files: hooks skipped

    institutions = repo / "registry" / "institutions"
    (institutions / "mops-mlawa.toml").write_text(BROKEN, encoding="utf-8")
    ok(["git", "add", "-A"])
    refused = _run(["git", "commit", "-qm", "broken"], repo, env)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert (
        "registry/institutions/mops-mlawa.toml:5: error E012 award 2017-05-19..2022-05-18 "
        "overlaps award 2022-03-29..2026-03-28 by 51 days" in refused.stdout + refused.stderr
    )
    assert ok(["git", "rev-list", "--count", "HEAD"]).stdout.strip() == "1"

    (institutions / "mops-mlawa.toml").write_text(GOOD, encoding="utf-8")
    ok(["git", "add", "-A"])
    ok(["git", "commit", "-qm", "mops-mlawa"])
    assert ok(["git", "rev-list", "--count", "HEAD"]).stdout.strip() == "2"

    # Not canonical: validate passes (a warning), fmt --check refuses; `calcert fmt` fixes.
    (institutions / "mops-radom.toml").write_text(UNSORTED, encoding="utf-8")
    ok(["git", "add", "-A"])
    refused = _run(["git", "commit", "-qm", "unsorted"], repo, env)
    assert refused.returncode == 1
    output = refused.stdout + refused.stderr
    assert "would reformat registry/institutions/mops-radom.toml" in output
    assert (
        "calcert validate.........................................................Passed" in output
    )
    ok([*python, "-m", "calcert", "fmt"])
    ok(["git", "add", "-A"])
    ok(["git", "commit", "-qm", "mops-radom"])
    assert ok(["git", "rev-list", "--count", "HEAD"]).stdout.strip() == "3"
