"""``calcert init``: a new register, never one inside another."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize("where", ["registry/institutions", "registry/sub/deeper", "registry"])
def test_init_inside_a_register_refuses_and_names_it(cli, tmp_path, monkeypatch, where):
    monkeypatch.chdir(tmp_path)
    assert cli(None, "init", "registry").exit_code == 0
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = cli(None, "init", where)
    assert result.exit_code == 2
    if where == "registry":
        assert result.stderr == (
            "calcert: error: registry/calcert.toml already exists; not overwriting the register\n"
        )
    else:
        assert result.stderr == (
            f"calcert: error: {where} is inside the register registry; use that register, "
            "or create the new one outside it\n"
        )
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_init_with_the_default_name_from_inside_a_register(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli(None, "init", "registry").exit_code == 0
    monkeypatch.chdir(tmp_path / "registry")
    result = cli(None, "init")
    assert result.exit_code == 2
    assert result.stderr == (
        "calcert: error: registry is inside the register .; use that register, "
        "or create the new one outside it\n"
    )
    assert not (tmp_path / "registry" / "registry").exists()


def test_init_beside_a_register_is_fine(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli(None, "init", "registry").exit_code == 0
    assert cli(None, "init", "other").exit_code == 0
    assert Path("other/calcert.toml").is_file()
