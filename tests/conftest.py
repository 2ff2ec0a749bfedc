"""Shared fixtures: registers built in ``tmp_path``, the sample institutions, a CLI runner.

Tests write the TOML inline next to their assertions (``make_register(files={...})``) so
that what is checked is visible where it is checked. Library tests take ``make_loaded``
(the same register, already read by ``calcert.register.loader.load``).

Hypothesis: the profile is chosen here, before the test modules are collected. ``quick``
(the edit loop, ``pytest -m "not slow"`` outside CI) runs a tenth of the examples; ``full``
(every other run, CI included) runs what each test asks for. ``CALCERT_HYPOTHESIS=full``
or ``=quick`` chooses by hand. A test that wants its own count writes
``settings(max_examples=examples(300))``.
"""

from __future__ import annotations

import atexit
import io
import os
import shutil
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

# CALCERT_BLOCK_POSIX=1: POSIX-only modules cannot be imported (as on Windows), so the
# platform-neutral tests show that calcert needs none of them to read a register
# (tests/test_trust_fs.py runs a subset of the suite this way).
BLOCKED_ON_WINDOWS = frozenset({"fcntl", "termios", "tty", "pty", "pwd", "grp", "resource"})


class _BlockPosixOnly:
    """A meta-path finder that refuses the POSIX-only modules."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name in BLOCKED_ON_WINDOWS:
            raise ImportError(f"No module named {name!r} (blocked: CALCERT_BLOCK_POSIX=1)")
        return None


if os.environ.get("CALCERT_BLOCK_POSIX") == "1":
    for _name in BLOCKED_ON_WINDOWS:
        sys.modules.pop(_name, None)
    sys.meta_path.insert(0, _BlockPosixOnly())

from hypothesis import settings  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from calcert.cli.app import app  # noqa: E402
from calcert.i18n import set_language  # noqa: E402
from calcert.register.config import init_register  # noqa: E402
from calcert.register.loader import Register, load  # noqa: E402
from calcert.register.location import enclosing_register  # noqa: E402
from hostile_helpers import snapshot  # noqa: E402

__all__ = ["snapshot"]  # one snapshot of a register's files for every test module

REPO = Path(__file__).resolve().parent.parent

# Hypothesis's own default (100) in full runs; a tenth of every count in the quick loop.
settings.register_profile("full", max_examples=100)
settings.register_profile("quick", max_examples=10)
# Ten times the full counts, for a hunt by hand: CALCERT_HYPOTHESIS=deep pytest -m slow
settings.register_profile("deep", max_examples=1000)
PROFILES = ("full", "quick", "deep")


def hypothesis_profile(markexpr: str, environ: dict[str, str]) -> str:
    """``quick`` only for the edit loop (``-m "not slow"``) outside CI; else ``full``."""
    chosen = environ.get("CALCERT_HYPOTHESIS", "")
    if chosen in PROFILES:
        return chosen
    if environ.get("CI", "").lower() not in ("", "0", "false"):
        return "full"
    return "quick" if "not slow" in " ".join(markexpr.split()) else "full"


def pytest_configure(config: pytest.Config) -> None:
    # The suite starts calcert, pip and venvs in hundreds of subprocesses. Where
    # PYTHONDONTWRITEBYTECODE is set (some CI images set it), every one of them would
    # compile calcert and its dependencies from source again: ~15 s of a full run on two
    # cores. Python's default, caching bytecode, holds for the run (xdist's workers are
    # started after this and inherit it).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False
    settings.load_profile(hypothesis_profile(config.getoption("markexpr") or "", os.environ))


def examples(count: int) -> int:
    """``count`` examples in the full profile, a tenth (at least 5) in the quick one."""
    return max(5, count * settings().max_examples // 100)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalog() -> None:
    """Compile the .po the tests read, so a stale .mo from an earlier install cannot mislead
    any test that speaks Polish."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = REPO / "src" / "calcert" / "locale" / "pl" / "LC_MESSAGES" / "calcert.po"
    with po.open("rb") as handle:
        catalog = read_po(handle)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.read_bytes() == compiled.getvalue():
        return
    # Every xdist worker runs this while the others may already read the catalog: a new
    # file replaces the old one whole, never truncated under a reader (a flaky failure).
    partial = mo.with_name(f".{mo.stem}.{os.getpid()}.tmp.mo")  # ignored by git, as *.mo
    partial.write_bytes(compiled.getvalue())
    os.replace(partial, mo)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test may see the developer's register, locale or colour settings."""
    monkeypatch.delenv("CALCERT_REGISTRY", raising=False)
    monkeypatch.delenv("CALCERT_DEBUG", raising=False)
    for name in ("CALCERT_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("CALCERT_CACHE", raising=False)
    # The parse cache's key lives in the user's cache folder: a fresh one per test.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))
    monkeypatch.setenv("COLUMNS", "200")
    set_language("en")


MakeRegister = Callable[..., Path]


_EMPTY_REGISTERS: dict[int, Path] = {}  # umask -> what init_register wrote, made once


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def empty_register(root: Path) -> Path:
    """An empty register at ``root``, as ``init_register(root)`` makes it (the same files,
    bytes and modes), copied from one made once per process and umask: init_register locks
    and fsyncs each file (about 8 ms a call here), which made it the largest setup cost of
    the quick suite and of the fuzz tests that need a register per example. Where init
    would refuse (``root`` exists or lies inside a register), init_register itself runs.
    test_suite_profile.py holds the copy equal to init's."""
    if root.exists() or enclosing_register(root) is not None:
        return init_register(root)
    mask = _current_umask()
    template = _EMPTY_REGISTERS.get(mask)
    if template is None:
        base = Path(tempfile.mkdtemp(prefix="calcert-empty-register-"))
        atexit.register(shutil.rmtree, base, ignore_errors=True)
        template = _EMPTY_REGISTERS[mask] = init_register(base / "registry")
    for source in sorted(template.rglob("*")):
        target = root / source.relative_to(template)
        if source.is_dir():
            target.mkdir(parents=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    return root


@pytest.fixture
def fresh_register() -> Callable[[Path], Path]:
    """``fresh_register(root)``: :func:`empty_register` as a fixture."""
    return empty_register


@pytest.fixture
def make_register(tmp_path: Path, fresh_register: Callable[[Path], Path]) -> MakeRegister:
    """``make_register(files={"mops-x": "<toml>"}, config=None) -> root``."""

    def make(
        files: dict[str, str] | None = None,
        config: str | None = None,
        root: Path | None = None,
    ) -> Path:
        root = root or tmp_path / "registry"
        fresh_register(root)
        if config is not None:
            (root / "calcert.toml").write_text(textwrap.dedent(config), encoding="utf-8")
        for stem, text in (files or {}).items():
            (root / "institutions" / f"{stem}.toml").write_text(
                textwrap.dedent(text), encoding="utf-8"
            )
        return root

    return make


MakeLoaded = Callable[..., Register]


@pytest.fixture
def make_loaded(make_register: MakeRegister) -> MakeLoaded:
    """``make_loaded(files={...})`` → the ``Register`` the library reads from those files."""

    def make(files: dict[str, str] | None = None, config: str | None = None) -> Register:
        return load(make_register(files=files, config=config))

    return make


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in ``tmp_path``, so that paths show as a user typing them would see them."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def cli() -> Callable[..., object]:
    """``cli(root, "list", "--status", "all")`` → click Result (stdout/stderr apart)."""
    runner = CliRunner()

    def invoke(root: Path | None, *args: str, input: str | None = None, env=None):
        argv = (["--registry", str(root)] if root is not None else []) + list(args)
        return runner.invoke(app, argv, input=input, env=env, catch_exceptions=False)

    return invoke


MLAWA = """\
id = "mops-mlawa"
name = "Miejski Ośrodek Pomocy Społecznej w Mławie"
kind = "MOPS"
city = "Mława"
voivodeship = "mazowieckie"

[[awards]]
awarded_on = 2022-03-29
valid_from = 2022-03-29
valid_until = 2026-03-28
term = "2022-2026"
awarded_by = "Grażyna Gnatowska"
source = "https://mlawapress.pl/mops-w-mlawie-otrzymal-certyfikat-aktywnosci-lokalnej/"
"""

RADOM = """\
id = "mops-radom"
name = "Miejski Ośrodek Pomocy Społecznej w Radomiu"
kind = "MOPS"
city = "Radom"
voivodeship = "mazowieckie"

[[awards]]
awarded_on = 2014-05-19
valid_from = 2014-05-19
valid_until = 2017-05-18
term = "2014-2017"
awarded_by = "Paweł Jordan"
source = "https://www.cal.org.pl/mops-w-radomiu-po-raz-trzeci-uhonorowany-certyfikatem-cal/"
"""


def once_per_run(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    make: Callable[[Path], Path],
) -> Path:
    """``make(folder)``'s folder, made once per test run: pytest-xdist's workers share it,
    the first to need it makes it under a lock while the others wait. For what the tests
    only read (wheels, built distributions)."""
    if not hasattr(request.config, "workerinput"):  # not an xdist worker
        return make(tmp_path_factory.mktemp(name))
    try:
        import fcntl
    except ImportError:  # no flock (Windows): each worker makes its own
        return make(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent  # this run's, above every worker's
    done = shared / name
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.is_dir():
            partial = shared / f"{name}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir()
            make(partial).rename(done)
    return done


@pytest.fixture(scope="session")
def wheelhouse(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels of calcert's dependencies and build backend: installs need no package index
    (see tests/wheelhouse.py). Made once per run (pip only reads it)."""
    from wheelhouse import make_wheelhouse

    return once_per_run(request, tmp_path_factory, "wheelhouse", make_wheelhouse)


@pytest.fixture(scope="session")
def source_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's tracked (and new, not ignored) files: what a clone would hold."""
    import shutil
    import subprocess

    from wheelhouse import tracked_copy

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        return tracked_copy(tmp_path_factory.mktemp("calcert-source"))
    except subprocess.CalledProcessError:
        pytest.skip("this checkout is not a git work tree")


# Mława's certificate of 2022 and an earlier one of 2011: one first award, one renewal.
MLAWA_TWICE = MLAWA.replace(
    "[[awards]]",
    "[[awards]]\nawarded_on = 2011-06-28\nvalid_from = 2011-06-28\nvalid_until = 2016-06-27\n\n"
    "[[awards]]",
    1,
)

# A certificate withdrawn before its end (GOPS Lubartów, withdrawn on 2024-05-01).
LUBARTOW_WITHDRAWN = """\
id = "gops-lubartow"
name = "Gminny Ośrodek Pomocy Społecznej w Lubartowie"
kind = "GOPS"
city = "Lubartów"
voivodeship = "lubelskie"

[[awards]]
valid_from = 2023-02-01
valid_until = 2028-01-31
withdrawn_on = 2024-05-01
withdrawal_reason = "na wniosek ośrodka"
"""

# `calcert add` of Radom's first certificate, as several test modules record it.
ADD_RADOM = (
    "add",
    "mops-radom",
    "--name",
    "Miejski Ośrodek Pomocy Społecznej w Radomiu",
    "--city",
    "Radom",
    "--awarded",
    "2014-05-19",
    "--term",
    "2014-2017",
)


def institution_toml(ident: str, *terms: str, extra: str = "") -> str:
    """An institution file with awards given as ``"[AWARDED@]FROM..UNTIL[!WITHDRAWN]"``."""
    text = f'id = "{ident}"\nname = "Ośrodek {ident}"\ncity = "Miasto {ident}"\n'
    for term in terms:
        span, _, withdrawn = term.partition("!")
        awarded, _, span = span.rpartition("@")
        start, end = span.split("..")
        text += "\n[[awards]]\n" + (f"awarded_on = {awarded}\n" if awarded else "")
        text += f"valid_from = {start}\nvalid_until = {end}\n"
        if withdrawn:
            text += f"withdrawn_on = {withdrawn}\n"
    return text + extra


# One institution of each case `list` and `expiring` tell apart (as of 2025-12-01); the
# renewals and the pending award were awarded before that day, so the register knew them.
STATUS_SAMPLES = {
    "a-ends-soon": institution_toml("a-ends-soon", "2021-06-01..2026-05-31"),
    "b-ends-later": institution_toml("b-ends-later", "2022-01-01..2027-12-31"),
    "c-renewed": institution_toml(
        "c-renewed", "2021-03-01..2026-02-28", "2025-10-01@2026-03-01..2031-02-28"
    ),
    "d-withdrawn": institution_toml("d-withdrawn", "2021-01-01..2026-01-31!2025-06-01"),
    "e-expired": institution_toml("e-expired", "2010-01-01..2014-12-31"),
    "f-pending": institution_toml("f-pending", "2025-06-01@2027-01-01..2031-12-31"),
    "g-same-day": institution_toml("g-same-day", "2021-06-01..2026-05-31"),
    "h-renewal-withdrawn": institution_toml(
        "h-renewal-withdrawn",
        "2021-04-01..2026-03-31",
        "2025-11-01@2026-04-01..2031-03-31!2026-04-01",
    ),
}


# A spreadsheet's CSV, as `calcert import` reads it (the columns of `export --format csv`).
CSV_HEADER = "id,name,kind,city,voivodeship,valid_from,valid_until,term,awarded_by\n"
CSV_ROW_A = "mops-a,MOPS w A,MOPS,Aów,mazowieckie,2020-01-01,2024-12-31,2020-2024,Anna Ą\n"
CSV_ROW_B = "mops-b,MOPS w B,MOPS,Bełchatów,łódzkie,2021-05-05,2026-05-04,,\n"


def write_text(name: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``name`` (relative to the working folder) in ``encoding``."""
    path = Path(name)
    path.write_bytes(text.encode(encoding))
    return path
