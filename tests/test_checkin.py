"""The check-in after a session: keys read from a real pseudo-terminal, then ``voicecoach
play`` in one, asking by voice through a PulseAudio null sink (marked ``audio``)."""

from __future__ import annotations

import contextlib
import io
import os
import pty
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import audio_env
import numpy as np
import pytest
from test_player import TerminalChild, in_terminal

from voicecoach import checkin
from voicecoach.audio.samples import Audio
from voicecoach.audio.session import PreparedSession
from voicecoach.compile.compiler import compile_routine
from voicecoach.compile.cuescript import SAMPLE_RATE
from voicecoach.compile.estimate import estimate_speech_samples
from voicecoach.compile.phrases import ENGLISH, GERMAN
from voicecoach.errors import ExitCode
from voicecoach.history import History
from voicecoach.play.ahead import to_pcm
from voicecoach.play.keys import TerminalControls
from voicecoach.play.stream import Feed
from voicecoach.routine.load import load_routine

SR = SAMPLE_RATE
PAIN = ENGLISH.pain_question
EFFORT = ENGLISH.effort_question
SHORT = "name: Short\nexercises:\n  - name: First\n    hold: 2s\n    lead_in: 0\n"


# --- one key from a real terminal ---------------------------------------------------------


@pytest.fixture
def terminal() -> Iterator[tuple[int, int, TerminalControls]]:
    """A pseudo-terminal in cbreak mode: (the side we type into, the terminal, its keys)."""
    master, slave = pty.openpty()
    try:
        with TerminalControls(slave) as keys:
            yield master, slave, keys
    finally:
        os.close(slave)
        with contextlib.suppress(OSError):
            os.close(master)


@pytest.mark.parametrize(
    ("typed", "value", "go_on", "shown"),
    [
        (b"3", 3, True, "3"),
        (b"0", 0, True, "0"),
        (b"t", 10, True, "10"),
        (b"10", 10, True, "10"),
        (b"19", 1, True, "1"),
        (b"\r", None, True, "skipped"),
        (b"q", None, False, "skipped"),
        (b"x? 7", 7, True, "7"),  # keys that mean nothing are passed over
    ],
)
def test_one_key_answers(
    terminal: tuple[int, int, TerminalControls],
    typed: bytes,
    value: int | None,
    go_on: bool,
    shown: str,
) -> None:
    master, _, keys = terminal
    os.write(master, typed)
    began = time.monotonic()
    assert checkin.read_reply(keys, 10.0) == checkin.Reply(value, go_on, shown)
    assert time.monotonic() - began < 2.0  # at once, not at the timeout


def test_ten_is_a_one_then_a_zero_within_a_moment(
    terminal: tuple[int, int, TerminalControls],
) -> None:
    master, _, keys = terminal
    os.write(master, b"1")
    threading.Timer(0.2, os.write, (master, b"0")).start()
    assert checkin.read_reply(keys, 10.0) == checkin.Reply(10, True, "10")
    os.write(master, b"1")  # and nothing after it: 1, once the moment has passed
    began = time.monotonic()
    assert checkin.read_reply(keys, 10.0) == checkin.Reply(1, True, "1")
    assert checkin.TEN_WINDOW <= time.monotonic() - began < checkin.TEN_WINDOW + 2.0


def test_no_key_ends_the_check_in_at_the_timeout(
    terminal: tuple[int, int, TerminalControls],
) -> None:
    _, _, keys = terminal
    began = time.monotonic()
    assert checkin.read_reply(keys, 0.5) == checkin.Reply(None, False, "no answer")
    assert 0.5 <= time.monotonic() - began < 3.0


