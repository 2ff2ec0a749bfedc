"""Commands that write the register: init, add, withdraw, fmt."""

# No `from __future__ import annotations`: see the note at the top of app.py (start-up).

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from calcert.cli.options import (
    DryRunOpt,
    IdArg,
    StrictOpt,
    complete_ids,
    date_option,
    optional_date,
    register_root,
    report_bad_files,
    report_warnings,
    say,
    say_error,
)
from calcert.errors import EXIT_FINDINGS, UsageError
from calcert.i18n import N_, _, translate_text
from calcert.model.findings import display_path

if TYPE_CHECKING:
    from calcert.ops.edits import AddRequest, EditResult

commands = typer.Typer()


@commands.command(help=N_("Create an empty register (calcert.toml, institutions/, .gitignore)."))
def init(
    directory: Annotated[
        str, typer.Argument(metavar="[DIR]", help=N_("Where to create the register."))
    ] = "registry",
) -> int:
    from calcert.register.config import init_register

    if not directory.strip():  # an unset shell variable, not "here"; say `calcert init .`
        raise UsageError(_("DIR is empty; give the directory, e.g. `calcert init registry`"))
    from calcert.i18n import language

    # The register's language: that of this run (`calcert init --lang pl`).
    root = display_path(init_register(Path(directory), language()))
    print(_("Created a register in {root}/ (calcert.toml, institutions/).").format(root=root))
    hint = _("Record the first award with: calcert --registry {root} add ID --name … --city …")
    print(hint.format(root=root))
    return 0


ADD_HELP = N_(
    "Record one award; creates the institution file when the id is new.\n\n"
    "The term: --from/--until as given; --term 2014-2017 from --from (or --awarded in 2014) "
    "for 3 years less a day; otherwise no end is written, and the register assumes "
    "[terms] default_years from --from or --awarded (shown with ≈)."
)


# The options of `add` whose declaration does not fit on the line of its parameter.
IdOrNameArg = Annotated[
    str | None,
    typer.Argument(
        metavar="[ID]",
        help=N_("Institution id, e.g. mops-mlawa; derived from --name when left out."),
        show_default=False,
        autocompletion=complete_ids,
    ),
]
WebsiteOpt = Annotated[
    str | None, typer.Option(metavar="URL", help=N_("The institution's web site."))
]
ParentOpt = Annotated[
    str | None,
    typer.Option(
        metavar="ID", help=N_("Id of the unit this one belongs to."), autocompletion=complete_ids
    ),
]
DecidedOpt = Annotated[
    str | None, date_option(N_("Day the certification commission decided, YYYY-MM-DD."))
]
FromOpt = Annotated[str | None, date_option(N_("First day of the term, YYYY-MM-DD."), "--from")]
UntilOpt = Annotated[str | None, date_option(N_("Last day of the term (inclusive), YYYY-MM-DD."))]
TermOpt = Annotated[
    str | None,
    typer.Option(metavar="YEARS", help=N_("Term as printed on the certificate, e.g. 2014-2017.")),
]
OrdinalOpt = Annotated[
    int | None,
    typer.Option(
        metavar="N",
        min=1,
        help=N_("Which certificate of the institution this is, as a source states it."),
    ),
]
SourceOpt = Annotated[
    str | None,
    typer.Option(
        metavar="SOURCE", help=N_("Where the award is documented: a URL, or a citation.")
    ),
]
SupersedeOpt = Annotated[
    bool, typer.Option(help=N_("End an overlapping earlier award the day before this one."))
]


@commands.command(help=ADD_HELP)
def add(
    ident: IdOrNameArg = None,
    name: Annotated[str | None, typer.Option(help=N_("Full name (new institutions)."))] = None,
    city: Annotated[str | None, typer.Option(help=N_("City (new institutions)."))] = None,
    kind: Annotated[str | None, typer.Option(help=N_("MOPS, GOPS, MOPR, PCPR, NGO, …"))] = None,
    voivodeship: Annotated[str | None, typer.Option(help=N_("e.g. mazowieckie."))] = None,
    website: WebsiteOpt = None,
    parent: ParentOpt = None,
    awarded: Annotated[str | None, date_option(N_("Ceremony date, YYYY-MM-DD."))] = None,
    decided: DecidedOpt = None,
    from_: FromOpt = None,
    until: UntilOpt = None,
    term: TermOpt = None,
    ordinal: OrdinalOpt = None,
    by: Annotated[
        str | None, typer.Option("--by", help=N_("Who handed the certificate over."))
    ] = None,
    event: Annotated[str | None, typer.Option(help=N_("The occasion of the ceremony."))] = None,
    certificate_no: Annotated[str | None, typer.Option(help=N_("Certificate number."))] = None,
    source: SourceOpt = None,
    notes: Annotated[str | None, typer.Option(help=N_("Free-text notes."))] = None,
    supersede: SupersedeOpt = False,
    strict: StrictOpt = False,
    dry_run: DryRunOpt = False,
) -> int:
    from calcert.model.terms import parse_term
    from calcert.ops import edits

    award = {
        "awarded_on": optional_date(awarded, "--awarded"),
        "decided_on": optional_date(decided, "--decided"),
        "valid_from": optional_date(from_, "--from"),
        "valid_until": optional_date(until, "--until"),
        "ordinal": ordinal,
        "awarded_by": by,
        "event": event,
        "certificate_no": certificate_no,
        "source": source,
        "notes": notes,
    }
    institution = {
        "name": name,
        "city": city,
        "kind": kind,
        "voivodeship": voivodeship,
        "website": website,
        "parent": parent,
    }
    printed = parse_term(term) if term is not None else None
    request = edits.AddRequest(ident, institution, award, printed, supersede, strict)
    _refuse_reversed_term(request)
    root = register_root()
    _ask_for_a_new_institution(root, request)
    result = edits.add(root, request, date.today(), dry_run=dry_run)
    done = _("Would record the {summary}") if dry_run else _("Recorded the {summary}")
    return _report_edit(result, dry_run, done)


