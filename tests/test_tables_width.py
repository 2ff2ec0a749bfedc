"""Tables at 80 columns and below (issue 13 item 10): nothing vanishes silently, names wrap
between words, ids/dates/statuses stay whole, TERM=dumb is ASCII, tiny widths print all."""

from __future__ import annotations

import re

import pytest

from calcert.i18n import set_language
from calcert.ops.queries import LIST_COLUMNS
from calcert.outputs.tables import machine_columns, plain_table, print_table

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
    {
        "id": "gops-lubartow-filia-nr-2",
        "name": "Gminny Ośrodek Pomocy Społecznej w Lubartowie",
        "city": "Lubartów",
        "voivodeship": "lubelskie",
        "kind": "GOPS",
        "status": "withdrawn",
        "valid_from": "2023-02-01",
        "valid_until": "2024-04-30",
        "certificates": 1,
    },
]
WORDS = {w for row in ROWS for w in str(row["name"]).split()}


class Terminal:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


def draw(monkeypatch, columns: str, term: str = "xterm-256color") -> str:
    monkeypatch.setenv("COLUMNS", columns)
    monkeypatch.setenv("TERM", term)
    monkeypatch.setenv("NO_COLOR", "1")
    stream = Terminal()
    print_table(ROWS, LIST_COLUMNS, stream=stream)
    return re.sub(r"\x1b\[[0-9;]*m", "", stream.text)


def test_at_80_columns_a_dropped_column_is_named(monkeypatch):
    out = draw(monkeypatch, "80")
    assert max(len(line) for line in out.splitlines()) <= 80
    table, _, note = out.partition("not shown")
    note = " ".join(note.split())
    hidden = [c for c in ("voivodeship", "kind", "valid from", "certificates") if c not in table]
    assert hidden, "at 80 columns some column has to go"
    for header in hidden:
        assert header in note, (header, note)
    assert "--format csv" in note


def test_names_wrap_between_words_and_ids_dates_statuses_never(monkeypatch):
    for width in ("80", "60", "50", "30"):
        out = draw(monkeypatch, width)
        pieces = set(re.split(r"[\s│|┃:]+", out))
        for value in ("mops-mlawa", "gops-lubartow-filia-nr-2", "2026-03-28", "2024-04-30"):
            assert value in pieces, (width, value, out)
        assert "withdrawn" in pieces and "active" in pieces
        broken = {w for w in pieces if w and w not in WORDS and any(w in whole for whole in WORDS)}
        assert not broken, (width, broken, out)


def test_term_dumb_draws_ascii(monkeypatch):
    out = draw(monkeypatch, "120", term="dumb")
    assert "mops-mlawa" in out
    assert not re.search(r"[\u2500-\u257f]", out), out
    assert "+" in out or "|" in out


@pytest.mark.parametrize("width", ["0", "1", "10", "25", "abc"])
def test_tiny_or_unknown_widths_still_print_every_row(monkeypatch, width):
    out = draw(monkeypatch, width)
    for row in ROWS:
        assert row["id"] in out, (width, out)
        assert row["valid_until"] in out


def test_headers_are_words_in_english_and_polish():
    header = plain_table(ROWS, LIST_COLUMNS).splitlines()[0]
    assert "valid until" in header and "valid_until" not in header
    set_language("pl")
    try:
        header = plain_table(ROWS, LIST_COLUMNS).splitlines()[0]
    finally:
        set_language("en")
    assert "ważny do" in header and "ważny_do" not in header
    english = ("name", "city", "voivodeship", "kind", "valid", "certificates")
    assert not [w for w in english if w in header], header


def test_polish_terminal_table_has_no_english_header(monkeypatch):
    set_language("pl")
    try:
        out = draw(monkeypatch, "200")
    finally:
        set_language("en")
    head = out.splitlines()[1]
    assert "ważny do" in head
    assert not [w for w in ("name", "city", "valid", "certs", "kind") if w in head], head


def test_machine_formats_keep_their_keys(make_register, cli):
    from conftest import MLAWA

    root = make_register(files={"mops-mlawa": MLAWA})
    result = cli(root, "--lang", "pl", "list", "--format", "csv", "--as-of", "2025-01-01")
    assert result.stdout.splitlines()[0] == ",".join(machine_columns(LIST_COLUMNS))


def test_show_names_its_values_in_words(make_register, cli):
    from conftest import MLAWA

    withdrawn = MLAWA + 'withdrawn_on = 2024-06-01\nwithdrawal_reason = "na wniosek"\n'
    root = make_register(files={"mops-mlawa": withdrawn})
    english = cli(root, "show", "mops-mlawa", "--as-of", "2025-01-01").stdout
    assert "#1 withdrawal reason: na wniosek" in english
    polish = cli(root, "--lang", "pl", "show", "mops-mlawa", "--as-of", "2025-01-01").stdout
    assert "#1 powód cofnięcia: na wniosek" in polish
    assert "_" not in "".join(line.split(":")[0] for line in polish.splitlines())
