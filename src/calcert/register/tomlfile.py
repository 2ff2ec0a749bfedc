"""Institution files: bytes ⇄ model, and the one canonical writer of register bytes.

Reading never raises for bad data. It gives the record and the findings of what kept values
out of it: unreadable (E001), not TOML (E002), a key missing (E003), unknown (E004) or of
the wrong type (E005), no awards (E010). Each points at the file and, where the text allows,
the line of the offending key or ``[[awards]]`` header (tomllib only gives positions for
syntax errors, so a cheap line scan finds the rest). Whether the values are *right* (ids,
voivodeships, terms, overlaps, ...) is for the rules in ``calcert.checks``, which read the
file's ``Draft``. Writing always produces the canonical form, so ``fmt`` and every edit
agree byte for byte.
"""

from __future__ import annotations

import difflib
import itertools
import re
import tomllib
from dataclasses import MISSING, dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

import tomli_w

from calcert.i18n import N_, Message
from calcert.model.findings import Check, Finding
from calcert.model.records import (
    AWARD_DATE_KEYS,
    AWARD_INT_KEYS,
    AWARD_KEYS,
    AWARD_REQUIRED,
    DEFAULT_YEARS,
    INSTITUTION_KEYS,
    INSTITUTION_REQUIRED,
    Award,
    Institution,
    assumed_until,
)
from calcert.model.text import conflict_marker_line
from calcert.model.values import (
    DATE_RE,
)
from calcert.register.toml_messages import toml_message

MAX_FILE_BYTES = 1024 * 1024
# Findings that mean part of the file could not be represented in the model: such a file
# is never rewritten (that would lose data) and queries leave it out.
STRUCTURE_CODES = frozenset({"E001", "E002", "E003", "E004", "E005", "E010"})
BOM = b"\xef\xbb\xbf"

# The catalog entries of the codes reading a file can give (``calcert.checks.catalog``
# gathers every entry).
STRUCTURE_CHECKS: tuple[Check, ...] = (
    Check(
        "E001",
        "error",
        "unreadable-file",
        N_(
            "The file cannot be read as UTF-8 text: wrong encoding (e.g. Windows-1250), NUL "
            "bytes, too large, not a regular file, a symlink leaving the register, or no "
            "permission. Re-save it as UTF-8 from your editor, or remove it."
        ),
    ),
    Check(
        "E002",
        "error",
        "toml-syntax",
        N_(
            "The file is not valid TOML (the message gives line and column). Typical causes: "
            "a missing quote, a key given twice, a date written as 2022-3-9 instead of "
            "2022-03-09."
        ),
    ),
    Check(
        "E003",
        "error",
        "missing-key",
        N_(
            "A required key is missing: institutions need id, name, city and at least one "
            "[[awards]]; each award needs valid_from (without valid_until, the end is "
            "assumed from [terms] default_years)."
        ),
    ),
    Check(
        "E004",
        "error",
        "unknown-key",
        N_(
            "A key that the register format does not know, usually a typo (valid_untill). "
            "Unknown keys are errors so that typos cannot silently drop data. "
            "See `calcert schema` for the allowed keys."
        ),
    ),
    Check(
        "E005",
        "error",
        "wrong-type",
        N_(
            "A value has the wrong type. Dates must be TOML local dates without quotes "
            "(valid_from = 2022-03-29), not strings and not date-times; text values are "
            "quoted strings."
        ),
    ),
    Check(
        "E010",
        "error",
        "no-awards",
        N_(
            "Every institution in the register holds (or held) at least one certificate: "
            "add an [[awards]] table with valid_from (and valid_until where a source states "
            "it)."
        ),
    ),
)

