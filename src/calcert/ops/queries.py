"""Read-only views of the register: list, show, expiring.

Each returns typed results (``ListRow``, ``InstitutionView`` with its ``AwardRow``s,
``ExpiringRow``): frozen values whose fields and types say what every output format, the
statistics and the tests may rely on, and which mypy checks where they are read. Rendering
lives in ``outputs``; a result's ``as_dict`` is the one place it becomes the keys, key
order and values that json and csv write (a contract: scripts read them).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, fields
from datetime import date

from calcert.errors import UsageError
from calcert.i18n import _, translate_text
from calcert.model.records import AWARD_KEYS, INSTITUTION_COLUMNS, Award, Institution, Status
from calcert.model.terms import Duration
from calcert.register.loader import Register
from calcert.register.tomlfile import ParsedFile

LIST_COLUMNS = (
    "id",
    "name",
    "city",
    "voivodeship",
    "kind",
    "status",
    "valid_from",
    "valid_until",
    "certificates",
)
EXPIRING_COLUMNS = ("id", "name", "city", "valid_until", "days_left")


def _json_value(value: object) -> object:
    """A value as json and csv have it: a day as ISO text, anything else as it is."""
    return value.isoformat() if isinstance(value, date) else value


@dataclass(frozen=True, slots=True)
class _InstitutionRow:
    """A flat row about one institution whose fields are its columns, in order."""

    id: str
    name: str
    city: str

    def as_dict(self) -> dict[str, object]:
        """Every field by name in declaration order (the columns' order), days as ISO
        text: what json and csv write."""
        return {f.name: _json_value(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class ListRow(_InstitutionRow):
    """One institution as ``list`` shows it on a day: its status and the award behind it
    (the current one, else the latest).

    The fields are ``LIST_COLUMNS`` in order, with ``valid_until_assumed`` after
    ``valid_until``: json and csv write them in this order (``as_dict``), tables the
    columns. ``valid_until`` is the last day the award counts (a withdrawal cuts it short);
    ``valid_until_assumed`` is true only for an end no source states, never for the cut.
    """

    voivodeship: str | None
    kind: str | None
    status: Status
    valid_from: date
    valid_until: date
    valid_until_assumed: bool
    certificates: int


@dataclass(frozen=True, slots=True)
class ExpiringRow(_InstitutionRow):
    """A current certificate that ends within the window and has no renewal recorded.

    The fields are ``EXPIRING_COLUMNS`` in order, with ``valid_until_assumed`` after
    ``valid_until`` (as json and csv write them, ``as_dict``); ``days_left`` is
    ``valid_until`` less the day asked about, so 0 on the last day.
    """

    valid_until: date
    valid_until_assumed: bool
    days_left: int


@dataclass(frozen=True, slots=True)
class AwardRow:
    """One award in ``show``: which certificate it is and its status on the day.

    ``number`` is the stated ``ordinal``, else the award's place among those recorded: a
    source may call a certificate the third when the register records none before it.
    ``award`` is the award itself, for every key it has (``as_dict`` names those set).
    """

    number: int
    status: Status
    award: Award

    def as_dict(self) -> dict[str, object]:
        """``number``, ``status`` and the award's keys that have a value, in canonical order
        (days as ISO text); ``valid_until_assumed: true`` follows an end no source states."""
        row: dict[str, object] = {"number": self.number, "status": self.status}
        for key in AWARD_KEYS:
            value = getattr(self.award, key)
            if value is not None:
                row[key] = _json_value(value)
            if key == "valid_until" and self.award.valid_until_assumed:
                row["valid_until_assumed"] = True
        return row


@dataclass(frozen=True, slots=True)
class InstitutionView:
    """One institution for ``show``, as the register knew it on the day (only the awards
    made by then): its status, its sub-units (the institutions whose ``parent`` it is, by
    id; the table names them, json gives their ids) and every award, in term order."""

    institution: Institution
    status: Status
    sub_units: tuple[Institution, ...]
    awards: tuple[AwardRow, ...]

    def details(self) -> list[tuple[str, object]]:
        """The institution's keys that have a value, in canonical order (what ``show``
        prints above the awards, before the status)."""
        values = ((key, getattr(self.institution, key)) for key in INSTITUTION_COLUMNS)
        return [(key, value) for key, value in values if value is not None]

    def as_dict(self) -> dict[str, object]:
        """What ``show --format json`` writes: the keys with a value, ``status``,
        ``sub_units`` (ids; only when there are any) and ``awards``."""
        out: dict[str, object] = dict(self.details())
        out["status"] = self.status
        if self.sub_units:
            out["sub_units"] = [unit.id for unit in self.sub_units]
        out["awards"] = [award.as_dict() for award in self.awards]
        return out


def _filed_right(parsed: ParsedFile) -> bool:
    return parsed.institution is not None and parsed.institution.id == parsed.path.stem


def readable(register: Register, as_of: date) -> list[Institution]:
    """Institutions read completely from their files as the register knew them on
    ``as_of`` (``Institution.known_on``), sorted by id.

    A file whose id is not its name is left out (``misfiled`` names it): it would list an
    institution twice, or under an id ``show`` cannot find.
    """
    out = []
    for parsed in register.files:
        if parsed.complete and parsed.institution is not None and _filed_right(parsed):
            known = parsed.institution.known_on(as_of)
            if known is not None:
                out.append(known)
    return sorted(out, key=lambda i: i.id)


def misfiled(register: Register) -> list[tuple[ParsedFile, ParsedFile | None]]:
    """Complete files whose id differs from their name, each with the file that is
    named after that id (another declaration of it), if there is one."""
    out = []
    for parsed in register.files:
        if parsed.complete and not _filed_right(parsed):
            assert parsed.institution is not None
            out.append((parsed, register.file_for(parsed.institution.id)))
    return out


def _misfiled_problem(parsed: ParsedFile, other: ParsedFile | None) -> str:
    """Why ``misfiled`` left ``parsed`` out: one line naming both files."""
    assert parsed.institution is not None
    ident = parsed.institution.id
    if other is None:
        return _("{file}: declares id {id!r}, not {stem!r} as its name says").format(
            file=parsed.shown, id=ident, stem=parsed.path.stem
        )
    return _("{file}: declares id {id!r}, which {other} declares too").format(
        file=parsed.shown, id=ident, other=other.shown
    )


def misfiled_problems(register: Register) -> list[str]:
    """One line per file ``readable`` leaves out for its id (see ``misfiled``)."""
    return [_misfiled_problem(parsed, other) for parsed, other in misfiled(register)]


def list_rows(register: Register, status: str, as_of: date) -> list[ListRow]:
    """The readable institutions whose status on ``as_of`` is ``status`` (or ``all``, or
    ``current``: see ``_has_status``), by id."""
    rows: list[ListRow] = []
    for inst in readable(register, as_of):
        award = _shown_award(inst, as_of)
        inst_status = award.status(as_of)
        if not _has_status(award, inst_status, status):
            continue
        rows.append(
            ListRow(
                *(inst.id, inst.name, inst.city),  # what every row names first
                voivodeship=inst.voivodeship,
                kind=inst.kind,
                status=inst_status,
                valid_from=award.valid_from,
                valid_until=award.effective_until,
                # (a withdrawal's cut is a fact: only an end nobody stated is assumed)
                valid_until_assumed=award.valid_until_assumed
                and award.effective_until == award.valid_until,
                certificates=len(inst.awards),
            )
        )
    return rows


def _shown_award(inst: Institution, as_of: date) -> Award:
    """The award behind an institution's status (``Institution.status``): the current one,
    else the latest."""
    award = inst.current_award(as_of) or inst.latest_award()
    assert award is not None  # what the register knew on a day holds an award
    return award


def _has_status(award: Award, shown: Status, wanted: str) -> bool:
    """``wanted`` is a status, ``all``, or ``current``: active or pending, not withdrawn
    (as ``export --status current``)."""
    if wanted == "all":
        return True
    if wanted == "current":
        return award.withdrawn_on is None and shown in ("active", "pending")
    return shown == wanted


def _declared_elsewhere(register: Register, ident: str) -> None:
    """``show ID`` where no file is named ID: say which misfiled file declares it."""
    for parsed, _other in misfiled(register):
        if parsed.institution is not None and parsed.institution.id == ident:
            raise UsageError(
                _(
                    "{file} declares id {id!r} but is not named {id}.toml; rename the file "
                    "or fix its id (`calcert validate`)"
                ).format(file=parsed.shown, id=ident)
            )


def show(register: Register, ident: str, as_of: date) -> InstitutionView:
    """The institution ``ident`` as the register knew it on ``as_of``; a ``UsageError``
    that says what to do when there is no such file, it cannot be read, declares another
    id or holds no award made by then."""
    parsed = register.file_for(ident)
    if parsed is None:
        _declared_elsewhere(register, ident)
        raise UsageError(unknown_id(register, ident))
    if not parsed.complete or parsed.institution is None:
        where = parsed.shown
        if parsed.findings:
            first = translate_text(parsed.findings[0].message)
            if parsed.findings[0].line:
                where = f"{parsed.shown}:{parsed.findings[0].line}"
        else:
            first = _("cannot be read")
        raise UsageError(
            _("{file}: {reason}; fix the file (`calcert validate`)").format(
                file=where, reason=first
            )
        )
    if not _filed_right(parsed):
        raise UsageError(
            _misfiled_problem(parsed, None) + _("; fix the file (`calcert validate`)")
        )
    inst = parsed.institution.known_on(as_of)
    if inst is None:
        raise UsageError(
            _("no certificate of {id} was recorded by {day}; try a later --as-of").format(
                id=ident, day=as_of.isoformat()
            )
        )
    return InstitutionView(
        institution=inst,
        status=_shown_award(inst, as_of).status(as_of),
        sub_units=tuple(sub_units(register, ident, as_of)),
        awards=tuple(
            AwardRow(inst.ordinal_of(a), a.status(as_of), a) for a in inst.sorted_awards()
        ),
    )


def unknown_id(register: Register, ident: str) -> str:
    """The message for an id the register does not have, with the nearest one if any."""
    ids = [f.path.stem for f in register.files]
    close = difflib.get_close_matches(ident, ids, n=1, cutoff=0.8)
    if close:
        return _(
            "unknown institution id {id!r}; did you mean {close!r}? "
            "(`calcert list --status all` lists them)"
        ).format(id=ident, close=close[0])
    return _("unknown institution id {id!r}; `calcert list --status all` lists them").format(
        id=ident
    )


def sub_units(register: Register, ident: str, as_of: date) -> list[Institution]:
    """The institutions whose ``parent`` is ``ident`` (as the register knew them on
    ``as_of``), by id."""
    return [inst for inst in readable(register, as_of) if inst.parent == ident]


def expiring_rows(
    register: Register, within: Duration, as_of: date, *, clamp: bool = False
) -> list[ExpiringRow]:
    """Current certificates ending in [as_of, as_of + within] with no renewal recorded.

    An award that was withdrawn ends by the withdrawal, not by expiry, so it is not listed.
    A window beyond the calendar is the user's error, unless ``clamp`` (for windows the user
    did not choose, like the stats' 6 and 12 months) ends it on the calendar's last day.
    """
    try:
        horizon = within.after(as_of)
    except UsageError:
        if not clamp:
            raise
        horizon = date.max
    rows = []
    for inst in readable(register, as_of):
        current = inst.current_award(as_of)
        if current is None or current.withdrawn_on is not None:
            continue
        end = current.valid_until
        if not as_of <= end <= horizon:
            continue
        renewed = any(
            a.valid_from > current.valid_from and a.withdrawn_on is None for a in inst.awards
        )
        if renewed:
            continue
        rows.append(
            ExpiringRow(
                *(inst.id, inst.name, inst.city),  # what every row names first
                valid_until=end,
                valid_until_assumed=current.valid_until_assumed,
                days_left=(end - as_of).days,
            )
        )
    rows.sort(key=lambda r: (r.valid_until, r.id))
    return rows
