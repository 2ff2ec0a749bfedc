"""The command line: parse arguments, call the library once, render, choose the exit code.

This is the only module that prints for users or exits. Library errors arrive as
``CalcertError`` (one line, exit 2, or exit 1 for a refused write); anything else is a bug
in calcert and gets one line and exit 3 (``--debug`` or ``CALCERT_DEBUG=1`` shows the
traceback).
"""

# No `from __future__ import annotations` here (nor in command modules): Typer reads every
# command's annotations when it builds the CLI, and string annotations would have to be
# compiled and evaluated then, on every run, --version included (~8 ms of start-up).

import contextlib
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
from calcert.i18n import N_, _, translate_text

F = TypeVar("F", bound=Callable[..., Any])


class CalcertGroup(typer.core.TyperGroup):
    """Turns argument errors into one line (``calcert: error: …``) with exit code 2."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        argv = kwargs.get("args", args[0] if args else None)
        _set_language(list(sys.argv[1:] if argv is None else argv), self)
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        nul = next((a for a in (argv or ()) if isinstance(a, str) and "\x00" in a), None)
        if nul is not None:  # only a library caller can pass one (argv cannot hold NUL)
            _err(
                _("calcert: error: argument {arg} contains a NUL character").format(arg=repr(nul))
            )
            sys.exit(EXIT_USAGE)
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:
            # `calcert` alone: the help itself, as click does (stderr, exit 2).
            sys.stderr.write(exc.format_message().rstrip("\n") + "\n")
            sys.exit(exc.exit_code)
        except click.exceptions.ClickException as exc:
            hint = ""
            ctx = getattr(exc, "ctx", None)
            if ctx is not None:
                hint = _(" (see `{command} --help`)").format(command=ctx.command_path)
            _err(_("calcert: error: {message}").format(message=_click_message(exc)) + hint)
            sys.exit(exc.exit_code)
        except typer.Abort:
            _err(_("calcert: aborted, nothing written"))
            sys.exit(EXIT_FINDINGS)
        except Exception as exc:  # raised outside a guarded command: still a bug
            _bug(exc)
            sys.exit(EXIT_BUG)
        sys.exit(rv if isinstance(rv, int) else 0)


def _set_language(argv: list[str], command: Any) -> None:
    """Choose the language before parsing, so help and argument errors speak it too."""
    from calcert import i18n

    explicit = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            explicit = argv[i + 1]
        elif arg.startswith("--lang="):
            explicit = arg.split("=", 1)[1]
    i18n.set_language(i18n.choose_language(explicit))
    i18n.translate_command_tree(command)


def _click_message(exc: click.exceptions.ClickException) -> str:
    """Argument errors from the framework, in the chosen language where we know them."""
    if isinstance(exc, click.exceptions.NoSuchOption):
        return _("No such option: {name}").format(name=exc.option_name)
    if isinstance(exc, click.exceptions.MissingParameter) and exc.param is not None:
        if getattr(exc.param, "param_type_name", "") == "argument":
            name = exc.param.metavar or (exc.param.name or "").upper()
            return _("Missing argument {name}").format(name=name.strip("[]{}"))
        names = getattr(exc.param, "opts", None) or [exc.param.name or ""]
        return _("Missing option {name}").format(name=" / ".join(names))
    if isinstance(exc, click.exceptions.BadParameter) and exc.param is not None:
        names = getattr(exc.param, "opts", None) or [exc.param.name or ""]
        return _("Invalid value for {name}: {message}").format(
            name=" / ".join(names), message=exc.message
        )
    if isinstance(exc, click.exceptions.UsageError) and exc.message.startswith("Got unexpected"):
        return _("Unexpected extra argument: {detail}").format(
            detail=exc.message.split(":", 1)[-1].strip(" ()")
        )
    return exc.format_message()


app = typer.Typer(
    cls=CalcertGroup,
    name="calcert",
    help=N_("The register of CAL quality certificates (Certyfikat Jakości CAL), kept in git."),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state: dict[str, Any] = {"registry": None, "debug": False}


def _err(message: str) -> None:
    from calcert.findings import one_line

    print(one_line(message), file=sys.stderr, flush=True)


def _version(value: bool) -> None:
    if value:
        print(f"calcert {__version__}")
        raise typer.Exit(0)


class _PathText(click.types.ParamType):
    """A path kept as the text given: "" stays distinguishable from "." and a NUL in it
    cannot crash a conversion that stats the file (help shows it as <path>)."""

    name = "path"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        return value


@app.callback()
def _main(
    registry: Annotated[
        str | None,
        typer.Option(
            "--registry",
            help=N_("Register directory (else $CALCERT_REGISTRY, else found upwards from here)."),
            show_default=False,
            click_type=_PathText(),
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help=N_("Show the traceback when calcert itself fails."))
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help=N_("Language of messages: pl or en (else $CALCERT_LANG, else the locale)."),
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help=N_("Print the version.")),
    ] = False,
) -> None:
    if lang is not None and lang not in ("pl", "en"):
        raise typer.BadParameter(_("use pl or en"), param_hint="--lang")
    if registry is not None and not registry.strip():
        raise typer.BadParameter(
            _("is empty; give the register directory"), param_hint="--registry"
        )
    _state["registry"] = registry
    _state["debug"] = debug


def _bug(exc: BaseException) -> None:
    """One line for a failure of calcert itself; the traceback only on request."""
    if _state.get("debug") or os.environ.get("CALCERT_DEBUG"):
        traceback.print_exception(exc)
    detail = " ".join(str(exc).split())[:200]
    _err(
        _(
            "calcert {version}: internal error, a bug in calcert (not in your data): "
            "{error}; nothing was written. Re-run with --debug for the traceback and "
            "report it."
        ).format(version=__version__, error=f"{type(exc).__name__}: {detail}")
    )


def guarded(fn: F) -> F:
    """Map library errors and bugs to one line and the documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            code = fn(*args, **kwargs)
        except CalcertError as exc:
            if exc.exit_code == EXIT_USAGE:
                _err(_("calcert: error: {message}").format(message=translate_text(exc.message)))
            else:
                line = _("calcert: refused, nothing written: {message}")
                _err(line.format(message=translate_text(exc.message)))
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, click.exceptions.ClickException, typer.Abort):
            raise
        except KeyboardInterrupt:
            _err(_("calcert: interrupted"))
            raise typer.Exit(130) from None
        except BrokenPipeError:
            raise typer.Exit(EXIT_FINDINGS) from None
        except Exception as exc:
            _bug(exc)
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
        raise UsageError(
            _("{option} {value!r} is not one of: {choices}").format(
                option=option, value=value, choices=", ".join(choices)
            )
        )
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
        reason = translate_text(first.message) if first else _("cannot be read")
        line = _("calcert: {where}: {reason} (file skipped; see `calcert validate`)")
        _err(line.format(where=where, reason=reason))
    return EXIT_USAGE if bad else 0


