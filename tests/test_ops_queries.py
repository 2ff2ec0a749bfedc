"""``calcert.ops.queries`` called directly: list_rows, show, expiring_rows.

The rows are what every output format prints (test_cli_queries.py checks the formats);
the properties at the end hold for any register the strategy can build.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calcert.errors import UsageError
from calcert.model.records import Award, Institution
from calcert.model.terms import parse_duration
from calcert.ops.queries import LIST_COLUMNS, expiring_rows, list_rows, show
from calcert.register.config import Config
from calcert.register.loader import Register
from calcert.register.tomlfile import dumps, parse
from conftest import LUBARTOW_WITHDRAWN, MLAWA, STATUS_SAMPLES, examples

AS_OF = date(2025, 12, 1)
STATUSES = ("active", "expired", "withdrawn", "pending")


@pytest.fixture
def register(make_loaded) -> Register:
    return make_loaded(files={**STATUS_SAMPLES, "broken": 'id = "broken\n'})


def statuses(rows: list[dict[str, object]]) -> dict[object, object]:
    return {row["id"]: row["status"] for row in rows}


# ---- list ----------------------------------------------------------------------------------


def test_list_all_gives_each_readable_institution_its_status_on_the_day(register) -> None:
    assert statuses(list_rows(register, "all", AS_OF)) == {
        "a-ends-soon": "active",
        "b-ends-later": "active",
        "c-renewed": "active",
        "d-withdrawn": "withdrawn",
        "e-expired": "expired",
        "f-pending": "pending",
        "g-same-day": "active",
        "h-renewal-withdrawn": "active",
    }


def test_list_rows_have_the_list_columns_and_the_current_award(register) -> None:
    rows = {r["id"]: r for r in list_rows(register, "all", date(2026, 3, 15))}
    # The list's columns, and whether the end shown is assumed (for json and csv).
    assert all(
        tuple(k for k in row if k != "valid_until_assumed") == LIST_COLUMNS
        for row in rows.values()
    )
    assert not any(row["valid_until_assumed"] for row in rows.values())
    renewed = rows["c-renewed"]
    assert (renewed["valid_from"], renewed["valid_until"]) == ("2026-03-01", "2031-02-28")
    assert renewed["certificates"] == 2
    # No current award: the latest one is shown.
    assert rows["e-expired"]["valid_until"] == "2014-12-31"


@pytest.mark.parametrize(
    ("status", "day", "ids"),
    [
        ("pending", date(2026, 12, 31), ["f-pending"]),
        ("active", date(2027, 1, 1), ["b-ends-later", "c-renewed", "f-pending"]),
        ("withdrawn", date(2025, 6, 1), ["d-withdrawn"]),
        (
            "active",
            date(2025, 5, 31),
            [
                "a-ends-soon",
                "b-ends-later",
                "c-renewed",
                "d-withdrawn",
                "g-same-day",
                "h-renewal-withdrawn",
            ],
        ),
        # The renewal withdrawn on its first day: the institution shows as withdrawn.
        ("withdrawn", date(2026, 4, 1), ["d-withdrawn", "h-renewal-withdrawn"]),
    ],
)
def test_list_filters_by_status_on_the_as_of_date(register, status, day, ids) -> None:
    rows = list_rows(register, status, day)
    assert [r["id"] for r in rows] == ids
    assert {r["status"] for r in rows} == {status}


def test_list_leaves_out_files_that_cannot_be_read(register) -> None:
    assert "broken" not in {r["id"] for r in list_rows(register, "all", AS_OF)}


# ---- show ----------------------------------------------------------------------------------


def test_show_gives_the_institution_and_its_numbered_awards(make_loaded) -> None:
    register = make_loaded(files={"gops-lubartow": LUBARTOW_WITHDRAWN})
    out = show(register, "gops-lubartow", date(2024, 5, 1))
    assert out["status"] == "withdrawn"
    assert (out["name"], out["city"], out["voivodeship"]) == (
        "Gminny Ośrodek Pomocy Społecznej w Lubartowie",
        "Lubartów",
        "lubelskie",
    )
    assert out["awards"] == [
        {
            "number": 1,
            "status": "withdrawn",
            "valid_from": "2023-02-01",
            "valid_until": "2028-01-31",
            "withdrawn_on": "2024-05-01",
            "withdrawal_reason": "na wniosek ośrodka",
        }
    ]
    assert show(register, "gops-lubartow", date(2024, 4, 30))["status"] == "active"


def test_show_unknown_id_is_a_usage_error(make_loaded) -> None:
    with pytest.raises(UsageError) as raised:
        show(make_loaded(files={"mops-mlawa": MLAWA}), "mops-nowhere", AS_OF)
    assert str(raised.value) == (
        "unknown institution id 'mops-nowhere'; `calcert list --status all` lists them"
    )


def test_show_of_a_broken_file_names_its_line(make_loaded, in_tmp: Path) -> None:
    register = make_loaded(files={"mops-mlawa": MLAWA.replace("kind", "knd")})
    with pytest.raises(UsageError) as raised:
        show(register, "mops-mlawa", AS_OF)
    assert str(raised.value).startswith("registry/institutions/mops-mlawa.toml:3: unknown key")
    assert str(raised.value).endswith("; fix the file (`calcert validate`)")


# ---- expiring ------------------------------------------------------------------------------


def test_expiring_lists_current_awards_without_renewal_soonest_first(register) -> None:
    rows = expiring_rows(register, parse_duration("6m"), AS_OF)
    assert [(r["id"], r["valid_until"], r["days_left"]) for r in rows] == [
        # its renewal was withdrawn, so it is not a renewal
        ("h-renewal-withdrawn", "2026-03-31", 120),
        ("a-ends-soon", "2026-05-31", 181),
        ("g-same-day", "2026-05-31", 181),  # the same day: by id
    ]


def test_expiring_window_includes_its_last_day(register) -> None:
    ids = [r["id"] for r in expiring_rows(register, parse_duration("181d"), AS_OF)]
    assert ids == ["h-renewal-withdrawn", "a-ends-soon", "g-same-day"]
    ids = [r["id"] for r in expiring_rows(register, parse_duration("180d"), AS_OF)]
    assert ids == ["h-renewal-withdrawn"]


def test_expiring_beyond_the_calendar_is_a_usage_error_unless_clamped(register) -> None:
    far = parse_duration("9000y")
    with pytest.raises(UsageError):
        expiring_rows(register, far, AS_OF)
    clamped = [r["id"] for r in expiring_rows(register, far, AS_OF, clamp=True)]
    assert clamped == ["h-renewal-withdrawn", "a-ends-soon", "g-same-day", "b-ends-later"]


# ---- properties ----------------------------------------------------------------------------

PATH = Path("/r/institutions")
# Awards start in 2015-2024 and as-of dates fall among them, so most days have a current one.
day = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def award_list(draw: st.DrawFn) -> tuple[Award, ...]:
    """Up to three awards that do not overlap (the register refuses overlaps)."""
    start = draw(st.dates(min_value=date(2015, 1, 1), max_value=date(2024, 12, 31)))
    awards = []
    for _ in range(draw(st.integers(1, 3))):
        start += timedelta(days=draw(st.integers(0, 400)))
        end = start + timedelta(days=draw(st.integers(0, 1800)))
        withdrawn = draw(st.dates(start, end)) if draw(st.integers(0, 3)) == 0 else None
        awards.append(Award(valid_from=start, valid_until=end, withdrawn_on=withdrawn))
        start = end + timedelta(days=1)
    return tuple(awards)


@st.composite
def registers(draw: st.DrawFn) -> Register:
    files = []
    for n in range(draw(st.integers(1, 6))):
        ident = f"inst-{n}"
        institution = Institution(id=ident, name=ident, city="X", awards=draw(award_list()))
        path = PATH / f"{ident}.toml"
        files.append(parse(path, dumps(institution).encode(), f"institutions/{ident}.toml"))
    return Register(Path("/r"), Config(), files)


PROPERTY = settings(
    max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY
@given(registers(), day, st.integers(0, 3000))
def test_expiring_lists_only_current_awards_ending_in_the_window_and_not_renewed(
    register, as_of, days
) -> None:
    rows = expiring_rows(register, parse_duration(f"{days}d"), as_of)
    for row in rows:
        # What the register knew on the day: awards made by then (Institution.known_on).
        inst = register.file_for(str(row["id"])).institution.known_on(as_of)
        assert inst is not None
        end = date.fromisoformat(str(row["valid_until"]))
        current = inst.current_award(as_of)
        assert current is not None and current.valid_until == end
        assert as_of <= end <= as_of + timedelta(days=days)
        assert current.withdrawn_on is None
        # A later award is a renewal, unless it was withdrawn.
        later = [a for a in inst.awards if a.valid_from > current.valid_from]
        assert all(a.withdrawn_on is not None for a in later)
        assert row["days_left"] == (end - as_of).days
    listed = {row["id"] for row in rows}
    for parsed in register.files:  # and every such award is listed
        inst = parsed.institution.known_on(as_of)
        if inst is None:
            assert parsed.institution.id not in listed
            continue
        current = inst.current_award(as_of)
        due = (
            current is not None
            and current.withdrawn_on is None
            and as_of <= current.valid_until <= as_of + timedelta(days=days)
            and all(a.withdrawn_on is not None for a in inst.awards if a.valid_from > as_of)
        )
        assert (inst.id in listed) == due


@PROPERTY
@given(registers(), day)
def test_list_all_is_the_union_of_the_statuses(register, as_of) -> None:
    everything = list_rows(register, "all", as_of)
    parts = [row for status in STATUSES for row in list_rows(register, status, as_of)]
    assert sorted(parts, key=lambda r: str(r["id"])) == everything
    assert len({str(r["id"]) for r in parts}) == len(parts)  # each in exactly one status
