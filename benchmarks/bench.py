#!/usr/bin/env python3
"""calcert at national scale: each command timed against the floor it stands on.

Usage (from the repository, with the project installed in the running interpreter):

    .venv/bin/python benchmarks/bench.py                 # N = 10,000, growth over 1k/10k/50k
    .venv/bin/python benchmarks/bench.py --quick --n 200 # CI: just keep the script working
    .venv/bin/python benchmarks/bench.py --sizes 1000,10000 --rounds 7 --dir /tmp/regs
    .venv/bin/python benchmarks/bench.py --baseline ../before/.venv/bin/calcert  # before/after

What it does:
- generates a synthetic register of N institutions (about 3 awards each, Polish names with
  diacritics, all 16 voivodeships), written by calcert's own canonical writer, into
  ``--dir`` (default: the system temp folder); a register already generated there with the
  same N and generator version is reused;
- times, interleaved (A B A B …, one warm-up round, then the median of ``--rounds`` rounds):
  * ``calcert validate`` and ``calcert expiring --within 6m`` against the *tomllib floor*,
    a bare ``python -c`` that reads and tomllib-parses the same files; both with calcert's
    parse cache (the normal case: the cache is built by the warm-up run) and with the cache
    switched off (``CALCERT_CACHE=0``, every file read and parsed);
  * ``calcert --version``, a shell-completion call and ``calcert expiring --within 6m``
    on the small real ``registry/`` against the *framework floor*, the smallest Typer
    app with a ``--version`` option, run by the same interpreter;
- prints the ratios against the goals, peak RSS of ``validate``, and how time grows with N;
- with ``--baseline CMD`` (another calcert, e.g. an older checkout's console script), runs
  every timed calcert command of the big-register and start-up sections for both, interleaved
  (current, baseline, current, baseline …), and prints for each figure current ms, baseline
  ms, current / baseline and whether that is within 10 % (≤ 1.10), with each one's ratio to
  its floor. Each calcert runs with its own fresh 0700 ``XDG_CACHE_HOME`` (removed at the
  end): they never share a parse cache, and the user's cache folder is not touched.

Only the standard library and calcert itself are used. Exit status 0 always (it is a
measurement, not a test); ``--check`` makes it exit 1 when a goal is missed (or, with
``--baseline``, a figure is more than 10 % slower than the baseline's).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
GENERATOR_VERSION = 7

GOALS = {
    "validate": 1.0,
    "validate (no cache)": 1.0,
    "expiring": 0.7,
    "expiring (no cache)": 0.7,
    "--version": 1.15,
    "completion": 1.15,
}
RSS_GOAL_MB = 200

TOMLLIB_FLOOR = (
    "import os, sys, tomllib\n"
    "d = sys.argv[1]\n"
    "for name in sorted(os.listdir(d)):\n"
    "    if name.endswith('.toml'):\n"
    "        with open(os.path.join(d, name), 'rb') as f:\n"
    "            tomllib.loads(f.read().decode('utf-8'))\n"
)

TYPER_FLOOR = '''\
import typer

app = typer.Typer(add_completion=False)


def _version(value: bool) -> None:
    if value:
        print("floor 1.0")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True),
) -> None:
    """The smallest Typer app with a --version option."""


@app.command()
def hello() -> None:
    print("hello")


app()
'''

RSS_PROBE = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)

# ---- the synthetic register ----------------------------------------------------------------

STEMS = (
    "Brzez",
    "Dąbr",
    "Głog",
    "Grab",
    "Jabłon",
    "Kamień",
    "Kożu",
    "Łęcz",
    "Łuk",
    "Mław",
    "Mszcz",
    "Nowog",
    "Ośw",
    "Piąt",
    "Płoń",
    "Radz",
    "Rypi",
    "Sędzi",
    "Sław",
    "Śrem",
    "Świeb",
    "Tczew",
    "Wąch",
    "Węgr",
    "Wierz",
    "Żabk",
    "Żnin",
    "Zgierz",
    "Łańc",
    "Częst",
)
ENDINGS = (
    "ów",
    "owo",
    "ice",
    "in",
    "ino",
    "no",
    "ków",
    "ewo",
    "any",
    "ica",
    "owice",
    "ęcin",
    "ówek",
    "yń",
    "ierz",
    "ąb",
)
FIRST = (
    "Grażyna",
    "Paweł",
    "Łucja",
    "Małgorzata",
    "Józef",
    "Żaneta",
    "Ścibor",
    "Bożena",
    "Mikołaj",
    "Jędrzej",
    "Agnieszka",
    "Krzysztof",
    "Wiesława",
    "Zdzisław",
    "Halina",
)
LAST = (
    "Gnatowska",
    "Jordan",
    "Chodkiewicz",
    "Wąsowicz",
    "Żółkiewski",
    "Śliwińska",
    "Kłos",
    "Dąbrowski",
    "Łęcka",
    "Nowak",
    "Wójcik",
    "Kamińska",
    "Zieliński",
    "Szymańska",
)
KINDS = (
    ("MOPS", "Miejski Ośrodek Pomocy Społecznej w {}"),
    ("GOPS", "Gminny Ośrodek Pomocy Społecznej w {}"),
    ("MGOPS", "Miejsko-Gminny Ośrodek Pomocy Społecznej w {}"),
    ("PCPR", "Powiatowe Centrum Pomocy Rodzinie w {}"),
    ("MOPR", "Miejski Ośrodek Pomocy Rodzinie w {}"),
    ("biblioteka", "Gminna Biblioteka Publiczna w {}"),
    ("NGO", "Stowarzyszenie Aktywności Lokalnej „Razem” z {}"),
)


MIDDLES = ("", "", "", "ol", "ow", "ęż", "an", "isz", "ąt", "ocz", "ul", "ył", "erz", "ód")
QUALIFIERS = (
    "Wielki",
    "Mały",
    "Górny",
    "Dolny",
    "Śląski",
    "Kujawski",
    "Nowy",
    "Stary",
    "Pomorski",
    "Mazowiecki",
    "Podlaski",
    "Lubelski",
)


def _city(rng: random.Random) -> str:
    name = rng.choice(STEMS) + rng.choice(MIDDLES) + rng.choice(ENDINGS)
    if rng.random() < 0.4:
        name += " " + rng.choice(QUALIFIERS)
    return name


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _unique_name(rng: random.Random, seen: set[tuple[str, str]]) -> tuple[str, str, str]:
    """Kind, name and city of a new institution: one of a kind per place, as in a real register."""
    while True:
        kind, pattern = rng.choice(KINDS)
        city = _city(rng)
        name = pattern.format(city)
        if (name, city) not in seen:
            seen.add((name, city))
            return kind, name, city


def _award_fields(
    rng: random.Random, start: date, city: str, i: int, number: int
) -> tuple[dict[str, object], date]:
    """The fields of one award starting on ``start``, and the day it ends."""
    from calcert.model.translit import slugify

    years = 3 if start.year < 2015 else 5
    until = _add_years(start, years) - timedelta(days=1)
    person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    awarded = start if rng.random() < 0.995 else start + timedelta(days=120)
    fields: dict[str, object] = {
        "awarded_on": awarded,
        "valid_from": start,
        "valid_until": until,
        "term": f"{start.year}-{until.year}",
        "awarded_by": person,
    }
    if rng.random() < 0.5:
        fields["event"] = f"{rng.randrange(1, 60)}. sesja Rady Gminy {city}"
    if rng.random() < 0.4:
        fields["certificate_no"] = f"CAL/{start.year}/{rng.randrange(1, 999):03d}"
    # Every award sourced (W008 otherwise), as a web page or as a citation.
    if rng.random() < 0.6:
        fields["source"] = f"https://{slugify(city)}.example.pl/cal/{i}-{number}"
    else:
        fields["source"] = f"uchwała Komisji Certyfikacyjnej nr {i}/{number}"
    if rng.random() < 0.15:
        fields["notes"] = (
            f"Certyfikat wręczyła {person} podczas uroczystości w {city}; "
            "zaświadczenie dostępne w BIP."
        )
    if rng.random() < 0.02:
        fields["withdrawn_on"] = start + timedelta(days=400)
        fields["withdrawal_reason"] = "Decyzja komisji certyfikacyjnej"
    return fields, until


def _awards(rng: random.Random, city: str, i: int, today: date) -> list[Any]:
    """2–4 consecutive awards from 2004 on, stopping a little after today."""
    from calcert.model.records import Award

    awards = []
    start = date(2004, 1, 1) + timedelta(days=rng.randrange(0, 365 * 6))
    for number in range(rng.choice((2, 3, 3, 3, 4))):
        fields, until = _award_fields(rng, start, city, i, number)
        awards.append(Award(**fields))  # type: ignore[arg-type]
        start = until + timedelta(days=1 + rng.choice((0, 0, 30, 200, 500)))
        if start > today + timedelta(days=200):
            break
    return awards


def _institution_text(rng: random.Random, i: int, seen: set[tuple[str, str]]) -> tuple[str, str]:
    """The id and the file text of institution number ``i``."""
    from calcert.model.records import Institution
    from calcert.model.translit import slugify
    from calcert.model.values import VOIVODESHIPS
    from calcert.register.tomlfile import dumps

    kind, name, city = _unique_name(rng, seen)
    ident = f"{slugify(f'{kind} {city}', 56)}-{i}"
    awards = _awards(rng, city, i, date.today())
    institution = Institution(
        id=ident,
        name=name,
        city=city,
        awards=tuple(awards),
        kind=kind,
        voivodeship=VOIVODESHIPS[i % 16],
        website=f"https://{ident}.example.pl" if rng.random() < 0.5 else None,
    )
    text = dumps(institution)
    if rng.random() < 0.02:  # a few hand-edited files: not canonical, W006
        text = "# uzupełnione ręcznie\n" + text
    return ident, text


def generate(folder: Path, n: int, seed: int = 2026) -> None:
    """Write a register of ``n`` institutions into ``folder`` (replacing what is there)."""
    from calcert.register.config import init_register

    rng = random.Random(seed * 1_000_003 + n)
    if folder.exists():
        shutil.rmtree(folder)
    init_register(folder)
    # Settings every calcert reads (an older one, for --baseline, knows no `language`).
    config = folder / "calcert.toml"
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    config.write_text("".join(x for x in lines if not x.startswith("language")), "utf-8")
    target = folder / "institutions"
    seen: set[tuple[str, str]] = set()
    for i in range(n):
        ident, text = _institution_text(rng, i, seen)
        (target / f"{ident}.toml").write_bytes(text.encode("utf-8"))
    (folder / ".bench-generated").write_text(f"{GENERATOR_VERSION} {n}\n", encoding="utf-8")


def register_for(base: Path, n: int) -> Path:
    folder = base / f"calcert-bench-{n}"
    marker = folder / ".bench-generated"
    wanted = f"{GENERATOR_VERSION} {n}\n"
    if marker.is_file() and marker.read_text(encoding="utf-8") == wanted:
        return folder
    started = time.perf_counter()
    print(f"generating {n:,} institutions in {folder} …", end=" ", flush=True)
    generate(folder, n)
    print(f"{time.perf_counter() - started:.1f} s", flush=True)
    return folder


# ---- timing ----------------------------------------------------------------------------------


def calcert_argv() -> list[str]:
    script = Path(sys.executable).with_name("calcert")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "calcert"]


def run_once(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    try:
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    except OSError as exc:
        sys.exit(f"bench: cannot run {argv[0]}: {exc.strerror}")
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.exit(f"bench: {' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()}")
    return elapsed


def interleaved(
    commands: dict[str, tuple[list[str], dict[str, str]]], rounds: int
) -> dict[str, float]:
    """Median seconds of each command over ``rounds`` rounds run A B C A B C … (+ warm-up)."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_no in range(rounds + 1):
        for name, (argv, env) in commands.items():
            elapsed = run_once(argv, env)
            if round_no:  # round 0 is the warm-up (it also builds calcert's cache)
                times[name].append(elapsed)
    return {name: statistics.median(values) for name, values in times.items()}


