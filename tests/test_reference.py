"""docs/reference.md is what calcert says today, and the docs live inside the repository.

The generated parts of the reference (commands and options, finding codes, file keys) are
checked by running ``scripts/gen_reference.py --check`` as a developer would; the examples
on the page run in tests/test_doc_examples.py.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "gen_reference.py"
REFERENCE = REPO / "docs" / "reference.md"


def pages() -> list[Path]:
    """Everything a reader of the repository reads: both READMEs and all of docs/."""
    docs = [p for p in sorted((REPO / "docs").glob("**/*")) if p.is_file()]
    return [REPO / "README.md", REPO / "README.pl.md", *docs]


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_reference", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_is_up_to_date() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_check_catches_a_stale_page() -> None:
    """Editing a generated section by hand (or changing calcert without regenerating)."""
    gen = load_generator()
    page = REFERENCE.read_text(encoding="utf-8")
    assert gen.render(page) == page
    stale = page.replace("| E012 | error |", "| E012 | warning |", 1)
    assert stale != page and gen.render(stale) == page


def test_reference_covers_every_command_option_and_code() -> None:
    gen = load_generator()
    text = REFERENCE.read_text(encoding="utf-8")
    group, root, commands = gen.command_tree()
    assert len(commands) >= 12
    for name, command, ctx in [("", group, root), *commands]:
        assert not name or f"### calcert {name}\n" in text
        for param in command.get_params(ctx):
            for opt in param.opts:
                if opt.startswith("-"):
                    assert f"`{opt}" in text or f", {opt}" in text, (name, opt)
    for code in gen.CHECKS:
        assert f"| {code} |" in text
    for key in gen.generate_schema()["properties"]:
        assert f"| `{key}` |" in text


def test_exit_codes_are_documented() -> None:
    """0 ok, 1 findings, 2 usage, 3 bug, 130 interrupted (the examples on the page show 1
    and 2 as calcert returns them)."""
    text = REFERENCE.read_text(encoding="utf-8")
    section = text[text.index("## Exit codes") : text.index("## Environment")]
    assert re.findall(r"^\| (\d+) \| ", section, flags=re.M) == ["0", "1", "2", "3", "130"]


def _code_rows(text: str) -> dict[str, str]:
    return dict(re.findall(r"^\| ([EW]\d{3}) \| (\w+) \|", text, flags=re.M))


def test_readme_code_tables_match_the_catalog() -> None:
    catalog = _code_rows(REFERENCE.read_text(encoding="utf-8"))
    assert len(catalog) > 20
    english = _code_rows((REPO / "README.md").read_text(encoding="utf-8"))
    assert english == catalog
    words = {"error": "błąd", "warning": "ostrzeżenie"}
    polish = _code_rows((REPO / "README.pl.md").read_text(encoding="utf-8"))
    assert polish == {code: words[severity] for code, severity in catalog.items()}


def test_docs_link_only_inside_the_repository() -> None:
    """No link to files a user of the repository does not have (../shared/SPEC.md)."""
    for page in pages():
        text = page.read_text(encoding="utf-8")
        assert "../shared" not in text and "SPEC.md" not in text, page.name
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue
            path = (page.parent / target.split("#")[0]).resolve()
            assert path.is_relative_to(REPO), (page.name, target)
            assert path.exists(), (page.name, target)


MACHINE_PATH = re.compile(r"(?<![\w.~$])/(?:tmp|work|home|root|Users|var/folders|opt)/")


def test_docs_name_no_machine_paths() -> None:
    """Paths of the machine a page was written on mean nothing to its readers."""
    for page in pages():
        text = page.read_text(encoding="utf-8")
        found = [m.group(0) for m in MACHINE_PATH.finditer(text)]
        assert not found, (page.relative_to(REPO).as_posix(), found)
    assert MACHINE_PATH.search("calcert: /work/wt-perf/.venv/bin/calcert")
    assert not MACHINE_PATH.search("file:///path/to/register-repo and ~/.cache/calcert/")
