"""Shared fixtures: registers built in ``tmp_path`` and a CLI runner.

Tests write the TOML inline next to their assertions (``make_register(files={...})``) so
that what is checked is visible where it is checked.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from calcert.cli.app import app
from calcert.i18n import set_language
from calcert.register.config import init_register

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test may see the developer's register, locale or colour settings."""
    monkeypatch.delenv("CALCERT_REGISTRY", raising=False)
    monkeypatch.delenv("CALCERT_DEBUG", raising=False)
    for name in ("CALCERT_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("CALCERT_CACHE", raising=False)
    # The parse cache's key lives in the user's cache folder: a fresh one per test.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))
    monkeypatch.setenv("COLUMNS", "200")
    set_language("en")


MakeRegister = Callable[..., Path]


@pytest.fixture
def make_register(tmp_path: Path) -> MakeRegister:
    """``make_register(files={"mops-x": "<toml>"}, config=None) -> root``."""

    def make(
        files: dict[str, str] | None = None,
        config: str | None = None,
        root: Path | None = None,
    ) -> Path:
        root = root or tmp_path / "registry"
        init_register(root)
        if config is not None:
            (root / "calcert.toml").write_text(textwrap.dedent(config), encoding="utf-8")
        for stem, text in (files or {}).items():
            (root / "institutions" / f"{stem}.toml").write_text(
                textwrap.dedent(text), encoding="utf-8"
            )
        return root

    return make


@pytest.fixture
def cli() -> Callable[..., object]:
    """``cli(root, "list", "--status", "all")`` → click Result (stdout/stderr apart)."""
    runner = CliRunner()

    def invoke(root: Path | None, *args: str, input: str | None = None, env=None):
        argv = (["--registry", str(root)] if root is not None else []) + list(args)
        return runner.invoke(app, argv, input=input, env=env, catch_exceptions=False)

    return invoke


MLAWA = """\
id = "mops-mlawa"
name = "Miejski Ośrodek Pomocy Społecznej w Mławie"
kind = "MOPS"
city = "Mława"
voivodeship = "mazowieckie"

[[awards]]
awarded_on = 2022-03-29
valid_from = 2022-03-29
valid_until = 2026-03-28
term = "2022-2026"
awarded_by = "Grażyna Gnatowska"
"""

RADOM = """\
id = "mops-radom"
name = "Miejski Ośrodek Pomocy Społecznej w Radomiu"
kind = "MOPS"
city = "Radom"
voivodeship = "mazowieckie"

[[awards]]
awarded_on = 2014-05-19
valid_from = 2014-05-19
valid_until = 2017-05-18
term = "2014-2017"
awarded_by = "Paweł Jordan"
"""


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels of calcert's dependencies and build backend: installs need no package index
    (see tests/wheelhouse.py)."""
    from wheelhouse import make_wheelhouse

    return make_wheelhouse(tmp_path_factory.mktemp("wheelhouse"))


@pytest.fixture(scope="session")
def source_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's tracked (and new, not ignored) files: what a clone would hold."""
    import shutil
    import subprocess

    from wheelhouse import tracked_copy

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        return tracked_copy(tmp_path_factory.mktemp("calcert-source"))
    except subprocess.CalledProcessError:
        pytest.skip("this checkout is not a git work tree")
