"""Issue 12 (trust: the register and its file system) and issue 14 item 2 (locking that works
on Windows). Each test is named after the item it holds to; docs/robustness.md lists them.
"""

from __future__ import annotations

import hashlib
import hmac
import marshal
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calcert.register import cache, fs
from calcert.register.config import init_register
from calcert.register.loader import load
from conftest import MLAWA, RADOM
from hostile_helpers import run_calcert, temp_files

try:
    import pty
except ImportError:  # Windows (or CALCERT_BLOCK_POSIX=1)
    pty = None  # type: ignore[assignment]

# Modes, owners, groups, umask, signals to oneself and sh: what these promises are about
# exists on POSIX systems only.
posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX modes, groups and signals")

RENEW_RADOM = (
    *("add", "mops-radom", "--awarded", "2026-03-29", "--term", "2026-2030"),
    *("--source", "https://example.org/radom-2026"),
)
CSV = (
    "id;name;city;valid_from;valid_until;term\n"
    "gops-alfa;GOPS Alfa;Alfa;2020-05-19;2025-05-18;2020-2025\n"
    "gops-beta;GOPS Beta;Beta;2021-06-01;2026-05-31;2021-2026\n"
    "gops-gamma;GOPS Gamma;Gamma;2022-06-01;2027-05-31;2022-2027\n"
)
RADOM_ROW = (
    "mops-radom;Miejski Ośrodek Pomocy Społecznej w Radomiu;Radom;2026-03-29;2030-12-31;"
    "2026-2030\n"
)
IMPORTED = ["gops-alfa.toml", "gops-beta.toml", "gops-gamma.toml"]


def toml_names(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "institutions").glob("*.toml"))


PRELUDE = "import os, signal, sys, time\n"


def run_patched(root: Path, patch: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    """``calcert --registry ROOT ARGS`` in a real process, after running ``patch``."""
    script = textwrap.dedent(patch) + textwrap.dedent(
        """
        from calcert.cli.app import main
        sys.argv = ["calcert", *sys.argv[1:]]
        main()
        """
    )
    env = {**os.environ, "NO_COLOR": "1", **kwargs.pop("env", {})}
    return subprocess.run(
        [sys.executable, "-c", PRELUDE + script, "--registry", str(root), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        **{"timeout": 60, **kwargs},
    )


# ---- 1. the parse cache ----------------------------------------------------------------------


def _forge(root: Path, name: str) -> None:
    """Rewrite every cached record's name, signed as whoever can write the cache folder can."""
    path = cache.cache_file(root)
    check, _, body = path.read_bytes().partition(b"\n")
    fmt, fingerprint, entries = marshal.loads(body)
    for key, (inst, *rest) in list(entries.items()):
        top = (inst[0][0], name, *inst[0][2:])
        entries[key] = ((top, inst[1]), *rest)
    body = marshal.dumps((fmt, fingerprint, entries))
    key_file = path.parent.parent / "cache-key"
    if key_file.exists():  # the old cache: a MAC whose key sat beside the entries
        check = hmac.new(key_file.read_bytes(), body, hashlib.blake2b).hexdigest().encode()
    else:
        check = hashlib.blake2b(body, digest_size=16).hexdigest().encode()
    path.write_bytes(check + b"\n" + body)


def test_12_1_cache_add_writes_what_the_file_says_not_the_cache(make_register, cli) -> None:
    root = make_register(files={"mops-radom": RADOM})
    assert cli(root, "list").exit_code == 0  # fills the cache
    _forge(root, "FORGED")
    result = cli(root, *RENEW_RADOM)
    assert result.exit_code == 0, result.stderr
    text = (root / "institutions" / "mops-radom.toml").read_text(encoding="utf-8")
    assert "FORGED" not in text
    assert 'name = "Miejski Ośrodek Pomocy Społecznej w Radomiu"' in text


def test_12_1_cache_fmt_and_import_parse_the_files_themselves(make_register, cli, tmp_path):
    root = make_register(files={"mops-radom": RADOM.replace('city = "Radom"', 'city="Radom"')})
    assert cli(root, "list").exit_code == 0
    _forge(root, "FORGED")
    assert cli(root, "fmt").exit_code == 0
    assert "FORGED" not in (root / "institutions" / "mops-radom.toml").read_text("utf-8")
    assert cli(root, "list").exit_code == 0
    _forge(root, "FORGED")
    rows = tmp_path / "rows.csv"
    rows.write_text("id;name;city;valid_from;valid_until;term\n" + RADOM_ROW, "utf-8")
    result = cli(root, "import", str(rows))
    assert result.exit_code == 0, result.stderr
    assert "FORGED" not in (root / "institutions" / "mops-radom.toml").read_text("utf-8")


@posix_only
def test_12_1_cache_folder_writable_by_others_is_not_used(
    make_register, cli, tmp_path, monkeypatch
):
    shared = tmp_path / "shared-cache"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared))
    root = make_register(files={"mops-radom": RADOM})
    result = cli(root, "--debug", "list")
    assert result.exit_code == 0
    assert not list(shared.rglob("*.bin"))
    assert "no parse cache" in result.stderr and "writable by group or others" in result.stderr
    assert "no parse cache" not in cli(root, "list").stderr  # said only under --debug


