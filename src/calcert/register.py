"""Finding a register on disk, loading it, and writing to it safely.

Every write goes through ``write_files``: under the register lock (a kernel ``flock`` on
``.calcert.lock``, so a killed process never leaves it stale) each file is written to a
temporary file in the same directory, fsynced and renamed over the old one. A reader sees
the old bytes or the new bytes, never a mix.
"""

from __future__ import annotations

import contextlib
import difflib
import fcntl
import gc
import os
import stat
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import calcert
from calcert.errors import UsageError
from calcert.findings import Finding, display_path
from calcert.i18n import Message, _, translate_text
from calcert.tomlfile import MAX_FILE_BYTES, ParsedFile, decode_at, parse

if TYPE_CHECKING:
    from calcert.cache import ParseCache

CONFIG_NAME = "calcert.toml"
INSTITUTIONS_DIR = "institutions"
LOCK_NAME = ".calcert.lock"
ENV_REGISTRY = "CALCERT_REGISTRY"

CONFIG_TEMPLATE = """\
schema = 1
name = "Rejestr Certyfikatów Jakości CAL"

[terms]
default_years = 5          # term length when `add` gets neither --until nor --term

[validate]
max_term_years = 5         # longer terms are a warning
"""

GITIGNORE = ".calcert.lock\n"

_CONFIG_KEYS: dict[str, dict[str, type] | type] = {
    "schema": int,
    "name": str,
    "terms": {"default_years": int},
    "validate": {"max_term_years": int, "ignore": list},
    "export": {"reminders": list},
}

DEFAULT_REMINDERS = ("6m", "1m")


@dataclass(frozen=True)
class Config:
    """Register settings from ``calcert.toml``; every key but ``schema`` has a default."""

    schema: int = 1
    name: str = "Rejestr Certyfikatów Jakości CAL"
    default_years: int = 5
    max_term_years: int = 5
    ignore: tuple[str, ...] = ()
    reminders: tuple[str, ...] = DEFAULT_REMINDERS


def find_root(explicit: str | Path | None = None, cwd: Path | None = None) -> Path:
    """The register root: ``--registry``, then ``$CALCERT_REGISTRY``, then upwards from cwd."""
    for given, origin in ((explicit, "--registry"), (os.environ.get(ENV_REGISTRY), ENV_REGISTRY)):
        if given:
            path = Path(given).expanduser()
            for candidate in (path, path / "registry"):
                if (candidate / CONFIG_NAME).is_file():
                    return candidate
            raise UsageError(
                _(
                    "{origin} {given}: no register there (no {config}); "
                    "create one with `calcert init {given}`"
                ).format(origin=origin, given=given, config=CONFIG_NAME)
            )
    start = (cwd or Path.cwd()).absolute()
    for directory in (start, *start.parents):
        for candidate in (directory, directory / "registry"):
            if (candidate / CONFIG_NAME).is_file():
                return candidate
    raise UsageError(
        _(
            "no register found in {start} or above (looked for {config} and "
            "registry/calcert.toml); create one with `calcert init`, or pass --registry DIR"
        ).format(start=start, config=CONFIG_NAME)
    )