_KEY_RE = re.compile(r"""^[ \t]*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)[ \t]*[.=]""")
_AOT_RE = re.compile(r"^[ \t]*\[\[[ \t]*([A-Za-z0-9_\"'.-]+)[ \t]*\]\]")
_TABLE_RE = re.compile(r"^[ \t]*\[[ \t]*([A-Za-z0-9_\"'.-]+)[ \t]*\]")
_POS_RE = re.compile(r"\(at line (\d+), column (\d+)\)")
_EOF_RE = re.compile(r"\(at end of document\)")


@dataclass
class LineIndex:
    """Lines of top-level keys, of each ``[[awards]]`` header and of the keys inside it."""

    top: dict[str, int] = field(default_factory=dict)
    awards: list[int] = field(default_factory=list)
    award_keys: list[dict[str, int]] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)

    @classmethod
    def scan(cls, text: str) -> LineIndex:
        index = cls()
        section: dict[str, int] | None = index.top
        in_multiline = False
        for number, line in enumerate(text.splitlines(), start=1):
            if in_multiline:
                if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                    in_multiline = False
                continue
            aot = _AOT_RE.match(line)
            if aot:
                name = aot[1].strip("\"'")
                if name == "awards":
                    index.awards.append(number)
                    index.award_keys.append({})
                    section = index.award_keys[-1]
                else:
                    index.tables.setdefault(name, number)
                    section = None
                continue
            table = _TABLE_RE.match(line)
            if table:
                index.tables.setdefault(table[1].strip("\"'"), number)
                section = None
                continue
            key = _KEY_RE.match(line)
            if key and section is not None:
                section.setdefault(key[1].strip("\"'"), number)
            if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                in_multiline = True
        return index

    def key(self, name: str) -> int | None:
        return self.top.get(name) or self.tables.get(name)

    def award(self, i: int) -> int | None:
        if i < len(self.awards):
            return self.awards[i]
        return self.top.get("awards")

    def award_key(self, i: int, name: str) -> int | None:
        if i < len(self.award_keys) and name in self.award_keys[i]:
            return self.award_keys[i][name]
        return self.award(i)


# The institution's values that are text (every one but ``awards``), in the order read.
TEXT_KEYS = ("id", "name", "city", "kind", "voivodeship", "website", "parent")


class AwardDraft:
    """One ``[[awards]]`` table as far as its values have the right types."""

    __slots__ = ("_fields", "_keys", "award")

    def __init__(self, fields: dict[str, Any], keys: frozenset[str], award: Award | None):
        self._fields = fields  # the values of the right type, by key
        self._keys = keys  # every key the table has, sound or not
        # The award, when nothing it needs is missing or of the wrong type.
        self.award = award

    def get(self, key: str) -> Any:
        """The value of ``key`` if it has the right type, else None."""
        return self._fields.get(key)

    def written(self, key: str) -> bool:
        """Whether the table has ``key`` at all (of whatever type)."""
        return key in self._keys


class _BuiltAward(AwardDraft):
    """The draft of an award of a complete file: the award itself (nothing to copy)."""

    __slots__ = ()
    award: Award  # always there: the file is complete

    def __init__(self, award: Award) -> None:
        self.award = award

    def get(self, key: str) -> Any:
        return getattr(self.award, key)

    def written(self, key: str) -> bool:
        if key == "valid_until":
            return not self.award.valid_until_assumed
        return getattr(self.award, key) is not None


class Draft:
    """What a file says, value by value, as far as the types are right: what rules check.

    A complete file's draft is its record (``of``, which copies nothing); a file that is not
    complete keeps the draft reading it gave, since its record lacks some of those values.
    """

    __slots__ = ("_institution", "_values", "awards")

    def __init__(
        self,
        values: dict[str, str] | None,
        awards: tuple[AwardDraft, ...],
        institution: Institution | None = None,
    ) -> None:
        self._values = values  # the institution's text values (TEXT_KEYS) that are strings
        self._institution = institution
        self.awards = awards  # in file order: index i is ``LineIndex.award(i)``

    @classmethod
    def of(cls, institution: Institution) -> Draft:
        return cls(None, tuple(map(_BuiltAward, institution.awards)), institution)

    def value(self, key: str) -> str | None:
        """The institution's text value ``key`` if it is a string, else None."""
        if self._values is None:
            return getattr(self._institution, key)
        return self._values.get(key)


