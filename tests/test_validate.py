"""``calcert validate``: every problem in one pass, in the formats CI and editors read."""

from __future__ import annotations

import json

import pytest

from calcert.checks.catalog import CHECKS
from conftest import MLAWA, RADOM

BAD_MLAWA = MLAWA.replace('voivodeship = "mazowieckie"', 'voivodeship = "mazowsze"') + (
    '\n[[awards]]\nvalid_from = 2025-01-01\nvalid_until = 2029-12-31\nsource = "x"\n'
    'notez = "typo"\n'
)


def test_clean_register_passes(make_register, cli, in_tmp) -> None:
    root = make_register(files={"mops-mlawa": MLAWA, "mops-radom": RADOM})
    result = cli(root, "validate")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_all_problems_reported_in_one_pass(make_register, cli, in_tmp) -> None:
    overlapping = RADOM + (
        '\n[[awards]]\nvalid_from = 2017-01-01\nvalid_until = 2021-12-31\nsource = "x"\n'
    )
    root = make_register(
        files={"mops-mlawa": BAD_MLAWA, "mops-radom": overlapping, "broken": "id = \n"}
    )
    result = cli(root, "validate")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "registry/institutions/broken.toml:1: error E002 Invalid value (column 6)",
        "registry/institutions/mops-mlawa.toml:5: error E009 voivodeship 'mazowsze' is not one "
        "of the 16 (did you mean 'mazowieckie'?); use lower-case Polish, e.g. 'mazowieckie'",
        "registry/institutions/mops-mlawa.toml:19: error E004 unknown key 'notez' in award #2 "
        "(did you mean 'notes'?); remove or rename it",
        "registry/institutions/mops-radom.toml:7: error E012 award 2014-05-19..2017-05-18 "
        "overlaps award 2017-01-01..2021-12-31 by 138 days; end the earlier one the day before "
        "2017-01-01 (or `calcert add --supersede`)",
        "registry/institutions/mops-radom.toml:15: error E012 award 2017-01-01..2021-12-31 "
        "overlaps award 2014-05-19..2017-05-18 by 138 days; end the earlier one the day before "
        "2017-01-01 (or `calcert add --supersede`)",
    ]


def test_json_format_has_exactly_the_spec_keys(make_register, cli, in_tmp) -> None:
    root = make_register(files={"mops-mlawa": BAD_MLAWA})
    result = cli(root, "validate", "--format", "json")
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert {tuple(row) for row in rows} == {
        ("severity", "code", "path", "line", "column", "message")
    }
    assert rows[0]["severity"] == "error"
    assert rows[0]["path"] == "registry/institutions/mops-mlawa.toml"
    assert isinstance(rows[0]["line"], int)
    assert result.stderr == ""


def test_github_format(make_register, cli, in_tmp) -> None:
    root = make_register(files={"mops-mlawa": BAD_MLAWA})
    result = cli(root, "validate", "--format", "github")
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "::error file=registry/institutions/mops-mlawa.toml,line=5,title=E009::voivodeship "
        "'mazowsze' is not one of the 16 (did you mean 'mazowieckie'?); use lower-case Polish, "
        "e.g. 'mazowieckie'"
    )


def test_warnings_fail_only_with_strict(make_register, cli, in_tmp) -> None:
    long_term = MLAWA.replace("valid_until = 2026-03-28", "valid_until = 2028-03-28")
    root = make_register(files={"mops-mlawa": long_term})
    relaxed = cli(root, "validate")
    assert relaxed.exit_code == 0
    assert "warning W001 term 2022-03-29..2028-03-28 is longer than 5 years" in relaxed.stdout
    assert cli(root, "validate", "--strict").exit_code == 1


