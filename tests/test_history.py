"""History: recording sessions, week and streak arithmetic, surviving concurrency and kills."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

import audio_env
import pytest
from helpers import run_main, start_child

from voicecoach import history
from voicecoach.compile.compiler import compile_routine
from voicecoach.compile.cuescript import CueScript, to_seconds
from voicecoach.errors import AudioDeviceError, HistoryError
from voicecoach.history import History, history_path, record_play, report, week_start
from voicecoach.history_schema import OptionValue
from voicecoach.play.player import AudioDeviceLost, PlaybackInterrupted, PlayResult
from voicecoach.routine.load import load_routine

UTC = timezone.utc
EST = timezone(timedelta(hours=-5))


class Clock:
    """A settable clock, so sessions land on chosen dates."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.sqlite3"


def add(history: History, clock: Clock, when: datetime, completed: bool = True) -> int:
    """Record one session started at ``when`` that lasted ten minutes."""
    clock.now = when
    session = history.start("lower-back-essentials", "Lower back essentials", 600.0)
    clock.now = when + timedelta(minutes=10)
    history.finish(session, completed, 600.0 if completed else 200.0, "Bird dog")
    return session


def integrity(path: Path) -> str:
    with closing(sqlite3.connect(path)) as db:
        result: str = db.execute("PRAGMA integrity_check").fetchone()[0]
    return result


def test_env_moves_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICECOACH_DATA_DIR", str(tmp_path))
    assert history_path() == tmp_path / "history.sqlite3"


def test_a_session_is_written_at_start_and_completed_at_finish(path: Path) -> None:
    clock = Clock(datetime(2025, 3, 4, 7, 30, tzinfo=UTC))
    history = History(path, clock)
    session = history.start("hip-openers", "Hip openers", 842.5)
    (started,) = history.recent(5)
    assert started.id == session
    assert (started.routine_id, started.routine_name) == ("hip-openers", "Hip openers")
    assert started.started_at == datetime(2025, 3, 4, 7, 30, tzinfo=UTC)
    assert started.ended_at is None
    assert not started.finished
    assert not started.completed
    assert (started.reached_seconds, started.total_seconds, started.chapter) == (0.0, 842.5, None)

    clock.now += timedelta(minutes=14, seconds=3)
    history.finish(session, True, 842.5, "Child's pose")
    (done,) = history.recent(5)
    assert done.ended_at == datetime(2025, 3, 4, 7, 44, 3, tzinfo=UTC)
    assert done.completed
    assert (done.reached_seconds, done.chapter) == (842.5, "Child's pose")


def test_a_stopped_session_keeps_how_far_it_got(path: Path) -> None:
    clock = Clock(datetime(2025, 3, 4, 7, 30, tzinfo=UTC))
    history = History(path, clock)
    session = history.start("hip-openers", "Hip openers", 842.5)
    history.finish(session, False, 390.25, "Bird dog")
    (stopped,) = history.recent(1)
    assert stopped.finished and not stopped.completed
    assert (stopped.reached_seconds, stopped.chapter) == (390.25, "Bird dog")


def test_recent_is_newest_first_and_limited(path: Path) -> None:
    clock = Clock(datetime(2025, 1, 1, tzinfo=UTC))
    history = History(path, clock)
    ids = [add(history, clock, datetime(2025, 1, day, 8, tzinfo=UTC)) for day in (3, 1, 2)]
    assert [s.id for s in history.recent(10)] == [ids[0], ids[2], ids[1]]
    assert [s.id for s in history.recent(2)] == [ids[0], ids[2]]


def test_finishing_an_unknown_session_is_an_error(path: Path) -> None:
    history = History(path)
    with pytest.raises(HistoryError, match=r"^no session 7 in the history at "):
        history.finish(7, True, 1.0, None)


