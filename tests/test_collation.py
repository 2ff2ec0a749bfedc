"""Polish alphabetical order (issue 13 item 9): one key, checked against a reference."""

from __future__ import annotations

from functools import cmp_to_key
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from calcert.model.collation import polish_key
from calcert.model.values import VOIVODESHIPS

# The reference: the Polish alphabet as taught, letter by letter, case ignored.
REFERENCE = "aąbcćdeęfghijklłmnńoóprsśtuvwxyzźż"
words = st.text(alphabet=REFERENCE + REFERENCE.upper(), max_size=8)


def reference_cmp(a: str, b: str) -> int:
    x = [REFERENCE.index(c) for c in a.lower()]
    y = [REFERENCE.index(c) for c in b.lower()]
    return (x > y) - (x < y)


@given(st.lists(words, max_size=20))
def test_order_agrees_with_the_alphabet(names: list[str]) -> None:
    ours = sorted(names, key=polish_key)
    for a, b in pairwise(ours):
        assert reference_cmp(a, b) <= 0, (a, b)
    assert [s.lower() for s in ours] == [
        s.lower() for s in sorted(names, key=cmp_to_key(reference_cmp))
    ]


@given(words, words)
def test_the_order_is_total_and_consistent(a: str, b: str) -> None:
    assert (polish_key(a) == polish_key(b)) == (a == b)
    if reference_cmp(a, b) < 0:
        assert polish_key(a) < polish_key(b)


def test_polish_letters_follow_their_base_letter() -> None:
    names = ["Śrem", "Sopot", "Łódź", "Lublin", "Ząbki", "Żary", "Zabrze", "Ąb", "Ab", "Ba"]
    assert sorted(names, key=polish_key) == [
        "Ab",
        "Ąb",
        "Ba",
        "Lublin",
        "Łódź",
        "Sopot",
        "Śrem",
        "Zabrze",
        "Ząbki",
        "Żary",
    ]


def test_voivodeships_in_polish_order() -> None:
    assert sorted(VOIVODESHIPS, key=polish_key) == list(VOIVODESHIPS)
    assert sorted(VOIVODESHIPS) != list(VOIVODESHIPS)  # code-point order gets it wrong


def test_other_accents_case_digits_and_spaces() -> None:
    assert sorted(["é", "e", "f", "E"], key=polish_key) == ["e", "E", "é", "f"]
    assert sorted(["b", "2", "10", " a"], key=polish_key) == [" a", "10", "2", "b"]
