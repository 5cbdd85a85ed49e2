"""The check-in after a session: how the back feels and how hard the session was, each
from 0 to 10, asked by voice and on screen when ``voicecoach play`` ends on a terminal, and
kept with the session in the history (for the person, and for their physiotherapist).

One key answers: 0 to 9; 10 is ``1`` then ``0`` (within ``TEN_WINDOW``), or ``t``. What is
typed just after an answer (the Enter a person adds out of habit) is dropped, not taken
for the next answer. Enter skips a question and ``q`` the rest; with no key for
``TIMEOUT`` seconds (the environment variable ``VOICECOACH_CHECK_IN_SECONDS``
changes it) the check-in ends, so a person who walked away never keeps the command
running. Ctrl-C ends it like any command: the session is recorded by then. Only a
terminal is asked (stdin and stdout both, in the foreground): a piped or scripted
``play`` never waits for an answer.

The questions are spoken in the routine's language by the session's voice (its speech
source, whose cache the questions were put in with the session's phrases), through a
stream of their own on the default sound device, the one the session played through.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Protocol

from voicecoach.errors import HistoryError, VoicecoachError

if TYPE_CHECKING:
    from voicecoach.audio.samples import Audio
    from voicecoach.audio.session import PreparedSession
    from voicecoach.history import History
    from voicecoach.play.outcome import Output
    from voicecoach.play.stream import Feed

TIMEOUT = 30.0
"""Seconds without a key after which the check-in ends."""
TIMEOUT_ENV = "VOICECOACH_CHECK_IN_SECONDS"
MAX_TIMEOUT = 600.0
TICK = 0.1
"""Longest wait on the terminal between checks that it is still there."""
TEN_WINDOW = 0.8
"""Seconds after a ``1`` in which a ``0`` makes it 10."""
GRACE = 0.5
"""Seconds after an answer whose keys are dropped."""
HINT = "0-10, Enter skips"
TEN = "tT"
SKIP = "\r\n"
QUIT = "qQ"


@dataclass(frozen=True)
class Answers:
    """What the person said; None for a question skipped or never asked."""

    pain: int | None = None
    effort: int | None = None

    @property
    def given(self) -> bool:
        return self.pain is not None or self.effort is not None


@dataclass(frozen=True)
class Reply:
    """One question's answer: its ``value`` (None: none), whether to ``go_on`` to the next
    question, and what the screen shows after the question."""

    value: int | None
    go_on: bool
    shown: str


class Keys(Protocol):
    """A terminal's keys (``play.keys.TerminalControls``)."""

    def wait(self, timeout: float) -> str: ...
    def fileno(self) -> int | None: ...


def timeout() -> float:
    """How long each question waits: ``TIMEOUT``, or the environment's value (bounded)."""
    text = os.environ.get(TIMEOUT_ENV, "")
    try:
        value = float(text) if text.strip() else TIMEOUT
    except ValueError:
        return TIMEOUT
    return min(max(value, TICK), MAX_TIMEOUT) if math.isfinite(value) else TIMEOUT


def read_reply(keys: Keys, seconds: float, clock: Callable[[], float] = time.monotonic) -> Reply:
    """The first key that means something, within ``seconds``; other keys are ignored."""
    deadline = clock() + seconds
    while (left := deadline - clock()) > 0:
        if keys.fileno() is None:  # the terminal hung up: nobody is there to answer
            return Reply(None, False, "")
        typed = keys.wait(min(left, TICK))
        for at, char in enumerate(typed):
            if char == "1":
                after = typed[at + 1 : at + 2] or _next_key(keys, TEN_WINDOW, clock)
                return Reply(10, True, "10") if after == "0" else Reply(1, True, "1")
            if "0" <= char <= "9":
                return Reply(int(char), True, char)
            if char in TEN:
                return Reply(10, True, "10")
            if char in SKIP:
                return Reply(None, True, "skipped")
            if char in QUIT:
                return Reply(None, False, "skipped")
    return Reply(None, False, "no answer")


def _next_key(keys: Keys, seconds: float, clock: Callable[[], float]) -> str:
    """The first key typed within ``seconds`` ("" if none)."""
    deadline = clock() + seconds
    while (left := deadline - clock()) > 0 and keys.fileno() is not None:
        typed = keys.wait(min(left, TICK))
        if typed:
            return typed[0]
    return ""