def test_week_start_is_the_iso_monday_across_the_new_year() -> None:
    assert week_start(datetime(2025, 1, 1, 12, tzinfo=UTC)).isoformat() == "2024-12-30"
    assert week_start(datetime(2025, 1, 5, 23, 59, tzinfo=UTC)).isoformat() == "2024-12-30"
    assert week_start(datetime(2025, 1, 6, 0, 0, tzinfo=UTC)).isoformat() == "2025-01-06"
    assert week_start(datetime(2021, 1, 3, tzinfo=UTC)).isoformat() == "2020-12-28"


def test_week_count_counts_completed_sessions_of_the_iso_week(path: Path) -> None:
    clock = Clock(datetime(2025, 1, 1, tzinfo=UTC))
    history = History(path, clock)
    add(history, clock, datetime(2024, 12, 29, 20, tzinfo=UTC))  # Sunday: the week before
    add(history, clock, datetime(2024, 12, 30, 7, tzinfo=UTC))  # Monday, 2025-W01
    add(history, clock, datetime(2024, 12, 31, 7, tzinfo=UTC))
    add(history, clock, datetime(2025, 1, 2, 7, tzinfo=UTC), completed=False)
    add(history, clock, datetime(2025, 1, 5, 23, tzinfo=UTC))  # Sunday night, same week
    add(history, clock, datetime(2025, 1, 6, 0, 30, tzinfo=UTC))  # next Monday
    assert history.week_count(datetime(2025, 1, 5, 23, 30, tzinfo=UTC)) == 3
    assert history.week_count(datetime(2024, 12, 29, 21, tzinfo=UTC)) == 1
    assert history.week_count(datetime(2025, 1, 6, 9, tzinfo=UTC)) == 1
    assert history.week_count(datetime(2025, 2, 1, tzinfo=UTC)) == 0


def test_week_count_is_as_of_now(path: Path) -> None:
    clock = Clock(datetime(2025, 1, 1, tzinfo=UTC))
    history = History(path, clock)
    for day in (6, 8, 10):
        add(history, clock, datetime(2025, 1, day, 7, tzinfo=UTC))
    assert history.week_count(datetime(2025, 1, 6, 6, 59, tzinfo=UTC)) == 0
    assert history.week_count(datetime(2025, 1, 6, 7, 0, tzinfo=UTC)) == 1
    assert history.week_count(datetime(2025, 1, 9, tzinfo=UTC)) == 2
    assert history.week_count(datetime(2025, 1, 12, 23, tzinfo=UTC)) == 3


def test_weeks_follow_the_time_zone_of_now(path: Path) -> None:
    clock = Clock(datetime(2025, 1, 1, tzinfo=UTC))
    history = History(path, clock)
    # Sunday 22:00 in New York is already Monday in UTC.
    add(history, clock, datetime(2025, 1, 5, 22, tzinfo=EST))
    assert history.week_count(datetime(2025, 1, 5, 23, 30, tzinfo=EST)) == 1
    assert history.week_count(datetime(2025, 1, 7, 12, tzinfo=EST)) == 0
    assert history.week_count(datetime(2025, 1, 7, 12, tzinfo=UTC)) == 1


@pytest.fixture
def three_weeks(path: Path) -> History:
    """Four completed sessions in each of three weeks running across the new year, a week
    with only three before them, and an incomplete one that must not count."""
    clock = Clock(datetime(2024, 12, 1, tzinfo=UTC))
    history = History(path, clock)
    for day in (2, 3, 4):  # week of Dec 2: three, under the target
        add(history, clock, datetime(2024, 12, day, 8, tzinfo=UTC))
    for monday in (datetime(2024, 12, 16, 8, tzinfo=UTC), datetime(2024, 12, 23, 8, tzinfo=UTC)):
        for offset in range(4):
            add(history, clock, monday + timedelta(days=offset))
    for when in ("2024-12-30", "2024-12-31", "2025-01-02", "2025-01-05"):
        add(history, clock, datetime.fromisoformat(f"{when}T18:00+00:00"))
    add(history, clock, datetime(2025, 1, 4, 18, tzinfo=UTC), completed=False)
    return history


