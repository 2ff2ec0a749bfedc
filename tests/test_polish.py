"""Polish all the way (issue 13 item 12): date errors, durations in words, TOML syntax
messages, and what calcert writes into the register following the register's language."""

from __future__ import annotations

import json
import tomllib

import pytest

from calcert.i18n import set_language
from calcert.model.terms import parse_duration
from calcert.register.loader import load
from conftest import MLAWA

PL_CONFIG = 'schema = 1\nname = "Rejestr"\nlanguage = "pl"\n'


@pytest.mark.parametrize(
    ("value", "english", "polish"),
    [
        ("2024-13-01", "there is no month 13", "nie ma miesiąca 13"),
        ("2024-02-30", "month 2 of 2024 has 29 days", "miesiąc 2 roku 2024 ma 29 dni"),
        ("2023-04-31", "month 4 of 2023 has 30 days", "miesiąc 4 roku 2023 ma 30 dni"),
    ],
)
def test_date_errors_say_why_in_the_users_language(make_register, cli, value, english, polish):
    root = make_register()
    en = cli(root, "list", "--as-of", value)
    assert en.exit_code == 2
    assert en.stderr == (
        f"calcert: error: --as-of: '{value}' is not a calendar date ({english}); "
        "use YYYY-MM-DD, e.g. 2022-03-29\n"
    )
    pl = cli(root, "--lang", "pl", "list", "--as-of", value)
    assert pl.stderr == (
        f"calcert: błąd: --as-of: '{value}' nie jest datą kalendarzową ({polish}); "
        "użyj formatu YYYY-MM-DD, np. 2022-03-29\n"
    )


@pytest.mark.parametrize(
    ("text", "english", "nominative", "within"),
    [
        ("6m", "6 months", "6 miesięcy", "w ciągu 6 miesięcy"),
        ("P1M", "1 month", "1 miesiąc", "w ciągu 1 miesiąca"),
        ("1y", "1 year", "1 rok", "w ciągu 1 roku"),
        ("2y", "2 years", "2 lata", "w ciągu 2 lat"),
        ("22m", "22 months", "22 miesiące", "w ciągu 22 miesięcy"),
        ("2w", "2 weeks", "2 tygodnie", "w ciągu 2 tygodni"),
        ("1d", "1 day", "1 dzień", "w ciągu 1 dnia"),
        ("0d", "0 days", "0 dni", "w ciągu 0 dni"),
        ("1y6m", "1 year and 6 months", "1 rok i 6 miesięcy", "w ciągu 1 roku i 6 miesięcy"),
        ("1y2m3d", "1 year, 2 months and 3 days", "1 rok, 2 miesiące i 3 dni", None),
    ],
)
def test_durations_in_words(text, english, nominative, within):
    duration = parse_duration(text)
    assert duration.words() == english
    assert duration.within() == f"within {english}"
    set_language("pl")
    assert duration.words() == nominative
    if within:
        assert duration.within() == within


def test_expiring_echoes_the_duration_in_words(make_register, cli):
    root = make_register(files={"mops-mlawa": MLAWA})
    en = cli(root, "expiring", "--within", "6m", "--as-of", "2030-01-01")
    assert en.stdout == "no certificate ends within 6 months of 2030-01-01 without a renewal\n"
    pl = cli(root, "--lang", "pl", "expiring", "--within", "1y", "--as-of", "2030-01-01")
    assert pl.stdout == (
        "żaden certyfikat nie kończy się w ciągu 1 roku od 2030-01-01 bez zapisanego odnowienia\n"
    )
    two = cli(root, "--lang", "pl", "expiring", "--within", "2w", "--as-of", "2030-01-01")
    assert "w ciągu 2 tygodni od 2030-01-01" in two.stdout


@pytest.mark.parametrize(
    ("toml", "english", "polish"),
    [
        ('id = "x"\nname = \n', "Invalid value (column 8)", "nieprawidłowa wartość (kolumna 8)"),
        (
            'id = "x"\nname "a"\n',
            "Expected '=' after a key in a key/value pair (column 6)",
            "oczekiwano '=' po kluczu w parze klucz/wartość (kolumna 6)",
        ),
        (
            'id = "x"\nk = [1, 2\n',
            "Unclosed array (at the end of the file)",
            "niezamknięta tablica (na końcu pliku)",
        ),
        (
            'id = "x"\nid = "y"\n',
            "Cannot overwrite a value (column 9)",
            "nie można nadpisać wartości (kolumna 9)",
        ),
        (
            'id = "x"\nname = "a\n',
            "Illegal character '\\n' (column 10)",
            "niedozwolony znak '\\n' (kolumna 10)",
        ),
    ],
)
def test_toml_syntax_messages_are_polish_under_lang_pl(make_register, cli, toml, english, polish):
    root = make_register(files={"x": toml})
    en = cli(root, "validate")
    assert en.exit_code == 1
    assert f"error E002 {english}" in en.stdout, en.stdout
    pl = cli(root, "--lang", "pl", "validate")
    assert f"błąd E002 {polish}" in pl.stdout, pl.stdout
    assert ":2: " in pl.stdout  # the line stays
    machine = cli(root, "--lang", "pl", "validate", "--format", "json")
    assert json.loads(machine.stdout)[0]["message"] == english  # machines read English


def test_init_writes_the_language_it_ran_in(tmp_path, cli):
    assert cli(None, "--lang", "pl", "init", str(tmp_path / "pl")).exit_code == 0
    assert tomllib.loads((tmp_path / "pl" / "calcert.toml").read_text())["language"] == "pl"
    assert cli(None, "init", str(tmp_path / "en")).exit_code == 0
    assert tomllib.loads((tmp_path / "en" / "calcert.toml").read_text())["language"] == "en"
    after = cli(None, "init", str(tmp_path / "after"), "--lang", "pl")
    assert after.exit_code == 0
    assert 'language = "pl"' in (tmp_path / "after" / "calcert.toml").read_text()
    assert load(tmp_path / "after").config.language == "pl"


def test_a_bad_language_in_calcert_toml_is_one_clear_line(make_register, cli):
    root = make_register(config='schema = 1\nlanguage = "de"\n')
    result = cli(root, "list")
    assert result.exit_code == 2
    assert result.stderr == (
        f'calcert: error: {root}/calcert.toml: language must be "en" or "pl", not \'de\'\n'
    )


def test_the_supersede_note_follows_the_registers_language(make_register, cli, tmp_path):
    args = ("add", "mops-mlawa", "--from", "2025-01-01", "--until", "2029-12-31", "--supersede")
    polish = make_register(files={"mops-mlawa": MLAWA}, config=PL_CONFIG)
    assert cli(polish, *args).exit_code == 0  # run in English
    old = load(polish).files[0].institution.sorted_awards()[0]
    assert old.notes == (
        "Zastąpiony certyfikatem z 2025-01-01: zakończony 2024-12-31 zamiast 2026-03-28."
    )
    english = make_register(
        files={"mops-mlawa": MLAWA}, config='schema = 1\nlanguage = "en"\n', root=tmp_path / "en"
    )
    assert cli(english, "--lang", "pl", *args).exit_code == 0  # run in Polish
    old = load(english).files[0].institution.sorted_awards()[0]
    assert old.notes == (
        "Superseded by the award of 2025-01-01: ended 2024-12-31 instead of 2026-03-28."
    )
