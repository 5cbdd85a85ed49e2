"""Session history: every play recorded in SQLite, to show a person that they keep at it.

The database lives at ``user_data_dir("voicecoach")/history.sqlite3`` (the environment
variable ``VOICECOACH_DATA_DIR`` moves it). A session's row is written when it starts, so a
process that is killed still leaves a row marked unfinished. The database runs in WAL mode
with a busy timeout and every write is one transaction: several players at once, or a
player killed mid-write, never corrupt it.

Weeks are ISO weeks (Monday to Sunday) in the time zone of the ``now`` given, so a session
at 23:30 on a Sunday counts for the week the person lived it in.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Protocol, TypeVar, runtime_checkable

from voicecoach import paths
from voicecoach.compile.cuescript import CueScript, to_seconds
from voicecoach.durations import format_clock
from voicecoach.errors import HistoryError, UnusableFileError
from voicecoach.files import regular_or_missing
from voicecoach.history_schema import (
    OptionValue,
    decode_options,
    encode_options,
    migrate,
)

APP_NAME = paths.APP_NAME
DATA_DIR_ENV = paths.DATA_DIR_ENV
HISTORY_FILE = "history.sqlite3"
BUSY_TIMEOUT_SECONDS = 30.0
START_WAIT_SECONDS = BUSY_TIMEOUT_SECONDS + 5.0
"""At a session's end, how long to wait for its start's row, written meanwhile."""


def history_dir() -> Path:
    """The folder holding the history (``voicecoach.paths``)."""
    return Path(paths.user_data_dir())


def history_path() -> Path:
    return history_dir() / HISTORY_FILE


def _local_now() -> datetime:
    return datetime.now().astimezone()


@dataclass(frozen=True)
class Session:
    """One recorded play. ``ended_at`` is None when the process never got to record an end."""

    id: int
    routine_id: str
    routine_name: str
    started_at: datetime
    ended_at: datetime | None
    completed: bool
    reached_seconds: float
    total_seconds: float
    chapter: str | None
    pain: int | None = None
    effort: int | None = None
    note: str | None = None
    options: Mapping[str, OptionValue] | None = field(default=None, hash=False)
    """What the session was played with (``history_schema``); None before version 2."""

    @property
    def finished(self) -> bool:
        return self.ended_at is not None


def week_start(moment: datetime | date) -> date:
    """The Monday that starts ``moment``'s ISO week."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


