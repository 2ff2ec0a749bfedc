"""What a valid value of each kind looks like: id, voivodeship, term, date, web address.

One pattern or list per kind, used by every reader and writer of that kind: the file reader
(``register.tomlfile``), the checks, the command-line edits, the CSV import and the JSON
Schema (``outputs.schema`` publishes these very patterns). Each pattern is written so that
Python and JSON Schema (ECMAScript) read it alike: digits are ``[0-9]`` (Python's ``\\d``
takes Arabic-Indic and full-width digits too), white space is spelled out (the engines'
``\\s`` differ), and Python matches with ``fullmatch`` (its ``$`` also matches before a
final newline, ECMAScript's does not). Control characters are ``model.text``'s; the
schema adds that rule to every text value.
"""

from __future__ import annotations

import difflib
import re

from calcert.i18n import Message

# White space as str.isspace() (and so str.strip()) sees it, plus U+FEFF, which
# ECMAScript counts as white space: "blank" and "no spaces" mean the same everywhere.
WHITESPACE = (
    r"\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f"
    r"\u3000\ufeff"
)

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
ID_RE = re.compile(ID_PATTERN)
ID_MAX = 64

VOIVODESHIPS = (
    "dolnośląskie",
    "kujawsko-pomorskie",
    "lubelskie",
    "lubuskie",
    "łódzkie",
    "małopolskie",
    "mazowieckie",
    "opolskie",
    "podkarpackie",
    "podlaskie",
    "pomorskie",
    "śląskie",
    "świętokrzyskie",
    "warmińsko-mazurskie",
    "wielkopolskie",
    "zachodniopomorskie",
)

# A term as printed on certificates: "2022-2026" or with an en dash, "2022–2026".
TERM_PATTERN = r"^[0-9]{4}[-–][0-9]{4}$"
TERM_RE = re.compile(TERM_PATTERN)
# A date as ISO 8601 writes it (and TOML, and the command line): 2022-03-29.
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATE_RE = re.compile(DATE_PATTERN)
URL_PATTERN = rf"^https?://[^{WHITESPACE}]+$"
URL_RE = re.compile(URL_PATTERN)
# Text that is more than white space (name, city): one character that is not.
NOT_BLANK = rf"[^{WHITESPACE}]"
NOT_BLANK_RE = re.compile(NOT_BLANK)


def is_blank(text: str) -> bool:
    """True for text that is empty or only white space (as the schema's NOT_BLANK sees it)."""
    return NOT_BLANK_RE.search(text) is None


# An award's source: a citation ("uchwała Komisji Certyfikacyjnej nr …"), or, when it looks
# like a web address (http://, https://, www.), a well-formed http(s) address with a host.
SOURCE_PATTERN = (
    rf"^(?!https?://|www\.)[\s\S]*[^{WHITESPACE}][\s\S]*$"
    rf"|^https?://[^{WHITESPACE}/?#:@.]+(\.[^{WHITESPACE}/?#:@.]+)+(:[0-9]{{1,5}})?"
    rf"([/?#][^{WHITESPACE}]*)?$"
)
SOURCE_RE = re.compile(SOURCE_PATTERN)


def id_problem(value: str) -> str | None:
    """Why ``value`` is not a valid institution id, or None when it is."""
    if not value:
        return Message("the id is empty")
    if len(value) > ID_MAX:
        return Message(
            "the id is {length} characters long (at most {limit})", length=len(value), limit=ID_MAX
        )
    if not ID_RE.fullmatch(value):
        return Message(
            "an id is lower-case letters a-z, digits and single hyphens, e.g. mops-mlawa"
        )
    return None


def is_voivodeship(value: str) -> bool:
    """True for one of the 16 names exactly as the register writes them (lower-case Polish)."""
    return value in VOIVODESHIPS


def closest_voivodeship(value: str) -> str | None:
    """The voivodeship ``value`` was probably meant to be (case ignored), or None."""
    close = difflib.get_close_matches(value.lower(), VOIVODESHIPS, n=1, cutoff=0.6)
    return close[0] if close else None


def term_years(text: str) -> tuple[int, int] | None:
    """The first and last year of a printed term ("2014-2017" → (2014, 2017)), or None.

    A term whose last year comes before its first still gives its years; the caller decides.
    """
    if not TERM_RE.fullmatch(text):
        return None
    return int(text[:4]), int(text[5:])


def date_parts(text: str) -> tuple[int, int, int] | None:
    """Year, month and day of a YYYY-MM-DD text (not yet checked against the calendar)."""
    if not DATE_RE.fullmatch(text):
        return None
    return int(text[:4]), int(text[5:7]), int(text[8:])


def is_url(text: str) -> bool:
    return URL_RE.fullmatch(text) is not None


def source_problem(value: str) -> str | None:
    """Why ``value`` is not a source (a citation, or a well-formed http(s) address when it
    looks like one), or None when it is."""
    if SOURCE_RE.fullmatch(value):
        return None
    if is_blank(value):
        return Message("source is empty; give the address or the citation of the source")
    if value.startswith("www."):
        return Message(
            "source {value!r} looks like a web address without http(s)://; write https://{value}",
            value=value,
        )
    return Message(
        "source {value!r} looks like a web address but is not a well-formed http(s) address "
        "(https://host.domain/path, no spaces); fix it, or write a citation",
        value=value,
    )
