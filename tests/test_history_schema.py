"""The history's versions: a file written by the voicecoach before check-ins (format 1)
is migrated in place, every session kept, and the new columns work."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from voicecoach.errors import HistoryError
from voicecoach.history import History, Session, report
from voicecoach.history_schema import SCHEMA_VERSION, decode_options, encode_options

UTC = timezone.utc

# The table exactly as the voicecoach of format 1 created it (history.py before check-ins).
V1_SCHEMA = """
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
"""

V1_ROWS = [
    # routine_id, routine_name, started_at, ended_at, completed, reached, total, chapter
    ("lower-back-essentials", "Lower back essentials", "2025-01-06T07:00:00+00:00",
     "2025-01-06T07:14:00+00:00", 1, 842.35, 842.35, "Bird dog"),
    ("quick-start", "Quick start", "2025-01-07T21:40:00+00:00",
     "2025-01-07T21:41:00+00:00", 0, 40.5, 76.0, "Pelvic tilt"),
    ("quick-start", "Quick start", "2025-01-08T06:30:00+00:00", None, 0, 0.0, 76.0, None),
]  # fmt: skip


def v1_history(path: Path) -> None:
    """A history as the voicecoach of format 1 left it: WAL mode, three sessions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.executescript(V1_SCHEMA)
        db.executemany(
            "INSERT INTO sessions (routine_id, routine_name, started_at, ended_at, completed,"
            " reached_seconds, total_seconds, chapter) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            V1_ROWS,
        )
        db.execute("PRAGMA user_version = 1")


def raw(path: Path, sql: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.sqlite3"


def test_a_v1_history_is_migrated_in_place_with_every_session_kept(path: Path) -> None:
    v1_history(path)
    before = raw(path, "SELECT * FROM sessions ORDER BY id")
    sessions = History(path).recent(10)

    assert raw(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)] == [(2,)]
    after = raw(path, "SELECT * FROM sessions ORDER BY id")
    # Every old value where it was, and the new columns empty.
    assert [row[:9] for row in after] == before
    assert [row[9:] for row in after] == [(None, None, None, None)] * 3
    assert raw(path, "PRAGMA integrity_check") == [("ok",)]
    assert [(s.routine_id, s.completed, s.reached_seconds, s.chapter) for s in sessions] == [
        ("quick-start", False, 0.0, None),
        ("quick-start", False, 40.5, "Pelvic tilt"),
        ("lower-back-essentials", True, 842.35, "Bird dog"),
    ]
    assert sessions[-1] == Session(
        id=1,
        routine_id="lower-back-essentials",
        routine_name="Lower back essentials",
        started_at=datetime(2025, 1, 6, 7, 0, tzinfo=UTC),
        ended_at=datetime(2025, 1, 6, 7, 14, tzinfo=UTC),
        completed=True,
        reached_seconds=842.35,
        total_seconds=842.35,
        chapter="Bird dog",
    )
    assert all((s.pain, s.effort, s.note, s.options) == (None,) * 4 for s in sessions)


def test_the_new_columns_work_on_a_migrated_history(path: Path) -> None:
    v1_history(path)
    history = History(path, lambda: datetime(2025, 1, 8, 7, 0, tzinfo=UTC))
    history.check_in(1, pain=3, effort=6, note="stiff after the drive")
    history.check_in(1, pain=2, effort=None)  # a later check-in keeps what it does not give
    new = history.start("quick-start", "Quick start", 76.0, {"hold": 20.0, "voice": "espeak:x"})
    history.finish(new, True, 76.0, "Pelvic tilt")
    history.check_in(new, pain=10, effort=0)

    by_id = {s.id: s for s in history.recent(10)}
    assert (by_id[1].pain, by_id[1].effort, by_id[1].note) == (2, 6, "stiff after the drive")
    assert (by_id[new].pain, by_id[new].effort, by_id[new].note) == (10, 0, None)
    assert by_id[new].options == {"hold": 20.0, "voice": "espeak:x"}
    assert by_id[2].pain is None and by_id[2].options is None
    # The week's count and the report still read the old rows.
    now = datetime(2025, 1, 8, 12, 0, tzinfo=UTC)
    assert history.week_count(now) == 2
    assert report(history, limit=10, target=4, now=now) == [
        "Recent sessions:",
        "  Wed 2025-01-08 07:00  Quick start            completed (1:16); pain 10, effort 0",
        "  Wed 2025-01-08 06:30  Quick start            no end recorded",
        '  Tue 2025-01-07 21:40  Quick start            stopped at 0:40 of 1:16 in "Pelvic tilt"',
        "  Mon 2025-01-06 07:00  Lower back essentials  completed (14:02); pain 2, effort 6",
        "      note: stiff after the drive",
        "This week: 2 of 4",
        "Streak: 0 weeks in a row",
    ]
    with pytest.raises(HistoryError, match="no session 99"):
        history.check_in(99, pain=1, effort=1)


def test_the_database_refuses_values_out_of_range(path: Path) -> None:
    history = History(path)
    session = history.start("a", "A", 1.0)
    with pytest.raises(HistoryError, match="cannot be used"):
        history.check_in(session, pain=11, effort=None)
    (kept,) = history.recent(1)
    assert kept.pain is None


def test_players_opening_a_v1_history_at_once_migrate_it_once(path: Path) -> None:
    v1_history(path)
    errors: list[BaseException] = []
    go = threading.Barrier(4)

    def open_it() -> None:
        try:
            go.wait(10)
            History(path).recent(1)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    columns = [row[1] for row in raw(path, "PRAGMA table_info(sessions)")]
    assert columns[-4:] == ["pain", "effort", "note", "options"]
    assert len(raw(path, "SELECT id FROM sessions")) == 3


def test_a_migration_that_fails_leaves_the_v1_file_whole(path: Path) -> None:
    v1_history(path)
    # A column of that name already there: the step fails halfway, and nothing of it stays.
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("ALTER TABLE sessions ADD COLUMN note TEXT")
    with pytest.raises(HistoryError, match="duplicate column"):
        History(path).recent(1)
    assert raw(path, "PRAGMA user_version") == [(1,)]
    columns = [row[1] for row in raw(path, "PRAGMA table_info(sessions)")]
    assert "pain" not in columns and "effort" not in columns
    assert len(raw(path, "SELECT id FROM sessions")) == 3


def test_a_logged_session_is_completed_now_with_its_check_in(path: Path) -> None:
    now = datetime(2025, 1, 8, 7, 30, tzinfo=UTC)
    history = History(path, lambda: now)
    session = history.add_done("quick-start", "Quick start", 90.0, (4, 5, "at the gym"))
    (done,) = history.recent(1)
    assert done.id == session and done.completed
    assert (done.started_at, done.ended_at) == (now - timedelta(seconds=90), now)
    assert (done.pain, done.effort, done.note) == (4, 5, "at the gym")
    assert done.reached_seconds == done.total_seconds == 90.0
    assert history.week_count(now) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, None),
        ("not json", None),
        ("[1, 2]", None),
        ('{"hold": 20, "voice": "espeak:x", "explain": false, "odd": [1]}',
         {"hold": 20, "voice": "espeak:x", "explain": False}),
    ],
)  # fmt: skip
def test_options_that_are_not_an_object_of_plain_values_read_as_none(
    text: str | None, expected: dict[str, object] | None
) -> None:
    assert decode_options(text) == expected


def test_options_are_stored_as_sorted_json() -> None:
    assert encode_options({"voice": "é", "hold": 2.5}) == '{"hold": 2.5, "voice": "é"}'
    assert encode_options(None) is None
