"""Rules over one institution file: each a small function, all of them run.

A rule sees a ``FileView``: the file's draft (every value of the right type, even when the
file is not complete), its line index and its name. Institution rules run first, then the
award rules for each ``[[awards]]`` table in file order, then the rules over all awards;
``check_file`` keeps that order, which is the order ``add`` reports problems in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from calcert.i18n import N_, Message, PluralMessage
from calcert.model.findings import Check, Finding
from calcert.model.records import AWARD_DATE_KEYS, AWARD_KEYS, Award
from calcert.model.text import escape_controls, first_control
from calcert.model.values import (
    closest_voivodeship,
    id_problem,
    is_blank,
    is_url,
    is_voivodeship,
    source_problem,
    term_years,
)
from calcert.register.loader import Register
from calcert.register.tomlfile import AwardDraft, Draft, LineIndex, ParsedFile, did_you_mean


class FileView:
    """What a per-file rule looks at."""

    __slots__ = ("draft", "lines", "parsed")

    def __init__(self, parsed: ParsedFile, draft: Draft, lines: LineIndex) -> None:
        self.parsed = parsed
        self.draft = draft
        self.lines = lines

    @property
    def shown(self) -> str:
        return self.parsed.shown

    def at_key(self, key: str, code: str, message: str) -> Finding:
        """A finding on the line of the institution's ``key``."""
        return Finding(self.shown, self.lines.key(key), code, message)

    def at_award_key(self, i: int, key: str, code: str, message: str) -> Finding:
        """A finding on the line of ``key`` in award ``i`` (or its header)."""
        return Finding(self.shown, self.lines.award_key(i, key), code, message)


FileRule = Callable[[FileView], list[Finding]]
AwardRule = Callable[[FileView, int, AwardDraft], list[Finding]]


# ---- the institution -------------------------------------------------------------------------


def check_required_text(view: FileView) -> list[Finding]:
    """E016: id, name and city say something."""
    out = []
    for key in ("id", "name", "city"):
        value = view.draft.value(key)
        if value is not None and is_blank(value):
            out.append(
                view.at_key(key, "E016", Message("{key} is empty; give the {key}", key=key))
            )
    return out


def check_id(view: FileView) -> list[Finding]:
    """E006: a well-formed id; E007: the id is the file name without .toml."""
    ident = view.draft.value("id")
    if ident is None:
        return []
    problem = id_problem(ident)
    if problem:
        message = Message("bad id {ident!r}: {problem}", ident=ident, problem=problem)
        return [view.at_key("id", "E006", message)]
    path = view.parsed.path
    if ident == path.stem:
        return []
    message = Message(
        "id {ident!r} does not match the file name {name!r}; "
        "rename the file to {ident}.toml or set id = {stem!r}",
        ident=ident,
        name=path.name,
        stem=path.stem,
    )
    return [view.at_key("id", "E007", message)]


def check_voivodeship(view: FileView) -> list[Finding]:
    """E009: one of the 16 voivodeships, written as the register writes them."""
    value = view.draft.value("voivodeship")
    if value is None or is_voivodeship(value):
        return []
    message = Message(
        "voivodeship {value!r} is not one of the 16{hint}; "
        "use lower-case Polish, e.g. 'mazowieckie'",
        value=value,
        hint=did_you_mean(closest_voivodeship(value)),
    )
    return [view.at_key("voivodeship", "E009", message)]


def _not_url(key: str, value: str) -> str:
    return Message("{key} {value!r} is not an http(s) address", key=key, value=value)


def check_website(view: FileView) -> list[Finding]:
    """E016: the web site is an http(s) address."""
    value = view.draft.value("website")
    if value is None or is_url(value):
        return []
    return [view.at_key("website", "E016", _not_url("website", value))]


def check_parent_id(view: FileView) -> list[Finding]:
    """E006: the parent is written as an id (whether it exists is ``register_wide``'s)."""
    parent = view.draft.value("parent")
    if parent is None or not id_problem(parent):
        return []
    message = Message("parent {parent!r} is not a valid id", parent=parent)
    return [view.at_key("parent", "E006", message)]


INSTITUTION_TEXT = ("id", "name", "kind", "city", "voivodeship", "website", "parent")
AWARD_TEXT = tuple(key for key in AWARD_KEYS if key not in AWARD_DATE_KEYS)


def _control(key: str, value: object) -> str | None:
    """E016's message when the text ``value`` of ``key`` holds a control character."""
    char = first_control(value, key) if isinstance(value, str) else None
    if char is None:
        return None
    return Message(
        "{key} contains the control character {char}; remove it",
        key=key,
        char=escape_controls(char),
    )


