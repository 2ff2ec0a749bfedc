"""Dates, durations and term arithmetic (SPEC "Terms")."""

from __future__ import annotations

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from calcert.errors import UsageError
from calcert.model.terms import (
    Duration,
    add_years_minus_day,
    parse_date,
    parse_duration,
    parse_term,
    term_dates,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90d", Duration(days=90)),
        ("2w", Duration(weeks=2)),
        ("6m", Duration(months=6)),
        ("1y", Duration(years=1)),
        ("1y6m", Duration(years=1, months=6)),
        ("1y2m3w4d", Duration(1, 2, 3, 4)),
        ("0d", Duration()),
        ("P6M", Duration(months=6)),
        ("P1Y2M10D", Duration(years=1, months=2, days=10)),
        ("P2W", Duration(weeks=2)),
    ],
)
def test_accepted_durations(text: str, expected: Duration) -> None:
    got = parse_duration(text)
    assert (got.years, got.months, got.weeks, got.days) == (
        expected.years,
        expected.months,
        expected.weeks,
        expected.days,
    )


@pytest.mark.parametrize(
    "text", ["6x", "", "P", "6M", "m6", "6m1y", "1y1y", "6 m", "-6m", "1.5y", "PT6H", "d"]
)
def test_rejected_durations_show_the_accepted_forms(text: str) -> None:
    with pytest.raises(UsageError, match=r"use one of 90d, 2w, 6m, 1y, 1y6m or ISO 8601 P6M"):
        parse_duration(text)


def test_duration_is_calendar_arithmetic() -> None:
    assert parse_duration("6m").after(date(2024, 8, 31)) == date(2025, 2, 28)
    assert parse_duration("P1Y").after(date(2024, 2, 29)) == date(2025, 2, 28)


@pytest.mark.parametrize("text", ["99999y", "9999999d", "P99999Y"])
def test_duration_beyond_the_calendar_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="beyond the calendar"):
        parse_duration(text).after(date(2026, 11, 30))


@given(
    y=st.integers(0, 50),
    m=st.integers(0, 30),
    w=st.integers(0, 60),
    d=st.integers(0, 400),
    start=st.dates(date(1990, 1, 1), date(2100, 12, 31)),
)
def test_short_and_iso_forms_agree_with_relativedelta(y, m, w, d, start) -> None:
    short = "".join(f"{n}{u}" for n, u in ((y, "y"), (m, "m"), (w, "w"), (d, "d")) if n) or "0d"
    iso = "P" + (
        "".join(f"{n}{u}" for n, u in ((y, "Y"), (m, "M"), (w, "W"), (d, "D")) if n) or "0D"
    )
    expected = start + relativedelta(years=y, months=m, weeks=w, days=d)
    assert parse_duration(short).after(start) == expected
    assert parse_duration(iso).after(start) == expected


@given(st.text(max_size=12))
def test_any_text_is_a_duration_or_a_usage_error(text: str) -> None:
    try:
        duration = parse_duration(text)
    except UsageError:
        return
    duration.after(date(2026, 1, 1))


@pytest.mark.parametrize(
    "text",
    [
        "2020-02-30",
        "2021-13-01",
        "0000-01-01",
        "10000-01-01",
        "2020-1-1",
        "20200101",
        "yesterday",
        "",
    ],
)
def test_bad_dates(text: str) -> None:
    with pytest.raises(UsageError, match="YYYY-MM-DD"):
        parse_date(text, "--from")


def test_good_date() -> None:
    assert parse_date("2022-03-29") == date(2022, 3, 29)


@pytest.mark.parametrize("text", ["2017", "2017-", "17-19", "2019-2017", "abc"])
def test_bad_terms(text: str) -> None:
    with pytest.raises(UsageError, match=r"e\.g\. 2014-2017"):
        parse_term(text)


def test_term_accepts_an_en_dash_as_printed() -> None:
    assert str(parse_term("2022–2026")) == "2022-2026"


def _dates(**kwargs):
    defaults = dict(valid_from=None, valid_until=None, awarded_on=None, term=None, default_years=5)
    defaults.update(kwargs)
    return term_dates(**defaults)


def test_term_with_awarded_in_its_first_year_starts_at_the_ceremony() -> None:
    assert _dates(awarded_on=date(2014, 5, 19), term=parse_term("2014-2017")) == (
        date(2014, 5, 19),
        date(2017, 5, 18),
    )


def test_term_from_a_leap_day() -> None:
    assert _dates(valid_from=date(2016, 2, 29), term=parse_term("2016-2019")) == (
        date(2016, 2, 29),
        date(2019, 2, 27),
    )


def test_term_without_a_start_covers_whole_years() -> None:
    assert _dates(term=parse_term("2014-2017")) == (date(2014, 1, 1), date(2017, 12, 31))


def test_term_with_awarded_outside_its_first_year_covers_whole_years() -> None:
    got = _dates(awarded_on=date(2013, 12, 20), term=parse_term("2014-2017"))
    assert got == (date(2014, 1, 1), date(2017, 12, 31))


def test_until_wins_over_term() -> None:
    got = _dates(
        valid_from=date(2014, 5, 19), valid_until=date(2017, 6, 30), term=parse_term("2014-2017")
    )
    assert got == (date(2014, 5, 19), date(2017, 6, 30))


def test_default_length_from_awarded() -> None:
    assert _dates(awarded_on=date(2011, 6, 28)) == (date(2011, 6, 28), date(2016, 6, 27))
    assert _dates(awarded_on=date(2011, 6, 28), default_years=3)[1] == date(2014, 6, 27)


def test_no_start_at_all_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no start date"):
        _dates()


def test_until_before_from_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="before it starts"):
        _dates(valid_from=date(2020, 1, 1), valid_until=date(2019, 1, 1))


@given(start=st.dates(date(1900, 1, 1), date(2200, 12, 31)), years=st.integers(1, 10))
def test_a_term_is_n_years_less_a_day(start: date, years: int) -> None:
    end = add_years_minus_day(start, years)
    assert end < start + relativedelta(years=years)
    assert end + relativedelta(days=1) == start + relativedelta(years=years)


def test_term_near_the_end_of_the_calendar_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="beyond the calendar"):
        add_years_minus_day(date(9998, 1, 1), 5)


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (101, "101st"),
        (111, "111th"),
    ],
)
def test_ordinal(n: int, text: str) -> None:
    from calcert.i18n import ordinal

    assert ordinal(n) == text
