"""The fast read path and the fast canonical check agree with the general ones.

The reference here is the general path written out in full: tomllib, ``LineIndex.scan``,
``build``, and ``dumps(record) == bytes`` for the canonical-form check.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from calcert.checks.register_wide import normalise, plus_years
from calcert.model.records import Award, Institution, assumed_until
from calcert.model.values import VOIVODESHIPS
from calcert.register.tomlfile import LineIndex, ParsedFile, build, canonical_text, dumps, parse
from conftest import examples

PATH = Path("/r/institutions/mops-x.toml")

texts = st.text(max_size=30)
awkward = "aąŁ \t\"\\'\n\r\b\f\x00\x1f\x7f\u2028é#=[]"  # escapes, line breaks, quotes
nasty = st.text(alphabet=st.sampled_from(awkward), max_size=12)
strings = st.one_of(texts, nasty)
days = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))


@st.composite
def awards(draw: st.DrawFn) -> Award:
    start = draw(days)
    later = date.fromordinal(min(start.toordinal() + 1800, date.max.toordinal()))
    end = draw(st.one_of(days, st.just(later)))
    # No valid_until in the file: the end read back is the one assumed from 5 years.
    assumed = draw(st.booleans())
    if assumed:
        end = assumed_until(start)
    optional = st.one_of(st.none(), strings)
    return Award(
        valid_from=start,
        valid_until=end,
        valid_until_assumed=assumed,
        decided_on=draw(st.one_of(st.none(), days)),
        ordinal=draw(st.one_of(st.none(), st.integers(min_value=0, max_value=10**9))),
        awarded_on=draw(st.one_of(st.none(), days)),
        term=draw(st.one_of(st.none(), st.just(f"{start.year}-{end.year}"), strings)),
        awarded_by=draw(optional),
        event=draw(optional),
        certificate_no=draw(optional),
        source=draw(st.one_of(st.none(), st.just("https://x.pl/a"), strings)),
        notes=draw(optional),
        withdrawn_on=draw(st.one_of(st.none(), days)),
        withdrawal_reason=draw(optional),
    )


@st.composite
def institutions(draw: st.DrawFn) -> Institution:
    return Institution(
        id=draw(st.sampled_from(["mops-x", "mops-y", "Bad Id"])),
        name=draw(strings),
        city=draw(strings),
        awards=tuple(draw(st.lists(awards(), min_size=1, max_size=4))),
        kind=draw(st.one_of(st.none(), strings)),
        voivodeship=draw(st.one_of(st.none(), st.sampled_from(VOIVODESHIPS), strings)),
        website=draw(st.one_of(st.none(), st.just("https://mops.pl"), strings)),
        parent=draw(st.one_of(st.none(), st.just("mops-z"), strings)),
        path=PATH,
    )


def general(raw: bytes) -> ParsedFile:
    """The general read path, without the fast one."""
    text = raw.decode("utf-8").removeprefix("\ufeff")
    lines = LineIndex.scan(text)
    institution, findings, _draft = build(tomllib.loads(text), PATH, "f.toml", lines)
    return ParsedFile(PATH, "f.toml", institution, findings, raw, lines)


def same(fast: ParsedFile, slow: ParsedFile) -> None:
    assert fast.institution == slow.institution
    assert fast.findings == slow.findings
    assert fast.lines == slow.lines
    if slow.institution is not None:
        assert [a.line for a in fast.institution.awards] == [
            a.line for a in slow.institution.awards
        ]
        canonical = dumps(slow.institution).encode("utf-8") == slow.raw
        assert fast.is_canonical() == canonical


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(institutions())
def test_canonical_text_is_dumps(institution):
    assert canonical_text(institution) == dumps(institution)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(institutions())
def test_canonical_files_read_fast_as_in_general(institution):
    raw = dumps(institution).encode("utf-8")
    fast = parse(PATH, raw, "f.toml")
    same(fast, general(raw))
    if fast.institution is not None and "'''" not in raw.decode():
        assert fast.canonical is True  # the fast path took it and proved it canonical


MUTATIONS = [
    lambda t, i: t[:i] + " " + t[i:],
    lambda t, i: t[:i] + t[i + 1 :],
    lambda t, i: t[:i] + "\n" + t[i:],
    lambda t, i: t[:i] + "# note\n" + t[i:],
    lambda t, i: t[:i] + t[i:].replace('"', "'", 2),
    lambda t, i: t[:i] + t[i:].replace("\\\\", "\\u005c", 1),
    lambda t, i: t[:i] + t[i:].replace("\\n", "\\u000a", 1),
    lambda t, i: t[:i] + t[i:].replace("\\b", "\\u0008", 1),
    lambda t, i: t[:i] + t[i:].replace("a", "\\u0061", 1),
    lambda t, i: t.replace("\n", "\r\n"),
    lambda t, i: "\ufeff" + t,
    lambda t, i: t.rstrip("\n"),
    lambda t, i: t + "\n",
    lambda t, i: t[:i] + t[i:].replace("\n\n[[awards]]", "\n[[awards]]", 1),
    lambda t, i: t[:i] + t[i:].replace("-0", "-1", 1),
    lambda t, i: t[:i] + t[i:].replace("-1", "-3", 1),
    lambda t, i: t[:i] + t[i:].replace("-", "/", 1),
    lambda t, i: t[:i] + t[i:].replace(" = ", "=", 1),
    lambda t, i: t[:i] + t[i:].replace("name", "nam", 1),
    lambda t, i: t[:i] + t[i:].replace("valid_until", "valid_untill", 1),
    lambda t, i: t[:i] + t[i:].replace('"', "'''", 1),
    lambda t, i: swap_lines(t, i),
    lambda t, i: swap_awards(t),
]


def swap_lines(text: str, i: int) -> str:
    lines = text.split("\n")
    j = i % max(len(lines) - 1, 1)
    lines[j], lines[j - 1] = lines[j - 1], lines[j]
    return "\n".join(lines)


def swap_awards(text: str) -> str:
    head, *parts = text.split("\n[[awards]]\n")
    return "\n[[awards]]\n".join([head, *reversed(parts)])


@pytest.mark.slow  # deep fuzz: 400 mutated files, ~10 s
@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(institutions(), st.lists(st.tuples(st.sampled_from(MUTATIONS), st.integers(0, 2000))))
def test_mutated_files_read_as_in_general(institution, mutations):
    text = dumps(institution)
    for mutate, where in mutations:
        text = mutate(text, where % (len(text) + 1))
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        assume(False)
    try:
        slow = general(raw)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError):
        assume(False)
    same(parse(PATH, raw, "f.toml"), slow)


def test_escapes_that_tomli_w_does_not_write_take_the_general_path():
    text = dumps(
        Institution("mops-x", "a\\b", "Radom", (Award(date(2020, 1, 1), date(2024, 1, 1)),))
    ).replace("\\\\", "\\u005c")
    parsed = parse(PATH, text.encode(), "f.toml")
    assert parsed.institution.name == "a\\b"
    assert parsed.canonical is None  # not decided by the fast path
    assert not parsed.is_canonical()


CANONICAL = (
    'id = "mops-x"\nname = "MOPS"\ncity = "Radom"\n'
    "\n[[awards]]\nvalid_from = 2014-05-19\nvalid_until = 2017-05-18\nordinal = 3\n"
    "\n[[awards]]\nvalid_from = 2017-05-19\n"
)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("", ""),  # the canonical file itself: read fast
        ("valid_until = 2017-05-18", "valid_until = 20170518"),  # other ISO spellings
        ("valid_until = 2017-05-18", "valid_until = 2017-W20-4"),
        ("ordinal = 3", "ordinal = 03"),
        ('name = "MOPS"\ncity = "Radom"', 'city = "Radom"\nname = "MOPS"'),  # key order
        ("\n\n[[awards]]\nvalid_from = 2017", "\n\n\n[[awards]]\nvalid_from = 2017"),
        ("\n\n[[awards]]\nvalid_from = 2017", "\n[[awards]]\nvalid_from = 2017"),
        ("2014-05-19\nvalid_until = 2017-05-18", "2019-05-19\nvalid_until = 2020-05-18"),
        ('name = "MOPS"', 'name = "MOPS"\nname = "MOPS"'),  # a key twice
        ('name = "MOPS"', "name = 2020-01-01"),  # the wrong type
        ("ordinal = 3", 'ordinal = "3"'),
        ('city = "Radom"\n', ""),  # a required key missing
    ],
)
def test_only_the_writers_layout_is_read_fast(old, new):
    """The fast path checks each line against what the writer writes (it no longer writes
    the record out again to compare): every other spelling reads as in general and is not
    canonical, or fails as in general."""
    text = CANONICAL.replace(old, new, 1)
    assert text != CANONICAL or not old
    raw = text.encode()
    parsed = parse(PATH, raw, "f.toml")
    try:
        slow = general(raw)
    except tomllib.TOMLDecodeError:
        assert parsed.institution is None
        assert [f.code for f in parsed.findings] == ["E002"]
        return
    same(parsed, slow)
    if parsed.institution is not None:
        assert parsed.is_canonical() == (not old)
    assert (parsed.canonical is True) == (not old)  # only the canonical file went fast


@given(days, st.integers(-5, 120))
@example(date(2016, 2, 29), 3)
@example(date(9999, 12, 31), 1)
def test_plus_years_is_relativedelta(day, years):
    try:
        expected: date | type = day + relativedelta(years=years)
    except (ValueError, OverflowError) as exc:
        expected = type(exc)
    try:
        got: date | type = plus_years(day, years)
    except (ValueError, OverflowError) as exc:
        got = type(exc)
    assert got == expected


def _normalise_reference(text: str) -> str:
    text = text.replace("ł", "l").replace("Ł", "L")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


@given(st.one_of(st.text(), nasty, st.text(alphabet="ąćęłńóśźżĄĆĘŁŃÓŚŹŻ aZ\u0301\u0328ß„”")))
def test_normalise_is_the_reference(text):
    assert normalise(text) == _normalise_reference(text)
