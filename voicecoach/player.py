"""Live playback: the rendered session streamed through simpleaudio, with keyboard controls.

simpleaudio has no streaming API: every ``play_buffer`` call opens a new stream, and a new
stream starts a few milliseconds early or late. So the session is played as long blocks
(tens of seconds) that are cut only in the middle of silent stretches of the cue script,
and every block is started at its place on one wall-clock timeline rather than when the
previous block reports it has finished. Inside a block the audio is the render sample for
sample; start jitter only lengthens or shortens a silence by a few milliseconds, and never
adds up, so cues stay where the script puts them to the end of the session.

A background thread renders the blocks ahead, first cues first, into a small bounded
queue. The session opens with a short silence so a sound device that is waking up does
not swallow the first words; that silence and the first block are played as one stream,
the *opening*. When the quick start (``warmstart``) already has this command's stored
opening playing, the player checks it is the same, sample for sample, and goes on after it.
"""

from __future__ import annotations

import bisect
import contextlib
import errno
import io
import os
import queue
import select
import shlex
import shutil
import signal
import sys
import termios
import threading
import time
import tty
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from voicecoach.cuescript import SAMPLE_RATE, Cue, CueScript
from voicecoach.errors import AudioDeviceError
from voicecoach.signals import exit_on_termination
from voicecoach.warmstart import hide_fd2, restore_fd2

if TYPE_CHECKING:
    from pathlib import Path

    from voicecoach.warmstart import Launch, Started

Audio = npt.NDArray[np.float32]
Pcm = npt.NDArray[np.int16]
ClipSource = Callable[[str], Audio]
ChunkSource = Callable[[int], Iterator[Audio]]
Clock = Callable[[], float]

LEAD_IN = 0.1
"""Seconds of silence before the first cue, for a device that is still waking up (a new
PulseAudio stream loses 2-10 ms of its start). Short, because the first word should come
within 0.3 s of the command."""
RESUME_BEFORE = 0.3
RESUME_CHIME = "next"
RESUME_AFTER = 2.0
"""On resume: a short silence, the resume chime, then a moment to get back into position."""
SEEK_SILENCE = 0.3
"""Silence before the audio a skip (``n``/``b``) lands on."""

MIN_CUT_GAP = 0.3
"""A block may end only in the middle of a silence at least this long (seconds)."""
FIRST_BLOCK = 10.0
BLOCK = 60.0
LONGEST_BLOCK = 120.0
"""Block lengths (seconds): the first is short so sound starts at once, the rest long so
few streams are opened; a block is cut off at LONGEST_BLOCK even without a silence."""
QUEUE_BLOCKS = 2
STREAM_PAD = 0.1
"""A new stream may lose its first few milliseconds (PulseAudio zeroes 2-10 ms here), so
a block that does not begin in a silence gets this much silence in front, overlapping
the silence played before it."""
CHUNK = 4096

TICK = 0.05
"""Longest wait between checks of the keyboard, the device and the status line."""
STATUS_EVERY = 0.25
LATE = 0.05
"""A block started later than this (a stalled machine) moves the timeline with it."""
LOST_MARGIN = 0.5
"""A block that stops this much before its end was cut off by the device."""
DRAIN_WAIT = 1.0


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


class PlaybackInterrupted(KeyboardInterrupt):
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


# --- output: simpleaudio, or a fake in tests --------------------------------------------


class Voice(Protocol):
    """One block being played."""

    def stop(self) -> None: ...

    def is_playing(self) -> bool: ...


class Output(Protocol):
    """Where blocks are played; ``play`` raises AudioDeviceError when it cannot."""

    def play(self, samples: Pcm) -> Voice: ...

    def stop_all(self) -> None: ...


def _alsa_error(message: str) -> tuple[int | None, str]:
    """ALSA's error code and text from simpleaudio's message ("... -- CODE: -2 -- MSG: ...")."""
    code = None
    if "CODE:" in message:
        with contextlib.suppress(ValueError):
            code = int(message.split("CODE:")[1].split("--")[0].strip())
    text = message.split("MSG:")[1].strip() if "MSG:" in message else message
    return code, text


