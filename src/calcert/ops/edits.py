"""Changes to the register: add an award, withdraw one, rewrite files canonically.

Each edit builds the register as it would be, runs the same checks as ``validate`` on it,
and refuses (``Refused``, exit 1) when the change would add an error; only then are bytes
written, atomically and under the register lock. A refused edit changes nothing on disk.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from calcert.checks import pipeline
from calcert.errors import Refused, UsageError
from calcert.i18n import N_, _, gettext_in, ngettext, ordinal, translate_text
from calcert.model.findings import Finding
from calcert.model.records import (
    AWARD_DATE_KEYS,
    AWARD_INT_KEYS,
    AWARD_KEYS,
    Award,
    Institution,
)
from calcert.model.terms import PrintedTerm, term_dates
from calcert.model.text import escape_controls, first_control
from calcert.model.translit import slugify
from calcert.model.values import VOIVODESHIPS, id_problem, is_voivodeship
from calcert.register.comments import comment_line
from calcert.register.fs import locked, write_files
from calcert.register.loader import Register, load
from calcert.register.tomlfile import ParsedFile, dumps

# What ``add`` records, by the keys of the institution file (as ``import`` reads them):
# the institution's values, and the award's but for the printed term (parsed, so
# ``AddRequest.term``) and a withdrawal (``withdraw``'s).
ADD_INSTITUTION_KEYS = ("name", "city", "kind", "voivodeship", "website", "parent")
ADD_AWARD_KEYS = tuple(
    key for key in AWARD_KEYS if key not in ("term", "withdrawn_on", "withdrawal_reason")
)
# The award's values that are text as given (the rest are days and a number).
_AWARD_TEXT = tuple(k for k in ADD_AWARD_KEYS if k not in AWARD_DATE_KEYS | AWARD_INT_KEYS)


@dataclass
class AddRequest:
    """What ``calcert add`` was asked to record (already parsed and type-checked).

    ``institution`` holds text by ``ADD_INSTITUTION_KEYS`` and ``award`` the values an
    ``Award`` has under ``ADD_AWARD_KEYS`` (days as ``date``, ``ordinal`` as ``int``); a key
    left out, or None, was not given.
    """

    ident: str | None = None
    institution: dict[str, str | None] = field(default_factory=dict)
    award: dict[str, Any] = field(default_factory=dict)
    term: PrintedTerm | None = None
    supersede: bool = False
    strict: bool = False  # refuse warnings too

    def __post_init__(self) -> None:
        unknown = {*self.institution} - {*ADD_INSTITUTION_KEYS} | {*self.award} - {*ADD_AWARD_KEYS}
        if unknown:
            raise TypeError(f"AddRequest: no such keys: {', '.join(sorted(unknown))}")


@dataclass
class EditResult:
    """What an edit did (or, in a dry run, would do)."""

    institution: Institution
    path: Path
    text: str
    summary: str
    created: bool = False
    changed: list[str] = field(default_factory=list)
    # The register the edit was planned on, so callers need not read it all again.
    register: Register | None = field(default=None, repr=False, compare=False)
    # Warnings the register would have after the edit that it has not now.
    warnings: list[Finding] = field(default_factory=list)
    # The award ``add`` recorded without an end (no --until, no --term): its end is assumed.
    assumed: Award | None = None


def check_id(ident: str, what: str = "id") -> str:
    problem = id_problem(ident)
    if problem:
        raise UsageError(
            _("{what} {ident!r} is not valid: {problem}").format(
                what=what, ident=ident, problem=translate_text(problem)
            )
        )
    return ident


def resolve_id(register: Register, request: AddRequest) -> str:
    """The id to record under: given, or derived from the name ("MOPS Mława" → mops-mlawa)."""
    if request.ident is not None:
        return check_id(request.ident)
    name, city = request.institution.get("name"), request.institution.get("city")
    if not name or not city:
        raise UsageError(_("give an ID, or --name and --city to derive one from the name"))
    ident = slugify(name)
    if not ident:
        raise UsageError(
            _("cannot derive an id from the name {name!r}; give an ID").format(name=name)
        )
    return ident


def _clean(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        raise UsageError(
            _("{option} is empty; give a value or leave the option out").format(option=option)
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in argv arrive as lone surrogates
        raise UsageError(
            _(
                "{option} {value} is not valid text (bytes that are not UTF-8); "
                "check the terminal's encoding, the register stores UTF-8"
            ).format(option=option, value=repr(value))
        ) from None
    _refuse_controls(value, option)
    return value


def _refuse_controls(value: str, option: str) -> None:
    """No control character reaches the register (``notes`` may break lines and tab)."""
    char = first_control(value, option.lstrip("-"))
    if char is not None:
        raise UsageError(
            _(
                "{option} contains the control character {char} (an escape sequence, or a "
                "pasted line break?); remove it"
            ).format(option=option, char=escape_controls(char))
        )


def _existing(register: Register, ident: str) -> ParsedFile | None:
    parsed = register.file_for(ident)
    if parsed is not None:
        parsed = register.fresh(parsed)  # what is rewritten comes from the file itself
    if parsed is not None and not parsed.complete:
        first = parsed.findings[0] if parsed.findings else None
        where = f"{parsed.shown}:{first.line}" if first and first.line else parsed.shown
        reason = translate_text(first.message) if first else _("cannot be read")
        raise UsageError(
            _(
                "{where}: {reason}; fix this file before recording awards in it "
                "(`calcert validate {path}`)"
            ).format(where=where, reason=reason, path=parsed.shown)
        )
    return parsed


def refuse_comments(parsed: ParsedFile, command: str) -> None:
    """Refuse to rewrite a file with ``#`` comments: the canonical writer would drop them."""
    line = comment_line(parsed)
    if line is not None:
        raise Refused(
            _(
                "{path}:{line}: has # comments, which {command} would drop; move them into "
                "an award's notes, or drop them with `calcert fmt`, then run the command again"
            ).format(path=parsed.shown, line=line, command=command)
        )