def load_config(root: Path) -> Config:
    """Read ``calcert.toml``; anything wrong in it is a usage error (exit 2)."""
    path = root / CONFIG_NAME
    shown = display_path(path)
    fix = _("fix or re-create it (`calcert init`)")
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageError(
            _("{path}: cannot be read ({reason}); {fix}").format(
                path=shown, reason=exc.strerror, fix=fix
            )
        ) from None
    text, problem, line = decode_at(raw)
    if text is None:
        raise UsageError(f"{shown}:{line}: {translate_text(problem)}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(
            _("{path}: cannot be read: {error}; {fix}").format(path=shown, error=exc, fix=fix)
        ) from None
    except RecursionError:
        raise UsageError(
            _("{path}: cannot be read: nested too deeply; {fix}").format(path=shown, fix=fix)
        ) from None
    except ValueError:  # an integer with thousands of digits
        raise UsageError(
            _("{path}: cannot be read: a number is too long; {fix}").format(path=shown, fix=fix)
        ) from None

    def bad(message: str) -> UsageError:
        return UsageError(f"{shown}: {message}")

    for key, value in data.items():
        spec = _CONFIG_KEYS.get(key)
        if spec is None:
            close = difflib.get_close_matches(key, list(_CONFIG_KEYS), n=1)
            hint = _(" (did you mean {word!r}?)").format(word=close[0]) if close else ""
            return_error = bad(
                _("unknown key {key!r}{hint}; known keys: {known}").format(
                    key=key, hint=hint, known=", ".join(_CONFIG_KEYS)
                )
            )
            raise return_error
        if isinstance(spec, dict):
            if not isinstance(value, dict):
                raise bad(_("{key} must be a table [{key}]").format(key=key))
            for sub, subvalue in value.items():
                if sub not in spec:
                    close = difflib.get_close_matches(sub, list(spec), n=1)
                    hint = _(" (did you mean {word!r}?)").format(word=close[0]) if close else ""
                    raise bad(
                        _("unknown key {sub!r} in [{key}]{hint}; known: {known}").format(
                            sub=sub, key=key, hint=hint, known=", ".join(spec)
                        )
                    )
                if not isinstance(subvalue, spec[sub]) or isinstance(subvalue, bool):
                    raise bad(_("[{key}] {sub} has the wrong type").format(key=key, sub=sub))
        elif not isinstance(value, spec) or isinstance(value, bool):
            raise bad(_("{key} has the wrong type").format(key=key))
    if "schema" not in data:
        raise bad(_("missing `schema = 1`"))
    if data["schema"] != 1:
        raise bad(
            _("schema {schema} is not supported by this calcert (it reads schema 1)").format(
                schema=data["schema"]
            )
        )
    terms = data.get("terms", {})
    checks = data.get("validate", {})
    default_years = terms.get("default_years", 5)
    max_years = checks.get("max_term_years", 5)
    if not 1 <= default_years <= 100:
        raise bad(_("[terms] default_years must be between 1 and 100"))
    if not 1 <= max_years <= 100:
        raise bad(_("[validate] max_term_years must be between 1 and 100"))
    ignore = checks.get("ignore", [])
    if not all(isinstance(code, str) for code in ignore):
        raise bad(_('[validate] ignore must be a list of finding codes, e.g. ["W004"]'))
    from calcert.findings import unknown_codes

    unknown = unknown_codes(ignore)
    if unknown:
        raise bad(
            _(
                "[validate] ignore names unknown codes: {codes}; "
                "see `calcert validate --explain CODE`"
            ).format(codes=", ".join(unknown))
        )
    reminders = data.get("export", {}).get("reminders", list(DEFAULT_REMINDERS))
    if not all(isinstance(text, str) for text in reminders):
        raise bad(_('[export] reminders must be a list of durations, e.g. ["6m", "1m"]'))
    if reminders:
        from calcert.terms import parse_duration

        for text in reminders:
            try:
                parse_duration(text)
            except UsageError as exc:
                raise bad(_("[export] reminders: {message}").format(message=exc.message)) from None
    return Config(
        schema=1,
        name=data.get("name", Config.name),
        default_years=default_years,
        max_term_years=max_years,
        ignore=tuple(code.upper() for code in ignore),
        reminders=tuple(reminders),
    )


@dataclass
class Register:
    """A loaded register: settings, and every institution file with its findings."""

    root: Path
    config: Config
    files: list[ParsedFile] = field(default_factory=list)

    @property
    def institutions_dir(self) -> Path:
        return self.root / INSTITUTIONS_DIR

    def institutions(self) -> list:
        return [f.institution for f in self.files if f.institution is not None]

    def by_id(self) -> dict[str, ParsedFile]:
        out: dict[str, ParsedFile] = {}
        for parsed in self.files:
            if parsed.institution is not None:
                out.setdefault(parsed.institution.id, parsed)
        return out

    def file_for(self, ident: str) -> ParsedFile | None:
        path = self.institutions_dir / f"{ident}.toml"
        for parsed in self.files:
            if parsed.path == path:
                return parsed
        return None

    def unreadable(self) -> list[ParsedFile]:
        """Files that could not be read or parsed at all (no record came out of them)."""
        return [f for f in self.files if f.institution is None]


