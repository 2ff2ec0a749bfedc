"""A parse cache for register files, kept in the user's cache folder, outside the register.

Reading a register means parsing every file, every time; but between two runs almost no
file changes. The cache remembers, per file, what reading it gave (the record, its
findings, whether it is canonical) and, once ``validate`` has run them, what the per-file
rules found (they depend on the file's name and bytes only, as the key does), so a repeated
run only reads bytes.

It can never serve stale data because it is keyed by *content*, not by time stamps: an
entry is found by the file's name and a BLAKE2b digest of the bytes just read. A file
edited within the same second to the same size has other bytes, hence another digest.
(Time stamps would be cheaper to check, but coarse clocks, ``cp -p``, ``touch -d`` and
network file systems make them a guess; reading 10,000 small files costs far less than
parsing them.)

Where: ``$XDG_CACHE_HOME/calcert/registers/<digest of the register's path>.bin`` (else
``$HOME/.cache/...``; a relative ``XDG_CACHE_HOME`` is ignored, as the XDG spec says, and
no HOME means no cache), never inside the register: reading commands leave every byte of
the register as it was, a read-only register needs nothing special, and no cache file can
be committed to git or planted in a pull request. The cache is used only when every
folder on the way (the cache home, ``calcert/``, ``registers/``, created 0700) is owned
by this user and writable by nobody else; otherwise calcert neither reads nor writes it
(``--debug`` says why). So only this user can have written a cache file: the body is
``marshal`` data (never pickle) behind a digest that catches a torn or damaged file.

Commands that write never take a record they rewrite from the cache: they parse the
file's own bytes again (``fresh``).

The cache is only a speed-up, so it fails quietly: a missing, corrupt, foreign or old
cache file is ignored (and replaced); no usable cache folder, or ``CALCERT_CACHE=0``,
simply runs without one. It is written atomically (temporary file + rename), so
concurrent runs (two ``calcert add`` at once) each leave a complete cache, and neither
blocks the other.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from calcert import __version__
from calcert.i18n import Message, PluralMessage
from calcert.model.findings import Finding
from calcert.model.records import AWARD_DATE_KEYS, AWARD_FIELDS, Institution
from calcert.register.tomlfile import LineIndex, ParsedFile, award_of, decode

FORMAT = 5  # 2: findings carry a column; 3: and the per-file rules' findings; 4: a digest, no MAC;
# 5: decided_on, ordinal, valid_until_assumed
ENV_SWITCH = "CALCERT_CACHE"  # "0", "off", "no" or "false" switch the cache off
_TOP = ("id", "name", "city", "kind", "voivodeship", "website", "parent")
_DATES = AWARD_DATE_KEYS


def quiet(message: str) -> None:
    """Where the cache says why it is not used; the command line sets it under --debug."""


debug: Callable[[str], None] = quiet


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "").strip().lower() not in ("0", "off", "no", "false")


def user_cache_folder() -> Path | None:
    """``$XDG_CACHE_HOME/calcert`` (only if absolute, as the XDG spec says), else
    ``$HOME/.cache/calcert``; None without a HOME."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "calcert"
    home = os.environ.get("HOME") or (os.environ.get("USERPROFILE") if os.name == "nt" else "")
    if not home or not os.path.isabs(home):
        return None
    return Path(home) / ".cache" / "calcert"


def cache_file(root: Path) -> Path:
    """Where the cache of the register at ``root`` would live (see ``usable_folder``)."""
    folder = user_cache_folder() or Path(os.devnull)
    where = hashlib.blake2b(str(root.resolve()).encode(), digest_size=16).hexdigest()
    return folder / "registers" / f"{where}.bin"


def _unsafe(folder: Path) -> str | None:
    """Why nobody but this user must be trusted with ``folder``'s contents, or None."""
    try:
        info = os.lstat(folder)
    except OSError as exc:
        return f"{folder}: {exc.strerror}"
    if not stat.S_ISDIR(info.st_mode):
        return f"{folder}: not a folder (a symlink or a file)"
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return f"{folder}: owned by another user (uid {info.st_uid})"
    if os.name != "nt" and info.st_mode & 0o022:
        return f"{folder}: writable by group or others (mode {stat.S_IMODE(info.st_mode):o})"
    return None


def usable_folder(root: Path) -> Path | None:
    """The folder of cache files, created 0700, if only this user can write it; else None.

    None also when it would be inside the register at ``root``. The reason goes to
    ``debug``.
    """
    base = user_cache_folder()
    if base is None:
        debug("calcert: no parse cache: no HOME (and no absolute XDG_CACHE_HOME)")
        return None
    folder = base / "registers"
    try:
        for each in (base.parent, base, folder):  # each one 0700, not just the last
            each.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        debug(f"calcert: no parse cache: {folder}: cannot create it ({exc.strerror})")
        return None
    try:
        folder.resolve().relative_to(root.resolve())
    except ValueError:
        pass
    else:
        debug(f"calcert: no parse cache: {folder} is inside the register")
        return None
    for each in (base.parent, base, folder):
        problem = _unsafe(each.resolve() if each is base.parent else each)
        if problem:
            debug(f"calcert: no parse cache: {problem}")
            return None
    return folder


