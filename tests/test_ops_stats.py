"""``calcert.ops.stats`` called directly: the figures ``calcert stats`` prints.

test_stats.py checks the rendered JSON, CSV and text; here the figures themselves, on
registers small enough to count by hand, and invariants any register keeps.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calcert.model.records import Award, Institution
from calcert.ops.queries import list_rows
from calcert.ops.stats import (
    NONE_LABEL,
    ActiveCount,
    ExpiringCount,
    YearCount,
    award_year,
    compute,
    per_year,
)
from calcert.register.config import Config
from calcert.register.loader import Register
from calcert.register.tomlfile import dumps, parse
from conftest import LUBARTOW_WITHDRAWN, MLAWA_TWICE, RADOM, examples
from conftest import institution_toml as inst

AS_OF = date(2025, 4, 1)


def test_figures_of_a_small_register(make_loaded) -> None:
    register = make_loaded(
        files={
            "mops-mlawa": MLAWA_TWICE,
            "mops-radom": RADOM,  # expired in 2017
            "gops-lubartow": LUBARTOW_WITHDRAWN,  # withdrawn on 2024-05-01
            "ngo": inst("ngo", "2021-01-01..2025-06-30"),
            "pending": inst("pending", "2025-03-01@2026-01-01..2030-12-31"),  # awarded, not begun
            "later": inst("later", "2025-06-01..2030-05-31"),  # not counted: awarded after AS_OF
            "broken": 'id = "broken\n',  # not counted: it cannot be read
        }
    )
    figures = compute(register, AS_OF)
    assert figures.as_dict() == {
        "as_of": "2025-04-01",
        "institutions": 5,
        "awards": 6,
        "active": 2,
        "first_awards": 5,
        "renewals": 1,
        "awards_per_year": [
            {"year": 2011, "first": 1, "renewal": 0, "total": 1},
            {"year": 2014, "first": 1, "renewal": 0, "total": 1},
            {"year": 2021, "first": 1, "renewal": 0, "total": 1},
            {"year": 2022, "first": 0, "renewal": 1, "total": 1},
            {"year": 2023, "first": 1, "renewal": 0, "total": 1},  # withdrawn, still awarded
            {"year": 2025, "first": 1, "renewal": 0, "total": 1},
        ],
        "active_per_voivodeship": [
            {"voivodeship": "mazowieckie", "active": 1},
            {"voivodeship": NONE_LABEL, "active": 1},
        ],
        "active_per_kind": [
            {"kind": "MOPS", "active": 1},
            {"kind": NONE_LABEL, "active": 1},
        ],
        "expiring": [
            {"within": "6m", "count": 1, "ids": ["ngo"]},
            {"within": "12m", "count": 2, "ids": ["ngo", "mops-mlawa"]},
        ],
    }


def test_an_empty_register_has_zero_figures(make_loaded) -> None:
    figures = compute(make_loaded(), AS_OF)
    assert (figures.institutions, figures.awards, figures.active) == (0, 0, 0)
    assert figures.awards_per_year == ()
    assert [e.count for e in figures.expiring] == [0, 0]


def test_counts_are_ordered_most_first_and_not_given_last_among_equals(make_loaded) -> None:
    files = {
        f"i{n}": inst(f"i{n}", "2024-01-01..2028-12-31", extra="")
        .replace('city = "', f'kind = "{kind}"\ncity = "')
        .replace('kind = "-"\n', "")
        for n, kind in enumerate(["b", "b", "a", "-", "c", "c"])
    }
    figures = compute(make_loaded(files=files), AS_OF)
    assert figures.active_per_kind == (
        ActiveCount("b", 2),
        ActiveCount("c", 2),
        ActiveCount("a", 1),
        ActiveCount(NONE_LABEL, 1),
    )


def test_the_award_year_is_the_ceremony_else_the_start() -> None:
    start = date(2020, 12, 30)
    assert award_year(Award(valid_from=start, valid_until=date(2025, 12, 29))) == 2020
    awarded = Award(valid_from=start, valid_until=date(2025, 12, 29), awarded_on=date(2021, 1, 5))
    assert award_year(awarded) == 2021


def test_stats_windows_beyond_the_calendar_are_clamped(make_loaded) -> None:
    register = make_loaded(files={"last": inst("last", "9999-01-01..9999-12-31")})
    figures = compute(register, date(9999, 6, 1))
    assert figures.expiring == (ExpiringCount("6m", ()), ExpiringCount("12m", ("last",)))


# ---- invariants ----------------------------------------------------------------------------


@st.composite
def registers(draw: st.DrawFn) -> Register:
    files = []
    for n in range(draw(st.integers(0, 5))):
        start = draw(st.dates(date(2010, 1, 1), date(2024, 12, 31)))
        awards = []
        for _ in range(draw(st.integers(1, 3))):
            end = start + timedelta(days=draw(st.integers(0, 1800)))
            awards.append(Award(valid_from=start, valid_until=end))
            start = end + timedelta(days=draw(st.integers(1, 400)))
        kind = draw(st.sampled_from([None, "MOPS", "GOPS"]))
        institution = Institution(f"i-{n}", "N", "C", tuple(awards), kind=kind)
        path = Path(f"/r/institutions/i-{n}.toml")
        files.append(parse(path, dumps(institution).encode(), f"institutions/i-{n}.toml"))
    return Register(Path("/r"), Config(), files)


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registers(), st.dates(date(2010, 1, 1), date(2030, 12, 31)))
def test_the_figures_add_up(register, as_of) -> None:
    figures = compute(register, as_of)
    years = figures.awards_per_year
    assert figures.awards == figures.first_awards + figures.renewals
    assert figures.awards == sum(y.total for y in years)
    assert figures.first_awards == figures.institutions  # every one has a first award
    assert [y.year for y in years] == sorted({y.year for y in years})
    active = [r.id for r in list_rows(register, "active", as_of)]
    assert figures.active == len(active)
    for counts in (figures.active_per_voivodeship, figures.active_per_kind):
        assert sum(c.active for c in counts) == len(active)
    six, twelve = figures.expiring
    assert set(six.ids) <= set(twelve.ids) <= set(active)


def test_per_year_counts_each_institutions_earliest_award_as_first() -> None:
    def award(year: int) -> Award:
        return Award(valid_from=date(year, 1, 1), valid_until=date(year + 1, 12, 31))

    later_first = Institution("a", "A", "C", (award(2020), award(2014)))
    assert per_year([later_first]) == (YearCount(2014, 1, 0), YearCount(2020, 0, 1))
