"""Polish for Polish registrars, English for everyone else (gettext catalogs).

Language: ``--lang``, else ``$CALCERT_LANG``, else the locale (``LC_ALL``, ``LC_MESSAGES``,
``LANG``: ``pl_PL.UTF-8`` → Polish), else English. Only text for people is translated:
machine formats (json, csv, github annotations, ICS UIDs) never change with the language.
Catalogs are compiled from ``locale/*/LC_MESSAGES/calcert.po`` into ``.mo`` files when the
package is built (``hatch_build.py``); a missing ``.mo`` falls back to English.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self

DOMAIN = "calcert"
LANGUAGES = ("en", "pl")

_current: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"
_requested: str | None = None  # what --lang or $CALCERT_LANG asked for, if anything


def _from_locale_value(value: str) -> str | None:
    code = value.split(".")[0].split("@")[0].split("_")[0].lower()
    if not code:
        return None
    return code if code in LANGUAGES else "en"


def choose_language(explicit: str | None = None, environ: dict[str, str] | None = None) -> str:
    """The language to speak, by the precedence in the module docstring."""
    env = os.environ if environ is None else environ
    if explicit:
        return _from_locale_value(explicit) or "en"
    for key in ("CALCERT_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(key)
        if value:
            return _from_locale_value(value) or "en"
    return "en"


def request_language(explicit: str | None, environ: dict[str, str] | None = None) -> None:
    """Remember the language the user asked for (``--lang``, else ``$CALCERT_LANG``), as
    opposed to one guessed from the locale: the public page is Polish unless asked."""
    global _requested
    env = os.environ if environ is None else environ
    asked = explicit or env.get("CALCERT_LANG")
    _requested = (_from_locale_value(asked) or "en") if asked else None


def page_language() -> str:
    """The public page's language: the one asked for, else Polish (its readers' own)."""
    return _requested or "pl"


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Speak ``language`` inside the block (e.g. the page), then the previous one again."""
    previous = _language
    set_language(language)
    try:
        yield
    finally:
        set_language(previous)


def set_language(language: str) -> None:
    global _current, _language
    _language = language
    _current = translations(language)


def translations(language: str) -> gettext.NullTranslations:
    """The catalog of ``language`` (English, or a missing catalog: the messages as they are)."""
    if language == "en":
        return gettext.NullTranslations()
    from importlib import resources  # only for other languages: ~3 ms of every start-up

    mo = resources.files("calcert").joinpath(f"locale/{language}/LC_MESSAGES/{DOMAIN}.mo")
    try:
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    except (OSError, FileNotFoundError):
        return gettext.NullTranslations()


def language() -> str:
    return _language


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    return _current.gettext(message)