def peak_rss_mb(argv: list[str], env: dict[str, str]) -> float:
    out = subprocess.run(
        [sys.executable, "-c", RSS_PROBE, *argv], env=env, capture_output=True, text=True
    )
    return int(out.stdout.strip()) / 1024  # ru_maxrss is in KiB on Linux


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{date.today()} · nproc {os.cpu_count()} · {model} · Python "
        f"{platform.python_version()} · {platform.system()} {platform.release()}"
    )


def fmt_ratio(name: str, value: float, floor: float, judge: bool = True) -> str:
    ratio = value / floor
    goal = GOALS.get(name)
    verdict = ""
    if goal is not None and judge:
        verdict = f"goal ≤ {goal:.2f}×  {'met' if ratio <= goal else 'MISSED'}"
    return f"  {name:<24} {value * 1000:9.1f} ms  {ratio:6.2f}×  {verdict}"


@dataclass
class Side:
    """One calcert to time: its command and its environments (own private parse cache)."""

    argv: list[str]
    env: dict[str, str]
    cold: dict[str, str]  # CALCERT_CACHE=0: every file read and parsed
    cache_home: Path


@dataclass
class Bench:
    python: str
    base: Path
    rounds: int
    current: Side
    baseline: Side | None
    env: dict[str, str]  # for the floors
    missed: list[str] = field(default_factory=list)
    slower: list[str] = field(default_factory=list)


