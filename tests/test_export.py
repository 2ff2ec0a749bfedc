"""export: every format parsed back by a real consumer (csv, json, icalendar, Markdown rows)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest

from calcert.outputs.export import CSV_COLUMNS, JSON_KEYS
from calcert.outputs.ics import escape_text, fold
from conftest import MLAWA, RADOM, REPO

REAL = REPO / "registry"
AS_OF = "2025-01-01"

ODD = """\
id = "gops-zolkiewka"
name = "Gminny Ośrodek Pomocy Społecznej; \\"Źdźbło\\", żółć | ąęśćńłóźż \\\\ <b>x</b>"
kind = "GOPS"
city = "Żółkiewka"
voivodeship = "lubelskie"

[[awards]]
valid_from = 2023-06-01
valid_until = 2028-05-31
awarded_by = "Ścibor Łęcki"
notes = "line one\\nline two, with; punctuation"
"""


def export(cli, root: Path, *args: str):
    result = cli(root, "export", "--as-of", AS_OF, *args)
    assert result.exit_code == 0, result.output
    return result


# ---- csv / json / md from the real register ------------------------------------------------


def test_csv_from_the_real_register_parses_with_the_csv_module(cli):
    rows = list(csv.DictReader(io.StringIO(export(cli, REAL, "--format", "csv").stdout)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [
        (r["id"], r["valid_from"], r["valid_until"], r["valid_until_assumed"]) for r in rows
    ] == [
        ("mbp-piekary-slaskie", "2012-02-23", "2017-02-22", "true"),
        ("mopr-wloclawek", "2013-11-21", "2016-11-20", "false"),
        ("mops-mlawa", "2011-06-28", "2016-06-27", "true"),
        ("mops-mlawa", "2022-03-29", "2026-03-28", "false"),
        ("mops-radom", "2014-05-19", "2017-05-18", "false"),
        ("mops-stalowa-wola", "2016-05-12", "2021-05-11", "true"),
        ("ops-brzeszcze", "2009-12-08", "2014-12-07", "true"),
    ]
    assert rows[3]["awarded_by"] == "Grażyna Gnatowska"
    assert rows[2]["term"] == ""
    assert (rows[0]["decided_on"], rows[0]["awarded_on"]) == ("2012-01-31", "2012-02-23")
    assert [r["ordinal"] for r in rows] == ["", "", "", "", "3", "", ""]


def test_json_from_the_real_register_has_a_stable_key_order(cli):
    data = json.loads(export(cli, REAL, "--format", "json").stdout)
    assert len(data) == 7
    assert all(tuple(obj) == JSON_KEYS for obj in data)
    assert [obj["status"] for obj in data] == ["expired"] * 3 + ["active"] + ["expired"] * 3
    assert data[4]["city"] == "Radom" and data[4]["website"] is None
    # The stated ordinal numbers Radom's award; the others count the recorded awards.
    assert [(obj["ordinal"], obj["number"]) for obj in data] == [
        (None, 1),
        (None, 1),
        (None, 1),
        (None, 2),
        (3, 3),
        (None, 1),
        (None, 1),
    ]
    assert [obj["valid_until_assumed"] for obj in data] == [
        True,
        False,
        True,
        False,
        False,
        True,
        True,
    ]
    assert data[0]["decided_on"] == "2012-01-31"


def test_markdown_from_the_real_register_is_a_table(cli):
    lines = export(cli, REAL, "--format", "md").stdout.splitlines()
    assert lines[0] == (
        "| id | name | city | voivodeship | kind | number | status | valid_from | valid_until "
        "| term | awarded_by |"
    )
    assert lines[1] == "|---|---|---|---|---|---|---|---|---|---|---|"
    assert len(lines) == 11  # header, rule, 7 awards, blank, the legend of ≈
    assert lines[5].startswith("| mops-mlawa | Miejski Ośrodek Pomocy Społecznej w Mławie |")
    assert "| MOPS | 1 | expired | 2011-06-28 | ≈2016-06-27 |" in lines[4]
    assert "| MOPS | 3 | expired | 2014-05-19 | 2017-05-18 |" in lines[6]
    assert lines[-1].startswith("≈ assumed end: no source states it")


def test_markdown_escapes_pipes_and_newlines(make_register, cli):
    root = make_register(files={"gops-zolkiewka": ODD})
    lines = export(cli, root, "--format", "md").stdout.splitlines()
    assert len(lines) == 3
    assert "żółć \\| ąęśćńłóźż \\\\ <b>x</b>" in lines[2]
    assert lines[2].count(" | ") == 10  # eleven cells: the escaped pipe does not split one


def test_status_filter_keeps_awards_with_that_status(cli):
    rows = list(csv.DictReader(io.StringIO(export(cli, REAL, "--status", "active").stdout)))
    assert [(r["id"], r["valid_from"]) for r in rows] == [("mops-mlawa", "2022-03-29")]


def test_empty_export_still_has_the_header(make_register, cli):
    root = make_register()
    assert export(cli, root).stdout == ",".join(CSV_COLUMNS) + "\n"
    assert json.loads(export(cli, root, "--format", "json").stdout) == []


def test_output_file_is_written_and_equals_stdout(cli, tmp_path):
    target = tmp_path / "out.json"
    stdout = export(cli, REAL, "--format", "json").stdout
    result = export(cli, REAL, "--format", "json", "-o", str(target))
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8") == stdout
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary file left


def test_output_into_a_missing_directory_is_a_usage_error(cli, tmp_path):
    result = cli(REAL, "export", "-o", str(tmp_path / "nope" / "x.csv"))
    assert result.exit_code == 2
    assert result.stderr == (
        f"calcert: error: -o {tmp_path}/nope/x.csv: the directory {tmp_path}/nope does not exist\n"
    )


def test_unknown_format_and_status_are_usage_errors(cli):
    result = cli(REAL, "export", "--format", "xml")
    assert result.exit_code == 2
    assert result.stderr == (
        "calcert: error: --format 'xml' is not one of: csv, json, md, ics, html, xlsx\n"
    )
    result = cli(REAL, "export", "--status", "old")
    assert result.exit_code == 2
    assert "--status 'old' is not one of: active, expired" in result.stderr


# ---- ics -----------------------------------------------------------------------------------


def calendar(text: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(text)


def test_ics_from_the_real_register_parses_with_icalendar(cli):
    raw = export(cli, REAL, "--format", "ics").stdout
    cal = calendar(raw)
    events = list(cal.walk("VEVENT"))
    # One event per award (SPEC); reminders only on the one still to be renewed.
    assert [str(e["UID"]) for e in events] == [
        "mbp-piekary-slaskie-20120223@calcert",
        "mopr-wloclawek-20131121@calcert",
        "mops-mlawa-20110628@calcert",
        "mops-mlawa-20220329@calcert",
        "mops-radom-20140519@calcert",
        "mops-stalowa-wola-20160512@calcert",
        "ops-brzeszcze-20091208@calcert",
    ]
    assert [len(e.walk("VALARM")) for e in events] == [0, 0, 0, 2, 0, 0, 0]
    # An end no source states says so; a stated one does not.
    assumed = "This end is assumed: no source states the term"
    assert [assumed in str(e["DESCRIPTION"]) for e in events] == [
        True,
        False,
        True,
        False,
        False,
        True,
        True,
    ]
    event = events[3]
    assert event.decoded("DTSTART") == date(2026, 3, 28)
    assert event.decoded("DTEND") == date(2026, 3, 29)
    assert str(event["SUMMARY"]) == (
        "CAL certificate ends: Miejski Ośrodek Pomocy Społecznej w Mławie, Mława"
    )
    alarms = [
        datetime.combine(event.decoded("DTSTART"), datetime.min.time()) + a.decoded("TRIGGER")
        for a in event.walk("VALARM")
    ]
    assert alarms == [datetime(2025, 9, 28, 9), datetime(2026, 2, 28, 9)]  # 6m and 1m before


def test_ics_lines_are_crlf_folded_at_75_octets_on_character_boundaries(make_register, cli):
    long_name = "Środowiskowy Dom Samopomocy „Źródło” w Łańcucie — ąęśćńłóźż " * 3
    text = ODD.replace('name = "Gminny', f'name = "{long_name}Gminny')
    root = make_register(files={"gops-zolkiewka": text})
    raw = export(cli, root, "--format", "ics", "--status", "all").stdout_bytes
    assert raw.endswith(b"\r\n")
    physical = raw.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(physical)
    assert max(len(line) for line in physical) == 75
    for line in physical:
        assert len(line) <= 75
        line.decode("utf-8")  # a multibyte character split across lines would fail here
    assert sum(1 for line in physical if line.startswith(b" ")) > 5

    event = next(iter(calendar(raw.decode("utf-8")).walk("VEVENT")))
    name = long_name + 'Gminny Ośrodek Pomocy Społecznej; "Źdźbło", żółć | ąęśćńłóźż \\ <b>x</b>'
    assert str(event["SUMMARY"]) == f"CAL certificate ends: {name}, Żółkiewka"
    assert "Awarded by Ścibor Łęcki." in str(event["DESCRIPTION"])


def test_escape_and_fold_units():
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    assert fold("x" * 75) == "x" * 75
    assert fold("x" * 76) == "x" * 75 + "\r\n x"
    folded = fold("ą" * 40)  # 80 octets: 37 characters fit in 74 octets, not 75
    first, second = folded.split("\r\n")
    assert first == "ą" * 37 and second == " " + "ą" * 3


def test_ics_uids_are_stable_when_a_term_end_is_corrected(make_register, cli, tmp_path):
    root = make_register(files={"mops-mlawa": MLAWA})
    before = calendar(export(cli, root, "--format", "ics").stdout)
    path = root / "institutions" / "mops-mlawa.toml"
    path.write_text(MLAWA.replace("2026-03-28", "2027-03-28"), encoding="utf-8")
    after = calendar(export(cli, root, "--format", "ics").stdout)
    uids = [[str(e["UID"]) for e in c.walk("VEVENT")] for c in (before, after)]
    assert uids[0] == uids[1] == ["mops-mlawa-20220329@calcert"]
    assert next(iter(after.walk("VEVENT"))).decoded("DTSTART") == date(2027, 3, 28)


RENEWED = (
    MLAWA
    + """
