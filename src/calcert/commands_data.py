"""Commands that move data in and out of the register: export, import, stats.

Thin as the rest of the CLI: parse options, call ``export`` / ``ics`` / ``html`` /
``importer`` / ``stats``, print. Everything heavier than the standard library is imported
inside the command that needs it.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from calcert.cli import AsOfOpt, _as_of, _choice, _err, _report_bad_files, _root, app, guarded
from calcert.errors import EXIT_USAGE, UsageError

PROGRESS_MIN_ROWS = 200  # smaller imports finish before a progress bar would draw


def _emit(data: bytes, output: Path | None) -> None:
    """Write to ``-o FILE`` atomically, else to stdout as is (ICS keeps its CRLF)."""
    if output is None:
        sys.stdout.flush()
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is not None:
            buffer.write(data)
            buffer.flush()
        else:
            sys.stdout.write(data.decode("utf-8"))
        return
    from calcert.register import atomic_write

    target = output.expanduser()
    if target.is_dir():
        raise UsageError(f"-o {output}: is a directory; give a file name, e.g. -o register.csv")
    if not target.parent.is_dir():
        raise UsageError(f"-o {output}: the directory {target.parent} does not exist")
    atomic_write(target, data)


@app.command()
@guarded
def export(
    fmt: Annotated[str, typer.Option("--format", help="csv, json, md, ics or html.")] = "csv",
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write to FILE (atomically); default stdout."),
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            help="Only awards with this status on --as-of: active, expired, withdrawn, pending, "
            "current (active or pending, not withdrawn) or all. Default: all; ics: current.",
            show_default=False,
        ),
    ] = None,
    as_of: AsOfOpt = None,
    remind: Annotated[
        list[str] | None,
        typer.Option(
            help="ics: reminder before the end day (repeat or comma-separate: 6m,1m; none "
            "for no reminders). Default: [export] reminders in calcert.toml, else 6m and 1m.",
            show_default=False,
        ),
    ] = None,
) -> int:
    """Export every award with its institution's fields: one row (or event) per award.

    csv has exactly the columns `calcert import` reads; json the same keys plus status;
    md is a table for a README or a CI job summary; ics an all-day event on the last day of
    each current certificate with reminders before it; html a self-contained public page.
    """
    from calcert import export as ex
    from calcert import register

    _choice(fmt, "--format", ex.FORMATS)
    if status is not None:
        _choice(status, "--status", ex.STATUS_CHOICES)
    day = _as_of(as_of)
    reminders = None
    if fmt == "ics" or remind is not None:
        from calcert.ics import parse_reminders

        if remind is not None and fmt != "ics":
            raise UsageError("--remind applies to --format ics only")
        reminders = parse_reminders(remind) if remind is not None else None
    reg = register.load(_root())
    selected = ex.rows(reg, status or ex.DEFAULT_STATUS[fmt], day)
    if fmt == "csv":
        text = ex.to_csv(selected)
    elif fmt == "json":
        text = ex.to_json(selected)
    elif fmt == "md":
        text = ex.to_markdown(selected)
    elif fmt == "ics":
        from calcert.ics import parse_reminders, to_ics

        if reminders is None:
            reminders = parse_reminders(reg.config.reminders)
        text = to_ics(selected, reminders, day, reg.config.name)
    else:
        from calcert.html import to_html

        text = to_html(selected, day, reg.config.name)
    _emit(text.encode("utf-8"), output)
    return _report_bad_files(reg)


@app.command("import")
@guarded
def import_(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="CSV as `export --format csv` writes it.")
    ],
    dry_run: Annotated[bool, typer.Option(help="Print what would change; write nothing.")] = False,
) -> int:
    """Record awards from a CSV file: all of them, or none when any row is refused.

    The header names the columns of `export --format csv` (id, name, city, valid_from and
    valid_until required); comma or semicolon separated; UTF-8 with or without BOM; dates
    YYYY-MM-DD (or DD.MM.YYYY). A row whose id, valid_from and valid_until are already
    recorded is skipped. Exit 2 when the file cannot be read as such a CSV, 1 when a row
    is refused (a bad value, a name that disagrees with the register, an overlap).
    """
    from calcert import importer

    root = _root()
    source = importer.read_csv(file)
    today = date.today()
    try:
        if len(source.rows) >= PROGRESS_MIN_ROWS and sys.stderr.isatty():
            plan = _import_with_progress(root, source, today, dry_run)
        else:
            plan = importer.import_csv(root, source, today, dry_run=dry_run)
    except importer.ImportProblems as exc:
        prefix = "calcert: error: " if exc.exit_code == EXIT_USAGE else "calcert: "
        for message in exc.messages:
            _err(prefix + message)
        _err("calcert: nothing was imported")
        return exc.exit_code
    for action in plan.actions:
        what = "add " if action.what == "add" else "skip"
        new = " (new institution)" if action.what == "add" and action.ident in plan.created else ""
        note = f": {action.note}" if action.note else ""
        print(
            f"{plan.source}:{action.line}: {what} {action.ident} {action.award.label()}{new}{note}"
        )
    for ident, keys in plan.filled.items():
        print(f"{ident}: {'would fill' if dry_run else 'filled'} in {', '.join(keys)}")
    added = _count(len(plan.added), "award")
    skipped = _count(len(plan.skipped), "row")
    created = f" ({_count(len(plan.created), 'new institution')})" if plan.created else ""
    files = _count(len(plan.contents), "file")
    if dry_run:
        print(
            f"Would import {added}{created} into {files}, skip {skipped}; "
            "nothing written (dry run)."
        )
    else:
        print(f"Imported {added}{created} into {files}; skipped {skipped}.")
    from calcert import register

    return _report_bad_files(register.load(root))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _import_with_progress(root: Path, source, today: date, dry_run: bool):
    from rich.console import Console
    from rich.progress import Progress

    from calcert import importer
    from calcert.render import colour_allowed

    console = Console(file=sys.stderr, no_color=not colour_allowed(sys.stderr))
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"importing {source.shown}", total=len(source.rows))

        def tick() -> None:
            progress.advance(task)

        plan = importer.import_csv(root, source, today, dry_run=dry_run, tick=tick)
    return plan


@app.command()
@guarded
def stats(
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    as_of: AsOfOpt = None,
) -> int:
    """Awards per year, active certificates per voivodeship and kind, renewals, expiring."""
    from calcert import register, render
    from calcert import stats as st

    _choice(fmt, "--format", ("table", "json", "csv"))
    reg = register.load(_root())
    data = st.compute(reg, _as_of(as_of))
    if fmt == "json":
        sys.stdout.write(render.to_json(data))
    elif fmt == "csv":
        sys.stdout.write(render.to_csv(st.to_rows(data), st.CSV_COLUMNS))
    elif render._isatty(sys.stdout):
        st.print_rich(data, sys.stdout, render.colour_allowed(sys.stdout))
    else:
        sys.stdout.write(st.plain_text(data))
    return _report_bad_files(reg)
