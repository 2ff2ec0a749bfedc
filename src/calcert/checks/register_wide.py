"""Rules that need settings, a date, or other files. Each is ``(register, today) ->
list[Finding]``; all of them run.

What one file says about itself is checked in ``per_file``; here live the term lengths
(settings), dates against today, the printed term against the dates, duplicates and
parents (other files) and canonical form. Every rule is linear in the size of the register:
cross-file rules group by key, never compare pairs.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, timedelta

from calcert.checks import per_file
from calcert.i18n import N_, Message, PluralMessage
from calcert.model.findings import Check, Finding
from calcert.model.records import Award
from calcert.model.values import term_years
from calcert.register.loader import Register
from calcert.register.tomlfile import ParsedFile, dumps

CheckFn = Callable[[Register, date], list[Finding]]
_DAY = timedelta(days=1)


def plus_years(day: date, years: int) -> date:
    """``day + relativedelta(years=years)``: same day of the year, 29 February → 28th.

    Far cheaper to call than relativedelta, which matters at 100,000 awards
    (the tests check that the two agree). Raises ValueError beyond year 9999.
    """
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        if day.month == 2 and day.day == 29 and 1 <= day.year + years <= 9999:
            return day.replace(year=day.year + years, day=28)
        raise


def _awards(register: Register) -> Iterator[tuple[ParsedFile, Award]]:
    """Every award of every institution read, with the file it is in."""
    for parsed in register.files:
        if parsed.institution is not None:
            for award in parsed.institution.awards:
                yield parsed, award


def check_term_lengths(register: Register, today: date) -> list[Finding]:
    out = []
    max_years = register.config.max_term_years
    for parsed, award in _awards(register):
        if award.valid_until < award.valid_from or award.valid_until_assumed:
            continue  # reversed: E011; assumed: the register's own default
        try:
            too_long = award.valid_until >= plus_years(award.valid_from, max_years)
            too_short = award.valid_until < plus_years(award.valid_from, 1) - _DAY
        except (OverflowError, ValueError):
            continue
        if too_long:
            message = Message(
                "term {label} is longer than {years} years "
                "([validate] max_term_years); check valid_until",
                label=award.label(),
                years=max_years,
            )
            out.append(_at_award_key(parsed, award, "valid_until", "W001", message))
        elif too_short:
            days = (award.valid_until - award.valid_from).days + 1
            message = PluralMessage(
                "term {label} is only {n} day long (under a year); check the dates",
                "term {label} is only {n} days long (under a year); check the dates",
                days,
                label=award.label(),
            )
            out.append(_at_award_key(parsed, award, "valid_until", "W002", message))
    return out


def check_awarded_on(register: Register, today: date) -> list[Finding]:
    out = []
    for parsed, award in _awards(register):
        if award.awarded_on is None:
            continue
        if award.awarded_on > today:
            message = Message(
                "awarded_on {day} is in the future (today is {today}); check the year",
                day=award.awarded_on,
                today=today,
            )
            out.append(_at_award_key(parsed, award, "awarded_on", "W003", message))
        gap = abs((award.awarded_on - award.valid_from).days)
        if gap > 90:
            message = Message(
                "awarded_on {day} is {n} days from valid_from {start} (more than 90); "
                "check both dates",
                day=award.awarded_on,
                n=gap,
                start=award.valid_from,
            )
            out.append(_at_award_key(parsed, award, "awarded_on", "W004", message))
    return out


def check_term_matches(register: Register, today: date) -> list[Finding]:
    out = []
    for parsed, award in _awards(register):
        years = term_years(award.term or "")
        if years is None:
            continue
        first, last = years
        # An award may end early (superseded, withdrawn), never late or before it began.
        if award.valid_from.year != first or not first <= award.valid_until.year <= last + 1:
            message = Message(
                "term {term!r} does not match the dates {label}",
                term=award.term,
                label=award.label(),
            )
            out.append(_at_award_key(parsed, award, "term", "W007", message))
    return out


# Polish letters without their marks, as NFKD + dropping combining marks would give (and
# ł → l, which has no decomposition): most names are then ASCII and skip the slow part.
_POLISH = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")
_NON_WORD = re.compile(r"[^\w]+")


def normalise(text: str) -> str:
    """Name/city key for duplicate detection: no case, diacritics or punctuation."""
    text = text.translate(_POLISH)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


_NAMED = 3  # look-alikes a W005 finding names; the rest of the group is counted


def lookalikes(ids: list[str], ident: str) -> str:
    """The others of ``ids`` (sorted) for ``ident``'s W005: a few named, the rest counted.

    Each finding stays short however big the group, so output and memory grow linearly
    (3,000 identical names once printed every id 3,000 times: 91 MB).
    """
    named = [i for i in ids[: _NAMED + 1] if i != ident][:_NAMED]
    shown = ", ".join(repr(i) for i in named)
    rest = len(ids) - 1 - len(named)
    if rest <= 0:
        return shown
    return PluralMessage("{names} and {n} other", "{names} and {n} others", rest, names=shown)


def check_duplicates(register: Register, today: date) -> list[Finding]:
    out: list[Finding] = []
    by_id: dict[str, list] = defaultdict(list)
    by_name: dict[tuple[str, str], list] = defaultdict(list)
    for parsed in register.files:
        inst = parsed.institution
        if inst is None:
            continue
        by_id[inst.id].append(parsed)
        by_name[(normalise(inst.name), normalise(inst.city))].append(parsed)
    for ident, group in by_id.items():
        if len(group) > 1:
            names = ", ".join(p.shown for p in group)
            message = Message("id {ident!r} is declared by {names}", ident=ident, names=names)
            out.extend(_at_key(parsed, "id", "E008", message) for parsed in group)
    for group in by_name.values():
        ids = sorted({p.institution.id for p in group})
        if len(ids) > 1:
            for parsed in group:
                message = Message(
                    "{ident!r} looks like the same institution as {others} (same name "
                    "and city); merge them or tell them apart in the name",
                    ident=parsed.institution.id,
                    others=lookalikes(ids, parsed.institution.id),
                )
                out.append(_at_key(parsed, "name", "W005", message))
    return out


def check_parents(register: Register, today: date) -> list[Finding]:
    out = []
    parents: dict[str, str] = {}
    known = {p.institution.id for p in register.files if p.institution is not None}
    shown: dict[str, tuple[str, int | None]] = {}
    for parsed in register.files:
        inst = parsed.institution
        if inst is None or inst.parent is None:
            continue
        line = parsed.lines.key("parent") if parsed.lines else None
        shown[inst.id] = (parsed.shown, line)
        if inst.parent == inst.id:
            out.append(
                Finding(parsed.shown, line, "E014", Message("parent names the institution itself"))
            )
        elif inst.parent not in known:
            out.append(
                Finding(
                    parsed.shown,
                    line,
                    "E014",
                    Message(
                        "parent {parent!r} is not an institution in the register; "
                        "add it first or fix the id",
                        parent=inst.parent,
                    ),
                )
            )
        else:
            parents[inst.id] = inst.parent
    reported: set[str] = set()
    for start in parents:
        seen: list[str] = []
        node: str | None = start
        while node is not None and node not in seen:
            seen.append(node)
            node = parents.get(node)
        if node is not None and node == start and start not in reported:
            cycle = seen
            reported.update(cycle)
            # Reported in every file of the cycle, so `validate FILE` shows it for any of them.
            for i, member in enumerate(cycle):
                path, line = shown[member]
                loop = [*cycle[i:], *cycle[:i], member]
                out.append(
                    Finding(
                        path,
                        line,
                        "E014",
                        Message("parents form a cycle: {cycle}", cycle=" → ".join(loop)),
                    )
                )
    return out


def check_canonical(register: Register, today: date) -> list[Finding]:
    out = []
    for parsed in register.files:
        if parsed.institution is None or parsed.has_errors or parsed.is_canonical():
            continue
        if any(f.is_error for f in per_file.check_file(parsed)):
            continue  # fmt would not rewrite it: first the errors
        raw = parsed.raw or b""
        why = Message("not in canonical form")
        if raw.startswith(b"\xef\xbb\xbf"):
            why = Message("starts with a UTF-8 BOM")
        elif b"\r\n" in raw:
            why = Message("has CRLF line endings")
        elif not raw.endswith(b"\n"):
            why = Message("does not end with a newline")
        line = first_difference(raw, dumps(parsed.institution).encode("utf-8"))
        out.append(
            Finding(
                parsed.shown, line, "W006", Message("{why}; run `calcert fmt` to fix it", why=why)
            )
        )
    return out


def first_difference(raw: bytes, canonical: bytes) -> int:
    """The 1-based line of ``raw`` where it first departs from its canonical form.

    A BOM or a CRLF on the first line gives line 1; a missing final newline gives the last
    line. ``W006`` points there, so an editor jumps to the first thing ``fmt`` would change.
    """
    have, want = raw.split(b"\n"), canonical.split(b"\n")
    count = len(have) - 1 if raw.endswith(b"\n") else len(have)
    for number, (a, b) in enumerate(zip(have, want, strict=False), start=1):
        if a != b:
            return max(1, min(number, count))
    return max(1, min(min(len(have), len(want)), count))


def _at_key(parsed: ParsedFile, key: str, code: str, message: str) -> Finding:
    """A finding of ``code`` on the line of the institution's ``key``."""
    return Finding(parsed.shown, parsed.lines.key(key) if parsed.lines else None, code, message)


