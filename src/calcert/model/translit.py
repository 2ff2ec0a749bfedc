"""Ids from names: "MOPS Mława" → ``mops-mlawa``.

Polish letters are transliterated by hand first (``ł`` has no Unicode decomposition), the
rest of Latin script by stripping diacritics.
"""

from __future__ import annotations

import re
import unicodedata

from calcert.model.values import ID_MAX

_POLISH = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")
# Letters with no Unicode decomposition that names of partner institutions may carry.
_OTHERS = str.maketrans({"ß": "ss", "ẞ": "SS", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "æ": "ae"})


def slugify(text: str, limit: int = ID_MAX) -> str:
    """Lower-case ASCII words joined by single hyphens, cut at a word boundary."""
    text = unicodedata.normalize("NFKD", text.translate(_POLISH).translate(_OTHERS))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    words = re.findall(r"[a-z0-9]+", text)
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            break
        slug = candidate
    if not slug and words:
        slug = words[0][:limit]
    return slug