def test_max_term_years_from_settings(make_register, cli, in_tmp) -> None:
    long_term = MLAWA.replace("valid_until = 2026-03-28", "valid_until = 2028-03-28")
    long_term = long_term.replace('term = "2022-2026"\n', "")
    root = make_register(
        files={"mops-mlawa": long_term}, config="schema = 1\n[validate]\nmax_term_years = 7\n"
    )
    assert cli(root, "validate", "--strict").exit_code == 0


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda t: t.replace('city = "Mława"\n', ""), "E003"),
        (lambda t: t + "colour = 1\n", "E004"),
        (lambda t: t.replace('name = "Miejski', 'name = 7\nx = "'), "E004"),
        (lambda t: t.replace('kind = "MOPS"', "kind = 5"), "E005"),
        (lambda t: t.replace('id = "mops-mlawa"', 'id = "MOPS_Mlawa"'), "E006"),
        (lambda t: t.replace('id = "mops-mlawa"', 'id = "mops-mlawa-2"'), "E007"),
        (
            lambda t: t.replace('voivodeship = "mazowieckie"', 'voivodeship = "Mazowieckie"'),
            "E009",
        ),
        (lambda t: t.split("[[awards]]")[0], "E010"),
        (lambda t: t.replace("valid_until = 2026-03-28", "valid_until = 2021-03-28"), "E011"),
        (lambda t: t + "withdrawn_on = 2027-01-01\n", "E013"),
        (lambda t: t.replace('kind = "MOPS"', 'kind = "MOPS"\nparent = "mops-none"'), "E014"),
        (lambda t: t.replace('kind = "MOPS"', 'kind = "MOPS"\nparent = "mops-mlawa"'), "E014"),
        (lambda t: t + 'withdrawal_reason = "x"\n', "E015"),
        (lambda t: t.replace('city = "Mława"', 'city = "  "'), "E016"),
        (lambda t: t.replace('term = "2022-2026"', 'term = "2022"'), "E016"),
        (lambda t: t.replace('kind = "MOPS"', 'kind = "MOPS"\nwebsite = "mops.pl"'), "E016"),
        (lambda t: t.replace("valid_until = 2026-03-28", "valid_until = 2022-06-28"), "W002"),
        (lambda t: t.replace("awarded_on = 2022-03-29", "awarded_on = 2099-03-29"), "W003"),
        (lambda t: t.replace("awarded_on = 2022-03-29", "awarded_on = 2021-03-29"), "W004"),
        (lambda t: t.replace("\n\n[[awards]]", "\n[[awards]]"), "W006"),
        (lambda t: t.replace('term = "2022-2026"', 'term = "2021-2025"'), "W007"),
    ],
)
def test_each_finding_code(make_register, cli, in_tmp, change, code) -> None:
    root = make_register(files={"mops-mlawa": change(MLAWA)})
    result = cli(root, "validate", "--format", "json", "--as-of", "2026-11-30")
    codes = [row["code"] for row in json.loads(result.stdout)]
    assert code in codes, result.stdout
    assert result.exit_code == (1 if CHECKS[code].severity == "error" else 0)


def test_duplicate_id_and_lookalike_institutions(make_register, cli, in_tmp) -> None:
    root = make_register(
        files={
            "mops-mlawa": MLAWA,
            "mops-mlawa-2": MLAWA.replace('id = "mops-mlawa"', 'id = "mops-mlawa-2"').replace(
                "Mławie", "MŁAWIE"
            ),
            "copy": MLAWA,
        }
    )
    rows = json.loads(cli(root, "validate", "--format", "json").stdout)
    codes = {(row["path"].rsplit("/", 1)[1], row["code"]) for row in rows}
    assert ("copy.toml", "E008") in codes
    assert ("mops-mlawa.toml", "E008") in codes
    assert ("mops-mlawa-2.toml", "W005") in codes


