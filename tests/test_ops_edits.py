"""``calcert.ops.edits`` called directly: plan_add/add, plan_withdraw/withdraw, fmt.

The CLI tests (test_cli_add.py) check what a registrar sees; these check what the library
returns and raises, so a command built on it (or a script) can rely on the same contract.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from calcert.errors import Refused, UsageError
from calcert.model.terms import parse_term
from calcert.ops.edits import (
    ADD_AWARD_KEYS,
    ADD_INSTITUTION_KEYS,
    AddRequest,
    add,
    fmt,
    plan_add,
    plan_withdraw,
    withdraw,
)
from calcert.register.loader import load
from conftest import MLAWA, RADOM, snapshot

TODAY = date(2025, 1, 1)
MLAWA_NAME = "Miejski Ośrodek Pomocy Społecznej w Mławie"
RADOM_NAME = "Miejski Ośrodek Pomocy Społecznej w Radomiu"


@pytest.fixture(autouse=True)
def _in_tmp(in_tmp: Path) -> None:
    """Paths in messages show relative to the working folder, as a registrar sees them."""


def request_of(ident: str | None = None, **values: object) -> AddRequest:
    """A request from the file's keys (``name=…``, ``valid_from=…``), as a script builds one."""
    request = AddRequest(ident)
    return changed(request, **values)


def changed(request: AddRequest, **values: object) -> AddRequest:
    for key, value in values.items():
        if key in ADD_INSTITUTION_KEYS:
            request.institution[key] = value
        elif key in ADD_AWARD_KEYS:
            request.award[key] = value
        else:
            setattr(request, key, value)
    return request


def radom_request(**changes: object) -> AddRequest:
    request = request_of(
        "mops-radom",
        name=RADOM_NAME,
        city="Radom",
        kind="MOPS",
        voivodeship="Mazowieckie",
        awarded_on=date(2014, 5, 19),
        term=parse_term("2014-2017"),
        awarded_by="Paweł Jordan",
        source="https://www.cal.org.pl/mops-w-radomiu-po-raz-trzeci-uhonorowany-certyfikatem-cal/",
    )
    return changed(request, **changes)


def renewal(start: date, until: date | None = None, **changes: object) -> AddRequest:
    return request_of("mops-mlawa", valid_from=start, valid_until=until, **changes)


# ---- add: a new institution ----------------------------------------------------------------


def test_plan_add_new_institution_writes_nothing_and_returns_the_canonical_file(
    make_register,
) -> None:
    root = make_register()
    before = snapshot(root)
    result = plan_add(load(root), radom_request(), TODAY)
    assert snapshot(root) == before
    assert result.created is True
    assert result.path == root / "institutions" / "mops-radom.toml"
    # The register's canonical form of the request: the same bytes as the sample file.
    assert result.text == RADOM
    assert result.summary == (
        "1st certificate of mops-radom (Miejski Ośrodek Pomocy Społecznej w Radomiu, "
        "Radom): 2014-05-19..2017-05-18 (term 2014-2017)"
    )
    assert result.institution.voivodeship == "mazowieckie"  # lower-cased on the way in
    assert result.register is not None


def test_add_writes_the_planned_file(make_register) -> None:
    root = make_register()
    result = add(root, radom_request(), TODAY)
    path = root / "institutions" / "mops-radom.toml"
    assert path.read_text(encoding="utf-8") == result.text == RADOM
    assert [f.institution for f in load(root).files] == [result.institution]


def test_id_is_derived_from_name(make_loaded) -> None:
    request = request_of(name="MOPS Mława", city="Mława", valid_from=date(2022, 3, 29))
    result = plan_add(make_loaded(), request, TODAY)
    assert result.institution.id == "mops-mlawa"
    assert result.path.name == "mops-mlawa.toml"


