"""Live playback: the rendered session fed, sample for sample, into one output stream.

The whole session plays through ONE continuous PortAudio stream (``voicecoach.play.stream``),
opened once and kept running to the end, so what you hear is the export: a sound device
that starts late delays the whole session, never one part of it against another. A
background thread (``voicecoach.play.ahead``) renders the session a few seconds ahead into the
stream's feed, each chunk tagged with its script position, and the stream reports when
each sample is heard. When the sound has to wait for the program (a machine too slow to
load before the stored opening ends, or to render in time), a warning says by how much
the rest of the session is late; every cue stays whole, as the opening ends in a silence.
A pause drops what is queued (the device plays out the fraction of a second it holds) and
the stream plays silence; resuming feeds a short silence, the resume chime and a moment
to get back into position, then the session from where it stopped. ``n`` and ``b`` feed a
short silence and the session from the exercise they land on.

The session opens with a short silence and then its *opening*, the first ten seconds or so
up to a silence. When the quick start (``warmstart``) already has this command's stored
opening playing in the stream, the player checks it is the same, sample for sample, and
feeds what follows it; a stale one is cut off and the session starts from its beginning.
"""

from __future__ import annotations

import contextlib
import shlex
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Protocol

import numpy as np

from voicecoach.audio.samples import Audio, Pcm
from voicecoach.compile.cuescript import SAMPLE_RATE, CueScript
from voicecoach.errors import AudioDeviceError, Interrupted
from voicecoach.play.ahead import (
    TICK,
    Renderer,
    pcm_bytes,
    silence,
    take_samples,
    to_pcm,
)
from voicecoach.play.keys import Controls, NoControls, StatusLine
from voicecoach.play.position import (
    MIN_CUT_GAP,
    chapter_at,
    cut_points,
    next_chapter_start,
    opening_end,
    resume_point,
    status_text,
    this_chapter_start,
)
from voicecoach.play.stream import Feed, Stream, StreamError

if TYPE_CHECKING:
    from pathlib import Path

    from voicecoach.play.warmstart import Launch

ClipSource = Callable[[str], Audio]
ChunkSource = Callable[[int], Iterator[Audio]]
Clock = Callable[[], float]

LEAD_IN = 0.1
"""Seconds of silence before the first cue, for a device that is still waking up: a stream
opened first thing by the quick start, on a PulseAudio server with its default settings,
lost up to 70 ms of its start here (0.05 s clipped the routine's name). Short, because the
first word should come within 0.3 s of the command."""
RESUME_BEFORE = 0.3
RESUME_CHIME = "next"
RESUME_AFTER = 2.0
"""On resume: a short silence, the resume chime, then a moment to get back into position."""
SEEK_SILENCE = 0.3
"""Silence before the audio a skip (``n``/``b``) lands on."""

CHUNK = 4096

STATUS_EVERY = 0.25
DRAIN_WAIT = 1.0
"""How long, beyond the device's latency, the end of the session may take to be heard."""
GAP = 0.02
"""A wait for the program this long (seconds: the promise's tolerance) is reported."""
GAP_EVERY = 5.0
"""At most one such report in this many seconds."""


def export_hint(routine: str) -> str:
    """What to do without a sound device, naming the routine as the user did."""
    return (
        "to listen without it, write the session to a file: "
        f"`voicecoach export {shlex.quote(routine)} -o session.mp3`"
    )


@dataclass(frozen=True)
class PlayResult:
    """How far a session got: for the history and for resuming later."""

    completed: bool
    position: int
    """Samples of the script reached (``script.length`` when completed)."""
    chapter: int | None
    """Index into ``script.chapters`` of the exercise reached; None before the first."""


class PlaybackInterrupted(Interrupted):
    """Ctrl-C during playback, carrying how far the session got."""

    def __init__(self, result: PlayResult) -> None:
        super().__init__()
        self.result = result


class AudioDeviceLost(AudioDeviceError):
    """The sound device failed after part of the session had played, carrying how far it
    got, so the history records the session as stopped there rather than never played."""

    def __init__(self, message: str, result: PlayResult) -> None:
        super().__init__(message)
        self.result = result