Commands = dict[str, tuple[list[str], dict[str, str]]]  # name: (argv, environment)
BIG_NAMES = ("validate", "validate (no cache)", "expiring", "expiring (no cache)")
START_NAMES = ("--version", "completion", "expiring (real)")
BASELINE = " @baseline"  # suffix of the baseline's entries in a timing dict
WITHIN = 1.10  # the baseline comparison: current / baseline ≤ 1.10 is "within 10 %"


def private_cache_home(label: str) -> Path:
    """A fresh XDG_CACHE_HOME, 0700 and ours: calcert uses no other cache folder."""
    folder = Path(tempfile.mkdtemp(prefix=f"calcert-bench-cache-{label}-"))
    folder.chmod(0o700)
    info = folder.stat()
    if info.st_mode & 0o077 or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        sys.exit(f"bench: {folder}: not a private folder; calcert would not cache there")
    return folder


def make_side(argv: list[str], env: dict[str, str], label: str) -> Side:
    home = private_cache_home(label)
    mine = {**env, "XDG_CACHE_HOME": str(home)}
    return Side(argv, mine, {**mine, "CALCERT_CACHE": "0"}, home)


def cached_anything(side: Side) -> bool:
    return any(side.cache_home.rglob("*.bin"))


def with_baseline(
    bench: Bench,
    floor: Commands,
    make: Callable[[Side], Commands],
) -> Commands:
    """The floor, then each command of the current calcert followed by the baseline's (A B A B)."""
    commands = dict(floor)
    mine = make(bench.current)
    theirs = make(bench.baseline) if bench.baseline else {}
    for name, command in mine.items():
        commands[name] = command
        if name in theirs:
            commands[name + BASELINE] = theirs[name]
    return commands


