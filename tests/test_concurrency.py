"""Many real ``calcert add`` processes at once, and a lock holder killed with SIGKILL.

The register sits on a path with a space and Polish letters, where a lock that builds
shell strings or ASCII-only paths would break.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from calcert.register import tomlfile
from calcert.register.config import init_register
from calcert.register.loader import load
from conftest import ADD_RADOM
from hostile_helpers import HOSTILE_DIR, run_calcert, temp_files

pytestmark = pytest.mark.slow  # real processes racing for the lock

WRITERS = 12  # different institutions
RENEWALS = 8  # awards of one institution, non-overlapping five-year terms


def _popen(root: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("CALCERT_REGISTRY", None)
    return subprocess.Popen(
        [sys.executable, "-m", "calcert", "--registry", str(root), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=root,
    )


@pytest.fixture
def hostile_root(tmp_path: Path) -> Path:
    return init_register(tmp_path / HOSTILE_DIR / "registry")


def test_many_writers_at_once_all_land(hostile_root: Path):
    root = hostile_root
    institutions = root / "institutions"
    # Half the writers reach the register through another spelling of its path: the lock
    # is on the file, not on the name.
    alias = root.parent.parent / "skrót żółw"
    alias.symlink_to(root, target_is_directory=True)
    procs = []
    for n in range(WRITERS):
        procs.append(
            _popen(
                alias if n % 2 else root,
                "add",
                f"gops-gmina-{n}",
                "--name",
                f"Gminny Ośrodek Pomocy Społecznej nr {n}",
                "--city",
                f"Łęczyca {n}",
                "--awarded",
                "2022-03-29",
                "--term",
                "2022-2026",
                "--source",
                f"uchwała Komisji Certyfikacyjnej nr {n}",
            )
        )
    for k in range(RENEWALS):
        first = 1980 + 5 * k
        procs.append(
            _popen(
                root,
                "add",
                "mops-mlawa",
                "--name",
                "Miejski Ośrodek Pomocy Społecznej w Mławie",
                "--city",
                "Mława",
                "--from",
                f"{first}-03-01",
                "--term",
                f"{first}-{first + 5}",
                "--source",
                f"https://example.org/cal/{first}",
            )
        )

    # While the writers run, every read of the shared file sees a whole file.
    shared = institutions / "mops-mlawa.toml"
    while any(p.poll() is None for p in procs):
        try:
            raw = shared.read_bytes()
        except FileNotFoundError:
            continue
        parsed = tomlfile.parse(shared, raw, "mops-mlawa.toml")
        assert parsed.complete, (raw, parsed.findings)

    outcomes = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    for code, out, err in outcomes:
        assert code == 0, err
        assert out.startswith("Recorded the "), out
        # A writer that waits over a second says so (issue 12 item 8); nothing else.
        waits = [line for line in err.splitlines() if line.startswith("calcert: waiting for")]
        assert err.splitlines() == waits

    register = load(root)
    by_id = {i.id: i for i in register.institutions()}
    assert sorted(by_id) == sorted([f"gops-gmina-{n}" for n in range(WRITERS)] + ["mops-mlawa"])
    starts = [a.valid_from.isoformat() for a in by_id["mops-mlawa"].sorted_awards()]
    assert starts == [f"{1980 + 5 * k}-03-01" for k in range(RENEWALS)]
    assert all(f.complete and not f.has_errors for f in register.files)
    assert temp_files(root) == []

    result = run_calcert(root, "validate", "--strict")
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    assert result.stdout == ""


def test_refused_racers_change_nothing(hostile_root: Path):
    """Several processes record the same award at once: one lands, the rest are refused."""
    procs = [_popen(hostile_root, *ADD_RADOM) for _ in range(6)]
    outcomes = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in outcomes)
    assert codes == [0, 1, 1, 1, 1, 1]
    refused = {err for code, _, err in outcomes if code == 1}
    assert refused == {
        "calcert: refused, nothing written: institutions/mops-radom.toml: the award "
        "2014-05-19..2017-05-18 is already "
        "recorded\n"
    }
    text = (hostile_root / "institutions" / "mops-radom.toml").read_text()
    assert text.count("[[awards]]") == 1
    assert temp_files(hostile_root) == []


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from calcert.register.fs import locked

    with locked(Path(sys.argv[1])):
        print("locked", flush=True)
        time.sleep(600)
    """
)


def test_killed_lock_holder_leaves_no_stale_lock(hostile_root: Path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(hostile_root)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"
        writer = _popen(
            hostile_root,
            "add",
            "mops-radom",
            "--name",
            "MOPS Radom",
            "--city",
            "Radom",
            "--awarded",
            "2014-05-19",
        )
        # The writer waits for the lock (it cannot have written anything yet) ...
        time.sleep(1.0)
        assert writer.poll() is None
        assert not (hostile_root / "institutions" / "mops-radom.toml").exists()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    # ... and goes on as soon as the holder is killed: the kernel dropped the lock.
    assert holder.returncode == -signal.SIGKILL
    assert writer.wait(timeout=60) == 0, writer.communicate()
    assert (hostile_root / ".calcert.lock").exists()  # the lock file stays; the lock does not

    result = run_calcert(
        hostile_root,
        "add",
        "mops-mlawa",
        "--name",
        "MOPS Mława",
        "--city",
        "Mława",
        "--awarded",
        "2022-03-29",
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert run_calcert(hostile_root, "validate").returncode == 0
    assert temp_files(hostile_root) == []