class History:
    """The session history in one SQLite file; each call opens a short-lived connection.

    A session can last an hour: holding no connection between ``start`` and ``finish``
    keeps other players and ``voicecoach history`` free to use the file meanwhile.
    """

    def __init__(self, path: Path | None = None, clock: Callable[[], datetime] = _local_now):
        self.path = history_path() if path is None else path
        self._clock = clock

    def start(
        self,
        routine_id: str,
        name: str,
        total_seconds: float,
        options: Mapping[str, OptionValue] | None = None,
    ) -> int:
        """Record a session that starts now, played with ``options``; returns its id."""
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO sessions (routine_id, routine_name, started_at, total_seconds,"
                " options) VALUES (?, ?, ?, ?, ?)",
                (routine_id, name, self._stamp(), float(total_seconds), encode_options(options)),
            )
            session_id = cursor.lastrowid
        assert session_id is not None
        return session_id

    def finish(
        self, session_id: int, completed: bool, reached_seconds: float, chapter: str | None
    ) -> None:
        """Record how a session ended: completed, or how far it got and in which chapter."""
        with self._write() as db:
            cursor = db.execute(
                "UPDATE sessions SET ended_at = ?, completed = ?, reached_seconds = ?,"
                " chapter = ? WHERE id = ?",
                (self._stamp(), int(completed), float(reached_seconds), chapter, session_id),
            )
            if cursor.rowcount != 1:
                raise HistoryError(f"no session {session_id} in the history at {self.path}")

    def check_in(
        self, session_id: int, pain: int | None, effort: int | None, note: str | None = None
    ) -> None:
        """Record how the session went; a value left None keeps what the row had."""
        with self._write() as db:
            cursor = db.execute(
                "UPDATE sessions SET pain = coalesce(?, pain), effort = coalesce(?, effort),"
                " note = coalesce(?, note) WHERE id = ?",
                (pain, effort, note, session_id),
            )
            if cursor.rowcount != 1:
                raise HistoryError(f"no session {session_id} in the history at {self.path}")

    def add_done(
        self,
        routine_id: str,
        name: str,
        total_seconds: float,
        check_in: tuple[int | None, int | None, str | None],
        options: Mapping[str, OptionValue] | None = None,
    ) -> int:
        """Record a completed session that ends now (one done without voicecoach), with
        its check-in (pain, effort, note); returns its id."""
        ended = self._now(None).astimezone(timezone.utc)
        started = ended - timedelta(seconds=total_seconds)
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO sessions (routine_id, routine_name, started_at, ended_at,"
                " completed, reached_seconds, total_seconds, pain, effort, note, options)"
                " VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)",
                (routine_id, name, started.isoformat(timespec="seconds"),
                 ended.isoformat(timespec="seconds"), float(total_seconds),
                 float(total_seconds), *check_in, encode_options(options)),
            )  # fmt: skip
            session_id = cursor.lastrowid
        assert session_id is not None
        return session_id

    def discard(self, session_id: int) -> None:
        """Forget a session that never really played (its player failed to start)."""
        with self._write() as db:
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    def recent(self, n: int = 10) -> list[Session]:
        """The ``n`` latest sessions, newest first."""
        with self._read() as db:
            rows = db.execute(
                "SELECT * FROM sessions ORDER BY started_at DESC, id DESC LIMIT ?", (n,)
            ).fetchall()
        return [self._session(row) for row in rows]

    def started_between(self, start: datetime, end: datetime) -> list[Session]:
        """The sessions started from ``start`` up to ``end`` (to the second), oldest first."""
        with self._read() as db:
            rows = db.execute(
                "SELECT * FROM sessions WHERE started_at >= ? AND started_at <= ?"
                " ORDER BY started_at, id",
                (_utc_stamp(self._now(start)), _utc_stamp(self._now(end))),
            ).fetchall()
        return [self._session(row) for row in rows]

    def week_count(self, now: datetime | None = None) -> int:
        """Completed sessions in the ISO week of ``now``, up to ``now``."""
        now = self._now(now)
        return self._completed_per_week(now).get(week_start(now), 0)

    def streak(self, target: int, now: datetime | None = None) -> int:
        """Consecutive weeks, back from this one, with at least ``target`` completed sessions.

        This week counts once it has met the target; until then the streak runs from last
        week, so an unfinished week never breaks it.
        """
        if target < 1:
            raise ValueError("target must be at least 1")
        now = self._now(now)
        counts = self._completed_per_week(now)
        week = week_start(now)
        if counts.get(week, 0) < target:
            week -= timedelta(days=7)
        weeks = 0
        while counts.get(week, 0) >= target:
            weeks += 1
            week -= timedelta(days=7)
        return weeks

    # -- internals -------------------------------------------------------------------------

    def _now(self, now: datetime | None) -> datetime:
        now = self._clock() if now is None else now
        return now if now.tzinfo is not None else now.astimezone()

    def _stamp(self) -> str:
        """UTC, so that the text sorts in time order across time zones and clock changes."""
        return self._now(None).astimezone(timezone.utc).isoformat(timespec="seconds")

    def _completed_per_week(self, now: datetime) -> dict[date, int]:
        """Completed sessions started up to ``now``, by the Monday of their week."""
        with self._read() as db:
            rows = db.execute(
                "SELECT started_at FROM sessions WHERE completed = 1 AND started_at <= ?",
                (now.astimezone(timezone.utc).isoformat(timespec="seconds"),),
            ).fetchall()
        counts: dict[date, int] = {}
        for (stamp,) in rows:
            week = week_start(_parse(stamp).astimezone(now.tzinfo))
            counts[week] = counts.get(week, 0) + 1
        return counts

    @staticmethod
    def _session(row: sqlite3.Row) -> Session:
        return Session(
            id=row["id"],
            routine_id=row["routine_id"],
            routine_name=row["routine_name"],
            started_at=_parse(row["started_at"]),
            ended_at=_parse(row["ended_at"]) if row["ended_at"] else None,
            completed=bool(row["completed"]),
            reached_seconds=row["reached_seconds"],
            total_seconds=row["total_seconds"],
            chapter=row["chapter"],
            pain=row["pain"],
            effort=row["effort"],
            note=row["note"],
            options=decode_options(row["options"]),
        )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise HistoryError(
                f"cannot create the folder for the history at {self.path}: {err.strerror or err}"
            ) from None
        try:  # SQLite would block on a FIFO, or read a device without end
            regular_or_missing(self.path)
        except UnusableFileError as err:
            raise HistoryError(
                f"the history at {self.path} {err.reason}; move it aside and voicecoach "
                "will start a new history"
            ) from None
        except OSError:
            pass  # SQLite says what is wrong when it opens the file
        try:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        except sqlite3.Error as err:
            raise self._error(err) from None
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            migrate(db, self.path)
            yield db
        except sqlite3.Error as err:
            if db.in_transaction:
                db.rollback()
            raise self._error(err) from None
        finally:
            db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: takes the write lock up front, so waiting writers queue
        on the busy timeout instead of failing on a lock upgrade."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.rollback()
                raise
            db.commit()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            yield db

    def _error(self, err: sqlite3.Error) -> HistoryError:
        name = getattr(err, "sqlite_errorname", "")
        text = str(err)
        if (
            name in ("SQLITE_NOTADB", "SQLITE_CORRUPT")
            or "not a database" in text
            or ("malformed" in text)
        ):
            return HistoryError(
                f"the history database at {self.path} is damaged ({text}). Move it aside "
                f"(for example rename it to {self.path.name}.broken) and voicecoach will start "
                "a new history."
            )
        if name == "SQLITE_BUSY" or "locked" in text:
            return HistoryError(
                f"the history at {self.path} stayed busy for {BUSY_TIMEOUT_SECONDS:g} seconds "
                "(another voicecoach is writing to it); try again"
            )
        if name in ("SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM") or "open" in text:
            return HistoryError(
                f"cannot open the history at {self.path} ({text}); check that its folder "
                "is writable"
            )
        return HistoryError(f"the history at {self.path} cannot be used ({text})")


