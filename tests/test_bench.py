"""benchmarks/bench.py keeps working, and its --baseline mode compares two calcerts."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow

BENCH = REPO / "benchmarks" / "bench.py"
FIGURES = (
    "validate",
    "validate (no cache)",
    "expiring",
    "expiring (no cache)",
    "--version",
    "completion",
    "expiring (real)",
)


def bench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "user-cache")}
    return subprocess.run(
        [sys.executable, str(BENCH), "--dir", str(tmp_path / "regs"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_baseline_prints_a_comparison_line_per_figure(tmp_path: Path) -> None:
    baseline = f"{shlex.quote(sys.executable)} -m calcert"  # the same code on both sides
    # One timed round after the warm-up (--quick times three): the lines are what is
    # checked here, not the figures. The growth table has the one size already measured.
    done = bench(tmp_path, "--n", "50", "--sizes", "50", "--rounds", "1", "--baseline", baseline)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert f"baseline: {sys.executable} -m calcert" in out
    assert out.count("vs baseline") == 2  # the big-register and the start-up sections
    for name in FIGURES:
        # current ms, baseline ms, current/baseline, verdict, each one's ratio to its floor
        line = (
            rf"^  {re.escape(name)} +[\d.]+ ms +[\d.]+ ms +[\d.]+× "
            rf"+(within 10 %|SLOWER \d+%) +[\d.]+× / [\d.]+×$"
        )
        assert re.search(line, out, flags=re.M), (name, out)
    assert re.search(r"^(every figure within 10 %|slower than the baseline by more)", out, re.M)
    # Each calcert had its own private cache folder: the user's was never written.
    assert not (tmp_path / "user-cache" / "calcert").exists()


def test_a_baseline_that_cannot_run_is_one_line(tmp_path: Path) -> None:
    done = bench(tmp_path, "--quick", "--n", "50", "--baseline", str(tmp_path / "no-calcert"))
    assert done.returncode == 1
    assert (
        done.stderr.strip()
        == f"bench: cannot run {tmp_path / 'no-calcert'}: No such file or directory"
    )
    assert not (tmp_path / "regs").exists() or not any((tmp_path / "regs").iterdir())