def refuse_foreign_folder(register: Register) -> None:
    """Write nothing through an ``institutions`` symlink that leads out of the register
    (the loader reads nothing through it and names it, see ``loader.stray_files``)."""
    for parsed in register.files:
        if parsed.path == register.institutions_dir and parsed.findings:
            message = translate_text(parsed.findings[0].message)
            raise UsageError(f"{parsed.shown}: {message}")


def plan_add(register: Register, request: AddRequest, today: date) -> EditResult:
    """Work out the new file content for ``add`` and check it; writes nothing."""
    refuse_foreign_folder(register)
    ident = resolve_id(register, request)
    given = _institution_values(request)
    new = _new_award(request, register.config.default_years)
    existing = _existing(register, ident)
    if existing is None:
        institution = _new_institution(ident, given, new)
        path, changed = register.institutions_dir / f"{ident}.toml", []
    else:
        old, updates = _fills(existing, ident, given, derived=request.ident is None)
        awards = _place(old, new, request.supersede, existing.shown, register.config.language)
        institution = dataclasses.replace(old, awards=awards, **updates)
        path, changed = existing.path, list(updates)
    text = dumps(institution)
    warnings = _check_change(register, path, text, today, strict=request.strict)
    return EditResult(
        institution,
        path,
        text,
        _add_summary(institution, ident, new),
        existing is None,
        changed,
        register=register,
        warnings=warnings,
        assumed=new if new.valid_until_assumed else None,
    )


def _option(key: str) -> str:
    """The option of ``calcert add`` that gives the file's ``key``."""
    return "--by" if key == "awarded_by" else "--" + key.replace("_", "-")


def _institution_values(request: AddRequest) -> dict[str, str]:
    """The institution's values given, cleaned and checked, by ``ADD_INSTITUTION_KEYS``."""
    given = request.institution
    # Checked in this order, so that of two bad values the same one is named first.
    text = ("name", "city", "kind", "website", "voivodeship")
    values = {key: _clean(given.get(key), _option(key)) for key in text}
    voivodeship = values["voivodeship"]
    if voivodeship is not None:
        values["voivodeship"] = voivodeship.lower()
        if not is_voivodeship(voivodeship.lower()):
            raise UsageError(
                _("--voivodeship {value!r} is not one of the 16: {choices}").format(
                    value=given["voivodeship"], choices=", ".join(VOIVODESHIPS)
                )
            )
    parent = given.get("parent")
    values["parent"] = check_id(parent, "--parent") if parent is not None else None
    return {key: value for key in ADD_INSTITUTION_KEYS if (value := values[key]) is not None}


def _new_award(request: AddRequest, default_years: int) -> Award:
    """The award ``add`` records: its term worked out (SPEC "Terms"), its text cleaned."""
    values: dict[str, Any] = {key: request.award.get(key) for key in ADD_AWARD_KEYS}
    values["valid_from"], values["valid_until"] = term_dates(
        valid_from=values["valid_from"],
        valid_until=values["valid_until"],
        awarded_on=values["awarded_on"],
        term=request.term,
        default_years=default_years,
    )
    for key in _AWARD_TEXT:
        values[key] = _clean(values[key], _option(key))
    return Award(
        **values,
        term=str(request.term) if request.term else None,
        # Neither --until nor --term: no source states the end; it is not written down.
        valid_until_assumed=request.award.get("valid_until") is None and request.term is None,
    )


