"""What an import would break in the register, told as an import's report.

``plan_import`` collects the rows' own problems; this adds what the check pipeline finds in
the files the import would write, each named by the CSV line it comes from. An overlap is
one problem (the pipeline finds it at both awards: the report names it once, at the row
that adds the later award), and its advice fits an import: no option of `add` helps there.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from calcert.checks import pipeline
from calcert.i18n import PluralMessage, _, ngettext, translate_text
from calcert.model.findings import Finding
from calcert.model.records import Award
from calcert.register.loader import Register
from calcert.register.tomlfile import ParsedFile

Origin = dict[tuple[str, date, date], int]


def change_problems(
    register: Register,
    contents: dict[Path, str],
    shown: str,
    origin: Origin,
    first_line: dict[str, int],
    today: date,
) -> list[str]:
    """One line per error the import's files would add to the register (as ``add``)."""
    new, reparsed = pipeline.new_errors(register, contents, today)
    messages = []
    for finding in _once(sorted(new, key=Finding.sort_key), reparsed, origin):
        line = _csv_line(finding, reparsed, origin, first_line)
        where = f"{shown}:{line}" if line else shown
        inside = f"{finding.path}:{finding.line}" if finding.line else finding.path
        messages.append(
            _("{where}: refused, nothing written: {inside}: {code} {message}").format(
                where=where, inside=inside, code=finding.code, message=_advice(finding)
            )
        )
    return messages


def by_line(messages: list[str], shown: str) -> list[str]:
    """``messages`` ordered by the CSV line they start with (``people.csv:12: …``); those
    without a line first, and the order within a line kept."""
    pattern = re.compile(re.escape(shown) + r":(\d+):")

    def line(message: str) -> int:
        match = pattern.match(message)
        return int(match[1]) if match else 0

    return sorted(messages, key=line)


def _advice(finding: Finding) -> str:
    """The finding's message, with an overlap's advice fitting an import."""
    message = finding.message
    if finding.code != "E012" or not isinstance(message, PluralMessage):
        return translate_text(message)
    return ngettext(
        "award {award} overlaps award {other} by {n} day; correct the dates in the CSV "
        "(an import never shortens an award: end a recorded one in its file first)",
        "award {award} overlaps award {other} by {n} days; correct the dates in the CSV "
        "(an import never shortens an award: end a recorded one in its file first)",
        message.n,
    ).format(award=message.params["award"], other=message.params["other"], n=message.n)


def _once(
    findings: list[Finding], reparsed: dict[str, ParsedFile], origin: Origin
) -> list[Finding]:
    """Each overlap once: of the two findings of a pair, the one at the award the import
    adds (the later one when it adds both)."""
    best: dict[tuple[str, frozenset[object]], tuple[tuple[bool, date], Finding]] = {}
    others: list[Finding] = []
    for finding in findings:
        message = finding.message
        if finding.code != "E012" or not isinstance(message, PluralMessage):
            others.append(finding)
            continue
        pair = (finding.path, frozenset((message.params["award"], message.params["other"])))
        award = _award_at(finding, reparsed)
        inst = reparsed[finding.path].institution if finding.path in reparsed else None
        added = bool(award and inst and (inst.id, award.valid_from, award.valid_until) in origin)
        rank = (added, award.valid_from if award else date.min)
        if pair not in best or rank > best[pair][0]:
            best[pair] = (rank, finding)
    kept = {id(finding) for _rank, finding in best.values()}
    return [f for f in findings if f in others or id(f) in kept]


def _award_at(finding: Finding, reparsed: dict[str, ParsedFile]) -> Award | None:
    """The award whose ``[[awards]]`` table holds the finding's line, if any."""
    parsed = reparsed.get(finding.path)
    if parsed is None or parsed.institution is None or finding.line is None:
        return None
    awards = parsed.institution.sorted_awards()
    headers = parsed.lines.awards if parsed.lines else []
    index = None
    for i, header in enumerate(headers):
        if header <= finding.line:
            index = i
    if index is not None and index < len(awards):
        return awards[index]
    return None


def _csv_line(
    finding: Finding, reparsed: dict[str, ParsedFile], origin: Origin, first_line: dict[str, int]
) -> int | None:
    """The CSV line an error in a file the import writes comes from."""
    parsed = reparsed.get(finding.path)
    if parsed is None or parsed.institution is None:
        return None
    inst = parsed.institution
    award = _award_at(finding, reparsed)
    if award is not None:
        line = origin.get((inst.id, award.valid_from, award.valid_until))
        if line is not None:
            return line
    return first_line.get(inst.id)