@dataclass
class ParsedFile:
    """What reading one institution file gave: the record (if any) and its problems."""

    path: Path
    shown: str
    institution: Institution | None
    findings: list[Finding]
    raw: bytes | None = None
    lines: LineIndex | None = None
    # Whether ``raw`` is the canonical text of ``institution``; None until first asked
    # (the fast read path and the parse cache fill it in without writing the text out).
    canonical: bool | None = None
    # Kept only for a TOML file that is not complete (see ``draft``).
    partial: Draft | None = None
    # What the per-file rules (``calcert.checks.per_file``) found, once they have run: they
    # depend on the file's name and bytes only, so the parse cache keeps it with the rest.
    checked: list[Finding] | None = field(default=None, compare=False)

    def draft(self) -> Draft | None:
        """The values the rules check; None when the file is not TOML (E001, E002)."""
        if self.partial is not None:
            return self.partial
        if self.institution is not None:
            return Draft.of(self.institution)
        return None

    @property
    def has_errors(self) -> bool:
        return any(f.is_error for f in self.findings)

    @property
    def complete(self) -> bool:
        """True when every value in the file made it into the model (safe to rewrite)."""
        return self.institution is not None and not any(
            f.code in STRUCTURE_CODES for f in self.findings
        )

    def is_canonical(self) -> bool:
        if self.institution is None or self.raw is None:
            return True
        if self.canonical is None:
            self.canonical = canonical_text(self.institution).encode("utf-8") == self.raw
        return self.canonical