def _new_institution(ident: str, given: dict[str, str], new: Award) -> Institution:
    """A new institution of one award; ``--name`` and ``--city`` are required."""
    missing = [_option(key) for key in ("name", "city") if key not in given]
    if missing:
        raise UsageError(
            ngettext(
                "{ident!r} is a new institution: {options} is required",
                "{ident!r} is a new institution: {options} are required",
                len(missing),
            ).format(ident=ident, options=_(" and ").join(missing))
        )
    values: dict[str, Any] = dict(given)
    name, city = values.pop("name"), values.pop("city")
    return Institution(ident, name, city, (new,), **values)


def _fills(
    existing: ParsedFile, ident: str, given: dict[str, str], *, derived: bool
) -> tuple[Institution, dict[str, Any]]:
    """The recorded institution and the values given that it lacks; a value that differs
    from the recorded one is refused (under a ``derived`` id: it is another institution)."""
    old = existing.institution
    assert old is not None
    refuse_comments(existing, "add")
    updates: dict[str, Any] = {}
    for key, value in given.items():
        current = getattr(old, key)
        if current is None:
            updates[key] = value
        elif current != value and derived:
            raise UsageError(
                _(
                    "the derived id {ident!r} belongs to {name!r} ({city}); "
                    "give the new institution an ID of its own"
                ).format(ident=ident, name=old.name, city=old.city)
            )
        elif current != value:
            raise UsageError(
                _(
                    "{path}: {key} is {current!r}, not {value!r}; leave --{key} out "
                    "or edit the file to change it"
                ).format(path=existing.shown, key=key, current=current, value=value)
            )
    return old, updates


def _add_summary(institution: Institution, ident: str, new: Award) -> str:
    where = f"{institution.name}, {institution.city}"
    term = _(" (term {term})").format(term=new.term) if new.term else ""
    return _("{ordinal} certificate of {ident} ({where}): {label}{term}").format(
        ordinal=ordinal(institution.ordinal_of(new)),
        ident=ident,
        where=where,
        label=new.label(),
        term=term,
    )


def assumed_end_note(award: Award, default_years: int) -> str:
    """What ``add`` says about an award recorded without an end (in the current language)."""
    return _(
        "The end {end} is assumed ([terms] default_years = {years}), not recorded: when a "
        "source states the term, record it with --until DATE or --term YEARS (or write "
        "valid_until in the file)."
    ).format(end=award.valid_until.isoformat(), years=default_years)


# Written into the register: in the register's language (calcert.toml), not the user's.
SUPERSEDED_NOTE = N_("Superseded by the award of {start}: ended {cut} instead of {until}.")


def _place(
    old: Institution, new: Award, supersede: bool, shown: str, language: str
) -> tuple[Award, ...]:
    """Insert ``new`` among the awards; with ``supersede`` end an overlapping earlier one
    (its note in the register's ``language``)."""
    result: list[Award] = []
    for award in old.awards:
        overlaps = award.valid_from <= new.valid_until and new.valid_from <= award.effective_until
        if not overlaps:
            result.append(award)
            continue
        if award.valid_from == new.valid_from and award.valid_until == new.valid_until:
            raise Refused(
                _("{path}: the award {label} is already recorded").format(
                    path=shown, label=new.label()
                )
            )
        if supersede and award.valid_from < new.valid_from:
            cut = new.valid_from - timedelta(days=1)
            note = gettext_in(language, SUPERSEDED_NOTE).format(
                start=new.valid_from.isoformat(),
                cut=cut.isoformat(),
                until=award.label().partition("..")[2],
            )
            notes = f"{award.notes} {note}" if award.notes else note
            # The cut is a fact (the new award's start), not an assumption: it is written.
            ended = dataclasses.replace(award, valid_until=cut, valid_until_assumed=False)
            result.append(dataclasses.replace(ended, notes=notes))
            continue
        raise Refused(
            _("{path}: the new award {new} overlaps the recorded award {old}{hint}").format(
                path=shown,
                new=new.label(),
                old=award.label(),
                hint=_overlap_hint(award, new, supersede),
            )
        )
    result.append(new)
    return tuple(sorted(result, key=lambda a: (a.valid_from, a.valid_until)))


