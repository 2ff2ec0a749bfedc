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

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Check:
    code: str
    severity: Severity
    name: str
    explanation: str


# Every finding code and its severity: what a ``Finding`` and the register's settings
# (``[validate] ignore``) need to know, so it lives here, in the lowest layer. Each code's
# full catalog entry (name, severity, explanation: a ``Check``) sits next to what finds it:
# the codes of reading a file in ``register.tomlfile``, the rules' codes in
# ``checks.per_file`` and ``checks.register_wide``; ``checks.catalog.CHECKS`` gathers them
# and a test keeps the two lists equal.
CODES: dict[str, Severity] = {
    "E001": "error",  # unreadable-file
    "E002": "error",  # toml-syntax
    "E003": "error",  # missing-key
    "E004": "error",  # unknown-key
    "E005": "error",  # wrong-type
    "E006": "error",  # bad-id
    "E007": "error",  # id-not-file-stem
    "E008": "error",  # duplicate-id
    "E009": "error",  # bad-voivodeship
    "E010": "error",  # no-awards
    "E011": "error",  # term-reversed
    "E012": "error",  # overlapping-awards
    "E013": "error",  # withdrawal-outside-term
    "E014": "error",  # unknown-parent
    "E015": "error",  # reason-without-withdrawal
    "E016": "error",  # bad-value
    "W001": "warning",  # term-too-long
    "W002": "warning",  # term-too-short
    "W003": "warning",  # awarded-in-future
    "W004": "warning",  # awarded-far-from-start
    "W005": "warning",  # possible-duplicate
    "W006": "warning",  # not-canonical
    "W007": "warning",  # term-mismatch
    "W008": "warning",  # unsourced-award
    "W009": "warning",  # decided-after-awarded
    "W010": "warning",  # ordinal-contradicts-history
}


# Besides single codes, --select/--ignore and [validate] ignore take "E" (every error) and
# "W" (every warning), as ruff takes a prefix.
CODE_GROUPS = ("E", "W")


def unknown_codes(codes: list[str] | tuple[str, ...] | frozenset[str]) -> list[str]:
    """The codes (upper-cased) that name no check and no group, sorted."""
    return sorted(
        {c.upper() for c in codes if c.upper() not in CODES and c.upper() not in CODE_GROUPS}
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
        return CODES[self.code]

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
