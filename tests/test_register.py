"""Register discovery, settings, init, and the safety of writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from calcert.errors import UsageError
from calcert.register.config import find_root, load_config
from conftest import MLAWA


def test_registry_option_wins(make_register, tmp_path, monkeypatch) -> None:
    root = make_register()
    other = make_register(root=tmp_path / "other")
    monkeypatch.setenv("CALCERT_REGISTRY", str(other))
    assert find_root(root) == root


def test_env_variable_comes_next(make_register, tmp_path, monkeypatch) -> None:
    root = make_register()
    monkeypatch.setenv("CALCERT_REGISTRY", str(root))
    assert find_root(None, cwd=tmp_path) == root


def test_found_upwards_from_inside_the_register(make_register) -> None:
    root = make_register()
    assert find_root(None, cwd=root / "institutions") == root


def test_found_as_registry_subdirectory(make_register, tmp_path) -> None:
    root = make_register()
    (tmp_path / "docs").mkdir()
    assert find_root(None, cwd=tmp_path / "docs") == root
    assert find_root(tmp_path) == root


def test_no_register_says_how_to_create_one(tmp_path, cli, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli(None, "list")
    assert result.exit_code == 2
    assert "create one with `calcert init`" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_registry_option(tmp_path, cli) -> None:
    result = cli(tmp_path / "nope", "list")
    assert result.exit_code == 2
    assert result.stderr.startswith("calcert: error: --registry ")
    assert "calcert init" in result.stderr


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("schema = 1\n[terms]\ndefualt_years = 5\n", "unknown key 'defualt_years' in [terms]"),
        ("schema = 1\nnmae = 'x'\n", "unknown key 'nmae' (did you mean 'name'?)"),
        ("name = 'x'\n", "missing `schema = 1`"),
        ("schema = 2\n", "schema 2 is not supported"),
        (
            "schema = 1\n[terms]\ndefault_years = 'five'\n",
            "[terms] default_years has the wrong type",
        ),
        ("schema = 1\n[terms]\ndefault_years = 0\n", "between 1 and 100"),
        ("schema = [\n", "cannot be read"),
        ("schema = 1\n[validate]\nignore = ['X999']\n", "unknown codes: X999"),
    ],
)
def test_bad_settings_are_a_usage_error(make_register, cli, config, message) -> None:
    root = make_register(config=config)
    with pytest.raises(UsageError, match=None) as info:
        load_config(root)
    assert message in info.value.message
    result = cli(root, "validate")
    assert result.exit_code == 2
    assert message in result.stderr


def test_settings_have_defaults(make_register) -> None:
    root = make_register(config="schema = 1\n")
    config = load_config(root)
    assert (config.default_years, config.max_term_years) == (5, 5)


def test_init_creates_a_register_and_refuses_to_overwrite(tmp_path, cli, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli(None, "init")
    assert result.exit_code == 0, result.output
    root = tmp_path / "registry"
    assert (root / "calcert.toml").is_file()
    assert (root / "institutions").is_dir()
    assert ".calcert.lock" in (root / ".gitignore").read_text()
    before = (root / "calcert.toml").read_bytes()
    again = cli(None, "init")
    assert again.exit_code == 2
    assert "already exists" in again.stderr
    assert (root / "calcert.toml").read_bytes() == before
    assert cli(None, "validate").exit_code == 0


def test_init_into_a_named_directory(tmp_path, cli) -> None:
    result = cli(None, "init", str(tmp_path / "rejestr CAL"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "rejestr CAL" / "calcert.toml").is_file()


def test_writes_leave_no_temporary_files(make_register, cli) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    result = cli(root, "add", "mops-mlawa", "--from", "2026-03-29", "--term", "2026-2031")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (root / "institutions").iterdir())
    assert names == [".gitkeep", "mops-mlawa.toml"]
    assert not any(Path(root).glob("*.tmp"))


def test_init_adds_the_lock_to_an_existing_gitignore(tmp_path, cli) -> None:
    (tmp_path / ".gitignore").write_text("node_modules\n", encoding="utf-8")
    result = cli(None, "init", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == (
        "node_modules\n.calcert.lock\n.calcert-journal\n.*.tmp\n"
    )
    assert (tmp_path / ".calcert.lock").exists()  # so a refused command never creates a file


def test_paths_outside_the_current_directory_are_absolute(
    make_register, cli, tmp_path, monkeypatch
) -> None:
    root = make_register(files={"mops-mlawa": MLAWA.replace("kind", "knd")})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = cli(Path("../registry"), "validate", "--format", "json")
    path = result.stdout.split('"path": "', 1)[1].split('"', 1)[0]
    assert path == str(root / "institutions" / "mops-mlawa.toml")