@functools.cache
def _code_fingerprint() -> str:
    """Changes whenever calcert's code changes (a new parse may give other findings).

    Worked out once per process: the code a process runs is the code it imported, and a
    library caller (or the test suite) opening the cache again and again would otherwise
    walk and stat the package each time."""
    package = Path(__file__).parent.parent  # calcert/, all its subpackages included
    parts = [__version__, str(FORMAT), sys.version]
    with contextlib.suppress(OSError):
        for folder, subfolders, names in os.walk(package):
            subfolders.sort()
            for name in sorted(names):
                if name.endswith(".py"):
                    info = os.stat(os.path.join(folder, name))
                    relative = os.path.relpath(os.path.join(folder, name), package)
                    parts.append(f"{relative}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


# ---- ParsedFile <-> marshal-able tuples -----------------------------------------------


class Uncacheable(Exception):
    """A finding carries a value the cache cannot store: the file is just not cached."""


def _encode(value: Any) -> tuple[Any, ...]:
    """A finding message (or one of its parameters) as marshal-able tuples."""
    if isinstance(value, PluralMessage):
        params = {k: v for k, v in value.params.items() if k != "n"}
        return ("p", value.singular, value.plural, value.n, _encode_params(params))
    if isinstance(value, Message):
        return ("m", value.template, _encode_params(value.params))
    if isinstance(value, date) and not isinstance(value, datetime):
        return ("d", value.toordinal())
    if value is None or type(value) in (str, int, float, bool):
        return ("v", value)
    raise Uncacheable(type(value).__name__)


def _encode_params(params: dict[str, Any]) -> tuple[Any, ...]:
    return tuple((key, _encode(value)) for key, value in params.items())


def _decode(packed: tuple[Any, ...]) -> Any:
    tag = packed[0]
    if tag == "v":
        return packed[1]
    if tag == "d":
        return date.fromordinal(packed[1])
    if tag == "m":
        return Message(packed[1], **_decode_params(packed[2]))
    if tag == "p":
        return PluralMessage(packed[1], packed[2], packed[3], **_decode_params(packed[4]))
    raise ValueError(f"unknown tag {tag!r}")


def _decode_params(packed: tuple[Any, ...]) -> dict[str, Any]:
    return {key: _decode(value) for key, value in packed}


class _LazyLineIndex(LineIndex):
    """The line index of a cached file, worked out from its bytes only if a finding needs it.

    Both read paths make their index with ``LineIndex.scan`` (or, for canonical files, an
    equal one), so scanning later gives the same lines; most files never need it.
    """

    def __init__(self, raw: bytes) -> None:  # no super().__init__: the fields come later
        self._raw = raw

    def __getattr__(self, name: str) -> Any:  # called only for attributes not set yet
        if name not in ("top", "awards", "award_keys", "tables"):
            raise AttributeError(name)
        text, _ = decode(self._raw)
        self.__dict__.update(vars(LineIndex.scan(text or "")))
        return self.__dict__[name]


def pack(parsed: ParsedFile) -> tuple[Any, ...]:
    """What reading a file gave, as marshal-able tuples (``unpack`` rebuilds it).

    Only what loading found is stored; the rules run on every read, on the record. A file
    that is TOML but not complete keeps a draft its record cannot give: such files (rare,
    and soon fixed) are read again each time rather than cached.
    """
    if parsed.partial is not None:
        raise Uncacheable("an incomplete file")
    if parsed.institution is not None and parsed.canonical is None:
        parsed.is_canonical()  # decided once, by whoever parsed the file
    inst = parsed.institution
    packed_inst = None
    if inst is not None:
        awards = []
        for award in inst.awards:
            values: list[Any] = [award.line]
            for key in AWARD_FIELDS:
                value = getattr(award, key)
                values.append(value.toordinal() if key in _DATES and value else value)
            awards.append(tuple(values))
        packed_inst = (tuple(getattr(inst, key) for key in _TOP), tuple(awards))
    return (
        packed_inst,
        _pack_findings(parsed.findings),
        parsed.lines is not None,
        parsed.canonical,
        None if parsed.checked is None else _pack_findings(parsed.checked),
    )


def _pack_findings(findings: list[Finding]) -> tuple[Any, ...]:
    return tuple((f.line, f.code, _encode(f.message), f.column) for f in findings)


def _unpack_findings(packed: tuple[Any, ...], shown: str) -> list[Finding]:
    if not packed:  # most files: nothing found (a list each, but no comprehension to set up)
        return []
    return [
        Finding(shown, line, code, _decode(message), column)
        for line, code, message, column in packed
    ]


def unpack(packed: tuple[Any, ...], path: Path, shown: str, raw: bytes | None) -> ParsedFile:
    packed_inst, findings, has_lines, canonical, checked = packed
    institution = None
    if packed_inst is not None:
        top, packed_awards = packed_inst
        awards = []
        for values in packed_awards:
            fields: dict[str, Any] = {"line": values[0]}
            for key, value in zip(AWARD_FIELDS, values[1:], strict=True):
                if value is not None:
                    fields[key] = date.fromordinal(value) if key in _DATES else value
            awards.append(award_of(fields))
        institution = Institution(
            **dict(zip(_TOP, top, strict=True)), awards=tuple(awards), path=path
        )
    return ParsedFile(
        path,
        shown,
        institution,
        _unpack_findings(findings, shown),
        raw,
        _LazyLineIndex(raw) if has_lines and raw is not None else None,
        canonical=canonical,
        checked=None if checked is None else _unpack_findings(checked, shown),
    )


class ParseCache:
    """What reading each file gave, by file name and content digest."""

    def __init__(
        self, root: Path, folder: Path, entries: dict[str, tuple[Any, ...]], settings: str = ""
    ):
        self.root = root
        self._old = entries
        self._new: dict[str, tuple[Any, ...]] = {}
        # The files read this run whose entry lacks the rules' findings (see ``save``).
        self._unchecked: dict[str, ParsedFile] = {}
        self._changed = False
        # What reading depends on besides the bytes: the register's [terms] default_years
        # (the end of an award without valid_until); other settings, other entries.
        self._fingerprint = _code_fingerprint() + settings
        self._path = folder / cache_file(root).name

    @property
    def path(self) -> Path:
        return self._path

    @classmethod
    def open(cls, root: Path, settings: str = "") -> ParseCache | None:
        """The register's cache (empty when there is none yet); None when switched off.

        ``settings``: the register settings that reading depends on, as text; a cache
        written under other settings is not used."""
        if not enabled():
            return None
        folder = usable_folder(root)
        if folder is None:
            return None
        cache = cls(root, folder, {}, settings)
        cache._old = cache._read()
        return cache

    def _read(self) -> dict[str, tuple[Any, ...]]:
        try:
            blob = self.path.read_bytes()
        except OSError:
            return {}
        check, _, body = blob.partition(b"\n")
        if check != self._check(body):
            return {}  # damaged (a torn write, a full disk): ignore it
        try:
            # Only this user can write the folder (``usable_folder``), and nothing here
            # reads a cache file from anywhere else.
            data = marshal.loads(body)
        except (ValueError, EOFError, TypeError):
            return {}
        if (
            not isinstance(data, tuple)
            or len(data) != 3
            or data[:2] != (FORMAT, self._fingerprint)
            or not isinstance(data[2], dict)
        ):
            return {}
        return data[2]

    @staticmethod
    def _check(body: bytes) -> bytes:
        return hashlib.blake2b(body, digest_size=16).hexdigest().encode()

    def get(self, path: Path, raw: bytes, shown: str) -> ParsedFile | None:
        entry_key = f"{path.name}:{digest(raw)}"
        packed = self._old.get(entry_key)
        if packed is None:
            return None
        try:
            parsed = unpack(packed, path, shown, raw)
        except (TypeError, ValueError, KeyError, IndexError, OverflowError):
            self._changed = True
            return None
        self._new[entry_key] = packed
        if parsed.checked is None:
            self._unchecked[entry_key] = parsed
        return parsed

    def put(self, path: Path, raw: bytes, parsed: ParsedFile) -> None:
        try:
            packed = pack(parsed)
        except Uncacheable:
            return
        self.put_packed(path, raw, packed, parsed)

    def put_packed(
        self, path: Path, raw: bytes, packed: tuple[Any, ...], parsed: ParsedFile | None = None
    ) -> None:
        entry_key = f"{path.name}:{digest(raw)}"
        self._new[entry_key] = packed
        self._changed = True
        if parsed is not None and parsed.checked is None:
            self._unchecked[entry_key] = parsed

    def _repack_checked(self) -> None:
        """Entries whose file the rules have checked since it was read get their findings."""
        for entry_key, parsed in list(self._unchecked.items()):
            if parsed.checked is not None:
                with contextlib.suppress(Uncacheable):
                    self._new[entry_key] = pack(parsed)
                    self._changed = True
                del self._unchecked[entry_key]

    def misses_expected(self, count: int) -> int:
        """How many of ``count`` files will probably need parsing (a guess, for planning)."""
        return max(0, count - len(self._old))

    def save(self) -> None:
        """Write the entries used in this run (others are dropped); never raises.

        May be called again after the rules ran (``Register.save_cache``): entries then
        gain the per-file rules' findings, and are written only if something changed.
        """
        self._repack_checked()
        if not self._changed and len(self._new) == len(self._old):
            return
        body = marshal.dumps((FORMAT, self._fingerprint, self._new))
        folder = self.path.parent
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=".parsed.", suffix=".tmp", dir=folder)
            # open(fd) and os.rename (an atomic replace on POSIX), not the os.fdopen and
            # os.replace of register writes (atomic_write): tests that stop a register write
            # at those calls must not stop this one instead.
            with open(fd, "wb") as handle:
                handle.write(self._check(body) + b"\n" + body)
            os.rename(tmp, self.path)
            tmp = None
            self._changed = False
            self._old = self._new
        except OSError:
            pass  # no cache folder, full disk: run without a cache
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