_POLISH_LETTERS = frozenset("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
_LEGACY = (("cp1250", "Windows-1250"), ("iso-8859-2", "ISO-8859-2 (Latin-2)"))


def guess_encoding(raw: bytes) -> str:
    """Name the legacy encoding Polish text in ``raw`` most likely uses.

    Each candidate scores the Polish letters it decodes to, less the bytes it has no
    letter for (unassigned in Windows-1250, C1 controls in Latin-2); a tie is not a guess.
    """
    scores = []
    for codec, label in _LEGACY:
        text = raw.decode(codec, errors="replace")
        junk = sum(c == "\ufffd" or "\x80" <= c <= "\x9f" for c in text)
        scores.append((sum(c in _POLISH_LETTERS for c in text) - junk, label))
    (best, label), (second, _) = sorted(scores, reverse=True)
    if best > second:
        return label
    return "a legacy 8-bit encoding (Windows-1250 or ISO-8859-2)"


def decode(raw: bytes) -> tuple[str | None, str | None]:
    """Text of a register file, or the reason it is not UTF-8 text."""
    text, problem, _line = decode_at(raw)
    return text, problem


def decode_at(raw: bytes) -> tuple[str | None, str | None, int]:
    """Like ``decode``, plus the 1-based line the problem is on (1 for the whole file)."""
    if len(raw) > MAX_FILE_BYTES:
        return (
            None,
            Message(
                "file is {size:,} bytes, over the {limit:,}-byte limit for an institution "
                "file; is it the right file?",
                size=len(raw),
                limit=MAX_FILE_BYTES,
            ),
            1,
        )
    body = raw[len(BOM) :] if raw.startswith(BOM) else raw
    if b"\x00" in raw:
        line = body[: max(body.find(b"\x00"), 0)].count(b"\n") + 1
        return (
            None,
            Message("file contains NUL bytes (binary, or UTF-16?); save it as UTF-8 text"),
            line,
        )
    try:
        return body.decode("utf-8"), None, 1
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        return (
            None,
            Message(
                "not UTF-8, looks like {encoding}; re-save the file as UTF-8",
                encoding=guess_encoding(body),
            ),
            line,
        )


# What a value read from TOML is, in a finding's words: bool before int and datetime before
# date, each being a kind of the other.
_TYPE_NAMES = (
    (bool, N_("a boolean")),
    (datetime, N_("a date-time")),
    (date, N_("a date")),
    (int | float, N_("a number")),
    (str, N_("a string")),
    (list, N_("an array")),
    (dict, N_("a table")),
)


def _type_name(value: object) -> str:
    for kind, name in _TYPE_NAMES:
        if isinstance(value, kind):
            return Message(name)
    return type(value).__name__


def parse(path: Path, raw: bytes, shown: str, default_years: int = DEFAULT_YEARS) -> ParsedFile:
    """Bytes of ``path`` → model and findings. Never raises for bad data.

    An award without ``valid_until`` ends as ``default_years`` (the register's
    ``[terms] default_years``) from its start would have it, marked as assumed.
    """
    text, problem, bad_line = decode_at(raw)
    if text is None:
        finding = Finding(shown, bad_line, "E001", problem or "")
        return ParsedFile(path, shown, None, [finding], raw)
    if not raw.startswith(BOM):
        fast = _parse_canonical(text, path, shown, raw, default_years)
        if fast is not None:
            return fast
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        conflict = merge_conflict(text, shown)
        if conflict is not None:
            return ParsedFile(path, shown, None, [conflict], raw)
        msg = str(exc)
        pos = _POS_RE.search(msg)
        line = int(pos[1]) if pos else None
        # tomllib's wording, as a catalog entry where calcert knows it (toml_messages).
        detail = toml_message(_POS_RE.sub("", msg).strip() or "invalid TOML")
        message: str = detail
        column = int(pos[2]) if pos else None
        if pos:
            message = Message("{detail} (column {column})", detail=detail, column=pos[2])
        elif _EOF_RE.search(msg):
            # Something left open (a string, an array) runs to the end: point at the last line.
            line = max(1, len(text.splitlines()))
            detail = toml_message(_EOF_RE.sub("", msg).strip())
            message = Message("{detail} (at the end of the file)", detail=detail)
        finding = Finding(shown, line, "E002", message, column)
        return ParsedFile(path, shown, None, [finding], raw)
    except RecursionError:
        msg = Message("arrays or tables nested too deeply for a register file")
        return ParsedFile(path, shown, None, [Finding(shown, 1, "E002", msg)], raw)
    except ValueError as exc:  # e.g. an integer with thousands of digits
        return ParsedFile(path, shown, None, [_value_error(exc, text, shown)], raw)
    lines = LineIndex.scan(text)
    institution, findings, draft = build(data, path, shown, lines, default_years)
    # A complete file's draft is its record: kept only when the record cannot give it.
    partial = draft if findings or institution is None else None
    return ParsedFile(path, shown, institution, findings, raw, lines, partial=partial)


CONFLICT = N_(
    "unresolved git merge conflict at line {line}; keep the lines you want and delete the "
    "<<<<<<<, ======= and >>>>>>> lines"
)


def merge_conflict(text: str, shown: str) -> Finding | None:
    """E002 at the first git conflict marker of a file TOML could not read, if it has one."""
    line = conflict_marker_line(text)
    if line is None:
        return None
    return Finding(shown, line, "E002", Message(CONFLICT, line=line))


def _value_error(exc: ValueError, text: str, shown: str) -> Finding:
    """A value tomllib could not convert: say which line, not how to tune Python."""
    long_number = re.search(r"[0-9_]{4000,}", text)
    if long_number:
        line = text.count("\n", 0, long_number.start()) + 1
        digits = sum(c.isdigit() for c in long_number[0])
        message = Message(
            "a number with {digits} digits cannot be read; remove it", digits=f"{digits:,}"
        )
        return Finding(shown, line, "E002", message)
    error = " ".join(str(exc).split())
    return Finding(shown, 1, "E002", Message("value cannot be read ({error})", error=error))


def _suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return did_you_mean(close[0] if close else None)


def did_you_mean(word: str | None) -> str:
    """`` (did you mean 'x'?)`` after a message, or nothing when there is no guess."""
    return Message(" (did you mean {word!r}?)", word=word) if word else ""


def _wrong_type(shown: str, line: int | None, key: str, value: object) -> Finding:
    message = Message("{key} is {type}; write a quoted string", key=key, type=_type_name(value))
    if key in AWARD_INT_KEYS:
        message = Message(
            "{key} is {type}; write a whole number without quotes, e.g. {key} = 3",
            key=key,
            type=_type_name(value),
        )
    return Finding(shown, line, "E005", message)


@dataclass
class _Builder:
    """Collects the structure findings of one file while its record is put together."""

    shown: str
    lines: LineIndex
    default_years: int = DEFAULT_YEARS
    findings: list[Finding] = field(default_factory=list)

    def add(self, line: int | None, code: str, message: str) -> None:
        self.findings.append(Finding(self.shown, line, code, message))


def build(
    data: dict[str, Any],
    path: Path,
    shown: str,
    lines: LineIndex,
    default_years: int = DEFAULT_YEARS,
) -> tuple[Institution | None, list[Finding], Draft]:
    """Structure checks on parsed TOML: the record (when its required parts are sound), the
    findings that kept values out of it (E003, E004, E005, E010), and the draft of every
    value of the right type, which the rules in ``calcert.checks`` look at."""
    builder = _Builder(shown, lines, default_years)
    _unknown_top_keys(data, builder)
    _missing_top_keys(data, builder)
    values = _top_values(data, builder)
    drafts = _award_drafts(data.get("awards"), builder)
    draft = Draft(values, drafts)
    awards = [d.award for d in drafts if d.award is not None]
    ident, name, city = values.get("id"), values.get("name"), values.get("city")
    if ident is None or name is None or city is None or not awards:
        return None, builder.findings, draft
    institution = Institution(
        id=ident,
        name=name,
        city=city,
        awards=tuple(awards),
        kind=values.get("kind"),
        voivodeship=values.get("voivodeship"),
        website=values.get("website"),
        parent=values.get("parent"),
        path=path,
    )
    return institution, builder.findings, draft


def _unknown_top_keys(data: dict[str, Any], builder: _Builder) -> None:
    for key in data:
        if key not in INSTITUTION_KEYS:
            message = Message(
                "unknown key {key!r}{hint}; remove or rename it (see `calcert schema`)",
                key=key,
                hint=_suggest(key, INSTITUTION_KEYS),
            )
            builder.add(builder.lines.key(key), "E004", message)


def _missing_top_keys(data: dict[str, Any], builder: _Builder) -> None:
    for key in INSTITUTION_REQUIRED:
        if key in data:
            continue
        if key == "awards":
            builder.add(1, "E010", Message("missing at least one [[awards]] table"))
        else:
            builder.add(1, "E003", Message("missing key {key!r}", key=key))


def _top_values(data: dict[str, Any], builder: _Builder) -> dict[str, str]:
    """The institution's text values that are strings (the others are E005)."""
    values: dict[str, str] = {}
    for key in TEXT_KEYS:
        if key not in data:
            continue
        value = data[key]
        if isinstance(value, str):
            values[key] = value
        else:
            builder.findings.append(_wrong_type(builder.shown, builder.lines.key(key), key, value))
    return values


def _award_drafts(raw_awards: object, builder: _Builder) -> tuple[AwardDraft, ...]:
    if raw_awards is None:
        return ()
    if not isinstance(raw_awards, list) or not all(isinstance(a, dict) for a in raw_awards):
        message = Message("awards must be an array of tables: write each award under [[awards]]")
        builder.add(builder.lines.key("awards"), "E005", message)
        return ()
    if not raw_awards:
        builder.add(
            builder.lines.key("awards"), "E010", Message("awards is empty; add an [[awards]]")
        )
        return ()
    return tuple(_award_draft(raw, i, builder) for i, raw in enumerate(raw_awards))


def _award_draft(raw: dict[str, Any], i: int, builder: _Builder) -> AwardDraft:
    """One ``[[awards]]`` table: its sound values, and the award if nothing is missing."""
    ok = _award_keys_known(raw, i, builder)
    fields: dict[str, Any] = {}
    for key in AWARD_KEYS:
        if key not in raw:
            continue
        value = raw[key]
        problem = _award_value_problem(key, value, i, builder)
        if problem is None:
            fields[key] = value
        else:
            builder.findings.append(problem)
            ok = False
    award = None
    if ok:
        award = Award(line=builder.lines.award(i), **fields, **_assumed(fields, builder))
    return AwardDraft(fields, frozenset(raw), award)


def _assumed(fields: dict[str, Any], builder: _Builder) -> dict[str, Any]:
    """No ``valid_until`` in the file: the end the register assumes, marked as assumed."""
    if "valid_until" in fields or "valid_from" not in fields:
        return {}
    end = assumed_until(fields["valid_from"], builder.default_years)
    return {"valid_until": end, "valid_until_assumed": True}


def _award_keys_known(raw: dict[str, Any], i: int, builder: _Builder) -> bool:
    ok = True
    for key in raw:
        if key not in AWARD_KEYS:
            message = Message(
                "unknown key {key!r} in award #{n}{hint}; remove or rename it",
                key=key,
                n=i + 1,
                hint=_suggest(key, AWARD_KEYS),
            )
            builder.add(builder.lines.award_key(i, key), "E004", message)
            ok = False
    for key in AWARD_REQUIRED:
        if key not in raw:
            message = Message("award #{n} has no {key}", n=i + 1, key=key)
            builder.add(builder.lines.award(i), "E003", message)
            ok = False
    return ok


def _award_value_problem(key: str, value: object, i: int, builder: _Builder) -> Finding | None:
    """E005 when the value of ``key`` in award ``i`` has the wrong type, else None."""
    if key in AWARD_INT_KEYS:
        if isinstance(value, int) and not isinstance(value, bool):
            return None
        return _wrong_type(builder.shown, builder.lines.award_key(i, key), key, value)
    if key not in AWARD_DATE_KEYS:
        if isinstance(value, str):
            return None
        return _wrong_type(builder.shown, builder.lines.award_key(i, key), key, value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return None
    line = builder.lines.award_key(i, key)  # only looked up for a problem: most have none
    hint = Message("write {key} = YYYY-MM-DD without quotes, e.g. {key} = 2022-03-29", key=key)
    if isinstance(value, str) and DATE_RE.fullmatch(value):
        hint = Message("remove the quotes: {key} = {value}", key=key, value=value)
    elif isinstance(value, datetime):
        hint = Message("drop the time: {key} = {value}", key=key, value=value.date().isoformat())
    message = Message(
        "{key} is {type}, not a date; {hint}", key=key, type=_type_name(value), hint=hint
    )
    return Finding(builder.shown, line, "E005", message)


def dumps(institution: Institution) -> str:
    """The canonical text of an institution file (SPEC "Canonical form")."""
    top = institution.to_dict()
    awards = top.pop("awards")
    assert isinstance(awards, list)
    parts = [tomli_w.dumps(top)]
    for award in awards:
        parts.append("\n[[awards]]\n" + tomli_w.dumps(award))
    return "".join(parts)


# ---- the fast path: files already in canonical form -----------------------------------------
#
# Almost every register file is in canonical form (every write produces it). Such a file is
# a short list of ``key = "string"`` / ``key = YYYY-MM-DD`` / ``key = 3`` lines and
# ``[[awards]]`` headers, each after one blank line. The fast path reads only that layout
# and checks, line by line, what makes it the writer's output: the keys in canonical order,
# each value of its key's type and written exactly as ``canonical_text`` writes it, every
# required key there, and the awards in canonical order. The writer's output parses back to
# the values it was given, so a file that passes is what tomllib would read and is
# canonical, which answers the W006 check for free. Anything else (a comment, other spacing,
# an escape written differently, another order, a key of the wrong type) goes the general
# way. tests/test_fast_read.py holds both ways to the same result on generated and mutated
# files; ``canonical_text`` stays the reference for files read the general way.

_TOP_RANK = {key: rank for rank, key in enumerate(INSTITUTION_KEYS) if key != "awards"}
_AWARD_RANK = {key: rank for rank, key in enumerate(AWARD_KEYS)}
_TOP_TYPES: dict[str, type] = dict.fromkeys(_TOP_RANK, str)
_TOP_REQUIRED = frozenset(INSTITUTION_REQUIRED) - {"awards"}
_AWARD_REQUIRED = frozenset(AWARD_REQUIRED)
_AWARD_TYPES: dict[str, type] = {
    key: date if key in AWARD_DATE_KEYS else int if key in AWARD_INT_KEYS else str
    for key in AWARD_KEYS
}
# A basic string as tomli_w writes it: no raw quote, backslash or control character but
# tab; escapes only those it uses (``_literal`` then proves the spelling).
_CANON_STRING = re.compile(
    r'"([^"\\\x00-\x08\x0a-\x1f\x7f]*(?:\\(?:[bnfr"\\]|u[0-9a-f]{4})[^"\\\x00-\x08\x0a-\x1f\x7f]*)*)"'
)
# LineIndex.scan counts lines with str.splitlines (which also breaks at U+0085, U+2028 and
# U+2029) and takes ''' inside a string for a multi-line string: files with these (which
# canonical strings may contain unescaped) go the general way, so both ways give the same
# line numbers.
_SCAN_QUIRKS = re.compile("[\x85\u2028\u2029]|'''")
_ESCAPED = re.compile(r'\\(?:u([0-9a-f]{4})|([bnfr"\\]))')
_UNESCAPE = {"b": "\b", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}
# What tomli_w escapes in a basic string: quote, backslash, control characters but tab, DEL.
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x08\x0a-\x1f\x7f]')
_ESCAPES = {"\b": "\\b", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


def _unescape(match: re.Match[str]) -> str:
    return chr(int(match[1], 16)) if match[1] else _UNESCAPE[match[2]]


def _escape(match: re.Match[str]) -> str:
    char = match[0]
    return _ESCAPES.get(char) or f"\\u{ord(char):04x}"


def _literal(value: object) -> str:
    if isinstance(value, str):
        if _NEEDS_ESCAPE.search(value) is None:
            return f'"{value}"'
        return '"' + _NEEDS_ESCAPE.sub(_escape, value) + '"'
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if type(value) is int:
        return str(value)
    return tomli_w.dumps({"x": value})[4:-1]  # not a model value; let the writer decide


def canonical_text(institution: Institution) -> str:
    """Exactly ``dumps(institution)`` for the model's values (strings and dates), faster.

    The tests check that the two agree on generated records, escapes included.
    """
    out = []
    for key in INSTITUTION_KEYS:
        if key != "awards":
            value = getattr(institution, key)
            if value is not None:
                out.append(f"{key} = {_literal(value)}\n")
    for award in institution.sorted_awards():
        out.append("\n[[awards]]\n")
        for key in AWARD_KEYS:
            value = getattr(award, key)
            if value is not None and not (key == "valid_until" and award.valid_until_assumed):
                out.append(f"{key} = {_literal(value)}\n")
    return "".join(out)


# An award read from a canonical file or the parse cache skips the frozen dataclass's
# __init__ (one object.__setattr__ per field, 30,000 awards in a national register): its
# values have the types the model needs, and the object is the one Award(**values) gives.
_AWARD_DEFAULTS = {f.name: f.default for f in fields(Award) if f.default is not MISSING}


def award_of(values: dict[str, Any]) -> Award:
    """``Award(**values)`` for values already of the model's types, built faster."""
    award = object.__new__(Award)
    award.__dict__.update(_AWARD_DEFAULTS)
    award.__dict__.update(values)
    return award


def _parse_canonical(
    text: str, path: Path, shown: str, raw: bytes, default_years: int = DEFAULT_YEARS
) -> ParsedFile | None:
    """The parse of a file in canonical form, or None when the file is not (or not surely)."""
    if not text.endswith("\n") or _SCAN_QUIRKS.search(text):
        return None
    read = _read_canonical(text)
    if read is None:
        return None
    top, tables, index = read
    if not top.keys() >= _TOP_REQUIRED or not tables:
        return None  # E003/E010: the general way says which
    awards = []
    for number, values in zip(index.awards, tables, strict=True):
        if not values.keys() >= _AWARD_REQUIRED:
            return None
        if "valid_until" not in values:
            values["valid_until"] = assumed_until(values["valid_from"], default_years)
            values["valid_until_assumed"] = True
        values["line"] = number
        awards.append(award_of(values))
    ends = [(award.valid_from, award.valid_until) for award in awards]
    if any(a > b for a, b in itertools.pairwise(ends)):
        return None  # not in canonical order
    institution = Institution(**top, awards=tuple(awards), path=path)
    return ParsedFile(path, shown, institution, [], raw, index, canonical=True)


def _read_canonical(text: str) -> tuple[dict[str, Any], list[dict[str, Any]], LineIndex] | None:
    """The values and line index of a file laid out as the canonical writer lays it out,
    else None: keys in canonical order, one blank line before each ``[[awards]]`` and none
    elsewhere, each value of its key's type and spelled as the writer spells it."""
    index = LineIndex()
    top: dict[str, Any] = {}
    tables: list[dict[str, Any]] = []
    table, keys, ranks, types = top, index.top, _TOP_RANK, _TOP_TYPES
    last = -1
    header_next = False
    for number, line in enumerate(text[:-1].split("\n"), start=1):
        if header_next:
            if line != "[[awards]]":
                return None
            table, keys, ranks, types = {}, {}, _AWARD_RANK, _AWARD_TYPES
            tables.append(table)
            index.awards.append(number)
            index.award_keys.append(keys)
            last, header_next = -1, False
            continue
        if not line:
            header_next = True
            continue
        key, equals, value = line.partition(" = ")
        rank = ranks.get(key, -1)
        if rank <= last or not equals:
            return None
        parsed = _canonical_value(value, types[key])
        if parsed is None:
            return None
        table[key] = parsed
        keys[key] = number
        last = rank
    return None if header_next else (top, tables, index)


def _canonical_value(value: str, kind: type) -> str | date | int | None:
    """``value`` read as ``kind``, when the canonical writer would spell it so; else None."""
    if kind is str:
        return _canonical_string(value) if value[:1] == '"' else None
    if kind is date:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return None
        return day if day.isoformat() == value else None  # not 20220329 nor 2022-W13-2
    if value.isascii() and value.isdigit() and len(value) < 20 and str(int(value)) == value:
        return int(value)
    return None


def _canonical_string(value: str) -> str | None:
    inner = value[1:-1]
    # The common case, checked without a regular expression: printable text
    # (no control characters, not even tab) with no quote or backslash in it, which the
    # writer writes as it is.
    if (
        len(value) > 1
        and value[-1] == '"'
        and inner.isprintable()
        and '"' not in inner
        and "\\" not in inner
    ):
        return inner
    match = _CANON_STRING.fullmatch(value)
    if match is None:
        return None
    inner = match[1]
    text = _ESCAPED.sub(_unescape, inner) if "\\" in inner else inner
    return text if _literal(text) == value else None