def big_register_commands(root: Path) -> Callable[[Side], Commands]:
    def make(side: Side) -> Commands:
        validate = [*side.argv, "--registry", str(root), "validate"]
        expiring = [*side.argv, "--registry", str(root), "expiring", "--within", "6m"]
        return {
            "validate": (validate, side.env),
            "validate (no cache)": (validate, side.cold),
            "expiring": (expiring, side.env),
            "expiring (no cache)": (expiring, side.cold),
        }

    return make


def completion_var(argv: list[str]) -> str:
    """The variable that asks for completions, named after the program as click names it:
    ``_CALCERT_COMPLETE`` for a ``calcert`` script, another one for ``python -m calcert``."""
    if "-m" in argv[:-1]:
        prog = f"python -m {argv[argv.index('-m') + 1]}"
    else:
        prog = os.path.basename(argv[0])
    return f"_{prog}_COMPLETE".replace("-", "_").upper()


def startup_commands(small: Path) -> Callable[[Side], Commands]:
    def make(side: Side) -> Commands:
        # What the shell runs on TAB after `calcert show mops-`: ids of the register.
        completing = {
            **side.env,
            completion_var(side.argv): "complete_bash",
            "COMP_WORDS": f"calcert --registry {small} show mops-",
            "COMP_CWORD": "4",
        }
        return {
            "--version": ([*side.argv, "--version"], side.env),
            "completion": (side.argv, completing),
            "expiring (real)": (
                [*side.argv, "--registry", str(small), "expiring", "--within", "6m"],
                side.env,
            ),
        }

    return make


