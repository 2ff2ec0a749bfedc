"""Issue 15: a format that states what a source says and nothing more.

``decided_on`` (the commission's decision), ``ordinal`` (which certificate, as a source
states it), a ``valid_until`` that may be left out (the end is then assumed from
``[terms] default_years`` and marked as assumed everywhere), and sources that are a
citation or a well-formed http(s) address -- through every command and output.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest

from calcert.checks import validation
from calcert.register import cache
from calcert.register.loader import load
from calcert.register.tomlfile import parse

# A file as a source states it: a decision day, an ordinal, no end.
STATED = """\
id = "mbp-x"
name = "Miejska Biblioteka Publiczna w Iksowie"
kind = "MBP"
city = "Iksów"
voivodeship = "śląskie"

[[awards]]
decided_on = 2012-01-31
awarded_on = 2012-02-23
valid_from = 2012-02-23
ordinal = 3
awarded_by = "Teresa Jankowska"
source = "https://www.cal.org.pl/certyfikat/"
"""
AS_OF = "2015-01-01"
LEGEND = (
    "≈ assumed end: no source states it; the register assumes [terms] default_years from the start"
)


@pytest.fixture
def stated(make_register) -> Path:
    return make_register(files={"mbp-x": STATED})


# ---- add ----------------------------------------------------------------------------------


def test_add_records_decided_on_and_ordinal_and_no_guessed_end(make_register, cli):
    root = make_register()
    args = ["--name", "Miejska Biblioteka Publiczna w Iksowie", "--city", "Iksów"]
    result = cli(
        root,
        "add",
        "mbp-x",
        *args,
        "--kind",
        "MBP",
        "--voivodeship",
        "śląskie",
        "--decided",
        "2012-01-31",
        "--awarded",
        "2012-02-23",
        "--ordinal",
        "3",
        "--by",
        "Teresa Jankowska",
        "--source",
        "https://www.cal.org.pl/certyfikat/",
    )
    assert result.exit_code == 0, result.output
    # The summary numbers the award by its stated ordinal, not by the one recorded award.
    assert result.stdout == (
        "Recorded the 3rd certificate of mbp-x (Miejska Biblioteka Publiczna w Iksowie, "
        "Iksów): 2012-02-23..≈2017-02-22\n"
        "The end 2017-02-22 is assumed ([terms] default_years = 5), not recorded: when a "
        "source states the term, record it with --until DATE or --term YEARS (or write "
        "valid_until in the file).\n"
    )
    assert (root / "institutions" / "mbp-x.toml").read_text(encoding="utf-8") == STATED
    assert cli(root, "validate", "--strict").exit_code == 0


def test_add_with_a_term_or_an_end_writes_it_and_says_nothing_of_assumptions(make_register, cli):
    root = make_register()
    result = cli(
        root, "add", "mopr-w", "--name", "MOPR", "--city", "W", "--awarded", "2013-11-21",
        "--term", "2013-2016", "--source", "http://mopr.wloclawek.pl/?cid=1423",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2013-11-21..2016-11-20 (term 2013-2016)\n" in result.stdout
    assert "assumed" not in result.stdout
    text = (root / "institutions" / "mopr-w.toml").read_text(encoding="utf-8")
    assert "valid_until = 2016-11-20\n" in text


def test_add_refuses_an_ordinal_below_one(make_register, cli):
    root = make_register()
    result = cli(root, "add", "x", "--name", "X", "--city", "X", "--from", "2020-01-01",
                 "--ordinal", "0")  # fmt: skip
    assert result.exit_code == 2
    assert "--ordinal" in result.stderr and "0" in result.stderr
    assert not (root / "institutions" / "x.toml").exists()


# ---- show, list, expiring -----------------------------------------------------------------


def test_show_marks_the_assumed_end_numbers_by_ordinal_and_shows_the_decision(stated, cli):
    result = cli(stated, "show", "mbp-x", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[8].split() == [
        "3", "active", "2012-02-23", "≈2017-02-22", "2012-02-23", "Teresa", "Jankowska",
    ]  # fmt: skip
    assert lines[9] == LEGEND
    assert "#3 decided on: 2012-01-31" in lines


def test_show_json_has_the_three_keys(stated, cli):
    data = json.loads(cli(stated, "show", "mbp-x", "--format", "json").stdout)
    [award] = data["awards"]
    assert award["number"] == award["ordinal"] == 3
    assert award["decided_on"] == "2012-01-31"
    assert (award["valid_until"], award["valid_until_assumed"]) == ("2017-02-22", True)


def test_list_and_expiring_mark_the_assumed_end_with_a_legend(stated, cli):
    listed = cli(stated, "list", "--as-of", AS_OF)
    assert "≈2017-02-22" in listed.stdout
    assert listed.stdout.splitlines()[-1] == LEGEND
    soon = cli(stated, "expiring", "--within", "6m", "--as-of", "2016-12-01")
    assert soon.stdout.splitlines()[1].split()[-2:] == ["≈2017-02-22", "83"]
    assert soon.stdout.splitlines()[-1] == LEGEND
    rows = json.loads(cli(stated, "list", "--as-of", AS_OF, "--format", "json").stdout)
    assert (rows[0]["valid_until"], rows[0]["valid_until_assumed"]) == ("2017-02-22", True)
    md = cli(
        stated, "expiring", "--within", "6m", "--as-of", "2016-12-01", "--format", "md"
    ).stdout
    assert "| ≈2017-02-22 |" in md and md.endswith(LEGEND + "\n")


def test_no_legend_without_an_assumed_end(make_register, cli):
    from conftest import RADOM

    root = make_register(files={"mops-radom": RADOM})
    result = cli(root, "list", "--status", "all", "--as-of", AS_OF)
    assert "≈" not in result.stdout


# ---- export and import --------------------------------------------------------------------


def test_exports_carry_the_three_keys(stated, cli):
    rows = list(csv.DictReader(io.StringIO(cli(stated, "export", "--format", "csv").stdout)))
    assert [
        (r["decided_on"], r["ordinal"], r["valid_until"], r["valid_until_assumed"]) for r in rows
    ] == [("2012-01-31", "3", "2017-02-22", "true")]
    [obj] = json.loads(cli(stated, "export", "--format", "json").stdout)
    assert (obj["ordinal"], obj["number"], obj["valid_until_assumed"]) == (3, 3, True)
    ics = cli(stated, "export", "--format", "ics", "--as-of", AS_OF).stdout
    assert "This end is assumed: no source states the term" in re.sub(r"\r?\n ", "", ics)
    page = cli(stated, "export", "--format", "html", "--as-of", AS_OF).stdout
    assert 'title="Data końca przyjęta' in page and "≈2017-02-22</span>" in page
    assert '<li value="3">' in page


def test_import_writes_no_end_for_a_row_whose_end_is_assumed(make_register, cli, tmp_path):
    """The exported row holds the assumed day and valid_until_assumed=true: the import
    writes the file as it was, without a valid_until."""
    exported = cli(make_register(files={"mbp-x": STATED}), "export", "--format", "csv")
    source = tmp_path / "rows.csv"
    source.write_text(exported.stdout, encoding="utf-8")
    fresh = make_register(root=tmp_path / "fresh")
    result = cli(fresh, "import", str(source))
    assert result.exit_code == 0, result.output
    assert "add  mbp-x 2012-02-23..≈2017-02-22 (new institution)" in result.stdout
    assert (fresh / "institutions" / "mbp-x.toml").read_text(encoding="utf-8") == STATED


def test_import_reads_excel_booleans_and_refuses_bad_values(make_register, cli, tmp_path):
    root = make_register()
    good = tmp_path / "good.csv"
    good.write_text(
        "id;name;city;valid_from;valid_until;valid_until_assumed;ordinal;decided_on\n"
        "a;A;A;2020-01-01;2024-12-31;FALSE;2;01.12.2019\n",
        encoding="utf-8",
    )
    assert cli(root, "import", str(good)).exit_code == 0
    text = (root / "institutions" / "a.toml").read_text(encoding="utf-8")
    assert "decided_on = 2019-12-01\n" in text and "valid_until = 2024-12-31\n" in text
    assert "ordinal = 2\n" in text
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,name,city,valid_from,valid_until_assumed,ordinal\nb,B,B,2020-01-01,maybe,trzy\n",
        encoding="utf-8",
    )
    result = cli(root, "import", str(bad))
    assert result.exit_code == 1
    assert "ordinal 'trzy' is not a whole number" in result.stderr
    assert "valid_until_assumed 'maybe' is neither true nor false" in result.stderr


# ---- validate -----------------------------------------------------------------------------


def _findings(root: Path) -> list[tuple[str, int | None, str]]:
    found = validation.validate(root, [], date(2025, 1, 1)).findings
    return [(f.code, f.line, f.message) for f in found]


def test_an_award_without_a_source_is_a_warning_that_strict_fails_on(make_register, cli):
    root = make_register(files={"mbp-x": STATED.replace(STATED.splitlines()[-1] + "\n", "")})
    assert _findings(root) == [
        (
            "W008",
            7,
            "award #1 has no source; add source = the address (or the citation) of what "
            "states the award",
        )
    ]
    assert cli(root, "validate").exit_code == 0
    assert cli(root, "validate", "--strict").exit_code == 1


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("uchwała Komisji Certyfikacyjnej nr 12/2012", None),
        ("http://mopr.wloclawek.pl/?cid=1423", None),
        ("www.mops.pl/cal", "looks like a web address without http(s)://"),
        ("https://mops", "is not a well-formed http(s) address"),
        ("http://mops .pl/cal", "is not a well-formed http(s) address"),
        ("  ", "source is empty"),
    ],
)
def test_a_source_is_a_citation_or_a_well_formed_address(make_register, source, problem):
    root = make_register(
        files={"mbp-x": STATED.replace("https://www.cal.org.pl/certyfikat/", source)}
    )
    found = _findings(root)
    if problem is None:
        assert found == []
    else:
        [(code, line, message)] = found
        assert (code, line) == ("E016", 13) and problem in message


def test_a_decision_after_the_hand_over_is_a_warning(make_register):
    root = make_register(files={"mbp-x": STATED.replace("2012-01-31", "2012-03-01")})
    assert [(c, line) for c, line, _m in _findings(root)] == [("W009", 8)]


def test_an_ordinal_that_contradicts_the_history_is_a_warning(make_register):
    later = '\n[[awards]]\nvalid_from = 2018-01-01\nordinal = 2\nsource = "x"\n'
    root = make_register(files={"mbp-x": STATED + later})
    [(code, line, message)] = _findings(root)
    assert (code, line) == ("W010", 17)
    assert message == (
        "award 2018-01-01..≈2022-12-31 is stated as certificate 2, but the earlier award "
        "2012-02-23..≈2017-02-22 is stated as certificate 3; check ordinal"
    )
    first = STATED.replace("ordinal = 3\n", "") + later.replace("ordinal = 2", "ordinal = 1")
    root = make_register(files={"mbp-x": first}, root=root.parent / "other")
    [(code, line, message)] = _findings(root)
    assert code == "W010" and "but 1 award is recorded before it" in message
    zero = make_register(files={"mbp-x": STATED.replace("ordinal = 3", "ordinal = 0")},
                         root=root.parent / "zero")  # fmt: skip
    assert [c for c, _line, _m in _findings(zero)] == ["E016"]


def test_an_overlap_with_an_assumed_end_says_so(make_register):
    later = '\n[[awards]]\nvalid_from = 2016-06-01\nvalid_until = 2019-05-31\nsource = "x"\n'
    root = make_register(files={"mbp-x": STATED + later})
    messages = [m for c, _line, m in _findings(root) if c == "E012"]
    assert len(messages) == 2
    assert all(
        "(the end of 2012-02-23..≈2017-02-22 is assumed ([terms] default_years), as no "
        "valid_until is recorded; record the end a source states)" in m
        for m in messages
    )


def test_an_assumed_end_is_never_too_long_for_the_settings(make_register):
    root = make_register(
        files={"mbp-x": STATED},
        config="schema = 1\n[terms]\ndefault_years = 6\n[validate]\nmax_term_years = 5\n",
    )
    assert _findings(root) == []


# ---- reading: settings, the parse cache, the fast path ------------------------------------


def test_the_assumed_end_follows_the_settings_through_the_cache(make_register, cli):
    root = make_register(files={"mbp-x": STATED})
    assert "≈2017-02-22" in cli(root, "show", "mbp-x").stdout
    (root / "calcert.toml").write_text("schema = 1\n[terms]\ndefault_years = 3\n")
    assert "≈2015-02-22" in cli(root, "show", "mbp-x").stdout  # not the cached 5 years


def test_the_cache_keeps_the_new_fields(make_register):
    root = make_register(files={"mbp-x": STATED})
    first = load(root).files[0]
    again = load(root).files[0]  # served from the cache
    assert again.institution == first.institution
    [award] = again.institution.awards
    assert (award.decided_on, award.ordinal, award.valid_until_assumed) == (
        date(2012, 1, 31),
        3,
        True,
    )
    packed = cache.pack(first)
    assert cache.unpack(packed, first.path, first.shown, first.raw).institution == (
        first.institution
    )


def test_a_canonical_file_with_the_new_keys_takes_the_fast_path():
    path = Path("/r/institutions/mbp-x.toml")
    fast = parse(path, STATED.encode(), "mbp-x.toml")
    assert fast.canonical is True and fast.findings == []  # only the fast path sets it
    spaced = parse(path, STATED.replace("ordinal = 3", "ordinal = 03").encode(), "x")
    assert spaced.canonical is None  # not canonical: the general way (tomllib) read it
    [award] = fast.institution.awards
    assert (award.ordinal, award.valid_until, award.valid_until_assumed) == (
        3,
        date(2017, 2, 22),
        True,
    )


def test_a_wrongly_typed_ordinal_is_e005(make_register):
    root = make_register(files={"mbp-x": STATED.replace("ordinal = 3", 'ordinal = "3"')})
    [(code, line, message)] = _findings(root)
    assert (code, line) == ("E005", 11)
    assert "write a whole number without quotes, e.g. ordinal = 3" in message


# ---- in Polish ----------------------------------------------------------------------------


PL = {"LANG": "pl_PL.UTF-8"}


def test_the_polish_ui_shows_the_mark_the_legend_and_the_note(stated, make_register, cli):
    result = cli(stated, "show", "mbp-x", "--as-of", AS_OF, env=PL)
    assert "≈2017-02-22" in result.stdout
    assert (
        "≈ przyjęty koniec: żadne źródło go nie podaje; rejestr przyjmuje [terms] "
        "default_years od początku okresu" in result.stdout
    )
    assert "#3 decyzja z dnia: 2012-01-31" in result.stdout
    root = make_register(root=stated.parent / "pl")
    added = cli(root, "add", "x", "--name", "X", "--city", "X", "--awarded", "2020-01-01",
                env=PL)  # fmt: skip
    assert "Koniec 2024-12-31 jest przyjęty ([terms] default_years = 5)" in added.stdout
    warned = cli(root, "validate", env=PL)
    assert "certyfikat nr 1 nie ma źródła" in warned.stdout