STATUS_CHOICES = ("active", "expired", "withdrawn", "pending", "all")
FormatOpt = Annotated[str, typer.Option("--format", help=N_("table, json or csv."))]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of", help=N_("The day to look from, YYYY-MM-DD (default today)."), show_default=False
    ),
]


# ---- commands ----------------------------------------------------------------------------


@app.command(help=N_("Create an empty register (calcert.toml, institutions/, .gitignore)."))
@guarded
def init(
    directory: Annotated[
        str, typer.Argument(help=N_("Where to create the register."))
    ] = "registry",
) -> int:
    from calcert.register import init_register

    if not directory.strip():  # an unset shell variable, not "here"; say `calcert init .`
        raise UsageError(_("DIR is empty; give the directory, e.g. `calcert init registry`"))
    root = init_register(Path(directory))
    print(_("Created a register in {root}/ (calcert.toml, institutions/).").format(root=root))
    hint = _("Record the first award with: calcert --registry {root} add ID --name … --city …")
    print(hint.format(root=root))
    return 0


ADD_HELP = N_(
    "Record one award; creates the institution file when the id is new.\n\n"
    "The term: --from/--until as given; --term 2014-2017 from --from (or --awarded in 2014) "
    "for 3 years less a day; otherwise [terms] default_years from --from or --awarded."
)


