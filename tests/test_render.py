"""Tables for people: Rich on a terminal, plain text otherwise; colour only when allowed."""

from __future__ import annotations

import io
import re

import pytest

from calcert.outputs.tables import plain_table, print_table, to_csv

ROWS = [
    {
        "id": "mops-mlawa",
        "name": "Miejski Ośrodek Pomocy Społecznej w Mławie",
        "city": "Mława",
        "voivodeship": "mazowieckie",
        "kind": "MOPS",
        "status": "active",
        "valid_from": "2022-03-29",
        "valid_until": "2026-03-28",
        "certificates": 2,
    },
]
COLUMNS = list(ROWS[0])


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_table_is_aligned_and_colourless() -> None:
    text = plain_table(ROWS, COLUMNS)
    header, row = text.splitlines()
    assert header.index("city") == row.index("Mława")
    assert "\x1b" not in text


@pytest.mark.parametrize("width", ["60", "80", "200"])
def test_terminal_table_keeps_ids_and_dates_whole(monkeypatch, width) -> None:
    monkeypatch.setenv("COLUMNS", width)
    stream = Terminal()
    print_table(ROWS, COLUMNS, stream=stream)
    out = re.sub(r"\x1b\[[0-9;]*m", "", stream.getvalue())
    assert "mops-mlawa" in out
    assert "2026-03-28" in out
    assert max(len(line) for line in out.splitlines()) <= int(width)


def test_no_color_turns_colour_off_on_a_terminal(monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    stream = Terminal()
    print_table(ROWS, COLUMNS, stream=stream)
    assert "\x1b" not in stream.getvalue()  # no colour, and no bold or dim either


def test_colour_on_a_terminal_without_no_color(monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    stream = Terminal()
    print_table(ROWS, COLUMNS, stream=stream)
    assert "\x1b[32m" in stream.getvalue()


def test_empty_no_color_value_does_not_disable_colour(monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "")
    monkeypatch.setenv("TERM", "xterm-256color")
    stream = Terminal()
    print_table(ROWS, COLUMNS, stream=stream)
    assert "\x1b[32m" in stream.getvalue()


def test_csv_quotes_what_needs_quoting() -> None:
    rows = [{"id": "a", "name": 'Ośrodek "CAL", Mława'}]
    assert to_csv(rows, ["id", "name"]) == 'id,name\na,"Ośrodek ""CAL"", Mława"\n'
