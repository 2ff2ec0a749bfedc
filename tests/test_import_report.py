"""import's report (issue 13 item 8): every problem in one pass, by line, each once, with
advice that fits an import; a dry run tells a new institution from its renewals."""

from __future__ import annotations

from conftest import MLAWA, snapshot
from conftest import write_text as write

HEADER = "id,name,city,valid_from,valid_until\n"
MLAWA_ROW = "mops-mlawa,Miejski Ośrodek Pomocy Społecznej w Mławie,Mława,{start},{end}\n"


def test_every_problem_in_one_pass_sorted_by_line_each_once(make_register, cli, in_tmp):
    root = make_register(files={"mops-mlawa": MLAWA})
    write(
        "people.csv",
        HEADER
        + "mops-b,MOPS w B,Bów,2021-13-01,2026-05-04\n"  # 2: not a date
        + "mops-a,MOPS w A,Aów,2015-01-01,2019-12-31\n"  # 3
        + "mops-a,MOPS w A,Aów,2019-01-01,2023-12-31\n"  # 4: overlaps line 3
        + MLAWA_ROW.format(start="2025-01-01", end="2029-12-31")  # 5: overlaps the register
        + "mops-c,MOPS w C,Cew,2020-01-01,2024-12-31\n"
        + "mops-c,MOPS w D,Cew,2025-01-01,2029-12-31\n",  # 7: name differs from line 6
    )
    before = snapshot(root)
    result = cli(root, "import", "people.csv")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[-1] == "calcert: nothing was imported"
    assert [line.split(":")[2] for line in lines[:-1]] == ["2", "4", "5", "7"], lines
    assert "is not a date" in lines[0]
    assert "E012 award 2019-01-01..2023-12-31 overlaps award 2015-01-01..2019-12-31" in lines[1]
    assert "E012 award 2025-01-01..2029-12-31 overlaps award 2022-03-29..2026-03-28" in lines[2]
    assert "differs from 'MOPS w C' in line 6" in lines[3]
    assert all("calcert add" not in line and "--supersede" not in line for line in lines)
    assert "correct the dates in the CSV" in lines[1]
    assert snapshot(root) == before


def test_import_overlap_advice_in_polish(make_register, cli, in_tmp):
    root = make_register(files={"mops-mlawa": MLAWA})
    write("people.csv", HEADER + MLAWA_ROW.format(start="2025-01-01", end="2029-12-31"))
    result = cli(root, "--lang", "pl", "import", "people.csv")
    assert result.exit_code == 1
    assert "popraw daty w CSV" in result.stderr
    assert "calcert add" not in result.stderr


def test_dry_run_marks_the_second_row_of_a_new_institution_as_a_renewal(
    make_register, cli, in_tmp
):
    root = make_register()
    write(
        "people.csv",
        HEADER
        + "mops-a,MOPS w A,Aów,2020-01-01,2024-12-31\n"
        + "mops-a,MOPS w A,Aów,2015-01-01,2019-12-31\n"
        + "mops-b,MOPS w B,Bów,2021-05-05,2026-05-04\n",
    )
    result = cli(root, "import", "--dry-run", "people.csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:3] == [
        "people.csv:2: add  mops-a 2020-01-01..2024-12-31 (renewal)",
        "people.csv:3: add  mops-a 2015-01-01..2019-12-31 (new institution)",
        "people.csv:4: add  mops-b 2021-05-05..2026-05-04 (new institution)",
    ]
