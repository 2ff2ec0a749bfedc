"""Commands that move data in and out of the register: export, import, stats.

Thin as the rest of the CLI: parse options, call ``export`` / ``ics`` / ``html`` /
``importer`` / ``stats``, print. Everything heavier than the standard library is imported
inside the command that needs it.
"""

# No `from __future__ import annotations`: see the note at the top of cli.py (start-up).

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from calcert.cli.options import (
    STATUSES,
    AsOfOpt,
    ExportFormatOpt,
    OneOf,
    TableFormatOpt,
    as_of_day,
    register_root,
    report_bad_files,
    say,
    say_error,
)
from calcert.errors import EXIT_USAGE, UsageError
from calcert.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from calcert.model.terms import Duration
    from calcert.outputs.export import Row
    from calcert.register.loader import Register

commands = typer.Typer()

PROGRESS_MIN_ROWS = 200  # smaller imports finish before a progress bar would draw


def _stdout_is_terminal() -> bool:
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty and isatty())


def _emit(data: bytes, target: Path | None, output: str, awards: int) -> None:
    """Write to ``-o FILE`` atomically (and say so on stderr), else to stdout as is (ICS
    keeps its CRLF)."""
    if target is None:
        sys.stdout.flush()
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is not None:
            buffer.write(data)
            buffer.flush()
        else:
            sys.stdout.write(data.decode("utf-8"))
        return
    from calcert.cli.output_file import write_output

    write_output(data, target, output)
    from calcert.model.findings import display_path

    wrote = ngettext(
        "calcert: wrote {n} award to {file}", "calcert: wrote {n} awards to {file}", awards
    )
    say_error(wrote.format(n=awards, file=display_path(Path(output).expanduser())))


def _output_file(fmt: str, output: Path | None) -> Path | None:
    """``-o FILE``, or None for stdout (``-o -`` too); a workbook never goes to a terminal."""
    if output is not None and str(output) == "-":
        output = None
    if fmt == "xlsx" and output is None and _stdout_is_terminal():
        raise UsageError(
            _(
                "--format xlsx writes a binary workbook: give -o FILE.xlsx "
                "(or -o - to send it down a pipe)"
            )
        )
    return output


EXPORT_HELP = N_(
    "Export every award with its institution's fields: one row (or event) per award.\n\n"
    "csv has exactly the columns `calcert import` reads; json the same keys plus status; "
    "md is a table for a README or a CI job summary; ics an all-day event on the last day of "
    "each certificate, with reminders before those still to be renewed; html a "
    "self-contained public page; xlsx an Excel workbook with the columns of csv (headings "
    "in the language of --lang, real date cells) that `calcert import` reads back: it "
    "needs -o FILE.xlsx (or -o - into a pipe)."
)


@commands.command(help=EXPORT_HELP)
def export(
    fmt: ExportFormatOpt = "csv",
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FILE",
            help=N_("Write to FILE (atomically; not inside the register); - or no -o: stdout."),
        ),
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            help=N_(
                "Only awards with this status on --as-of: active, expired, withdrawn, pending, "
                "current (active or pending, not withdrawn) or all. Default: all."
            ),
            show_default=False,
            click_type=OneOf(STATUSES),
        ),
    ] = None,
    as_of: AsOfOpt = None,
    remind: Annotated[
        list[str] | None,
        typer.Option(
            metavar="DURATION",
            help=N_(
                "ics: reminder before the end day (repeat or comma-separate: 6m,1m; none "
                "for no reminders). Default: [export] reminders in calcert.toml, else 6m and 1m."
            ),
            show_default=False,
        ),
    ] = None,
) -> int:
    from calcert.outputs import export as ex
    from calcert.register import loader

    output = _output_file(fmt, output)
    day = as_of_day(as_of)
    reminders = _reminders(fmt, remind)
    root = register_root()
    target = None
    if output is not None:
        from calcert.cli.output_file import output_target

        target = output_target(str(output), root)
    reg = loader.load(root)
    selected = ex.rows(reg, status or "all", day)
    _emit(_rendered(fmt, selected, reg, day, reminders), target, str(output), len(selected))
    return report_bad_files(reg)


def _reminders(fmt: str, remind: list[str] | None) -> "list[Duration] | None":
    """``--remind``, read (it goes with ``--format ics``); None: not given."""
    if remind is None:
        return None
    if fmt != "ics":
        raise UsageError(_("--remind applies to --format ics only"))
    from calcert.outputs.ics import parse_reminders

    return parse_reminders(remind)


def _rendered(
    fmt: str,
    selected: "list[Row]",
    reg: "Register",
    day: date,
    reminders: "list[Duration] | None",
) -> bytes:
    """The export's bytes in ``fmt``; ICS reminders default to the register's settings."""
    from calcert.outputs import export as ex

    if fmt == "xlsx":
        from calcert.outputs.xlsx import to_xlsx

        return to_xlsx(selected)
    if fmt == "csv":
        text = ex.to_csv(selected)
    elif fmt == "json":
        text = ex.to_json(selected)
    elif fmt == "md":
        text = ex.to_markdown(selected)
    elif fmt == "ics":
        from calcert.outputs.ics import parse_reminders, to_ics

        if reminders is None:
            reminders = parse_reminders(reg.config.reminders)
        text = to_ics(selected, reminders, day, reg.config.name)
    else:
        from calcert.i18n import page_language, speaking
        from calcert.outputs.html import to_html

        with speaking(page_language()):
            text = to_html(selected, day, reg.config.name)
    return text.encode("utf-8")


