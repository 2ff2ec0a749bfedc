"""``validate``: run every check, then narrow the findings to what was asked for.

Cross-file checks always see the whole register; PATH arguments and ``--select`` /
``--ignore`` only filter what is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from calcert import checks
from calcert.errors import UsageError
from calcert.findings import CHECKS, Finding
from calcert.register import load


@dataclass
class ValidationResult:
    findings: list[Finding]
    files: int


def parse_codes(text: str | None, option: str) -> frozenset[str] | None:
    if text is None:
        return None
    codes = frozenset(c.strip().upper() for c in text.split(",") if c.strip())
    unknown = sorted(c for c in codes if c not in CHECKS and c not in ("E", "W"))
    if unknown:
        raise UsageError(
            f"{option}: unknown code{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
            f"known: {', '.join(CHECKS)} (or E / W for all errors / warnings)"
        )
    return codes


def _matches(code: str, codes: frozenset[str]) -> bool:
    return code in codes or code[0] in codes


def validate(
    root: Path,
    paths: list[Path],
    today: date,
    *,
    select: frozenset[str] | None = None,
    ignore: frozenset[str] | None = None,
) -> ValidationResult:
    register = load(root)
    wanted: set[Path] | None = None
    if paths:
        known = {p.path.absolute(): p for p in register.files}
        wanted = set()
        for given in paths:
            absolute = given.absolute()
            if not given.exists() and not given.is_symlink():
                raise UsageError(f"{given}: no such file")
            if absolute not in known:
                raise UsageError(
                    f"{given}: not an institution file of the register at {root} "
                    "(expected institutions/<id>.toml)"
                )
            wanted.add(absolute)
    findings = checks.run(register, today)
    ignored = set(register.config.ignore) | set(ignore or ())
    owners = {p.shown: p.path.absolute() for p in register.files}
    out = []
    for finding in findings:
        if wanted is not None and owners.get(finding.path) not in wanted:
            continue
        if select is not None and not _matches(finding.code, select):
            continue
        if ignored and _matches(finding.code, frozenset(ignored)):
            continue
        out.append(finding)
    files = len(wanted) if wanted is not None else len(register.files)
    return ValidationResult(sorted(set(out), key=Finding.sort_key), files)
