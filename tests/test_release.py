"""The release: `python -m build` makes an sdist and a wheel that `twine check` accepts; the
wheel carries the compiled catalogs and the JSON schema, and installs into a fresh virtualenv
where calcert speaks Polish and validates the bundled register.

Built from a copy of this checkout's tracked files (what a clean clone holds), and without
the package index: pip takes the build backend and calcert's dependencies from the
wheelhouse (tests/wheelhouse.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, once_per_run
from wheelhouse import offline_pip_env

pytestmark = pytest.mark.slow


def _run(args: list[str | Path], env: dict[str, str], cwd: Path | None = None):
    return subprocess.run(
        [str(a) for a in args], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="session")
def dist(request, tmp_path_factory, wheelhouse: Path) -> Path:
    """sdist and wheel of calcert, the wheel built from the sdist (as `python -m build` does);
    built once per run, whichever xdist worker needs it first (the tests only read it)."""

    def build(out: Path) -> Path:
        source_copy = request.getfixturevalue("source_copy")
        done = _run(
            [sys.executable, "-m", "build", "--outdir", out, source_copy],
            offline_pip_env(wheelhouse),
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return out

    return once_per_run(request, tmp_path_factory, "dist", build)


def test_build_makes_an_sdist_and_a_wheel_twine_accepts(dist: Path) -> None:
    names = sorted(p.name for p in dist.iterdir())
    assert names == ["calcert-0.1.0-py3-none-any.whl", "calcert-0.1.0.tar.gz"]
    done = _run(
        [sys.executable, "-m", "twine", "check", "--strict", *sorted(dist.iterdir())],
        os.environ.copy(),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2, done.stdout


def test_wheel_carries_catalogs_and_schema(dist: Path) -> None:
    with zipfile.ZipFile(next(dist.glob("*.whl"))) as wheel:
        names = wheel.namelist()
        catalogs = [n for n in names if n.startswith("calcert/") and n.endswith(".mo")]
        assert "calcert/locale/pl/LC_MESSAGES/calcert.mo" in catalogs
        schemas = [n for n in names if n.startswith("calcert/") and n.endswith(".schema.json")]
        assert schemas, names
        for name in schemas:
            assert "$schema" in json.loads(wheel.read(name))
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        text = wheel.read(metadata).decode()
        assert "Requires-Python: >=3.11" in text
        assert "Provides-Extra: test" in text
        # The test tools are not runtime dependencies.
        assert not any(
            line.startswith("Requires-Dist: pytest") and "extra ==" not in line
            for line in text.splitlines()
        )


def test_sdist_has_the_sources_not_the_build_outputs(dist: Path) -> None:
    with tarfile.open(next(dist.glob("*.tar.gz"))) as sdist:
        names = [n.split("/", 1)[1] for n in sdist.getnames() if "/" in n]
    assert "hatch_build.py" in names
    assert "src/calcert/locale/pl/LC_MESSAGES/calcert.po" in names
    assert not [n for n in names if n.endswith(".mo") or n.startswith(".venv")]


def test_wheel_installs_into_a_fresh_venv(dist: Path, wheelhouse: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    env = offline_pip_env(wheelhouse)
    for name in ("CALCERT_REGISTRY", "CALCERT_LANG", "LANG", "LC_ALL", "LC_MESSAGES"):
        env.pop(name, None)
    env.update(NO_COLOR="1", COLUMNS="100")
    wheel = next(dist.glob("*.whl"))
    done = _run([bin_dir / "python", "-m", "pip", "install", wheel], env)
    assert done.returncode == 0, done.stdout + done.stderr
    calcert = bin_dir / "calcert"

    help_pl = _run([calcert, "--lang", "pl", "--help"], env, cwd=tmp_path)
    assert help_pl.returncode == 0, help_pl.stderr
    assert help_pl.stdout.startswith("Użycie: calcert [OPCJE] POLECENIE [ARGUMENTY]...")
    assert "Rejestr certyfikatów jakości CAL" in help_pl.stdout

    register = shutil.copytree(REPO / "registry", tmp_path / "registry")
    valid = _run([calcert, "--registry", register, "validate"], env, cwd=tmp_path)
    assert valid.returncode == 0, valid.stdout + valid.stderr

    schema = _run([calcert, "schema"], env, cwd=tmp_path)
    assert schema.returncode == 0, schema.stderr
    assert json.loads(schema.stdout)["$schema"].startswith("http://json-schema.org/draft-07")