IMPORT_HELP = N_(
    "Record awards from a CSV file or an Excel workbook: all of them, or none when any row "
    "is refused.\n\n"
    "The header names the columns of `export --format csv` (id, name, city, valid_from and "
    "valid_until required), or gives the Polish headings of `export --format xlsx --lang "
    "pl`; CSV comma or semicolon separated (Excel's sep=; line too), UTF-8 with or without "
    "BOM; dates YYYY-MM-DD (or DD.MM.YYYY); a workbook (.xlsx) is read from its first "
    "sheet, with date cells or text dates. A row whose id, valid_from and valid_until are "
    "already recorded is skipped. Exit 2 when the file cannot be read as such a CSV or "
    "workbook, 1 when a row is refused (a bad value, a name that disagrees with the "
    "register, an overlap)."
)


@commands.command("import", help=IMPORT_HELP)
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help=N_("CSV or .xlsx as `export --format csv` or `--format xlsx` writes it."),
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option(help=N_("Print what would change; write nothing."))
    ] = False,
) -> int:
    from calcert.ops import importer, spreadsheet

    root = register_root()
    source = spreadsheet.read_source(file)
    today = date.today()
    try:
        if len(source.rows) >= PROGRESS_MIN_ROWS and sys.stderr.isatty():
            plan = _import_with_progress(root, source, today, dry_run)
        else:
            plan = importer.import_csv(root, source, today, dry_run=dry_run)
    except importer.ImportProblems as exc:
        for message in exc.messages:
            if exc.exit_code == EXIT_USAGE:
                say_error(_("calcert: error: {message}").format(message=message))
            else:
                say_error(f"calcert: {message}")
        say_error(_("calcert: nothing was imported"))
        return exc.exit_code
    verbs = {"add": _("add"), "skip": _("skip")}
    width = max(len(v) for v in verbs.values())
    firsts = _first_certificates(plan)
    for action in plan.actions:
        what = verbs.get(action.what, action.what).ljust(width)
        new = ""
        if action.what == "add" and action.ident in plan.created:
            new = _(" (new institution)") if action.line in firsts else _(" (renewal)")
        note = f": {action.note}" if action.note else ""
        award = action.award.label()
        say(f"{plan.source}:{action.line}: {what} {action.ident} {award}{new}{note}")
    for ident, keys in plan.filled.items():
        line = _("{id}: would fill in {keys}") if dry_run else _("{id}: filled in {keys}")
        print(line.format(id=ident, keys=", ".join(keys)))
    print(_import_summary(plan, dry_run))
    from calcert.register import loader

    return report_bad_files(loader.load(root))


def _first_certificates(plan) -> set[int]:
    """The lines that add each new institution's earliest award: it makes the institution,
    the institution's other rows renew it."""
    first: dict[str, Any] = {}
    for action in plan.actions:
        if action.what != "add" or action.ident not in plan.created:
            continue
        known = first.get(action.ident)
        if known is None or action.award.valid_from < known.award.valid_from:
            first[action.ident] = action
    return {action.line for action in first.values()}


def _import_summary(plan, dry_run: bool) -> str:
    """The last line of ``import``: counts, each with its noun in the right plural form."""
    n_added, n_created = len(plan.added), len(plan.created)
    n_files, n_skipped = len(plan.contents), len(plan.skipped)
    created = ""
    if n_created:
        created = ngettext(" ({n} new institution)", " ({n} new institutions)", n_created).format(
            n=n_created
        )
    if dry_run:
        added = ngettext("Would import {n} award", "Would import {n} awards", n_added)
        files = ngettext("into {n} file", "into {n} files", n_files)
        skipped = ngettext("skip {n} row", "skip {n} rows", n_skipped)
        line = _("{added}{created} {files}, {skipped}; nothing written (dry run).")
    else:
        added = ngettext("Imported {n} award", "Imported {n} awards", n_added)
        files = ngettext("into {n} file", "into {n} files", n_files)
        skipped = ngettext("skipped {n} row", "skipped {n} rows", n_skipped)
        line = _("{added}{created} {files}; {skipped}.")
    return line.format(
        added=added.format(n=n_added),
        created=created,
        files=files.format(n=n_files),
        skipped=skipped.format(n=n_skipped),
    )


def _import_with_progress(root: Path, source, today: date, dry_run: bool):
    from rich.console import Console
    from rich.progress import Progress

    from calcert.ops import importer
    from calcert.outputs.tables import colour_allowed

    console = Console(file=sys.stderr, color_system="auto" if colour_allowed(sys.stderr) else None)
    with Progress(console=console, transient=True) as progress:
        from rich.markup import escape

        from calcert.model.text import escape_controls

        label = _("importing {file}").format(file=escape(escape_controls(source.shown)))
        task = progress.add_task(label, total=len(source.rows))

        def tick() -> None:
            progress.advance(task)

        plan = importer.import_csv(root, source, today, dry_run=dry_run, tick=tick)
    return plan


@commands.command(
    help=N_("Awards per year, active certificates per voivodeship and kind, renewals, expiring.")
)
def stats(
    fmt: TableFormatOpt = "table",
    as_of: AsOfOpt = None,
) -> int:
    from calcert.ops import stats as st
    from calcert.outputs import stats_report, tables
    from calcert.register import loader

    reg = loader.load(register_root())
    data = st.compute(reg, as_of_day(as_of))
    if fmt == "json":
        sys.stdout.write(tables.to_json(data.as_dict()))
    elif fmt == "csv":
        sys.stdout.write(tables.to_csv(stats_report.to_rows(data), stats_report.CSV_COLUMNS))
    elif tables._isatty(sys.stdout):
        stats_report.print_rich(data, sys.stdout, tables.colour_allowed(sys.stdout))
    else:
        sys.stdout.write(stats_report.plain_text(data))
    return report_bad_files(reg)
