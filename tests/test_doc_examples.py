"""Every ```console block of README.md, README.pl.md and docs/**/*.md runs, and prints what
the page says.

The convention (also in README.md, "Examples that run"):

- A ```console block is a transcript. A line starting with ``$ `` is a command (a line
  ending in ``\\`` continues on the next one); the lines up to the next ``$ `` are what it
  prints, stdout and stderr together, as a terminal shows them. Blank lines at the end of
  an output only separate commands.
- ``[exit N]`` as the last line of an output: the command exits with status N. Without it
  the command must exit 0.
- A line ending in ``# terminal only`` (Polish pages: ``# tylko na terminalu``) is printed
  only when the output is a terminal (the summary lines on stderr); it is shown to readers
  and not compared.
- A fenced block right after a line that ends with a relative path in backticks and a colon
  (`` `registry/institutions/mops-radom.toml`: ``) is that file's content: it is written,
  relative to the current directory of the transcript, before the next command runs.
  This is how a page shows a hand-edited file, a CSV to import or a settings file.
- Blocks run in the order of the page, all in one shell session (``cd`` and ``export``
  carry over) that starts in an empty temporary directory with no register, no calcert
  environment variables and no locale. ``calcert`` is the calcert of the test run. A page
  that needs a second empty directory says ``$ cd "$(mktemp -d)"``.
- Nothing is skipped and nothing is hidden: there is no setup readers do not see. Output
  that depends on the day it is run must pass ``--as-of``.

Other fences (```sh, ```toml, …) are not run; ```sh is for commands to adapt (install
steps, CI snippets).
"""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TERMINAL_ONLY = ("# terminal only", "# tylko na terminalu")
EXIT_RE = re.compile(r"^\[exit (\d+)\]$")
CAPTION_RE = re.compile(r"`([^`\s]+)`:\s*$")
FENCE_RE = re.compile(r"^```(\S*)")
STEP_MARK = "__calcert_doc_step_done__"
# What a transcript may run: calcert and the shell it is typed into. Anything else (pip,
# git, pre-commit) belongs in a ```sh block, which is not run.
PROGRAMS = frozenset({"calcert", "cd", "export", "printf", "echo", "cat"})


def documents() -> list[Path]:
    docs = sorted((REPO / "docs").glob("**/*.md"))
    return [REPO / "README.md", REPO / "README.pl.md", *docs]


@dataclass
class Command:
    line: int  # 1-based line of the ``$`` in the page
    text: str  # as bash reads it (continuation lines kept)
    expected: list[str] = field(default_factory=list)
    exit: int = 0


@dataclass
class WriteFile:
    line: int
    path: str
    content: str


Step = Command | WriteFile


def _fences(lines: list[str]) -> list[tuple[int, str, list[str]]]:
    """(line index of the opening fence, info word, body lines) of each top-level fence."""
    found = []
    i = 0
    while i < len(lines):
        match = FENCE_RE.match(lines[i])
        if not match:
            i += 1
            continue
        start = i
        i += 1
        while i < len(lines) and lines[i].rstrip() != "```":
            i += 1
        found.append((start, match[1], lines[start + 1 : i]))
        i += 1
    return found


def parse_transcript(body: list[str], first_line: int) -> list[Command]:
    """The commands of one console block; ``first_line`` is the page line of ``body[0]``."""
    commands: list[Command] = []
    i = 0
    while i < len(body):
        line = body[i]
        if line.startswith("$ "):
            start = i
            text = line[2:]
            while text.endswith("\\") and i + 1 < len(body):
                i += 1
                text += "\n" + body[i]
            words = [w for w in text.split() if not re.match(r"^[A-Z_]+=", w)]
            if not words or words[0] not in PROGRAMS:
                raise ValueError(
                    f"line {first_line + start}: `{text}` runs {words[:1]}; a console block "
                    f"runs only {', '.join(sorted(PROGRAMS))} (use ```sh for other commands)"
                )
            commands.append(Command(first_line + start, text))
        else:
            if not commands:
                raise ValueError(
                    f"line {first_line + i}: a console block starts with a `$ ` command"
                )
            commands[-1].expected.append(line)
        i += 1
    for command in commands:
        out = [line.rstrip() for line in command.expected]
        while out and not out[-1]:
            out.pop()
        if out and EXIT_RE.match(out[-1]):
            command.exit = int(EXIT_RE.match(out.pop())[1])  # type: ignore[index]
            while out and not out[-1]:
                out.pop()
        command.expected = [line for line in out if not line.endswith(TERMINAL_ONLY)]
    return commands


