"""The listings as data: what ``list``, ``show``, ``history``, ``config`` and ``voices``
print with ``--json`` (and ``history --csv``), for other tools and for spreadsheets.

Each JSON document starts with a ``format`` field, ``voicecoach.<listing>/<version>``, as
the cue script's ``voicecoach.cues/1`` does: a version only ever gains fields; a change
that would break a reader gets a new version. docs/json-output.md documents every field
and docs/schemas/ holds a JSON Schema for each document.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from voicecoach.compile.cuescript import to_seconds
from voicecoach.describe import describe_pauses, describe_work
from voicecoach.text import terminal_unsafe

if TYPE_CHECKING:
    from voicecoach.audio.voice_engine import Voice
    from voicecoach.compile.cuescript import CueScript
    from voicecoach.history import History, Session
    from voicecoach.library import Entry
    from voicecoach.routine.model import Exercise, Routine
    from voicecoach.settings import LoadedSettings

ROUTINES_FORMAT: Final = "voicecoach.routines/1"
ROUTINE_FORMAT: Final = "voicecoach.routine/1"
HISTORY_FORMAT: Final = "voicecoach.history/1"
CONFIG_FORMAT: Final = "voicecoach.config/1"
VOICES_FORMAT: Final = "voicecoach.voices/1"

HISTORY_COLUMNS: Final = (
    "id",
    "routine_id",
    "routine_name",
    "started_at",
    "ended_at",
    "outcome",
    "reached_seconds",
    "duration_seconds",
    "chapter",
    "pain",
    "effort",
    "note",
)
"""The columns of ``history --csv``, in order (its header row)."""

EVERY_SESSION: Final = 2**62
"""The ``limit`` that means every session (SQLite's LIMIT takes a 64-bit integer)."""

_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def _terminal_unsafe(char: str) -> bool:
    """What a terminal obeys or reorders (as ``voicecoach.text``) and what UTF-8 cannot
    carry (a lone surrogate, from a file name that is not UTF-8)."""
    return terminal_unsafe(char) or unicodedata.category(char) == "Cs"


def _escaped(char: str) -> bool:
    """Escaped in JSON text: a raw newline there is the indentation's (``json.dumps``
    escapes those inside strings)."""
    return char != "\n" and _terminal_unsafe(char)


def to_json(document: dict[str, Any]) -> bytes:
    """``document`` as UTF-8 JSON text, indented, its keys in the documented order.

    ``json.dumps`` escapes the C0 controls; the other characters a terminal obeys (DEL,
    the C1 controls, line separators, bidirectional overrides) and lone surrogates are
    escaped here as ``\\uXXXX``. They can only stand inside strings, so the JSON means
    the same, and printing it can neither move the cursor nor fail to encode.
    """
    text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)
    if any(_escaped(char) for char in text):
        text = "".join(f"\\u{ord(c):04x}" if _escaped(c) else c for c in text)
    return (text + "\n").encode("utf-8")


# -- list --------------------------------------------------------------------------------


def routines_document(entries: Sequence[Entry], user_dir: Path) -> dict[str, Any]:
    """``list --json``: every routine as ``list`` shows it, an invalid one with its error."""
    return {
        "format": ROUTINES_FORMAT,
        "user_dir": str(user_dir),
        "routines": [_entry(entry) for entry in entries],
    }


def _entry(entry: Entry) -> dict[str, Any]:
    valid = entry.problem is None
    return {
        "id": entry.id,
        "name": entry.name,
        "valid": valid,
        "duration": to_seconds(entry.length) if valid and entry.length is not None else None,
        "exercises": entry.exercises,
        "source": entry.source.value,
        "overrides": entry.overrides,
        "path": str(entry.path),
        "problem": entry.problem,
    }


# -- show --------------------------------------------------------------------------------


def routine_document(routine: Routine, script: CueScript) -> dict[str, Any]:
    """``show --json``: the routine with every default applied, timings in seconds."""
    count = len(routine.exercises)
    return {
        "format": ROUTINE_FORMAT,
        "id": routine.id,
        "name": routine.name,
        "description": routine.description,
        "language": routine.language,
        "rounds": routine.rounds,
        "duration": script.duration,
        "intro": routine.intro,
        "outro": routine.outro,
        "path": str(routine.source) if routine.source is not None else None,
        "exercises": [
            _exercise(exercise, last=index == count - 1)
            for index, exercise in enumerate(routine.exercises)
        ],
    }


def _exercise(exercise: Exercise, last: bool) -> dict[str, Any]:
    wait = exercise.wait
    return {
        "name": exercise.name,
        "work": exercise.work.value,
        "summary": describe_work(exercise),
        "hold": exercise.hold,
        "reps": exercise.reps,
        "tempo": list(exercise.tempo),
        "phases": list(exercise.phases),
        "duration": exercise.duration,
        "sides": list(exercise.sides) if exercise.sides is not None else None,
        "sets": exercise.sets,
        "set_rest": exercise.set_rest,
        "switch": exercise.switch,
        "lead_in": exercise.lead_in,
        "rest": exercise.rest,
        "wait": {"longest": wait.longest, "remind": wait.remind} if wait is not None else None,
        "cue": list(exercise.cue),
        "why": exercise.why,
        "pauses": describe_pauses(exercise, last=last),
    }