def _device_problem(message: str) -> str:
    """A user's reading of simpleaudio's error."""
    code, text = _alsa_error(message)
    if code is not None and -code == errno.EBUSY:
        return "the sound device is busy (another program is using it)"
    if "opening PCM device" in message:
        return f"cannot open the sound device ({text})"
    return f"the sound device failed ({text})"


class SimpleaudioOutput:
    """Plays int16 mono blocks at SAMPLE_RATE through simpleaudio (ALSA on Linux)."""

    def __init__(self, routine: str) -> None:
        self._hint = export_hint(routine)
        try:
            import simpleaudio
        except ImportError as err:  # the C extension or its sound library is missing
            raise AudioDeviceError(f"live playback is not available ({err}); {self._hint}") from err
        self._sa: Any = simpleaudio
        self._voices: list[Voice] = []

    def play(self, samples: Pcm) -> Voice:
        data = np.ascontiguousarray(samples, dtype=np.int16)
        try:
            voice = self._start(data)
        except self._sa._simpleaudio.SimpleaudioError as err:
            if self._busy(err) and self._wait_own_voices():
                # Our previous block still holds a device that allows one stream at a time.
                try:
                    voice = self._start(data)
                except self._sa._simpleaudio.SimpleaudioError as again:
                    raise self._error(again) from again
            else:
                raise self._error(err) from err
        self._voices = [v for v in self._voices if v.is_playing()]
        self._voices.append(voice)
        return voice

    def adopt(self, voice: Voice) -> None:
        """Count a stream started elsewhere (the quick start's opening) as one of ours."""
        self._voices.append(voice)

    def _start(self, data: Pcm) -> Voice:
        voice: Voice = self._sa.play_buffer(data, 1, 2, SAMPLE_RATE)
        return voice

    @staticmethod
    def _busy(err: Exception) -> bool:
        return _alsa_error(str(err))[0] == -errno.EBUSY

    def _wait_own_voices(self) -> bool:
        """Wait (briefly) for our own blocks to release the device; False if none held it."""
        playing = [v for v in self._voices if v.is_playing()]
        if not playing:
            return False
        deadline = time.monotonic() + DRAIN_WAIT
        while any(v.is_playing() for v in playing) and time.monotonic() < deadline:
            time.sleep(0.01)
        return True

    def _error(self, err: Exception) -> AudioDeviceError:
        return AudioDeviceError(f"{_device_problem(str(err))}; {self._hint}")

    def stop_all(self) -> None:
        self._sa.stop_all()


@contextlib.contextmanager
def quiet_stderr_fd(stream: IO[str]) -> Iterator[IO[str]]:
    """Point fd 2 at /dev/null while playing, and yield a stream to the real stderr.

    ALSA's C library prints its own diagnostics on fd 2, also from simpleaudio's playback
    threads when a device fails mid-session; the AudioDeviceError that follows says the
    same in words, so they would only be noise on the user's screen.
    """
    saved = hide_fd2(stream)
    if saved is None:
        yield stream
        return
    real = stream
    try:
        with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
            if stream.fileno() == 2:
                encoding = getattr(stream, "encoding", None) or "utf-8"
                real = os.fdopen(os.dup(saved), "w", encoding=encoding, errors="replace")
        yield real
    finally:
        with contextlib.suppress(OSError, ValueError):
            real.flush()
        restore_fd2(saved)
        if real is not stream:
            real.close()


# --- controls: the keyboard when there is one --------------------------------------------


class Controls(Protocol):
    """Waits for keys: returns what was typed (maybe nothing) within ``timeout`` seconds."""

    def wait(self, timeout: float) -> str: ...


class NoControls:
    """No terminal: just let time pass."""

    def wait(self, timeout: float) -> str:
        if timeout > 0:
            time.sleep(timeout)
        return ""