@app.command(help=ADD_HELP)
@guarded
def add(
    ident: Annotated[
        str | None,
        typer.Argument(
            metavar="[ID]",
            help=N_("Institution id, e.g. mops-mlawa; derived from --name when left out."),
            show_default=False,
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help=N_("Full name (new institutions)."))] = None,
    city: Annotated[str | None, typer.Option(help=N_("City (new institutions)."))] = None,
    kind: Annotated[str | None, typer.Option(help=N_("MOPS, GOPS, MOPR, PCPR, NGO, …"))] = None,
    voivodeship: Annotated[str | None, typer.Option(help=N_("e.g. mazowieckie."))] = None,
    website: Annotated[str | None, typer.Option(help=N_("The institution's web site."))] = None,
    parent: Annotated[
        str | None, typer.Option(help=N_("Id of the unit this one belongs to."))
    ] = None,
    awarded: Annotated[str | None, typer.Option(help=N_("Ceremony date, YYYY-MM-DD."))] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help=N_("First day of the term, YYYY-MM-DD."))
    ] = None,
    until: Annotated[
        str | None, typer.Option(help=N_("Last day of the term (inclusive), YYYY-MM-DD."))
    ] = None,
    term: Annotated[
        str | None, typer.Option(help=N_("Term as printed on the certificate, e.g. 2014-2017."))
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help=N_("Who handed the certificate over."))
    ] = None,
    event: Annotated[str | None, typer.Option(help=N_("The occasion of the ceremony."))] = None,
    certificate_no: Annotated[str | None, typer.Option(help=N_("Certificate number."))] = None,
    source: Annotated[
        str | None, typer.Option(help=N_("URL where the award is documented."))
    ] = None,
    notes: Annotated[str | None, typer.Option(help=N_("Free-text notes."))] = None,
    supersede: Annotated[
        bool, typer.Option(help=N_("End an overlapping earlier award the day before this one."))
    ] = False,
    dry_run: Annotated[
        bool, typer.Option(help=N_("Print what would be written; write nothing."))
    ] = False,
) -> int:
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
            _(
                "--until {until} is before --from {start}; the term's last day comes after "
                "its first"
            ).format(until=request.valid_until, start=request.valid_from)
        )
    root = _root()
    # Only a prompt needs to know, before the write, whether the id is new.
    prompt = sys.stdin.isatty() and (name is None or city is None) and ident is not None
    if prompt and register.load(root).file_for(edits.check_id(ident)) is None:
        request.name = request.name or typer.prompt(_("Name of the institution"))
        request.city = request.city or typer.prompt(_("City"))
    today = date.today()
    result = edits.add(root, request, today, dry_run=dry_run)
    if dry_run:
        print(_("# would write {path}").format(path=result.path))
        sys.stdout.write(result.text)
        print(_("Would record the {summary}").format(summary=translate_text(result.summary)))
    else:
        print(_("Recorded the {summary}").format(summary=translate_text(result.summary)))
    return _report_bad_files(result.register)


@app.command(
    help=N_(
        "Record the withdrawal of the award that covers --on; from that day it is not current."
    )
)
@guarded
def withdraw(
    ident: Annotated[str, typer.Argument(metavar="ID", help=N_("Institution id."))],
    on: Annotated[str, typer.Option("--on", help=N_("Day of the withdrawal, YYYY-MM-DD."))],
    reason: Annotated[str | None, typer.Option(help=N_("Why the commission withdrew it."))] = None,
    dry_run: Annotated[
        bool, typer.Option(help=N_("Print what would be written; write nothing."))
    ] = False,
) -> int:
    from calcert import edits

    day = _date(on, "--on")
    assert day is not None
    result = edits.withdraw(_root(), ident, day, reason, date.today(), dry_run=dry_run)
    if dry_run:
        print(_("# would write {path}").format(path=result.path))
        sys.stdout.write(result.text)
        print(_("Would withdraw {summary}").format(summary=translate_text(result.summary)))
    else:
        print(_("Withdrew {summary}").format(summary=translate_text(result.summary)))
    return _report_bad_files(result.register)


@app.command(
    "list", help=N_("List institutions by the status of their certificate (default: active).")
)
@guarded
def list_(
    status: Annotated[
        str, typer.Option(help=N_("active, expired, withdrawn, pending or all."))
    ] = "active",
    as_of: AsOfOpt = None,
    fmt: FormatOpt = "table",
) -> int:
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
        title=_("{status} on {day}").format(status=_(status), day=day),
        empty=_("no institutions with status {status} on {day}").format(status=_(status), day=day),
    )
    return _report_bad_files(reg)


@app.command(help=N_("Show one institution and its award history."))
@guarded
def show(
    ident: Annotated[str, typer.Argument(metavar="ID", help=N_("Institution id."))],
    as_of: AsOfOpt = None,
    fmt: Annotated[str, typer.Option("--format", help=N_("table or json."))] = "table",
) -> int:
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
                shown = _(value) if key == "status" and isinstance(value, str) else value
                print(f"{_(key)}: {shown}")
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
        render.print_table(data["awards"], columns, title=_("awards"))  # type: ignore[arg-type]
        # Long free text does not fit a table: one line per value, under the award's number.
        for award in data["awards"]:  # type: ignore[attr-defined]
            for key in ("event", "certificate_no", "source", "notes", "withdrawal_reason"):
                if award.get(key):
                    print(f"#{award['number']} {_(key)}: {award[key]}")
    return _report_bad_files(reg)


