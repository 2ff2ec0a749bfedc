"""Polish alphabetical order without the ``locale`` module: ą after a, ł after l, ś after s.

The alphabet is a ą b c ć d e ę f g h i j k l ł m n ń o ó p q r s ś t u v w x y z ź ż: the
Polish letters with diacritics are letters of their own, each right after its base letter.
Other accented letters (é, ü, ö) sort with their base letter and only break ties, case
breaks the remaining ties (lower case first), so the order is total and never depends on
the machine's locale. Spaces and punctuation come before digits, digits before letters.
"""

from __future__ import annotations

import unicodedata

ALPHABET = "aąbcćdeęfghijklłmnńoóprsśtuvwxyzźż"
_RANK = {letter: index for index, letter in enumerate(ALPHABET)}
_LETTERS = 100  # ranks below: separators (0) and digits (1-10)

Key = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], str]


def _base(char: str) -> tuple[str, int]:
    """The letter ``char`` sorts as, and 1 when it is a non-Polish accented variant."""
    if char in _RANK:
        return char, 0
    decomposed = unicodedata.normalize("NFD", char)
    if len(decomposed) > 1 and decomposed[0] in _RANK:
        return decomposed[0], 1
    return char, 0


def _primary(char: str) -> int:
    if char in _RANK:
        return _LETTERS + _RANK[char]
    if char.isdigit():
        return 1 + (unicodedata.digit(char, 0))
    if char.isalpha():
        return _LETTERS + len(ALPHABET) + ord(char)  # other scripts: after z, by code point
    return 0


def polish_key(text: str) -> Key:
    """Sort key for Polish text: ``sorted(names, key=polish_key)``."""
    lower = text.lower()
    bases = [_base(char) for char in lower]
    primary = tuple(_primary(base) for base, _accent in bases)
    accents = tuple(accent for _base_char, accent in bases)
    case = tuple(int(char != low) for char, low in zip(text, lower, strict=False))
    return primary, accents, case, text