def _overlap_hint(recorded: Award, new: Award, supersede: bool) -> str:
    """What to do about an overlap, naming --supersede only where it helps or was given."""
    if recorded.valid_from < new.valid_from:
        return _("; pass --supersede to end the earlier one the day before the new one starts")
    if supersede:
        return _("; a new award cannot supersede one that starts on or after it")
    return _("; check the new award's dates, or correct the recorded one in the file")


def _check_change(
    register: Register, path: Path, text: str, today: date, *, strict: bool = False
) -> list[Finding]:
    """Refuse the write when the register as it would be has errors it has not now (or,
    with ``strict``, warnings); return the warnings new to the change."""
    change = pipeline.new_findings(register, {path: text}, today)
    if change.errors:
        raise Refused(_first_of(change.errors))
    if strict and change.warnings:
        raise Refused(
            _("{finding}; --strict refuses warnings (without it the award is recorded)").format(
                finding=_first_of(change.warnings)
            )
        )
    return change.warnings


def _first_of(findings: list[Finding]) -> str:
    first = findings[0]
    n = len(findings) - 1
    more = ngettext(" (and {n} more)", " (and {n} more)", n).format(n=n) if n else ""
    where = f"{first.path}:{first.line}" if first.line else first.path
    return f"{where}: {first.code} {translate_text(first.message)}{more}"


def add(root: Path, request: AddRequest, today: date, *, dry_run: bool = False) -> EditResult:
    """Record one award: load, plan and check, then write atomically under the lock."""
    if dry_run:
        return plan_add(load(root), request, today)
    with locked(root):
        result = plan_add(load(root), request, today)
        write_files(root, {result.path: result.text})
    return result


def plan_withdraw(
    register: Register,
    ident: str,
    on: date,
    reason: str | None,
    today: date,
    *,
    strict: bool = False,
) -> EditResult:
    check_id(ident)
    parsed = _existing(register, ident)
    if parsed is None or parsed.institution is None:
        raise UsageError(
            _("unknown institution id {ident!r}; `calcert list --status all` lists them").format(
                ident=ident
            )
        )
    inst = parsed.institution
    refuse_comments(parsed, "withdraw")
    target = next((a for a in inst.awards if a.valid_from <= on <= a.valid_until), None)
    if target is None:
        terms = ", ".join(a.label() for a in inst.sorted_awards())
        raise UsageError(
            _("no award of {ident} covers {day} (its terms: {terms})").format(
                ident=ident, day=on.isoformat(), terms=terms
            )
        )
    if target.withdrawn_on is not None:
        raise UsageError(
            _("the award {label} of {ident} was already withdrawn on {day}").format(
                label=target.label(), ident=ident, day=target.withdrawn_on.isoformat()
            )
        )
    reason = _clean(reason, "--reason")
    updated = dataclasses.replace(target, withdrawn_on=on, withdrawal_reason=reason)
    awards = tuple(updated if a is target else a for a in inst.awards)
    institution = dataclasses.replace(inst, awards=awards)
    text = dumps(institution)
    warnings = _check_change(register, parsed.path, text, today, strict=strict)
    summary = _("the certificate {label} of {ident} ({name}, {city}) on {day}").format(
        label=target.label(), ident=ident, name=inst.name, city=inst.city, day=on.isoformat()
    )
    return EditResult(
        institution, parsed.path, text, summary, register=register, warnings=warnings
    )


def withdraw(
    root: Path,
    ident: str,
    on: date,
    reason: str | None,
    today: date,
    *,
    dry_run: bool = False,
    strict: bool = False,
) -> EditResult:
    if dry_run:
        return plan_withdraw(load(root), ident, on, reason, today, strict=strict)
    with locked(root):
        result = plan_withdraw(load(root), ident, on, reason, today, strict=strict)
        write_files(root, {result.path: result.text})
    return result


@dataclass
class FmtResult:
    changed: list[ParsedFile]
    skipped: list[Finding]
    files: int


def fmt(root: Path, *, check: bool) -> FmtResult:
    """Rewrite every complete file in canonical form; files that cannot be read are skipped."""
    with locked(root) if not check else _nolock():
        register = load(root, use_cache=check)  # a rewrite parses the files themselves
        changed: list[ParsedFile] = []
        skipped: list[Finding] = []
        contents: dict[Path, str] = {}
        for parsed in register.files:
            if not parsed.complete or parsed.institution is None:
                skipped.extend(f for f in parsed.findings if f.is_error)
                continue
            if not parsed.is_canonical():
                changed.append(parsed)
                contents[parsed.path] = dumps(parsed.institution)
        if not check and contents:
            write_files(root, contents)
    return FmtResult(changed, skipped, len(register.files))


class _nolock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
