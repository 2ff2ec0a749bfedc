"""tomllib's syntax messages as catalog entries, so that E002 speaks the user's language.

tomllib words its errors in English ("Invalid value", "Unclosed array"). The frequent ones
become ``Message``s with the same English text (what machine formats and CI logs keep), so
that ``validate --lang pl`` shows them in Polish; any other text stays as tomllib wrote it.
"""

from __future__ import annotations

import re

from calcert.i18n import N_, Message

# tomllib's texts without parameters, each its own catalog entry.
PLAIN = frozenset(
    {
        N_("Invalid value"),
        N_("Invalid statement"),
        N_("Expected '=' after a key in a key/value pair"),
        N_("Expected newline or end of document after a statement"),
        N_("Expected ']' at the end of a table declaration"),
        N_("Expected ']]' at the end of an array declaration"),
        N_("Unclosed array"),
        N_("Unclosed inline table"),
        N_("Unterminated string"),
        N_("Cannot overwrite a value"),
        N_("Invalid date or datetime"),
        N_("Invalid initial character for a key part"),
        N_("Unescaped '\\' in a string"),
        N_("Invalid hex value"),
    }
)

# Texts with a part of the file in them: (pattern, template naming that part).
WITH_VALUE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Illegal character (?P<char>.+)"), N_("Illegal character {char}")),
    (re.compile(r"Cannot declare (?P<key>.+) twice"), N_("Cannot declare {key} twice")),
    (
        re.compile(r"Found invalid character (?P<char>.+)"),
        N_("Found invalid character {char}"),
    ),
    (
        re.compile(r"Duplicate inline table key (?P<key>.+)"),
        N_("Duplicate inline table key {key}"),
    ),
)


def toml_message(detail: str) -> str:
    """``detail`` (tomllib's text without its position) as a translatable ``Message`` when
    it is one calcert knows, else unchanged."""
    if detail in PLAIN:
        return Message(detail)
    for pattern, template in WITH_VALUE:
        match = pattern.fullmatch(detail)
        if match:
            return Message(template, **match.groupdict())
    return detail