@app.command(help=N_("Certificates that end within DURATION and have no renewal recorded."))
@guarded
def expiring(
    within: Annotated[str, typer.Option(help=N_("How far ahead: 90d, 2w, 6m, 1y, 1y6m, P6M, …"))],
    as_of: AsOfOpt = None,
    fmt: Annotated[
        str, typer.Option("--format", help=N_("table, json, csv or md (a Markdown table)."))
    ] = "table",
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help=N_("Exit 1 when anything is listed."))
    ] = False,
) -> int:
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
        title=_("expiring within {within} of {day}").format(within=within, day=day),
        empty=_("no certificate ends within {within} of {day} without a renewal").format(
            within=within, day=day
        ),
    )
    bad = _report_bad_files(reg)
    if bad:
        return bad
    return EXIT_FINDINGS if exit_code and rows else 0


@app.command(help=N_("Check the register: exit 1 on any error (or warning with --strict)."))
@guarded
def validate(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help=N_("Only these files (cross-file checks still see the register)."),
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help=N_("text, json or github."))] = "text",
    strict: Annotated[bool, typer.Option(help=N_("Warnings fail too (exit 1)."))] = False,
    as_of: AsOfOpt = None,
    select: Annotated[
        str | None,
        typer.Option(
            help=N_(
                "Only these codes, comma-separated (E012,W006); E or W: all errors or warnings."
            )
        ),
    ] = None,
    ignore: Annotated[
        str | None, typer.Option(help=N_("Skip these codes, comma-separated."))
    ] = None,
    explain: Annotated[
        str | None, typer.Option(help=N_("Explain a finding code and exit."), show_default=False)
    ] = None,
) -> int:
    from calcert import validation
    from calcert.findings import CHECKS, render_github, render_json, render_text, summary

    if explain is not None:
        check = CHECKS.get(explain.upper())
        if check is None:
            raise UsageError(
                _("unknown finding code {code!r}; codes: {codes}").format(
                    code=explain, codes=", ".join(CHECKS)
                )
            )
        import textwrap

        print(f"{check.code} {check.name} ({_(check.severity)})\n")
        print(textwrap.fill(_(check.explanation), width=88))
        skip = _(
            "Skip it with `calcert validate --ignore {code}`, or for the whole register "
            'with ignore = ["{code}"] under [validate] in calcert.toml.'
        ).format(code=check.code)
        print("\n" + textwrap.fill(skip, width=88))
        return 0
    _choice(fmt, "--format", ("text", "json", "github"))
    # PATHs arrive as str: typer's Path type calls os.stat and crashes on a NUL in them.
    if any(not p.strip() for p in paths or []):
        raise UsageError(_("PATH is empty; give a file or folder of the register"))
    result = validation.validate(
        _root(),
        [Path(p) for p in paths or []],
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


@app.command("fmt", help=N_("Rewrite institution files in canonical form (no data changes)."))
@guarded
def fmt_(
    check: Annotated[
        bool, typer.Option("--check", help=N_("List files that would change; write nothing."))
    ] = False,
) -> int:
    from calcert import edits

    result = edits.fmt(_root(), check=check)
    for parsed in result.changed:
        done = _("would reformat {path}") if check else _("reformatted {path}")
        print(done.format(path=parsed.shown))
    for finding in result.skipped:
        where = f"{finding.path}:{finding.line}" if finding.line else finding.path
        line = _("calcert: {where}: {message} (not formatted)")
        _err(line.format(where=where, message=translate_text(finding.message)))
    if not result.changed and not result.skipped and sys.stderr.isatty():
        _err(_("{count} files already in canonical form").format(count=result.files))
    if result.skipped or (check and result.changed):
        return EXIT_FINDINGS
    return 0


def main() -> None:
    """Console-script entry point."""
    import calcert

    calcert.ONE_SHOT_PROCESS = True
    for stream in (sys.stdout, sys.stderr):
        # A name the terminal's encoding cannot show (or an undecodable file name) is
        # printed escaped rather than failing half-way through the output.
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    app()


# Commands kept in modules of their own register themselves on ``app`` when imported here.
from calcert import commands_ci, commands_data  # noqa: E402, F401
