"""``calcert.ops.queries`` called directly: list_rows, show, expiring_rows.

They return typed results (``ListRow``, ``InstitutionView`` of ``AwardRow``s,
``ExpiringRow``), which every output format prints (test_cli_queries.py and
test_query_formats.py check the formats); the properties at the end hold for any register
the strategy can build.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calcert.errors import UsageError
from calcert.model.records import Award, Institution
from calcert.model.terms import parse_duration
from calcert.ops.queries import (
    EXPIRING_COLUMNS,
    LIST_COLUMNS,
    AwardRow,
    ExpiringRow,
    InstitutionView,
    ListRow,
    expiring_rows,
    list_rows,
    show,
)
from calcert.outputs.tables import machine_columns
from calcert.register.config import Config
from calcert.register.loader import Register
from calcert.register.tomlfile import dumps, parse
from conftest import LUBARTOW_WITHDRAWN, MLAWA, STATUS_SAMPLES, examples
from conftest import institution_toml as inst_toml

AS_OF = date(2025, 12, 1)
STATUSES = ("active", "expired", "withdrawn", "pending")


@pytest.fixture
def register(make_loaded) -> Register:
    return make_loaded(files={**STATUS_SAMPLES, "broken": 'id = "broken\n'})


def statuses(rows: list[ListRow]) -> dict[str, str]:
    return {row.id: row.status for row in rows}


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
    rows = {r.id: r for r in list_rows(register, "all", date(2026, 3, 15))}
    assert not any(row.valid_until_assumed for row in rows.values())
    renewed = rows["c-renewed"]
    assert (renewed.valid_from, renewed.valid_until) == (date(2026, 3, 1), date(2031, 2, 28))
    assert renewed.certificates == 2
    # No current award: the latest one is shown.
    assert rows["e-expired"].valid_until == date(2014, 12, 31)
    # A withdrawal ends the award the day before; the cut end is a fact, not assumed.
    assert rows["d-withdrawn"].valid_until == date(2025, 5, 31)


def test_a_list_row_is_a_frozen_typed_value_json_and_csv_read_by_column(register) -> None:
    row = next(r for r in list_rows(register, "all", AS_OF) if r.id == "c-renewed")
    assert row == ListRow(
        id="c-renewed",
        name="Ośrodek c-renewed",
        city="Miasto c-renewed",
        voivodeship=None,
        kind=None,
        status="active",
        valid_from=date(2021, 3, 1),
        valid_until=date(2026, 2, 28),
        valid_until_assumed=False,
        certificates=2,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.status = "expired"
    assert not hasattr(row, "__dict__")  # slotted
    # The columns of json and csv, in their order, days as ISO text.
    assert list(row.as_dict()) == machine_columns(LIST_COLUMNS)
    assert row.as_dict()["valid_from"] == "2021-03-01"
    assert row.as_dict()["voivodeship"] is None


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
    assert [r.id for r in rows] == ids
    assert {r.status for r in rows} == {status}


def test_list_leaves_out_files_that_cannot_be_read(register) -> None:
    assert "broken" not in {r.id for r in list_rows(register, "all", AS_OF)}


# ---- show ----------------------------------------------------------------------------------


def test_show_gives_the_institution_and_its_numbered_awards(make_loaded) -> None:
    register = make_loaded(files={"gops-lubartow": LUBARTOW_WITHDRAWN})
    view = show(register, "gops-lubartow", date(2024, 5, 1))
    assert isinstance(view, InstitutionView)
    assert view.status == "withdrawn"
    inst = view.institution
    assert (inst.name, inst.city, inst.voivodeship) == (
        "Gminny Ośrodek Pomocy Społecznej w Lubartowie",
        "Lubartów",
        "lubelskie",
    )
    assert view.sub_units == ()
    (award,) = view.awards
    assert isinstance(award, AwardRow)
    assert (award.number, award.status) == (1, "withdrawn")
    assert (award.award.withdrawn_on, award.award.withdrawal_reason) == (
        date(2024, 5, 1),
        "na wniosek ośrodka",
    )
    # What `show --format json` writes: keys with a value, in canonical order.
    assert view.as_dict() == {
        "id": "gops-lubartow",
        "name": "Gminny Ośrodek Pomocy Społecznej w Lubartowie",
        "kind": "GOPS",
        "city": "Lubartów",
        "voivodeship": "lubelskie",
        "status": "withdrawn",
        "awards": [
            {
                "number": 1,
                "status": "withdrawn",
                "valid_from": "2023-02-01",
                "valid_until": "2028-01-31",
                "withdrawn_on": "2024-05-01",
                "withdrawal_reason": "na wniosek ośrodka",
            }
        ],
    }
    assert show(register, "gops-lubartow", date(2024, 4, 30)).status == "active"


def sub_unit(ident: str, term: str) -> str:
    """An institution file whose ``parent`` is cal-a."""
    return 'parent = "cal-a"\n' + inst_toml(ident, term)


def test_show_numbers_awards_by_ordinal_and_names_sub_units(make_loaded) -> None:
    parent = inst_toml("cal-a", "2012-01-01..2016-12-31", "2017-01-01..2021-12-31")
    parent = parent.replace("valid_from = 2017-01-01", "ordinal = 3\nvalid_from = 2017-01-01")
    register = make_loaded(
        files={
            "cal-a": parent,
            "cal-a-filia": sub_unit("cal-a-filia", "2020-01-01..2020-12-31"),
            "cal-a-late": sub_unit("cal-a-late", "2030-01-01..2030-12-31"),
        }
    )
    view = show(register, "cal-a", date(2020, 6, 1))
    assert [(a.number, a.status) for a in view.awards] == [(1, "expired"), (3, "active")]
    # Only the sub-units the register knew on the day.
    assert [unit.id for unit in view.sub_units] == ["cal-a-filia"]
    assert view.as_dict()["sub_units"] == ["cal-a-filia"]
    assert [key for key, _value in view.details()] == ["id", "name", "city"]


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
    assert [(r.id, r.valid_until, r.days_left) for r in rows] == [
        # its renewal was withdrawn, so it is not a renewal
        ("h-renewal-withdrawn", date(2026, 3, 31), 120),
        ("a-ends-soon", date(2026, 5, 31), 181),
        ("g-same-day", date(2026, 5, 31), 181),  # the same day: by id
    ]
    assert all(isinstance(r, ExpiringRow) for r in rows)
    # What json and csv write, by column: days as ISO text.
    values = rows[0].as_dict()
    assert list(values) == machine_columns(EXPIRING_COLUMNS)
    assert list(values.values())[3:] == ["2026-03-31", False, 120]


def test_an_end_no_source_states_is_marked_assumed(make_loaded) -> None:
    """The end the register assumes (5 years less a day) is listed and marked; a
    withdrawal's cut is not."""
    text = inst_toml("x", "2023-01-01..2023-01-01").replace("valid_until = 2023-01-01\n", "")
    register = make_loaded(files={"x": text})
    (row,) = expiring_rows(register, parse_duration("6m"), date(2027, 12, 1))
    assert (row.valid_until, row.valid_until_assumed, row.days_left) == (
        date(2027, 12, 31),
        True,
        30,
    )
    (listed,) = list_rows(register, "all", date(2027, 12, 1))
    assert (listed.valid_until, listed.valid_until_assumed) == (date(2027, 12, 31), True)
    (award,) = show(register, "x", date(2027, 12, 1)).awards
    assert award.award.valid_until_assumed
    assert award.as_dict()["valid_until_assumed"] is True


