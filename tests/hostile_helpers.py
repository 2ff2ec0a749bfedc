"""Helpers shared by the hostile-input tests (concurrency, killed writes, fuzzing).

Real processes are started with ``sys.executable -m calcert`` so that what is tested is
what a registrar runs, lock and signals included.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

from calcert import __version__

# Kept before any test can monkeypatch ``open`` to simulate unreadable files.
_REAL_OPEN = io.open

# The register lives on a path with a space and Polish letters on purpose.
HOSTILE_DIR = "rejestr ąę ł"

BUG_LINE = re.compile(
    rf"^calcert {re.escape(__version__)}: internal error, a bug in calcert \(not in your data\)"
)
# What validate prints per finding in text form: path[:line]: severity CODE message
FINDING_LINE = re.compile(r"^.+?(:\d+)?: (error|warning) [EW]\d{3} .+$")


def run_calcert(
    root: Path | None,
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "calcert"]
    if root is not None:
        argv += ["--registry", str(root)]
    argv += list(args)
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    full_env.pop("CALCERT_DEBUG", None)
    full_env.pop("CALCERT_REGISTRY", None)
    return subprocess.run(
        argv,
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
        check=False,
    )


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` (symlinks as their target text), the lock file left out."""
    out: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.name == ".calcert.lock":
            continue
        if path.is_symlink():
            out[rel] = b"-> " + os.fsencode(os.readlink(path))
        elif path.is_file():
            try:
                with _REAL_OPEN(path, "rb") as handle:
                    out[rel] = handle.read()
            except PermissionError:  # chmod 000 as a non-root user: size and time must hold
                info = path.stat()
                out[rel] = f"unreadable {info.st_size} {info.st_mtime_ns}".encode()
        elif path.is_dir():
            out[rel + "/"] = b""
    return out


def temp_files(root: Path) -> list[str]:
    """Temporary files a writer may have left (``.<name>.<random>.tmp``)."""
    return sorted(p.name for p in root.rglob(".*.tmp"))


def assert_no_crash(stdout: str, stderr: str, exit_code: int | None) -> None:
    """Only the documented outcomes: exit 0/1/2, one-line errors, never a traceback."""
    assert exit_code in (0, 1, 2), (exit_code, stdout, stderr)
    assert "Traceback" not in stdout + stderr, stderr
    assert not BUG_LINE.search(stderr), stderr
    for line in stderr.splitlines():
        assert line.startswith("calcert"), (line, stderr)
