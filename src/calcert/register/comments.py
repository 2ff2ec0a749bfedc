"""Where a register file has ``#`` comments, which the canonical writer cannot keep.

tomllib drops comments, and every write produces the canonical form, so an edit that
rewrites a file with comments would lose them silently. ``add``, ``withdraw`` and
``import`` ask here first and refuse instead; ``fmt`` is the explicit way to drop them.
A ``#`` inside a string (basic, literal, multi-line) is text, not a comment.
"""

from __future__ import annotations

from pathlib import Path

from calcert.register.tomlfile import ParsedFile


def _string_end(text: str, start: int) -> int:
    """The index just after the TOML string that opens at ``start``."""
    quote = text[start]
    delimiter = quote * 3 if text.startswith(quote * 3, start) else quote
    i = start + len(delimiter)
    while i < len(text):
        if quote == '"' and text[i] == "\\":
            i += 2  # an escape, also a line-ending backslash
        elif text.startswith(delimiter, i):
            i += len(delimiter)
            # A multi-line string may end with one or two quotes of its own: """a""""
            extra = 0
            while len(delimiter) == 3 and extra < 2 and text.startswith(quote, i):
                i, extra = i + 1, extra + 1
            return i
        elif text[i] == "\n" and len(delimiter) == 1:
            return i  # not TOML (the parser says so); the scan just goes on
        else:
            i += 1
    return i


def first_comment_line(text: str) -> int | None:
    """The 1-based line of the first ``#`` comment in TOML ``text``, or None."""
    if "#" not in text:
        return None
    i = 0
    while i < len(text):
        char = text[i]
        if char == "#":
            return text.count("\n", 0, i) + 1
        i = _string_end(text, i) if char in "\"'" else i + 1
    return None


def comment_line(parsed: ParsedFile) -> int | None:
    """The line of the first comment in the bytes ``parsed`` was read from, or None."""
    raw = parsed.raw
    if raw is None:
        try:
            raw = Path(parsed.path).read_bytes()
        except OSError:
            return None
    if b"#" not in raw:
        return None
    return first_comment_line(raw.decode("utf-8", errors="replace"))
