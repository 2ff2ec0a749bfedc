"""stats: figures from a small register, read back as JSON and CSV; plain text off a terminal."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from conftest import MLAWA, MLAWA_TWICE, RADOM, REPO

GOPS = """\
id = "gops-lubartow"
name = "Gminny Ośrodek Pomocy Społecznej w Lubartowie"
kind = "GOPS"
city = "Lubartów"
voivodeship = "lubelskie"

[[awards]]
awarded_on = 2022-05-10
valid_from = 2022-05-10
valid_until = 2025-09-30
"""

NGO = """\
id = "stowarzyszenie-x"
name = "Stowarzyszenie X"
city = "Gdynia"

[[awards]]
valid_from = 2021-01-01
valid_until = 2025-12-31
"""


def stats(cli, root, *args: str):
    result = cli(root, "stats", "--as-of", "2025-04-01", *args)
    assert result.exit_code == 0, result.output
    return result


def small(make_register):
    return make_register(
        files={
            "mops-mlawa": MLAWA_TWICE,
            "mops-radom": RADOM,
            "gops-lubartow": GOPS,
            "stowarzyszenie-x": NGO,
        }
    )


def test_json_figures(make_register, cli):
    data = json.loads(stats(cli, small(make_register), "--format", "json").stdout)
    assert data == {
        "as_of": "2025-04-01",
        "institutions": 4,
        "awards": 5,
        "active": 3,
        "first_awards": 4,
        "renewals": 1,
        "awards_per_year": [
            {"year": 2011, "first": 1, "renewal": 0, "total": 1},
            {"year": 2014, "first": 1, "renewal": 0, "total": 1},
            {"year": 2021, "first": 1, "renewal": 0, "total": 1},
            {"year": 2022, "first": 1, "renewal": 1, "total": 2},
        ],
        "active_per_voivodeship": [
            {"voivodeship": "lubelskie", "active": 1},
            {"voivodeship": "mazowieckie", "active": 1},
            {"voivodeship": "(not given)", "active": 1},
        ],
        "active_per_kind": [
            {"kind": "GOPS", "active": 1},
            {"kind": "MOPS", "active": 1},
            {"kind": "(not given)", "active": 1},
        ],
        "expiring": [
            {"within": "6m", "count": 1, "ids": ["gops-lubartow"]},
            {
                "within": "12m",
                "count": 3,
                "ids": ["gops-lubartow", "stowarzyszenie-x", "mops-mlawa"],  # by valid_until
            },
        ],
    }


def test_csv_is_long_form(make_register, cli):
    rows = list(
        csv.DictReader(io.StringIO(stats(cli, small(make_register), "--format", "csv").stdout))
    )
    assert list(rows[0]) == ["section", "key", "value"]
    got = {(r["section"], r["key"]): int(r["value"]) for r in rows}
    assert got[("total", "renewals")] == 1
    assert got[("awards_per_year_total", "2022")] == 2
    assert got[("awards_per_year_renewal", "2022")] == 1
    assert got[("active_per_voivodeship", "(not given)")] == 1
    assert got[("expiring", "12m")] == 3


def test_plain_text_off_a_terminal(make_register, cli):
    out = stats(cli, small(make_register)).stdout
    assert "\x1b[" not in out and "█" not in out
    lines = out.splitlines()
    assert lines[0] == "4 institutions, 5 awards, 3 active on 2025-04-01"
    assert lines[1:8] == [
        "",
        "Awards per year (4 first recorded, 1 renewal)",
        "  2011     1  ####################",
        "  2014     1  ####################",
        "  2021     1  ####################",
        "  2022     2  ########################################",
        "",
    ]
    assert "  within 12 months     3  ########################################" in lines


def test_rich_charts_on_a_terminal(make_register):
    from calcert.ops import stats as st
    from calcert.outputs import stats_report
    from calcert.register import loader as register

    data = st.compute(register.load(small(make_register)), date(2025, 4, 1))
    buffer = io.StringIO()
    stats_report.print_rich(data, buffer, colour=False)
    out = buffer.getvalue()
    assert "Awards per year (4 first recorded, 1 renewal)" in out
    assert "█" * 40 in out


def test_real_register(cli):
    data = json.loads(stats(cli, REPO / "registry", "--format", "json").stdout)
    assert (data["institutions"], data["awards"], data["active"]) == (6, 7, 1)
    assert [y["year"] for y in data["awards_per_year"]] == [
        2009,
        2011,
        2012,
        2013,
        2014,
        2016,
        2022,
    ]
    # Mława's second certificate, and Radom's third (ordinal = 3: a renewal, though the
    # first one recorded).
    assert (data["renewals"], data["first_awards"]) == (2, 5)


def test_empty_register(make_register, cli):
    out = stats(cli, make_register()).stdout
    assert out.splitlines()[0] == "0 institutions, 0 awards, 0 active on 2025-04-01"
    assert "  (none)" in out


class _Marked:
    """A stand-in catalog that marks every translated string with « »."""

    def gettext(self, message: str) -> str:
        return f"«{message}»"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"«{singular if n == 1 else plural}»"

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self.ngettext(singular, plural, n)


def test_json_and_csv_do_not_change_with_the_language(make_register, cli, monkeypatch):
    from calcert import i18n

    root = small(make_register)
    english = [stats(cli, root, "--format", f).stdout for f in ("json", "csv")]

    def marked(language: str) -> None:
        i18n._current, i18n._language = _Marked(), language

    monkeypatch.setattr(i18n, "set_language", marked)
    assert [stats(cli, root, "--format", f).stdout for f in ("json", "csv")] == english
    text = stats(cli, root).stdout
    assert text.splitlines()[0] == "««4 institutions», «5 awards», «3 active» on 2025-04-01»"
    assert "  «(not given)»     1  " in text  # the label people read; json keeps the key


def test_stats_near_the_end_of_the_calendar(make_register, cli):
    root = make_register(files={"mops-mlawa": MLAWA})
    result = cli(root, "stats", "--format", "json", "--as-of", "9999-06-01")
    assert result.exit_code == 0, result.output


def _cal(ident: str, voivodeship: str) -> str:
    return (
        f'id = "{ident}"\nname = "CAL {ident}"\ncity = "Miasto"\nvoivodeship = "{voivodeship}"\n'
        "\n[[awards]]\nvalid_from = 2024-01-01\nvalid_until = 2027-12-31\n"
    )


def test_voivodeships_with_equal_counts_in_polish_order(make_register, cli):
    root = make_register(
        files={
            "a": _cal("a", "zachodniopomorskie"),
            "b": _cal("b", "świętokrzyskie"),
            "c": _cal("c", "śląskie"),
            "d": _cal("d", "łódzkie"),
            "e": _cal("e", "lubuskie"),
        }
    )
    data = json.loads(stats(cli, root, "--format", "json").stdout)
    assert [v["voivodeship"] for v in data["active_per_voivodeship"]] == [
        "lubuskie",
        "łódzkie",
        "śląskie",
        "świętokrzyskie",
        "zachodniopomorskie",
    ]
