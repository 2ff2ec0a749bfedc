"""Polish for Polish registrars: the catalog is complete, and machine formats never change."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from calcert.i18n import Message, choose_language, set_language, translate_text
from conftest import MLAWA, RADOM, REPO

PO = REPO / "src" / "calcert" / "locale" / "pl" / "LC_MESSAGES" / "calcert.po"
KEYWORDS = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "npgettext": ((1, "c"), 2, 3),
    "Message": None,
    "PluralMessage": (1, 2),
}
PL = {"LANG": "pl_PL.UTF-8"}


def _extracted() -> dict[tuple[str, str | None], int]:
    """Every marked message, as (msgid, context), with its line."""
    found: dict[tuple[str, str | None], int] = {}
    for _filename, lineno, message, _comments, context in extract_from_dir(
        str(REPO / "src" / "calcert"), keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault((msgid, context), lineno)
    return found


def _placeholders(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


def test_every_message_is_translated() -> None:
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    missing, empty, fuzzy, broken = [], [], [], []
    for msgid, context in _extracted():
        entry = catalog.get(msgid, context=context)
        if entry is None:
            missing.append(msgid)
            continue
        if entry.fuzzy:
            fuzzy.append(msgid)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(strings):
            empty.append(msgid)
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        wanted = set().union(*(_placeholders(i) for i in ids))
        for translated in strings:
            if _placeholders(translated) - wanted:
                broken.append(msgid)
    hint = "run the catalog update in the README's Development section, then translate"
    assert not missing, f"{len(missing)} messages not in the catalog ({hint}): {missing[:10]}"
    assert not empty, f"{len(empty)} untranslated messages: {empty[:10]}"
    assert not fuzzy, f"fuzzy translations: {fuzzy[:10]}"
    assert not broken, f"translations with unknown placeholders: {broken[:10]}"


@pytest.mark.parametrize(
    ("explicit", "env", "expected"),
    [
        ("pl", {"LANG": "en_US.UTF-8"}, "pl"),
        ("en", {"CALCERT_LANG": "pl"}, "en"),
        (None, {"CALCERT_LANG": "pl", "LANG": "en_US.UTF-8"}, "pl"),
        (None, {"LC_ALL": "pl_PL.UTF-8", "LANG": "en_GB.UTF-8"}, "pl"),
        (None, {"LC_MESSAGES": "pl_PL", "LANG": "en_GB.UTF-8"}, "pl"),
        (None, {"LC_ALL": "C", "LANG": "pl_PL.UTF-8"}, "en"),
        (None, {"LANG": "pl_PL.UTF-8"}, "pl"),
        (None, {"LANG": "de_DE.UTF-8"}, "en"),
        (None, {}, "en"),
    ],
)
def test_language_choice(explicit, env, expected) -> None:
    assert choose_language(explicit, env) == expected


def test_messages_keep_english_for_machines_and_translate_for_people() -> None:
    message = Message(
        "{what} {ident!r} is not valid: {problem}",
        what="id",
        ident="X",
        problem=Message("the id is empty"),
    )
    set_language("pl")
    assert str(message) == "id 'X' is not valid: the id is empty"
    assert "identyfikator" in translate_text(message)
    assert "is not valid" not in translate_text(message)
    set_language("en")
    assert translate_text(message) == str(message)


def test_help_is_polish(cli) -> None:
    result = cli(None, "--help", env=PL)
    assert result.exit_code == 0
    assert "Użycie:" in result.stdout
    assert "Rejestr certyfikatów" in result.stdout
    assert "Usage:" not in result.stdout
    assert "Show this message" not in result.stdout
    add = cli(None, "add", "--help", env=PL)
    assert "Zapisuje" in add.stdout
    assert "Pokaż tę wiadomość i zakończ." in add.stdout


def test_lang_option_wins_over_the_locale(cli) -> None:
    assert "Usage:" in cli(None, "--lang", "en", "--help", env=PL).stdout
    assert "Użycie:" in cli(None, "--lang", "pl", "--help").stdout
    assert "Użycie:" in cli(None, "--help", env={"CALCERT_LANG": "pl"}).stdout


def test_add_summary_in_polish_with_the_ordinal(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    result = cli(root, "add", "mops-mlawa", "--from", "2026-03-29", "--term", "2026-2031", env=PL)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Zapisano 2. certyfikat instytucji mops-mlawa (Miejski Ośrodek Pomocy Społecznej w "
        "Mławie, Mława): 2026-03-29..2031-03-28 (okres 2026-2031)\n"
    )


def test_expiring_in_polish(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    result = cli(root, "expiring", "--within", "6m", "--as-of", "2025-12-01", env=PL)
    assert re.split(r"\s\s+", result.stdout.splitlines()[0]) == [
        "id",
        "nazwa",
        "miejscowość",
        "ważny do",
        "dni do końca",
    ]
    none = cli(root, "expiring", "--within", "6m", "--as-of", "2027-01-01", env=PL)
    assert none.stdout.startswith("żaden certyfikat nie kończy się")


def test_validate_on_a_broken_register_in_polish(
    make_register, cli, tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    broken = MLAWA.replace('voivodeship = "mazowieckie"', 'voivodeship = "mazowsze"')
    broken = broken.replace("valid_from = 2022-03-29", 'valid_from = "2022-03-29"')
    root = make_register(files={"mops-mlawa": broken})
    result = cli(root, "validate", env=PL)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "registry/institutions/mops-mlawa.toml:5: błąd E009 województwo 'mazowsze' nie jest "
        "jednym z 16 (czy chodziło o 'mazowieckie'?); użyj polskiej nazwy małymi literami, "
        "np. 'mazowieckie'",
        "registry/institutions/mops-mlawa.toml:9: błąd E005 valid_from jest tekstem, a nie "
        "datą; usuń cudzysłów: valid_from = 2022-03-29",
    ]


def test_errors_in_polish(make_register, cli) -> None:
    root = make_register()
    result = cli(root, "expiring", "--within", "6x", env=PL)
    assert result.exit_code == 2
    assert result.stderr.startswith("calcert: błąd: ")


MACHINE_COMMANDS = [
    ("list", "--status", "all", "--as-of", "2025-01-01", "--format", "json"),
    ("list", "--status", "all", "--as-of", "2025-01-01", "--format", "csv"),
    ("show", "mops-mlawa", "--format", "json", "--as-of", "2025-01-01"),
    ("expiring", "--within", "2y", "--as-of", "2025-01-01", "--format", "json"),
    ("expiring", "--within", "2y", "--as-of", "2025-01-01", "--format", "csv"),
    ("validate", "--format", "json"),
    ("validate", "--format", "github"),
    ("export", "--format", "csv"),
    ("export", "--format", "json"),
    ("export", "--format", "ics", "--as-of", "2025-01-01"),
    ("stats", "--format", "json", "--as-of", "2025-01-01"),
    ("stats", "--format", "csv", "--as-of", "2025-01-01"),
    ("schema",),
]


@pytest.mark.parametrize("args", MACHINE_COMMANDS, ids=lambda a: " ".join(a[:3]))
def test_machine_formats_are_byte_identical_in_both_languages(
    make_register, cli, tmp_path, monkeypatch, args
) -> None:
    monkeypatch.chdir(tmp_path)
    broken = RADOM.replace('voivodeship = "mazowieckie"', 'voivodeship = "mazowsze"')
    root = make_register(files={"mops-mlawa": MLAWA, "mops-radom": broken})
    english = cli(root, *args)
    polish = cli(root, *args, env=PL)
    assert english.exit_code == polish.exit_code
    assert english.stdout.encode() == polish.stdout.encode()
    assert english.stdout


def test_dates_stay_iso_in_polish(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    result = cli(root, "list", "--status", "all", "--as-of", "2025-01-01", env=PL)
    assert "2026-03-28" in result.stdout
    assert "aktywny" in result.stdout


def test_polish_readme_keeps_step_with_the_english_one() -> None:
    english = (REPO / "README.md").read_text(encoding="utf-8")
    polish = (REPO / "README.pl.md").read_text(encoding="utf-8")

    def commands(text: str) -> list[str]:
        return re.findall(r"^(?:\$ )?(calcert [a-z]+|python3 -m venv .*)$", text, re.M)

    assert commands(polish)[:2] == commands(english)[:2]

    def codes(text: str) -> list[str]:
        return re.findall(r"^\| ([EW]0\d\d) \|", text, re.M)

    assert codes(polish) == codes(english)
    assert len(codes(english)) >= 23
    assert Path(REPO / "README.pl.md").exists()