def print_floor(name: str, floor: float) -> None:
    print(f"  {name:<24} {floor * 1000:9.1f} ms   1.00×")


def compare_with_baseline(
    bench: Bench, times: dict[str, float], names: tuple[str, ...], floor: float
) -> None:
    """current ms, baseline ms, current / baseline and the verdict; each one's floor ratio."""
    if bench.baseline is None:
        return
    print(
        f"  {'vs baseline':<24} {'current':>12} {'baseline':>12} {'cur/base':>9}  "
        f"{'verdict':<16} {'floor ratio (cur / base)'}"
    )
    for name in names:
        mine, theirs = times[name], times[name + BASELINE]
        ratio = mine / theirs
        if ratio <= WITHIN:
            verdict = "within 10 %"
        else:
            verdict = f"SLOWER {ratio - 1:.0%}"
            bench.slower.append(name)
        print(
            f"  {name:<24} {mine * 1000:9.1f} ms {theirs * 1000:9.1f} ms {ratio:8.2f}×  "
            f"{verdict:<16} {mine / floor:.2f}× / {theirs / floor:.2f}×"
        )


def measure_big_register(bench: Bench, root: Path, n: int) -> dict[str, float]:
    """validate and expiring, with and without the parse cache, against the tomllib floor."""
    print(f"\nN = {n:,} institutions ({root})")
    floor_argv = [bench.python, "-c", TOMLLIB_FLOOR, str(root / "institutions")]
    big = interleaved(
        with_baseline(
            bench, {"tomllib floor": (floor_argv, bench.env)}, big_register_commands(root)
        ),
        bench.rounds,
    )
    floor = big["tomllib floor"]
    print_floor("tomllib floor", floor)
    judge = n >= 10_000  # the goals are set for a national-size register
    if not judge:
        print("  (the goals are for N = 10,000; at this N start-up dominates)")
    for name in BIG_NAMES:
        print(fmt_ratio(name, big[name], floor, judge))
        if judge and big[name] / floor > GOALS[name]:
            bench.missed.append(name)
    compare_with_baseline(bench, big, BIG_NAMES, floor)
    for side in (bench.current, bench.baseline):
        if side is not None and not cached_anything(side):
            print(f"  ({' '.join(side.argv)} wrote no parse cache: its cached figures are cold)")
    return big