def test_streak_counts_back_from_last_week_until_this_week_meets_the_target(
    three_weeks: History,
) -> None:
    history = three_weeks
    now = datetime(2025, 1, 8, 12, tzinfo=UTC)
    assert history.week_count(now) == 0
    assert history.streak(4, now) == 3
    assert history.streak(5, now) == 0
    assert history.streak(3, now) == 3  # the week of Dec 9 had none
    # Inside the week across the new year itself: it already met the target, so it counts.
    assert history.streak(4, datetime(2025, 1, 5, 20, tzinfo=UTC)) == 3
    # Earlier that week, with two done, the streak stands on the two weeks before.
    assert history.streak(4, datetime(2024, 12, 31, 20, tzinfo=UTC)) == 2


def test_meeting_the_target_this_week_extends_the_streak(three_weeks: History) -> None:
    history = three_weeks
    clock = Clock(datetime(2025, 1, 6, tzinfo=UTC))
    writer = History(history.path, clock)
    now = datetime(2025, 1, 10, 20, tzinfo=UTC)
    for day in (6, 7, 8):
        add(writer, clock, datetime(2025, 1, day, 7, tzinfo=UTC))
    assert (history.week_count(now), history.streak(4, now)) == (3, 3)
    add(writer, clock, datetime(2025, 1, 9, 7, tzinfo=UTC))
    assert (history.week_count(now), history.streak(4, now)) == (4, 4)


def test_a_missed_week_ends_the_streak(three_weeks: History) -> None:
    assert three_weeks.streak(4, datetime(2025, 1, 15, tzinfo=UTC)) == 0
    assert three_weeks.streak(1, datetime(2025, 1, 15, tzinfo=UTC)) == 0
    assert three_weeks.streak(1, datetime(2025, 1, 8, tzinfo=UTC)) == 3


def test_the_report_lines(three_weeks: History) -> None:
    now = datetime(2025, 1, 8, 12, tzinfo=UTC)
    writer = History(three_weeks.path, Clock(datetime(2025, 1, 7, 6, 45, tzinfo=UTC)))
    writer.start("quick-start", "Quick start", 300.0)
    assert report(three_weeks, limit=4, target=4, now=now) == [
        "Recent sessions:",
        "  Tue 2025-01-07 06:45  Quick start            no end recorded",
        "  Sun 2025-01-05 18:00  Lower back essentials  completed (10:00)",
        '  Sat 2025-01-04 18:00  Lower back essentials  stopped at 3:20 of 10:00 in "Bird dog"',
        "  Thu 2025-01-02 18:00  Lower back essentials  completed (10:00)",
        "This week: 0 of 4",
        "Streak: 3 weeks in a row",
    ]
    # Times are shown in the time zone of now.
    assert report(three_weeks, limit=1, target=5, now=now.astimezone(EST)) == [
        "Recent sessions:",
        "  Tue 2025-01-07 01:45  Quick start  no end recorded",
        "This week: 0 of 5",
        "Streak: 0 weeks in a row",
    ]


def test_the_report_of_an_empty_history(path: Path) -> None:
    assert report(History(path), limit=10, target=4, now=datetime(2025, 1, 8, tzinfo=UTC)) == [
        "No sessions yet: `voicecoach play` records one.",
        "This week: 0 of 4",
        "Streak: 0 weeks in a row",
    ]