@posix_only
def test_12_1_cache_folder_is_created_0700(make_register, cli, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "fresh"))
    root = make_register(files={"mops-radom": RADOM})
    assert cli(root, "list").exit_code == 0
    for folder in (tmp_path / "fresh" / "calcert", tmp_path / "fresh" / "calcert" / "registers"):
        assert folder.stat().st_mode & 0o777 == 0o700


def test_12_1_cache_relative_xdg_cache_home_is_ignored(make_register, cli, tmp_path, monkeypatch):
    root = make_register(files={"mops-radom": RADOM})
    monkeypatch.chdir(root)
    monkeypatch.setenv("XDG_CACHE_HOME", "cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir(mode=0o700)
    assert cli(root, "list").exit_code == 0
    assert not (root / "cache").exists()
    assert list((tmp_path / "home" / ".cache" / "calcert").rglob("*.bin"))


@posix_only
def test_12_1_cache_no_home_means_no_cache(make_register, monkeypatch) -> None:
    root = make_register(files={"mops-radom": RADOM})
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.delenv("HOME", raising=False)
    assert cache.ParseCache.open(root) is None
    assert load(root).files[0].institution.city == "Radom"


def test_12_1_cache_never_inside_the_register(make_register, cli, monkeypatch) -> None:
    root = make_register(files={"mops-radom": RADOM})
    monkeypatch.setenv("XDG_CACHE_HOME", str(root / "cache"))
    result = cli(root, "--debug", "list")
    assert result.exit_code == 0
    assert not (root / "cache").exists() or not list((root / "cache").rglob("*.bin"))
    assert "inside the register" in result.stderr


# ---- 5. import: all or nothing ----------------------------------------------------------------


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "rows.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_12_5_import_ctrl_c_while_staging_leaves_nothing(
    make_register, cli, csv_file, monkeypatch
):
    root = make_register()
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        real_fsync(fd)
        if list((root / "institutions").glob(".*.tmp")):  # a row's file is being staged
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", fsync)
    result = cli(root, "import", str(csv_file))
    assert result.exit_code == 130
    assert result.stderr == "calcert: interrupted\n"
    assert toml_names(root) == []
    assert temp_files(root) == []


@posix_only
def test_12_5_import_ctrl_c_while_renaming_lands_every_row(
    make_register, cli, csv_file, monkeypatch
):
    root = make_register()
    real_replace = os.replace

    def replace(src, dst) -> None:
        real_replace(src, dst)
        if str(dst).endswith("gops-alfa.toml"):
            signal.raise_signal(signal.SIGINT)  # Ctrl-C after the first row's file landed

    monkeypatch.setattr(os, "replace", replace)
    result = cli(root, "import", str(csv_file))
    assert result.exit_code == 130
    assert "interrupted; the register was changed all the same" in result.stderr
    assert toml_names(root) == IMPORTED
    assert temp_files(root) == []
    assert not (root / fs.JOURNAL_NAME).exists()


# Sends SIGNAL to the importing process while it writes its temporary files ("staging")
# or right after the first rename ("renaming"); WHEN in the environment chooses.
SIGNAL_DURING_IMPORT = """
    real_fsync, real_replace = os.fsync, os.replace
    when = os.environ["WHEN"]
    inst = os.path.join(sys.argv[2], "institutions")

    def fsync(fd):
        real_fsync(fd)
        if when == "staging" and any(n.endswith(".tmp") for n in os.listdir(inst)):
            os.kill(os.getpid(), signal.SIGNAL)

    def replace(src, dst):
        real_replace(src, dst)
        if when == "renaming" and str(dst).endswith(".toml"):
            os.kill(os.getpid(), signal.SIGNAL)

    os.fsync, os.replace = fsync, replace
"""


@posix_only
@pytest.mark.slow
@pytest.mark.parametrize(
    "when, landed",
    [
        ("staging", []),  # SIGTERM while the files are written: none land
        ("renaming", IMPORTED),  # SIGTERM after the commit: all land
    ],
)
def test_12_5_import_sigterm_leaves_all_or_none(tmp_path, csv_file, when, landed) -> None:
    root = init_register(tmp_path / "registry")
    patch = SIGNAL_DURING_IMPORT.replace("SIGNAL", "SIGTERM")
    result = run_patched(root, patch, "import", str(csv_file), env={"WHEN": when})
    assert result.returncode == 130, result.stderr
    assert toml_names(root) == landed
    assert temp_files(root) == []
    assert "Traceback" not in result.stderr


@posix_only
@pytest.mark.slow
@pytest.mark.parametrize(
    "when, said, landed",
    [
        ("staging", "rolled back an interrupted import: none of its rows were recorded", []),
        ("renaming", "finished an interrupted import: all 3 of its files are now written", None),
    ],
)
def test_12_5_import_killed_is_finished_or_rolled_back_by_the_next_write(
    tmp_path, csv_file, when, said, landed
) -> None:
    root = init_register(tmp_path / "registry")
    (root / "institutions" / "mops-radom.toml").write_text(textwrap.dedent(RADOM), "utf-8")
    patch = SIGNAL_DURING_IMPORT.replace("SIGNAL", "SIGKILL")
    killed = run_patched(root, patch, "import", str(csv_file), env={"WHEN": when})
    assert killed.returncode == -signal.SIGKILL
    after = run_calcert(root, *RENEW_RADOM)
    assert after.returncode == 0, after.stderr
    assert f"calcert: {said}\n" in after.stderr
    expected = landed if landed is not None else IMPORTED
    assert toml_names(root) == sorted([*expected, "mops-radom.toml"])
    assert temp_files(root) == []
    assert not (root / fs.JOURNAL_NAME).exists()
    assert run_calcert(root, "validate").returncode == 0


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_12_5_temporary_names_are_ignored_by_git(tmp_path, cli) -> None:
    root = tmp_path / "repo"
    assert cli(None, "init", str(root)).exit_code == 0
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    leftovers = [
        ".calcert.lock",
        ".calcert-journal",
        ".calcert-journal.k2j3.tmp",
        "institutions/.mops-radom.toml.x8w1.tmp",
    ]
    for name in leftovers:
        (root / name).write_text("x", encoding="utf-8")
    ignored = subprocess.run(
        ["git", "-C", str(root), "check-ignore", *leftovers], capture_output=True, text=True
    )
    assert ignored.stdout.split() == leftovers


# ---- 6. true messages after a write -------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_12_6_add_with_stdout_full_says_the_record_stands(tmp_path) -> None:
    root = init_register(tmp_path / "registry")
    (root / "institutions" / "mops-radom.toml").write_text(textwrap.dedent(RADOM), "utf-8")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "calcert", "--registry", str(root), *RENEW_RADOM],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        "calcert: error: cannot write the output (No space left on device); the register "
        f"was changed all the same ({root / 'institutions' / 'mops-radom.toml'})\n"
    )
    assert 'term = "2026-2030"' in (root / "institutions" / "mops-radom.toml").read_text("utf-8")


@posix_only
@pytest.mark.slow
@pytest.mark.parametrize("stdout", ["closed pipe", "closed"])
def test_12_6_add_with_stdout_closed_says_the_record_stands(tmp_path, stdout) -> None:
    root = init_register(tmp_path / "registry")
    (root / "institutions" / "mops-radom.toml").write_text(textwrap.dedent(RADOM), "utf-8")
    argv = [sys.executable, "-m", "calcert", "--registry", str(root), *RENEW_RADOM]
    if stdout == "closed pipe":  # the reader is gone before calcert prints
        read_end, write_end = os.pipe()
        os.close(read_end)
        result = subprocess.run(argv, stdout=write_end, stderr=subprocess.PIPE, text=True)
        os.close(write_end)
        reason = "Broken pipe"
    else:  # `calcert add … >&-`
        result = subprocess.run(
            ["sh", "-c", '"$@" >&-', "sh", *argv], stderr=subprocess.PIPE, text=True
        )
        reason = "Bad file descriptor"
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"calcert: error: cannot write the output ({reason}); the register was changed all "
        f"the same ({root / 'institutions' / 'mops-radom.toml'})\n"
    )
    assert 'term = "2026-2030"' in (root / "institutions" / "mops-radom.toml").read_text("utf-8")


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_12_6_export_to_a_full_disk_is_one_line_exit_2(tmp_path) -> None:
    root = init_register(tmp_path / "registry")
    (root / "institutions" / "mops-radom.toml").write_text(textwrap.dedent(RADOM), "utf-8")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "calcert", "--registry", str(root), "export"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert result.returncode == 2
    assert result.stderr == "calcert: error: cannot write the output (No space left on device)\n"


# ---- 7. the parallel first read ---------------------------------------------------------------

PARALLEL = """
    from calcert.register import loader

    loader.PARALLEL_FROM = 10
    real = loader._read_in_child

    def in_child(start):
        if os.environ["WHAT"] == "ctrl-c":
            os.killpg(os.getpgrp(), signal.SIGINT)  # Ctrl-C reaches the whole group
            time.sleep(2)
        else:
            os.kill(os.getpid(), signal.SIGKILL)  # the OOM killer
        return real(start)

    loader._read_in_child = in_child
"""


def _big_register(tmp_path: Path) -> Path:
    root = init_register(tmp_path / "registry")
    for i in range(12):
        text = textwrap.dedent(RADOM).replace("mops-radom", f"mops-radom-{i}")
        (root / "institutions" / f"mops-radom-{i}.toml").write_text(text, "utf-8")
    return root


needs_two_cpus = pytest.mark.skipif(
    not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2,
    reason="the parallel read needs Linux and two CPUs",
)


@pytest.mark.slow
@needs_two_cpus
def test_12_7_ctrl_c_during_a_parallel_read_is_one_line_exit_130(tmp_path) -> None:
    root = _big_register(tmp_path)
    result = run_patched(
        root,
        PARALLEL,
        "list",
        env={"WHAT": "ctrl-c", "CALCERT_CACHE": "0"},
        start_new_session=True,
        timeout=30,
    )
    assert result.returncode == 130
    assert result.stderr == "calcert: interrupted\n"


@needs_two_cpus
def test_12_7_an_interrupted_parallel_read_leaves_no_pool_thread_behind(tmp_path) -> None:
    """After Ctrl-C the pool's manager thread is gone before the interrupt goes on: left
    running, it raced Python's exit hook for concurrent.futures, which then wrote to a
    pipe the thread had just closed and printed "Exception ignored … Bad file descriptor"
    with a traceback under "calcert: interrupted" (seen in a CI run)."""
    import threading

    from calcert.register import loader

    root = _big_register(tmp_path)
    jobs = [(path, path.name) for path in sorted((root / "institutions").iterdir())]

    class CtrlC:
        def advance(self) -> None:
            raise KeyboardInterrupt

    before = set(threading.enumerate())
    with pytest.raises(KeyboardInterrupt):
        loader._read_two_ways(root, jobs, None, CtrlC())
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert left == []


@pytest.mark.slow
@needs_two_cpus
def test_12_7_a_killed_worker_is_not_waited_for(tmp_path) -> None:
    root = _big_register(tmp_path)
    try:
        result = run_patched(
            root, PARALLEL, "list", "--status", "all", env={"WHAT": "kill", "CALCERT_CACHE": "0"}
        )
    except subprocess.TimeoutExpired:
        pytest.fail("calcert hung waiting for a killed worker")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("mops-radom-") == 12


# ---- 8. waiting writers -------------------------------------------------------------------------


@pytest.mark.slow
def test_12_8_a_waiting_writer_says_who_holds_the_lock_and_gives_up(tmp_path) -> None:
    import portalocker

    root = init_register(tmp_path / "registry")
    (root / "institutions" / "mops-radom.toml").write_text(textwrap.dedent(RADOM), "utf-8")
    before = (root / "institutions" / "mops-radom.toml").read_bytes()
    with open(root / fs.LOCK_NAME, "rb") as handle:
        portalocker.lock(handle, portalocker.LockFlags.EXCLUSIVE)
        try:
            result = run_calcert(root, *RENEW_RADOM, env={"CALCERT_LOCK_TIMEOUT": "2"}, timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail("the writer waited for the lock for ever")
        finally:
            portalocker.unlock(handle)
    lines = result.stderr.splitlines()
    assert result.returncode == 2
    holder = f"process {os.getpid()}" if sys.platform.startswith("linux") else "another"
    assert lines[0].startswith("calcert: waiting for the register lock (")
    assert f"held by {holder}" in lines[0] and "giving up after 2 s" in lines[0]
    assert lines[1].startswith("calcert: error: ")
    assert "still locked by" in lines[1] and "CALCERT_LOCK_TIMEOUT" in lines[1]
    assert (root / "institutions" / "mops-radom.toml").read_bytes() == before


def test_12_8_a_bad_lock_timeout_is_a_usage_error(make_register, cli) -> None:
    root = make_register(files={"mops-radom": RADOM})
    result = cli(root, *RENEW_RADOM, env={"CALCERT_LOCK_TIMEOUT": "soon"})
    assert result.exit_code == 2
    assert "CALCERT_LOCK_TIMEOUT='soon' is not a number of seconds" in result.stderr


@pytest.mark.slow
@pytest.mark.skipif(pty is None, reason="needs a pseudo-terminal")
def test_12_8_ctrl_c_at_an_add_prompt_exits_130(make_register) -> None:
    root = make_register()
    main_fd, child_fd = pty.openpty()
    add_new = ("add", "gops-x", "--from", "2020-01-01")
    proc = subprocess.Popen(
        [sys.executable, "-m", "calcert", "--registry", str(root), *add_new],
        stdin=child_fd,
        stdout=child_fd,
        stderr=child_fd,
        env={**os.environ, "NO_COLOR": "1"},
    )
    os.close(child_fd)
    output = b""
    while b"Name of the institution:" not in output:
        chunk = os.read(main_fd, 4096)
        assert chunk, output
        output += chunk
    # A Ctrl-C that lands just before input() starts reading is only seen by the next
    # keystroke (CPython's input()); a user would press Ctrl-C again, and so does this test.
    for _ in range(10):
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=3)
            break
        except subprocess.TimeoutExpired:
            continue
    assert proc.wait(timeout=30) == 130
    with_rest = output
    try:
        while chunk := os.read(main_fd, 4096):
            with_rest += chunk
    except OSError:
        pass
    os.close(main_fd)
    assert b"calcert: interrupted" in with_rest
    assert toml_names(root) == []


# ---- 12. git: line endings ----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_12_12_init_writes_gitattributes_so_an_autocrlf_checkout_stays_lf(tmp_path, cli) -> None:
    repo = tmp_path / "repo"
    assert cli(None, "init", str(repo)).exit_code == 0
    (repo / "institutions" / "mops-radom.toml").write_text(textwrap.dedent(RADOM), "utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-q", "-m", "x"], check=True)
    clone = tmp_path / "clone"
    subprocess.run(
        [*git, "-c", "core.autocrlf=true", "clone", "-q", str(repo), str(clone)], check=True
    )
    assert b"\r\n" not in (clone / "institutions" / "mops-radom.toml").read_bytes()
    result = cli(clone, "validate")
    assert "W006" not in result.stdout + result.stderr


def test_12_12_init_adds_to_an_existing_gitattributes(tmp_path, cli) -> None:
    (tmp_path / ".gitattributes").write_text("*.png binary", encoding="utf-8")
    assert cli(None, "init", str(tmp_path)).exit_code == 0
    assert (tmp_path / ".gitattributes").read_text("utf-8") == "*.png binary\n*.toml text eol=lf\n"


# ---- 13. shared registers --------------------------------------------------------------------


def test_12_13_lock_needs_only_read_permission(make_register, cli, monkeypatch) -> None:
    """A team member who may read the lock file (not write it) can still take the lock.

    Tests run as root here, where permissions do not bite: opening the lock for writing
    is refused as the file system would refuse a group member with read permission.
    """
    root = make_register(files={"mops-radom": RADOM})
    lock = str(root / fs.LOCK_NAME)
    real_open = os.open

    def only_read(path, flags, *args, **kwargs):
        if str(path) == lock and flags & (os.O_WRONLY | os.O_RDWR):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", only_read)
    result = cli(root, *RENEW_RADOM)
    assert result.exit_code == 0, result.stderr


def _another_group() -> int | None:
    """A group this process may give its files: one of its own, else (as root) any."""
    mine = os.getgid()
    choices = [g for g in os.getgroups() if g != mine]
    if not choices and os.geteuid() == 0:
        choices = [100 if mine != 100 else 101]
    return choices[0] if choices else None


@posix_only
def test_12_13_rewrites_keep_mode_and_group(make_register, cli) -> None:
    root = make_register(files={"mops-radom": RADOM})
    path = root / "institutions" / "mops-radom.toml"
    group = _another_group()
    if group is None:
        pytest.skip("this user belongs to one group only")
    os.chown(path, -1, group)
    path.chmod(0o660)
    assert cli(root, *RENEW_RADOM).exit_code == 0
    assert 'term = "2026-2030"' in path.read_text("utf-8")
    assert (path.stat().st_mode & 0o7777, path.stat().st_gid) == (0o660, group)


@posix_only
def test_12_13_import_keeps_660_and_honours_the_umask(make_register, cli, tmp_path) -> None:
    root = make_register(files={"mops-radom": RADOM})
    existing = root / "institutions" / "mops-radom.toml"
    existing.chmod(0o660)
    rows = tmp_path / "rows.csv"
    rows.write_text(
        CSV + RADOM_ROW,
        encoding="utf-8",
    )
    old_mask = os.umask(0o002)
    try:
        result = cli(root, "import", str(rows))
    finally:
        os.umask(old_mask)
    assert result.exit_code == 0, result.stderr
    assert existing.stat().st_mode & 0o777 == 0o660
    assert (root / "institutions" / "gops-alfa.toml").stat().st_mode & 0o777 == 0o664


# ---- issue 14, item 2: Windows ----------------------------------------------------------------


def test_14_2_no_posix_only_module_is_imported_by_a_reading_command(make_register) -> None:
    root = make_register(files={"mops-radom": RADOM, "mops-mlawa": MLAWA})
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import conftest, sys\n"
            "from calcert.cli.app import main\n"
            "sys.argv = ['calcert', '--registry', sys.argv[1], 'validate']\n"
            "main()",
            str(root),
        ],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent,
        env={**os.environ, "CALCERT_BLOCK_POSIX": "1"},
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_14_2_replace_retries_while_windows_reports_the_file_in_use(tmp_path, monkeypatch):
    target = tmp_path / "x.toml"
    target.write_text("old", encoding="utf-8")
    real_replace = os.replace
    attempts = []

    def busy_twice(src, dst) -> None:
        attempts.append(dst)
        if len(attempts) <= 2:
            error = PermissionError(13, "Access is denied")
            error.winerror = 32  # ERROR_SHARING_VIOLATION: a virus scanner has it open
            raise error
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", busy_twice)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    fs.atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert len(attempts) == 3
    assert temp_files(tmp_path) == []


@pytest.mark.slow
def test_14_2_the_platform_neutral_suite_passes_with_posix_only_modules_blocked() -> None:
    """The suite's platform-neutral part, with fcntl, termios, pty, pwd, grp, resource
    blocked (as on Windows): see conftest.BLOCKED_ON_WINDOWS."""
    tests = Path(__file__).parent
    neutral = [
        "test_validate.py",
        "test_render.py",
        "test_terms.py",
        "test_tomlfile.py",
        "test_cli_queries.py",
        "test_schema.py",
        "test_stats.py",
        "test_finding_lines.py",
    ]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "not slow",
            "-k",
            "not fmt",
        ]
        + [str(tests / name) for name in neutral],
        capture_output=True,
        text=True,
        cwd=tests.parent,
        env={**os.environ, "CALCERT_BLOCK_POSIX": "1", "USER": "calcert"},
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout


# ---- fuzz: what a cache file may hold ---------------------------------------------------------


def test_fuzz_cache_any_cache_file_gives_what_the_files_say(make_register) -> None:
    """Whatever bytes the cache file holds (with a valid digest or not), reading gives what
    parsing the files gives, and never fails."""
    root = make_register(files={"mops-radom": RADOM, "mops-mlawa": MLAWA})

    def seen() -> list:
        return [(f.shown, f.institution, [x.code for x in f.findings]) for f in load(root).files]

    expected = seen()
    path = cache.cache_file(root)

    @settings(max_examples=100, deadline=None)
    @given(body=st.binary(max_size=400), keep_check=st.booleans())
    def check(body: bytes, keep_check: bool) -> None:
        digest = hashlib.blake2b(body, digest_size=16).hexdigest().encode()
        path.write_bytes((digest if keep_check else b"x") + b"\n" + body)
        assert seen() == expected

    check()


def test_fuzz_cache_entries_of_any_shape_are_not_believed_blindly(make_register) -> None:
    """Well-formed cache files whose entry for a real file holds any nested value: reading
    never fails (a wrong shape is a miss, the file is parsed)."""
    root = make_register(files={"mops-radom": RADOM})
    raw = (root / "institutions" / "mops-radom.toml").read_bytes()
    key = f"mops-radom.toml:{cache.digest(raw)}"
    fingerprint = cache._code_fingerprint()
    load(root)  # makes the cache folder
    path = cache.cache_file(root)
    leaves = (
        st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.binary(max_size=5)
    )

    def nest(inner: st.SearchStrategy) -> st.SearchStrategy:
        return st.tuples(inner, inner) | st.lists(inner, max_size=4)

    values = st.recursive(leaves, nest)

    @settings(max_examples=100, deadline=None)
    @given(entry=values)
    def check(entry: object) -> None:
        body = marshal.dumps((cache.FORMAT, fingerprint, {key: entry}))
        path.write_bytes(hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b"\n" + body)
        files = load(root).files
        assert len(files) == 1

    check()