def measure_rss(bench: Bench, root: Path) -> None:
    """Peak RSS of validate, with the cache and without."""
    argv = [*bench.current.argv, "--registry", str(root), "validate"]
    for label, env in (("cached", bench.current.env), ("no cache", bench.current.cold)):
        mb = peak_rss_mb(argv, env)
        verdict = "met" if mb < RSS_GOAL_MB else "MISSED"
        print(f"  peak RSS validate ({label}): {mb:6.1f} MB  goal < {RSS_GOAL_MB} MB  {verdict}")
        if mb >= RSS_GOAL_MB:
            bench.missed.append(f"RSS {label}")


def measure_startup(bench: Bench) -> None:
    """--version, completion and expiring on the real register against the framework floor."""
    small = REPO / "registry"
    if bench.baseline is not None:
        # An older calcert may not read today's register format: both sides get a small
        # generated register of the same size instead.
        small = register_for(bench.base, 6)
    if not (small / "calcert.toml").is_file():
        return
    floor_app = bench.base / "calcert-bench-typer-floor.py"
    floor_app.write_text(TYPER_FLOOR, encoding="utf-8")
    print(f"\nstart-up on a small register ({small})")
    floor_command = ([bench.python, str(floor_app), "--version"], bench.env)
    start = interleaved(
        with_baseline(bench, {"framework floor": floor_command}, startup_commands(small)),
        bench.rounds,
    )
    frame = start["framework floor"]
    print_floor("framework floor", frame)
    for name in START_NAMES:
        print(fmt_ratio(name, start[name], frame))
    for name in ("--version", "completion"):
        if start[name] / frame > GOALS[name]:
            bench.missed.append(name)
    compare_with_baseline(bench, start, START_NAMES, frame)


def growth_row(bench: Bench, n: int, known: dict[str, float] | None) -> dict[str, float]:
    """Median seconds at size ``n`` (``known``: measured above already, at ``--n``)."""
    if known is not None:
        return {
            "floor": known["tomllib floor"],
            "validate": known["validate"],
            "cold": known["validate (no cache)"],
            "expiring": known["expiring"],
        }
    reg = register_for(bench.base, n)
    side = bench.current
    validate = [*side.argv, "--registry", str(reg), "validate"]
    return interleaved(
        {
            "floor": ([bench.python, "-c", TOMLLIB_FLOOR, str(reg / "institutions")], bench.env),
            "validate": (validate, side.env),
            "cold": (validate, side.cold),
            "expiring": (
                [*side.argv, "--registry", str(reg), "expiring", "--within", "6m"],
                side.env,
            ),
        },
        bench.rounds,
    )


def print_growth_exponents(rows: dict[int, dict[str, float]], lo: int, hi: int) -> None:
    for key, label in (("cold", "validate (no cache)"), ("validate", "validate")):
        # Marginal cost per institution between the smallest and largest size, and
        # the growth exponent: 1.0 is linear; start-up makes small N look cheaper.
        slope = (rows[hi][key] - rows[lo][key]) / (hi - lo)
        exponent = math.log(rows[hi][key] / rows[lo][key]) / math.log(hi / lo)
        print(
            f"  {label}: {slope * 1e6:.1f} µs per extra institution from {lo:,} to "
            f"{hi:,}; time ∝ N^{exponent:.2f} (≤ 1.0 = linear or better)"
        )


def measure_growth(bench: Bench, sizes: list[int], n: int, big: dict[str, float]) -> None:
    """How time grows with N: medians per size and the growth exponent."""
    print("\ngrowth with N (median ms; µs per institution)")
    print(
        f"  {'N':>7} {'tomllib floor':>14} {'validate':>10} {'no cache':>10} "
        f"{'expiring':>10} {'µs/inst (no cache)':>20}"
    )
    rows = {}
    for size in sizes:
        rows[size] = r = growth_row(bench, size, big if size == n else None)
        print(
            f"  {size:>7,} {r['floor'] * 1000:14.0f} {r['validate'] * 1000:10.0f} "
            f"{r['cold'] * 1000:10.0f} {r['expiring'] * 1000:10.0f} "
            f"{r['cold'] / size * 1e6:20.1f}"
        )
    if len(sizes) >= 2:
        print_growth_exponents(rows, sizes[0], sizes[-1])


