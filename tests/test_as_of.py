"""``--as-of D`` answers with what the register knew on D (issue 13 item 4), and a
withdrawn certificate ends the day before its withdrawal everywhere (item 5)."""

from __future__ import annotations

import csv
import io
import json

import pytest

# Renewal awarded only in November 2026, after the first term had ended.
LATE_RENEWAL = """\
id = "cal-late"
name = "Centrum Aktywności Lokalnej Późne"
city = "Płock"
voivodeship = "mazowieckie"

[[awards]]
awarded_on = 2021-09-01
valid_from = 2021-09-01
valid_until = 2026-08-31

[[awards]]
awarded_on = 2026-11-15
valid_from = 2026-09-01
valid_until = 2031-08-31
"""

# Its only certificate was awarded after the as-of days used below.
NEWCOMER = """\
id = "cal-new"
name = "Nowe Centrum"
city = "Kutno"
voivodeship = "łódzkie"

[[awards]]
awarded_on = 2026-10-01
valid_from = 2026-10-01
valid_until = 2030-09-30
"""

# Awarded on the day, starting later: pending from the ceremony on.
ANNOUNCED = """\
id = "cal-announced"
name = "Zapowiedziane Centrum"
city = "Łowicz"

[[awards]]
awarded_on = 2026-06-01
valid_from = 2027-01-01
valid_until = 2030-12-31
"""


@pytest.fixture
def register(make_register):
    return make_register(
        files={"cal-late": LATE_RENEWAL, "cal-new": NEWCOMER, "cal-announced": ANNOUNCED}
    )


def _csv(result) -> list[dict[str, str]]:
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_expiring_ignores_a_renewal_awarded_after_the_as_of_day(register, cli):
    rows = _csv(
        cli(register, "expiring", "--within", "6m", "--as-of", "2026-08-01", "--format", "csv")
    )
    assert [(r["id"], r["valid_until"]) for r in rows] == [("cal-late", "2026-08-31")]
    # Once the renewal is known, the certificate is renewed and no longer listed.
    later = cli(register, "expiring", "--within", "6m", "--as-of", "2026-11-15", "--format", "csv")
    assert _csv(later) == []


def test_list_shows_only_awards_known_on_the_day(register, cli):
    rows = _csv(
        cli(register, "list", "--status", "all", "--as-of", "2026-08-01", "--format", "csv")
    )
    by_id = {r["id"]: r for r in rows}
    assert sorted(by_id) == ["cal-announced", "cal-late"]  # cal-new was not awarded yet
    assert by_id["cal-late"]["certificates"] == "1"
    assert by_id["cal-announced"]["status"] == "pending"
    pending = _csv(
        cli(register, "list", "--status", "pending", "--as-of", "2026-05-31", "--format", "csv")
    )
    assert pending == []  # announced on 2026-06-01, not before


def test_show_lists_only_awards_known_on_the_day(register, cli):
    result = cli(register, "show", "cal-late", "--as-of", "2026-08-01", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [a["valid_from"] for a in data["awards"]] == ["2021-09-01"]
    unknown = cli(register, "show", "cal-new", "--as-of", "2026-08-01")
    assert unknown.exit_code == 2
    assert "no certificate of cal-new was recorded by 2026-08-01" in unknown.stderr


def test_stats_count_only_awards_known_on_the_day(register, cli):
    result = cli(register, "stats", "--as-of", "2026-08-01", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["institutions"], data["awards"], data["renewals"]) == (2, 2, 0)
    assert data["expiring"][0]["ids"] == ["cal-late"]


def test_export_rows_and_page_chart_only_hold_known_awards(register, cli):
    rows = _csv(cli(register, "export", "--as-of", "2026-08-01"))
    assert [(r["id"], r["valid_from"]) for r in rows] == [
        ("cal-announced", "2027-01-01"),
        ("cal-late", "2021-09-01"),
    ]
    page = cli(register, "export", "--format", "html", "--as-of", "2026-08-01")
    assert page.exit_code == 0, page.output
    assert 'id="cal-new"' not in page.stdout
    assert "<title>2026: 1</title>" in page.stdout  # cal-announced; not cal-new or the renewal
    assert "<title>2021: 1</title>" in page.stdout


WITHDRAWN = """\
id = "gops-lubartow"
name = "Gminny Ośrodek Pomocy Społecznej w Lubartowie"
city = "Lubartów"

[[awards]]
awarded_on = 2023-02-01
valid_from = 2023-02-01
valid_until = 2028-01-31
withdrawn_on = 2024-05-01
"""


def test_list_shows_the_day_before_the_withdrawal_as_the_end(make_register, cli):
    root = make_register(files={"gops-lubartow": WITHDRAWN})
    rows = _csv(cli(root, "list", "--status", "all", "--as-of", "2025-01-01", "--format", "csv"))
    assert [(r["status"], r["valid_until"]) for r in rows] == [("withdrawn", "2024-04-30")]


def test_ics_withdrawn_certificate_ends_on_the_withdrawal(make_register, cli):
    root = make_register(files={"gops-lubartow": WITHDRAWN})
    result = cli(root, "export", "--format", "ics", "--as-of", "2024-01-01")
    assert result.exit_code == 0, result.output
    text = result.stdout.replace("\r\n ", "")
    assert "DTSTART;VALUE=DATE:20280131" not in text
    assert "DTSTART;VALUE=DATE:20240430" in text
    assert "Start the renewal" not in text
    assert "ends on this day" not in text
    assert "SUMMARY:CAL certificate withdrawn: " in text
    assert "BEGIN:VALARM" not in text
