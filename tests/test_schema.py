"""The editor schema: generated from the model, shipped twice, and agreeing with the data."""

from __future__ import annotations

import importlib.resources
import json
import tomllib
from datetime import date, datetime, time
from typing import Any

import jsonschema
import pytest

from calcert.model.records import AWARD_KEYS, INSTITUTION_KEYS
from calcert.model.values import VOIVODESHIPS
from calcert.outputs import schema
from conftest import MLAWA, REPO

MLAWA_SOURCE = MLAWA.strip().splitlines()[-1]


def as_editors_see_it(value: Any) -> Any:
    """TOML → JSON the way taplo / Even Better TOML do: dates and times become strings."""
    if isinstance(value, dict):
        return {k: as_editors_see_it(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_editors_see_it(v) for v in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def errors(text: str) -> list[str]:
    """``"keyword: message"`` of every schema error (keywords are stable, messages vary)."""
    validator = jsonschema.Draft7Validator(
        schema.generate(), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    data = as_editors_see_it(tomllib.loads(text))
    return sorted(f"{e.validator}: {e.message}" for e in validator.iter_errors(data))


def test_schema_is_valid_draft_07() -> None:
    generated = schema.generate()
    assert generated["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(generated)


def test_shipped_files_equal_the_generated_schema(cli) -> None:
    expected = schema.dumps()
    assert (REPO / "schema" / "institution.schema.json").read_text(encoding="utf-8") == expected
    packaged = importlib.resources.files("calcert") / "data" / schema.SCHEMA_FILE
    assert packaged.read_text(encoding="utf-8") == expected
    result = cli(None, "schema")
    assert result.exit_code == 0
    assert result.stdout == expected


def test_wheel_includes_the_schema() -> None:
    wheel = pytest.importorskip("hatchling.builders.wheel")
    files = {f.distribution_path for f in wheel.WheelBuilder(str(REPO)).recurse_included_files()}
    assert "calcert/data/institution.schema.json" in files


def test_schema_follows_the_model() -> None:
    generated = schema.generate()
    award = generated["definitions"]["award"]
    assert list(generated["properties"]) == list(INSTITUTION_KEYS)
    assert list(award["properties"]) == list(AWARD_KEYS)
    assert generated["additionalProperties"] is False
    assert award["additionalProperties"] is False
    assert generated["required"] == ["id", "name", "city", "awards"]
    assert award["required"] == ["valid_from"]  # no valid_until: the end is assumed
    assert award["properties"]["ordinal"] == {
        "description": award["properties"]["ordinal"]["description"],
        "type": "integer",
        "minimum": 1,
    }
    assert award["properties"]["decided_on"]["format"] == "date"
    assert generated["properties"]["voivodeship"]["enum"] == list(VOIVODESHIPS)
    assert generated["properties"]["awards"]["minItems"] == 1
    assert award["properties"]["valid_until"] == {
        "description": "Last day of the term, inclusive (TOML local date, no quotes), where a "
        "source states it; without it the end is assumed from [terms] default_years and marked "
        "as assumed.",
        "type": "string",
        "format": "date",
    }


def test_every_file_of_the_real_register_validates() -> None:
    paths = sorted((REPO / "registry" / "institutions").glob("*.toml"))
    assert paths
    for path in paths:
        assert errors(path.read_text(encoding="utf-8")) == [], path


def test_sample_validates() -> None:
    assert errors(MLAWA) == []


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # Unknown keys, top-level and in an award.
        ('kind = "MOPS"', 'kidn = "MOPS"', "additionalProperties: "),
        ('term = "2022-2026"', 'trem = "2022-2026"', "additionalProperties: "),
        # A missing name.
        ('name = "Miejski Ośrodek Pomocy Społecznej w Mławie"\n', "", "required: 'name'"),
        # Dates: a date-time and a string that is no date fail. (A quoted "2022-03-29" looks
        # like a date to any TOML editor; `calcert validate` reports that one as E005.)
        ("valid_from = 2022-03-29", "valid_from = 2022-03-29T10:00:00", "format: "),
        ("valid_from = 2022-03-29", 'valid_from = "29.03.2022"', "format: "),
        ("valid_until = 2026-03-28", "valid_until = 20260328", "type: "),
        ('voivodeship = "mazowieckie"', 'voivodeship = "Mazowieckie"', "enum: "),
        ('id = "mops-mlawa"', 'id = "MOPS_Mlawa"', "pattern: "),
        ('term = "2022-2026"', 'term = "2022/26"', "pattern: "),
        ('term = "2022-2026"', 'withdrawal_reason = "x"', "dependencies: "),
    ],
)
def test_schema_rejects(old: str, new: str, message: str) -> None:
    assert old in MLAWA
    found = errors(MLAWA.replace(old, new))
    assert len(found) == 1, found
    assert found[0].startswith(message), found


def test_schema_requires_an_award() -> None:
    head = MLAWA.split("[[awards]]")[0]
    assert errors(head) == ["required: 'awards' is a required property"]
    assert [e.split(":")[0] for e in errors(head + "awards = []\n")] == ["minItems"]


def test_schema_file_is_plain_json() -> None:
    text = (REPO / "schema" / "institution.schema.json").read_text(encoding="utf-8")
    assert json.loads(text) == schema.generate()
    assert text.endswith("}\n")


def test_the_schema_takes_the_new_keys_and_refuses_their_bad_values() -> None:
    """decided_on is a date, ordinal a whole number from 1, valid_until may be left out, and
    a source is a citation or a well-formed http(s) address."""
    head, award = MLAWA.split("[[awards]]")
    sourced = head + "[[awards]]" + award.replace("valid_until = 2026-03-28\n", "")
    assert errors(sourced + "decided_on = 2022-03-01\nordinal = 2\n") == []
    assert errors(sourced.replace(MLAWA_SOURCE, 'source = "uchwała Komisji nr 7/2022"')) == []
    assert [e.split(":")[0] for e in errors(sourced + "ordinal = 0\n")] == ["minimum"]
    assert [e.split(":")[0] for e in errors(sourced + 'ordinal = "3"\n')] == ["type"]
    assert [e.split(":")[0] for e in errors(sourced + 'decided_on = "x"\n')] == ["format"]
    for bad in ("www.mops.pl", "http://mops", "https://mops .pl/x"):
        text = sourced.replace(MLAWA_SOURCE, f'source = "{bad}"')
        assert [e.split(":")[0] for e in errors(text)] == ["pattern"], bad
