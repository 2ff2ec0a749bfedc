"""Commands for CI and editors: validate, schema."""

# No `from __future__ import annotations`: see the note at the top of cli.py (start-up).

import sys
from pathlib import Path
from typing import Annotated

import typer

from calcert.cli.options import (
    AsOfOpt,
    ValidateFormatOpt,
    as_of_day,
    register_root,
    say_error,
)
from calcert.errors import EXIT_FINDINGS, UsageError
from calcert.i18n import N_, _

commands = typer.Typer()

SCHEMA_HELP = N_(
    "Print the JSON Schema (draft-07) of an institution file, for TOML editors.\n\n"
    "The same schema ships in the package (calcert/data/institution.schema.json) and in the "
    "repository (schema/institution.schema.json). TOML dates are checked as strings of "
    'format "date", the way TOML editors map them.'
)


@commands.command(help=SCHEMA_HELP)
def schema() -> int:
    from calcert.outputs.schema import dumps

    sys.stdout.write(dumps())
    return 0


@commands.command(help=N_("Check the register: exit 1 on any error (or warning with --strict)."))
def validate(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[PATH]...",
            help=N_("Only these files (cross-file checks still see the register)."),
            show_default=False,
        ),
    ] = None,
    fmt: ValidateFormatOpt = "text",
    strict: Annotated[bool, typer.Option(help=N_("Warnings fail too (exit 1)."))] = False,
    as_of: AsOfOpt = None,
    select: Annotated[
        str | None,
        typer.Option(
            metavar="CODES",
            help=N_(
                "Only these codes, comma-separated (E012,W006); E or W: all errors or warnings."
            ),
        ),
    ] = None,
    ignore: Annotated[
        str | None, typer.Option(metavar="CODES", help=N_("Skip these codes, comma-separated."))
    ] = None,
    explain: Annotated[
        str | None,
        typer.Option(
            metavar="CODE", help=N_("Explain a finding code and exit."), show_default=False
        ),
    ] = None,
) -> int:
    from calcert.checks import validation
    from calcert.outputs.findings import render_github, render_json, render_text, summary

    if explain is not None:
        return _explain(explain)
    # PATHs arrive as str: typer's Path type calls os.stat and crashes on a NUL in them.
    if any(not p.strip() for p in paths or []):
        raise UsageError(_("PATH is empty; give a file or folder of the register"))
    result = validation.validate(
        register_root(),
        [Path(p) for p in paths or []],
        as_of_day(as_of),
        select=validation.parse_codes(select, "--select"),
        ignore=validation.parse_codes(ignore, "--ignore"),
    )
    findings = result.findings
    renderer = {"text": render_text, "json": render_json, "github": render_github}[fmt]
    sys.stdout.write(renderer(findings))
    # The summary is for people: only on a terminal, never mixed into json/github output.
    if fmt == "text" and sys.stderr.isatty():
        say_error(summary(findings, result.files))
    failed = any(f.is_error or strict for f in findings)
    return EXIT_FINDINGS if failed else 0


def _explain(code: str) -> int:
    """``validate --explain CODE``: what the finding means and how to skip it."""
    import textwrap

    from calcert.checks.catalog import CHECKS

    check = CHECKS.get(code.upper())
    if check is None:
        raise UsageError(
            _("unknown finding code {code!r}; codes: {codes}").format(
                code=code, codes=", ".join(CHECKS)
            )
        )
    print(f"{check.code} {check.name} ({_(check.severity)})\n")
    print(textwrap.fill(_(check.explanation), width=88))
    skip = _(
        "Skip it with `calcert validate --ignore {code}`, or for the whole register "
        'with ignore = ["{code}"] under [validate] in calcert.toml.'
    ).format(code=check.code)
    print("\n" + textwrap.fill(skip, width=88))
    return 0
