"""Problems found in register data, as values, and the catalog of their codes.

A finding is data, not an exception: every check returns a list of them, all checks run,
and one ``validate`` pass reports every problem. Codes are stable (CI configs and
``--ignore`` lists refer to them); messages may improve.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from calcert.i18n import N_

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Check:
    code: str
    severity: Severity
    name: str
    explanation: str


CHECKS: dict[str, Check] = {
    c.code: c
    for c in (
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
                "[[awards]]; each award needs valid_from and valid_until."
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
            "E008",
            "error",
            "duplicate-id",
            N_(
                "Two files declare the same id. Keep one institution per id: merge the awards "
                "into one file."
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
            "E010",
            "error",
            "no-awards",
            N_(
                "Every institution in the register holds (or held) at least one certificate: "
                "add an [[awards]] table with valid_from and valid_until."
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
                "end the old one the day before (`calcert add --supersede` does that)."
            ),
        ),
        Check(
            "E013",
            "error",
            "withdrawal-outside-term",
            N_("withdrawn_on must lie within its award's term (valid_from..valid_until)."),
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
            "E015",
            "error",
            "reason-without-withdrawal",
            N_(
                "withdrawal_reason is only meaningful with withdrawn_on: add the date of the "
                "withdrawal or remove the reason."
            ),
        ),
        Check(
            "E016",
            "error",
            "bad-value",
            N_(
                "A value is malformed: an empty name or city, a term that is not two years like "
                "2014-2017, or a website/source that is not an http(s) address."
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
}


# Besides single codes, --select/--ignore and [validate] ignore take "E" (every error) and
# "W" (every warning), as ruff takes a prefix.
CODE_GROUPS = ("E", "W")


def unknown_codes(codes: list[str] | tuple[str, ...] | frozenset[str]) -> list[str]:
    """The codes (upper-cased) that name no check and no group, sorted."""
    return sorted(
        {c.upper() for c in codes if c.upper() not in CHECKS and c.upper() not in CODE_GROUPS}
    )


def code_matches(code: str, codes: frozenset[str] | set[str]) -> bool:
    return code in codes or code[0] in codes


@dataclass(frozen=True, order=True)
class Finding:
    """One problem: where it is (file, line, column) and what it is.

    ``line`` and ``column`` are 1-based and None where unknown; the column is known only
    where the reader reports one (TOML syntax errors), and only machine formats show it.
    """

    path: str
    line: int | None
    code: str
    message: str
    column: int | None = None

    @property
    def severity(self) -> Severity:
        return CHECKS[self.code].severity

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.path, self.line or 0, self.code, self.message)

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "code": self.code,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


def display_path(path: Path, cwd: Path | None = None) -> str:
    """Relative to the current directory when below it (as editors and CI expect)."""
    cwd = cwd or Path.cwd()
    absolute = Path(os.path.abspath(path))  # no ``..``: "../x" is not below the cwd
    for candidate, base in ((path, cwd), (absolute, cwd.resolve()), (absolute, cwd.absolute())):
        try:
            return candidate.relative_to(base).as_posix()
        except ValueError:
            continue
    # Not below: absolute (without ``..``), so the path means the same from anywhere.
    return os.path.abspath(path)


def one_line(text: str) -> str:
    """``text`` with control characters escaped (``\\n``), so one message stays one line even
    when it quotes a file name or an argument with a newline in it."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)
