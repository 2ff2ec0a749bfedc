#!/usr/bin/env python3
"""Write the generated parts of docs/reference.md from calcert itself.

    python scripts/gen_reference.py           rewrite the generated sections in place
    python scripts/gen_reference.py --check   exit 1, with a diff, when the page is stale

docs/reference.md is hand-written prose around sections that this script owns, each between
``<!-- BEGIN GENERATED name … -->`` and ``<!-- END GENERATED name -->``:

- ``institution-keys``, ``award-keys``, ``voivodeships``: from the JSON Schema, which is
  itself generated from the register model;
- ``commands``: from the Typer command tree: usage, help text, every argument and option
  with its metavar and default, exactly as ``--help`` shows them (in English);
- ``finding-codes``: from the catalog of checks (code, severity, name, explanation).

tests/test_reference.py runs ``--check``, so a change to a help text, an option, a check or
a key that is not regenerated here fails the tests.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path
from typing import Any

import typer.main

# Every calcert internal the reference is generated from, in one place (module paths move):
from calcert.checks.catalog import CHECKS  # finding codes: severity, name, explanation
from calcert.cli.app import app  # the command tree (a lazy group: commands load on demand)
from calcert.outputs.schema import generate as generate_schema  # keys of an institution file

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "reference.md"
BEGIN = "<!-- BEGIN GENERATED {name} (scripts/gen_reference.py; do not edit by hand) -->"
END = "<!-- END GENERATED {name} -->"


def _cell(text: str) -> str:
    """Text for a Markdown table cell: one line, ``|`` escaped, ``<`` not read as HTML."""
    text = " ".join(text.split())
    return text.replace("|", "\\|").replace("<", "&lt;")


def _code(text: str) -> str:
    """Inline code for a table cell (GitHub needs ``\\|`` even inside code spans)."""
    return "`" + text.replace("|", "\\|") + "`"


# ---- the file format, from the JSON Schema ------------------------------------------------


def _key_type(prop: dict[str, Any]) -> str:
    if prop.get("type") == "array":
        return "array of tables"
    if prop.get("format") == "date":
        return "date"
    return str(prop.get("type", ""))


def _key_rule(key: str, prop: dict[str, Any], dependencies: dict[str, list[str]]) -> str:
    rules = []
    if "enum" in prop:
        rules.append("one of the 16 voivodeships (below)")
    if prop.get("format") == "date":
        rules.append("unquoted, e.g. `2022-03-29`")
    pattern = prop.get("pattern")
    if pattern == r"\S":
        rules.append("not blank")
    elif pattern:
        rules.append("matches " + _code(pattern))
    if "minimum" in prop:
        rules.append(f"at least {prop['minimum']}")
    if "maxLength" in prop:
        rules.append(f"at most {prop['maxLength']} characters")
    if "minItems" in prop:
        rules.append(f"at least {prop['minItems']}")
    for needed in dependencies.get(key, []):
        rules.append(f"only with `{needed}`")
    return "; ".join(rules)


def _key_table(obj: dict[str, Any]) -> str:
    required = set(obj.get("required", []))
    dependencies = obj.get("dependencies", {})
    lines = ["| key | required | type | value | meaning |", "|---|---|---|---|---|"]
    for key, prop in obj["properties"].items():
        lines.append(
            "| "
            + " | ".join(
                (
                    f"`{key}`",
                    "required" if key in required else "optional",
                    _key_type(prop),
                    _cell(_key_rule(key, prop, dependencies)),
                    _cell(prop.get("description", "")),
                )
            )
            + " |"
        )
    return "\n".join(lines)


def institution_keys(schema: dict[str, Any]) -> str:
    return _key_table(schema)


def award_keys(schema: dict[str, Any]) -> str:
    return _key_table(schema["definitions"]["award"])


def voivodeships(schema: dict[str, Any]) -> str:
    names = schema["properties"]["voivodeship"]["enum"]
    return ", ".join(f"`{name}`" for name in names) + "."


# ---- commands, from the Typer command tree --------------------------------------------------


def _params_table(command: Any, ctx: Any) -> list[str]:
    rows = []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            continue
        names, meaning = record
        rows.append(f"| {_code(names)} | {_cell(meaning)} |")
    if not rows:
        return []
    return ["| argument or option | meaning |", "|---|---|", *rows]


def _usage(command: Any, ctx: Any) -> str:
    return re.sub(r"^Usage:\s*", "", command.get_usage(ctx).strip())


def _help(command: Any) -> list[str]:
    paragraphs = [p.strip() for p in (command.help or "").split("\n\n") if p.strip()]
    return [" ".join(p.split()) for p in paragraphs]


def command_tree() -> tuple[Any, Any, list[tuple[str, Any, Any]]]:
    """The click group, its context, and (name, command, context) of every command in the
    order of ``calcert --help``."""
    group = typer.main.get_command(app)
    root = group.context_class(group, info_name="calcert", **group.context_settings)
    commands = []
    for name in group.list_commands(root):
        command = group.get_command(root, name)
        commands.append(
            (name, command, command.context_class(command, info_name=name, parent=root))
        )
    return group, root, commands


def commands() -> str:
    group, root, subcommands = command_tree()
    out = [
        "### Global options",
        "",
        "```text",
        _usage(group, root),
        "```",
        "",
        *_help(group),
        "",
        *_params_table(group, root),
    ]
    for name, command, ctx in subcommands:
        out += ["", f"### calcert {name}", "", "```text", _usage(command, ctx), "```", ""]
        for paragraph in _help(command):
            out += [paragraph, ""]
        out += _params_table(command, ctx)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


# ---- finding codes, from the catalog --------------------------------------------------------


def finding_codes() -> str:
    lines = ["| code | severity | name | what it means and what to do |", "|---|---|---|---|"]
    for check in CHECKS.values():
        lines.append(
            f"| {check.code} | {check.severity} | `{check.name}` | {_cell(check.explanation)} |"
        )
    return "\n".join(lines)


# ---- the page ---------------------------------------------------------------------------------


def sections() -> dict[str, str]:
    schema = generate_schema()
    return {
        "institution-keys": institution_keys(schema),
        "award-keys": award_keys(schema),
        "voivodeships": voivodeships(schema),
        "commands": commands(),
        "finding-codes": finding_codes(),
    }


def render(page: str) -> str:
    """``page`` with every generated section replaced by what calcert says today."""
    for name, body in sections().items():
        begin, end = BEGIN.format(name=name), END.format(name=name)
        if page.count(begin) != 1 or page.count(end) != 1:
            raise SystemExit(f"{PAGE.name}: needs exactly one {begin} … {end}")
        head, rest = page.split(begin, 1)
        _old, tail = rest.split(end, 1)
        page = f"{head}{begin}\n\n{body}\n\n{end}{tail}"
    return page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the page is not up to date"
    )
    args = parser.parse_args(argv)
    current = PAGE.read_text(encoding="utf-8")
    wanted = render(current)
    if not args.check:
        if wanted != current:
            PAGE.write_text(wanted, encoding="utf-8", newline="\n")
            print(f"wrote {PAGE.relative_to(REPO)}")
        return 0
    if wanted == current:
        return 0
    diff = difflib.unified_diff(
        current.splitlines(), wanted.splitlines(), "committed", "generated", lineterm=""
    )
    sys.stderr.write("\n".join(diff) + "\n")
    sys.stderr.write(f"{PAGE.relative_to(REPO)} is stale: run `python scripts/gen_reference.py`\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
