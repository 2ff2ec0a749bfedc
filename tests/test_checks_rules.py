"""The check pipeline called directly (no CLI): each rule on a tmp_path register, the shared
"refuse what would add an error" path, and a rule behind every code of the catalog."""

from __future__ import annotations

from datetime import date

from calcert.checks import pipeline
from calcert.register.loader import load
from conftest import MLAWA, RADOM

TODAY = date(2025, 1, 1)


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
