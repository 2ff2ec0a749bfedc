"""Commands that read the register: list, show, expiring."""

# No `from __future__ import annotations`: see the note at the top of app.py (start-up).

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from calcert.cli.options import (
    AsOfOpt,
    ExpiringFormatOpt,
    IdArg,
    ShowFormatOpt,
    StatusOpt,
    TableFormatOpt,
    as_of_day,
    register_root,
    report_bad_files,
    say,
)
from calcert.errors import EXIT_FINDINGS
from calcert.i18n import N_, _

if TYPE_CHECKING:
    from collections.abc import Callable

    from calcert.ops.queries import InstitutionView
    from calcert.outputs.tables import Row
    from calcert.register.loader import Register

commands = typer.Typer()


def _print_found(
    find: "Callable[[Register], Sequence[Row]]",
    columns: Sequence[str],
    fmt: str,
    title: str,
    empty: str,
) -> tuple[int, int]:
    """Load the register, print what ``find`` finds in it as ``fmt`` (under ``title``, or
    the ``empty`` sentence) and name the files it could not read: (the exit code for those
    files, how many rows were printed)."""
    from calcert.outputs import tables
    from calcert.register import loader

    reg = loader.load(register_root())
    rows = find(reg)
    tables.print_rows(rows, columns, fmt, title=title, empty=empty)
    return report_bad_files(reg), len(rows)


@commands.command(
    "list", help=N_("List institutions by the status of their certificate (default: active).")
)
def list_(
    status: StatusOpt = "active",
    as_of: AsOfOpt = None,
    fmt: TableFormatOpt = "table",
) -> int:
    from calcert.ops import queries

    day = as_of_day(as_of)
    bad, _listed = _print_found(
        lambda reg: queries.list_rows(reg, status, day),
        queries.LIST_COLUMNS,
        fmt,
        _("{status} on {day}").format(status=_(status), day=day),
        _("no institutions with status {status} on {day}").format(status=_(status), day=day),
    )
    return bad


@commands.command(help=N_("Show one institution and its award history."))
def show(
    ident: IdArg,
    as_of: AsOfOpt = None,
    fmt: ShowFormatOpt = "table",
) -> int:
    from calcert.ops import edits, queries
    from calcert.outputs import tables
    from calcert.register import loader

    edits.check_id(ident)
    reg = loader.load(register_root())
    day = as_of_day(as_of)
    view = queries.show(reg, ident, day)
    if fmt == "json":
        sys.stdout.write(tables.to_json(view.as_dict()))
    else:
        _print_show(view)
    return report_bad_files(reg)


def _print_show(view: "InstitutionView") -> None:
    from calcert.outputs import tables

    for key, value in view.details():
        say(f"{tables.header(key)}: {value}")
    say(f"{tables.header('status')}: {_(view.status)}")
    if view.sub_units:
        named = ", ".join(f"{unit.id} ({unit.name})" for unit in view.sub_units)
        say(_("sub-units: {units}").format(units=named))
    print()
    columns = (
        "number",
        "status",
        "valid_from",
        "valid_until",
        "term",
        "awarded_on",
        "awarded_by",
        "withdrawn_on",
    )
    rows, legend = tables.mark_assumed([row.as_dict() for row in view.awards], columns)
    tables.print_table(rows, columns, title=_("awards"))
    if legend:
        print(legend)
    # Long free text does not fit a table: one line per value, under the award's number.
    keys = ("decided_on", "event", "certificate_no", "source", "notes", "withdrawal_reason")
    for row in view.awards:
        for key in keys:
            value = getattr(row.award, key)
            if value:
                say(f"#{row.number} {tables.header(key)}: {value}", keep="\n")


@commands.command(help=N_("Certificates that end within DURATION and have no renewal recorded."))
def expiring(
    within: Annotated[
        str,
        typer.Option(metavar="DURATION", help=N_("How far ahead: 90d, 2w, 6m, 1y, 1y6m, P6M, …")),
    ],
    as_of: AsOfOpt = None,
    fmt: ExpiringFormatOpt = "table",
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help=N_("Exit 1 when anything is listed."))
    ] = False,
) -> int:
    from calcert.model.terms import parse_duration
    from calcert.ops import queries

    duration = parse_duration(within)
    words = duration.words(within=True)  # "6 months", "w ciągu 6 miesięcy"
    day = as_of_day(as_of)
    duration.after(day)
    bad, listed = _print_found(
        lambda reg: queries.expiring_rows(reg, duration, day),
        queries.EXPIRING_COLUMNS,
        fmt,
        _("expiring within {within} of {day}").format(within=words, day=day),
        _("no certificate ends within {within} of {day} without a renewal").format(
            within=words, day=day
        ),
    )
    if bad:
        return bad
    return EXIT_FINDINGS if exit_code and listed else 0