def test_default_years_come_from_the_register_settings(make_loaded) -> None:
    register = make_loaded(config="schema = 1\n[terms]\ndefault_years = 3\n")
    request = radom_request(term=None, awarded_on=None, valid_from=date(2020, 1, 1))
    award = plan_add(register, request, TODAY).institution.awards[0]
    assert (award.valid_from, award.valid_until) == (date(2020, 1, 1), date(2022, 12, 31))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"ident": None, "name": None},
            "give an ID, or --name and --city to derive one from the name",
        ),
        ({"ident": "Mops Radom"}, "id 'Mops Radom' is not valid: an id is lower-case letters"),
        ({"name": None}, "'mops-radom' is a new institution: --name is required"),
        (
            {"name": None, "city": None},
            "'mops-radom' is a new institution: --name and --city are required",
        ),
        ({"city": "  "}, "--city is empty; give a value or leave the option out"),
        ({"voivodeship": "mazowsze"}, "--voivodeship 'mazowsze' is not one of the 16: "),
        ({"parent": "../x"}, "--parent '../x' is not valid"),
    ],
)
def test_bad_requests_are_usage_errors(make_register, changes, message) -> None:
    root = make_register()
    before = snapshot(root)
    with pytest.raises(UsageError) as raised:
        add(root, radom_request(**changes), TODAY)
    assert str(raised.value).startswith(message)
    assert raised.value.exit_code == 2
    assert snapshot(root) == before


def test_a_request_that_would_add_an_error_is_refused(make_register) -> None:
    root = make_register()
    before = snapshot(root)
    with pytest.raises(Refused) as raised:
        add(root, radom_request(parent="mops-nowhere"), TODAY)
    assert raised.value.exit_code == 1
    assert str(raised.value).startswith("registry/institutions/mops-radom.toml:6: E014 ")
    assert "mops-nowhere" in str(raised.value)
    assert snapshot(root) == before


def test_a_request_with_a_key_the_file_does_not_have_is_refused_at_once() -> None:
    """A misspelt key would otherwise be dropped silently: the award recorded without it."""
    with pytest.raises(TypeError, match="certificate_number"):
        AddRequest("mops-radom", award={"certificate_number": "12/2014"})
    with pytest.raises(TypeError, match="withdrawn_on"):  # withdraw's, not add's
        AddRequest("mops-radom", award={"withdrawn_on": date(2020, 1, 1)})
    with pytest.raises(TypeError, match="awards"):
        AddRequest("mops-radom", institution={"awards": "x"})


# ---- add: renewals and supersede -----------------------------------------------------------


def test_renewal_is_the_second_certificate(make_register) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    request = renewal(date(2026, 3, 29), term=parse_term("2026-2030"))
    result = add(root, request, TODAY)
    assert result.created is False
    assert result.summary == (
        f"2nd certificate of mops-mlawa ({MLAWA_NAME}, Mława): "
        "2026-03-29..2030-03-28 (term 2026-2030)"
    )
    awards = load(root).files[0].institution.sorted_awards()
    assert [a.label() for a in awards] == ["2022-03-29..2026-03-28", "2026-03-29..2030-03-28"]


def test_an_earlier_award_is_placed_first(make_loaded) -> None:
    register = make_loaded(files={"mops-mlawa": MLAWA})
    result = plan_add(register, renewal(date(2011, 6, 28), date(2016, 6, 27)), TODAY)
    assert result.summary.startswith("1st certificate of mops-mlawa")
    assert result.text.index("2011-06-28") < result.text.index("2022-03-29")


def test_missing_fields_are_filled_in_and_reported(make_loaded) -> None:
    register = make_loaded(files={"mops-mlawa": MLAWA})
    request = renewal(date(2026, 3, 29), website="https://mops.mlawa.pl/", city="Mława")
    result = plan_add(register, request, TODAY)
    assert result.changed == ["website"]
    assert result.institution.website == "https://mops.mlawa.pl/"