class TerminalControls:
    """Single keys from a terminal in cbreak mode (Ctrl-C still interrupts); the terminal's
    settings are restored on exit, whatever happens."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._saved: list[Any] | None = None
        self._gone = False

    def __enter__(self) -> TerminalControls:
        self._saved = termios.tcgetattr(self._fd)
        tty.setcbreak(self._fd, termios.TCSANOW)
        mode = termios.tcgetattr(self._fd)
        # Ctrl-Z would freeze the sound mid-cue and leave the terminal in cbreak mode.
        mode[6][termios.VSUSP] = b"\x00"
        termios.tcsetattr(self._fd, termios.TCSANOW, mode)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._saved is not None:
            with _ignore_sigttou(), contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)
            self._saved = None

    def wait(self, timeout: float) -> str:
        if self._gone:  # the terminal hung up: just let time pass, as without one
            return NoControls().wait(timeout)
        ready, _, _ = select.select([self._fd], [], [], max(0.0, timeout))
        if not ready:
            return ""
        try:
            data = os.read(self._fd, 64)
        except OSError:
            data = b""
        if not data:
            self._gone = True
        return data.decode("utf-8", "replace")


@contextlib.contextmanager
def _ignore_sigttou() -> Iterator[None]:
    """Restoring the terminal after being put in the background must not stop the process."""
    try:
        previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTTOU, previous)


def in_foreground(stream: IO[Any] | None) -> bool:
    """Whether ``stream`` is a terminal this process may read and configure (not piped,
    not a background job)."""
    if stream is None:
        return False
    try:
        fd = stream.fileno()
        return os.isatty(fd) and os.tcgetpgrp(fd) == os.getpgrp()
    except (OSError, ValueError, AttributeError):
        return False


# --- the timeline: where blocks may be cut, and what is playing where ---------------------


def cut_points(script: CueScript, min_gap: int) -> list[int]:
    """Sample positions in the middle of every silence of at least ``min_gap`` samples."""
    cuts: list[int] = []
    sounding_until = 0
    for cue in script.cues:
        if cue.start - sounding_until >= min_gap:
            cuts.append((sounding_until + cue.start) // 2)
        sounding_until = max(sounding_until, cue.end)
    return cuts


def block_ends(
    start: int, length: int, cuts: list[int], first: int, target: int, longest: int
) -> Iterator[int]:
    """Where each block from ``start`` ends: the first cut at least ``first`` (then
    ``target``) samples on, falling back to an earlier cut, or a hard cut at ``longest``."""
    position = start
    wanted = first
    while position < length:
        low = position + wanted
        high = min(position + longest, length)
        index = bisect.bisect_left(cuts, low)
        if low >= length:
            end = length
        elif index < len(cuts) and cuts[index] <= high:
            end = cuts[index]
        elif high == length:
            end = length
        elif index > 0 and cuts[index - 1] > position:
            end = cuts[index - 1]
        else:
            end = high
        yield end
        position = end
        wanted = target


def to_pcm(audio: Audio) -> Pcm:
    """Float samples to 16-bit, rounded as libsndfile does for a 16-bit export."""
    pcm: Pcm = np.rint(np.clip(audio, -1.0, 1.0) * 32767.0).astype(np.int16)
    return pcm


def resume_point(script: CueScript, position: int) -> int:
    """Where to resume after a pause at ``position``: the start of a cue cut off by the
    pause (so it is heard whole), else the pause position itself."""
    starts = [cue.start for cue in script.cues]
    index = bisect.bisect_right(starts, position) - 1
    while index >= 0:
        cue = script.cues[index]
        if cue.start <= position < cue.end:
            return cue.start
        if cue.end <= position:
            break
        index -= 1
    return position


def chapter_at(script: CueScript, position: int) -> int | None:
    """Index of the chapter being played at ``position`` (the last one begun)."""
    starts = [chapter.start for chapter in script.chapters]
    index = bisect.bisect_right(starts, position) - 1
    return index if index >= 0 else None


def next_chapter_start(script: CueScript, position: int) -> int:
    """Where ``n`` lands: the next exercise's start; after the last, the closing cues."""
    for chapter in script.chapters:
        if chapter.start > position:
            return chapter.start
    closing = len(script.cues)
    while closing > 0 and script.cues[closing - 1].exercise is None:
        closing -= 1
    if closing < len(script.cues) and script.cues[closing].start > position:
        return script.cues[closing].start
    return position