def gettext_in(language: str, message: str) -> str:
    """``message`` in ``language``, whatever the current one (text written into a register
    follows the register's language, not the user's)."""
    return translations(language).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    """``ngettext`` in a context: the same English words, a different translation (Polish
    "1 rok" as counted, "w ciągu 1 roku" after "within")."""
    return _current.npgettext(context, singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated later, where it is shown."""
    return message


class Message(str):
    """Text in English (what machine formats carry) that can also be shown translated.

    Findings keep their message in English for ``--format json|github`` and CI logs that
    must not change with the reader's locale, while ``validate``'s text output for people
    shows ``localized()``. Parameters that are themselves ``Message`` are translated too.
    """

    template: str
    params: dict[str, object]

    def __new__(cls, template: str, **params: object) -> Self:
        english = template.format(**{k: _english(v) for k, v in params.items()})
        obj = super().__new__(cls, english)
        obj.template = template
        obj.params = params
        return obj

    def localized(self) -> str:
        translated = _(self.template)
        values = {k: localize(v) for k, v in self.params.items()}
        try:
            return translated.format(**values)
        except (KeyError, IndexError, ValueError):  # a broken translation must not crash
            return self.template.format(**values)

    def __reduce__(self):  # pickling (e.g. a parse cache) keeps the template
        return (_rebuild, (self.template, self.params))


def _rebuild(template: str, params: dict[str, object]) -> Message:
    return Message(template, **params)


class PluralMessage(Message):
    """A ``Message`` whose wording depends on a count (``{n}``): 1 day, 2 dni, 5 dni."""

    singular: str
    plural: str
    n: int

    def __new__(cls, singular: str, plural: str, n: int, **params: object) -> Self:
        obj = super().__new__(cls, singular if n == 1 else plural, n=n, **params)
        obj.plural = plural
        obj.singular = singular
        obj.n = n
        return obj

    def localized(self) -> str:
        translated = ngettext(self.singular, self.plural, self.n)
        values = {k: localize(v) for k, v in self.params.items()}
        try:
            return translated.format(**values)
        except (KeyError, IndexError, ValueError):
            return str(self)

    def __reduce__(self):
        params = {k: v for k, v in self.params.items() if k != "n"}
        return (_rebuild_plural, (self.singular, self.plural, self.n, params))


def _rebuild_plural(singular: str, plural: str, n: int, params: dict[str, object]):
    return PluralMessage(singular, plural, n, **params)


def _english(value: object) -> object:
    return str(value) if isinstance(value, Message) else value


def localize(value: object) -> object:
    """``value`` in the current language when it is a ``Message``, else unchanged."""
    if isinstance(value, Message):
        return value.localized()
    return value


def translate_text(value: str) -> str:
    """Translate a message that may be a ``Message`` or a plain (already final) string."""
    return value.localized() if isinstance(value, Message) else value


# Strings of Typer's help screens, so that ``--help`` is Polish through and through.
FRAMEWORK_STRINGS = (
    N_("Usage: "),
    N_("Options"),
    N_("Arguments"),
    N_("Commands"),
    N_("required"),
    N_("default: {default}"),
    N_("env var: {var}"),
    N_("(dynamic)"),
    N_("Aborted!"),
    N_("Missing command."),
    N_("No such command {name!r}."),
    N_("Show this message and exit."),
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation."),
)


# Every value in help is named by what it is, upper case, as the usage line names arguments.
_OPTION_METAVARS = {"str": "TEXT", "text": "TEXT", "path": "PATH"}
METAVARS = (
    N_("[OPTIONS]"),
    N_("COMMAND [ARGS]..."),
    N_("TEXT"),
    N_("PATH"),
    N_("[PATH]..."),
    N_("DATE"),
    N_("DURATION"),
    N_("YEARS"),
    N_("URL"),
    N_("FILE"),
    N_("[DIR]"),
    N_("CODE"),
    N_("CODES"),
)


def translate_command_tree(command: Any) -> None:
    """Put help texts of a click command tree into the current language, in place.

    Typer builds help from strings given in English (marked with ``N_``); the originals are
    kept on the objects so that switching language (tests do) translates from English again.
    """
    _patch_framework()
    for obj in _walk(command):
        for attr in ("help", "short_help"):
            original = _original(obj, attr)
            if original:
                setattr(obj, attr, _(original))
        if hasattr(obj, "_help_option"):
            obj._help_option = None  # rebuilt on demand with the translated help text
        if hasattr(obj, "options_metavar"):
            obj.options_metavar = _(_original(obj, "options_metavar") or "[OPTIONS]")
        if getattr(obj, "subcommand_metavar", None):
            obj.subcommand_metavar = _(_original(obj, "subcommand_metavar") or "")
        if getattr(obj, "param_type_name", "") == "option" and not getattr(obj, "is_flag", True):
            original = _original(obj, "metavar")
            type_name = getattr(getattr(obj, "type", None), "name", "")
            default = _OPTION_METAVARS.get(type_name)
            obj.metavar = _(original) if original else None if default is None else _(default)
        elif getattr(obj, "param_type_name", "") == "argument":
            original = _original(obj, "metavar")
            obj.metavar = _(original) if original else None


def _original(obj: Any, attr: str) -> str | None:
    key = f"_calcert_en_{attr}"
    if not hasattr(obj, key):
        setattr(obj, key, getattr(obj, attr, None))
    return getattr(obj, key)


def _walk(command: Any):
    yield command
    yield from getattr(command, "params", ())
    for sub in getattr(command, "commands", {}).values():
        yield from _walk(sub)


_patched = False


def _patch_framework() -> None:
    """Route Typer's own help strings through our catalog (once per process)."""
    global _patched
    if _patched:
        return
    _patched = True
    import typer.core
    from typer._click import core as click_core
    from typer._click import formatting

    typer.core._ = _
    original_write_usage = formatting.HelpFormatter.write_usage

    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        original_write_usage(self, prog, args, _("Usage: ") if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]
    original_get_help_option = click_core.Command.get_help_option

    def get_help_option(self: Any, ctx: Any) -> Any:
        option = original_get_help_option(self, ctx)
        if option is not None:
            option.help = _("Show this message and exit.")
        return option

    click_core.Command.get_help_option = get_help_option  # type: ignore[method-assign]


def ordinal(n: int) -> str:
    """Which certificate this is: "3rd" in English, "3." in Polish (the written convention)."""
    if _language == "pl":
        return f"{n}."
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
