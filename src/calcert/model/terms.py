"""Calendar arithmetic: dates from the command line, durations, certificate terms.

All arithmetic is calendar arithmetic (``relativedelta``): a term that starts on
2014-05-19 and is printed as "2014-2017" ends on 2017-05-18, and 2024-08-31 + 6 months is
2025-02-28. Every function raises ``UsageError`` with an example of the accepted form, so
the CLI never shows a traceback for a malformed argument.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from calcert.errors import UsageError
from calcert.i18n import N_, _, ngettext, npgettext
from calcert.model.values import date_parts, term_years

_SHORT_RE = re.compile(r"(?a)^(?:(\d{1,6})y)?(?:(\d{1,6})m)?(?:(\d{1,6})w)?(?:(\d{1,7})d)?$")
_ISO_RE = re.compile(r"(?a)^P(?:(\d{1,6})Y)?(?:(\d{1,6})M)?(?:(\d{1,6})W)?(?:(\d{1,7})D)?$")

DURATION_FORMS = N_("90d, 2w, 6m, 1y, 1y6m or ISO 8601 P6M, P1Y2M10D, P2W")


def parse_date(text: str, option: str = "date") -> date:
    """Parse a strict ISO calendar date (YYYY-MM-DD) given on the command line."""
    parts = date_parts(text.strip())
    if parts is None:
        raise UsageError(
            _("{option}: {text!r} is not a date; use YYYY-MM-DD, e.g. 2022-03-29").format(
                option=option, text=text
            )
        )
    try:
        return date(*parts)
    except ValueError:
        raise UsageError(
            _(
                "{option}: {text!r} is not a calendar date ({error}); use YYYY-MM-DD, "
                "e.g. 2022-03-29"
            ).format(option=option, text=text, error=_why_not_a_day(*parts))
        ) from None


def _why_not_a_day(year: int, month: int, day: int) -> str:
    """Why year-month-day names no day, in the user's words (not Python's)."""
    if not 1 <= year <= 9999:
        return _("there is no year {year}").format(year=year)
    if not 1 <= month <= 12:
        return _("there is no month {month}").format(month=month)
    days = calendar.monthrange(year, month)[1]
    return _("month {month} of {year} has {n} days").format(month=month, year=year, n=days)


@dataclass(frozen=True)
class Duration:
    """A calendar duration: years, months, weeks and days kept apart until applied."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    text: str = ""

    def delta(self) -> relativedelta:
        return relativedelta(
            years=self.years, months=self.months, weeks=self.weeks, days=self.days
        )

    def words(self, *, within: bool = False) -> str:
        """The duration in words of the current language: "1 year and 6 months", "6
        miesięcy"; ``within`` gives the forms that follow "within" ("w ciągu 1 roku")."""
        units = _WITHIN_UNITS if within else _UNITS
        counts = (self.years, self.months, self.weeks, self.days)
        parts = [unit(n) for unit, n in zip(units, counts, strict=True) if n]
        if not parts:
            return units[-1](0)
        if len(parts) == 1:
            return parts[0]
        return ", ".join(parts[:-1]) + _(" and ") + parts[-1]

    def within(self) -> str:
        """ "within 6 months", "w ciągu 6 miesięcy"."""
        return _("within {duration}").format(duration=self.words(within=True))

    def after(self, start: date) -> date:
        """``start`` plus this duration; beyond the calendar is a usage error."""
        try:
            result = start + self.delta()
        except (OverflowError, ValueError):
            raise UsageError(
                _(
                    "duration {duration!r} from {start} goes beyond the calendar "
                    "(year 9999); use a shorter one, e.g. {forms}"
                ).format(duration=self.text, start=start.isoformat(), forms=_(DURATION_FORMS))
            ) from None
        return result