def this_chapter_start(script: CueScript, position: int) -> int:
    """Where ``b`` lands: the start of the exercise under way (or of the session)."""
    index = chapter_at(script, position)
    return script.chapters[index].start if index is not None else 0


def _clock_text(samples: int) -> str:
    seconds = max(0, round(samples / SAMPLE_RATE))
    return f"{seconds // 60}:{seconds % 60:02d}"


def status_text(script: CueScript, position: int, paused: bool = False) -> str:
    """The one-line status: exercise, side, set and time left."""
    parts: list[str] = []
    index = chapter_at(script, position)
    if index is None or position >= script.length:
        parts.append(script.routine_name)
    else:
        chapter = script.chapters[index]
        parts.append(chapter.title)
        cue = _cue_at(script, position)
        if cue is not None and cue.exercise == chapter.exercise:
            if cue.side:
                parts.append(f"{cue.side} side")
            sets = max(
                (c.set or 1 for c in script.cues if c.exercise == chapter.exercise),
                default=1,
            )
            if cue.set is not None and sets > 1:
                parts.append(f"set {cue.set} of {sets}")
    parts.append(f"{_clock_text(script.length - position)} left")
    text = " - ".join(parts)
    return f"Paused: {text} (space to go on)" if paused else text


def _cue_at(script: CueScript, position: int) -> Cue | None:
    """The cue under way at ``position``, or the last one before it."""
    starts = [cue.start for cue in script.cues]
    index = bisect.bisect_right(starts, position) - 1
    return script.cues[index] if index >= 0 else None


# --- rendering ahead ----------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """Rendered audio from script sample ``start``, after ``lead`` samples of silence."""

    start: int
    samples: Pcm
    lead: int = 0

    @property
    def end(self) -> int:
        return self.start + len(self.samples) - self.lead


@dataclass(frozen=True)
class Opening:
    """Sound that was already started when the player began: the quick start's stored
    opening of this session, started at clock time ``started``."""

    voice: Voice
    started: float
    samples: Pcm


@dataclass(frozen=True)
class _Failed:
    error: BaseException


_END = object()


class _Renderer:
    """Renders blocks from ``start`` in a background thread into a bounded queue."""

    def __init__(
        self, source: ChunkSource, start: int, ends: Iterator[int], depth: int, lead: int
    ) -> None:
        self.queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._cancel = threading.Event()
        self._thread = threading.Thread(
            target=self._run,
            args=(source, start, ends, lead),
            name="voicecoach-render",
            daemon=True,
        )
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    def join(self, timeout: float) -> None:
        """Wait for the thread to notice a cancel (it checks between chunks)."""
        self._thread.join(timeout)

    def _put(self, item: object) -> None:
        while not self._cancel.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def _run(self, source: ChunkSource, start: int, ends: Iterator[int], lead: int) -> None:
        try:
            chunks = source(start)
            position = start
            pending: Audio | None = None
            for end in ends:
                block = np.empty(lead + end - position, dtype=np.int16)
                block[:lead] = 0
                filled = lead
                while filled < len(block):
                    if self._cancel.is_set():
                        return
                    if pending is None or len(pending) == 0:
                        pending = next(chunks, None)
                        if pending is None:
                            raise RuntimeError(
                                f"the render ended early, at sample {position + filled - lead}"
                            )
                    take = min(len(pending), len(block) - filled)
                    block[filled : filled + take] = to_pcm(pending[:take])
                    pending = pending[take:]
                    filled += take
                self._put(Block(position, block, lead))
                position = end
                lead = 0
            self._put(_END)
        except BaseException as err:  # handed to the player, which raises it
            self._put(_Failed(err))


