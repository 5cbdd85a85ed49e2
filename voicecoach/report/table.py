"""The report as CSV, for a spreadsheet: one row per session in the report's weeks, oldest
first, with the figures the page shows for it.

RFC 4180 as Python's ``csv`` module writes it (CRLF line ends, fields quoted when they
hold a comma, a quote or a line break), UTF-8 without a byte order mark. Dates and times
are ISO 8601 in the report's time zone, with its offset; minutes have one decimal.
"""

from __future__ import annotations

import csv
import io

from voicecoach.history import Session
from voicecoach.report.model import Report, iso_week, minutes, outcome

COLUMNS = (
    "id",
    "date",
    "week",
    "started_at",
    "ended_at",
    "routine_id",
    "routine_name",
    "outcome",
    "stopped_in",
    "minutes",
    "length_minutes",
    "pain",
    "effort",
    "note",
)
"""The header row; a column is only ever added at the end."""


def _optional(value: object) -> str:
    return "" if value is None else str(value)


def session_row(session: Session) -> list[str]:
    ended = session.ended_at.isoformat(timespec="seconds") if session.ended_at else ""
    return [
        str(session.id),
        session.started_at.date().isoformat(),
        iso_week(session.started_at.date()),
        session.started_at.isoformat(timespec="seconds"),
        ended,
        session.routine_id,
        session.routine_name,
        outcome(session),
        "" if session.completed or not session.finished else _optional(session.chapter),
        f"{minutes(session):.1f}",
        f"{session.total_seconds / 60:.1f}",
        _optional(session.pain),
        _optional(session.effort),
        _optional(session.note),
    ]


def render_csv(report: Report) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for session in report.sessions:
        writer.writerow(session_row(session))
    return out.getvalue()
