#!/usr/bin/env python3
"""calcert at national scale: each command timed against the floor it stands on.

Usage (from the repository, with the project installed in the running interpreter):

    .venv/bin/python benchmarks/bench.py                 # N = 10,000, growth over 1k/10k/50k
    .venv/bin/python benchmarks/bench.py --quick --n 200 # CI: just keep the script working
    .venv/bin/python benchmarks/bench.py --sizes 1000,10000 --rounds 7 --dir /tmp/regs

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
- prints the ratios against the goals, peak RSS of ``validate``, and how time grows with N.

Only the standard library and calcert itself are used. Exit status 0 always (it is a
measurement, not a test); ``--check`` makes it exit 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
GENERATOR_VERSION = 5

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
    if rng.random() < 0.6:
        fields["source"] = f"https://{slugify(city)}.example.pl/cal/{i}-{number}"
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
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
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


def main(argv: list[str] | None = None) -> int:
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
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else max(args.rounds, 1)
    base = args.dir or Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    calcert = calcert_argv()
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("CALCERT_REGISTRY", None)
    cold = {**env, "CALCERT_CACHE": "0"}
    missed: list[str] = []

    print(f"calcert benchmark · {machine()}")
    print(f"calcert: {' '.join(calcert)}; median of {rounds} interleaved rounds after a warm-up")

    root = register_for(base, args.n)
    files = root / "institutions"
    print(f"\nN = {args.n:,} institutions ({root})")
    big = interleaved(
        {
            "tomllib floor": ([python, "-c", TOMLLIB_FLOOR, str(files)], env),
            "validate": ([*calcert, "--registry", str(root), "validate"], env),
            "validate (no cache)": ([*calcert, "--registry", str(root), "validate"], cold),
            "expiring": (
                [*calcert, "--registry", str(root), "expiring", "--within", "6m"],
                env,
            ),
            "expiring (no cache)": (
                [*calcert, "--registry", str(root), "expiring", "--within", "6m"],
                cold,
            ),
        },
        rounds,
    )
    floor = big["tomllib floor"]
    print(f"  {'tomllib floor':<24} {floor * 1000:9.1f} ms   1.00×")
    judge = args.n >= 10_000  # the goals are set for a national-size register
    if not judge:
        print("  (the goals are for N = 10,000; at this N start-up dominates)")
    for name in ("validate", "validate (no cache)", "expiring", "expiring (no cache)"):
        print(fmt_ratio(name, big[name], floor, judge))
        if judge and big[name] / floor > GOALS[name]:
            missed.append(name)
    rss = {
        label: peak_rss_mb([*calcert, "--registry", str(root), "validate"], e)
        for label, e in (("cached", env), ("no cache", cold))
    }
    for label, mb in rss.items():
        verdict = "met" if mb < RSS_GOAL_MB else "MISSED"
        print(f"  peak RSS validate ({label}): {mb:6.1f} MB  goal < {RSS_GOAL_MB} MB  {verdict}")
        if mb >= RSS_GOAL_MB:
            missed.append(f"RSS {label}")

    small = REPO / "registry"
    if (small / "calcert.toml").is_file():
        floor_app = base / "calcert-bench-typer-floor.py"
        floor_app.write_text(TYPER_FLOOR, encoding="utf-8")
        print(f"\nstart-up on the real register ({small})")
        start = interleaved(
            {
                "framework floor": ([python, str(floor_app), "--version"], env),
                "--version": ([*calcert, "--version"], env),
                # What the shell runs on TAB after `calcert show mops-`: ids of the register.
                "completion": (
                    calcert,
                    {
                        **env,
                        "_CALCERT_COMPLETE": "complete_bash",
                        "COMP_WORDS": f"calcert --registry {small} show mops-",
                        "COMP_CWORD": "4",
                    },
                ),
                "expiring (real)": (
                    [*calcert, "--registry", str(small), "expiring", "--within", "6m"],
                    env,
                ),
            },
            rounds,
        )
        frame = start["framework floor"]
        print(f"  {'framework floor':<24} {frame * 1000:9.1f} ms   1.00×")
        for name in ("--version", "completion", "expiring (real)"):
            print(fmt_ratio(name, start[name], frame))
        for name in ("--version", "completion"):
            if start[name] / frame > GOALS[name]:
                missed.append(name)

    if not args.quick:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
        print("\ngrowth with N (median ms; µs per institution)")
        print(
            f"  {'N':>7} {'tomllib floor':>14} {'validate':>10} {'no cache':>10} "
            f"{'expiring':>10} {'µs/inst (no cache)':>20}"
        )
        rows = {}
        for n in sizes:
            reg = register_for(base, n)
            if n == args.n:  # measured above already
                rows[n] = {
                    "floor": big["tomllib floor"],
                    "validate": big["validate"],
                    "cold": big["validate (no cache)"],
                    "expiring": big["expiring"],
                }
            else:
                rows[n] = interleaved(
                    {
                        "floor": ([python, "-c", TOMLLIB_FLOOR, str(reg / "institutions")], env),
                        "validate": ([*calcert, "--registry", str(reg), "validate"], env),
                        "cold": ([*calcert, "--registry", str(reg), "validate"], cold),
                        "expiring": (
                            [*calcert, "--registry", str(reg), "expiring", "--within", "6m"],
                            env,
                        ),
                    },
                    rounds,
                )
            r = rows[n]
            print(
                f"  {n:>7,} {r['floor'] * 1000:14.0f} {r['validate'] * 1000:10.0f} "
                f"{r['cold'] * 1000:10.0f} {r['expiring'] * 1000:10.0f} "
                f"{r['cold'] / n * 1e6:20.1f}"
            )
        if len(sizes) >= 2:
            lo, hi = sizes[0], sizes[-1]
            for key, label in (("cold", "validate (no cache)"), ("validate", "validate")):
                # Marginal cost per institution between the smallest and largest size, and
                # the growth exponent: 1.0 is linear; start-up makes small N look cheaper.
                slope = (rows[hi][key] - rows[lo][key]) / (hi - lo)
                exponent = math.log(rows[hi][key] / rows[lo][key]) / math.log(hi / lo)
                print(
                    f"  {label}: {slope * 1e6:.1f} µs per extra institution from {lo:,} to "
                    f"{hi:,}; time ∝ N^{exponent:.2f} (≤ 1.0 = linear or better)"
                )

    print()
    if missed:
        print(f"goals missed: {', '.join(missed)}")
    elif judge:
        print("all goals met")
    else:
        print("no goal missed (the time goals are judged at N = 10,000 only)")
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