# --- the player -------------------------------------------------------------------------


@dataclass
class _Sounding:
    voice: Voice
    started: float
    seconds: float


def _silence(seconds: float) -> Pcm:
    return np.zeros(round(seconds * SAMPLE_RATE), dtype=np.int16)


class Player:
    """Plays ``script`` from ``source`` (render chunks from a position) on ``output``.

    ``controls`` gives keys, ``clock`` the time and ``status`` shows the status line; all
    are injectable so the scheduling is tested without a sound card or a terminal.
    """

    def __init__(
        self,
        script: CueScript,
        source: ChunkSource,
        output: Output,
        *,
        resume_cue: Pcm | None = None,
        controls: Controls | None = None,
        status: Callable[[str], None] | None = None,
        clock: Clock = time.monotonic,
        lead_in: float = LEAD_IN,
        routine: str | None = None,
        opening: Opening | None = None,
        keep_opening: Callable[[Pcm], None] | None = None,
    ) -> None:
        self.script = script
        self._hint = export_hint(routine or script.routine_id)
        self._source = source
        self._output = output
        self._controls = controls or NoControls()
        self._status = status
        self._clock = clock
        self._lead_in = _silence(lead_in)
        cue = resume_cue if resume_cue is not None else np.zeros(0, dtype=np.int16)
        self._resume_cue = np.concatenate([_silence(RESUME_BEFORE), cue, _silence(RESUME_AFTER)])
        self._cuts = cut_points(script, round(MIN_CUT_GAP * SAMPLE_RATE))
        self._renderer: _Renderer | None = None
        self._pending: Block | None = None
        self._rendered_all = False
        self._sounding: list[_Sounding] = []
        self._anchor = (0.0, 0)
        self._queued_to = 0
        self._paused_at: int | None = None
        self._last_status = -1.0
        self._opening = opening
        self._keep_opening = keep_opening

    # the timeline: wall-clock time `anchor[0]` is script sample `anchor[1]`

    def position(self) -> int:
        """The script sample being sent to the device now."""
        if self._paused_at is not None:
            return self._paused_at
        wall, start = self._anchor
        now = self._clock()
        if now <= wall:
            return start
        return min(start + int((now - wall) * SAMPLE_RATE), self._queued_to, self.script.length)

    def _due(self, sample: int) -> float:
        wall, start = self._anchor
        return wall + (sample - start) / SAMPLE_RATE

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
            self._halt()
            with contextlib.suppress(Exception):
                self._output.stop_all()

    def _result(self, completed: bool) -> PlayResult:
        position = self.script.length if completed else self.position()
        return PlayResult(completed, position, chapter_at(self.script, position))

    def _loop(self) -> PlayResult:
        while True:
            now = self._clock()
            timeout = TICK
            if self._paused_at is None:
                self._check_device(now)
                if self._pending is None and not self._rendered_all and not self._fetch():
                    if self._handle(self._controls.wait(0)):
                        return self._result(False)
                    continue
                if self._pending is not None:
                    due = self._due(self._pending.start) - self._pending.lead / SAMPLE_RATE
                    if now >= due:
                        self._start_block(self._pending, now, due)
                        self._pending = None
                        continue
                    timeout = min(TICK, due - now)
                else:
                    end = self._due(self.script.length)
                    if now >= end and not self._draining(now):
                        return self._result(True)
                    timeout = min(TICK, max(end - now, 0.01))
            keys = self._controls.wait(timeout)
            if self._handle(keys):
                return self._result(False)
            self._show(force=bool(keys))

    def _fetch(self) -> bool:
        """Take the next rendered block if there is one (waiting a moment); False if not yet."""
        assert self._renderer is not None
        try:
            item = self._renderer.queue.get(timeout=TICK)
        except queue.Empty:
            return False
        if item is _END:
            self._rendered_all = True
        elif isinstance(item, _Failed):
            raise item.error
        else:
            assert isinstance(item, Block)
            self._pending = item
        return True

    def _start_block(self, block: Block, now: float, due: float) -> None:
        if now - due > LATE:
            self._anchor = (now + block.lead / SAMPLE_RATE, block.start)
        voice = self._output.play(block.samples)
        self._sounding.append(_Sounding(voice, self._clock(), len(block.samples) / SAMPLE_RATE))
        self._queued_to = block.end

    def _check_device(self, now: float) -> None:
        """A block that ended well before its time was cut off: the device went away."""
        still: list[_Sounding] = []
        for sounding in self._sounding:
            if sounding.voice.is_playing():
                still.append(sounding)
            elif now < sounding.started + sounding.seconds - LOST_MARGIN:
                raise AudioDeviceError(
                    f"the sound device stopped playing mid-session; {self._hint}"
                )
        self._sounding = still

    def _draining(self, now: float) -> bool:
        """Whether the last block is still being played out (bounded, never forever)."""
        return any(s.voice.is_playing() for s in self._sounding) and now < (
            self._due(self.script.length) + DRAIN_WAIT
        )

    def _open(self) -> None:
        """Start the session: the opening silence and the first block as one stream, or go
        on from the same opening already playing (a stale one is stopped and replaced)."""
        self._start_renderer(0, 0)
        first = self._first_block()
        if first is None:  # an empty session: nothing to play
            self._anchor = (self._clock(), 0)
            return
        samples = np.concatenate([self._lead_in, first.samples[first.lead :]])
        opening, self._opening = self._opening, None
        if opening is not None and np.array_equal(opening.samples, samples):
            voice, started = opening.voice, opening.started
        else:
            if opening is not None:
                opening.voice.stop()
                self._play_out([opening.voice])
            voice = self._output.play(samples)
            started = self._clock()
            if self._keep_opening is not None:
                self._keep_opening(samples)
        self._sounding.append(_Sounding(voice, started, len(samples) / SAMPLE_RATE))
        self._anchor = (started + len(self._lead_in) / SAMPLE_RATE, 0)
        self._queued_to = first.end
        self._show(force=True)

    def _first_block(self) -> Block | None:
        """Wait for the first rendered block (Ctrl-C still interrupts the wait)."""
        while self._pending is None and not self._rendered_all:
            self._fetch()
        first, self._pending = self._pending, None
        return first

    def _start_renderer(self, start: int, lead: int) -> None:
        self._renderer = _Renderer(
            self._source,
            start,
            block_ends(
                start,
                self.script.length,
                self._cuts,
                round(FIRST_BLOCK * SAMPLE_RATE),
                round(BLOCK * SAMPLE_RATE),
                round(LONGEST_BLOCK * SAMPLE_RATE),
            ),
            QUEUE_BLOCKS,
            lead,
        )
        self._rendered_all = start >= self.script.length
        self._queued_to = start

    @staticmethod
    def _play_out(stopped: list[Voice]) -> None:
        """A stopped block still plays out what the device has buffered (up to a few
        tenths of a second): let it end, so old and new sound never overlap."""
        deadline = time.monotonic() + DRAIN_WAIT
        while any(v.is_playing() for v in stopped) and time.monotonic() < deadline:
            time.sleep(0.005)

    def _begin(self, start: int, prelude: Pcm) -> None:
        """Play ``prelude`` now and the session from ``start`` right after it."""
        previous = self._renderer
        stopped = self._halt()
        if previous is not None:
            # One renderer at a time: clip sources need not be thread-safe.
            previous.join(DRAIN_WAIT)
        self._play_out(stopped)
        self._start_renderer(start, min(round(STREAM_PAD * SAMPLE_RATE), len(prelude)))
        self._paused_at = None
        if len(prelude):
            voice = self._output.play(prelude)
            started = self._clock()
            self._sounding.append(_Sounding(voice, started, len(prelude) / SAMPLE_RATE))
        else:
            started = self._clock()
        self._anchor = (started + len(prelude) / SAMPLE_RATE, start)
        self._show(force=True)

    def _halt(self) -> list[Voice]:
        """Stop every sound and the renderer; returns the voices told to stop."""
        if self._renderer is not None:
            self._renderer.cancel()
            self._renderer = None
        self._pending = None
        stopped = [sounding.voice for sounding in self._sounding]
        for voice in stopped:
            with contextlib.suppress(Exception):
                voice.stop()
        self._sounding = []
        return stopped

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
        position = resume_point(self.script, self.position())
        self._halt()
        self._paused_at = position
        self._show(force=True)

    def _seek(self, target: int) -> None:
        self._begin(min(target, self.script.length), _silence(SEEK_SILENCE))

    def _show(self, force: bool = False) -> None:
        if self._status is None:
            return
        now = self._clock()
        if not force and now - self._last_status < STATUS_EVERY:
            return
        self._last_status = now
        self._status(status_text(self.script, self.position(), self._paused_at is not None))


