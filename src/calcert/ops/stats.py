"""Figures about the register: awards per year, active certificates by region and kind.

"First" and "renewal" are relative to what the register records: an institution's
earliest recorded award counts as its first (Radom's third certificate is its first
*recorded* one). Withdrawn awards still count as awarded in their year.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from calcert.i18n import N_
from calcert.model.collation import polish_key
from calcert.model.records import Institution
from calcert.model.terms import Duration
from calcert.ops.queries import expiring_rows, readable
from calcert.register.loader import Register

NONE_LABEL = N_("(not given)")  # stays English in json and csv; translated where shown
HORIZONS = (Duration(months=6, text="6m"), Duration(months=12, text="12m"))


def award_year(award) -> int:
    """The year a certificate was awarded: the ceremony, else the start of its term."""
    return (award.awarded_on or award.valid_from).year


def per_year(insts: list[Institution]) -> list[dict[str, int]]:
    first: Counter[int] = Counter()
    renewal: Counter[int] = Counter()
    for inst in insts:
        for n, award in enumerate(inst.sorted_awards()):
            (renewal if n else first)[award_year(award)] += 1
    years = sorted(set(first) | set(renewal))
    return [
        {"year": y, "first": first[y], "renewal": renewal[y], "total": first[y] + renewal[y]}
        for y in years
    ]


def _counted(counter: Counter[str], key: str) -> list[dict[str, object]]:
    ordered = sorted(
        counter.items(), key=lambda kv: (-kv[1], kv[0] == NONE_LABEL, polish_key(kv[0]))
    )
    return [{key: k, "active": v} for k, v in ordered]


def compute(register: Register, as_of: date) -> dict[str, object]:
    insts = readable(register, as_of)
    active = [i for i in insts if i.status(as_of) == "active"]
    years = per_year(insts)
    voivodeships = Counter(i.voivodeship or NONE_LABEL for i in active)
    kinds = Counter(i.kind or NONE_LABEL for i in active)
    expiring = []
    for horizon in HORIZONS:
        ids = [str(r["id"]) for r in expiring_rows(register, horizon, as_of, clamp=True)]
        expiring.append({"within": horizon.text, "count": len(ids), "ids": ids})
    return {
        "as_of": as_of.isoformat(),
        "institutions": len(insts),
        "awards": sum(len(i.awards) for i in insts),
        "active": len(active),
        "first_awards": sum(y["first"] for y in years),
        "renewals": sum(y["renewal"] for y in years),
        "awards_per_year": years,
        "active_per_voivodeship": _counted(voivodeships, "voivodeship"),
        "active_per_kind": _counted(kinds, "kind"),
        "expiring": expiring,
    }
