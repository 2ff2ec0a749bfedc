"""Reading institution files into the model, and the canonical writer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from calcert.model.records import AWARD_KEYS, Award, Institution
from calcert.model.values import VOIVODESHIPS
from calcert.register.tomlfile import dumps, parse
from conftest import MLAWA, REPO, examples


def _parse(text: str, stem: str = "mops-mlawa"):
    return parse(Path(f"{stem}.toml"), text.encode("utf-8"), f"{stem}.toml")


def test_sample_file_loads_into_the_model() -> None:
    parsed = _parse(MLAWA)
    assert parsed.findings == []
    inst = parsed.institution
    assert inst is not None
    assert inst.city == "Mława"
    assert inst.awards[0].valid_until == date(2026, 3, 28)
    assert inst.awards[0].line == 7
    assert parsed.is_canonical()


def test_every_file_of_the_real_register_rewrites_byte_identically() -> None:
    files = sorted((REPO / "registry" / "institutions").glob("*.toml"))
    assert files, "the real register has institution files"
    for path in files:
        raw = path.read_bytes()
        parsed = parse(path, raw, path.name)
        assert parsed.findings == [], path
        assert parsed.institution is not None
        assert dumps(parsed.institution).encode("utf-8") == raw, path


def test_canonical_form_orders_keys_and_awards() -> None:
    messy = """\
city = "Mława"
[[awards]]
valid_until = 2026-03-28
valid_from = 2022-03-29
[[awards]]
valid_from = 2011-06-28
valid_until = 2016-06-27
"""
    text = 'name = "MOPS"\nid = "mops-mlawa"\n' + messy
    parsed = _parse(text)
    assert parsed.institution is not None
    assert not parsed.is_canonical()
    assert dumps(parsed.institution) == (
        'id = "mops-mlawa"\nname = "MOPS"\ncity = "Mława"\n\n'
        "[[awards]]\nvalid_from = 2011-06-28\nvalid_until = 2016-06-27\n\n"
        "[[awards]]\nvalid_from = 2022-03-29\nvalid_until = 2026-03-28\n"
    )


def test_string_date_is_a_wrong_type_with_the_fix() -> None:
    parsed = _parse(MLAWA.replace("valid_from = 2022-03-29", 'valid_from = "2022-03-29"'))
    assert [(f.code, f.line, f.message) for f in parsed.findings] == [
        (
            "E005",
            9,
            "valid_from is a string, not a date; remove the quotes: valid_from = 2022-03-29",
        )
    ]
    assert not parsed.complete


def test_datetime_is_not_a_date() -> None:
    parsed = _parse(MLAWA.replace("valid_until = 2026-03-28", "valid_until = 2026-03-28T10:00:00"))
    assert [f.message for f in parsed.findings] == [
        "valid_until is a date-time, not a date; drop the time: valid_until = 2026-03-28"
    ]


def test_impossible_date_is_a_syntax_error_with_its_line() -> None:
    parsed = _parse(MLAWA.replace("valid_until = 2026-03-28", "valid_until = 2020-02-30"))
    assert [(f.code, f.line) for f in parsed.findings] == [("E002", 10)]


def test_malformed_toml_names_line_and_column() -> None:
    parsed = _parse('id = "mops-mlawa"\nname = "unterminated\n')
    assert len(parsed.findings) == 1
    finding = parsed.findings[0]
    assert (finding.code, finding.line) == ("E002", 2)
    assert "column" in finding.message


# ---- hypothesis: write → load → write is byte-identical --------------------------------

text_values = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40
)
optional_text = st.none() | text_values
dates = st.dates(date(1990, 1, 1), date(2100, 12, 31))


@st.composite
def awards(draw) -> Award:
    start = draw(dates)
    length = draw(st.integers(0, 3000))
    end = date.fromordinal(start.toordinal() + length)
    withdrawn = draw(st.none() | st.just(start))
    return Award(
        valid_from=start,
        valid_until=end,
        awarded_on=draw(st.none() | dates),
        term=draw(st.none() | st.just(f"{start.year}-{end.year}")),
        awarded_by=draw(optional_text),
        event=draw(optional_text),
        certificate_no=draw(optional_text),
        source=draw(st.none() | st.just("https://example.org/a?b=ą")),
        notes=draw(optional_text),
        withdrawn_on=withdrawn,
        withdrawal_reason=draw(optional_text) if withdrawn else None,
    )


@st.composite
def institutions(draw) -> Institution:
    return Institution(
        id="x-1",
        name=draw(text_values),
        city=draw(text_values),
        awards=tuple(draw(st.lists(awards(), min_size=1, max_size=4))),
        kind=draw(optional_text),
        voivodeship=draw(st.none() | st.sampled_from(VOIVODESHIPS)),
        website=draw(st.none() | st.just("https://mops.example.pl/")),
        parent=draw(st.none() | st.just("x-0")),
    )


@settings(max_examples=examples(150), deadline=None)
@given(institutions())
def test_write_load_write_is_byte_identical(inst: Institution) -> None:
    text = dumps(inst)
    parsed = parse(Path("x-1.toml"), text.encode("utf-8"), "x-1.toml")
    assert parsed.institution is not None, parsed.findings
    assert parsed.institution == Institution(**{**inst.__dict__, "awards": inst.sorted_awards()})
    assert dumps(parsed.institution) == text
    assert parsed.is_canonical()
    assert text.endswith("\n") and "\r" not in text.replace("\\r", "")


def test_award_keys_are_written_in_spec_order() -> None:
    award = Award(
        **{
            k: date(2020, 1, 1) if k.endswith(("_on", "_from", "_until")) else "x"
            for k in AWARD_KEYS
        }
    )
    inst = Institution(id="a", name="n", city="c", awards=(award,))
    body = dumps(inst).split("[[awards]]\n", 1)[1]
    assert [line.split(" = ")[0] for line in body.splitlines()] == list(AWARD_KEYS)
