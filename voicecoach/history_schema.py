"""The history's table and its versions: each version a step from the one before, applied
in place (``PRAGMA user_version`` says which the file has), so no history is ever lost.

- 1: one row a session: routine, start, end, completed or how far it got.
- 2: the check-in after it (``pain`` and ``effort`` from 0 to 10, a ``note``) and the
  ``options`` it was played with (a JSON object: the overrides given, the voice...).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from voicecoach.errors import HistoryError

OptionValue = str | int | float | bool
"""What a session's option holds: a number of seconds, a count, a factor, a voice's name."""

LOGGED = "logged"
"""The option that marks a session recorded with `voicecoach log --new`, not played."""

STEPS: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS sessions (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        routine_id      TEXT    NOT NULL,
        routine_name    TEXT    NOT NULL,
        started_at      TEXT    NOT NULL,
        ended_at        TEXT,
        completed       INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),
        reached_seconds REAL    NOT NULL DEFAULT 0,
        total_seconds   REAL    NOT NULL,
        chapter         TEXT
    );
    CREATE INDEX IF NOT EXISTS sessions_started ON sessions (started_at);
    """,
    """
    ALTER TABLE sessions ADD COLUMN pain INTEGER CHECK (pain BETWEEN 0 AND 10);
    ALTER TABLE sessions ADD COLUMN effort INTEGER CHECK (effort BETWEEN 0 AND 10);
    ALTER TABLE sessions ADD COLUMN note TEXT;
    ALTER TABLE sessions ADD COLUMN options TEXT;
    """,
)
"""Step n makes a file of version n-1 (0: a new, empty file) one of version n."""

SCHEMA_VERSION = len(STEPS)


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the file open on ``db`` to SCHEMA_VERSION, every step in one transaction (a
    process killed halfway leaves the old version whole); another voicecoach migrating the
    same file at once waits on the lock, then finds the work done."""
    (version,) = db.execute("PRAGMA user_version").fetchone()
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise HistoryError(
            f"the history at {path} was written by a newer voicecoach "
            f"(format {version}); upgrade voicecoach, or move the file aside to start anew"
        )
    db.execute("BEGIN IMMEDIATE")
    try:
        (version,) = db.execute("PRAGMA user_version").fetchone()  # another may have won
        for step in STEPS[version:]:
            for statement in step.split(";"):
                if statement.strip():
                    db.execute(statement)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.commit()
    except BaseException:
        db.rollback()
        raise


def encode_options(options: Mapping[str, OptionValue] | None) -> str | None:
    """The options column's text: JSON, keys sorted, so equal options read the same."""
    if options is None:
        return None
    return json.dumps(dict(options), sort_keys=True, ensure_ascii=False)


def decode_options(text: str | None) -> dict[str, OptionValue] | None:
    """The options of a row; None for a row without them (one from before version 2), or
    with text that is not a JSON object of plain values (never written by voicecoach)."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    return {str(k): v for k, v in value.items() if isinstance(v, (str, int, float, bool))}