def iter_institution_paths(root: Path) -> Iterator[Path]:
    directory = root / INSTITUTIONS_DIR
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise UsageError(
            _("{path}: cannot be listed ({reason})").format(
                path=display_path(directory), reason=exc.strerror
            )
        ) from None
    for entry in entries:
        if entry.name.endswith(".toml") and not entry.name.startswith("."):
            yield Path(entry.path)


def read_file(
    path: Path, root: Path, cache: ParseCache | None = None, shown: str | None = None
) -> ParsedFile:
    """Read and parse one institution file; OS-level problems become findings.

    With a ``cache``, a file whose bytes were parsed before is not parsed again. ``shown``
    (how to name the file in findings) defaults to ``display_path(path)``.
    """
    shown = shown or display_path(path)

    def unreadable(message: str) -> ParsedFile:
        # Nothing in the file can be pointed at: the finding is about the whole file, line 1.
        return ParsedFile(path, shown, None, [Finding(shown, 1, "E001", message)])

    try:
        info = os.lstat(path)  # os, not pathlib: this runs once per file
        if stat.S_ISLNK(info.st_mode):
            target = path.resolve()
            try:
                target.relative_to(root.resolve())
            except ValueError:
                return unreadable(
                    Message(
                        "symlink to {target}, outside the register; copy the file in instead",
                        target=str(target),
                    )
                )
            info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return unreadable(Message("not a regular file (a directory?); remove or rename it"))
        with open(path, "rb") as handle:
            raw = handle.read(2 * 1024 * 1024)
    except FileNotFoundError:
        return unreadable(Message("file does not exist (a broken symlink?)"))
    except PermissionError:
        return unreadable(Message("permission denied; make the file readable (chmod a+r)"))
    except OSError as exc:
        return unreadable(Message("cannot be read ({reason})", reason=exc.strerror))
    if cache is None:
        return parse(path, raw, shown)
    parsed = cache.get(path, raw, shown)
    if parsed is None:
        parsed = parse(path, raw, shown)
        cache.put(path, raw, parsed)
    return parsed


def load(root: Path) -> Register:
    """Read the register: its settings and every institution file (through the cache)."""
    from calcert.cache import ParseCache
    from calcert.render import Progress

    config = load_config(root)
    paths = list(iter_institution_paths(root))
    cache = ParseCache.open(root)
    # All files share a folder: work out how to show it once, not once per file.
    folder = display_path(root / INSTITUTIONS_DIR)
    prefix = "" if folder == "." else folder + "/"
    jobs = [(path, prefix + path.name) for path in paths]
    # Reading makes millions of small objects and no reference cycles: the cyclic garbage
    # collector would only walk them again and again (10% of the time at 10,000 files,
    # more at 50,000), so it pauses while the files are read.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with Progress(len(paths), "reading the register") as progress:
            files = None
            if _worth_a_second_process(len(jobs), cache):
                files = _read_two_ways(root, jobs, cache, progress)
            if files is None:
                files = []
                for path, shown in jobs:
                    files.append(read_file(path, root, cache, shown))
                    progress.advance()
        if cache is not None:
            cache.save()
    finally:
        if collecting:
            gc.enable()
    if collecting and calcert.ONE_SHOT_PROCESS:
        # Everything just read lives until the process ends: without this, the collector's
        # next full pass (and every later one) walks it all again (~5 % of a validate).
        gc.freeze()
    return Register(root, config, files)


