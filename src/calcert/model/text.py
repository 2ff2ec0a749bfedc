"""Rules for text values shown to people or written to files other programs open.

Control characters: C0 and C1 controls, DEL, the bidirectional formatting characters (an
override can make ``txet`` read as ``text``) and the Unicode line and paragraph separators.
A value from the register may hold one (an old file, a hand edit); every renderer shows it
escaped (``\\x1b``, ``\\u202e``) so that no escape sequence reaches a terminal (OSC 52
clipboard writes, window titles, screen clears) and no table row breaks in two.

CSV cells: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, tab or
carriage return as a formula (OWASP "CSV Injection"). ``csv_cell`` puts a ``'`` in front
of such a cell, and ``csv_value`` takes exactly that quote away again, so a CSV calcert
writes reads back to the values it was written from.
"""

from __future__ import annotations

import re

# The characters a renderer escapes and a value may not hold, as the inside of a regular
# expression class written with escapes only, so that Python, JSON Schema (ECMAScript) and
# the editors' engines read it alike: C0, DEL and C1 controls, bidirectional formatting
# (ALM, LRM, RLM, LRE..RLO, LRI..PDI), and the line and paragraph separators.
_OTHER_CONTROLS = r"\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
CONTROL_CLASS = r"\u0000-\u001f" + _OTHER_CONTROLS
# The same without tab (U+0009) and line feed (U+000A), for keys that may hold them.
MULTILINE_CONTROL_CLASS = r"\u0000-\u0008\u000b-\u001f" + _OTHER_CONTROLS
_CONTROL = re.compile(f"[{CONTROL_CLASS}]")
# Keys whose text may hold line breaks and tabs (free text written over several lines).
MULTILINE_KEYS = frozenset({"notes"})
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _escape(match: re.Match[str]) -> str:
    char = match[0]
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str, keep: str = "") -> str:
    """``text`` with every control character written as a visible escape (``\\x1b``).

    ``keep`` names the controls left as they are (e.g. ``"\\n"`` where a renderer has its
    own way of showing a line break).
    """
    if text.isprintable():  # the common case, without a regex (no Cc, Cf, Zl, Zp)
        return text
    if not keep:
        return _CONTROL.sub(_escape, text)
    return _CONTROL.sub(lambda m: m[0] if m[0] in keep else _escape(m), text)


def control_class(key: str) -> str:
    """The controls the value of ``key`` may not hold, as the inside of a regex class."""
    return MULTILINE_CONTROL_CLASS if key in MULTILINE_KEYS else CONTROL_CLASS


def first_control(text: str, key: str = "") -> str | None:
    """The first control character in ``text`` (see ``CONTROL_CLASS``) that the value of
    ``key`` may not hold (``notes`` may hold line breaks and tabs), or None."""
    if text.isprintable():
        return None
    allowed = "\n\t" if key in MULTILINE_KEYS else ""
    return next((m[0] for m in _CONTROL.finditer(text) if m[0] not in allowed), None)


def _quoted_formula(text: str) -> bool:
    return text.lstrip("'").startswith(FORMULA_START)


def csv_cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: ``'`` before a would-be formula.

    Leading quotes count too (``'=x`` becomes ``''=x``), so ``csv_value`` can take the
    added quote away without guessing.
    """
    return "'" + text if _quoted_formula(text) else text


def csv_value(cell: str) -> str:
    """Exactly undo ``csv_cell``: the value a cell calcert wrote stands for."""
    if cell.startswith("'") and _quoted_formula(cell[1:]):
        return cell[1:]
    return cell


# What git writes into a file it could not merge: <<<<<<< ours, ||||||| base, =======,
# >>>>>>> theirs, each at the start of a line.
_CONFLICT_START = re.compile(r"^<{7}(?: |$)", re.MULTILINE)
_CONFLICT_MARKER = re.compile(r"^(?:<{7}|\|{7}|={7}|>{7})(?: |$)", re.MULTILINE)


def conflict_marker_line(text: str) -> int | None:
    """The 1-based line where a git merge conflict starts in ``text`` (its ``<<<<<<<``,
    else its first marker), or None."""
    match = _CONFLICT_START.search(text) or _CONFLICT_MARKER.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None
