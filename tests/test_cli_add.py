"""``calcert add`` and ``calcert withdraw`` through the CLI, as a registrar uses them."""

from __future__ import annotations

import pytest

from calcert.register.loader import load
from conftest import ADD_RADOM, MLAWA, RADOM, snapshot


def _snapshot(root):
    return snapshot(root / "institutions")


def test_add_new_institution_with_term_from_the_ceremony(make_register, cli) -> None:
    root = make_register()
    result = cli(
        root,
        *ADD_RADOM,
        "--kind",
        "MOPS",
        "--voivodeship",
        "mazowieckie",
        "--by",
        "Paweł Jordan",
        "--source",
        "https://www.cal.org.pl/mops-w-radomiu-po-raz-trzeci-uhonorowany-certyfikatem-cal/",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Recorded the 1st certificate of mops-radom (Miejski Ośrodek Pomocy Społecznej w "
        "Radomiu, Radom): 2014-05-19..2017-05-18 (term 2014-2017)\n"
    )
    assert (root / "institutions" / "mops-radom.toml").read_text(encoding="utf-8") == RADOM
    assert cli(root, "validate").exit_code == 0


def test_summary_counts_certificates(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    first = cli(root, "add", "mops-mlawa", "--awarded", "2011-06-28", "--term", "2011-2014")
    assert first.exit_code == 0, first.output
    assert "the 1st certificate of mops-mlawa" in first.stdout
    third = cli(root, "add", "mops-mlawa", "--from", "2026-03-29", "--until", "2031-03-28")
    assert "the 3rd certificate of mops-mlawa" in third.stdout


def test_id_derived_from_the_name(make_register, cli) -> None:
    root = make_register()
    result = cli(root, "add", "--name", "MOPS Mława", "--city", "Mława", "--from", "2022-03-29")
    assert result.exit_code == 0, result.output
    assert (root / "institutions" / "mops-mlawa.toml").is_file()
    # No source states an end: the default 5 years are assumed, marked, and not written.
    assert "2022-03-29..≈2027-03-28" in result.stdout
    assert "The end 2027-03-28 is assumed ([terms] default_years = 5)" in result.stdout
    text = (root / "institutions" / "mops-mlawa.toml").read_text(encoding="utf-8")
    assert "valid_until" not in text


def test_derived_id_taken_by_another_institution_is_refused(make_register, cli) -> None:
    root = make_register(
        files={
            "mops-mlawa": MLAWA.replace(
                'name = "Miejski Ośrodek Pomocy Społecznej w Mławie"', 'name = "MOPS Mława"'
            )
        }
    )
    before = _snapshot(root)
    result = cli(root, "add", "--name", "MOPS Mława", "--city", "Płock", "--from", "2020-01-01")
    assert result.exit_code == 2
    assert "give the new institution an ID of its own" in result.stderr
    assert _snapshot(root) == before


def test_default_years_come_from_the_settings(make_register, cli) -> None:
    root = make_register(config="schema = 1\n[terms]\ndefault_years = 3\n")
    result = cli(
        root, "add", "gops-x", "--name", "GOPS X", "--city", "X", "--awarded", "2011-06-28"
    )
    assert "2011-06-28..≈2014-06-27" in result.stdout


def test_new_institution_needs_name_and_city_without_a_terminal(make_register, cli) -> None:
    root = make_register()
    result = cli(root, "add", "mops-x", "--from", "2020-01-01")
    assert result.exit_code == 2
    assert result.stderr == (
        "calcert: error: 'mops-x' is a new institution: --name and --city are required\n"
    )
    assert _snapshot(root) == {".gitkeep": b""}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2020-02-30"], "--from: '2020-02-30' is not a calendar date"),
        (["--from", "2020-02-03", "--until", "2019-01-01"], "--until 2019-01-01 is before --from"),
        (["--term", "2017"], "--term: '2017' is not a term"),
        (["--awarded", "29.03.2022"], "--awarded: '29.03.2022' is not a date"),
        (["--from", "0000-01-01"], "is not a calendar date"),
        (["--from", "10000-01-01"], "is not a date"),
        (["--from", "2020-01-01", "--voivodeship", "mazowsze"], "is not one of the 16"),
        (["--from", "2020-01-01", "--name", ""], "--name is empty"),
        ([], "no start date"),
    ],
)
def test_bad_arguments_change_nothing(make_register, cli, args, message) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    before = _snapshot(root)
    result = cli(root, "add", "mops-mlawa", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.output
    assert _snapshot(root) == before


@pytest.mark.parametrize("ident", ["../x", "A/B", "MOPS", "a--b", "a-", "x" * 65, "a b", "ł"])
def test_bad_ids_are_refused(make_register, cli, ident) -> None:
    root = make_register()
    result = cli(root, "add", ident, "--name", "N", "--city", "C", "--from", "2020-01-01")
    assert result.exit_code == 2
    assert "is not valid" in result.stderr
    assert _snapshot(root) == {".gitkeep": b""}


def test_overlap_is_refused_with_both_terms(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    before = _snapshot(root)
    result = cli(root, "add", "mops-mlawa", "--from", "2025-01-01", "--term", "2025-2029")
    assert result.exit_code == 1
    assert "2025-01-01..2028-12-31" in result.stderr
    assert "2022-03-29..2026-03-28" in result.stderr
    assert "--supersede" in result.stderr
    assert result.stderr.startswith("calcert: refused, nothing written: ")
    assert _snapshot(root) == before


def test_one_day_overlap_is_refused(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    result = cli(root, "add", "mops-mlawa", "--from", "2026-03-28", "--until", "2031-03-27")
    assert result.exit_code == 1
    assert (
        cli(root, "add", "mops-mlawa", "--from", "2026-03-29", "--until", "2031-03-28").exit_code
        == 0
    )


def test_supersede_ends_the_earlier_award(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    result = cli(
        root, "add", "mops-mlawa", "--from", "2025-01-01", "--term", "2025-2029", "--supersede"
    )
    assert result.exit_code == 0, result.output
    inst = load(root).files[0].institution
    old, new = inst.sorted_awards()
    assert str(old.valid_until) == "2024-12-31"
    assert old.notes == (
        "Superseded by the award of 2025-01-01: ended 2024-12-31 instead of 2026-03-28."
    )
    assert (str(new.valid_from), str(new.valid_until)) == ("2025-01-01", "2028-12-31")
    assert cli(root, "validate").exit_code == 0


def test_supersede_cannot_cut_an_award_that_starts_later(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    before = _snapshot(root)
    result = cli(
        root, "add", "mops-mlawa", "--from", "2021-01-01", "--until", "2022-12-31", "--supersede"
    )
    assert result.exit_code == 1
    assert "cannot supersede" in result.stderr
    assert _snapshot(root) == before


def test_same_award_twice_is_refused(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    result = cli(root, "add", "mops-mlawa", "--from", "2022-03-29", "--until", "2026-03-28")
    assert result.exit_code == 1
    assert "already recorded" in result.stderr


def test_dry_run_prints_and_writes_nothing(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    before = _snapshot(root)
    result = cli(
        root, "add", "mops-mlawa", "--from", "2026-03-29", "--term", "2026-2030", "--dry-run"
    )
    assert result.exit_code == 0, result.output
    assert "valid_from = 2026-03-29\nvalid_until = 2030-03-28\n" in result.stdout
    assert result.stdout.rstrip().endswith(
        "Would record the 2nd certificate of mops-mlawa (Miejski Ośrodek Pomocy Społecznej "
        "w Mławie, Mława): 2026-03-29..2030-03-28 (term 2026-2030)"
    )
    assert _snapshot(root) == before


def test_unknown_parent_is_refused_as_it_would_add_an_error(make_register, cli) -> None:
    root = make_register()
    result = cli(
        root,
        "add",
        "zosl-wroclaw",
        "--name",
        "Zespół OSL",
        "--city",
        "Wrocław",
        "--parent",
        "mops-wroclaw",
        "--from",
        "2020-01-01",
    )
    assert result.exit_code == 1
    assert "E014" in result.stderr
    assert _snapshot(root) == {".gitkeep": b""}


def test_errors_in_other_files_do_not_block_a_write(make_register, cli) -> None:
    broken = RADOM.replace('city = "Radom"', 'city = "Radom"\ncolour = "red"')
    root = make_register(files={"mops-mlawa": MLAWA, "mops-radom": broken})
    result = cli(root, "add", "mops-mlawa", "--from", "2026-03-29", "--term", "2026-2031")
    assert "Recorded the 2nd certificate" in result.stdout
    # the unreadable file is named, and the exit code says not all was well (SPEC)
    assert result.exit_code == 2
    assert "mops-radom.toml:5: unknown key 'colour'" in result.stderr


def test_a_broken_target_file_is_not_rewritten(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA.replace("kind", "knd")})
    before = _snapshot(root)
    result = cli(root, "add", "mops-mlawa", "--from", "2026-03-29")
    assert result.exit_code == 2
    assert "fix this file before recording awards in it" in result.stderr
    assert _snapshot(root) == before


def test_changing_a_recorded_name_is_refused(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    result = cli(root, "add", "mops-mlawa", "--name", "Other", "--from", "2026-03-29")
    assert result.exit_code == 2
    assert "name is 'Miejski Ośrodek Pomocy Społecznej w Mławie', not 'Other'" in result.stderr


def test_missing_fields_of_an_existing_institution_are_filled_in(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    result = cli(
        root, "add", "mops-mlawa", "--website", "https://mops.mlawa.pl/", "--from", "2026-03-29"
    )
    assert result.exit_code == 0, result.output
    assert 'website = "https://mops.mlawa.pl/"\n' in (
        root / "institutions" / "mops-mlawa.toml"
    ).read_text(encoding="utf-8")


# ---- withdraw -----------------------------------------------------------------------------


def test_withdraw_the_award_covering_the_day(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    result = cli(root, "withdraw", "mops-mlawa", "--on", "2024-01-15", "--reason", "audit")
    assert result.exit_code == 0, result.output
    text = (root / "institutions" / "mops-mlawa.toml").read_text(encoding="utf-8")
    assert text.endswith('withdrawn_on = 2024-01-15\nwithdrawal_reason = "audit"\n')
    listed = cli(root, "list", "--as-of", "2024-01-15", "--format", "csv")
    assert "mops-mlawa" not in listed.stdout
    still = cli(root, "list", "--as-of", "2024-01-14", "--format", "csv")
    assert "mops-mlawa" in still.stdout
    withdrawn = cli(
        root, "list", "--status", "withdrawn", "--as-of", "2024-01-15", "--format", "csv"
    )
    assert "mops-mlawa" in withdrawn.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["mops-mlawa", "--on", "2030-01-01"], 2, "no award of mops-mlawa covers 2030-01-01"),
        (["mops-nowhere", "--on", "2024-01-01"], 2, "unknown institution id 'mops-nowhere'"),
        (["mops-mlawa", "--on", "2024-13-01"], 2, "is not a calendar date"),
        (["../etc", "--on", "2024-01-01"], 2, "is not valid"),
    ],
)
def test_withdraw_errors(make_register, cli, args, code, message) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    before = _snapshot(root)
    result = cli(root, "withdraw", *args)
    assert result.exit_code == code
    assert message in result.stderr
    assert _snapshot(root) == before


def test_withdraw_twice_is_refused(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    assert cli(root, "withdraw", "mops-mlawa", "--on", "2024-01-15").exit_code == 0
    again = cli(root, "withdraw", "mops-mlawa", "--on", "2024-02-01")
    assert again.exit_code == 2
    assert "already withdrawn on 2024-01-15" in again.stderr


def test_withdraw_names_unreadable_files_and_exits_2(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA, "broken": 'id = "broken\n'})
    result = cli(root, "withdraw", "mops-mlawa", "--on", "2024-01-15")
    assert "Withdrew the certificate" in result.stdout
    assert result.exit_code == 2
    assert "broken.toml:1:" in result.stderr


def test_a_term_printed_with_an_en_dash_is_valid(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA.replace('"2022-2026"', '"2022–2026"')})
    result = cli(root, "validate", "--strict")
    assert result.exit_code == 0, result.output


def test_derived_ids_transliterate_polish_and_other_letters() -> None:
    from calcert.model.translit import slugify

    assert slugify("MOPS Mława") == "mops-mlawa"
    assert slugify("Zażółć gęślą jaźń, Łódź") == "zazolc-gesla-jazn-lodz"
    assert slugify("Fundacja Straße") == "fundacja-strasse"


# ---- add tells what it records (issue 13 item 6) ---------------------------------------------


def test_add_prints_the_warnings_the_new_record_raises(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    result = cli(
        root, "add", "mops-mlawa", "--awarded", "2026-09-01", "--from", "2026-03-29",
        "--until", "2031-03-28", "--term", "2027-2031",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert any(
        " warning W004 awarded_on 2026-09-01 is 156 days from valid_from" in x for x in lines
    )
    assert any(" warning W007 term '2027-2031' does not match" in x for x in lines)
    assert all(x.startswith(f"calcert: {root}/institutions/mops-mlawa.toml:") for x in lines)
    assert "W004" not in result.stdout  # stdout stays the summary only
    assert len(load(root).files[0].institution.awards) == 2


def test_add_does_not_repeat_the_warnings_already_in_the_file(make_register, cli) -> None:
    root = make_register(
        files={"mops-mlawa": MLAWA.replace('term = "2022-2026"', 'term = "2019-2026"')}
    )
    result = cli(root, "add", "mops-mlawa", "--from", "2026-03-29", "--until", "2031-03-28")
    assert result.exit_code == 0, result.output
    assert "W007" not in result.stderr  # the old award's mismatch is not this change's


def test_add_strict_refuses_a_record_with_warnings(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    before = _snapshot(root)
    result = cli(
        root, "add", "mops-mlawa", "--from", "2026-03-29", "--until", "2031-03-28",
        "--term", "2027-2031", "--source", "https://example.org/mlawa", "--strict",
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.startswith("calcert: refused, nothing written: ")
    assert "W007" in result.stderr
    assert "--strict" in result.stderr
    assert _snapshot(root) == before
    ok = cli(
        root, "add", "mops-mlawa", "--from", "2026-03-29", "--until", "2031-03-28",
        "--source", "https://example.org/mlawa", "--strict",
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert ok.stderr == ""


def test_same_start_refusal_does_not_mention_supersede_when_not_given(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    result = cli(root, "add", "mops-mlawa", "--from", "2022-03-29", "--until", "2027-03-28")
    assert result.exit_code == 1
    assert "supersede" not in result.stderr
    assert "2022-03-29..2026-03-28" in result.stderr
    later = cli(root, "add", "mops-mlawa", "--from", "2021-01-01", "--until", "2022-12-31")
    assert later.exit_code == 1
    assert "supersede" not in later.stderr