def _printable(values: Sequence[object]) -> bool:
    """Whether no text among ``values`` holds a control character: one C-level test for the
    common case, so only a value with something unusual is looked at key by key."""
    return "".join(v for v in values if isinstance(v, str)).isprintable()


def _controls(keys: Sequence[str], values: Sequence[object]) -> list[tuple[str, str]]:
    """Each key whose text among ``values`` holds a control character, with E016's message."""
    if _printable(values):
        return []
    messages = ((key, _control(key, value)) for key, value in zip(keys, values, strict=True))
    return [(key, message) for key, message in messages if message is not None]


def check_controls(view: FileView) -> list[Finding]:
    """E016: no control character in the institution's text (see ``model.text``)."""
    values = [view.draft.value(key) for key in INSTITUTION_TEXT]
    return [view.at_key(key, "E016", m) for key, m in _controls(INSTITUTION_TEXT, values)]


# ---- each award --------------------------------------------------------------------------------


def check_award_controls(view: FileView, i: int, award: AwardDraft) -> list[Finding]:
    """E016: no control character in an award's text (``notes`` may break lines and tab)."""
    values = [award.get(key) for key in AWARD_TEXT]
    return [view.at_award_key(i, key, "E016", m) for key, m in _controls(AWARD_TEXT, values)]


def check_term_text(view: FileView, i: int, award: AwardDraft) -> list[Finding]:
    """E016: the printed term is two years, the first not after the last."""
    term = award.get("term")
    if term is None:
        return []
    years = term_years(term)
    if years is not None and years[1] >= years[0]:
        return []
    message = Message('term {term!r} is not a span of years like "2014-2017"', term=term)
    return [view.at_award_key(i, "term", "E016", message)]


def check_source(view: FileView, i: int, award: AwardDraft) -> list[Finding]:
    """E016: the source is a citation, or a well-formed http(s) address where it looks like
    one; W008: an award states its source (so that --strict registers stay sourced)."""
    value = award.get("source")
    if value is None:
        if award.written("source"):
            return []  # of the wrong type: E005 already
        message = Message(
            "award #{n} has no source; add source = the address (or the citation) of "
            "what states the award",
            n=i + 1,
        )
        return [view.at_award_key(i, "source", "W008", message)]
    problem = source_problem(value)
    if problem is None:
        return []
    return [view.at_award_key(i, "source", "E016", problem)]


def check_ordinal(view: FileView, i: int, award: AwardDraft) -> list[Finding]:
    """E016: an ordinal counts from 1."""
    value = award.get("ordinal")
    if value is None or value >= 1:
        return []
    message = Message(
        "ordinal {value} is not a certificate's number; the first certificate is 1", value=value
    )
    return [view.at_award_key(i, "ordinal", "E016", message)]


def check_decided_on(view: FileView, i: int, award: AwardDraft) -> list[Finding]:
    """W009: the commission decides before the certificate is handed over."""
    decided, awarded = award.get("decided_on"), award.get("awarded_on")
    if decided is None or awarded is None or decided <= awarded:
        return []
    message = Message(
        "award #{n}: decided_on {decided} is after awarded_on {awarded}; the commission "
        "decides before the hand-over: check both dates",
        n=i + 1,
        decided=decided,
        awarded=awarded,
    )
    return [view.at_award_key(i, "decided_on", "W009", message)]


def check_reason(view: FileView, i: int, award: AwardDraft) -> list[Finding]:
    """E015: a withdrawal_reason comes with a withdrawn_on."""
    if award.get("withdrawal_reason") is None or award.written("withdrawn_on"):
        return []
    message = Message("award #{n} has a withdrawal_reason but no withdrawn_on", n=i + 1)
    return [view.at_award_key(i, "withdrawal_reason", "E015", message)]


def check_term_order(view: FileView, i: int, award: AwardDraft) -> list[Finding]:
    """E011: valid_until is not before valid_from."""
    built = award.award
    if built is None or built.valid_until >= built.valid_from:
        return []
    message = Message(
        "award #{n}: valid_until {until} is before valid_from {start}",
        n=i + 1,
        until=built.valid_until,
        start=built.valid_from,
    )
    return [view.at_award_key(i, "valid_until", "E011", message)]


