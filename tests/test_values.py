"""One definition per kind of value: the file reader, the checks, the command line, the
import and the JSON Schema accept exactly the same terms, dates, ids and addresses."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calcert.checks import per_file
from calcert.errors import UsageError
from calcert.model import values
from calcert.model.terms import parse_date, parse_term
from calcert.outputs import schema
from calcert.register.tomlfile import parse
from conftest import MLAWA

TERMISH = st.text(alphabet="0123456789٠١٢٣-–— x", min_size=0, max_size=11)


def _term_finding(term: str) -> bool:
    text = MLAWA.replace('term = "2022-2026"', f"term = {json.dumps(term, ensure_ascii=False)}")
    assert text != MLAWA
    parsed = parse(Path("mops-mlawa.toml"), text.encode(), "mops-mlawa.toml")
    return any(f.code == "E016" for f in [*parsed.findings, *per_file.check_file(parsed)])


@given(TERMISH | st.sampled_from(["2014-2017", "2014–2017", "٢٠١٤-٢٠١٧", "2017-2014"]))
def test_reader_and_schema_agree_on_terms(term):
    pattern = schema.generate()["definitions"]["award"]["properties"]["term"]["pattern"]
    # JSON Schema patterns are ECMAScript: \d is an ASCII digit there.
    schema_ok = re.search(pattern, term, re.ASCII) is not None
    years = values.term_years(term)
    assert schema_ok == (years is not None)
    reversed_ = years is not None and years[1] < years[0]
    assert _term_finding(term) == (not schema_ok or reversed_)


def test_terms_and_dates_are_ascii_digits_everywhere():
    assert values.term_years("٢٠١٤-٢٠١٧") is None
    assert _term_finding("٢٠١٤-٢٠١٧")
    with pytest.raises(UsageError):
        parse_date("２０２２-03-29")
    with pytest.raises(UsageError):
        parse_term("٢٠١٤-٢٠١٧")
    assert parse_date("2022-03-29") == date(2022, 3, 29)
    assert str(parse_term(" 2014 — 2017 ")) == "2014-2017"


def test_schema_patterns_are_the_model_ones():
    generated = schema.generate()
    props = generated["properties"]
    award = generated["definitions"]["award"]["properties"]
    assert props["id"]["pattern"] == values.ID_RE.pattern
    assert props["voivodeship"]["enum"] == list(values.VOIVODESHIPS)
    assert props["website"]["pattern"] == values.URL_RE.pattern
    assert award["source"]["pattern"] == values.SOURCE_RE.pattern
    assert award["term"]["pattern"] == values.TERM_RE.pattern
