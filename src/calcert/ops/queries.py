"""Read-only views of the register: list, show, expiring.

They return plain rows (dicts with a fixed key order) so that every output format, and
the tests, use the same data; rendering lives in ``render``.
"""

from __future__ import annotations

import difflib
from datetime import date

from calcert.errors import UsageError
from calcert.i18n import _, translate_text
from calcert.model.records import AWARD_KEYS, Award, Institution
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


def list_rows(register: Register, status: str, as_of: date) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for inst in readable(register, as_of):
        inst_status = inst.status(as_of)
        award = inst.current_award(as_of) or inst.latest_award()
        assert award is not None
        if not _has_status(award, inst_status, status):
            continue
        rows.append(
            {
                "id": inst.id,
                "name": inst.name,
                "city": inst.city,
                "voivodeship": inst.voivodeship,
                "kind": inst.kind,
                "status": inst_status,
                "valid_from": award.valid_from.isoformat(),
                "valid_until": award.effective_until.isoformat(),
                # (a withdrawal's cut is a fact: only an end nobody stated is assumed)
                "valid_until_assumed": award.valid_until_assumed
                and award.effective_until == award.valid_until,
                "certificates": len(inst.awards),
            }
        )
    return rows


def _has_status(award: Award, shown: str | None, wanted: str) -> bool:
    """``wanted`` is a status, ``all``, or ``current``: active or pending, not withdrawn
    (as ``export --status current``)."""
    if wanted == "all":
        return True
    if wanted == "current":
        return award.withdrawn_on is None and shown in ("active", "pending")
    return shown == wanted


def award_row(award: Award, as_of: date, number: int) -> dict[str, object]:
    """An award for ``show``: its number (the stated ordinal, else its place), status and
    keys; an end no source states is there too, with ``valid_until_assumed``."""
    row: dict[str, object] = {"number": number, "status": award.status(as_of)}
    for key in AWARD_KEYS:
        value = getattr(award, key)
        if value is not None:
            row[key] = value.isoformat() if isinstance(value, date) else value
        if key == "valid_until" and award.valid_until_assumed:
            row["valid_until_assumed"] = True
    return row


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


def show(register: Register, ident: str, as_of: date) -> dict[str, object]:
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
    out: dict[str, object] = {}
    for key, value in inst.to_dict().items():
        if key != "awards":
            out[key] = value
    out["status"] = inst.status(as_of)
    units = sub_units(register, ident, as_of)
    if units:
        out["sub_units"] = [unit.id for unit in units]
    out["awards"] = [award_row(a, as_of, inst.ordinal_of(a)) for a in inst.sorted_awards()]
    return out


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
) -> list[dict[str, object]]:
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
        if not as_of <= current.valid_until <= horizon:
            continue
        renewed = any(
            a.valid_from > current.valid_from and a.withdrawn_on is None for a in inst.awards
        )
        if renewed:
            continue
        rows.append(
            {
                "id": inst.id,
                "name": inst.name,
                "city": inst.city,
                "valid_until": current.valid_until.isoformat(),
                "valid_until_assumed": current.valid_until_assumed,
                "days_left": (current.valid_until - as_of).days,
            }
        )
    rows.sort(key=lambda r: (r["valid_until"], r["id"]))
    return rows