[[awards]]
awarded_on = 2024-11-20
valid_from = 2026-03-29
valid_until = 2031-03-28
"""
)


def test_ics_renewed_certificate_has_no_alarms_and_the_pending_one_has(make_register, cli):
    root = make_register(files={"mops-mlawa": RENEWED})
    events = list(calendar(export(cli, root, "--format", "ics").stdout).walk("VEVENT"))
    assert [e.decoded("DTSTART") for e in events] == [date(2026, 3, 28), date(2031, 3, 28)]
    assert [len(e.walk("VALARM")) for e in events] == [0, 2]
    assert "Already renewed: the next term starts 2026-03-29." in str(events[0]["DESCRIPTION"])


def test_ics_withdrawn_and_expired_certificates_get_no_reminders(make_register, cli):
    withdrawn = MLAWA + "withdrawn_on = 2024-06-01\n"
    root = make_register(files={"mops-mlawa": withdrawn, "mops-radom": RADOM})
    events = list(calendar(export(cli, root, "--format", "ics").stdout).walk("VEVENT"))
    assert [len(e.walk("VALARM")) for e in events] == [0, 0]
    current = calendar(export(cli, root, "--format", "ics", "--status", "current").stdout)
    assert list(current.walk("VEVENT")) == []


def test_ics_on_the_last_day_of_the_calendar(make_register, cli):
    last = MLAWA.replace("valid_until = 2026-03-28", "valid_until = 9999-12-31")
    root = make_register(files={"mops-mlawa": last})
    event = next(iter(calendar(export(cli, root, "--format", "ics").stdout).walk("VEVENT")))
    assert event.decoded("DTSTART") == date(9999, 12, 31)
    assert "DTEND" not in event  # a DATE start alone lasts one day (RFC 5545)
    far = cli(root, "export", "--format", "ics", "--remind", "9999y")
    assert far.exit_code == 2
    assert "beyond the calendar" in far.stderr


def alarm_offsets(text: str) -> list[timedelta]:
    event = next(iter(calendar(text).walk("VEVENT")))
    return [a.decoded("TRIGGER") for a in event.walk("VALARM")]


def test_remind_option_and_config(make_register, cli):
    root = make_register(files={"mops-mlawa": MLAWA})
    two_weeks = alarm_offsets(export(cli, root, "--format", "ics", "--remind", "2w").stdout)
    assert two_weeks == [-timedelta(days=14) + timedelta(hours=9)]
    both = export(cli, root, "--format", "ics", "--remind", "P1M,0d", "--remind", "1d").stdout
    assert alarm_offsets(both) == [
        -timedelta(days=28) + timedelta(hours=9),  # 2026-02-28 09:00
        timedelta(hours=9),
        -timedelta(days=1) + timedelta(hours=9),
    ]
    assert alarm_offsets(export(cli, root, "--format", "ics", "--remind", "none").stdout) == []

    config = (root / "calcert.toml").read_text(encoding="utf-8")
    (root / "calcert.toml").write_text(config + '\n[export]\nreminders = ["3m"]\n')
    assert alarm_offsets(export(cli, root, "--format", "ics").stdout) == [
        -timedelta(days=90) + timedelta(hours=9)  # 2025-12-28 09:00
    ]


def test_bad_reminders_are_usage_errors(make_register, cli):
    root = make_register(files={"mops-mlawa": MLAWA})
    result = cli(root, "export", "--format", "ics", "--remind", "6 months")
    assert result.exit_code == 2
    assert result.stderr == (
        "calcert: error: duration '6 months' is not understood; use one of 90d, 2w, 6m, 1y, "
        "1y6m or ISO 8601 P6M, P1Y2M10D, P2W\n"
    )
    result = cli(root, "export", "--format", "csv", "--remind", "6m")
    assert result.exit_code == 2
    assert result.stderr == "calcert: error: --remind applies to --format ics only\n"

    config = (root / "calcert.toml").read_text(encoding="utf-8")
    (root / "calcert.toml").write_text(config + '\n[export]\nreminders = ["6x"]\n')
    result = cli(root, "export", "--format", "ics")
    assert result.exit_code == 2
    assert "calcert.toml: [export] reminders: duration '6x' is not understood" in result.stderr
    (root / "calcert.toml").write_text(config + '\n[export]\nreminder = ["6m"]\n')
    result = cli(root, "list")
    assert result.exit_code == 2
    assert "unknown key 'reminder' in [export] (did you mean 'reminders'?)" in result.stderr


# ---- html (static checks; the browser test is test_html_browser.py) -----------------------


def test_html_from_the_real_register_is_self_contained(cli):
    page = export(cli, REAL, "--format", "html").stdout
    assert page.startswith("<!DOCTYPE html>")
    assert page.count('<tr id="mops-') == 3
    assert page.count("<tr id=") == 6
    # An assumed end: "≈" with a tooltip; Radom's history numbers its award 3.
    assert '<span class="nowrap assumed" title="Data końca przyjęta' in page
    assert "≈2014-12-07</span>" in page
    assert '<li value="3">' in page
    assert "decyzja komisji 31 stycznia 2012" in page
    for remote in ("<link", " src=", "@import", "url("):
        assert remote not in page
    assert "<svg" in page and "<title>2022: 1</title>" in page


def test_html_escapes_every_value(make_register, cli):
    evil = ODD.replace("<b>x</b>", "<script>alert(1)</script>").replace(
        'kind = "GOPS"', 'kind = "\\"><img onerror=x>"'
    )
    root = make_register(files={"gops-zolkiewka": evil})
    page = export(cli, root, "--format", "html").stdout
    assert "<script>alert" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'data-kind="&quot;&gt;&lt;img onerror=x&gt;"' in page


@pytest.mark.parametrize("fmt", ["csv", "json", "md", "ics", "html"])
def test_every_format_is_deterministic(cli, fmt):
    def made() -> str:  # DTSTAMP says when the calendar was made (RFC 5545)
        text = export(cli, REAL, "--format", fmt).stdout
        return re.sub(r"DTSTAMP:\d{8}T\d{6}Z", "DTSTAMP:…", text)

    first = made()
    assert made() == first


def test_a_broken_file_is_named_and_the_rest_exported(make_register, cli, tmp_path):
    root = make_register(files={"mops-mlawa": MLAWA, "mops-radom": 'id = "mops-radom\n'})
    result = cli(root, "export", "--format", "csv", "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2
    assert "mops-radom.toml:1: " in result.stderr and "(file skipped" in result.stderr
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text(encoding="utf-8"))))
    assert [r["id"] for r in rows] == ["mops-mlawa"]