def check_withdrawal_in_term(view: FileView, i: int, award: AwardDraft) -> list[Finding]:
    """E013: a withdrawal falls within its award's term (a reversed term is E011 alone)."""
    built = award.award
    if built is None or built.withdrawn_on is None or built.valid_until < built.valid_from:
        return []
    if built.valid_from <= built.withdrawn_on <= built.valid_until:
        return []
    message = Message(
        "award #{n}: withdrawn_on {day} is outside its term {label}",
        n=i + 1,
        day=built.withdrawn_on,
        label=built.label(),
    )
    return [view.at_award_key(i, "withdrawn_on", "E013", message)]


# ---- the awards together ---------------------------------------------------------------------


def _overlap_days(first: Award, second: Award) -> int:
    """Days both cover (``first`` starts first); 0 when they do not overlap."""
    if second.valid_from > first.effective_until or second.valid_from > second.effective_until:
        return 0
    end = min(first.effective_until, second.effective_until)
    return (end - second.valid_from).days + 1


def _overlap(award: Award, other: Award, days: int, start: date) -> Message:
    message = _overlap_days_message(award, other, days, start)
    assumed = [a.label() for a in (award, other) if a.valid_until_assumed]
    if not assumed:
        return message
    note = Message(
        "the end of {terms} is assumed ([terms] default_years), as no valid_until is "
        "recorded; record the end a source states",
        terms=", ".join(assumed),
    )
    return Message("{message} ({note})", message=message, note=note)


def _overlap_days_message(award: Award, other: Award, days: int, start: date) -> PluralMessage:
    return PluralMessage(
        "award {award} overlaps award {other} by {n} day; end the earlier one "
        "the day before {start} (or `calcert add --supersede`)",
        "award {award} overlaps award {other} by {n} days; end the earlier one "
        "the day before {start} (or `calcert add --supersede`)",
        days,
        award=award.label(),
        other=other.label(),
        start=start,
    )


def check_overlaps(view: FileView) -> list[Finding]:
    """E012: no two awards cover one day (withdrawals shorten terms)."""
    built = [d.award for d in view.draft.awards if d.award is not None]
    sane = [a for a in built if a.valid_until >= a.valid_from]
    out = []
    for i, a in enumerate(sane):
        for b in sane[i + 1 :]:
            in_order = (a.valid_from, a.valid_until) <= (b.valid_from, b.valid_until)
            first, second = (a, b) if in_order else (b, a)
            days = _overlap_days(first, second)
            # One finding at each award's [[awards]] header, each naming the other term
            # (no line numbers in the text: `add` compares messages before and after).
            for award, other in ((first, second), (second, first)) if days else ():
                message = _overlap(award, other, days, second.valid_from)
                out.append(Finding(view.shown, award.line, "E012", message))
    return out


def check_ordinals(view: FileView) -> list[Finding]:
    """W010: a stated ordinal agrees with the recorded history: not lower than the number of
    earlier recorded awards + 1, and higher than any earlier award's stated ordinal."""
    built = [d.award for d in view.draft.awards if d.award is not None]
    out = []
    highest: Award | None = None  # the earlier award with the highest stated ordinal
    for earlier, award in enumerate(sorted(built, key=lambda a: (a.valid_from, a.valid_until))):
        if award.ordinal is None or award.ordinal < 1:
            continue  # below 1: E016 says it
        message: Message
        if award.ordinal < earlier + 1:
            message = PluralMessage(
                "award {label} is stated as certificate {ordinal}, but {n} award is recorded "
                "before it; check ordinal",
                "award {label} is stated as certificate {ordinal}, but {n} awards are recorded "
                "before it; check ordinal",
                earlier,
                label=award.label(),
                ordinal=award.ordinal,
            )
            out.append(Finding(view.shown, _ordinal_line(view, award), "W010", message))
        elif highest is not None and award.ordinal <= (highest.ordinal or 0):
            message = Message(
                "award {label} is stated as certificate {ordinal}, but the earlier award "
                "{other} is stated as certificate {other_ordinal}; check ordinal",
                label=award.label(),
                ordinal=award.ordinal,
                other=highest.label(),
                other_ordinal=highest.ordinal,
            )
            out.append(Finding(view.shown, _ordinal_line(view, award), "W010", message))
        if highest is None or (highest.ordinal or 0) < award.ordinal:
            highest = award
    return out


def _ordinal_line(view: FileView, award: Award) -> int | None:
    """The line of ``ordinal`` in ``award`` (its header when the index does not know it)."""
    if award.line in view.lines.awards:
        return view.lines.award_key(view.lines.awards.index(award.line), "ordinal")
    return award.line


