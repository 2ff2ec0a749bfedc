"""The check pipeline: every rule runs on the loaded register, none stops early.

Loading (``register.loader``) gives records plus what kept a file from becoming a record;
everything else is a rule here. ``new_findings`` is the one way an edit (``add``,
``withdraw``, ``import``) asks whether it would make the register worse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from calcert.checks import per_file, register_wide
from calcert.model.findings import Finding, code_matches, display_path
from calcert.register.loader import Register
from calcert.register.tomlfile import ParsedFile, parse

Rule = Callable[[Register, date], list[Finding]]

# Every rule, in the order findings are reported by edits (validate sorts them).
RULES: list[Rule] = [per_file.check_files, *register_wide.RULES]


def run(register: Register, today: date, *, canonical: bool = True) -> list[Finding]:
    """Every finding in the register: what loading found, then every rule's findings.

    ``canonical=False`` leaves out W006 (an edit's own output is canonical by construction).
    """
    findings = [f for parsed in register.files for f in parsed.findings]
    for rule in RULES:
        if rule is register_wide.check_canonical and not canonical:
            continue
        findings.extend(rule(register, today))
    return findings


def _key(finding: Finding) -> tuple[str, str, str]:
    # No line: an edit moves lines, and the same problem on another line is not new.
    return (finding.path, finding.code, finding.message)


@dataclass
class Change:
    """What a change would add to the register's findings, and the files as they would be."""

    errors: list[Finding]
    warnings: list[Finding]
    # The changed files as they would be read back, by displayed path, so that callers
    # can say where a finding comes from.
    reparsed: dict[str, ParsedFile]


def new_findings(register: Register, contents: dict[Path, str], today: date) -> Change:
    """The errors and warnings the register would have, with ``contents`` written, that it
    has not now, in the order the pipeline found them.

    Warnings the register's ``[validate] ignore`` hides are left out, as ``validate`` would.
    Canonical form is not checked: whatever an edit writes is canonical.
    """
    before = {_key(f) for f in run(register, today, canonical=False)}
    reparsed = {
        display_path(path): parse(
            path, text.encode("utf-8"), display_path(path), register.config.default_years
        )
        for path, text in contents.items()
    }
    files = [f for f in register.files if f.path not in contents]
    files += reparsed.values()
    files.sort(key=lambda f: f.path.name)
    after = Register(register.root, register.config, files)
    new = [f for f in run(after, today, canonical=False) if _key(f) not in before]
    ignored = frozenset(register.config.ignore)
    warnings = [
        f for f in new if not f.is_error and not (ignored and code_matches(f.code, ignored))
    ]
    return Change([f for f in new if f.is_error], warnings, reparsed)


def new_errors(
    register: Register, contents: dict[Path, str], today: date
) -> tuple[list[Finding], dict[str, ParsedFile]]:
    """The errors the register would have, with ``contents`` written, that it has not now
    (``new_findings`` without the warnings)."""
    change = new_findings(register, contents, today)
    return change.errors, change.reparsed
