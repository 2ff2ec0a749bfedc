"""Reading a register: every institution file, through the parse cache, into a ``Register``.

A file that cannot be read is a finding, not an exception: the register loads whatever it
holds, and the checks and commands decide what that means.
"""

from __future__ import annotations

import contextlib
import gc
import os
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import calcert
from calcert.errors import UsageError
from calcert.i18n import Message, _
from calcert.model.findings import Finding, display_path
from calcert.model.records import DEFAULT_YEARS
from calcert.register.config import Config, load_config
from calcert.register.fs import INSTITUTIONS_DIR
from calcert.register.tomlfile import ParsedFile, parse

if TYPE_CHECKING:
    from calcert.register.cache import ParseCache


class Progress(Protocol):
    """What ``load`` reports its progress to (one ``advance`` per file read)."""

    def __enter__(self) -> Progress: ...
    def advance(self) -> None: ...
    def __exit__(self, *exc: object) -> None: ...


class _Silent:
    def __init__(self, total: int, label: str) -> None:
        pass

    def __enter__(self) -> _Silent:
        return self

    def advance(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        pass


# Makes the progress display of a long read. Silent for library callers; the command line
# plugs in its terminal progress bar (this layer may not import presentation code).
progress_factory: Callable[[int, str], Progress] = _Silent


@dataclass
class Register:
    """A loaded register: settings, and every institution file with its findings."""

    root: Path
    config: Config
    files: list[ParsedFile] = field(default_factory=list)
    cache: ParseCache | None = field(default=None, repr=False, compare=False)

    def save_cache(self) -> None:
        """Keep in the parse cache what the rules found since loading (never raises)."""
        if self.cache is not None:
            self.cache.save()

    @property
    def institutions_dir(self) -> Path:
        return self.root / INSTITUTIONS_DIR

    def institutions(self) -> list:
        return [f.institution for f in self.files if f.institution is not None]

    def file_for(self, ident: str) -> ParsedFile | None:
        path = self.institutions_dir / f"{ident}.toml"
        for parsed in self.files:
            if parsed.path == path:
                return parsed
        return None

    def fresh(self, parsed: ParsedFile) -> ParsedFile:
        """``parsed`` parsed again from its own bytes (not the cache), in place."""
        again = parse(parsed.path, parsed.raw, parsed.shown) if parsed.raw is not None else parsed
        self.files = [again if f is parsed else f for f in self.files]
        return again


def iter_institution_paths(root: Path) -> Iterator[Path]:
    directory = root / INSTITUTIONS_DIR
    if _leads_outside(directory, root) is not None:
        return  # ``stray_files`` names it
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


def _leads_outside(directory: Path, root: Path) -> Path | None:
    """Where ``directory`` leads when it is a symlink out of the register, else None."""
    if not directory.is_symlink():
        return None
    target, inside = directory.resolve(), root.resolve()
    return None if target == inside or inside in target.parents else target


def _stray(name: str) -> bool:
    """A name meant for an institution file that is not read as one: ``x.TOML``, ``"x.toml "``.

    Names starting with "." are writers' temporary files and editors' hidden files.
    """
    meant = name.strip().lower().endswith(".toml") and not name.startswith(".")
    return meant and not (name.endswith(".toml") and name == name.rstrip())


def stray_files(root: Path) -> list[ParsedFile]:
    """Whatever in ``institutions/`` looks meant to be read but is not, each with an E001
    naming it: files with a name like ``x.TOML``, or the folder itself when it is a symlink
    leading out of the register (nothing is read through it)."""
    directory = root / INSTITUTIONS_DIR
    folder = display_path(directory)
    target = _leads_outside(directory, root)
    if target is not None:
        message = Message(
            "symlink to {target}, outside the register; no file is read through it: "
            "make institutions a folder of the register",
            target=str(target),
        )
        return [ParsedFile(directory, folder, None, [Finding(folder, None, "E001", message)])]
    try:
        names = sorted(entry.name for entry in os.scandir(directory) if _stray(entry.name))
    except OSError:
        return []
    out = []
    for name in names:
        shown = name if folder == "." else f"{folder}/{name}"
        message = Message(
            "not read: an institution file's name ends in .toml (lower case, nothing after "
            "it); rename it to {name}",
            name=name.strip()[:-5] + ".toml",
        )
        out.append(ParsedFile(directory / name, shown, None, [Finding(shown, 1, "E001", message)]))
    return out


def read_file(
    path: Path,
    root: Path,
    cache: ParseCache | None = None,
    shown: str | None = None,
    default_years: int = DEFAULT_YEARS,
) -> ParsedFile:
    """Read and parse one institution file; OS-level problems become findings.

    With a ``cache``, a file whose bytes were parsed before is not parsed again. ``shown``
    (how to name the file in findings) defaults to ``display_path(path)``;
    ``default_years`` is the register's ``[terms] default_years`` (see ``parse``).
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
        return parse(path, raw, shown, default_years)
    parsed = cache.get(path, raw, shown)
    if parsed is None:
        parsed = parse(path, raw, shown, default_years)
        cache.put(path, raw, parsed)
    return parsed


def load(
    root: Path, *, use_cache: bool = True, check_file: Callable[[ParsedFile], object] | None = None
) -> Register:
    """Read the register: its settings and every institution file (through the cache).

    Commands that rewrite files pass ``use_cache=False`` (or ``fresh`` the file they
    rewrite): what they write back comes from the bytes on disk, never from the cache.
    ``check_file`` (``validate`` passes the per-file rules) runs on each file as it is
    read, so on a cold read of a big register the second process checks its share too.
    """
    from calcert.register.cache import ParseCache

    config = load_config(root)
    paths = list(iter_institution_paths(root))
    years = config.default_years
    cache = ParseCache.open(root, f":default_years={years}") if use_cache else None
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
        with progress_factory(len(paths), "reading the register") as progress:
            files = None
            if _worth_a_second_process(len(jobs), cache):
                files = _read_two_ways(root, jobs, cache, progress, years, check_file)
            if files is None:
                files = []
                for path, shown in jobs:
                    files.append(_checked(read_file(path, root, cache, shown, years), check_file))
                    progress.advance()
        files.extend(stray_files(root))
        if cache is not None:
            cache.save()
    finally:
        if collecting:
            gc.enable()
    if collecting and calcert.ONE_SHOT_PROCESS:
        # Everything just read lives until the process ends: without this, the collector's
        # next full pass (and every later one) walks it all again (~5 % of a validate).
        gc.freeze()
    return Register(root, config, files, cache)


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
_job: tuple[Path, list[tuple[Path, str]], int, Callable[[ParsedFile], object] | None] | None = None


def _checked(parsed: ParsedFile, check_file: Callable[[ParsedFile], object] | None) -> ParsedFile:
    if check_file is not None and parsed.checked is None:
        check_file(parsed)
    return parsed


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
    from calcert.register.cache import Uncacheable, pack

    assert _job is not None
    root, jobs, years, check_file = _job
    out: list[tuple[Any, bytes | None] | None] = []
    for path, shown in jobs[start:]:
        parsed = _checked(read_file(path, root, None, shown, years), check_file)
        try:
            out.append((pack(parsed), parsed.raw))
        except Uncacheable:
            out.append(None)  # the parent reads this one itself
    return out


def _ignore_interrupts() -> None:
    """In the child: Ctrl-C reaches the whole process group, but only the parent acts on
    it (one "interrupted" line, no traceback from the child)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _read_two_ways(
    root: Path,
    jobs: list[tuple[Path, str]],
    cache: ParseCache | None,
    progress: Any,
    years: int = DEFAULT_YEARS,
    check_file: Callable[[ParsedFile], object] | None = None,
) -> list[ParsedFile] | None:
    """Read the first part here and the rest in a forked child; None if the child could
    not start. A child that dies (the OOM killer) is not waited for: its part is read
    here instead."""
    global _job
    try:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        context = multiprocessing.get_context("fork")
    except (ImportError, ValueError):
        return None
    split = int(len(jobs) * (1 - _CHILD_SHARE))
    _job = (root, jobs, years, check_file)
    results = None
    pool = ProcessPoolExecutor(1, mp_context=context, initializer=_ignore_interrupts)
    try:
        try:
            theirs = pool.submit(_read_in_child, split)
        except OSError:  # no fork (limits, memory): read everything here
            _stop_children(pool)
            return None
        files = []
        for path, shown in jobs[:split]:
            files.append(_checked(read_file(path, root, cache, shown, years), check_file))
            progress.advance()
        with contextlib.suppress(BrokenProcessPool):
            results = theirs.result()
    except BaseException:
        _stop_children(pool)  # not waiting for the child's part: it is not needed now
        raise
    finally:
        _job = None
    pool.shutdown(wait=True)
    files.extend(_their_part(root, jobs[split:], results, cache, progress, years, check_file))
    return files


def _stop_children(pool: Any) -> None:
    """Kill the child and let the pool's manager thread end before going on.

    The thread notices the dead child at once and closes its wake-up pipe; left running,
    it races Python's exit hook for concurrent.futures, which on 3.11 may then write to
    the pipe just closed and print a traceback under "calcert: interrupted". The wait is
    bounded, so a thread that does not end cannot hold up the exit."""
    manager = getattr(pool, "_executor_manager_thread", None)  # shutdown forgets it
    for process in list(getattr(pool, "_processes", {}).values()):
        with contextlib.suppress(Exception):
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    if manager is not None:
        manager.join(timeout=5)


def _their_part(
    root: Path,
    jobs: list[tuple[Path, str]],
    results: list[tuple[Any, bytes | None] | None] | None,
    cache: ParseCache | None,
    progress: Any,
    years: int = DEFAULT_YEARS,
    check_file: Callable[[ParsedFile], object] | None = None,
) -> list[ParsedFile]:
    """What the child read, rebuilt; read here where it gave nothing (or died)."""
    from calcert.register.cache import unpack

    files = []
    for index, (path, shown) in enumerate(jobs):
        result = results[index] if results is not None else None
        if result is None:
            parsed = _checked(read_file(path, root, cache, shown, years), check_file)
        else:
            packed, raw = result
            parsed = unpack(packed, path, shown, raw)
            if cache is not None and raw is not None:
                cache.put_packed(path, raw, packed, parsed)
        files.append(parsed)
        progress.advance()
    return files