def test_expiring_window_includes_its_last_day(register) -> None:
    ids = [r.id for r in expiring_rows(register, parse_duration("181d"), AS_OF)]
    assert ids == ["h-renewal-withdrawn", "a-ends-soon", "g-same-day"]
    ids = [r.id for r in expiring_rows(register, parse_duration("180d"), AS_OF)]
    assert ids == ["h-renewal-withdrawn"]


def test_expiring_beyond_the_calendar_is_a_usage_error_unless_clamped(register) -> None:
    far = parse_duration("9000y")
    with pytest.raises(UsageError):
        expiring_rows(register, far, AS_OF)
    clamped = [r.id for r in expiring_rows(register, far, AS_OF, clamp=True)]
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
        inst = register.file_for(row.id).institution.known_on(as_of)
        assert inst is not None
        current = inst.current_award(as_of)
        assert current is not None and current.valid_until == row.valid_until
        assert as_of <= row.valid_until <= as_of + timedelta(days=days)
        assert current.withdrawn_on is None
        # A later award is a renewal, unless it was withdrawn.
        later = [a for a in inst.awards if a.valid_from > current.valid_from]
        assert all(a.withdrawn_on is not None for a in later)
        assert row.days_left == (row.valid_until - as_of).days
        assert 0 <= row.days_left <= days
        assert (row.name, row.city) == (inst.name, inst.city)
    # Soonest first, the same day by id.
    assert [(r.valid_until, r.id) for r in rows] == sorted((r.valid_until, r.id) for r in rows)
    listed = {row.id for row in rows}
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
    assert sorted(parts, key=lambda r: r.id) == everything
    assert len({r.id for r in parts}) == len(parts)  # each in exactly one status


@PROPERTY
@given(registers(), day)
def test_each_query_agrees_with_the_institution_it_came_from(register, as_of) -> None:
    """list and show tell the same status and the award behind it; their json keeps the
    columns' order and gives days as ISO text."""
    for row in list_rows(register, "all", as_of):
        inst = register.file_for(row.id).institution.known_on(as_of)
        assert row.status == inst.status(as_of)
        assert row.certificates == len(inst.awards)
        values = row.as_dict()
        assert list(values) == machine_columns(LIST_COLUMNS)
        assert values["valid_until"] == row.valid_until.isoformat()
        view = show(register, row.id, as_of)
        assert view.status == row.status
        assert [a.award for a in view.awards] == list(inst.sorted_awards())
        assert all(a.status == a.award.status(as_of) for a in view.awards)
        assert [a["number"] for a in view.as_dict()["awards"]] == [a.number for a in view.awards]
