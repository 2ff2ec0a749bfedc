"""Options and argument handling shared by several commands, declared once."""

# No `from __future__ import annotations`: see the note at the top of app.py (start-up).

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from calcert.cli.app import say_error, state
from calcert.errors import EXIT_USAGE, UsageError
from calcert.i18n import N_, _, translate_text


def optional_date(value: str | None, option: str) -> date | None:
    from calcert.model.terms import parse_date

    return None if value is None else parse_date(value, option)


def as_of_day(value: str | None) -> date:
    return optional_date(value, "--as-of") or date.today()


def one_of(value: str, option: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise UsageError(
            _("{option} {value!r} is not one of: {choices}").format(
                option=option, value=value, choices=", ".join(choices)
            )
        )
    return value


def register_root() -> Path:
    from calcert.register.config import find_root

    return find_root(state.get("registry"))


def report_bad_files(register: Any) -> int:
    """Name each file that could not be read completely; exit 2 if there were any."""
    bad = [f for f in register.files if not f.complete]
    for parsed in bad:
        first = next((f for f in parsed.findings if f.is_error), None)
        where = f"{parsed.shown}:{first.line}" if first and first.line else parsed.shown
        reason = translate_text(first.message) if first else _("cannot be read")
        line = _("calcert: {where}: {reason} (file skipped; see `calcert validate`)")
        say_error(line.format(where=where, reason=reason))
    return EXIT_USAGE if bad else 0


STATUS_CHOICES = ("active", "expired", "withdrawn", "pending", "all")
FormatOpt = Annotated[str, typer.Option("--format", help=N_("table, json or csv."))]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of", help=N_("The day to look from, YYYY-MM-DD (default today)."), show_default=False
    ),
]
