"""The register as rows of awards, and the plain export formats: CSV, JSON, Markdown.

One row per award, carrying its institution's fields, in a fixed column order: the
institution keys in canonical order, then every award key in canonical order, with
``valid_until_assumed`` after ``valid_until`` (true when no source states the end: the
row's ``valid_until`` is then the register's assumption, and ``import`` writes none). The
CSV columns are exactly what ``calcert import`` reads, so export → import round-trips.
JSON and Markdown add ``number``: which certificate of the institution this is (the
stated ``ordinal``, else the award's place among those recorded). The
calendar (``ics``) and the public page (``html``) have modules of their own.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date

from calcert.i18n import _
from calcert.model.records import (
    ASSUMED_MARK,
    AWARD_KEYS,
    CSV_COLUMNS,
    INSTITUTION_COLUMNS,
    Award,
    Institution,
)
from calcert.model.text import csv_cell, escape_controls
from calcert.ops.queries import readable
from calcert.outputs.tables import ASSUMED_LEGEND
from calcert.register.loader import Register

JSON_KEYS = (*CSV_COLUMNS, "number", "status")
MD_COLUMNS = (
    "id",
    "name",
    "city",
    "voivodeship",
    "kind",
    "number",
    "status",
    "valid_from",
    "valid_until",
    "term",
    "awarded_by",
)


@dataclass(frozen=True)
class Row:
    """One award with the institution it belongs to."""

    institution: Institution
    award: Award
    status: str

    def values(self) -> dict[str, object]:
        """Every column (``JSON_KEYS``) in order; absent values are None, dates ISO text."""
        out: dict[str, object] = {}
        for key in INSTITUTION_COLUMNS:
            out[key] = getattr(self.institution, key)
        for key in AWARD_KEYS:
            value = getattr(self.award, key)
            out[key] = value.isoformat() if isinstance(value, date) else value
            if key == "valid_until":
                out["valid_until_assumed"] = self.award.valid_until_assumed
        out["number"] = self.institution.ordinal_of(self.award)
        out["status"] = self.status
        return out


def wanted(award: Award, status: str, as_of: date) -> bool:
    """``status`` is an award status, ``all``, or ``current`` (active or pending, and
    not withdrawn: the certificates whose end is still ahead)."""
    if status == "all":
        return True
    if status == "current":
        return award.withdrawn_on is None and award.status(as_of) in ("active", "pending")
    return award.status(as_of) == status


def rows(register: Register, status: str, as_of: date) -> list[Row]:
    """Awards known and with the given status on ``as_of``: by institution id, then term."""
    out = []
    for inst in readable(register, as_of):
        for award in inst.sorted_awards():
            if wanted(award, status, as_of):
                out.append(Row(inst, award, award.status(as_of)))
    return out


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def to_csv(selected: list[Row]) -> str:
    """The rows ``import`` reads; a would-be formula gets a ``'`` (``csv_cell``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in selected:
        values = row.values()
        writer.writerow([csv_cell(_cell(values[c])) for c in CSV_COLUMNS])
    return buffer.getvalue()


def to_json(selected: list[Row]) -> str:
    return json.dumps([row.values() for row in selected], ensure_ascii=False, indent=2) + "\n"


def _md_cell(value: object) -> str:
    text = " ".join(_cell(value).split())  # newlines would end the table row
    return escape_controls(text.replace("\\", "\\\\").replace("|", "\\|"))


def to_markdown(selected: list[Row], title: str | None = None) -> str:
    """A GitHub-flavoured Markdown table (README, issue, job summary)."""
    lines = []
    if title:
        lines += [f"### {_md_cell(title)}", ""]
    if not selected:
        return "\n".join([*lines, "_" + _("No awards.") + "_", ""])
    lines.append("| " + " | ".join(MD_COLUMNS) + " |")
    lines.append("|" + "|".join("---" for _column in MD_COLUMNS) + "|")
    for row in selected:
        values = row.values()
        if row.award.valid_until_assumed:
            values["valid_until"] = f"{ASSUMED_MARK}{values['valid_until']}"
        lines.append("| " + " | ".join(_md_cell(values[c]) for c in MD_COLUMNS) + " |")
    if any(row.award.valid_until_assumed for row in selected):
        lines += ["", _(ASSUMED_LEGEND)]
    return "\n".join(lines) + "\n"