def _at_award_key(parsed: ParsedFile, award: Award, key: str, code: str, message: str) -> Finding:
    """A finding of ``code`` on the line of ``award``'s ``key`` (else the award's own)."""
    lines = parsed.lines
    if lines is None or award.line is None or award.line not in lines.awards:
        line = award.line
    else:
        line = lines.award_key(lines.awards.index(award.line), key)
    return Finding(parsed.shown, line, code, message)


# The catalog entries of the codes the rules above give.
CHECKS: tuple[Check, ...] = (
    Check(
        "E008",
        "error",
        "duplicate-id",
        N_(
            "Two files declare the same id. Keep one institution per id: merge the awards "
            "into one file."
        ),
    ),
    Check(
        "E014",
        "error",
        "unknown-parent",
        N_(
            "parent must be the id of another institution in the register (the unit this "
            "one belongs to), not itself, and parents must not form a cycle."
        ),
    ),
    Check(
        "W001",
        "warning",
        "term-too-long",
        N_(
            "The term is longer than [validate] max_term_years in calcert.toml (5 by "
            "default). Check valid_until; the association awards 5-year (earlier 3-year) "
            "certificates."
        ),
    ),
    Check(
        "W002",
        "warning",
        "term-too-short",
        N_(
            "The term is shorter than one year, which no certificate has had. Check the "
            "dates for a typo."
        ),
    ),
    Check(
        "W003",
        "warning",
        "awarded-in-future",
        N_(
            "awarded_on is after today (or --as-of): ceremonies are recorded after they "
            "happen. Check the year."
        ),
    ),
    Check(
        "W004",
        "warning",
        "awarded-far-from-start",
        N_(
            "awarded_on is more than 90 days away from valid_from. Usually the term starts "
            "at the ceremony; check both dates."
        ),
    ),
    Check(
        "W005",
        "warning",
        "possible-duplicate",
        N_(
            "Two ids look like the same institution (same name and city once case, "
            "diacritics and punctuation are ignored). Merge them, or make the names "
            "distinguishable (sub-units name their team)."
        ),
    ),
    Check(
        "W006",
        "warning",
        "not-canonical",
        N_(
            "The file is not in canonical form (key order, award order, quoting, LF line "
            "endings, no BOM, final newline). Run `calcert fmt` to rewrite it; no data "
            "changes."
        ),
    ),
    Check(
        "W007",
        "warning",
        "term-mismatch",
        N_(
            'The printed term (term = "2014-2017") does not match the dates: valid_from '
            "should fall in its first year and valid_until in or just after its last."
        ),
    ),
)


RULES: list[CheckFn] = [
    check_term_lengths,
    check_awarded_on,
    check_term_matches,
    check_duplicates,
    check_parents,
    check_canonical,
]