def drain(keys: Keys, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
    """Drop what is typed within ``seconds``."""
    deadline = clock() + seconds
    while (left := deadline - clock()) > 0 and keys.fileno() is not None:
        keys.wait(min(left, TICK))


class Voice:
    """Says the questions through a stream of its own, opened on the first one; says
    nothing (the screen has the question) without a voice or a sound device."""

    def __init__(
        self,
        speak: Callable[[str], Audio] | None,
        gain: float = 1.0,
        open_output: Callable[[Feed], Output] | None = None,
    ) -> None:
        self._speak = speak
        self._gain = gain
        self._open = open_output
        self._output: Output | None = None

    def say(self, text: str) -> None:
        """Start saying ``text`` (cutting off what was being said); returns at once."""
        if self._speak is None:
            return
        import numpy as np

        from voicecoach.compile.cuescript import SAMPLE_RATE
        from voicecoach.play.ahead import pcm_bytes, to_pcm
        from voicecoach.play.stream import Feed, Stream, StreamError

        try:
            audio = np.asarray(self._speak(text), dtype=np.float32) * np.float32(self._gain)
            if self._output is None:
                self._output = (self._open or Stream.open)(Feed(SAMPLE_RATE))
        except (VoicecoachError, StreamError):
            self._speak = None
            return
        self._output.feed.cut()
        self._output.feed.put(pcm_bytes(to_pcm(audio)), 0, timeout=1.0)

    def hush(self) -> None:
        if self._output is not None:
            self._output.feed.cut()

    def close(self) -> None:
        if self._output is not None:
            self._output.close()
            self._output = None


def _write(screen: IO[str], text: str) -> None:
    with contextlib.suppress(OSError, ValueError):  # a terminal that went away
        screen.write(text)
        screen.flush()


def ask(
    keys: Keys, screen: IO[str], voice: Voice, questions: Sequence[str], seconds: float
) -> Answers:
    """Ask each question (pain, then effort) until one ends the check-in."""
    values: list[int | None] = []
    for question in questions:
        if values:  # the keys typed right after the answer before
            drain(keys, GRACE)
        _write(screen, f"{question} [{HINT}] ")
        try:
            voice.say(question)
            reply = read_reply(keys, seconds)
        except BaseException:
            _write(screen, "\n")  # "Interrupted." goes on a line of its own
            raise
        voice.hush()
        _write(screen, f"{reply.shown}\n")
        values.append(reply.value)
        if not reply.go_on:
            break
    values += [None] * (2 - len(values))
    return Answers(pain=values[0], effort=values[1])


def questions(language: str) -> tuple[str, str]:
    """The pain and effort questions in the routine's ``language``."""
    from voicecoach.compile.phrases import phrases_for

    table = phrases_for(language)
    return table.pain_question, table.effort_question


def wanted(asked: bool, stdin: IO[Any] | None = None, stdout: IO[Any] | None = None) -> bool:
    """Whether to check in after this play: ``asked`` for (the setting or the option), and
    a person at a terminal to answer."""
    from voicecoach.play.keys import in_foreground

    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    return asked and in_foreground(stdin) and in_foreground(stdout)


def check_in(
    session: PreparedSession,
    session_id: int,
    warn: Callable[[str], None],
    *,
    history: History | None = None,
    stdin: IO[Any] | None = None,
    stdout: IO[str] | None = None,
    open_output: Callable[[Feed], Output] | None = None,
) -> Answers:
    """Ask about the session just played (``session_id`` in the history) and record the
    answers; ``warn`` says when they could not be recorded."""
    import termios

    from voicecoach.history import History, scores
    from voicecoach.play.keys import TerminalControls

    stdin = sys.stdin if stdin is None else stdin
    screen = sys.stdout if stdout is None else stdout
    speak = session.speech if session.voice is not None else None
    voice = Voice(speak, session.voice_gain, open_output)
    try:
        with TerminalControls(stdin.fileno()) as terminal:
            with contextlib.suppress(termios.error, OSError):  # keys typed during play
                termios.tcflush(stdin.fileno(), termios.TCIFLUSH)
            answers = ask(terminal, screen, voice, questions(session.script.language), timeout())
    finally:
        voice.close()
    if not answers.given:
        return answers
    history = History() if history is None else history
    try:
        history.check_in(session_id, answers.pain, answers.effort)
    except HistoryError as err:
        warn(f"the check-in was not recorded: {err}")
        return answers
    _write(screen, f"Recorded: {scores(answers.pain, answers.effort)}.\n")
    return answers