def print_verdict(bench: Bench, judge: bool) -> None:
    print()
    if bench.missed:
        print(f"goals missed: {', '.join(bench.missed)}")
    elif judge:
        print("all goals met")
    else:
        print("no goal missed (the time goals are judged at N = 10,000 only)")
    if bench.baseline is None:
        return
    if bench.slower:
        print(f"slower than the baseline by more than 10 %: {', '.join(bench.slower)}")
    else:
        print("every figure within 10 % of the baseline (or faster)")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="institutions (default 10,000)")
    parser.add_argument(
        "--sizes",
        default="1000,10000,50000",
        help="sizes for the growth table, comma-separated (default 1000,10000,50000)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--dir", type=Path, help="where generated registers live (reused)")
    parser.add_argument("--quick", action="store_true", help="CI mode: 3 rounds, no growth table")
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when a goal is missed (or a figure is >10 %% slower than --baseline)",
    )
    parser.add_argument(
        "--baseline",
        metavar="CMD",
        help="another calcert to compare with, e.g. an older checkout's .venv/bin/calcert "
        "(split like a shell command line); timed interleaved with the current one",
    )
    args = parser.parse_args(argv)
    if args.baseline is not None and not shlex.split(args.baseline):
        parser.error("--baseline: an empty command")
    return args


def version_of(argv: list[str], env: dict[str, str]) -> str:
    try:
        done = subprocess.run([*argv, "--version"], env=env, capture_output=True, text=True)
    except OSError as exc:
        sys.exit(f"bench: cannot run {argv[0]}: {exc.strerror}")
    if done.returncode:
        sys.exit(f"bench: {' '.join(argv)} --version failed: {done.stderr.strip()}")
    return done.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    base = args.dir or Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("CALCERT_REGISTRY", None)
    # Time calcert as it runs once installed: pip byte-compiles a wheel, and Python caches
    # the bytecode of an editable checkout on the first run. With PYTHONDONTWRITEBYTECODE
    # set (some CI images do), every run would compile every module from source again
    # (~20 ms of a completion call here), which no user pays; the warm-up writes it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    calcert = calcert_argv()
    bench = Bench(
        python=sys.executable,
        base=base,
        rounds=3 if args.quick else max(args.rounds, 1),
        current=make_side(calcert, env, "current"),
        baseline=make_side(shlex.split(args.baseline), env, "baseline") if args.baseline else None,
        env=env,
    )
    try:
        return run(bench, args)
    finally:
        for side in (bench.current, bench.baseline):
            if side is not None:
                shutil.rmtree(side.cache_home, ignore_errors=True)


def run(bench: Bench, args: argparse.Namespace) -> int:
    print(f"calcert benchmark · {machine()}")
    print(
        f"calcert: {' '.join(bench.current.argv)}; median of {bench.rounds} interleaved rounds "
        "after a warm-up"
    )
    if bench.baseline is not None:
        print(
            f"baseline: {' '.join(bench.baseline.argv)} "
            f"({version_of(bench.baseline.argv, bench.baseline.env)}; current: "
            f"{version_of(bench.current.argv, bench.current.env)}); within 10 % = "
            f"current / baseline ≤ {WITHIN:.2f}"
        )
    root = register_for(bench.base, args.n)
    big = measure_big_register(bench, root, args.n)
    measure_rss(bench, root)
    measure_startup(bench)
    if not args.quick:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
        measure_growth(bench, sizes, args.n, big)
    print_verdict(bench, judge=args.n >= 10_000)
    return 1 if (args.check and (bench.missed or bench.slower)) else 0


if __name__ == "__main__":
    sys.exit(main())
