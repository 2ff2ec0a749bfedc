"""JSON Schema (draft-07) of an institution file, for TOML editors (taplo, Even Better TOML).

Generated from the model's constants, so it cannot drift from what ``validate`` accepts;
the package ships it as ``calcert/data/institution.schema.json`` and the repository as
``schema/institution.schema.json`` (a test keeps both equal to ``generate()``).

TOML editors validate a TOML local date as a JSON string of format ``date``; a schema
cannot tell ``2022-03-29`` from the quoted ``"2022-03-29"`` that way, so that one mistake
is left to ``calcert validate`` (E005). Everything else the schema checks as validate does:
unknown keys, required keys, id and voivodeship, at least one award, term and address
patterns and no control characters in text (``tests/test_trust_out.py`` runs both over
one corpus with an ECMAScript regex engine, as editors use).
"""

from __future__ import annotations

import json
from typing import Any

from calcert.model.records import (
    AWARD_DATE_KEYS,
    AWARD_INT_KEYS,
    AWARD_KEYS,
    AWARD_REQUIRED,
    INSTITUTION_KEYS,
    INSTITUTION_REQUIRED,
)
from calcert.model.text import control_class
from calcert.model.values import (
    ID_MAX,
    ID_PATTERN,
    NOT_BLANK,
    SOURCE_PATTERN,
    TERM_PATTERN,
    URL_PATTERN,
    VOIVODESHIPS,
)

SCHEMA_FILE = "institution.schema.json"

INSTITUTION_DOCS = {
    "id": "Institution id: lower-case a-z, digits and single hyphens, equal to the file name "
    "without .toml (e.g. mops-mlawa).",
    "name": "Full name of the institution.",
    "kind": "Kind of institution, free text: MOPS, GOPS, MOPR, PCPR, NGO, …",
    "city": "City or commune.",
    "voivodeship": "One of the 16 Polish voivodeships, lower-case Polish.",
    "website": "The institution's web site (http or https).",
    "parent": "Id of the institution this unit belongs to.",
    "awards": "The certificates awarded, one [[awards]] table each.",
}

AWARD_DOCS = {
    "decided_on": "Day the certification commission decided to award it, where a source "
    "states it (TOML local date, no quotes).",
    "awarded_on": "Day of the ceremony, the hand-over (TOML local date, no quotes).",
    "valid_from": "First day of the term (TOML local date, no quotes).",
    "valid_until": "Last day of the term, inclusive (TOML local date, no quotes), where a "
    "source states it; without it the end is assumed from [terms] default_years and marked "
    "as assumed.",
    "term": 'The term as printed on the certificate, e.g. "2022-2026".',
    "ordinal": "Which certificate of the institution this is, as a source states it "
    '("po raz trzeci": 3); a whole number, 1 or more.',
    "awarded_by": "Who handed the certificate over.",
    "event": "The occasion of the ceremony.",
    "certificate_no": "Number of the certificate.",
    "source": "Where the award is documented: a well-formed http(s) address, or a "
    'citation ("uchwała Komisji Certyfikacyjnej nr …").',
    "notes": "Free-text notes.",
    "withdrawn_on": "Day the certification commission withdrew the certificate.",
    "withdrawal_reason": "Why it was withdrawn (only with withdrawn_on).",
}


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"description": description, "type": "string", **extra}


def _text(key: str, description: str, **extra: Any) -> dict[str, Any]:
    """A text value: no control character (``notes`` may hold line breaks and tabs).

    Every engine reads the class the same way; it also rejects a final newline, which
    Python's ``$`` in the other patterns would let through.
    """
    return {**_string(description, **extra), "not": {"pattern": f"[{control_class(key)}]"}}


def _institution_property(key: str) -> dict[str, Any]:
    doc = INSTITUTION_DOCS[key]
    if key in ("id", "parent"):
        return _text(key, doc, pattern=ID_PATTERN, maxLength=ID_MAX)
    if key in ("name", "city"):
        return _text(key, doc, pattern=NOT_BLANK)
    if key == "voivodeship":
        return _string(doc, enum=list(VOIVODESHIPS))
    if key == "website":
        return _text(key, doc, pattern=URL_PATTERN)
    if key == "awards":
        return {
            "description": doc,
            "type": "array",
            "minItems": 1,
            "items": {"$ref": "#/definitions/award"},
        }
    return _text(key, doc)


def _award_property(key: str) -> dict[str, Any]:
    doc = AWARD_DOCS[key]
    if key in AWARD_DATE_KEYS:
        return _string(doc, format="date")
    if key == "term":
        return _text(key, doc, pattern=TERM_PATTERN)
    if key == "source":
        return _text(key, doc, pattern=SOURCE_PATTERN)
    if key in AWARD_INT_KEYS:
        return {"description": doc, "type": "integer", "minimum": 1}
    return _text(key, doc)


def generate() -> dict[str, Any]:
    """The schema as a JSON-ready dict; keys in the register's canonical order."""
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "calcert institution file",
        "description": "One institution holding (or having held) the CAL quality certificate "
        "(Certyfikat Jakości Centrum Aktywności Lokalnej): registry/institutions/<id>.toml. "
        "TOML dates are checked as strings of format date.",
        "type": "object",
        "additionalProperties": False,
        "required": list(INSTITUTION_REQUIRED),
        "properties": {key: _institution_property(key) for key in INSTITUTION_KEYS},
        "definitions": {
            "award": {
                "description": "One certificate: a closed interval of days.",
                "type": "object",
                "additionalProperties": False,
                "required": list(AWARD_REQUIRED),
                "properties": {key: _award_property(key) for key in AWARD_KEYS},
                "dependencies": {"withdrawal_reason": ["withdrawn_on"]},
            }
        },
    }


def dumps() -> str:
    """The schema file's exact text (what ``calcert schema`` prints and the files hold)."""
    return json.dumps(generate(), ensure_ascii=False, indent=2) + "\n"
