"""The register's file system: its write lock and the one atomic write.

Every write goes through ``atomic_write`` under the register lock (a kernel ``flock`` on
``.calcert.lock``, so a killed process never leaves it stale): the bytes go to a temporary
file in the same directory, are fsynced and renamed over the old file. A reader sees the
old bytes or the new bytes, never a mix.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from calcert.errors import UsageError
from calcert.i18n import _
from calcert.model.findings import display_path
from calcert.register.location import INSTITUTIONS_DIR

LOCK_NAME = ".calcert.lock"


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the register's write lock (kernel flock: released if the process dies)."""
    lock_path = root / LOCK_NAME
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise UsageError(
            _(
                "{path}: cannot create the register lock ({reason}); is the register read-only?"
            ).format(path=display_path(lock_path), reason=exc.strerror)
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see old or new bytes, never a mix.

    A symlink (the reader only follows those that stay inside the register) is written
    through: its target gets the new bytes and the link stays a link.
    """
    if path.is_symlink():
        path = path.resolve()
    directory = path.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise UsageError(
            _("{path}: cannot write ({reason}); is the register read-only?").format(
                path=display_path(path), reason=exc.strerror
            )
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        mode = 0o644
        with contextlib.suppress(OSError):
            mode = stat.S_IMODE(path.stat().st_mode)
        os.chmod(tmp, mode)
        _before_rename_hook(path, Path(tmp))
        os.replace(tmp, path)
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
    for path, text in contents.items():
        atomic_write(path, text.encode("utf-8"))
