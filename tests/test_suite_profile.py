"""The test suite's own contract: CI runs every hypothesis example, the edit loop a tenth."""

from __future__ import annotations

import pytest

from conftest import examples, hypothesis_profile


@pytest.mark.parametrize(
    ("markexpr", "environ", "profile"),
    [
        ("", {}, "full"),  # the README's `pytest -q`
        ("not slow", {}, "quick"),
        ("not  slow and not x", {}, "quick"),
        ("slow", {}, "full"),
        ("not slow", {"CI": "true"}, "full"),  # CI keeps today's counts whatever it selects
        ("not slow", {"CI": "0"}, "quick"),
        ("", {"CALCERT_HYPOTHESIS": "quick"}, "quick"),
        ("not slow", {"CALCERT_HYPOTHESIS": "full"}, "full"),
        ("not slow", {"CALCERT_HYPOTHESIS": "deep"}, "quick"),  # unknown names are ignored
    ],
)
def test_the_profile_follows_the_selection_and_ci(markexpr, environ, profile) -> None:
    assert hypothesis_profile(markexpr, environ) == profile


def test_examples_scale_with_the_loaded_profile() -> None:
    from hypothesis import settings

    full = settings.get_profile("full").max_examples
    assert full == 100  # hypothesis's default: tests without their own count run as before
    loaded = settings().max_examples
    assert examples(400) == max(5, 400 * loaded // 100)
