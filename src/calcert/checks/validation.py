"""``validate``: run every check, then narrow the findings to what was asked for.

Cross-file checks always see the whole register; PATH arguments and ``--select`` /
``--ignore`` only filter what is reported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from calcert.checks import per_file, pipeline
from calcert.checks.catalog import CHECKS
from calcert.errors import UsageError
from calcert.i18n import _, ngettext
from calcert.model.findings import Finding, code_matches, display_path, unknown_codes
from calcert.register.loader import load


@dataclass
class ValidationResult:
    findings: list[Finding]
    files: int


def parse_codes(text: str | None, option: str) -> frozenset[str] | None:
    """``"E012, w006"`` → ``{"E012", "W006"}``; an unknown code is a usage error."""
    if text is None:
        return None
    codes = frozenset(c.strip().upper() for c in text.split(",") if c.strip())
    if not codes:
        raise UsageError(
            _("{option}: no codes given; e.g. {option} E012,W006").format(option=option)
        )
    unknown = unknown_codes(codes)
    if unknown:
        raise UsageError(
            ngettext(
                "{option}: unknown code {codes}; "
                "known: {known} (or E / W for all errors / warnings)",
                "{option}: unknown codes {codes}; "
                "known: {known} (or E / W for all errors / warnings)",
                len(unknown),
            ).format(option=option, codes=", ".join(unknown), known=", ".join(CHECKS))
        )
    return codes


def _normal(path: Path) -> str:
    """Absolute and without ``..``, but symlinks kept (a link is its own register file)."""
    return os.path.normpath(path.absolute())


def validate(
    root: Path,
    paths: list[Path],
    today: date,
    *,
    select: frozenset[str] | None = None,
    ignore: frozenset[str] | None = None,
) -> ValidationResult:
    # The per-file rules run as each file is read (by both processes of a cold read).
    register = load(root, check_file=per_file.check_file)
    owners: dict[str, str] = {}
    wanted: set[str] | None = None
    if paths:  # (only then: 10,000 absolute paths cost ~50 ms)
        owners = {p.shown: _normal(p.path) for p in register.files}
        wanted = _wanted_files(root, paths, set(owners.values()))
    # Every check runs on the whole register, so cross-file findings (duplicate ids,
    # look-alike institutions, parents) are right; PATHs and codes only filter the report.
    findings = pipeline.run(register, today)
    register.save_cache()  # with the per-file rules' findings, for the next run
    ignored = frozenset(register.config.ignore) | (ignore or frozenset())
    out = []
    for finding in findings:
        if wanted is not None and owners.get(finding.path) not in wanted:
            continue
        if select is not None and not code_matches(finding.code, select):
            continue
        if ignored and code_matches(finding.code, ignored):
            continue
        out.append(finding)
    files = len(wanted) if wanted is not None else len(register.files)
    return ValidationResult(sorted(set(out), key=Finding.sort_key), files)


def _wanted_files(root: Path, paths: list[Path], known: set[str]) -> set[str]:
    """The register files (normalised paths) that the PATH arguments name."""
    wanted: set[str] = set()
    for given in paths:
        normal = _normal(given)
        if not given.exists() and not given.is_symlink():
            raise UsageError(_("{path}: no such file").format(path=given))
        if given.is_dir() and not given.is_symlink():
            wanted.update(_files_in_folder(root, given, normal, known))
            continue
        if normal not in known:
            raise UsageError(
                _(
                    "{path}: not an institution file of the register at "
                    "{root} (expected institutions/<id>.toml)"
                ).format(path=given, root=display_path(root))
            )
        wanted.add(normal)
    return wanted


def _files_in_folder(root: Path, given: Path, normal: str, known: set[str]) -> set[str]:
    """A folder stands for the register's files inside it (`validate registry/`)."""
    prefix = normal.rstrip(os.sep) + os.sep
    base = _normal(root)
    if not (f"{base}{os.sep}".startswith(prefix) or normal.startswith(base)):
        raise UsageError(
            _("{path}: a folder outside the register at {root}").format(
                path=given, root=display_path(root)
            )
        )
    return {n for n in known if n.startswith(prefix)}
