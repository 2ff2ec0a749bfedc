"""The command line: parse arguments, call the library once, render, choose the exit code.

This is the only module that prints for users or exits. Library errors arrive as
``CalcertError`` (one line, exit 2, or exit 1 for a refused write); anything else is a bug
in calcert and gets one line and exit 3 (``--debug`` or ``CALCERT_DEBUG=1`` shows the
traceback).
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer import _click as click

from calcert import __version__
from calcert.errors import EXIT_BUG, EXIT_FINDINGS, EXIT_USAGE, CalcertError, UsageError

F = TypeVar("F", bound=Callable[..., Any])


class CalcertGroup(typer.core.TyperGroup):
    """Turns argument errors into one line (``calcert: error: …``) with exit code 2."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.ClickException as exc:
            hint = ""
            ctx = getattr(exc, "ctx", None)
            if ctx is not None:
                hint = f" (see `{ctx.command_path} --help`)"
            _err(f"calcert: error: {exc.format_message()}{hint}")
            sys.exit(exc.exit_code)
        except typer.Abort:
            _err("calcert: aborted, nothing written")
            sys.exit(EXIT_FINDINGS)
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    cls=CalcertGroup,
    name="calcert",
    help="The register of CAL quality certificates (Certyfikat Jakości CAL), kept in git.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state: dict[str, Any] = {"registry": None, "debug": False}


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _version(value: bool) -> None:
    if value:
        print(f"calcert {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    registry: Annotated[
        Path | None,
        typer.Option(
            "--registry",
            help="Register directory (else $CALCERT_REGISTRY, else found upwards from here).",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback when calcert itself fails.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    _state["registry"] = registry
    _state["debug"] = debug


def guarded(fn: F) -> F:
    """Map library errors and bugs to one line and the documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            code = fn(*args, **kwargs)
        except CalcertError as exc:
            prefix = "error: " if exc.exit_code == EXIT_USAGE else "refused, nothing written: "
            _err(f"calcert: {prefix}{exc.message}")
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, click.exceptions.ClickException, typer.Abort):
            raise
        except KeyboardInterrupt:
            _err("calcert: interrupted")
            raise typer.Exit(130) from None
        except BrokenPipeError:
            raise typer.Exit(EXIT_FINDINGS) from None
        except Exception as exc:
            if _state.get("debug") or os.environ.get("CALCERT_DEBUG"):
                traceback.print_exc()
            _err(
                f"calcert {__version__}: internal error, a bug in calcert (not in your data): "
                f"{type(exc).__name__}: {exc}; nothing was written. Re-run with --debug for the "
                "traceback and report it."
            )
            raise typer.Exit(EXIT_BUG) from None
        raise typer.Exit(code or 0)

    return wrapper  # type: ignore[return-value]


# ---- shared option parsing ---------------------------------------------------------------


def _date(value: str | None, option: str) -> date | None:
    from calcert.terms import parse_date

    return None if value is None else parse_date(value, option)


def _as_of(value: str | None) -> date:
    return _date(value, "--as-of") or date.today()


def _choice(value: str, option: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise UsageError(f"{option} {value!r} is not one of: {', '.join(choices)}")
    return value


def _root() -> Path:
    from calcert.register import find_root

    return find_root(_state.get("registry"))


def _report_bad_files(register: Any) -> int:
    """Name each file that could not be read completely; exit 2 if there were any."""
    bad = [f for f in register.files if not f.complete]
    for parsed in bad:
        first = next((f for f in parsed.findings if f.is_error), None)
        where = f"{parsed.shown}:{first.line}" if first and first.line else parsed.shown
        reason = first.message if first else "cannot be read"
        _err(f"calcert: {where}: {reason} (file skipped; see `calcert validate`)")
    return EXIT_USAGE if bad else 0


STATUS_CHOICES = ("active", "expired", "withdrawn", "pending", "all")
FormatOpt = Annotated[str, typer.Option("--format", help="table, json or csv.")]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="The day to look from, YYYY-MM-DD (default today).", show_default=False
    ),
]


# ---- commands ----------------------------------------------------------------------------


@app.command()
@guarded
def init(
    directory: Annotated[Path, typer.Argument(help="Where to create the register.")] = Path(
        "registry"
    ),
) -> int:
    """Create an empty register (calcert.toml, institutions/, .gitignore)."""
    from calcert.register import init_register

    root = init_register(directory)
    print(f"Created a register in {root}/ (calcert.toml, institutions/).")
    print(f"Record the first award with: calcert --registry {root} add ID --name … --city …")
    return 0


@app.command()
@guarded
def add(
    ident: Annotated[
        str | None,
        typer.Argument(
            metavar="[ID]",
            help="Institution id, e.g. mops-mlawa; derived from --name when left out.",
            show_default=False,
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Full name (new institutions).")] = None,
    city: Annotated[str | None, typer.Option(help="City (new institutions).")] = None,
    kind: Annotated[str | None, typer.Option(help="MOPS, GOPS, MOPR, PCPR, NGO, …")] = None,
    voivodeship: Annotated[str | None, typer.Option(help="e.g. mazowieckie.")] = None,
    website: Annotated[str | None, typer.Option(help="The institution's web site.")] = None,
    parent: Annotated[str | None, typer.Option(help="Id of the unit this one belongs to.")] = None,
    awarded: Annotated[str | None, typer.Option(help="Ceremony date, YYYY-MM-DD.")] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="First day of the term, YYYY-MM-DD.")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Last day of the term (inclusive), YYYY-MM-DD.")
    ] = None,
    term: Annotated[
        str | None, typer.Option(help="Term as printed on the certificate, e.g. 2014-2017.")
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Who handed the certificate over.")
    ] = None,
    event: Annotated[str | None, typer.Option(help="The occasion of the ceremony.")] = None,
    certificate_no: Annotated[str | None, typer.Option(help="Certificate number.")] = None,
    source: Annotated[str | None, typer.Option(help="URL where the award is documented.")] = None,
    notes: Annotated[str | None, typer.Option(help="Free-text notes.")] = None,
    supersede: Annotated[
        bool, typer.Option(help="End an overlapping earlier award the day before this one.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option(help="Print what would be written; write nothing.")
    ] = False,
) -> int:
    """Record one award; creates the institution file when the id is new.

    The term: --from/--until as given; --term 2014-2017 from --from (or --awarded in 2014)
    for 3 years less a day; otherwise [terms] default_years from --from or --awarded.
    """
    from calcert import edits, register
    from calcert.terms import parse_term

    request = edits.AddRequest(
        ident=ident,
        name=name,
        city=city,
        kind=kind,
        voivodeship=voivodeship,
        website=website,
        parent=parent,
        awarded_on=_date(awarded, "--awarded"),
        valid_from=_date(from_, "--from"),
        valid_until=_date(until, "--until"),
        term=parse_term(term) if term is not None else None,
        awarded_by=by,
        event=event,
        certificate_no=certificate_no,
        source=source,
        notes=notes,
        supersede=supersede,
    )
    if request.valid_from and request.valid_until and request.valid_until < request.valid_from:
        raise UsageError(
            f"--until {request.valid_until} is before --from {request.valid_from}; "
            "the term's last day comes after its first"
        )
    root = _root()
    reg = register.load(root)
    if sys.stdin.isatty() and (name is None or city is None):
        key = ident if ident is not None else None
        if key is not None and reg.file_for(edits.check_id(key)) is None:
            request.name = request.name or typer.prompt("Name of the institution")
            request.city = request.city or typer.prompt("City")
    today = date.today()
    result = edits.add(root, request, today, dry_run=dry_run)
    if dry_run:
        print(f"# would write {result.path}")
        sys.stdout.write(result.text)
        print(f"Would record the {result.summary}")
    else:
        print(f"Recorded the {result.summary}")
    return _report_bad_files(reg)


@app.command()
@guarded
def withdraw(
    ident: Annotated[str, typer.Argument(metavar="ID", help="Institution id.")],
    on: Annotated[str, typer.Option("--on", help="Day of the withdrawal, YYYY-MM-DD.")],
    reason: Annotated[str | None, typer.Option(help="Why the commission withdrew it.")] = None,
    dry_run: Annotated[
        bool, typer.Option(help="Print what would be written; write nothing.")
    ] = False,
) -> int:
    """Record the withdrawal of the award that covers --on; from that day it is not current."""
    from calcert import edits

    day = _date(on, "--on")
    assert day is not None
    result = edits.withdraw(_root(), ident, day, reason, date.today(), dry_run=dry_run)
    if dry_run:
        print(f"# would write {result.path}")
        sys.stdout.write(result.text)
        print(f"Would withdraw {result.summary}")
    else:
        print(f"Withdrew {result.summary}")
    return 0


@app.command("list")
@guarded
def list_(
    status: Annotated[
        str, typer.Option(help="active, expired, withdrawn, pending or all.")
    ] = "active",
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
) -> int:
    """List institutions by the status of their certificate (default: active)."""
    from calcert import queries, register, render

    _choice(status, "--status", STATUS_CHOICES)
    _choice(fmt, "--format", ("table", "json", "csv"))
    day = _as_of(as_of)
    reg = register.load(_root())
    rows = queries.list_rows(reg, status, day)
    render.print_rows(
        rows,
        queries.LIST_COLUMNS,
        fmt,
        title=f"{status} on {day}",
        empty=f"no institutions with status {status} on {day}",
    )
    return _report_bad_files(reg)


@app.command()
@guarded
def show(
    ident: Annotated[str, typer.Argument(metavar="ID", help="Institution id.")],
    as_of: AsOfOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> int:
    """Show one institution and its award history."""
    from calcert import edits, queries, register, render

    _choice(fmt, "--format", ("table", "json"))
    edits.check_id(ident)
    reg = register.load(_root())
    data = queries.show(reg, ident, _as_of(as_of))
    if fmt == "json":
        sys.stdout.write(render.to_json(data))
    else:
        for key, value in data.items():
            if key != "awards":
                print(f"{key}: {value}")
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
        render.print_table(data["awards"], columns, title="awards")  # type: ignore[arg-type]
    return _report_bad_files(reg)


@app.command()
@guarded
def expiring(
    within: Annotated[str, typer.Option(help="How far ahead: 90d, 2w, 6m, 1y, 1y6m, P6M, …")],
    as_of: AsOfOpt = None,
    fmt: Annotated[
        str, typer.Option("--format", help="table, json, csv or md (a Markdown table).")
    ] = "table",
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 1 when anything is listed.")
    ] = False,
) -> int:
    """Certificates that end within DURATION and have no renewal recorded."""
    from calcert import queries, register, render
    from calcert.terms import parse_duration

    _choice(fmt, "--format", ("table", "json", "csv", "md"))
    duration = parse_duration(within)
    day = _as_of(as_of)
    duration.after(day)
    reg = register.load(_root())
    rows = queries.expiring_rows(reg, duration, day)
    render.print_rows(
        rows,
        queries.EXPIRING_COLUMNS,
        fmt,
        title=f"expiring within {within} of {day}",
        empty=f"no certificate ends within {within} of {day} without a renewal",
    )
    bad = _report_bad_files(reg)
    if bad:
        return bad
    return EXIT_FINDINGS if exit_code and rows else 0


@app.command()
@guarded
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Only these files (cross-file checks still see the register).", show_default=False
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="text, json or github.")] = "text",
    strict: Annotated[bool, typer.Option(help="Warnings fail too (exit 1).")] = False,
    as_of: AsOfOpt = None,
    select: Annotated[
        str | None,
        typer.Option(
            help="Only these codes, comma-separated (E012,W006); E or W: all errors or warnings."
        ),
    ] = None,
    ignore: Annotated[str | None, typer.Option(help="Skip these codes, comma-separated.")] = None,
    explain: Annotated[
        str | None, typer.Option(help="Explain a finding code and exit.", show_default=False)
    ] = None,
) -> int:
    """Check the register: exit 1 on any error (or warning with --strict)."""
    from calcert import validation
    from calcert.findings import CHECKS, render_github, render_json, render_text, summary

    if explain is not None:
        check = CHECKS.get(explain.upper())
        if check is None:
            raise UsageError(f"unknown finding code {explain!r}; codes: {', '.join(CHECKS)}")
        import textwrap

        print(f"{check.code} {check.name} ({check.severity})\n")
        print(textwrap.fill(check.explanation, width=88))
        skip = (
            f"Skip it with `calcert validate --ignore {check.code}`, or for the whole register "
            f'with ignore = ["{check.code}"] under [validate] in calcert.toml.'
        )
        print("\n" + textwrap.fill(skip, width=88))
        return 0
    _choice(fmt, "--format", ("text", "json", "github"))
    result = validation.validate(
        _root(),
        paths or [],
        _as_of(as_of),
        select=validation.parse_codes(select, "--select"),
        ignore=validation.parse_codes(ignore, "--ignore"),
    )
    findings = result.findings
    renderer = {"text": render_text, "json": render_json, "github": render_github}[fmt]
    sys.stdout.write(renderer(findings))
    # The summary is for people: only on a terminal, never mixed into json/github output.
    if fmt == "text" and sys.stderr.isatty():
        _err(summary(findings, result.files))
    failed = any(f.is_error or strict for f in findings)
    return EXIT_FINDINGS if failed else 0


@app.command("fmt")
@guarded
def fmt_(
    check: Annotated[
        bool, typer.Option("--check", help="List files that would change; write nothing.")
    ] = False,
) -> int:
    """Rewrite institution files in canonical form (no data changes)."""
    from calcert import edits

    result = edits.fmt(_root(), check=check)
    for parsed in result.changed:
        print(f"{'would reformat' if check else 'reformatted'} {parsed.shown}")
    for finding in result.skipped:
        where = f"{finding.path}:{finding.line}" if finding.line else finding.path
        _err(f"calcert: {where}: {finding.message} (not formatted)")
    if not result.changed and not result.skipped and sys.stderr.isatty():
        _err(f"{result.files} files already in canonical form")
    if result.skipped or (check and result.changed):
        return EXIT_FINDINGS
    return 0


def main() -> None:
    """Console-script entry point."""
    app()


# Commands kept in modules of their own register themselves on ``app`` when imported here.
from calcert import commands_ci, commands_data  # noqa: E402, F401