def test_changing_a_recorded_field_is_a_usage_error(make_loaded) -> None:
    register = make_loaded(files={"mops-mlawa": MLAWA})
    with pytest.raises(UsageError) as raised:
        plan_add(register, renewal(date(2026, 3, 29), city="Radom"), TODAY)
    assert str(raised.value) == (
        "registry/institutions/mops-mlawa.toml: city is 'Mława', not 'Radom'; leave --city out "
        "or edit the file to change it"
    )


def test_a_derived_id_taken_by_another_institution_is_a_usage_error(make_loaded) -> None:
    register = make_loaded(files={"mops-mlawa": MLAWA})
    request = request_of(name="MOPS Mława", city="Mława", valid_from=date(2026, 3, 29))
    with pytest.raises(UsageError) as raised:
        plan_add(register, request, TODAY)
    assert str(raised.value) == (
        f"the derived id 'mops-mlawa' belongs to '{MLAWA_NAME}' (Mława); "
        "give the new institution an ID of its own"
    )


def test_overlap_is_refused_with_the_supersede_hint(make_register) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    before = snapshot(root)
    with pytest.raises(Refused) as raised:
        add(root, renewal(date(2025, 1, 1), date(2028, 12, 31)), TODAY)
    assert str(raised.value) == (
        "registry/institutions/mops-mlawa.toml: the new award 2025-01-01..2028-12-31 overlaps the "
        "recorded award 2022-03-29..2026-03-28; pass --supersede to end the earlier one "
        "the day before the new one starts"
    )
    assert snapshot(root) == before


def test_an_award_that_starts_later_cannot_be_superseded(make_loaded) -> None:
    register = make_loaded(files={"mops-mlawa": MLAWA})
    request = renewal(date(2021, 1, 1), date(2022, 12, 31), supersede=True)
    with pytest.raises(Refused) as raised:
        plan_add(register, request, TODAY)
    assert str(raised.value).endswith(
        "; a new award cannot supersede one that starts on or after it"
    )


def test_the_same_award_twice_is_refused(make_loaded) -> None:
    register = make_loaded(files={"mops-mlawa": MLAWA})
    with pytest.raises(Refused) as raised:
        plan_add(register, renewal(date(2022, 3, 29), date(2026, 3, 28)), TODAY)
    assert str(raised.value) == (
        "registry/institutions/mops-mlawa.toml: the award 2022-03-29..2026-03-28 "
        "is already recorded"
    )


def test_supersede_ends_the_earlier_award_the_day_before(make_register) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    request = renewal(date(2025, 1, 1), date(2028, 12, 31), supersede=True)
    add(root, request, TODAY)
    old, new = load(root).files[0].institution.sorted_awards()
    assert old.valid_until == date(2024, 12, 31)
    assert old.notes == (
        "Superseded by the award of 2025-01-01: ended 2024-12-31 instead of 2026-03-28."
    )
    assert (new.valid_from, new.valid_until) == (date(2025, 1, 1), date(2028, 12, 31))


def test_a_broken_target_file_is_a_usage_error_naming_its_line(make_register) -> None:
    root = make_register(files={"mops-mlawa": MLAWA.replace("kind", "knd")})
    before = snapshot(root)
    with pytest.raises(UsageError) as raised:
        add(root, renewal(date(2026, 3, 29)), TODAY)
    assert str(raised.value) == (
        "registry/institutions/mops-mlawa.toml:3: unknown key 'knd' (did you mean 'kind'?); "
        "remove or rename it (see `calcert schema`); fix this file before recording awards in it"
        " (`calcert validate registry/institutions/mops-mlawa.toml`)"
    )
    assert snapshot(root) == before


def test_dry_run_returns_the_plan_and_writes_nothing(make_register) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    before = snapshot(root)
    result = add(root, renewal(date(2026, 3, 29)), TODAY, dry_run=True)
    assert "valid_from = 2026-03-29\n" in result.text
    assert snapshot(root) == before


# ---- withdraw ------------------------------------------------------------------------------