# ---- a cold read of a large register on two cores -------------------------------------------
#
# With nothing in the parse cache (a fresh CI checkout), a national register is thousands
# of files to parse. A forked child reads and parses the second part of the list while
# this process does the first; the child sends back each result in the cache's compact
# form (the same ``pack``/``unpack`` the cache uses and tests), which is far cheaper to
# rebuild than to parse. Anything unusual (one CPU, not Linux, the child failing to
# start) falls back to reading everything here.

PARALLEL_FROM = 4000  # files to parse before a second process pays for its start
_CHILD_SHARE = 0.52  # the parent also rebuilds the child's results: give the child more
_job: tuple[Path, list[tuple[Path, str]]] | None = None


def _worth_a_second_process(count: int, cache: ParseCache | None) -> bool:
    if count < PARALLEL_FROM or not sys.platform.startswith("linux"):
        return False
    if os.environ.get("CALCERT_JOBS", "").strip() == "1":
        return False
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return cpus > 1 and (cache is None or cache.misses_expected(count) > PARALLEL_FROM)


def _read_in_child(start: int) -> list[tuple[Any, bytes | None] | None]:
    from calcert.cache import Uncacheable, pack

    assert _job is not None
    root, jobs = _job
    out: list[tuple[Any, bytes | None] | None] = []
    for path, shown in jobs[start:]:
        parsed = read_file(path, root, None, shown)
        try:
            out.append((pack(parsed), parsed.raw))
        except Uncacheable:
            out.append(None)  # the parent reads this one itself
    return out


def _read_two_ways(
    root: Path, jobs: list[tuple[Path, str]], cache: ParseCache | None, progress: Any
) -> list[ParsedFile] | None:
    global _job
    from calcert.cache import unpack

    try:
        import multiprocessing

        context = multiprocessing.get_context("fork")
    except (ImportError, ValueError):
        return None
    split = int(len(jobs) * (1 - _CHILD_SHARE))
    _job = (root, jobs)
    try:
        with context.Pool(1) as pool:
            theirs = pool.apply_async(_read_in_child, (split,))
            files = []
            for path, shown in jobs[:split]:
                files.append(read_file(path, root, cache, shown))
                progress.advance()
            results = theirs.get()
    except OSError:
        return None
    finally:
        _job = None
    for (path, shown), result in zip(jobs[split:], results, strict=True):
        if result is None:
            parsed = read_file(path, root, cache, shown)
        else:
            packed, raw = result
            parsed = unpack(packed, path, shown, raw)
            if cache is not None and raw is not None:
                cache.put_packed(path, raw, packed)
        files.append(parsed)
        progress.advance()
    return files


def open_register(explicit: str | Path | None = None) -> Register:
    return load(find_root(explicit))


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


def init_register(directory: Path) -> Path:
    """Create an empty register in ``directory``; refuse to overwrite an existing one."""
    config = directory / CONFIG_NAME
    if config.exists():
        raise UsageError(
            _("{path} already exists; not overwriting the register").format(
                path=display_path(config)
            )
        )
    try:
        (directory / INSTITUTIONS_DIR).mkdir(parents=True, exist_ok=True)
        atomic_write(config, CONFIG_TEMPLATE.encode("utf-8"))
        gitignore = directory / ".gitignore"
        if not gitignore.exists():
            atomic_write(gitignore, GITIGNORE.encode("utf-8"))
        else:  # e.g. `calcert init .` at a repository root: add the lock, keep the rest
            existing = gitignore.read_bytes()
            if LOCK_NAME not in existing.decode("utf-8", "replace").splitlines():
                separator = b"" if not existing or existing.endswith(b"\n") else b"\n"
                atomic_write(gitignore, existing + separator + GITIGNORE.encode("utf-8"))
        # The lock file exists from the start, so a refused command never creates a file.
        (directory / LOCK_NAME).touch()
        keep = directory / INSTITUTIONS_DIR / ".gitkeep"
        if not any((directory / INSTITUTIONS_DIR).iterdir()):
            keep.touch()
    except OSError as exc:
        raise UsageError(
            _("{path}: cannot create the register ({reason})").format(
                path=display_path(directory), reason=exc.strerror
            )
        ) from None
    return directory
