"""Ids from names: "MOPS Mława" → ``mops-mlawa``.

Polish letters are transliterated by hand first (``ł`` has no Unicode decomposition), the
rest of Latin script by stripping diacritics.
"""

from __future__ import annotations

import re
import unicodedata

from calcert.model import ID_MAX

_POLISH = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")


def slugify(text: str, limit: int = ID_MAX) -> str:
    """Lower-case ASCII words joined by single hyphens, cut at a word boundary."""
    text = unicodedata.normalize("NFKD", text.translate(_POLISH))
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
