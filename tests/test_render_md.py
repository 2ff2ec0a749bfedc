"""Markdown tables: ``expiring --format md`` for job summaries."""

from __future__ import annotations

from calcert.outputs.tables import to_markdown
from conftest import MLAWA, RADOM


def test_to_markdown_escapes_pipes_and_folds_lines() -> None:
    rows = [{"id": "a", "name": "Zespół | CAL\nWrocław", "days_left": 3, "city": None}]
    assert to_markdown(rows, ["id", "name", "city", "days_left"]) == (
        "| id | name | city | days_left |\n"
        "| --- | --- | --- | ---: |\n"
        "| a | Zespół \\| CAL Wrocław |  | 3 |\n"
    )


def test_to_markdown_keeps_a_backslash_literal() -> None:
    assert to_markdown([{"x": "a\\|b"}], ["x"]).splitlines()[2] == "| a\\\\\\|b |"


def test_expiring_as_markdown(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA, "mops-radom": RADOM})
    args = ("expiring", "--within", "6m", "--as-of", "2026-01-01", "--format", "md")
    result = cli(root, *args, "--exit-code")
    assert result.exit_code == 1
    assert result.stdout == (
        "| id | name | city | valid_until | days_left |\n"
        "| --- | --- | --- | --- | ---: |\n"
        "| mops-mlawa | Miejski Ośrodek Pomocy Społecznej w Mławie | Mława | 2026-03-28 | 86 |\n"
    )
    result = cli(root, *args[:4], "2025-01-01", *args[5:], "--exit-code")
    assert result.exit_code == 0
    assert result.stdout == "no certificate ends within 6 months of 2025-01-01 without a renewal\n"


def test_expiring_rejects_unknown_format(make_register, cli) -> None:
    result = cli(make_register(), "expiring", "--within", "6m", "--format", "markdown")
    assert result.exit_code == 2
    assert result.stderr == (
        "calcert: error: --format 'markdown' is not one of: table, json, csv, md\n"
    )
