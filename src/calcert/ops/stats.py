"""Figures about the register: awards per year, active certificates by region and kind.

"First" and "renewal" follow which certificate an award is: its stated ``ordinal`` where a
source gives one (Radom's third certificate is a renewal, though the first recorded), else
its place among the recorded awards. Withdrawn awards still count as awarded in their year.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from calcert.i18n import N_
from calcert.model.collation import polish_key
from calcert.model.records import Institution
from calcert.model.terms import Duration
from calcert.ops.queries import expiring_rows, readable
from calcert.register.loader import Register

NONE_LABEL = N_("(not given)")  # stays English in json and csv; translated where shown
HORIZONS = (Duration(months=6, text="6m"), Duration(months=12, text="12m"))


@dataclass(frozen=True)
class YearCount:
    """Certificates awarded in one year: first recorded ones and renewals."""

    year: int
    first: int
    renewal: int

    @property
    def total(self) -> int:
        return self.first + self.renewal


@dataclass(frozen=True)
class ActiveCount:
    """Active certificates of one voivodeship or kind (``NONE_LABEL`` when not given)."""

    key: str
    active: int


@dataclass(frozen=True)
class ExpiringCount:
    """Certificates ending within ``within`` of the day, with no renewal recorded."""

    within: str
    ids: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Figures:
    """What ``stats`` reports, as of one day."""

    as_of: date
    institutions: int
    awards: int
    active: int
    awards_per_year: tuple[YearCount, ...]
    active_per_voivodeship: tuple[ActiveCount, ...]
    active_per_kind: tuple[ActiveCount, ...]
    expiring: tuple[ExpiringCount, ...]

    @property
    def first_awards(self) -> int:
        return sum(y.first for y in self.awards_per_year)

    @property
    def renewals(self) -> int:
        return sum(y.renewal for y in self.awards_per_year)

    def as_dict(self) -> dict[str, object]:
        """The JSON document of ``stats --format json`` (keys are a stable contract)."""
        return {
            "as_of": self.as_of.isoformat(),
            "institutions": self.institutions,
            "awards": self.awards,
            "active": self.active,
            "first_awards": self.first_awards,
            "renewals": self.renewals,
            "awards_per_year": [
                {"year": y.year, "first": y.first, "renewal": y.renewal, "total": y.total}
                for y in self.awards_per_year
            ],
            "active_per_voivodeship": [
                {"voivodeship": c.key, "active": c.active} for c in self.active_per_voivodeship
            ],
            "active_per_kind": [{"kind": c.key, "active": c.active} for c in self.active_per_kind],
            "expiring": [
                {"within": e.within, "count": e.count, "ids": list(e.ids)} for e in self.expiring
            ],
        }


def award_year(award) -> int:
    """The year a certificate was awarded: the ceremony, else the start of its term."""
    return (award.awarded_on or award.valid_from).year


def per_year(insts: list[Institution]) -> tuple[YearCount, ...]:
    first: Counter[int] = Counter()
    renewal: Counter[int] = Counter()
    for inst in insts:
        for award in inst.sorted_awards():
            (renewal if inst.ordinal_of(award) > 1 else first)[award_year(award)] += 1
    return tuple(YearCount(y, first[y], renewal[y]) for y in sorted(set(first) | set(renewal)))


def _counted(counter: Counter[str]) -> tuple[ActiveCount, ...]:
    ordered = sorted(
        counter.items(), key=lambda kv: (-kv[1], kv[0] == NONE_LABEL, polish_key(kv[0]))
    )
    return tuple(ActiveCount(k, v) for k, v in ordered)


def compute(register: Register, as_of: date) -> Figures:
    insts = readable(register, as_of)
    active = [i for i in insts if i.status(as_of) == "active"]
    expiring = tuple(
        ExpiringCount(
            horizon.text,
            tuple(r.id for r in expiring_rows(register, horizon, as_of, clamp=True)),
        )
        for horizon in HORIZONS
    )
    return Figures(
        as_of=as_of,
        institutions=len(insts),
        awards=sum(len(i.awards) for i in insts),
        active=len(active),
        awards_per_year=per_year(insts),
        active_per_voivodeship=_counted(Counter(i.voivodeship or NONE_LABEL for i in active)),
        active_per_kind=_counted(Counter(i.kind or NONE_LABEL for i in active)),
        expiring=expiring,
    )