def test_unparsable_files_are_findings_for_validate(make_register, cli, in_tmp) -> None:
    root = make_register(files={"mops-mlawa": MLAWA})
    (root / "institutions" / "latin2.toml").write_bytes('name = "Mława"\n'.encode("cp1250"))
    (root / "institutions" / "dir.toml").mkdir()
    result = cli(root, "validate")
    assert result.exit_code == 1
    assert "registry/institutions/dir.toml:1: error E001 not a regular file" in result.stdout
    assert "latin2.toml:1: error E001 not UTF-8, looks like" in result.stdout


def test_validate_only_given_paths(make_register, cli, in_tmp) -> None:
    root = make_register(files={"mops-mlawa": BAD_MLAWA, "mops-radom": RADOM})
    result = cli(root, "validate", "registry/institutions/mops-radom.toml")
    assert result.exit_code == 0, result.output
    bad = cli(root, "validate", "registry/institutions/mops-mlawa.toml")
    assert bad.exit_code == 1
    missing = cli(root, "validate", "registry/institutions/nope.toml")
    assert missing.exit_code == 2


def test_select_ignore_and_explain(make_register, cli, in_tmp) -> None:
    root = make_register(files={"mops-mlawa": BAD_MLAWA})
    only = cli(root, "validate", "--select", "E009", "--format", "json")
    assert [row["code"] for row in json.loads(only.stdout)] == ["E009"]
    skipped = cli(root, "validate", "--ignore", "E009,E004")
    assert skipped.exit_code == 0
    assert cli(root, "validate", "--ignore", "X1").exit_code == 2
    explained = cli(root, "validate", "--explain", "e012")
    assert explained.exit_code == 0
    assert explained.stdout.startswith("E012 overlapping-awards (error)")


def test_fmt_rewrites_and_check_lists(make_register, cli, in_tmp) -> None:
    messy = MLAWA.replace("\n\n[[awards]]", "\n[[awards]]").replace("\n", "\r\n")
    root = make_register(files={"mops-radom": RADOM})
    path = root / "institutions" / "mops-mlawa.toml"
    path.write_bytes(messy.encode("utf-8"))
    check = cli(root, "fmt", "--check")
    assert check.exit_code == 1
    assert check.stdout == "would reformat registry/institutions/mops-mlawa.toml\n"
    assert path.read_bytes() == messy.encode("utf-8")
    done = cli(root, "fmt")
    assert done.exit_code == 0
    assert path.read_text(encoding="utf-8") == MLAWA
    assert cli(root, "fmt", "--check").exit_code == 0
    assert cli(root, "validate", "--strict").exit_code == 0


def test_fmt_never_rewrites_a_file_it_cannot_read_fully(make_register, cli, in_tmp) -> None:
    typo = MLAWA + "colour = 1\n"
    root = make_register(files={"mops-mlawa": typo})
    result = cli(root, "fmt")
    assert result.exit_code == 1
    assert "unknown key 'colour'" in result.stderr
    assert (root / "institutions" / "mops-mlawa.toml").read_text(encoding="utf-8") == typo


def test_fmt_strips_a_bom(make_register, cli, in_tmp) -> None:
    root = make_register()
    path = root / "institutions" / "mops-mlawa.toml"
    path.write_bytes(b"\xef\xbb\xbf" + MLAWA.encode("utf-8"))
    warned = cli(root, "validate")
    assert "W006 starts with a UTF-8 BOM" in warned.stdout
    assert cli(root, "fmt").exit_code == 0
    assert path.read_bytes() == MLAWA.encode("utf-8")


def test_validate_a_folder_means_its_files(make_register, cli, in_tmp) -> None:
    root = make_register(files={"mops-mlawa": BAD_MLAWA, "mops-radom": RADOM})
    for folder in ("registry", "registry/institutions", "."):
        result = cli(root, "validate", folder, "--format", "json")
        assert result.exit_code == 1, (folder, result.output)
        assert "mops-mlawa.toml" in result.stdout
    (in_tmp / "elsewhere").mkdir()
    outside = cli(root, "validate", "elsewhere")
    assert outside.exit_code == 2
    assert "a folder outside the register" in outside.stderr
