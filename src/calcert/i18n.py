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
from importlib import resources

DOMAIN = "calcert"
LANGUAGES = ("en", "pl")

_current: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


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


def set_language(language: str) -> None:
    global _current, _language
    _language = language
    if language == "en":
        _current = gettext.NullTranslations()
        return
    mo = resources.files("calcert").joinpath(f"locale/{language}/LC_MESSAGES/{DOMAIN}.mo")
    try:
        with mo.open("rb") as handle:
            _current = gettext.GNUTranslations(handle)
    except (OSError, FileNotFoundError):
        _current = gettext.NullTranslations()


def language() -> str:
    return _language


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated later, where it is shown."""
    return message
