"""iCalendar (RFC 5545) reminders: an all-day event on the last day of each certificate.

Written by hand (no runtime dependency): CRLF line ends, content lines folded at 75 octets
without splitting a UTF-8 character, TEXT values escaped (``\\ ; ,`` and newlines; other
control characters as visible ``\\x1b``, so no raw one reaches a calendar or a terminal).
UIDs are derived from the institution id and the first day of the term, so importing a
newer export into a calendar updates the events instead of duplicating them (also when
the end of a term is corrected); a second award of the same institution starting on the
same day (an error ``validate`` reports) gets ``-2`` and so on, never a UID twice. DTSTAMP
is the moment the calendar was made (UTC), as RFC 5545 asks; everything else depends only
on the register and ``--as-of``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from calcert import __version__
from calcert.errors import UsageError
from calcert.i18n import _
from calcert.model.records import Award, Institution
from calcert.model.terms import Duration, parse_duration
from calcert.model.text import escape_controls
from calcert.outputs.export import Row

ALARM_HOUR = 9  # reminders go off at 09:00 local time on their day


def escape_text(value: str) -> str:
    """RFC 5545 3.3.11 TEXT escaping; controls but tab and line ends shown as ``\\x1b``."""
    value = escape_controls(value, keep="\t\r\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold one content line at 75 octets (RFC 5545 3.1); never inside a UTF-8 character."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 1, 75  # the continuation's leading space counts
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def parse_reminders(texts: list[str] | tuple[str, ...]) -> list[Duration]:
    """Durations before the end day ("6m", "P1M", "2w"); ``none`` means no reminders."""
    out: list[Duration] = []
    for text in texts:
        for part in text.split(","):
            part = part.strip()
            if not part:
                continue
            if part.lower() == "none":
                return []
            out.append(parse_duration(part))
    return out


def _trigger(end: date, before: Duration) -> str:
    """Offset from the event's start (midnight of ``end``) to 09:00 on ``end - before``."""
    try:
        day = end - before.delta()
    except (OverflowError, ValueError):
        raise UsageError(
            _("reminder {reminder!r} before {end} is beyond the calendar").format(
                reminder=before.text, end=end
            )
        ) from None
    offset = datetime.combine(day, time(ALARM_HOUR)) - datetime.combine(end, time())
    sign = "-" if offset < timedelta(0) else ""
    offset = abs(offset)
    days, seconds = offset.days, offset.seconds
    hours, minutes = seconds // 3600, seconds % 3600 // 60
    out = f"{sign}P"
    if days:
        out += f"{days}D"
    if hours or minutes or not days:
        out += "T"
        if hours:
            out += f"{hours}H"
        if minutes or not hours:
            out += f"{minutes}M"
    return out


def uid(institution: Institution, valid_from: date, seen: set[str] | None = None) -> str:
    """``id-YYYYMMDD@calcert``; with ``seen`` (UIDs already given) never one twice."""
    base = f"{institution.id}-{valid_from:%Y%m%d}"
    out, n = f"{base}@calcert", 1
    while seen is not None and out in seen:
        n += 1
        out = f"{base}-{n}@calcert"
    if seen is not None:
        seen.add(out)
    return out


def _renewal(institution: Institution, row: Row) -> date | None:
    """First day of a later, not withdrawn award: the certificate is already renewed."""
    later = [
        a.valid_from
        for a in institution.awards
        if a.valid_from > row.award.valid_from and a.withdrawn_on is None
    ]
    return min(later) if later else None


def _details(inst: Institution, award: Award, renewed: date | None) -> list[str]:
    """The event's description: how the certificate ends, and whether to renew it.

    A withdrawn certificate ends the day before its withdrawal: no renewal is due for it.
    """
    term = f"valid {award.valid_from.isoformat()} to {award.valid_until.isoformat()}" + (
        f", term {award.term}" if award.term else ""
    )
    if award.withdrawn_on:
        details = [
            f"The CAL quality certificate of {inst.name} ({inst.city}) was withdrawn on "
            f"{award.withdrawn_on.isoformat()}; this was its last day ({term})."
        ]
    else:
        details = [
            f"The CAL quality certificate of {inst.name} ({inst.city}) ends on this day ({term})."
        ]
        if award.valid_until_assumed:
            details.append(
                "This end is assumed: no source states the term, and the register assumes "
                "its default term from the start. Check the certificate."
            )
        if renewed:
            details.append(f"Already renewed: the next term starts {renewed.isoformat()}.")
        else:
            details.append("Start the renewal procedure in time.")
    if award.awarded_by:
        details.append(f"Awarded by {award.awarded_by}.")
    details.append(f"Register id: {inst.id}.")
    return details


def _event(
    row: Row, stamp: str, seen: set[str], reminders: list[Duration], as_of: date
) -> list[str]:
    """The VEVENT of one award on its last day, with its reminders (``seen``: the UIDs
    given so far)."""
    inst, award = row.institution, row.award
    renewed = _renewal(inst, row)
    where = f"{inst.name}, {inst.city}"
    details = _details(inst, award, renewed)
    last_day = award.effective_until
    summary = "CAL certificate withdrawn" if award.withdrawn_on else "CAL certificate ends"
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(uid(inst, award.valid_from, seen))}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{last_day:%Y%m%d}",
    ]
    # An all-day event ends the next day; on 9999-12-31 there is none, and RFC 5545 makes
    # a DATE start without an end last one day anyway.
    if last_day < date.max:
        lines.append(f"DTEND;VALUE=DATE:{last_day + timedelta(days=1):%Y%m%d}")
    lines += [
        f"SUMMARY:{escape_text(f'{summary}: {where}')}",
        f"DESCRIPTION:{escape_text(chr(10).join(details))}",
        "TRANSP:TRANSPARENT",
        "CATEGORIES:CAL",
    ]
    if award.source:
        lines.append(f"URL:{escape_controls(award.source)}")
    end = award.valid_until.isoformat()
    # Reminders only where a renewal is still to be started: not for certificates
    # already renewed, withdrawn, or ended before the day the calendar is made.
    if not renewed and not award.withdrawn_on and award.valid_until >= as_of:
        for before in reminders:
            lines += [
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                f"TRIGGER:{_trigger(award.valid_until, before)}",
                "DESCRIPTION:" + escape_text(f"CAL certificate ends {end}: {where}"),
                "END:VALARM",
            ]
    lines.append("END:VEVENT")
    return lines


def to_ics(
    selected: list[Row],
    reminders: list[Duration],
    as_of: date,
    name: str,
    now: datetime | None = None,
) -> str:
    """The calendar as text with CRLF line ends (write it as UTF-8 bytes).

    ``now`` (default: the current time) is the DTSTAMP of every event, in UTC.
    """
    stamp = f"{(now or datetime.now(UTC)).astimezone(UTC):%Y%m%dT%H%M%SZ}"
    seen: set[str] = set()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//calcert//calcert {__version__}//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for row in selected:
        lines += _event(row, stamp, seen, reminders, as_of)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
