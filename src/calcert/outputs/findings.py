"""Findings as people and machines read them: text lines, JSON, GitHub annotations."""

from __future__ import annotations

import json

from calcert.i18n import _, ngettext, translate_text
from calcert.model.findings import Finding, one_line


def render_text(findings: list[Finding]) -> str:
    lines = []
    for f in sorted(findings, key=Finding.sort_key):
        where = f"{f.path}:{f.line}" if f.line else f.path
        lines.append(one_line(f"{where}: {_(f.severity)} {f.code} {translate_text(f.message)}"))
    return "\n".join(lines) + ("\n" if lines else "")


def render_json(findings: list[Finding]) -> str:
    rows = [f.as_dict() for f in sorted(findings, key=Finding.sort_key)]
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def _gh_escape(text: str, *, prop: bool) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(findings: list[Finding]) -> str:
    """GitHub Actions workflow commands: annotations on the pull request's files."""
    out = []
    for f in sorted(findings, key=Finding.sort_key):
        props = f"file={_gh_escape(f.path, prop=True)}"
        if f.line:
            props += f",line={f.line}"
            if f.column:
                props += f",col={f.column}"
        props += f",title={f.code}"
        out.append(f"::{f.severity} {props}::{_gh_escape(f.message, prop=False)}")
    return "\n".join(out) + ("\n" if out else "")


def summary(findings: list[Finding], files: int) -> str:
    errors = sum(1 for f in findings if f.is_error)
    warnings = len(findings) - errors

    return _("{errors}, {warnings} in {files}").format(
        errors=ngettext("{n} error", "{n} errors", errors).format(n=errors),
        warnings=ngettext("{n} warning", "{n} warnings", warnings).format(n=warnings),
        files=ngettext("{n} file", "{n} files", files).format(n=files),
    )
