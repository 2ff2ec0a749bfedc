"""Where ``export -o PATH`` may write, and the atomic write of the export there.

An export never goes into the register (a CSV over ``calcert.toml`` or an institution file
would be data loss dressed as a backup), never replaces something that is not a regular
file (a FIFO, a socket, a device or a directory keeps being what it is), and lands whole:
temporary file in the same folder, fsync, rename. ``-o -`` is standard output. Messages
name the ``-o`` argument; the register is not involved, so they do not speak of it.
"""

# No `from __future__ import annotations`: see the note at the top of app.py (start-up).

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from calcert.errors import UsageError
from calcert.i18n import N_, _

STDOUT = "-"
_KINDS = (
    (stat.S_ISDIR, N_("a directory")),
    (stat.S_ISFIFO, N_("a FIFO")),
    (stat.S_ISSOCK, N_("a socket")),
    (stat.S_ISCHR, N_("a device")),
    (stat.S_ISBLK, N_("a device")),
)


def _refuse(output: str, message: str, **values: object) -> UsageError:
    return UsageError(_("-o {output}: ").format(output=output) + message.format(**values))


def _kind(mode: int) -> str | None:
    """What a file that is not a regular file is, in words; None for a regular file."""
    for test, name in _KINDS:
        if test(mode):
            return _(name)
    return None if stat.S_ISREG(mode) else _("a special file")


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def output_target(output: str, root: Path) -> Path | None:
    """The file ``-o output`` writes (symlinks followed), or None for standard output.

    Refused (exit 2) before anything is read or written: a path inside the register
    ``root``, an existing target that is not a regular file, a folder that does not exist.
    """
    if output == STDOUT:
        return None
    given = Path(output).expanduser()
    target = given.resolve()
    if _inside(target, root.resolve()):
        raise _refuse(
            output,
            _("is inside the register ({root}); write the export outside it"),
            root=root,
        )
    try:
        kind = _kind(os.stat(target).st_mode)
    except FileNotFoundError:
        kind = None
    except OSError as exc:
        raise _refuse(output, _("cannot be checked ({reason})"), reason=exc.strerror) from None
    if kind is not None:
        raise _refuse(
            output,
            _("is {kind}, not a regular file; give a file name, or -o - for standard output"),
            kind=kind,
        )
    if not target.parent.is_dir():
        raise _refuse(
            output, _("the directory {directory} does not exist"), directory=given.parent
        )
    return target


def _new_file_mode(target: Path) -> int:
    """An existing file keeps its mode; a new one gets what the umask allows."""
    with contextlib.suppress(OSError):
        return stat.S_IMODE(os.stat(target).st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_output(data: bytes, target: Path, output: str) -> None:
    """Write ``data`` to ``target`` atomically: readers see the old file or the new one."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _refuse(output, _("cannot write ({reason})"), reason=exc.strerror) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _new_file_mode(target))
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _refuse(output, _("cannot write ({reason})"), reason=exc.strerror) from None
        raise