# Years, months, weeks, days: as counted ("2 lata") and after "within" ("w ciągu 2 lat").
_UNITS: tuple[Callable[[int], str], ...] = (
    lambda n: ngettext("{n} year", "{n} years", n).format(n=n),
    lambda n: ngettext("{n} month", "{n} months", n).format(n=n),
    lambda n: ngettext("{n} week", "{n} weeks", n).format(n=n),
    lambda n: ngettext("{n} day", "{n} days", n).format(n=n),
)
_WITHIN_UNITS: tuple[Callable[[int], str], ...] = (
    lambda n: npgettext("within", "{n} year", "{n} years", n).format(n=n),
    lambda n: npgettext("within", "{n} month", "{n} months", n).format(n=n),
    lambda n: npgettext("within", "{n} week", "{n} weeks", n).format(n=n),
    lambda n: npgettext("within", "{n} day", "{n} days", n).format(n=n),
)


def parse_duration(text: str) -> Duration:
    """Parse ``1y6m``-style or ISO 8601 ``P1Y6M``-style durations."""
    raw = text.strip()
    for regex in (_SHORT_RE, _ISO_RE):
        match = regex.fullmatch(raw)
        if match and raw not in ("", "P") and any(g is not None for g in match.groups()):
            y, m, w, d = (int(g) if g else 0 for g in match.groups())
            return Duration(y, m, w, d, raw)
    raise UsageError(
        _("duration {duration!r} is not understood; use one of {forms}").format(
            duration=text, forms=_(DURATION_FORMS)
        )
    )


def add_years_minus_day(start: date, years: int) -> date:
    """The last day of a term of ``years`` years that starts on ``start`` (inclusive end)."""
    try:
        return start + relativedelta(years=years) - timedelta(days=1)
    except (OverflowError, ValueError):
        raise UsageError(
            _("a {years}-year term from {start} ends beyond the calendar").format(
                years=years, start=start.isoformat()
            )
        ) from None


@dataclass(frozen=True)
class PrintedTerm:
    """A term as printed on a certificate, e.g. "2014-2017"."""

    first: int
    last: int

    def __str__(self) -> str:
        return f"{self.first:04d}-{self.last:04d}"


def _as_printed(text: str) -> str:
    """A term as typed ("2014 — 2017", "2014–2017") in the register's form ("2014-2017")."""
    for dash in "–—":
        text = text.replace(dash, "-")
    first, dash, last = text.partition("-")
    return f"{first.strip()}{dash}{last.strip()}"


def parse_term(text: str) -> PrintedTerm:
    """A ``--term`` argument: the file's form, with an em dash and spaces around it allowed."""
    years = term_years(_as_printed(text.strip()))
    if years is None:
        raise UsageError(
            _(
                "--term: {text!r} is not a term; give the years printed on the certificate, "
                "e.g. 2014-2017"
            ).format(text=text)
        )
    first, last = years
    if first < 1:
        raise UsageError(
            _("--term: {text!r} starts in year 0, which does not exist; e.g. 2014-2017").format(
                text=text
            )
        )
    if last < first:
        raise UsageError(
            _("--term: {text!r} ends before it starts; e.g. 2014-2017").format(text=text)
        )
    return PrintedTerm(first, last)


def term_dates(
    *,
    valid_from: date | None,
    valid_until: date | None,
    awarded_on: date | None,
    term: PrintedTerm | None,
    default_years: int,
) -> tuple[date, date]:
    """Work out ``valid_from``..``valid_until`` from what ``add`` was given (SPEC "Terms")."""
    start = valid_from
    if term is not None and start is None and awarded_on and awarded_on.year == term.first:
        start = awarded_on
    if term is None and start is None:
        start = awarded_on
    if valid_until is not None:
        if start is None:
            if term is not None:
                start = date(term.first, 1, 1)
            else:
                raise UsageError(
                    _("--until needs a start: give --from (or --awarded), e.g. --from 2022-03-29")
                )
        end = valid_until
    elif term is not None:
        if start is None:
            start, end = date(term.first, 1, 1), date(term.last, 12, 31)
        else:
            end = add_years_minus_day(start, term.last - term.first)
    else:
        if start is None:
            raise UsageError(
                _(
                    "no start date: give --from or --awarded (and --until or --term), "
                    "e.g. --awarded 2022-03-29 --term 2022-2026"
                )
            )
        end = add_years_minus_day(start, default_years)
    if end < start:
        raise UsageError(
            _(
                "the term would end ({end}) before it starts ({start}); "
                "check --from/--until/--term"
            ).format(end=end.isoformat(), start=start.isoformat())
        )
    return start, end