def _refuse_reversed_term(request: "AddRequest") -> None:
    start, until = request.award["valid_from"], request.award["valid_until"]
    if start and until and until < start:
        raise UsageError(
            _(
                "--until {until} is before --from {start}; the term's last day comes after "
                "its first"
            ).format(until=until, start=start)
        )


def _ask_for_a_new_institution(root: Path, request: "AddRequest") -> None:
    """On a terminal, ask for the name and city a new institution lacks (only a prompt
    needs to know, before the write, whether the id is new)."""
    given = request.institution
    if not sys.stdin.isatty() or (given["name"] is not None and given["city"] is not None):
        return
    from calcert.ops.edits import check_id
    from calcert.register import loader

    if request.ident is not None and loader.load(root).file_for(check_id(request.ident)) is None:
        given["name"] = given["name"] or _ask(_("Name of the institution"))
        given["city"] = given["city"] or _ask(_("City"))


def _report_edit(result: "EditResult", dry_run: bool, done: str) -> int:
    """What an edit found and did (with --dry-run: the text it would write)."""
    report_warnings(result.warnings)
    if dry_run:
        print(_("# would write {path}").format(path=display_path(result.path)))
        sys.stdout.write(result.text)
    say(done.format(summary=translate_text(result.summary)))
    if result.assumed is not None and result.register is not None:
        from calcert.ops.edits import assumed_end_note

        say(assumed_end_note(result.assumed, result.register.config.default_years))
    return report_bad_files(result.register)


def _ask(question: str) -> str:
    """Prompt with line editing where Python has it (arrow keys move the cursor instead
    of typing ESC [ D into the answer); an answer with a control character is asked again."""
    import contextlib

    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (input() edits lines once it is loaded)
    return typer.prompt(question, value_proc=_no_controls)


def _no_controls(value: str) -> str:
    from typer._click.exceptions import UsageError as Retry

    from calcert.model.text import escape_controls, first_control

    char = first_control(value)
    if char is not None:
        raise Retry(
            _(
                "the answer contains the control character {char} (an arrow key?); type it again"
            ).format(char=escape_controls(char))
        )
    return value


@commands.command(
    help=N_(
        "Record the withdrawal of the award that covers --on; from that day it is not current."
    )
)
def withdraw(
    ident: IdArg,
    on: Annotated[str, date_option(N_("Day of the withdrawal, YYYY-MM-DD."), "--on")],
    reason: Annotated[str | None, typer.Option(help=N_("Why the commission withdrew it."))] = None,
    strict: StrictOpt = False,
    dry_run: DryRunOpt = False,
) -> int:
    from calcert.ops import edits

    day = optional_date(on, "--on")
    assert day is not None
    result = edits.withdraw(
        register_root(), ident, day, reason, date.today(), dry_run=dry_run, strict=strict
    )
    done = _("Would withdraw {summary}") if dry_run else _("Withdrew {summary}")
    return _report_edit(result, dry_run, done)


@commands.command("fmt", help=N_("Rewrite institution files in canonical form (no data changes)."))
def fmt_(
    check: Annotated[
        bool, typer.Option("--check", help=N_("List files that would change; write nothing."))
    ] = False,
) -> int:
    from calcert.ops import edits

    result = edits.fmt(register_root(), check=check)
    for parsed in result.changed:
        done = _("would reformat {path}") if check else _("reformatted {path}")
        say(done.format(path=parsed.shown))
    for finding in result.skipped:
        where = f"{finding.path}:{finding.line}" if finding.line else finding.path
        line = _("calcert: {where}: {message} (not formatted)")
        say_error(line.format(where=where, message=translate_text(finding.message)))
    if not result.changed and not result.skipped and sys.stderr.isatty():
        say_error(_("{count} files already in canonical form").format(count=result.files))
    if result.skipped or (check and result.changed):
        return EXIT_FINDINGS
    return 0