def parse_page(text: str) -> list[Step]:
    """The steps of a page: files to write and commands to run, in page order."""
    lines = text.splitlines()
    steps: list[Step] = []
    for start, info, body in _fences(lines):
        before = next((lines[j] for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        caption = CAPTION_RE.search(before)
        if info == "console":
            steps.extend(parse_transcript(body, start + 2))
        elif caption:
            path = caption[1]
            if path.startswith("/") or ".." in Path(path).parts:
                raise ValueError(f"line {start + 1}: {path} is not a relative path")
            steps.append(WriteFile(start + 1, path, "".join(b + "\n" for b in body)))
    return steps


def script(steps: list[Step]) -> str:
    """One bash session for a page; a marker with the exit status after each step."""
    out = [
        "exec 2>&1",
        'calcert() { "$CALCERT_DOC_PYTHON" -m calcert "$@"; }',
    ]
    for step in steps:
        if isinstance(step, WriteFile):
            delimiter = "CALCERT_DOC_EOF"
            assert delimiter not in step.content
            quoted = "'" + step.path.replace("'", "'\\''") + "'"
            out.append(f"cat > {quoted} <<'{delimiter}'\n{step.content}{delimiter}")
        else:
            out.append(step.text)
        out.append(f"printf '\\n{STEP_MARK} %d\\n' \"$?\"")
    return "\n".join(out) + "\n"


def run_page(steps: list[Step], directory: Path) -> list[tuple[list[str], int]]:
    """Output lines and exit status of each step, run in ``directory``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CALCERT_")
        and k not in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE", "NO_COLOR")
        and k != "GITHUB_STEP_SUMMARY"
    }
    (directory / "tmp").mkdir()
    (directory / "home").mkdir()
    work = directory / "work"
    work.mkdir()
    env.update(
        CALCERT_DOC_PYTHON=sys.executable,
        PYTHONUNBUFFERED="1",  # stdout and stderr interleaved as on a terminal
        PYTHONIOENCODING="utf-8",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(directory / "home"),
        XDG_CACHE_HOME=str(directory / "cache"),
        TMPDIR=str(directory / "tmp"),  # `cd "$(mktemp -d)"` stays inside the test's folder
    )
    done = subprocess.run(
        ["bash", "--noprofile", "--norc"],
        input=script(steps),
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    parts = re.split(rf"\n{STEP_MARK} (\d+)\n", done.stdout)
    assert parts[-1] == "", f"the session stopped early:\n{done.stdout[-2000:]}{done.stderr}"
    results = []
    for chunk, code in zip(parts[0:-1:2], parts[1:-1:2], strict=True):
        lines = [line.rstrip() for line in chunk.splitlines()]
        while lines and not lines[-1]:
            lines.pop()
        results.append((lines, int(code)))
    assert len(results) == len(steps), done.stdout[-2000:]
    return results


def mismatches(page: str, steps: list[Step], results: list[tuple[list[str], int]]) -> list[str]:
    problems = []
    for step, (lines, code) in zip(steps, results, strict=True):
        if isinstance(step, WriteFile):
            if code != 0 or lines:
                problems.append(f"{page}:{step.line}: cannot write {step.path}: {lines}")
            continue
        if lines == step.expected and code == step.exit:
            continue
        head = f"{page}:{step.line}: $ {step.text}"
        if code != step.exit:
            head += f"\n  exit status {code}, the page says {step.exit}"
        diff = difflib.unified_diff(step.expected, lines, "page", "calcert", lineterm="", n=1)
        problems.append(head + "\n" + "\n".join("  " + d for d in diff))
    return problems


@pytest.mark.slow  # real bash sessions running calcert
@pytest.mark.parametrize("doc", documents(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_console_examples_run(doc: Path, tmp_path: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    steps = parse_page(text)
    if not any(isinstance(s, Command) for s in steps):
        assert "```console" not in text
        return
    problems = mismatches(doc.name, steps, run_page(steps, tmp_path))
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("doc", documents(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_console_block_is_parsed(doc: Path) -> None:
    """A console block the parser did not see (indented, in a list) would silently not run."""
    text = doc.read_text(encoding="utf-8")
    lines = text.splitlines()
    parsed = [start for start, info, _body in _fences(lines) if info == "console"]
    assert len(parsed) == text.count("```console"), doc.name
    for start in parsed:
        assert lines[start + 1].startswith("$ "), f"{doc.name}:{start + 2}: starts with `$ `"


def test_the_readmes_have_tours() -> None:
    """Both READMEs show a tour that runs, export, import and stats included."""
    for name in ("README.md", "README.pl.md"):
        steps = parse_page((REPO / name).read_text(encoding="utf-8"))
        run = {s.text.split()[1] for s in steps if isinstance(s, Command) and "calcert" in s.text}
        assert {"init", "add", "list", "expiring", "export", "import", "stats"} <= run, name


SAMPLE = """\
Intro.

```console
$ calcert init registry
Created a register in registry/ (calcert.toml, institutions/).
Record the first award with: calcert --registry registry add ID --name … --city …

$ calcert list \\
    --as-of 2025-01-01
no institutions with status active on 2025-01-01
```

Then `registry/institutions/a.toml`:

```toml
id = "a"
name = "A"
city = "B"
```

```console
$ calcert validate
registry/institutions/a.toml:1: error E010 missing at least one [[awards]] table
1 error, 0 warnings in 1 file  # terminal only
[exit 1]
```
"""


def test_parser_reads_the_convention() -> None:
    steps = parse_page(SAMPLE)
    assert [type(s).__name__ for s in steps] == ["Command", "Command", "WriteFile", "Command"]
    init, listing, written, check = steps
    assert isinstance(init, Command) and init.line == 4 and init.exit == 0
    assert len(init.expected) == 2
    assert isinstance(listing, Command)
    assert listing.text == "calcert list \\\n    --as-of 2025-01-01"
    assert isinstance(written, WriteFile) and written.path == "registry/institutions/a.toml"
    assert written.content == 'id = "a"\nname = "A"\ncity = "B"\n'
    assert isinstance(check, Command) and check.exit == 1
    assert all("terminal only" not in line for line in check.expected)


@pytest.mark.slow  # real bash sessions running calcert
def test_a_drifted_example_fails(tmp_path: Path) -> None:
    """What the test reports when a page no longer matches calcert."""
    drifted = SAMPLE.replace("2025-01-01\n```", "2025-01-01\nsomething else\n```").replace(
        "[exit 1]", "[exit 0]"
    )
    steps = parse_page(drifted)
    problems = mismatches("sample.md", steps, run_page(steps, tmp_path))
    assert len(problems) == 2, problems
    assert problems[0].startswith("sample.md:8: $ calcert list")
    assert "+no institutions with status active on 2025-01-01" not in problems[0]
    assert "-something else" in problems[0]
    assert "exit status 1, the page says 0" in problems[1]