# -- history -----------------------------------------------------------------------------


def outcome(session: Session) -> str:
    """``completed``, ``stopped`` (an end recorded before the last cue) or ``unfinished``
    (no end recorded: the process was killed)."""
    if session.completed:
        return "completed"
    return "stopped" if session.finished else "unfinished"


def _as_of(now: datetime | None) -> datetime:
    """``now`` with a time zone (the local one if it has none); the local time if None."""
    if now is None:
        return datetime.now().astimezone()
    return now if now.tzinfo is not None else now.astimezone()


def _stamp(moment: datetime | None, zone: tzinfo | None) -> str | None:
    """ISO 8601 in the local time zone, with its offset: unambiguous, and the time of day
    the person lived it."""
    return None if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")


def _session(session: Session, zone: tzinfo | None) -> dict[str, Any]:
    return {
        "id": session.id,
        "routine": {"id": session.routine_id, "name": session.routine_name},
        "started_at": _stamp(session.started_at, zone),
        "ended_at": _stamp(session.ended_at, zone),
        "outcome": outcome(session),
        "reached": session.reached_seconds,
        "duration": session.total_seconds,
        "chapter": session.chapter,
        # Check-ins, once the history records them; None until then.
        "pain": getattr(session, "pain", None),
        "effort": getattr(session, "effort", None),
        "note": getattr(session, "note", None),
    }


def history_document(
    history: History, limit: int | None, target: int, now: datetime | None = None
) -> dict[str, Any]:
    """``history --json``: the latest ``limit`` sessions (None: all), newest first, and
    this week's count and the streak against ``target``, as ``history`` shows them."""
    now = _as_of(now)
    sessions = history.recent(EVERY_SESSION if limit is None else limit)
    return {
        "format": HISTORY_FORMAT,
        "path": str(history.path),
        "now": _stamp(now, now.tzinfo),
        "target": target,
        "this_week": history.week_count(now),
        "streak": history.streak(target, now),
        "sessions": [_session(session, now.tzinfo) for session in sessions],
    }


def _cell(value: object) -> str:
    """One CSV cell: empty for None; text a spreadsheet would take for a formula gets a
    leading ``'``; control characters other than tab and line breaks are escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str):
        return str(value)
    if value.startswith(_FORMULA_START):
        value = "'" + value
    if any(_terminal_unsafe(c) and c not in "\t\n\r" for c in value):
        value = "".join(
            f"\\u{ord(c):04x}" if _terminal_unsafe(c) and c not in "\t\n\r" else c for c in value
        )
    return value


def history_csv(history: History, limit: int | None, now: datetime | None = None) -> bytes:
    """``history --csv``: a header row (``HISTORY_COLUMNS``), then one row a session,
    newest first, quoted as RFC 4180 says (the csv module's default dialect), UTF-8."""
    now = _as_of(now)
    sessions = history.recent(EVERY_SESSION if limit is None else limit)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HISTORY_COLUMNS)
    for session in sessions:
        row = _session(session, now.tzinfo)
        writer.writerow(
            _cell(value)
            for value in (
                row["id"],
                session.routine_id,
                session.routine_name,
                row["started_at"],
                row["ended_at"],
                row["outcome"],
                row["reached"],
                row["duration"],
                row["chapter"],
                row["pain"],
                row["effort"],
                row["note"],
            )
        )
    return out.getvalue().encode("utf-8")


# -- config and voices -------------------------------------------------------------------


def config_document(loaded: LoadedSettings) -> dict[str, Any]:
    """``config --json``: the settings file and each setting's value and source
    (``file`` or ``default``); a value not set is null."""
    from voicecoach.settings import KEYS

    return {
        "format": CONFIG_FORMAT,
        "path": str(loaded.path),
        "exists": loaded.exists,
        "settings": {
            key: {"value": getattr(loaded.settings, key), "source": loaded.source(key)}
            for key in KEYS
        },
    }


def voices_document(voices: Sequence[Voice], language: str | None) -> dict[str, Any]:
    """``voices --json``: the installed voices of both engines, as ``voices`` lists them."""
    return {
        "format": VOICES_FORMAT,
        "language": language,
        "voices": [
            {
                "engine": voice.engine,
                "id": voice.id,
                "name": voice.name,
                "languages": list(voice.languages),
                "gender": voice.gender,
            }
            for voice in voices
        ],
    }


__all__ = [
    "CONFIG_FORMAT",
    "HISTORY_COLUMNS",
    "HISTORY_FORMAT",
    "ROUTINES_FORMAT",
    "ROUTINE_FORMAT",
    "VOICES_FORMAT",
    "config_document",
    "history_csv",
    "history_document",
    "outcome",
    "routine_document",
    "routines_document",
    "to_json",
    "voices_document",
]