class Output(Protocol):
    """The one stream a session plays through (``stream.Stream``, or a fake in tests)."""

    feed: Feed
    latency: float

    def problem(self) -> str | None: ...

    def close(self) -> None: ...


def open_output(feed: Feed, routine: str) -> Stream:
    """The default output device, started, playing ``feed``; AudioDeviceError if none."""
    try:
        return Stream.open(feed)
    except StreamError as err:
        raise AudioDeviceError(f"{err}; {export_hint(routine)}") from err


# --- the player -------------------------------------------------------------------------


class Player:
    """Plays ``script`` from ``source`` (render chunks from a position) into ``output``.

    ``controls`` gives keys, ``clock`` the time and ``status`` shows the status line; all
    are injectable, and ``output`` is any object with a ``Feed``, so the logic is tested
    without a sound card or a terminal. Without an ``output``, ``connect`` opens one for a
    feed that already holds the opening (so the device starts with the session, not with
    a buffer of silence). ``opening`` is what the output is already playing (the quick
    start's stored opening), checked against the render before it is kept;
    ``keep_opening`` is given the opening played when it was not that one.
    """

    def __init__(
        self,
        script: CueScript,
        source: ChunkSource,
        output: Output | None,
        *,
        connect: Callable[[Feed], Output] | None = None,
        resume_cue: Pcm | None = None,
        controls: Controls | None = None,
        status: Callable[[str], None] | None = None,
        clock: Clock = time.monotonic,
        lead_in: float = LEAD_IN,
        routine: str | None = None,
        opening: bytes | None = None,
        keep_opening: Callable[[bytes, int], None] | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.script = script
        self._hint = export_hint(routine or script.routine_id)
        self._source = source
        self._output = output
        self._connect = connect
        self._feed = output.feed if output is not None else Feed(SAMPLE_RATE)
        self._controls = controls or NoControls()
        self._status = status
        self._clock = clock
        self._lead_in = silence(lead_in)
        cue = resume_cue if resume_cue is not None else np.zeros(0, dtype=np.int16)
        self._resume_cue = np.concatenate([silence(RESUME_BEFORE), cue, silence(RESUME_AFTER)])
        self._cuts = cut_points(script, round(MIN_CUT_GAP * SAMPLE_RATE))
        self._renderer: Renderer | None = None
        self._paused_at: int | None = None
        self._drained_at: float | None = None
        self._last_status = -1.0
        self._opening = opening
        self._keep_opening = keep_opening
        self.took_over = False
        """Whether the opening already playing was this session's own and was kept."""
        self._warn = warn
        self._gaps_told = 0  # samples of the feed's ``starved`` already reported
        self._gap_told_at: float | None = None

    def position(self) -> int:
        """The script sample being heard now."""
        if self._paused_at is not None:
            return self._paused_at
        return min(self._feed.heard(), self.script.length)

    def run(self) -> PlayResult:
        """Play to the end or until ``q``; Ctrl-C raises PlaybackInterrupted, and a device
        that fails once some of the session has played raises AudioDeviceLost."""
        try:
            self._open()
            return self._loop()
        except KeyboardInterrupt as interrupt:
            raise PlaybackInterrupted(self._result(False)) from interrupt
        except AudioDeviceError as err:
            reached = self._result(False)
            if reached.position > 0 and not isinstance(err, AudioDeviceLost):
                raise AudioDeviceLost(str(err), reached) from err
            raise
        finally:
            self._feed.cut()  # first: a render waiting for room wakes and ends at once
            self._stop_renderer()
            if self._output is not None:
                self._output.close()

    def _result(self, completed: bool) -> PlayResult:
        position = self.script.length if completed else self.position()
        return PlayResult(completed, position, chapter_at(self.script, position))

    def _open(self) -> None:
        """Start the session: the lead-in and the opening, or go on after the same opening
        already playing (a stale one is cut off and replaced)."""
        chunks = self._source(0)
        first, rest = take_samples(chunks, opening_end(self.script, self._cuts))
        samples = pcm_bytes(np.concatenate([self._lead_in, first]))
        lead = len(self._lead_in)
        opening, self._opening = self._opening, None
        if opening is not None and opening == samples:
            self.took_over = True
        else:
            if opening is not None:
                self._feed.cut()
            self._feed.put(samples, -lead, generation=self._feed.generation)
            if self._keep_opening is not None and len(first):
                self._keep_opening(samples, lead)
        if self._output is None:
            assert self._connect is not None, "a Player needs an output or a way to open one"
            self._output = self._connect(self._feed)
        self._renderer = Renderer(self._feed, chunks, rest, len(first), self.script.length)
        self._show(force=True)

    def _loop(self) -> PlayResult:
        while True:
            self._check()
            self._tell_gaps()
            if self._paused_at is None and self._ended():
                return self._result(True)
            keys = self._controls.wait(TICK)
            if self._handle(keys):
                return self._result(False)
            self._show(force=bool(keys))

    def _check(self) -> None:
        """Raise what went wrong: the device, or the render."""
        problem = self._output.problem() if self._output is not None else None
        if problem is not None:
            raise AudioDeviceError(f"{problem}; {self._hint}")
        if self._renderer is not None and self._renderer.error is not None:
            raise self._renderer.error

    def _tell_gaps(self) -> None:
        """Say so when the sound had to wait for the program (a machine too busy to render
        in time, or slower to load than the quick start's opening lasts): from there on the
        session is heard that much later than the export, though every cue stays whole."""
        gap = self._feed.starved - self._gaps_told
        now = self._clock()
        if self._warn is None or gap < round(GAP * SAMPLE_RATE) or not self._feed.queued():
            return
        if self._gap_told_at is not None and now - self._gap_told_at < GAP_EVERY:
            return
        self._gaps_told += gap
        self._gap_told_at = now
        seconds = round(self.position() / SAMPLE_RATE)
        self._warn(
            f"the sound waited {gap / SAMPLE_RATE:.2f} s for the program near "
            f"{seconds // 60}:{seconds % 60:02d} (a busy or slow computer): from there on "
            "the session is that much later than the export"
        )

    def _ended(self) -> bool:
        """Whether the last sample has been heard (or should have been, by a bound)."""
        if self._renderer is not None and not self._renderer.done.is_set():
            return False
        if self._feed.queued():
            return False
        now = self._clock()
        if self._drained_at is None:
            self._drained_at = now
        if self._feed.heard() >= self.script.length:
            return True
        latency = self._output.latency if self._output is not None else 0.0
        return now > self._drained_at + latency + DRAIN_WAIT

    def _stop_renderer(self) -> None:
        if self._renderer is not None:
            self._renderer.stop()
            self._renderer = None

    def _begin(self, start: int, prelude: Pcm) -> None:
        """Play ``prelude`` now and the session from ``start`` right after it."""
        self._feed.cut()
        self._stop_renderer()
        self._feed.put(pcm_bytes(prelude), start, moves=False, generation=self._feed.generation)
        self._paused_at = None
        self._drained_at = None
        self._renderer = Renderer(self._feed, self._source(start), None, start, self.script.length)
        self._show(force=True)

    def _handle(self, keys: str) -> bool:
        """Act on typed keys; True to quit."""
        for key in keys:
            if key == "\x03":
                raise KeyboardInterrupt
            if key in "qQ":
                return True
            if key == " ":
                if self._paused_at is None:
                    self._pause()
                else:
                    self._begin(self._paused_at, self._resume_cue)
            elif key in "nN":
                self._seek(next_chapter_start(self.script, self.position()))
            elif key in "bB":
                self._seek(this_chapter_start(self.script, self.position()))
        return False

    def _pause(self) -> None:
        """Stop feeding: the sound stops once the device has played what it holds, and
        the session goes on from there (or from the start of a cue cut off)."""
        stopped = min(max(self._feed.cut(), 0), self.script.length)
        self._stop_renderer()
        self._paused_at = resume_point(self.script, stopped)
        self._show(force=True)

    def _seek(self, target: int) -> None:
        self._begin(min(target, self.script.length), silence(SEEK_SILENCE))

    def _show(self, force: bool = False) -> None:
        if self._status is None:
            return
        now = self._clock()
        if not force and now - self._last_status < STATUS_EVERY:
            return
        self._last_status = now
        self._status(status_text(self.script, self.position(), self._paused_at is not None))


def _warn(screen: IO[str], status: StatusLine | None, message: str) -> None:
    """A warning line during play, above the status line (which the next tick redraws)."""
    if status is not None:
        status.clear()
    with contextlib.suppress(OSError, ValueError):  # a terminal that went away
        screen.write(f"Warning: {message}\n")
        screen.flush()


def play(
    script: CueScript,
    speech: ClipSource,
    chime: ClipSource,
    *,
    voice_gain: float = 1.0,
    chime_gain: float = 1.0,
    stdin: IO[Any] | None = None,
    stderr: IO[str] | None = None,
    output: Output | None = None,
    routine: str | None = None,
    launch: Launch | None = None,
    made_from: Sequence[Path] = (),
) -> PlayResult:
    """Play ``script`` aloud, rendered as an export would be, with controls on a terminal.

    Keys (when stdin is a terminal in the foreground): space pauses and resumes, ``n``
    skips to the next exercise, ``b`` goes back to the start of this one, ``q`` quits.
    ``routine`` is the routine as the user named it, for the hint to export instead.
    ``launch`` is the quick start's (``warmstart.begin``): its stream, when it opened one
    to play the stored opening, is the one the session plays through; the opening
    played is stored for the next run of the command unless it was that one, with the
    files in ``made_from`` it depends on. ``output`` replaces the sound device (tests).
    Raises AudioDeviceError when there is no usable sound device (AudioDeviceLost, with
    ``.result``, when it fails after some of the session has played), and
    PlaybackInterrupted (a KeyboardInterrupt) on Ctrl-C, after stopping the sound and
    restoring the terminal.
    """
    from voicecoach.audio.render import render
    from voicecoach.play import keys, warmstart

    stdin = sys.stdin if stdin is None else stdin
    stderr = sys.stderr if stderr is None else stderr
    named = routine or script.routine_id
    opening: bytes | None = None
    keep_opening = None
    if launch is not None:
        key, files = launch.key, [str(path) for path in made_from]

        def keep_opening(samples: bytes, lead: int) -> None:
            warmstart.save(key, samples, SAMPLE_RATE, files, lead=lead)

    def source(start: int) -> Iterator[Audio]:
        return render(
            script,
            speech,
            chime,
            start=start,
            chunk=CHUNK,
            voice_gain=voice_gain,
            chime_gain=chime_gain,
        )

    resume = to_pcm(np.asarray(chime(RESUME_CHIME), dtype=np.float32) * np.float32(chime_gain))
    interactive = keys.in_foreground(stdin)
    show_status = keys.in_foreground(stderr)
    with contextlib.ExitStack() as stack:
        screen = stack.enter_context(keys.quiet_stderr_fd(stderr))
        device: Output | None = output
        if device is None and launch is not None:
            device, opening = launch.take()
        if device is not None:
            stack.callback(device.close)
        controls: Controls = NoControls()
        if interactive:
            controls = stack.enter_context(keys.TerminalControls(stdin.fileno()))
        status = keys.StatusLine(screen) if show_status else None
        if status is not None:
            if interactive:
                screen.write("space: pause/resume   n: next exercise   b: back   q: quit\n")
            stack.callback(status.clear)
        player = Player(
            script,
            source,
            device,
            connect=lambda feed: open_output(feed, named),
            resume_cue=resume,
            controls=controls,
            status=status,
            routine=named,
            opening=opening,
            keep_opening=keep_opening,
            warn=lambda message: _warn(screen, status, message),
        )
        return player.run()
