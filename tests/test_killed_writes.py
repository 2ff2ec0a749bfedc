"""A writer killed with SIGKILL at the worst moments leaves the old bytes or the new bytes,
never a mix; the register still validates; the next write sweeps the leftover temp file.

The writer is a real ``calcert`` process (``python -c`` importing calcert, patching one
seam, then running the CLI), so the kill hits the real write path.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from calcert.register.config import init_register
from conftest import ADD_RADOM, MLAWA, RADOM
from hostile_helpers import HOSTILE_DIR, run_calcert, snapshot, temp_files

pytestmark = pytest.mark.slow  # real processes killed mid-write

# Each mode kills the writer at one point of atomic_write.
CHILD = textwrap.dedent(
    """
    import os, signal, sys

    from calcert.register import fs as register

    mode, argv = sys.argv[1], sys.argv[2:]


    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)


    if mode == "half-written":  # half of the new bytes are in the temp file
        real_fdopen = os.fdopen

        class Half:
            def __init__(self, handle):
                self.handle = handle

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def write(self, data):
                self.handle.write(data[: len(data) // 2])
                self.handle.flush()
                die()

        os.fdopen = lambda fd, *a, **k: Half(real_fdopen(fd, *a, **k))
    elif mode == "before-fsync":
        os.fsync = die
    elif mode == "before-rename":  # the seam: temp file complete and fsynced
        register._before_rename_hook = die
    elif mode == "after-rename":
        real_replace = os.replace

        def replace_then_die(src, dst):
            real_replace(src, dst)
            if str(dst).endswith(".toml"):  # an institution file (not the import journal)
                die()

        os.replace = replace_then_die
    else:
        raise SystemExit(f"unknown mode {mode}")

    from calcert.cli.app import main

    sys.argv = ["calcert", *argv]
    main()
    """
)

MODES_OLD = ("half-written", "before-fsync", "before-rename")

ADD_RENEWAL = ("add", "mops-mlawa", "--awarded", "2026-03-29", "--term", "2026-2030")

WITHDRAW = ("withdraw", "mops-mlawa", "--on", "2024-01-15", "--reason", "decyzja komisji")
FMT = ("fmt",)

EDITS = {
    "add-renewal": ("mops-mlawa", ADD_RENEWAL),
    "add-new-institution": ("mops-radom", ADD_RADOM),
    "withdraw": ("mops-mlawa", WITHDRAW),
    "fmt": ("mops-mlawa", FMT),
}

# Exit code of repeating an edit that has already landed.
AGAIN = {"add-renewal": 1, "add-new-institution": 1, "withdraw": 2, "fmt": 0}


def _register(base: Path, edit: str) -> Path:
    root = init_register(base / HOSTILE_DIR)
    mlawa = MLAWA.replace("\n", "\r\n") if edit == "fmt" else MLAWA  # something for fmt to do
    (root / "institutions" / "mops-mlawa.toml").write_bytes(mlawa.encode())
    return root


def _run_killed(root: Path, mode: str, args: tuple[str, ...]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CHILD, mode, "--registry", str(root), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _bytes(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


@pytest.fixture(scope="module")
def new_bytes(tmp_path_factory) -> Callable[[str], bytes]:
    """``new_bytes(edit)``: what the edit writes when nobody kills it, run once per edit
    (the four modes of an edit share it)."""
    known: dict[str, bytes] = {}

    def get(edit: str) -> bytes:
        if edit not in known:
            stem, args = EDITS[edit]
            reference = _register(tmp_path_factory.mktemp("reference"), edit)
            done = run_calcert(reference, *args)
            assert done.returncode == 0, done.stderr
            known[edit] = (reference / "institutions" / f"{stem}.toml").read_bytes()
        return known[edit]

    return get


@pytest.mark.parametrize("mode", [*MODES_OLD, "after-rename"])
@pytest.mark.parametrize("edit", sorted(EDITS))
def test_killed_writer_leaves_old_or_new_bytes(edit, mode, tmp_path, new_bytes):
    stem, args = EDITS[edit]
    new = new_bytes(edit)  # what the edit writes when nobody kills it

    root = _register(tmp_path / "victim", edit)
    path = root / "institutions" / f"{stem}.toml"
    old = _bytes(path)
    assert old != new
    others_before = {k: v for k, v in snapshot(root).items() if not k.endswith(f"{stem}.toml")}

    killed = _run_killed(root, mode, args)
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    after = _bytes(path)
    assert after == (new if mode == "after-rename" else old)  # never a mix
    others_after = {
        k: v
        for k, v in snapshot(root).items()
        if not k.endswith(f"{stem}.toml") and not k.endswith(".tmp")
    }
    assert others_after == others_before
    leftovers = temp_files(root)
    assert len(leftovers) == (0 if mode == "after-rename" else 1)
    assert all(name.startswith(f".{stem}.toml.") for name in leftovers)

    # The leftover temp file is invisible to readers ...
    validate = run_calcert(root, "validate")
    assert validate.returncode == 0, validate.stdout
    assert ".tmp" not in validate.stdout + validate.stderr
    listing = run_calcert(root, "list", "--status", "all", "--format", "csv")
    assert listing.returncode == 0, listing.stderr
    assert ".tmp" not in listing.stdout + listing.stderr

    # ... the lock was not left stale, and the next write sweeps the leftover away.
    retry = run_calcert(root, *args)
    if mode == "after-rename":  # the edit had landed before the kill
        assert retry.returncode == AGAIN[edit], retry.stderr
    else:
        assert retry.returncode == 0, retry.stderr
    assert path.read_bytes() == new
    assert temp_files(root) == []
    assert run_calcert(root, "validate").returncode == 0


def test_killed_writer_of_several_files_leaves_each_whole(tmp_path):
    """fmt rewrites two files; killed before the second rename, the first is new, the
    second old, each a whole file."""
    root = init_register(tmp_path / HOSTILE_DIR)
    files = {"mops-mlawa": MLAWA, "mops-radom": RADOM}
    for stem, text in files.items():
        (root / "institutions" / f"{stem}.toml").write_bytes(text.replace("\n", "\r\n").encode())
    child = CHILD.replace(
        "register._before_rename_hook = die",
        "register._before_rename_hook = lambda path, tmp: "
        "die() if path.name == 'mops-radom.toml' else None",
    )
    killed = subprocess.run(
        [sys.executable, "-c", child, "before-rename", "--registry", str(root), "fmt"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL
    institutions = root / "institutions"
    assert (institutions / "mops-mlawa.toml").read_bytes() == MLAWA.encode()
    assert (institutions / "mops-radom.toml").read_bytes() == RADOM.replace("\n", "\r\n").encode()
    assert run_calcert(root, "validate").returncode == 0  # a W006 warning, no error
    assert run_calcert(root, "fmt").returncode == 0
    assert (institutions / "mops-radom.toml").read_bytes() == RADOM.encode()
    assert temp_files(root) == []


def test_stale_temp_file_is_kept_out_of_every_command(make_register, cli, monkeypatch):
    """A temp file from a killed writer, even a corrupt one, is not an institution file."""
    root = make_register(files={"mops-mlawa": MLAWA})
    stale = root / "institutions" / ".mops-mlawa.toml.k1ll3d.tmp"
    stale.write_bytes(MLAWA.encode()[:37])
    monkeypatch.chdir(root)
    assert cli(root, "validate").stdout == ""
    for args in (("list", "--status", "all"), ("fmt", "--check"), ("show", "mops-mlawa")):
        result = cli(root, *args)
        assert result.exit_code == 0, (args, result.stderr)
        assert ".tmp" not in result.stdout + result.stderr
    assert stale.exists()  # reading commands leave it; the next write removes it
    result = cli(root, "add", "mops-mlawa", "--awarded", "2026-03-29", "--term", "2026-2030")
    assert result.exit_code == 0, result.stderr
    assert not stale.exists()


def test_import_killed_between_files_is_completed_by_running_it_again(tmp_path):
    """Each file is whole; an import killed between two renames is finished by re-running
    it (rows already recorded are skipped)."""
    root = init_register(tmp_path / HOSTILE_DIR)
    csv_path = tmp_path / "certyfikaty ł.csv"
    csv_path.write_text(
        "id;name;city;valid_from;valid_until;term\n"
        "gops-alfa;GOPS Alfa;Alfa;2020-05-19;2025-05-18;2020-2025\n"
        "gops-beta;GOPS Beta;Beta;2021-06-01;2026-05-31;2021-2026\n",
        encoding="utf-8",
    )
    killed = _run_killed(root, "after-rename", ("import", str(csv_path)))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    landed = sorted(p.name for p in (root / "institutions").glob("*.toml"))
    assert len(landed) == 1  # one whole file, the other not yet written
    assert run_calcert(root, "validate").returncode == 0
    again = run_calcert(root, "import", str(csv_path))
    assert again.returncode == 0, again.stderr
    assert "finished an interrupted import: all 2 of its files are now written" in again.stderr
    landed = sorted(p.name for p in (root / "institutions").glob("*.toml"))
    assert landed == ["gops-alfa.toml", "gops-beta.toml"]
    assert run_calcert(root, "validate").returncode == 0
    assert temp_files(root) == []
