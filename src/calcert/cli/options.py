"""Options and argument handling shared by several commands, declared once."""

# No `from __future__ import annotations`: see the note at the top of app.py (start-up).

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from typer import _click as click
from typer._types import TyperChoice

from calcert.cli.app import say_error, state
from calcert.errors import EXIT_USAGE, UsageError
from calcert.i18n import N_, _, translate_text


def optional_date(value: str | None, option: str) -> date | None:
    from calcert.model.terms import parse_date

    return None if value is None else parse_date(value, option)


def as_of_day(value: str | None) -> date:
    return optional_date(value, "--as-of") or date.today()


class OneOf(TyperChoice[str]):
    """A fixed set of values (shown in help, completed by the shell), refused in calcert's
    own words: ``--format 'x' is not one of: table, json, csv``."""

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "[" + "|".join(map(str, self.choices)) + "]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value in self.choices:
            return value
        option = param.opts[0] if param is not None and param.opts else "value"
        raise UsageError(
            _("{option} {value!r} is not one of: {choices}").format(
                option=option, value=value, choices=", ".join(map(str, self.choices))
            )
        )


def register_root() -> Path:
    from calcert.register.config import find_root

    return find_root(state.get("registry"))


def say(text: str, keep: str = "") -> None:
    """Print a line for people: control characters from register data shown escaped
    (``\\x1b``), so nothing in a file can reach the terminal as an escape sequence."""
    from calcert.model.text import escape_controls

    print(escape_controls(text, keep))


def report_bad_files(register: Any) -> int:
    """Name each file that could not be read completely, or whose id is not its name (with
    the other file declaring that id); exit 2 if there were any."""
    from calcert.ops.queries import misfiled_problems

    bad = [f for f in register.files if not f.complete]
    for parsed in bad:
        first = next((f for f in parsed.findings if f.is_error), None)
        where = f"{parsed.shown}:{first.line}" if first and first.line else parsed.shown
        reason = translate_text(first.message) if first else _("cannot be read")
        line = _("calcert: {where}: {reason} (file skipped; see `calcert validate`)")
        say_error(line.format(where=where, reason=reason))
    misfiled = misfiled_problems(register)
    for problem in misfiled:
        say_error(
            _("calcert: {problem} (file skipped; see `calcert validate`)").format(problem=problem)
        )
    return EXIT_USAGE if bad or misfiled else 0


def report_warnings(warnings: list[Any]) -> None:
    """The warnings an edit's change raised, one line each on stderr, as validate prints
    them (after ``calcert: ``, as every line calcert writes to stderr)."""
    if warnings:
        from calcert.outputs.findings import render_text

        for line in render_text(warnings).splitlines():
            say_error(f"calcert: {line}")


# ---- the option declarations the commands share ---------------------------------------------

# "current": active or pending, not withdrawn (list and export alike).
STATUSES = ("active", "expired", "withdrawn", "pending", "current", "all")
TABLE_FORMATS = ("table", "json", "csv")
SHOW_FORMATS = ("table", "json")
EXPIRING_FORMATS = ("table", "json", "csv", "md")
VALIDATE_FORMATS = ("text", "json", "github")
EXPORT_FORMATS = ("csv", "json", "md", "ics", "html", "xlsx")


def _format(choices: tuple[str, ...], help: str) -> Any:
    return typer.Option("--format", help=help, click_type=OneOf(choices), show_default=True)


TableFormatOpt = Annotated[str, _format(TABLE_FORMATS, N_("table, json or csv."))]
ShowFormatOpt = Annotated[str, _format(SHOW_FORMATS, N_("table or json."))]
ExpiringFormatOpt = Annotated[
    str, _format(EXPIRING_FORMATS, N_("table, json, csv or md (a Markdown table)."))
]
ValidateFormatOpt = Annotated[str, _format(VALIDATE_FORMATS, N_("text, json or github."))]
ExportFormatOpt = Annotated[
    str, _format(EXPORT_FORMATS, N_("csv, json, md, ics, html or xlsx (an Excel workbook)."))
]
StatusOpt = Annotated[
    str,
    typer.Option(
        help=N_(
            "active, expired, withdrawn, pending, current (active or pending, not withdrawn) "
            "or all."
        ),
        click_type=OneOf(STATUSES),
    ),
]


def complete_ids(ctx: typer.Context, incomplete: str) -> list[str]:
    """Institution ids of the register for shell completion: file names only, nothing
    parsed, and never an error (a completion must not print one)."""
    from calcert.errors import CalcertError
    from calcert.register.location import INSTITUTIONS_DIR, find_root

    registry = ctx.find_root().params.get("registry")
    try:
        folder = find_root(registry) / INSTITUTIONS_DIR
        names = sorted(p.name for p in folder.iterdir())
    except (CalcertError, OSError):
        return []
    stems = (n[: -len(".toml")] for n in names if n.endswith(".toml") and n[0] != ".")
    return [stem for stem in stems if stem.startswith(incomplete)]


IdArg = Annotated[
    str, typer.Argument(metavar="ID", help=N_("Institution id."), autocompletion=complete_ids)
]
DryRunOpt = Annotated[bool, typer.Option(help=N_("Print what would be written; write nothing."))]
StrictOpt = Annotated[
    bool,
    typer.Option(
        "--strict",
        help=N_("Refuse the change if it raises a warning, too (exit 1, nothing written)."),
    ),
]


def date_option(help: str, *names: str) -> Any:
    """An option that takes a day, YYYY-MM-DD (read with ``optional_date``)."""
    return typer.Option(*names, metavar="DATE", help=help, show_default=False)


AsOfOpt = Annotated[
    str | None, date_option(N_("The day to look from, YYYY-MM-DD (default today)."), "--as-of")
]
