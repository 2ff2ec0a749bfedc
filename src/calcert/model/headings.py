"""Column headings for people: the words a spreadsheet's header row shows.

``export --format csv`` names its columns by key (``valid_from``); a workbook for people
names them in the reader's language: the key in English, the Polish catalog's word with
spaces under ``--lang pl`` (``ważny od``). ``import`` reads either, whatever the language
it runs in: a key, or a Polish heading, in any case, with ``_`` or spaces between words.
"""

from __future__ import annotations

import functools

from calcert.i18n import N_, _, language, translations
from calcert.model.records import CSV_COLUMNS

# The columns' words are in the catalog (marked here so that extraction always finds them).
COLUMN_WORDS = (
    N_("id"),
    N_("name"),
    N_("kind"),
    N_("city"),
    N_("voivodeship"),
    N_("website"),
    N_("parent"),
    N_("decided_on"),
    N_("awarded_on"),
    N_("valid_from"),
    N_("valid_until"),
    N_("valid_until_assumed"),
    N_("term"),
    N_("ordinal"),
    N_("awarded_by"),
    N_("event"),
    N_("certificate_no"),
    N_("source"),
    N_("notes"),
    N_("withdrawn_on"),
    N_("withdrawal_reason"),
)
HEADING_LANGUAGES = ("pl",)  # read in every language, whichever one calcert speaks


def heading(column: str) -> str:
    """The heading of ``column`` in the current language (English: the key itself)."""
    if language() == "en":
        return column
    return _(column).replace("_", " ")


def _normal(text: str) -> str:
    return " ".join(text.replace("_", " ").casefold().split())


@functools.cache
def _known() -> dict[str, str]:
    known = {_normal(column): column for column in CSV_COLUMNS}
    for code in HEADING_LANGUAGES:
        catalog = translations(code)
        for column in CSV_COLUMNS:
            known.setdefault(_normal(catalog.gettext(column)), column)
    return known


def column_for(text: str) -> str | None:
    """The column a header cell names (``Ważny od`` → ``valid_from``), or None."""
    return _known().get(_normal(text))
