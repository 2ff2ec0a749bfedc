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
        ("not slow", {"CALCERT_HYPOTHESIS": "deep"}, "deep"),  # ten times the examples
        ("not slow", {"CALCERT_HYPOTHESIS": "deeper"}, "quick"),  # unknown names are ignored
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


def test_fresh_register_is_what_init_register_makes(fresh_register, tmp_path) -> None:
    """make_register copies an empty register made once: the same files, bytes and modes
    as init_register gives (lock file included), every time; and init's refusals stay."""
    from calcert.errors import UsageError
    from calcert.register.config import init_register

    def files(root):
        return {
            p.relative_to(root).as_posix(): (p.is_dir(), p.stat().st_mode, p.read_bytes())
            if p.is_file()
            else (p.is_dir(), p.stat().st_mode, b"")
            for p in sorted(root.rglob("*"))
        }

    made = files(init_register(tmp_path / "made"))
    assert ".calcert.lock" in made and "institutions/.gitkeep" in made
    assert files(fresh_register(tmp_path / "copied")) == made
    assert files(fresh_register(tmp_path / "again" / "nested")) == made
    with pytest.raises(UsageError, match="already exists"):
        fresh_register(tmp_path / "made")
    with pytest.raises(UsageError, match="inside the register"):
        fresh_register(tmp_path / "made" / "institutions" / "inner")
