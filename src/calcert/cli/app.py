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
import errno
import os
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer import _click as click

from calcert import __version__
from calcert.errors import EXIT_BUG, EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_USAGE, CalcertError
from calcert.i18n import N_, _, translate_text

# Every command, in the order `calcert --help` lists them, and the module under
# ``calcert.cli`` that defines it. A run imports only the module of the command it runs, so
# `calcert --version` and shell completion never load a command's code.
COMMANDS: dict[str, str] = {
    "init": "commands_register",
    "add": "commands_register",
    "withdraw": "commands_register",
    "list": "commands_query",
    "show": "commands_query",
    "expiring": "commands_query",
    "validate": "commands_ci",
    "fmt": "commands_register",
    "schema": "commands_ci",
    "export": "commands_data",
    "import": "commands_data",
    "stats": "commands_data",
}


class CalcertGroup(typer.core.TyperGroup):
    """Loads each command when it is run (a lazy group, as click documents) and turns
    argument errors into one line (``calcert: error: …``) with exit code 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in COMMANDS:
            command = _load_command(cmd_name)
            self.commands[cmd_name] = command
        return command

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        _set_language(argv, self)
        argv = _hoist_global_options(argv, self)
        kwargs: dict[str, Any] = {"args": argv, "prog_name": prog_name, **extra}
        kwargs.update(complete_var=complete_var, windows_expand_args=windows_expand_args)
        if not standalone_mode:
            return super().main(standalone_mode=False, **kwargs)
        nul = next((a for a in (argv or ()) if isinstance(a, str) and "\x00" in a), None)
        if nul is not None:  # only a library caller can pass one (argv cannot hold NUL)
            say_error(
                _("calcert: error: argument {arg} contains a NUL character").format(arg=repr(nul))
            )
            sys.exit(EXIT_USAGE)
        try:
            rv = super().main(standalone_mode=False, **kwargs)
        except SystemExit:
            raise
        except BaseException as exc:
            sys.exit(exit_code_for(exc))
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        from calcert.register import fs

        fs.written.clear()
        try:
            rv = super().invoke(ctx)
            _flush_output()
            return rv
        except KeyboardInterrupt as exc:  # not click's: it would print an empty line first
            raise _Interrupted from exc
        except OSError as exc:  # not click's either: it turns a closed pipe into a silent 1
            if exc.errno in _OUTPUT_ERRORS:
                raise _OutputFailed(exc) from exc
            raise


class _Interrupted(Exception):
    """Ctrl-C while a command ran."""


class _OutputFailed(Exception):
    """Writing the output failed (full disk, closed stdout or pipe) while a command ran."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


def _flush_output() -> None:
    """A full disk under `>` shows here, not at the exit; a closed stdout (`>&-`, Python
    makes it None) is a failure too once the register was changed."""
    from calcert.register import fs

    if sys.stdout is not None:
        sys.stdout.flush()
    elif fs.written:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))


def exit_code_for(exc: BaseException) -> int:
    """The one place where an exception becomes a line on stderr and an exit code.

    Library refusals and usage errors say what to do (exit 1 or 2), argument errors name
    the help to read (2), Ctrl-C is 130, and anything else is a bug in calcert (3).
    """
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):
        # `calcert` alone: the help itself, as click does (stderr, exit 2).
        sys.stderr.write(exc.format_message().rstrip("\n") + "\n")
        return exc.exit_code
    if isinstance(exc, click.exceptions.ClickException):
        ctx = getattr(exc, "ctx", None)
        hint = _(" (see `{command} --help`)").format(command=ctx.command_path) if ctx else ""
        say_error(_("calcert: error: {message}").format(message=_click_message(exc)) + hint)
        return exc.exit_code
    if isinstance(exc, CalcertError):
        if exc.exit_code == EXIT_USAGE:
            line = _("calcert: error: {message}")
        else:
            line = _("calcert: refused, nothing written: {message}")
        say_error(line.format(message=translate_text(exc.message)))
        return exc.exit_code
    ctrl_c_at_a_prompt = isinstance(exc.__context__, KeyboardInterrupt)
    if isinstance(exc, _Interrupted | KeyboardInterrupt) or ctrl_c_at_a_prompt:
        say_error(_("calcert: interrupted") + _what_was_written())
        return EXIT_INTERRUPTED
    if isinstance(exc, typer.Abort):
        say_error(_("calcert: aborted, nothing written"))
        return EXIT_FINDINGS
    if isinstance(exc, _OutputFailed):
        return _output_failed(exc.error)
    _bug(exc)
    return EXIT_BUG


# Options of calcert itself that users also type after the command (`calcert list
# --registry R`): moved in front of it before parsing. Those that take a value say so.
GLOBAL_OPTIONS = {"--registry": True, "--lang": True, "--debug": False}