def _utc_stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


@runtime_checkable
class Outcome(Protocol):
    """How far a session got, as the player reports it."""

    @property
    def completed(self) -> bool: ...
    @property
    def position(self) -> int: ...
    @property
    def chapter(self) -> int | None: ...


Result = TypeVar("Result", bound=Outcome)


class _Starting:
    """The row of a session that starts now, written on a thread: a history another
    process holds locked (for up to BUSY_TIMEOUT_SECONDS) never delays the first sound."""

    def __init__(
        self, history: History, script: CueScript, options: Mapping[str, OptionValue] | None
    ) -> None:
        self.session_id: int | None = None
        self.error: Exception | None = None
        self._history = history
        self._script = script
        self._options = options
        self._thread = threading.Thread(target=self._run, name="history-start", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        script = self._script
        try:
            self.session_id = self._history.start(
                script.routine_id, script.routine_name, script.duration, self._options
            )
        except Exception as err:  # HistoryError, or a bug: said on the main thread
            self.error = err

    def wait(self, timeout: float) -> int | None:
        """The row's id once written; None (with ``error`` set) if it could not be."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            self.error = HistoryError(
                f"the history at {self._history.path} stayed busy for {timeout:g} seconds "
                "(another voicecoach is writing to it)"
            )
            return None
        return self.session_id


def record_play(
    history: History | None,
    script: CueScript,
    play: Callable[[], Result],
    warn: Callable[[str], None],
    options: Mapping[str, OptionValue] | None = None,
    recorded: Callable[[int], None] | None = None,
) -> Result:
    """Run ``play()`` and record the session: a row at the start, how it ended at the end.

    The start's row is written on a thread while ``play()`` begins, so that a busy
    history never holds up the sound. Ctrl-C, SIGTERM and SIGHUP (``signals.Terminated``,
    a KeyboardInterrupt), and a sound device lost mid-session, arrive as exceptions
    carrying the player's result (``.result``): the session is recorded as stopped where
    it got to, and the exception goes on. A session whose player fails without one (no
    sound device before anything played) never played, so its row is removed again. A
    history that cannot be written never stops a session: ``warn`` says so afterwards
    (not during the session, whose status line owns the terminal). ``options`` are what
    the session is played with; ``recorded`` is told the row's id once a session that
    ended normally is recorded (for its check-in).
    """
    starting = _Starting(history, script, options) if history is not None else None

    def finish(outcome: Outcome | None, ended: bool = False) -> None:
        if history is None or starting is None:
            return
        session_id = starting.wait(START_WAIT_SECONDS)
        if session_id is None:
            if outcome is not None:
                warn(f"this session was not recorded: {_reason(starting.error)}")
            return
        try:
            if outcome is None:
                history.discard(session_id)
                return
            chapter = (
                script.chapters[outcome.chapter].title if outcome.chapter is not None else None
            )
            reached = to_seconds(min(outcome.position, script.length))
            history.finish(session_id, outcome.completed, reached, chapter)
        except HistoryError as err:
            warn(f"this session's end was not recorded: {err}")
            return
        if recorded is not None and ended:
            recorded(session_id)

    try:
        result = play()
    except BaseException as exc:
        carried = getattr(exc, "result", None)
        finish(carried if isinstance(carried, Outcome) else None)
        raise
    finish(result, ended=True)
    return result


def _reason(error: Exception | None) -> str:
    if isinstance(error, HistoryError) or error is None:
        return str(error)
    return f"unexpected error ({type(error).__name__}: {error})"


def _outcome(session: Session) -> str:
    if session.completed:
        return f"completed ({format_clock(session.total_seconds)})"
    if not session.finished:
        return "no end recorded"
    where = f' in "{session.chapter}"' if session.chapter else ""
    reached, total = format_clock(session.reached_seconds), format_clock(session.total_seconds)
    return f"stopped at {reached} of {total}{where}"


def scores(pain: int | None, effort: int | None, before: str = "") -> str:
    """``pain 3, effort 6`` after ``before``, as `history` and `log` show a check-in; ""
    when neither was given."""
    given = [f"{name} {value}" for name, value in (("pain", pain), ("effort", effort))]
    kept = [text for text, value in zip(given, (pain, effort), strict=True) if value is not None]
    return before + ", ".join(kept) if kept else ""


def report(history: History, limit: int, target: int, now: datetime | None = None) -> list[str]:
    """The lines `voicecoach history` prints: recent sessions, this week, the streak."""
    now = history._now(now)
    sessions = history.recent(limit)
    lines: list[str] = []
    if sessions:
        lines.append("Recent sessions:")
        width = max(len(s.routine_name) for s in sessions)
        for session in sessions:
            started = session.started_at.astimezone(now.tzinfo).strftime("%a %Y-%m-%d %H:%M")
            line = f"  {started}  {session.routine_name:<{width}}  {_outcome(session)}"
            lines.append(line + scores(session.pain, session.effort, "; "))
            if session.note:
                lines.append(f"      note: {' '.join(session.note.split())}")
    else:
        lines.append("No sessions yet: `voicecoach play` records one.")
    lines.append(f"This week: {history.week_count(now)} of {target}")
    weeks = history.streak(target, now)
    lines.append(f"Streak: {weeks} {'week' if weeks == 1 else 'weeks'} in a row")
    return lines
