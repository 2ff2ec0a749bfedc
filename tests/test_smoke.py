from __future__ import annotations

from conftest import MLAWA, RADOM


def test_list_all_on_a_small_register(make_register, cli):
    root = make_register(files={"mops-mlawa": MLAWA, "mops-radom": RADOM})
    result = cli(root, "list", "--status", "all", "--as-of", "2025-01-01", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("mops-mlawa,")
    assert "mops-radom" in result.stdout