def test_a_damaged_file_says_where_it_is_and_to_move_it_aside(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database, just some text\n" * 200)
    with pytest.raises(HistoryError) as caught:
        History(path).recent(5)
    assert str(caught.value) == (
        f"the history database at {path} is damaged (file is not a database). Move it aside "
        "(for example rename it to history.sqlite3.broken) and voicecoach will start a new "
        "history."
    )


def test_a_history_from_a_newer_version_is_refused(path: Path) -> None:
    History(path).recent(1)
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA user_version = 99")
        db.commit()
    with pytest.raises(HistoryError, match=r"written by a newer voicecoach \(format 99\)"):
        History(path).start("a", "A", 1.0)


def test_an_unwritable_folder_is_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(HistoryError, match=r"^cannot create the folder for the history at "):
        History(blocker / "sub" / "history.sqlite3").recent(1)


def test_the_database_runs_in_wal_mode(path: Path) -> None:
    History(path).start("a", "A", 1.0)
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# -- several processes, and a process killed mid-write ------------------------------------

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from voicecoach.history import History

    history = History(Path(sys.argv[1]))
    tag, count = sys.argv[2], int(sys.argv[3])
    i = 0
    while count < 0 or i < count:
        session = history.start(f"{tag}-{i}", "x" * 2000, 60.0)
        history.finish(session, True, 60.0, f"chapter {i}")
        i += 1
        if i == 20:
            print("ready", flush=True)
    """
)


def spawn(path: Path, tag: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), tag, str(count)],
        stdout=subprocess.PIPE,
        text=True,
    )


def test_concurrent_writers_never_corrupt(
    path: Path, children: list[subprocess.Popen[str]]
) -> None:
    History(path).recent(1)
    children.extend(spawn(path, f"w{n}", 40) for n in range(5))
    for writer in children:
        assert writer.wait(timeout=240) == 0
    assert integrity(path) == "ok"
    sessions = History(path).recent(1000)
    assert len(sessions) == 200
    assert all(s.completed and s.chapter and s.chapter.startswith("chapter ") for s in sessions)
    assert sorted(s.routine_id for s in sessions) == sorted(
        f"w{n}-{i}" for n in range(5) for i in range(40)
    )


def test_a_writer_killed_mid_write_leaves_a_sound_history(
    path: Path, children: list[subprocess.Popen[str]]
) -> None:
    clock = Clock(datetime(2025, 1, 1, tzinfo=UTC))
    history = History(path, clock)
    earlier = [add(history, clock, datetime(2024, 12, day, 8, tzinfo=UTC)) for day in (1, 2, 3)]
    before = {s.id: s for s in history.recent(10)}
    for attempt in range(3):
        writer = spawn(path, f"k{attempt}", -1)
        children.append(writer)
        assert writer.stdout is not None
        assert writer.stdout.readline() == "ready\n"
        time.sleep(0.05 * attempt)
        os.kill(writer.pid, signal.SIGKILL)
        assert writer.wait(timeout=30) == -signal.SIGKILL
        assert integrity(path) == "ok"
        kept = {s.id: s for s in History(path).recent(100_000)}
        assert all(kept[i] == before[i] for i in earlier)
        assert len(kept) >= len(before) + 20 * (attempt + 1)
    # And it still takes new sessions.
    session = History(path).start("after", "After", 1.0)
    assert History(path).recent(1)[0].id == session


def test_a_killed_player_leaves_its_session_unfinished(path: Path) -> None:
    script = textwrap.dedent(
        """
        import os, signal, sys
        from pathlib import Path
        from voicecoach.history import History

        History(Path(sys.argv[1])).start("quick-start", "Quick start", 300.0)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run([sys.executable, "-c", script, str(path)], timeout=60, check=False)
    assert result.returncode == -signal.SIGKILL
    assert integrity(path) == "ok"
    (session,) = History(path).recent(5)
    assert (session.routine_id, session.finished, session.completed) == (
        "quick-start",
        False,
        False,
    )


# -- recording a play ------------------------------------------------------------------------


@pytest.fixture
def script() -> CueScript:
    return compile_routine(
        load_routine(Path(__file__).parent / "data" / "cli" / "stretch-break.yaml")
    )


def test_a_completed_play_is_recorded(path: Path, script: CueScript) -> None:
    warnings: list[str] = []
    done = PlayResult(completed=True, position=script.length, chapter=len(script.chapters) - 1)
    assert record_play(History(path), script, lambda: done, warnings.append) is done
    (session,) = History(path).recent(5)
    assert (session.routine_id, session.routine_name) == ("stretch-break", script.routine_name)
    assert session.completed
    assert session.reached_seconds == session.total_seconds == script.duration
    assert session.chapter == script.chapters[-1].title
    assert warnings == []


def test_a_play_stopped_with_ctrl_c_records_how_far_it_got(path: Path, script: CueScript) -> None:
    position = script.chapters[1].start + 1000
    stop = PlaybackInterrupted(PlayResult(completed=False, position=position, chapter=1))

    def play() -> PlayResult:
        raise stop

    with pytest.raises(PlaybackInterrupted):
        record_play(History(path), script, play, print)
    (session,) = History(path).recent(5)
    assert session.finished and not session.completed
    assert session.reached_seconds == to_seconds(position)
    assert session.chapter == script.chapters[1].title


def test_a_play_is_recorded_with_its_options_and_told_for_its_check_in(
    path: Path, script: CueScript
) -> None:
    told: list[int] = []
    quit_early = PlayResult(completed=False, position=10, chapter=None)
    options: dict[str, OptionValue] = {"hold": 20.0, "voice": "espeak:x", "explain": False}
    record_play(History(path), script, lambda: quit_early, print, options, told.append)
    (session,) = History(path).recent(5)
    assert told == [session.id]  # ended normally: it may check in
    assert session.options == options

    def play() -> PlayResult:
        raise PlaybackInterrupted(PlayResult(completed=False, position=10, chapter=None))

    with pytest.raises(PlaybackInterrupted):
        record_play(History(path), script, play, print, options, told.append)
    assert len(History(path).recent(5)) == 2
    assert told == [session.id]  # Ctrl-C: recorded, never asked


def test_a_play_quit_before_the_first_exercise_has_no_chapter(
    path: Path, script: CueScript
) -> None:
    quit_early = PlayResult(completed=False, position=10, chapter=None)
    record_play(History(path), script, lambda: quit_early, print)
    (session,) = History(path).recent(5)
    assert (session.completed, session.chapter) == (False, None)


def test_a_play_that_never_started_leaves_no_session(path: Path, script: CueScript) -> None:
    History(path).recent(1)

    def play() -> PlayResult:
        raise AudioDeviceError("no sound device")

    with pytest.raises(AudioDeviceError):
        record_play(History(path), script, play, print)
    assert History(path).recent(5) == []


def test_a_device_lost_mid_session_records_how_far_it_got(path: Path, script: CueScript) -> None:
    position = script.chapters[2].start + 500
    lost = AudioDeviceLost(
        "the sound device stopped playing mid-session",
        PlayResult(completed=False, position=position, chapter=2),
    )

    def play() -> PlayResult:
        raise lost

    with pytest.raises(AudioDeviceLost) as caught:
        record_play(History(path), script, play, print)
    assert caught.value is lost
    (session,) = History(path).recent(5)
    assert session.finished and not session.completed
    assert session.reached_seconds == to_seconds(position)
    assert session.chapter == script.chapters[2].title


def test_a_device_lost_during_the_first_cue_has_no_chapter(path: Path, script: CueScript) -> None:
    lost = AudioDeviceLost("lost", PlayResult(completed=False, position=300, chapter=None))

    def play() -> PlayResult:
        raise lost

    with pytest.raises(AudioDeviceError):
        record_play(History(path), script, play, print)
    (session,) = History(path).recent(5)
    assert (session.finished, session.completed, session.chapter) == (True, False, None)
    assert session.reached_seconds == to_seconds(300)


def test_a_broken_history_never_stops_a_session(path: Path, script: CueScript) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database" * 100)
    warnings: list[str] = []
    done = PlayResult(completed=True, position=script.length, chapter=0)
    assert record_play(History(path), script, lambda: done, warnings.append) is done
    assert len(warnings) == 1
    assert warnings[0].startswith(
        f"this session was not recorded: the history database at {path} is damaged"
    )


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another writer holding the history's write lock until its connection is closed."""
    History(path).recent(1)
    holder = sqlite3.connect(path, isolation_level=None, timeout=5)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_locked_history_does_not_delay_the_start(path: Path, script: CueScript) -> None:
    holder = hold_write_lock(path)
    began = time.monotonic()
    started: list[float] = []
    done = PlayResult(completed=True, position=script.length, chapter=0)

    def play() -> PlayResult:
        started.append(time.monotonic() - began)
        holder.rollback()  # the other writer finishes while the session plays
        holder.close()
        return done

    warnings: list[str] = []
    try:
        assert record_play(History(path), script, play, warnings.append) is done
    finally:
        holder.close()
    assert started[0] < 1.0  # the lock's wait is BUSY_TIMEOUT_SECONDS (30 s)
    assert warnings == []
    (session,) = History(path).recent(5)
    assert session.completed


def test_a_history_locked_for_the_whole_session_only_loses_its_record(
    path: Path, script: CueScript, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history, "BUSY_TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(history, "START_WAIT_SECONDS", 5.0)
    holder = hold_write_lock(path)
    began = time.monotonic()
    started: list[float] = []
    done = PlayResult(completed=True, position=script.length, chapter=0)

    def play() -> PlayResult:
        started.append(time.monotonic() - began)
        return done

    warnings: list[str] = []
    try:
        assert record_play(History(path), script, play, warnings.append) is done
    finally:
        holder.close()
    assert started[0] < 0.5
    (warning,) = warnings
    assert warning.startswith(f"this session was not recorded: the history at {path} stayed busy")
    assert History(path).recent(5) == []


def test_a_start_row_still_being_written_is_waited_for_only_so_long(
    path: Path, script: CueScript, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history, "START_WAIT_SECONDS", 0.5)
    holder = hold_write_lock(path)  # the start's write waits 30 s; the end will not
    warnings: list[str] = []
    began = time.monotonic()
    try:
        record_play(
            History(path), script, lambda: PlayResult(True, script.length, 0), warnings.append
        )
    finally:
        holder.close()
    assert time.monotonic() - began < 5.0
    (warning,) = warnings
    assert "stayed busy for 0.5 seconds" in warning


def test_no_history_just_plays(script: CueScript) -> None:
    done = PlayResult(completed=True, position=script.length, chapter=0)
    assert record_play(None, script, lambda: done, print) is done


# -- a real play, through a private sound server ----------------------------------------------

SHORT = "name: Short\nexercises:\n  - name: First\n    hold: 2s\n    lead_in: 0\n"
LONG = SHORT + "    rest: 0\n  - name: Long hold\n    hold: 60s\n    lead_in: 0\n"


def play_in_child(
    server: audio_env.PulseServer, tmp_path: Path, text: str
) -> tuple[list[str], dict[str, str], Path]:
    """The command, environment and history file for ``voicecoach play`` of ``text``."""
    routine = tmp_path / "short.yaml"
    routine.write_text(text)
    env = dict(server.env)
    for name in ("VOICECOACH_CONFIG_DIR", "VOICECOACH_CACHE_DIR"):
        env[name] = os.environ[name]
    env["VOICECOACH_DATA_DIR"] = str(tmp_path / "data")
    command = [sys.executable, "-m", "voicecoach", "play", str(routine)]
    return command, env, tmp_path / "data" / "history.sqlite3"


@pytest.mark.audio
@pytest.mark.engine
@pytest.mark.slow
def test_a_real_play_is_recorded_as_completed(pulse: audio_env.PulseServer, tmp_path: Path) -> None:
    command, env, path = play_in_child(pulse, tmp_path, SHORT)
    done = subprocess.run(
        command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    (session,) = History(path).recent(5)
    assert (session.routine_id, session.routine_name) == ("short", "Short")
    assert session.completed
    assert session.reached_seconds == session.total_seconds > 2.0
    assert session.chapter == "First"


@pytest.mark.audio
@pytest.mark.engine
@pytest.mark.slow
def test_ctrl_c_in_a_real_play_records_how_far_it_got(
    pulse: audio_env.PulseServer, tmp_path: Path, children: list[subprocess.Popen[str]]
) -> None:
    command, env, path = play_in_child(pulse, tmp_path, LONG)
    with pulse.recording() as recording:
        child = start_child(command, env, children)
        recording.wait_for_sound(timeout=120)
        (started,) = History(path).recent(5)
        assert not started.finished
        time.sleep(3)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    (session,) = History(path).recent(5)
    assert session.finished and not session.completed
    assert 0 < session.reached_seconds < session.total_seconds
    assert session.chapter in ("First", "Long hold")


# -- the command -----------------------------------------------------------------------------


@pytest.fixture
def user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("VOICECOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VOICECOACH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield tmp_path
    monkeypatch.undo()
    time.tzset()


def test_history_command_shows_sessions_week_and_streak(
    user_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = Clock(datetime(2020, 1, 1, tzinfo=UTC))
    old = History(user_dirs / "data" / "history.sqlite3", clock)
    add(old, clock, datetime(2020, 3, 2, 7, 5, tzinfo=UTC))
    add(old, clock, datetime(2020, 3, 3, 7, 5, tzinfo=UTC), completed=False)
    code, out, err = run_main(["history"], capsys)
    assert (code, err) == (0, "")
    assert out == (
        "Recent sessions:\n"
        '  Tue 2020-03-03 07:05  Lower back essentials  stopped at 3:20 of 10:00 in "Bird dog"\n'
        "  Mon 2020-03-02 07:05  Lower back essentials  completed (10:00)\n"
        "This week: 0 of 4\n"
        "Streak: 0 weeks in a row\n"
    )
    code, out, err = run_main(["history", "--limit", "1", "--target", "2"], capsys)
    assert (code, err) == (0, "")
    assert out.splitlines()[1:] == [
        '  Tue 2020-03-03 07:05  Lower back essentials  stopped at 3:20 of 10:00 in "Bird dog"',
        "This week: 0 of 2",
        "Streak: 0 weeks in a row",
    ]


def test_history_command_counts_this_week_against_the_setting(
    user_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = History(user_dirs / "data" / "history.sqlite3")
    for _ in range(2):
        now.finish(now.start("quick-start", "Quick start", 300.0), True, 300.0, None)
    (user_dirs / "config").mkdir()
    (user_dirs / "config" / "settings.toml").write_text("weekly_target = 2\n")
    code, out, err = run_main(["history"], capsys)
    assert (code, err) == (0, "")
    assert out.splitlines()[-2:] == ["This week: 2 of 2", "Streak: 1 week in a row"]
    code, out, err = run_main(["history", "--target", "3"], capsys)
    assert out.splitlines()[-2:] == ["This week: 2 of 3", "Streak: 0 weeks in a row"]


def test_history_command_rejects_a_bad_target(
    user_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_main(["history", "--target", "0"], capsys)
    assert code == 2
    assert (
        "Invalid value for '--target': '0' is out of range: give a whole number from 1 to 50" in err
    )


def test_history_command_reports_a_damaged_file(
    user_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = user_dirs / "data" / "history.sqlite3"
    path.parent.mkdir()
    path.write_bytes(b"\x00garbage" * 1000)
    code, out, err = run_main(["history"], capsys)
    assert (code, out) == (1, "")
    assert err.startswith(f"Error: the history database at {path} is damaged")
    assert "Move it aside" in err