class StatusLine:
    """One line on a terminal, rewritten in place and cleared at the end."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def _width(self) -> int:
        try:
            columns = os.get_terminal_size(self._stream.fileno()).columns
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            columns = shutil.get_terminal_size().columns
        return max(10, columns - 1)

    def _write(self, text: str) -> None:
        # A terminal that went away (a closed window) must not turn into an error.
        with contextlib.suppress(OSError, ValueError):
            self._stream.write(text)
            self._stream.flush()

    def __call__(self, text: str) -> None:
        self._write("\r" + text[: self._width()] + "\x1b[K")

    def clear(self) -> None:
        self._write("\r\x1b[K")


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
    ``launch`` is the quick start's (``warmstart.begin``), with the stored opening it has
    already set playing, if any; the opening played is stored for the next run of the
    command unless it was that one, with the files in ``made_from`` it depends on.
    Raises AudioDeviceError when there is no usable sound device (AudioDeviceLost, with
    ``.result``, when it fails after some of the session has played), and
    PlaybackInterrupted (a KeyboardInterrupt) on Ctrl-C, after stopping the sound and
    restoring the terminal.
    """
    from voicecoach import warmstart
    from voicecoach.render import render

    stdin = sys.stdin if stdin is None else stdin
    stderr = sys.stderr if stderr is None else stderr
    named = routine or script.routine_id
    device = output if output is not None else SimpleaudioOutput(named)
    warm = launch.started if launch is not None else None
    if warm is not None and isinstance(device, SimpleaudioOutput):
        device.adopt(warm.voice)
    keep_opening = None
    if launch is not None:
        key, files = launch.key, [str(path) for path in made_from]

        def keep_opening(samples: Pcm) -> None:
            warmstart.save(key, samples.astype("<i2").tobytes(), SAMPLE_RATE, files)

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
    interactive = in_foreground(stdin)
    show_status = in_foreground(stderr)
    with contextlib.ExitStack() as stack:
        stack.enter_context(exit_on_termination())
        screen = stack.enter_context(quiet_stderr_fd(stderr))
        controls: Controls = NoControls()
        if interactive:
            controls = stack.enter_context(TerminalControls(stdin.fileno()))
        status = StatusLine(screen) if show_status else None
        if status is not None:
            if interactive:
                screen.write("space: pause/resume   n: next exercise   b: back   q: quit\n")
            stack.callback(status.clear)
        player = Player(
            script,
            source,
            device,
            resume_cue=resume,
            controls=controls,
            status=status,
            routine=named,
            opening=_warm_opening(warm),
            keep_opening=keep_opening,
        )
        return player.run()


def _warm_opening(warm: Started | None) -> Opening | None:
    """The quick start's opening as the player compares it (no samples at another rate)."""
    if warm is None:
        return None
    samples: Pcm = np.zeros(0, dtype=np.int16)
    if warm.opening.rate == SAMPLE_RATE:
        samples = np.frombuffer(warm.opening.pcm, dtype="<i2").astype(np.int16)
    return Opening(warm.voice, warm.at, samples)
