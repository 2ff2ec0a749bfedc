"""The check pipeline called directly (no CLI): each rule on a tmp_path register, the shared
"refuse what would add an error" path, and a rule behind every code of the catalog."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from calcert.checks import per_file, pipeline, register_wide
from calcert.checks.catalog import CHECKS
from calcert.model.findings import CODES
from calcert.register.loader import load
from calcert.register.tomlfile import STRUCTURE_CHECKS, STRUCTURE_CODES
from conftest import MLAWA, RADOM

TODAY = date(2025, 1, 1)
_ROOTS = itertools.count()


def test_new_errors_names_only_what_the_change_adds(make_register):
    root = make_register(
        files={
            "mops-mlawa": MLAWA,
            "mops-radom": RADOM.replace("[[awards]]", 'parent = "nowhere"\n\n[[awards]]', 1),
        }
    )
    register = load(root)
    path = root / "institutions" / "mops-mlawa.toml"
    changed = MLAWA.replace('voivodeship = "mazowieckie"', 'voivodeship = "mazowsze"')
    new, reparsed = pipeline.new_errors(register, {path: changed}, TODAY)
    # The E014 of mops-radom was there before: only the change's own error is new.
    assert [f.code for f in new] == ["E009"]
    assert list(reparsed) == [new[0].path]
    assert reparsed[new[0].path].institution.voivodeship == "mazowsze"
    assert pipeline.new_errors(register, {path: MLAWA}, TODAY)[0] == []


def test_new_findings_reports_the_warnings_new_to_the_change(make_register, tmp_path):
    old_mismatch = MLAWA.replace('term = "2022-2026"', 'term = "2019-2026"')
    root = make_register(files={"mops-mlawa": old_mismatch})
    register = load(root)
    path = root / "institutions" / "mops-mlawa.toml"
    renewal = (
        '\n[[awards]]\nvalid_from = 2026-03-29\nvalid_until = 2031-03-28\nterm = "2027-2031"\n'
        'source = "https://example.org/renewal"\n'
    )
    change = pipeline.new_findings(register, {path: old_mismatch + renewal}, TODAY)
    assert change.errors == []
    # The old award's W007 was there before; only the renewal's is new.
    assert [(f.code, f.line) for f in change.warnings] == [("W007", 18)]
    quiet = make_register(
        files={"mops-mlawa": MLAWA},
        config='schema = 1\n[validate]\nignore = ["W007"]\n',
        root=tmp_path / "quiet",
    )
    change = pipeline.new_findings(
        load(quiet), {quiet / "institutions" / "mops-mlawa.toml": MLAWA + renewal}, TODAY
    )
    assert change.warnings == []


# ---- per-file rules, called one by one ---------------------------------------------------------


@pytest.fixture
def make_view(make_register, tmp_path):
    def make(text: str, stem: str = "mops-mlawa") -> per_file.FileView:
        root = make_register(files={stem: text}, root=tmp_path / f"r{next(_ROOTS)}")
        return _view_of(root)

    return make


def _view_of(root) -> per_file.FileView:
    view = per_file.view_of(load(root).files[0])
    assert view is not None
    return view


def _codes(findings) -> list[tuple[str, int | None]]:
    return [(f.code, f.line) for f in findings]


def test_a_sound_file_passes_every_per_file_rule(make_view):
    assert per_file.check_file(make_view(MLAWA).parsed) == []


def test_id_rules(make_view):
    assert _codes(per_file.check_id(make_view(MLAWA, "mlawa"))) == [("E007", 1)]
    bad = MLAWA.replace('id = "mops-mlawa"', 'id = "MOPS Mława"')
    [finding] = per_file.check_id(make_view(bad))
    assert (finding.code, finding.line) == ("E006", 1)
    assert finding.message.startswith("bad id 'MOPS Mława': an id is lower-case")
    empty = MLAWA.replace('"Miejski Ośrodek Pomocy Społecznej w Mławie"', '" "')
    assert _codes(per_file.check_required_text(make_view(empty))) == [("E016", 2)]


def test_voivodeship_rule_suggests_the_closest(make_view):
    view = make_view(MLAWA.replace('"mazowieckie"', '"Mazowieckie"'))
    [finding] = per_file.check_voivodeship(view)
    assert (finding.code, finding.line) == ("E009", 5)
    assert "(did you mean 'mazowieckie'?)" in finding.message


def test_award_rules(make_view):
    source = MLAWA.splitlines()[-1]
    text = MLAWA.replace('term = "2022-2026"', 'term = "2026-2022"').replace(
        source, 'source = "http://x"'
    ) + ('withdrawal_reason = "?"\n')
    view = make_view(text)
    award = view.draft.awards[0]
    assert _codes(per_file.check_term_text(view, 0, award)) == [("E016", 11)]
    assert _codes(per_file.check_source(view, 0, award)) == [("E016", 13)]
    assert _codes(per_file.check_reason(view, 0, award)) == [("E015", 14)]
    reversed_ = MLAWA.replace("valid_until = 2026-03-28", "valid_until = 2020-03-28")
    view = make_view(reversed_ + "withdrawn_on = 2030-01-01\n")
    award = view.draft.awards[0]
    assert _codes(per_file.check_term_order(view, 0, award)) == [("E011", 10)]
    assert per_file.check_withdrawal_in_term(view, 0, award) == []  # E011 says it all
    late = make_view(MLAWA + "withdrawn_on = 2030-01-01\n")
    assert _codes(per_file.check_withdrawal_in_term(late, 0, late.draft.awards[0])) == [
        ("E013", 14)
    ]


def test_overlaps_are_reported_at_both_awards(make_view):
    text = MLAWA + "\n[[awards]]\nvalid_from = 2026-01-01\nvalid_until = 2030-12-31\n"
    findings = per_file.check_overlaps(make_view(text))
    assert _codes(findings) == [("E012", 7), ("E012", 15)]
    assert "by 87 days" in findings[0].message


def test_rules_see_the_values_of_a_file_that_is_not_complete(make_register):
    """An unknown key keeps the file from being a record; its bad voivodeship still shows."""
    text = MLAWA.replace('"mazowieckie"', '"mazowsze"') + 'awarded_bye = "x"\n'
    root = make_register(files={"mops-mlawa": text})
    parsed = load(root).files[0]
    assert not parsed.complete
    assert [f.code for f in parsed.findings] == ["E004"]  # loading: structure only
    assert [f.code for f in per_file.check_file(parsed)] == ["E009"]
    codes = [f.code for f in pipeline.run(load(root), TODAY)]  # the second read: same
    assert codes == ["E004", "E009"]


# ---- register-wide rules ---------------------------------------------------------------------


def test_register_wide_rules(make_register):
    twin = MLAWA.replace("mops-mlawa", "mops-mlawa-2")
    child = RADOM.replace("[[awards]]", 'parent = "mops-radom"\n\n[[awards]]', 1)
    root = make_register(files={"mops-mlawa": MLAWA, "mops-mlawa-2": twin, "mops-radom": child})
    register = load(root)
    assert [f.code for f in register_wide.check_duplicates(register, TODAY)] == ["W005", "W005"]
    [self_parent] = register_wide.check_parents(register, TODAY)
    assert (self_parent.code, self_parent.line) == ("E014", 7)
    assert register_wide.check_term_lengths(register, TODAY) == []
    assert _codes(register_wide.check_canonical(register, TODAY)) == [("W006", 6)]


# ---- the catalog ------------------------------------------------------------------------------


def _emitters(case, make_register, tmp_path) -> dict[str, set[str]]:
    """Which code each part of the pipeline emits on a ``test_finding_lines`` case."""
    root = make_register(root=tmp_path / "registry")
    for stem, content in case.files.items():
        path = root / "institutions" / f"{stem}.toml"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    today = date.fromisoformat(case.args[1]) if case.args else TODAY  # ["--as-of", DAY]
    register = load(root)
    out = {"loading": {f.code for p in register.files for f in p.findings}}
    for rule in pipeline.RULES:
        out[rule.__name__] = {f.code for f in rule(register, today)}
    return out


@pytest.mark.parametrize("code", sorted(CHECKS))
def test_every_catalog_code_has_a_rule_that_emits_it(code, make_register, tmp_path):
    from test_finding_lines import CASES

    emitters = _emitters(CASES[code], make_register, tmp_path)
    who = {name for name, codes in emitters.items() if code in codes}
    if code in STRUCTURE_CODES:
        assert who == {"loading"}
        assert code in (c.code for c in STRUCTURE_CHECKS)
    else:
        assert who and "loading" not in who, emitters
        assert code in (c.code for c in (*per_file.CHECKS, *register_wide.CHECKS))


def test_the_catalog_and_the_codes_of_the_lowest_layer_agree():
    assert {code: check.severity for code, check in CHECKS.items()} == CODES
    every = [c.code for c in (*STRUCTURE_CHECKS, *per_file.CHECKS, *register_wide.CHECKS)]
    assert sorted(every) == sorted(set(every)) == list(CHECKS)  # each code defined once
    assert {c.code for c in STRUCTURE_CHECKS} == STRUCTURE_CODES


def test_the_parse_cache_keeps_what_the_per_file_rules_found(make_register, monkeypatch):
    """Rules run once per file content: a second validate takes their findings from the
    cache, and cached, uncached and fresh runs report the same."""
    from calcert.checks import validation

    bad = MLAWA.replace('"mazowieckie"', '"mazowsze"')
    root = make_register(files={"mops-mlawa": bad, "radom": RADOM})
    runs: list[str] = []
    real = per_file._run_rules
    monkeypatch.setattr(per_file, "_run_rules", lambda p: runs.append(p.path.name) or real(p))
    first = validation.validate(root, [], TODAY).findings
    assert sorted(runs) == ["mops-mlawa.toml", "radom.toml"]
    runs.clear()
    second = validation.validate(root, [], TODAY).findings
    assert runs == []
    monkeypatch.setenv("CALCERT_CACHE", "0")
    uncached = validation.validate(root, [], TODAY).findings
    assert first == second == uncached
    assert [f.code for f in first] == ["E009", "E007"]
