"""Install calcert into fresh environments without the package index.

Several tests install calcert the way a user does, into a new virtualenv: the pre-commit hook
environment, the GitHub Action's install step, the built wheel. pip would fetch calcert's
dependencies (and, for a source tree, its build backend) from the index, so those tests
failed offline. Everything they need is already installed in the environment running the
tests (the ``[test]`` extra pulls in hatchling and babel too), so :func:`make_wheelhouse`
packs those installed distributions back into wheels, file for file as their RECORD lists
them, in a folder. :func:`offline_pip_env` then points pip at that folder alone:

    PIP_NO_INDEX=1  PIP_FIND_LINKS=<wheelhouse>  PIP_CONFIG_FILE=<empty>

pip reads these in every process it starts, including the isolated build environment and
pre-commit's ``pip install .``; no index is asked, and a missing wheel fails the test loudly.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata as md
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import REPO

# What a fresh environment needs besides calcert: its dependencies, and for a build from
# source (pip install DIR, python -m build) the build backend and the catalog compiler.
ROOTS = ("calcert", "hatchling", "babel")

# dist-info files that describe one installation, not the distribution.
INSTALL_ONLY = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


def _closure(roots: tuple[str, ...]) -> dict[str, md.Distribution]:
    found: dict[str, md.Distribution] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo: list[tuple[str, frozenset[str]]] = [(name, frozenset()) for name in roots]
    while todo:
        name, extras = todo.pop()
        key = canonicalize_name(name)
        if (key, extras) in seen:
            continue
        seen.add((key, extras))
        dist = found.setdefault(key, md.distribution(name))
        for line in dist.requires or []:
            req = Requirement(line)
            wanted = [{"extra": e} for e in ("", *extras)]
            if req.marker is None or any(req.marker.evaluate(env) for env in wanted):
                todo.append((req.name, frozenset(req.extras)))
    return found


def _tag(dist: md.Distribution) -> str:
    """The wheel's compressed tag (py2.py3-none-any) from the installed WHEEL file."""
    tags = [
        line.split(":", 1)[1].strip()
        for line in (dist.read_text("WHEEL") or "").splitlines()
        if line.startswith("Tag:")
    ]
    if not tags:
        return "py3-none-any"
    parts = [tag.split("-") for tag in tags]
    return "-".join(".".join(dict.fromkeys(p[i] for p in parts)) for i in range(3))


def _digest(data: bytes) -> str:
    raw = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def repack(dist: md.Distribution, outdir: Path) -> Path:
    """A wheel of an installed distribution (scripts are left to pip to regenerate)."""
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    info_dir = f"{name}-{dist.version}.dist-info"
    wheel = outdir / f"{name}-{dist.version}-{_tag(dist)}.whl"
    record: list[str] = []
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in dist.files or []:
            parts = path.parts
            if parts[0] == ".." or "__pycache__" in parts or path.suffix == ".pyc":
                continue
            if parts[0].endswith(".dist-info") and path.name in INSTALL_ONLY:
                continue
            source = Path(str(dist.locate_file(path)))
            if not source.is_file():
                continue
            arcname = path.as_posix()
            if parts[0].endswith(".dist-info"):
                arcname = f"{info_dir}/{'/'.join(parts[1:])}"
            data = source.read_bytes()
            archive.writestr(arcname, data)
            record.append(f"{arcname},{_digest(data)},{len(data)}")
        record.append(f"{info_dir}/RECORD,,")
        archive.writestr(f"{info_dir}/RECORD", "\n".join(record) + "\n")
    return wheel


def make_wheelhouse(outdir: Path) -> Path:
    """Wheels of everything a fresh environment needs to install calcert, calcert excepted
    (the tests install it from a source tree or from the wheel they build)."""
    outdir.mkdir(parents=True, exist_ok=True)
    for key, dist in sorted(_closure(ROOTS).items()):
        if key != "calcert":
            repack(dist, outdir)
    return outdir


def offline_pip_env(wheelhouse: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: os.environ) with pip confined to ``wheelhouse``."""
    result = dict(os.environ if env is None else env)
    for key in [k for k in result if k.startswith(("PIP_", "UV_"))]:
        del result[key]
    result.update(
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheelhouse),
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        VIRTUALENV_NO_PERIODIC_UPDATE="1",
    )
    return result


def tracked_copy(dest: Path) -> Path:
    """This checkout's files as git sees them (tracked and new, not ignored) under ``dest``:
    what a clone of the pushed branch would hold, without .venv or build outputs."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest
