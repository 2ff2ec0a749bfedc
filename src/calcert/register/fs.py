"""The register's file system: its write lock, the atomic write and the import journal.

Every write goes through ``atomic_write`` (or ``write_together``) under the register lock:
the bytes go to a temporary file in the same directory, are fsynced and renamed over the
old file. A reader sees the old bytes or the new bytes, never a mix.

The lock is an OS lock (``flock`` on POSIX, ``LockFileEx``/``msvcrt.locking`` on Windows,
through portalocker) on ``.calcert.lock``, taken on a descriptor opened for *reading*, so
every member of a team group that may read the register may lock it, and a killed process
never leaves it held. No POSIX-only module is imported here: portalocker is imported when a
lock is taken and picks the platform's own primitive.

Writing several files (``import``) is all-or-nothing through a journal in the register
root, as git and SQLite do: "staging" while the temporary files are written (an interrupted
run is rolled back), then "commit" listing every rename (an interrupted run is finished).
The next writing command, once it holds the lock, does whichever is due and says which.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import signal
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from calcert.errors import UsageError
from calcert.i18n import _
from calcert.model.findings import display_path
from calcert.register.location import INSTITUTIONS_DIR

LOCK_NAME = ".calcert.lock"
JOURNAL_NAME = ".calcert-journal"
LOCK_TIMEOUT_ENV = "CALCERT_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 60.0
SAY_WHO_AFTER = 1.0  # seconds of waiting before a writer says who holds the lock
# Windows refuses a rename while another program (a virus scanner, an indexer, an editor)
# has the file open: ERROR_ACCESS_DENIED, ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION.
_SHARING_VIOLATIONS = frozenset({5, 32, 33})
_REPLACE_ATTEMPTS = 12
_TEMP_NAME = re.compile(r"\.[^/\\]+\.toml\.[^/\\]+\.tmp\Z")
_TARGET_NAME = re.compile(r"[^/\\.][^/\\]*\.toml\Z")


def _quiet(message: str) -> None:
    """Where the register layer's notes go until the command line plugs in stderr."""


# What a writer says while it waits for the lock, or after it repaired an interrupted
# import. This layer never prints: the command line sets it to its one-line stderr writer.
notify: Callable[[str], None] = _quiet

# Files renamed into place during this run (the command line reads it when printing the
# result fails: the register was changed all the same, and it must say so).
written: list[Path] = []


# ---- the lock ------------------------------------------------------------------------------


def lock_timeout() -> float:
    """Seconds a writer waits for the lock: ``$CALCERT_LOCK_TIMEOUT`` (default 60)."""
    text = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 10**7:
        raise UsageError(
            _("{name}={value!r} is not a number of seconds; e.g. {name}=60").format(
                name=LOCK_TIMEOUT_ENV, value=text
            )
        )
    return value


def lock_holder(lock_path: Path) -> int | None:
    """The pid holding ``lock_path`` locked, where the system tells (Linux /proc/locks)."""
    try:
        info = os.stat(lock_path)
        with open("/proc/locks", encoding="ascii", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    wanted = f":{info.st_ino}"
    for line in lines:
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF" (a blocked waiter has "->")
        if len(fields) >= 6 and "->" not in fields and fields[5].endswith(wanted):
            with contextlib.suppress(ValueError):
                return int(fields[4])
    return None


def _open_lock(lock_path: Path) -> IO[bytes]:
    """The lock file opened for reading (created first if a writer may create it)."""
    try:
        return open(lock_path, "rb")
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise _lock_error(lock_path, exc) from None
    try:
        os.close(os.open(lock_path, os.O_WRONLY | os.O_CREAT, 0o666))
        return open(lock_path, "rb")
    except OSError as exc:
        raise _lock_error(lock_path, exc) from None


def _lock_error(lock_path: Path, exc: OSError) -> UsageError:
    return UsageError(
        _("{path}: cannot create the register lock ({reason}); is the register read-only?").format(
            path=display_path(lock_path), reason=exc.strerror
        )
    )


def _try_lock(handle: IO[bytes], lock_path: Path) -> bool:
    try:
        import portalocker
    except ImportError as exc:  # a platform with neither fcntl nor msvcrt
        raise UsageError(
            _("{path}: cannot lock the register on this system ({reason})").format(
                path=display_path(lock_path), reason=exc
            )
        ) from None
    flags = portalocker.LockFlags.EXCLUSIVE | portalocker.LockFlags.NON_BLOCKING
    try:
        portalocker.lock(handle, flags)
    except portalocker.AlreadyLocked:
        return False
    except portalocker.LockException as exc:
        raise UsageError(
            _("{path}: cannot lock the register ({reason})").format(
                path=display_path(lock_path), reason=exc
            )
        ) from None
    return True


def _wait_for_lock(handle: IO[bytes], lock_path: Path) -> None:
    timeout = lock_timeout()
    start = time.monotonic()
    said = False
    while not _try_lock(handle, lock_path):
        waited = time.monotonic() - start
        pid = lock_holder(lock_path)
        who = (
            _("process {pid}").format(pid=pid) if pid is not None else _("another calcert process")
        )
        if waited >= timeout:
            raise UsageError(
                _(
                    "{path}: the register is still locked by {who} after {seconds:g} s; "
                    "try again when it has finished (or set {name} to wait longer)"
                ).format(
                    path=display_path(lock_path), who=who, seconds=timeout, name=LOCK_TIMEOUT_ENV
                )
            )
        if not said and waited >= SAY_WHO_AFTER:
            notify(
                _(
                    "calcert: waiting for the register lock ({path}), held by {who}; "
                    "giving up after {seconds:g} s"
                ).format(path=display_path(lock_path), who=who, seconds=timeout)
            )
            said = True
        time.sleep(min(0.05, max(timeout - waited, 0.0)))


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the register's write lock; first finish or roll back an interrupted import."""
    lock_path = root / LOCK_NAME
    handle = _open_lock(lock_path)
    try:
        _wait_for_lock(handle, lock_path)
        try:
            message = recover(root)
            if message:
                notify(message)
            yield
        finally:
            with contextlib.suppress(Exception):
                import portalocker

                portalocker.unlock(handle)
    finally:
        handle.close()


# ---- interruptions ---------------------------------------------------------------------------


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM stops the work like Ctrl-C does (so cleanup code runs), not the process."""
    if not _in_main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def uninterruptible() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block is done, then stop the command."""
    if not _in_main_thread():
        yield
        return
    caught: list[int] = []
    wanted = [signal.SIGINT] + ([signal.SIGTERM] if hasattr(signal, "SIGTERM") else [])
    previous = {
        sig: signal.signal(sig, lambda signum, frame: caught.append(signum)) for sig in wanted
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if caught:
        raise KeyboardInterrupt


# ---- writing -------------------------------------------------------------------------------


def new_file_mode() -> int:
    """The mode a new file gets: read-write for all, less the umask (e.g. 0644, 0664)."""
    if sys.platform == "win32":
        return 0o666
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _like(tmp: str, path: Path) -> None:
    """Give the temporary file the mode and group of the file it replaces (else the umask)."""
    try:
        info = os.stat(path)
    except OSError:
        os.chmod(tmp, new_file_mode())
        return
    if hasattr(os, "chown") and os.stat(tmp).st_gid != info.st_gid:
        with contextlib.suppress(OSError):  # not a member of that group: keep ours
            os.chown(tmp, -1, info.st_gid)
    os.chmod(tmp, stat.S_IMODE(info.st_mode))


def replace(source: str | Path, target: str | Path) -> None:
    """``os.replace``, retried while Windows reports the target in use by another program."""
    for attempt in range(_REPLACE_ATTEMPTS):
        try:
            os.replace(source, target)
            return
        except PermissionError as exc:
            if getattr(exc, "winerror", None) not in _SHARING_VIOLATIONS:
                raise
            if attempt == _REPLACE_ATTEMPTS - 1:
                raise
            time.sleep(0.02 * (attempt + 1))


def stage(path: Path, data: bytes) -> str:
    """Write ``data`` to a fsynced temporary file beside ``path``; returns its name.

    The temporary file has ``path``'s mode and group already; on any failure (Ctrl-C
    included) it is removed again.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _like(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see old or new bytes, never a mix.

    A symlink (the reader only follows those that stay inside the register) is written
    through: its target gets the new bytes and the link stays a link.
    """
    if path.is_symlink():
        path = path.resolve()
    directory = path.parent
    try:
        tmp = stage(path, data)
    except OSError as exc:
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            message = _("{path}: cannot write ({reason}); is the register read-only?")
        else:  # a full disk, an I/O error
            message = _("{path}: cannot write ({reason})")
        raise UsageError(message.format(path=display_path(path), reason=exc.strerror)) from None
    try:
        _before_rename_hook(path, Path(tmp))
        replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise UsageError(
                _("{path}: cannot write ({reason})").format(
                    path=display_path(path), reason=exc.strerror
                )
            ) from None
        raise
    fsync_directory(directory)


def fsync_directory(directory: Path) -> None:
    """Make renames in ``directory`` durable (best effort: not every filesystem allows it)."""
    with contextlib.suppress(OSError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def remove_stale_temp_files(directory: Path) -> list[str]:
    """Remove ``.<name>.toml.<random>.tmp`` files left by writers killed before their rename.

    Only call this holding the register lock: then no live writer has a temporary file.
    Readers never see these files (names starting with "." are skipped).
    """
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            name = entry.name
            if name.startswith(".") and name.endswith(".tmp") and ".toml." in name:
                with contextlib.suppress(OSError):
                    if entry.is_file(follow_symlinks=False):
                        os.unlink(entry.path)
                        removed.append(name)
    return removed


def _before_rename_hook(path: Path, tmp: Path) -> None:
    """Test seam: lets a test stop a writer between the fsync and the rename."""


def write_files(root: Path, contents: dict[Path, str]) -> None:
    """Write several files, each atomically (caller holds the lock)."""
    (root / INSTITUTIONS_DIR).mkdir(exist_ok=True)
    remove_stale_temp_files(root / INSTITUTIONS_DIR)
    with interruptible():
        for path, text in contents.items():
            atomic_write(path, text.encode("utf-8"))
            written.append(path)


# ---- the journal: several files, all or nothing ------------------------------------------------


class CommitFailed(Exception):
    """Renames failed after the journal said "commit": the next writer finishes them."""

    def __init__(self, done: int, total: int, reason: str) -> None:
        super().__init__(reason)
        self.done, self.total, self.reason = done, total, reason


def _write_journal(root: Path, state: str, renames: list[tuple[str, str]]) -> None:
    """Replace the journal atomically; ``OSError`` passes through (nothing was imported)."""
    body = {"calcert-journal": 1, "state": state, "renames": renames}
    data = (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    tmp = stage(root / JOURNAL_NAME, data)
    try:
        replace(tmp, root / JOURNAL_NAME)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_directory(root)


def _inside(root: Path, relative: str, pattern: re.Pattern[str]) -> Path | None:
    """``root / relative`` if it is a plain path inside the register named like ``pattern``."""
    parts = relative.split("/")
    if not relative or any(p in ("", ".", "..") or "\\" in p for p in parts):
        return None
    if not pattern.match(parts[-1]) or Path(relative).is_absolute():
        return None
    return root.joinpath(*parts)


def _read_journal(root: Path) -> tuple[str, list[tuple[Path, Path]]] | None:
    """The journal's state and renames; ("staging", []) if it cannot be trusted."""
    try:
        raw = (root / JOURNAL_NAME).read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        return ("staging", [])
    try:
        body = json.loads(raw)
        state = body["state"]
        pairs = [(str(tmp), str(target)) for tmp, target in body["renames"]]
    except (ValueError, KeyError, TypeError):
        return ("staging", [])
    renames = [(_inside(root, t, _TEMP_NAME), _inside(root, n, _TARGET_NAME)) for t, n in pairs]
    if state != "commit" or not all(t and n for t, n in renames):
        return ("staging", [])
    return (state, [(t, n) for t, n in renames if t and n])


def recover(root: Path) -> str | None:
    """Finish (after "commit") or roll back (before it) an interrupted import; say which.

    Call it holding the lock. Returns the message, or None when there was nothing to do.
    """
    _remove_journal_temps(root)
    journal = _read_journal(root)
    if journal is None:
        return None
    state, renames = journal
    if state == "commit":
        for tmp, target in renames:
            if tmp.exists():
                replace(tmp, target)
        for folder in {target.parent for _tmp, target in renames}:
            fsync_directory(folder)
        message = _(
            "calcert: finished an interrupted import: all {n} of its files are now written"
        ).format(n=len(renames))
    else:
        message = _("calcert: rolled back an interrupted import: none of its rows were recorded")
    remove_stale_temp_files(root / INSTITUTIONS_DIR)
    (root / JOURNAL_NAME).unlink(missing_ok=True)
    fsync_directory(root)
    return message


def write_together(root: Path, contents: dict[Path, bytes], tick: Callable[[], None]) -> None:
    """Write every file or none, even if interrupted or killed (caller holds the lock).

    Ctrl-C or SIGTERM while the files are staged removes them (nothing written); once the
    journal says "commit", they are put off until every file is in place. A kill or a power
    loss after that is finished by the next writer (``recover``). Before the commit,
    ``OSError`` passes through with every temporary file removed; after it, ``CommitFailed``.
    """
    staged: list[tuple[str, Path]] = []
    try:
        with interruptible():
            _write_journal(root, "staging", [])
            for path, data in contents.items():
                if path.is_symlink():  # write through a link inside the register
                    path = path.resolve()
                staged.append((stage(path, data), path))
        with uninterruptible():
            renames = [(Path(tmp), path) for tmp, path in staged]
            base = root.resolve()
            _write_journal(
                root,
                "commit",
                [(_relative(t, base), _relative(p, base)) for t, p in renames],
            )
            staged = []  # from here on, the journal owns them
            _commit(root, renames, tick)
    except BaseException:
        for tmp, _path in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        with contextlib.suppress(OSError):
            _roll_back_uncommitted(root)
        raise
    fsync_directory(root)


def _relative(path: Path, base: Path) -> str:
    return path.resolve().relative_to(base).as_posix()


def _commit(root: Path, renames: list[tuple[Path, Path]], tick: Callable[[], None]) -> None:
    for done, (tmp, path) in enumerate(renames):
        try:
            replace(tmp, path)
        except OSError as exc:
            raise CommitFailed(done, len(renames), exc.strerror or str(exc)) from None
        written.append(path)
        tick()
    for folder in {path.parent for _tmp, path in renames}:
        fsync_directory(folder)
    (root / JOURNAL_NAME).unlink()


def _remove_journal_temps(root: Path) -> None:
    """Temporary files of a journal write killed before its rename (we hold the lock)."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(root):
            if entry.name.startswith(JOURNAL_NAME + ".") and entry.name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _roll_back_uncommitted(root: Path) -> None:
    """After a failure: a journal still "staging" is dropped (its files are gone)."""
    journal = _read_journal(root)
    if journal is not None and journal[0] == "staging":
        (root / JOURNAL_NAME).unlink(missing_ok=True)