def _takes_value(command: click.Command, token: str) -> bool:
    for param in command.params:
        if token in getattr(param, "opts", ()) or token in getattr(param, "secondary_opts", ()):
            return not (getattr(param, "is_flag", False) or getattr(param, "count", False))
    return False


def _hoist_global_options(argv: list[str], group: CalcertGroup) -> list[str]:
    """``[cmd, ..., --registry, R, ...]`` → ``[--registry, R, cmd, ...]``: global options
    work wherever users put them (never after ``--``, never the value of another option)."""
    i = 0
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "--":
        i += 2 if GLOBAL_OPTIONS.get(argv[i]) else 1
    if i >= len(argv) or argv[i] not in COMMANDS:
        return argv
    command = group.get_command(click.Context(group), argv[i])
    assert command is not None
    hoisted: list[str] = []
    rest = argv[: i + 1]
    tail = argv[i + 1 :]
    j = 0
    while j < len(tail):
        token = tail[j]
        name = token.split("=", 1)[0]
        if token == "--":
            rest += tail[j:]
            break
        if name in GLOBAL_OPTIONS:
            takes = GLOBAL_OPTIONS[name] and "=" not in token
            hoisted += tail[j : j + 2] if takes else [token]
            j += 2 if takes else 1
            continue
        step = 2 if "=" not in token and _takes_value(command, token) else 1
        rest += tail[j : j + step]
        j += step
    return hoisted + rest


def _load_command(name: str) -> click.Command:
    """Build the click command ``name`` from its module's Typer definitions."""
    import importlib

    from calcert import i18n

    module = importlib.import_module(f"calcert.cli.{COMMANDS[name]}")
    for info in module.commands.registered_commands:
        if (info.name or info.callback.__name__) == name:
            command = typer.main.get_command_from_info(
                info, pretty_exceptions_short=True, rich_markup_mode=None
            )
            i18n.translate_command_tree(command)
            return command
    raise LookupError(f"calcert.cli.{COMMANDS[name]} defines no command {name!r}")


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
    i18n.request_language(explicit)
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
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

state: dict[str, Any] = {"registry": None, "debug": False}


def say_error(message: str) -> None:
    """One line on stderr, control characters escaped."""
    from calcert.model.findings import one_line

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
            metavar="[pl|en]",
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
    state["registry"] = registry
    state["debug"] = debug
    from calcert.outputs.tables import Progress
    from calcert.register import loader

    loader.progress_factory = Progress  # a long read shows a bar on a terminal
    from calcert.register import cache, fs

    fs.notify = say_error  # lock waits, a finished or rolled-back import
    # Under --debug, why the parse cache is not used.
    cache.debug = say_error if debug or os.environ.get("CALCERT_DEBUG") else cache.quiet


def _bug(exc: BaseException) -> None:
    """One line for a failure of calcert itself; the traceback only on request."""
    if state.get("debug") or os.environ.get("CALCERT_DEBUG"):
        import traceback  # only here: it costs start-up time on every run

        traceback.print_exception(exc)
    detail = " ".join(str(exc).split())[:200]
    say_error(
        _(
            "calcert {version}: internal error, a bug in calcert (not in your data): "
            "{error}; nothing was written. Re-run with --debug for the traceback and "
            "report it."
        ).format(version=__version__, error=f"{type(exc).__name__}: {detail}")
    )


def _what_was_written() -> str:
    """``; the register was changed: …`` when this run wrote register files, else ""."""
    from calcert.model.findings import display_path
    from calcert.register import fs

    if not fs.written:
        return ""
    shown = ", ".join(display_path(path) for path in fs.written[:3])
    more = len(fs.written) - 3
    if more > 0:
        shown += _(" and {n} more").format(n=more)
    return _("; the register was changed all the same ({files})").format(files=shown)


# Errors of writing the output (library code turns its own OSErrors into CalcertError).
_OUTPUT_ERRORS = frozenset(
    {errno.EPIPE, errno.ENOSPC, errno.EIO, errno.EBADF, errno.EFBIG, getattr(errno, "EDQUOT", -1)}
)


def _output_failed(exc: OSError) -> int:
    """Printing failed (stdout full, closed or a closed pipe): say what stands."""
    _silence_stdout()
    if isinstance(exc, BrokenPipeError) and not _what_was_written():
        return EXIT_FINDINGS  # `calcert list | head`: nothing to say
    say_error(
        _("calcert: error: cannot write the output ({reason})").format(reason=exc.strerror or exc)
        + _what_was_written()
    )
    return EXIT_USAGE


def _silence_stdout() -> None:
    """Point stdout at the null device, so the exit does not fail flushing it again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


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