def test_a_terminal_that_hangs_up_ends_it_at_once() -> None:
    master, slave = pty.openpty()
    try:
        with TerminalControls(slave) as keys:
            os.close(master)
            began = time.monotonic()
            assert checkin.read_reply(keys, 20.0) == checkin.Reply(None, False, "")
            assert time.monotonic() - began < 3.0
    finally:
        os.close(slave)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("", 30.0), ("0.5", 0.5), ("soon", 30.0), ("nan", 30.0), ("-4", 0.1), ("1e9", 600.0)],
)
def test_the_timeout_comes_from_the_environment_within_bounds(
    value: str, seconds: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(checkin.TIMEOUT_ENV, value)
    assert checkin.timeout() == seconds


class RecordingFeed(Feed):
    """A feed that notes what the check-in puts in it."""

    def __init__(self, rate: int) -> None:
        super().__init__(rate)
        self.put_samples: list[int] = []

    def put(
        self,
        data: bytes,
        at: int,
        moves: bool = True,
        generation: int | None = None,
        timeout: float = 0.1,
    ) -> bool:
        self.put_samples.append(len(data) // 2)
        return super().put(data, at, moves, generation, timeout)


class FakeOutput:
    """The sound device, for the logic only: holds the feed, notes that it was closed."""

    def __init__(self, feed: Feed) -> None:
        self.feed = feed
        self.latency = 0.0
        self.closed = False

    def problem(self) -> str | None:
        return None

    def close(self) -> None:
        self.closed = True


def tone(text: str) -> Audio:
    """A clip as long as the text is, so each question's can be told apart."""
    return np.full(len(text) * 100, 0.25, dtype=np.float32)


def test_ask_says_each_question_and_stops_the_voice_at_the_answer(
    terminal: tuple[int, int, TerminalControls],
) -> None:
    master, _, keys = terminal
    outputs: list[FakeOutput] = []

    def open_output(feed: Feed) -> FakeOutput:
        outputs.append(FakeOutput(RecordingFeed(feed.rate)))
        return outputs[-1]

    voice = checkin.Voice(tone, 1.0, open_output)
    screen = io.StringIO()
    os.write(master, b"4\r")  # the Enter after the answer does not skip the next question
    threading.Timer(checkin.GRACE + 0.5, os.write, (master, b"6")).start()
    answers = checkin.ask(keys, screen, voice, (PAIN, EFFORT), 5.0)
    voice.close()
    assert answers == checkin.Answers(pain=4, effort=6)
    assert screen.getvalue() == (f"{PAIN} [0-10, Enter skips] 4\n{EFFORT} [0-10, Enter skips] 6\n")
    (output,) = outputs  # one stream for both questions
    assert isinstance(output.feed, RecordingFeed)
    assert output.feed.put_samples == [len(PAIN) * 100, len(EFFORT) * 100]
    assert output.feed.queued() == 0  # cut off at the answer
    assert output.closed


def test_without_a_voice_the_questions_are_on_screen_only(
    terminal: tuple[int, int, TerminalControls],
) -> None:
    master, _, keys = terminal

    def no_device(feed: Feed) -> FakeOutput:
        raise AssertionError("a session without a voice opened the sound device")

    voice = checkin.Voice(None, 1.0, no_device)
    os.write(master, b"q")
    assert checkin.ask(keys, io.StringIO(), voice, (PAIN, EFFORT), 5.0) == checkin.Answers()


def test_the_questions_follow_the_routine_language() -> None:
    assert checkin.questions("en") == (
        "How does your back feel, from 0 (no pain) to 10?",
        "How hard did the session feel, from 0 (easy) to 10?",
    )
    assert checkin.questions("de-AT") == (GERMAN.pain_question, GERMAN.effort_question)


def test_only_a_terminal_on_stdin_and_stdout_is_asked() -> None:
    read, write = os.pipe()
    with os.fdopen(read) as stdin, os.fdopen(write, "w") as stdout:
        assert not checkin.wanted(True, stdin, stdout)
    assert not checkin.wanted(False)  # never when turned off, whatever the streams


# --- the whole check-in on a terminal, recorded ------------------------------------------


class Screen:
    """What a pseudo-terminal shows, read on a thread, and waited for with a bound."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.text = ""
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 4096)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self.text += data.decode("utf-8", "replace")

    def wait_for(self, part: str, count: int = 1, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.text.count(part) < count:
            assert time.monotonic() < deadline, f"{part!r} not shown: {self.text!r}"
            time.sleep(0.01)


def small_session(tmp_path: Path) -> PreparedSession:
    routine = tmp_path / "short.yaml"
    routine.write_text(SHORT)
    script = compile_routine(load_routine(routine), estimate_speech_samples)
    return PreparedSession(script, tone, tone, voice="test:tone")


def answer_on(screen: Screen, master: int, steps: list[tuple[str, bytes]]) -> threading.Thread:
    """Type each key once its question is on the screen (as a person would)."""

    def run() -> None:
        for number, (question, key) in enumerate(steps, start=1):
            screen.wait_for(question, count=sum(1 for q, _ in steps[:number] if q == question))
            os.write(master, key)

    typist = threading.Thread(target=run, daemon=True)
    typist.start()
    return typist


def test_check_in_records_the_answers_with_the_session(tmp_path: Path) -> None:
    history = History(tmp_path / "history.sqlite3")
    session_id = history.start("short", "Short", 3.0)
    history.finish(session_id, True, 3.0, "First")
    master, slave = pty.openpty()
    screen = Screen(master)
    os.write(master, b"9")  # typed during the session: never taken for an answer
    time.sleep(0.1)
    typist = answer_on(screen, master, [(PAIN, b"2"), (EFFORT, b"t")])
    try:
        with os.fdopen(slave, "r", closefd=False) as stdin:
            stdout: IO[str] = os.fdopen(slave, "w", closefd=False)
            warnings: list[str] = []
            answers = checkin.check_in(
                small_session(tmp_path),
                session_id,
                warnings.append,
                history=history,
                stdin=stdin,
                stdout=stdout,
                open_output=FakeOutput,
            )
        typist.join(10)
        screen.wait_for("Recorded: pain 2, effort 10.")
    finally:
        os.close(slave)
        os.close(master)
    assert answers == checkin.Answers(pain=2, effort=10)
    assert warnings == []
    (session,) = history.recent(1)
    assert (session.pain, session.effort, session.completed) == (2, 10, True)


def test_nothing_answered_records_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(checkin.TIMEOUT_ENV, "0.5")
    history = History(tmp_path / "history.sqlite3")
    session_id = history.start("short", "Short", 3.0)
    master, slave = pty.openpty()
    screen = Screen(master)
    typist = answer_on(screen, master, [(PAIN, b"\r")])
    try:
        with os.fdopen(slave, "r", closefd=False) as stdin:
            began = time.monotonic()
            answers = checkin.check_in(
                small_session(tmp_path),
                session_id,
                print,
                history=history,
                stdin=stdin,
                stdout=os.fdopen(slave, "w", closefd=False),
                open_output=FakeOutput,
            )
            # Enter skipped the first question; the second timed out.
            took = time.monotonic() - began
        typist.join(10)
        screen.wait_for(f"{EFFORT} [0-10, Enter skips] no answer")
    finally:
        os.close(slave)
        os.close(master)
    assert answers == checkin.Answers()
    assert "Recorded" not in screen.text
    assert 0.5 <= took < 10.0
    (session,) = history.recent(1)
    assert (session.pain, session.effort) == (None, None)


# --- voicecoach play on a terminal, through a real sound server ----------------------------


@pytest.fixture(scope="module")
def sound_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[audio_env.PulseServer]:
    audio_env.skip_without_pulse()
    with audio_env.pulse_server(tmp_path_factory.mktemp("pulse")) as server:
        yield server


def play_command(
    server: audio_env.PulseServer, tmp_path: Path, *options: str, seconds: float = 20.0
) -> tuple[list[str], dict[str, str], History]:
    routine = tmp_path / "short.yaml"
    routine.write_text(SHORT)
    env = dict(server.env)
    for name in ("VOICECOACH_CONFIG_DIR", "VOICECOACH_CACHE_DIR"):
        env[name] = os.environ[name]
    env["VOICECOACH_DATA_DIR"] = str(tmp_path / "data")
    env[checkin.TIMEOUT_ENV] = str(seconds)
    command = [sys.executable, "-m", "voicecoach", "play", str(routine), *options]
    return command, env, History(tmp_path / "data" / "history.sqlite3")


def wait_shown(child: TerminalChild, part: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while part not in child.text():
        assert child.process.poll() is None, child.text()
        assert time.monotonic() < deadline, f"{part!r} not shown: {child.text()!r}"
        time.sleep(0.01)


@pytest.mark.audio
@pytest.mark.engine
def test_play_asks_by_voice_and_records_the_answers(
    sound_server: audio_env.PulseServer, tmp_path: Path
) -> None:
    from voicecoach.audio.speech import Speech

    command, env, history = play_command(sound_server, tmp_path)
    with sound_server.recording() as recording, in_terminal(command, env) as child:
        wait_shown(child, PAIN)
        shown_at = recording.index_at(time.monotonic())
        heard = recording.wait_for_sound(shown_at, timeout=10)
        (session,) = history.recent(1)  # recorded before the first question
        assert session.completed and session.pain is None
        time.sleep(1.0)
        child.press(b"3")
        wait_shown(child, EFFORT)
        child.press(b"t")
        assert child.process.wait(30) == 0
        assert termios.tcgetattr(child.slave) == child.before
        samples = recording.samples()
    # The question was said by the session's voice (its clip, from the speech cache).
    said = to_pcm(Speech().for_language("en").clip(PAIN))
    match = audio_env.locate(samples, said[: SR // 2], heard, SR // 2)
    assert match.exact, f"not the question's clip: correlation {match.correlation:.3f}"
    print(f"question heard {(heard - shown_at) / SR * 1000:.0f} ms after it was shown")
    (session,) = history.recent(1)
    assert (session.pain, session.effort, session.completed) == (3, 10, True)
    assert session.options is not None and session.options["voice"] != "default"
    text = child.text()
    assert "Recorded: pain 3, effort 10." in text and "Traceback" not in text


@pytest.mark.audio
@pytest.mark.engine
def test_enter_and_the_timeout_skip_and_ctrl_c_exits_cleanly(
    sound_server: audio_env.PulseServer, tmp_path: Path
) -> None:
    command, env, history = play_command(sound_server, tmp_path, seconds=1.5)
    with in_terminal(command, env) as child:
        wait_shown(child, PAIN)
        child.press(b"\r")
        wait_shown(child, EFFORT)
        began = time.monotonic()
        assert child.process.wait(30) == 0
        waited = time.monotonic() - began
    assert 1.0 < waited < 10.0
    assert f"{EFFORT} [0-10, Enter skips] no answer" in child.text()
    (session,) = history.recent(1)
    assert session.completed and (session.pain, session.effort) == (None, None)

    command, env, history = play_command(sound_server, tmp_path, seconds=60)
    with in_terminal(command, env) as child:
        wait_shown(child, PAIN)
        child.press(b"\x03")
        assert child.process.wait(30) == ExitCode.CTRL_C
        assert termios.tcgetattr(child.slave) == child.before
    text = child.text()
    assert "Interrupted." in text and "Traceback" not in text
    latest, _ = history.recent(2)
    assert latest.completed and latest.pain is None  # recorded before it asked


@pytest.mark.audio
@pytest.mark.engine
@pytest.mark.parametrize("how", ["option", "setting", "piped"])
def test_no_check_in_when_turned_off_or_piped(
    sound_server: audio_env.PulseServer, tmp_path: Path, how: str
) -> None:
    options = ("--no-check-in",) if how == "option" else ()
    command, env, history = play_command(sound_server, tmp_path, *options, seconds=60)
    if how == "setting":
        config = tmp_path / "config"
        config.mkdir()
        (config / "settings.toml").write_text("check_in = false\n")
        env["VOICECOACH_CONFIG_DIR"] = str(config)
    began = time.monotonic()
    if how == "piped":
        done = subprocess.run(
            command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        text = done.stdout + done.stderr
    else:
        with in_terminal(command, env) as child:
            assert child.process.wait(120) == 0
            text = child.text()
    assert time.monotonic() - began < 60  # it never waited for an answer
    assert "How does your back feel" not in text and "Traceback" not in text
    (session,) = history.recent(1)
    assert session.completed and session.pain is None
