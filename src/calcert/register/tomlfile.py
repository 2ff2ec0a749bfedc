"""Institution files: bytes ⇄ model, and the one canonical writer of register bytes.

Reading never raises for bad data: every problem becomes a finding pointing at the file and,
where the text allows, the line of the offending key or ``[[awards]]`` header (tomllib only
gives positions for syntax errors, so a cheap line scan finds the rest). Writing always
produces the canonical form, so ``fmt`` and every edit agree byte for byte.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import tomli_w

from calcert.i18n import Message, PluralMessage
from calcert.model.findings import Finding
from calcert.model.records import (
    AWARD_DATE_KEYS,
    AWARD_KEYS,
    AWARD_REQUIRED,
    INSTITUTION_KEYS,
    INSTITUTION_REQUIRED,
    Award,
    Institution,
)
from calcert.model.values import (
    DATE_RE,
    closest_voivodeship,
    id_problem,
    is_url,
    is_voivodeship,
    term_years,
)

MAX_FILE_BYTES = 1024 * 1024
# Findings that mean part of the file could not be represented in the model: such a file
# is never rewritten (that would lose data) and queries leave it out.
STRUCTURE_CODES = frozenset({"E001", "E002", "E003", "E004", "E005", "E010"})
BOM = b"\xef\xbb\xbf"
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


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return Message("a boolean")
    if isinstance(value, datetime):
        return Message("a date-time")
    if isinstance(value, date):
        return Message("a date")
    if isinstance(value, int | float):
        return Message("a number")
    if isinstance(value, str):
        return Message("a string")
    if isinstance(value, list):
        return Message("an array")
    if isinstance(value, dict):
        return Message("a table")
    return type(value).__name__


def parse(path: Path, raw: bytes, shown: str) -> ParsedFile:
    """Bytes of ``path`` → model and findings. Never raises for bad data."""
    text, problem, bad_line = decode_at(raw)
    if text is None:
        finding = Finding(shown, bad_line, "E001", problem or "")
        return ParsedFile(path, shown, None, [finding], raw)
    if not raw.startswith(BOM):
        fast = _parse_canonical(text, path, shown, raw)
        if fast is not None:
            return fast
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        pos = _POS_RE.search(msg)
        line = int(pos[1]) if pos else None
        # tomllib's own wording stays as it is (it is not ours to translate).
        detail = _POS_RE.sub("", msg).strip() or "invalid TOML"
        message: str = detail
        column = int(pos[2]) if pos else None
        if pos:
            message = Message("{detail} (column {column})", detail=detail, column=pos[2])
        elif _EOF_RE.search(msg):
            # Something left open (a string, an array) runs to the end: point at the last line.
            line = max(1, len(text.splitlines()))
            detail = _EOF_RE.sub("", msg).strip()
            message = Message("{detail} (at the end of the file)", detail=detail)
        finding = Finding(shown, line, "E002", message, column)
        return ParsedFile(path, shown, None, [finding], raw)
    except RecursionError:
        msg = Message("arrays or tables nested too deeply for a register file")
        return ParsedFile(path, shown, None, [Finding(shown, 1, "E002", msg)], raw)
    except ValueError as exc:  # e.g. an integer with thousands of digits
        return ParsedFile(path, shown, None, [_value_error(exc, text, shown)], raw)
    lines = LineIndex.scan(text)
    institution, findings = build(data, path, shown, lines)
    return ParsedFile(path, shown, institution, findings, raw, lines)


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
    return _did_you_mean(close[0] if close else None)


def _did_you_mean(word: str | None) -> str:
    return Message(" (did you mean {word!r}?)", word=word) if word else ""


def _check_text(
    value: object,
    key: str,
    findings: list[Finding],
    shown: str,
    line: int | None,
    *,
    allow_empty: bool = True,
) -> str | None:
    if not isinstance(value, str):
        findings.append(
            Finding(
                shown,
                line,
                "E005",
                Message("{key} is {type}; write a quoted string", key=key, type=_type_name(value)),
            )
        )
        return None
    if not allow_empty and not value.strip():
        findings.append(
            Finding(shown, line, "E016", Message("{key} is empty; give the {key}", key=key))
        )
    return value


def _check_url(value: str | None, key: str, findings: list[Finding], shown: str, line: int | None):
    if value is not None and not is_url(value):
        findings.append(
            Finding(
                shown,
                line,
                "E016",
                Message("{key} {value!r} is not an http(s) address", key=key, value=value),
            )
        )


def build(
    data: dict[str, Any], path: Path, shown: str, lines: LineIndex
) -> tuple[Institution | None, list[Finding]]:
    """Schema checks on parsed TOML; returns the record when its required parts are sound."""
    findings: list[Finding] = []
    for key in data:
        if key not in INSTITUTION_KEYS:
            findings.append(
                Finding(
                    shown,
                    lines.key(key),
                    "E004",
                    Message(
                        "unknown key {key!r}{hint}; remove or rename it (see `calcert schema`)",
                        key=key,
                        hint=_suggest(key, INSTITUTION_KEYS),
                    ),
                )
            )
    for key in INSTITUTION_REQUIRED:
        if key not in data:
            if key == "awards":
                findings.append(
                    Finding(shown, 1, "E010", Message("missing at least one [[awards]] table"))
                )
            else:
                findings.append(Finding(shown, 1, "E003", Message("missing key {key!r}", key=key)))
    values: dict[str, str | None] = {}
    for key in ("id", "name", "city", "kind", "voivodeship", "website", "parent"):
        if key in data:
            values[key] = _check_text(
                data[key],
                key,
                findings,
                shown,
                lines.key(key),
                allow_empty=key not in ("name", "city", "id"),
            )
    ident = values.get("id")
    if ident is not None:
        problem = id_problem(ident)
        if problem:
            findings.append(
                Finding(
                    shown,
                    lines.key("id"),
                    "E006",
                    Message("bad id {ident!r}: {problem}", ident=ident, problem=problem),
                )
            )
        elif ident != path.stem:
            findings.append(
                Finding(
                    shown,
                    lines.key("id"),
                    "E007",
                    Message(
                        "id {ident!r} does not match the file name {name!r}; "
                        "rename the file to {ident}.toml or set id = {stem!r}",
                        ident=ident,
                        name=path.name,
                        stem=path.stem,
                    ),
                )
            )
    voivodeship = values.get("voivodeship")
    if voivodeship is not None and not is_voivodeship(voivodeship):
        findings.append(
            Finding(
                shown,
                lines.key("voivodeship"),
                "E009",
                Message(
                    "voivodeship {value!r} is not one of the 16{hint}; "
                    "use lower-case Polish, e.g. 'mazowieckie'",
                    value=voivodeship,
                    hint=_did_you_mean(closest_voivodeship(voivodeship)),
                ),
            )
        )
    for key in ("website",):
        _check_url(values.get(key), key, findings, shown, lines.key(key))
    parent = values.get("parent")
    if parent is not None and id_problem(parent):
        findings.append(
            Finding(
                shown,
                lines.key("parent"),
                "E006",
                Message("parent {parent!r} is not a valid id", parent=parent),
            )
        )

    awards: list[Award] = []
    raw_awards = data.get("awards")
    if raw_awards is not None:
        if not isinstance(raw_awards, list) or not all(isinstance(a, dict) for a in raw_awards):
            findings.append(
                Finding(
                    shown,
                    lines.key("awards"),
                    "E005",
                    Message(
                        "awards must be an array of tables: write each award under [[awards]]"
                    ),
                )
            )
        elif not raw_awards:
            findings.append(
                Finding(
                    shown,
                    lines.key("awards"),
                    "E010",
                    Message("awards is empty; add an [[awards]]"),
                )
            )
        else:
            for i, raw_award in enumerate(raw_awards):
                award = _build_award(raw_award, i, shown, lines, findings)
                if award is not None:
                    awards.append(award)
    findings.extend(_award_pair_checks(awards, shown))

    name, city = values.get("name"), values.get("city")
    if ident is None or name is None or city is None or not awards:
        return None, findings
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
    return institution, findings


def _build_award(
    raw: dict[str, Any], i: int, shown: str, lines: LineIndex, findings: list[Finding]
) -> Award | None:
    ok = True
    header = lines.award(i)
    for key in raw:
        if key not in AWARD_KEYS:
            findings.append(
                Finding(
                    shown,
                    lines.award_key(i, key),
                    "E004",
                    Message(
                        "unknown key {key!r} in award #{n}{hint}; remove or rename it",
                        key=key,
                        n=i + 1,
                        hint=_suggest(key, AWARD_KEYS),
                    ),
                )
            )
            ok = False
    for key in AWARD_REQUIRED:
        if key not in raw:
            findings.append(
                Finding(
                    shown, header, "E003", Message("award #{n} has no {key}", n=i + 1, key=key)
                )
            )
            ok = False
    fields: dict[str, Any] = {}
    for key in AWARD_KEYS:
        if key not in raw:
            continue
        value = raw[key]
        if key in AWARD_DATE_KEYS:
            if isinstance(value, date) and not isinstance(value, datetime):
                fields[key] = value
                continue
            line = lines.award_key(i, key)
            hint = Message(
                "write {key} = YYYY-MM-DD without quotes, e.g. {key} = 2022-03-29", key=key
            )
            if isinstance(value, str) and DATE_RE.match(value):
                hint = Message("remove the quotes: {key} = {value}", key=key, value=value)
            elif isinstance(value, datetime):
                hint = Message(
                    "drop the time: {key} = {value}", key=key, value=value.date().isoformat()
                )
            findings.append(
                Finding(
                    shown,
                    line,
                    "E005",
                    Message(
                        "{key} is {type}, not a date; {hint}",
                        key=key,
                        type=_type_name(value),
                        hint=hint,
                    ),
                )
            )
            ok = False
        elif type(value) is str:
            fields[key] = value
        else:
            text = _check_text(value, key, findings, shown, lines.award_key(i, key))
            if text is None:
                ok = False
            else:
                fields[key] = text
    term = fields.get("term")
    if term is not None:
        years = term_years(term)
        if years is None or years[1] < years[0]:
            findings.append(
                Finding(
                    shown,
                    lines.award_key(i, "term"),
                    "E016",
                    Message('term {term!r} is not a span of years like "2014-2017"', term=term),
                )
            )
    _check_url(fields.get("source"), "source", findings, shown, lines.award_key(i, "source"))
    if "withdrawal_reason" in fields and "withdrawn_on" not in raw:
        findings.append(
            Finding(
                shown,
                lines.award_key(i, "withdrawal_reason"),
                "E015",
                Message("award #{n} has a withdrawal_reason but no withdrawn_on", n=i + 1),
            )
        )
    if not ok:
        return None
    award = Award(line=header, **fields)
    if award.valid_until < award.valid_from:
        findings.append(
            Finding(
                shown,
                lines.award_key(i, "valid_until"),
                "E011",
                Message(
                    "award #{n}: valid_until {until} is before valid_from {start}",
                    n=i + 1,
                    until=award.valid_until,
                    start=award.valid_from,
                ),
            )
        )
    elif award.withdrawn_on is not None and not (
        award.valid_from <= award.withdrawn_on <= award.valid_until
    ):
        findings.append(
            Finding(
                shown,
                lines.award_key(i, "withdrawn_on"),
                "E013",
                Message(
                    "award #{n}: withdrawn_on {day} is outside its term {label}",
                    n=i + 1,
                    day=award.withdrawn_on,
                    label=award.label(),
                ),
            )
        )
    return award


def _award_pair_checks(awards: list[Award], shown: str) -> list[Finding]:
    """Overlaps between awards of one institution, using withdrawal-shortened terms."""
    findings: list[Finding] = []
    sane = [a for a in awards if a.valid_until >= a.valid_from]
    for i, a in enumerate(sane):
        for b in sane[i + 1 :]:
            first, second = sorted((a, b), key=lambda x: (x.valid_from, x.valid_until))
            if (
                second.valid_from <= first.effective_until
                and second.valid_from <= second.effective_until
            ):
                days = (
                    min(first.effective_until, second.effective_until) - second.valid_from
                ).days + 1
                # One finding at each award's [[awards]] header, each naming the other term
                # (no line numbers in the text: `add` compares messages before and after).
                for award, other in ((first, second), (second, first)):
                    message = PluralMessage(
                        "award {award} overlaps award {other} by {n} day; end the earlier one "
                        "the day before {start} (or `calcert add --supersede`)",
                        "award {award} overlaps award {other} by {n} days; end the earlier one "
                        "the day before {start} (or `calcert add --supersede`)",
                        days,
                        award=award.label(),
                        other=other.label(),
                        start=second.valid_from,
                    )
                    findings.append(Finding(shown, award.line, "E012", message))
    return findings


def dumps(institution: Institution) -> str:
    """The canonical text of an institution file (SPEC "Canonical form")."""
    top = institution.to_dict()
    awards = top.pop("awards")
    parts = [tomli_w.dumps(top)]
    for award in awards:  # type: ignore[union-attr]
        parts.append("\n[[awards]]\n" + tomli_w.dumps(award))
    return "".join(parts)


# ---- the fast path: files already in canonical form -----------------------------------------
#
# Almost every register file is in canonical form (every write produces it). Such a file is
# a short list of ``key = "string"`` / ``key = YYYY-MM-DD`` lines and ``[[awards]]`` headers,
# which one regular expression per line reads several times faster than a general TOML
# parser. The result is then *proved* right rather than trusted: the record built from what
# was read is written out again with ``canonical_text`` (byte for byte the writer ``dumps``)
# and must give back exactly the text of the file. The writer's output parses back to the
# values it was given, so equal text means tomllib would have read the same values -- and
# the file is canonical, which answers the W006 check for free. Anything else (a comment,
# other spacing, an escape written differently, a non-canonical order, a key the model
# drops) fails the line pattern or the comparison, and the file goes the general way.

_KNOWN_KEYS = frozenset(INSTITUTION_KEYS + AWARD_KEYS) - {"awards"}
# A basic string as tomli_w writes it: no raw quote, backslash or control character but
# tab; escapes only those it uses. (The final comparison is the proof; this is a filter.)
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
            if value is not None:
                out.append(f"{key} = {_literal(value)}\n")
    return "".join(out)


def _parse_canonical(text: str, path: Path, shown: str, raw: bytes) -> ParsedFile | None:
    """The parse of a file in canonical form, or None when the file is not (or not surely)."""
    if not text.endswith("\n") or _SCAN_QUIRKS.search(text):
        return None
    index = LineIndex()
    top: dict[str, Any] = {}
    awards: list[dict[str, Any]] = []
    table, keys = top, index.top
    for number, line in enumerate(text.split("\n"), start=1):
        if not line:
            continue
        if line == "[[awards]]":
            table = {}
            awards.append(table)
            keys = {}
            index.awards.append(number)
            index.award_keys.append(keys)
            continue
        key, equals, value = line.partition(" = ")
        if not equals or key not in _KNOWN_KEYS or key in table:
            return None
        if value[:1] == '"':
            inner = value[1:-1]
            # The common case, checked without a regular expression: printable text
            # (no control characters, not even tab) with no quote or backslash in it.
            if not (
                len(value) > 1
                and value[-1] == '"'
                and inner.isprintable()
                and '"' not in inner
                and "\\" not in inner
            ):
                match = _CANON_STRING.fullmatch(value)
                if match is None:
                    return None
                inner = match[1]
                if "\\" in inner:
                    inner = _ESCAPED.sub(_unescape, inner)
            table[key] = inner
        else:
            try:
                table[key] = date.fromisoformat(value)  # the comparison below proves the form
            except ValueError:
                return None
        keys[key] = number
    if awards:
        top["awards"] = awards
    institution, findings = build(top, path, shown, index)
    if institution is None or canonical_text(institution) != text:
        return None
    return ParsedFile(path, shown, institution, findings, raw, index, canonical=True)