# The catalog entries of the codes the rules above give.
CHECKS: tuple[Check, ...] = (
    Check(
        "E006",
        "error",
        "bad-id",
        N_(
            "An id is lower-case a-z, digits and single hyphens, at most 64 characters, e.g. "
            "mops-mlawa. Polish letters are transliterated (ł → l)."
        ),
    ),
    Check(
        "E007",
        "error",
        "id-not-file-stem",
        N_(
            "The id must equal the file name without .toml, so that the file of an "
            "institution can always be found: rename the file or fix the id."
        ),
    ),
    Check(
        "E009",
        "error",
        "bad-voivodeship",
        N_(
            "voivodeship must be one of the 16 Polish voivodeships, lower case in Polish, "
            "e.g. mazowieckie, dolnośląskie, śląskie."
        ),
    ),
    Check(
        "E011",
        "error",
        "term-reversed",
        N_(
            "valid_until is before valid_from. Both are inclusive dates; a term of "
            "2022-2026 that started on 2022-03-29 ends on 2026-03-28 or as printed."
        ),
    ),
    Check(
        "E012",
        "error",
        "overlapping-awards",
        N_(
            "Two awards of one institution cover the same day. A renewal starts the day "
            "after the previous term ends; when a new certificate replaced an old one early, "
            "end the old one the day before (`calcert add --supersede` does that). Where "
            "no valid_until is recorded, the end assumed from [terms] default_years counts, "
            "and the finding says so: record the end a source states."
        ),
    ),
    Check(
        "E013",
        "error",
        "withdrawal-outside-term",
        N_("withdrawn_on must lie within its award's term (valid_from..valid_until)."),
    ),
    Check(
        "E015",
        "error",
        "reason-without-withdrawal",
        N_(
            "withdrawal_reason is only meaningful with withdrawn_on: add the date of the "
            "withdrawal or remove the reason."
        ),
    ),
    Check(
        "W008",
        "warning",
        "unsourced-award",
        N_(
            "The award has no source. Give the address of the page that reports it, or a "
            'citation ("uchwała Komisji Certyfikacyjnej nr …"), so that every fact in the '
            "register can be checked; `validate --strict` then fails on unsourced awards."
        ),
    ),
    Check(
        "W009",
        "warning",
        "decided-after-awarded",
        N_(
            "decided_on (the certification commission's decision) is after awarded_on (the "
            "hand-over). The decision comes first: check both dates."
        ),
    ),
    Check(
        "W010",
        "warning",
        "ordinal-contradicts-history",
        N_(
            "A stated ordinal (which certificate of the institution this is, as a source "
            "says it) disagrees with the recorded awards: it is lower than the number of "
            "awards recorded before it + 1, or not higher than an earlier award's ordinal."
        ),
    ),
    Check(
        "E016",
        "error",
        "bad-value",
        N_(
            "A value is malformed: an empty name or city, a term that is not two years like "
            "2014-2017, a website that is not an http(s) address, a source that looks like a "
            "web address (http://, https://, www.) but is not a well-formed http(s) one, an "
            "ordinal below 1, or text with a control character (an escape sequence, a bidi "
            "override; a line break or tab outside notes)."
        ),
    ),
)


FILE_RULES: list[FileRule] = [
    check_required_text,
    check_id,
    check_voivodeship,
    check_website,
    check_parent_id,
    check_controls,
]
AWARD_RULES: list[AwardRule] = [
    check_term_text,
    check_source,
    check_ordinal,
    check_decided_on,
    check_reason,
    check_term_order,
    check_withdrawal_in_term,
    check_award_controls,
]
AWARDS_RULES: list[FileRule] = [check_overlaps, check_ordinals]


def view_of(parsed: ParsedFile) -> FileView | None:
    """The view rules take of ``parsed``; None for a file that is not TOML at all."""
    draft = parsed.draft()
    if draft is None or parsed.lines is None:
        return None
    return FileView(parsed, draft, parsed.lines)


def check_file(parsed: ParsedFile) -> list[Finding]:
    """Every per-file rule on one file (run once per read; the parse cache keeps them)."""
    if parsed.checked is None:
        parsed.checked = _run_rules(parsed)
    return parsed.checked


def _run_rules(parsed: ParsedFile) -> list[Finding]:
    view = view_of(parsed)
    if view is None:
        return []
    out: list[Finding] = []
    for rule in FILE_RULES:
        out += rule(view)
    for i, award in enumerate(view.draft.awards):
        for award_rule in AWARD_RULES:
            out += award_rule(view, i, award)
    for rule in AWARDS_RULES:
        out += rule(view)
    return out


def check_files(register: Register, today: date) -> list[Finding]:
    """The per-file rules over every file of the register, in register order."""
    return [f for parsed in register.files for f in check_file(parsed)]
