"""The register's records: institutions and the awards of their certificates.

Records are frozen dataclasses so that checks can never change what they check; an edit
(``add``, ``withdraw``) builds a new record with ``dataclasses.replace``. Each record keeps
where it came from (file and line) so a finding can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from dateutil.relativedelta import relativedelta

# Key order is the canonical order (SPEC "Canonical form").
INSTITUTION_KEYS = ("id", "name", "kind", "city", "voivodeship", "website", "parent", "awards")
INSTITUTION_REQUIRED = ("id", "name", "city", "awards")
AWARD_KEYS = (
    "decided_on",
    "awarded_on",
    "valid_from",
    "valid_until",
    "term",
    "ordinal",
    "awarded_by",
    "event",
    "certificate_no",
    "source",
    "notes",
    "withdrawn_on",
    "withdrawal_reason",
)
AWARD_REQUIRED = ("valid_from",)
AWARD_DATE_KEYS = frozenset(
    {"decided_on", "awarded_on", "valid_from", "valid_until", "withdrawn_on"}
)
AWARD_INT_KEYS = frozenset({"ordinal"})
# Every value of an ``Award`` that is not where it came from: the file's keys, and whether
# ``valid_until`` was assumed (absent from the file, derived from ``[terms] default_years``).
AWARD_FIELDS = (*AWARD_KEYS, "valid_until_assumed")
# The term the register assumes when a source states none (``[terms] default_years``).
DEFAULT_YEARS = 5

Status = Literal["pending", "active", "expired", "withdrawn"]


@dataclass(frozen=True)
class Award:
    """One certificate: a closed interval of days, optionally cut short by a withdrawal.

    ``valid_until`` is always a day: when the file states none, it is the end the register
    assumes (``assumed_until``) and ``valid_until_assumed`` is true; such an end is never
    written back to the file.
    """

    valid_from: date
    valid_until: date
    awarded_on: date | None = None
    term: str | None = None
    decided_on: date | None = None
    ordinal: int | None = None
    awarded_by: str | None = None
    event: str | None = None
    certificate_no: str | None = None
    source: str | None = None
    notes: str | None = None
    withdrawn_on: date | None = None
    withdrawal_reason: str | None = None
    valid_until_assumed: bool = False
    line: int | None = field(default=None, compare=False)

    @property
    def effective_until(self) -> date:
        """Last day the award counts as current: a withdrawal ends it the day before."""
        if self.withdrawn_on is not None and self.withdrawn_on <= self.valid_until:
            try:
                return min(self.valid_until, self.withdrawn_on - timedelta(days=1))
            except OverflowError:
                return self.valid_until
        return self.valid_until

    def known_on(self, day: date) -> bool:
        """True when the register knew of the award on ``day``: it had been awarded (the
        ceremony, else the start of the term). A later award did not exist yet."""
        return (self.awarded_on or self.valid_from) <= day

    def covers(self, day: date) -> bool:
        """True when the award is current on ``day`` (withdrawal taken into account)."""
        return self.valid_from <= day <= self.effective_until

    def status(self, day: date) -> Status:
        if self.withdrawn_on is not None and self.withdrawn_on <= day:
            return "withdrawn"
        if self.valid_from > day:
            return "pending"
        if self.valid_until < day:
            return "expired"
        return "active"

    def label(self) -> str:
        """The term as people read it: "2014-05-19..2017-05-18"; an assumed end is marked
        with ``≈`` ("2011-06-28..≈2016-06-27")."""
        mark = ASSUMED_MARK if self.valid_until_assumed else ""
        return f"{self.valid_from.isoformat()}..{mark}{self.valid_until.isoformat()}"

    def to_dict(self) -> dict[str, object]:
        """The file's keys in canonical order (absent optional keys, and an assumed
        ``valid_until``, omitted)."""
        out: dict[str, object] = {}
        for key in AWARD_KEYS:
            value = getattr(self, key)
            if value is not None and not (key == "valid_until" and self.valid_until_assumed):
                out[key] = value
        return out


# How people see an end that no source states: "≈2016-06-27".
ASSUMED_MARK = "≈"


def assumed_until(valid_from: date, years: int = DEFAULT_YEARS) -> date:
    """The last day of a term of ``years`` from ``valid_from`` (the calendar's last day when
    that is beyond year 9999): what the register assumes when a source states no end."""
    try:
        return valid_from + relativedelta(years=years) - timedelta(days=1)
    except (OverflowError, ValueError):
        return date.max


@dataclass(frozen=True)
class Institution:
    """A certified institution and its awards, sorted by ``valid_from``."""

    id: str
    name: str
    city: str
    awards: tuple[Award, ...]
    kind: str | None = None
    voivodeship: str | None = None
    website: str | None = None
    parent: str | None = None
    path: Path | None = field(default=None, compare=False)

    def known_on(self, day: date) -> Institution | None:
        """The institution as the register knew it on ``day`` (only the awards made by then),
        or None when none was: the one rule behind every ``--as-of``."""
        awards = tuple(a for a in self.awards if a.known_on(day))
        if not awards:
            return None
        return self if len(awards) == len(self.awards) else replace(self, awards=awards)

    def sorted_awards(self) -> tuple[Award, ...]:
        return tuple(sorted(self.awards, key=lambda a: (a.valid_from, a.valid_until)))

    def ordinal_of(self, award: Award) -> int:
        """Which certificate ``award`` is: as a source states it (``ordinal``), else its
        place among the recorded awards (1 for the earliest)."""
        if award.ordinal is not None:
            return award.ordinal
        return self.sorted_awards().index(award) + 1

    def current_award(self, day: date) -> Award | None:
        for award in self.sorted_awards():
            if award.covers(day):
                return award
        return None

    def latest_award(self) -> Award | None:
        awards = self.sorted_awards()
        return awards[-1] if awards else None

    def status(self, day: date) -> Status | None:
        """Status of the current award, else of the latest one (SPEC "Terms")."""
        award = self.current_award(day) or self.latest_award()
        return award.status(day) if award else None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for key in INSTITUTION_KEYS:
            if key == "awards":
                out["awards"] = [a.to_dict() for a in self.sorted_awards()]
                continue
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


# The flat layout of one award with its institution: the columns `export --format csv`
# writes and `import` reads.
INSTITUTION_COLUMNS = ("id", "name", "kind", "city", "voivodeship", "website", "parent")
# ``valid_until_assumed`` follows ``valid_until``: true when no source states the end.
CSV_COLUMNS = (*INSTITUTION_COLUMNS, *AWARD_KEYS[:4], "valid_until_assumed", *AWARD_KEYS[4:])