def test_withdraw_marks_the_award_covering_the_day(make_register) -> None:
    root = make_register(files={"mops-mlawa": MLAWA, "mops-radom": RADOM})
    result = withdraw(root, "mops-mlawa", date(2024, 1, 15), " audit ", TODAY)
    assert result.summary == (
        f"the certificate 2022-03-29..2026-03-28 of mops-mlawa ({MLAWA_NAME}, Mława) on 2024-01-15"
    )
    award = load(root).file_for("mops-mlawa").institution.awards[0]
    assert (award.withdrawn_on, award.withdrawal_reason) == (date(2024, 1, 15), "audit")
    assert award.status(date(2024, 1, 14)) == "active"
    assert award.status(date(2024, 1, 15)) == "withdrawn"


@pytest.mark.parametrize(
    ("ident", "day", "message"),
    [
        (
            "mops-mlawa",
            date(2030, 1, 1),
            "no award of mops-mlawa covers 2030-01-01 (its terms: 2022-03-29..2026-03-28)",
        ),
        (
            "mops-nowhere",
            date(2024, 1, 1),
            "unknown institution id 'mops-nowhere'; `calcert list --status all` lists them",
        ),
    ],
)
def test_withdraw_usage_errors(make_register, ident, day, message) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    before = snapshot(root)
    with pytest.raises(UsageError) as raised:
        withdraw(root, ident, day, None, TODAY)
    assert str(raised.value) == message
    assert snapshot(root) == before


def test_withdraw_twice_is_a_usage_error(make_loaded) -> None:
    withdrawn = MLAWA + "withdrawn_on = 2024-01-15\n"
    register = make_loaded(files={"mops-mlawa": withdrawn})
    with pytest.raises(UsageError) as raised:
        plan_withdraw(register, "mops-mlawa", date(2024, 2, 1), None, TODAY)
    assert str(raised.value) == (
        "the award 2022-03-29..2026-03-28 of mops-mlawa was already withdrawn on 2024-01-15"
    )


def test_withdraw_dry_run_writes_nothing(make_register) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    before = snapshot(root)
    result = withdraw(root, "mops-mlawa", date(2024, 1, 15), None, TODAY, dry_run=True)
    assert result.text.endswith("withdrawn_on = 2024-01-15\n")
    assert snapshot(root) == before


# ---- fmt -----------------------------------------------------------------------------------

UNSORTED = MLAWA.replace('kind = "MOPS"\ncity = "Mława"\n', 'city = "Mława"\nkind = "MOPS"\n')


def test_fmt_check_lists_files_to_rewrite_and_writes_nothing(make_register) -> None:
    root = make_register(files={"mops-mlawa": UNSORTED, "mops-radom": RADOM})
    before = snapshot(root)
    result = fmt(root, check=True)
    assert [p.path.name for p in result.changed] == ["mops-mlawa.toml"]
    assert (result.skipped, result.files) == ([], 2)
    assert snapshot(root) == before


def test_fmt_rewrites_canonically_and_skips_broken_files(make_register) -> None:
    broken = 'id = "broken\n'
    root = make_register(files={"mops-mlawa": "\n" + MLAWA, "broken": broken})
    result = fmt(root, check=False)
    assert [p.path.name for p in result.changed] == ["mops-mlawa.toml"]
    assert [f.path for f in result.skipped] == ["registry/institutions/broken.toml"]
    institutions = root / "institutions"
    assert (institutions / "mops-mlawa.toml").read_text(encoding="utf-8") == MLAWA
    assert (institutions / "broken.toml").read_text(encoding="utf-8") == broken
    assert fmt(root, check=True).changed == []


def test_fmt_of_a_canonical_register_changes_nothing(make_register) -> None:
    root = make_register(files={"mops-mlawa": MLAWA, "mops-radom": RADOM})
    before = snapshot(root)
    assert fmt(root, check=False).changed == []
    assert snapshot(root) == before
