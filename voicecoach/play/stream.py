"""The one output stream a session plays through, and the feed of samples behind it.

A live session is played as ONE continuous PortAudio stream (python-sounddevice), open from
the first sample to the last: pauses, skips and the hand-over from the quick start's stored
opening only change what the stream is fed, never the stream itself. So nothing can shift
the timeline between two parts of the session: a sound device that starts late (a waking
USB card, a Bluetooth headset's deep buffer, a busy sound server) delays the whole session
by the same amount, and every cue keeps its distance from every other, sample for sample.

The device pulls samples from a ``Feed`` in a callback. The feed is a bounded queue of
16-bit mono segments, each tagged with the script position of its first sample (or, for the
silences and chimes around a pause or skip, one fixed position). The callback notes when
each buffer it fills will be heard (PortAudio's reported output latency), so the player
knows which script sample is heard now: for the status line, for where a pause stops, and
for how far a session got.

This module imports only the standard library, and sounddevice when a stream is opened
(sounddevice itself loads cffi and PortAudio, not numpy): the quick start opens the stream
before the rest of voicecoach has loaded.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import deque

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs the quick start
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

AHEAD = 4.0
"""Seconds of audio the feed holds at most, ahead of what the device has taken."""
LATENCY = 0.2
"""Seconds of sound the device buffer holds (PortAudio's suggested output latency). Ample,
so the callback is never late, even while the main thread holds Python's lock for tens of
milliseconds loading numpy behind the quick start; a pause or skip lets this much play
out, and Ctrl-C drops it."""
QUIET_RUN = 0.05
"""Seconds of zero samples that make a silence the feed may shorten after an underrun."""
WIN_BACK = 0.25
"""The longest wait for the program (seconds) the feed wins back by shortening the
silences after it: a glitch of a busy machine, which would otherwise leave every later cue
off its place. A longer stall (a program slower to load than its opening) is not: the
silences after it may be holds, which must keep their length; the session stays that much
later, and the player says so."""
MARKS = 4096
"""How many (time, position) notes the feed keeps: many seconds of callbacks."""
STALLED = 6.0
"""A started stream whose callback has not run for this long has lost its device (a sound
server starting a first stream may hold it back for up to two seconds)."""
BOUND = 5.0
"""Longest wait for PortAudio to open, start, stop or close a stream."""


class StreamError(Exception):
    """The stream could not be opened or started: ``str()`` says why, in a user's words.

    The one exception outside ``voicecoach.errors``: the quick start raises it before that
    module (enum, dataclasses) has loaded. The player turns it into an AudioDeviceError."""


class Feed:
    """Samples waiting for the device, and notes of what it is playing when. Thread-safe:
    the player and its render thread put, the device's callback pulls."""

    def __init__(self, rate: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self._clock = clock
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        # Each segment: [data, offset read so far, position of data[0], moves, generation].
        self._segments: deque[list[Any]] = deque()
        self._queued = 0  # bytes
        self._limit = round(AHEAD * rate) * 2
        self._generation = 0
        self._expecting = False
        self._sent_at = 0  # script position after the last sample handed to the device
        self._sent_moves = False
        self._marks: deque[tuple[float, int, int, bool]] = deque(maxlen=MARKS)
        self.underruns = 0
        """Buffers the device wanted while more audio was expected but none was there."""
        self.starved = 0
        """Samples of silence the device played in those buffers: the session heard that
        much later than the export (a program slower than the sound, or than its opening),
        until the feed wins them back (``recovered``)."""
        self.recovered = 0
        """Samples of the session's own silence left out to win back what starving cost:
        each gap between two cues after an underrun is cut short by what is still owed, so
        every cue is heard at its place again from the next silence on."""
        self.behind = 0
        """Samples the session is heard later than the export for good: the stalls longer
        than ``WIN_BACK``."""
        self._owed = 0
        self._stall = 0  # samples of silence in the buffers starved one after another
        self._quiet = max(2, round(QUIET_RUN * rate))
        self._most_owed = round(WIN_BACK * rate)
        self.late = 0
        """Callbacks that came too late, after the device had run dry (PortAudio's output
        underflow): each one is a gap in the sound."""
        self.calls = 0
        self.last_call: float | None = None

    # --- the player's side

    @property
    def generation(self) -> int:
        """Bumped by every ``cut``: a render started before it puts nothing after it."""
        return self._generation

    def put(
        self,
        data: bytes,
        at: int,
        moves: bool = True,
        generation: int | None = None,
        timeout: float = 0.1,
    ) -> bool:
        """Queue ``data`` (16-bit little-endian mono) as script position ``at`` onwards (or,
        when not ``moves``, all at ``at``). Waits up to ``timeout`` for room; False if there
        was none, or if ``generation`` is no longer the feed's (then the data is dropped)."""
        if not data:
            return True
        with self._changed:
            deadline = self._clock() + timeout
            while self._queued and self._queued + len(data) > self._limit:
                if generation is not None and generation != self._generation:
                    return False
                left = deadline - self._clock()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.1))
            if generation is not None and generation != self._generation:
                return False
            self._segments.append([data, 0, at, moves, self._generation])
            self._queued += len(data)
            self._changed.notify_all()
            return True

    def expect(self, more: bool, generation: int | None = None) -> None:
        """Whether more audio is on its way (an empty feed then counts as an underrun);
        ignored when ``generation`` is no longer the feed's."""
        with self._changed:
            if generation is not None and generation != self._generation:
                return
            self._expecting = more
            self._changed.notify_all()

    def cut(self) -> int:
        """Drop everything queued (what the device already holds plays out): returns the
        script position the sound stops at, where the next thing fed should go on from."""
        with self._changed:
            self._segments.clear()
            self._queued = 0
            self._owed = 0  # what follows a cut starts a timeline of its own
            self._generation += 1
            self._expecting = False
            self._changed.notify_all()
            return self._sent_at

    def queued(self) -> int:
        """Samples waiting for the device."""
        with self._lock:
            return self._queued // 2

    def wait_queued(self, samples: int, timeout: float) -> bool:
        """Wait until ``samples`` are queued or no more are expected (False on timeout)."""
        deadline = self._clock() + timeout
        with self._changed:
            while self._expecting and self._queued < 2 * samples:
                left = deadline - self._clock()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.1))
            return True

    def heard(self, now: float | None = None) -> int:
        """The script position being heard at ``now`` (default: now); never negative."""
        now = self._clock() if now is None else now
        with self._lock:
            marks = list(self._marks)
        for when, at, count, moves in reversed(marks):
            if when <= now:
                if not moves:
                    return max(0, at)
                return max(0, at + min(count, round((now - when) * self.rate)))
        return max(0, marks[0][1]) if marks else 0

    def sent(self) -> int:
        """The script position after the last sample handed to the device."""
        with self._lock:
            return self._sent_at

    # --- the device's side

    def pull(self, out: Any, frames: int, delay: float) -> None:
        """Fill ``out`` (a writable buffer of ``frames`` samples) and note that its first
        sample is heard ``delay`` seconds from now. Silence where nothing is queued."""
        now = self._clock()
        wanted = frames * 2
        filled = 0
        with self._changed:
            self.calls += 1
            self.last_call = now
            while filled < wanted and self._segments:
                segment = self._segments[0]
                data, offset, at, moves = segment[0], segment[1], segment[2], segment[3]
                if self._owed and moves:
                    offset = segment[1] = self._win_back(data, offset)
                    if offset >= len(data):
                        self._segments.popleft()
                        continue
                take = min(len(data) - offset, wanted - filled)
                if self._owed and moves:
                    take = self._before_silence(data, offset, take)
                out[filled : filled + take] = data[offset : offset + take]
                start = at + offset // 2 if moves else at
                self._marks.append((now + delay + filled / 2 / self.rate, start, take // 2, moves))
                filled += take
                offset += take
                self._sent_at = at + offset // 2 if moves else at
                self._sent_moves = moves
                if offset >= len(data):
                    self._segments.popleft()
                else:
                    segment[1] = offset
            self._queued -= filled
            if filled < wanted:
                out[filled:wanted] = bytes(wanted - filled)
                self._marks.append((now + delay + filled / 2 / self.rate, self._sent_at, 0, False))
                if self._expecting:
                    self.underruns += 1
                    self.starved += (wanted - filled) // 2
                    self._stall += (wanted - filled) // 2
                    if self._stall > self._most_owed:  # one stall, however many buffers
                        self.behind += (wanted - filled) // 2 + self._owed
                        self._owed = 0
                    else:
                        self._owed += (wanted - filled) // 2
            else:
                self._stall = 0
            self._changed.notify_all()

    def _win_back(self, data: bytes, offset: int) -> int:
        """Where to go on in ``data`` from ``offset``: past as much of the silence starting
        there as is owed, so that much of it is never played. Only a silence counts (at
        least ``QUIET_RUN`` of zero samples), never a sound's quiet start or end, nor a
        sample that happens to be zero."""
        window = data[offset : offset + 2 * max(self._owed, self._quiet)]
        zeros = (len(window) - len(window.lstrip(b"\0"))) // 2
        if zeros < self._quiet - 1:
            return offset
        skip = min(zeros, self._owed)
        self._owed -= skip
        self.recovered += skip
        self._queued -= 2 * skip
        return offset + 2 * skip

    def _before_silence(self, data: bytes, offset: int, take: int) -> int:
        """How much of the ``take`` bytes at ``offset`` to play before the next silence,
        where ``_win_back`` can then leave some out."""
        run = b"\0" * (2 * self._quiet)
        found = data.find(run, offset + 2, offset + take + len(run))
        if found < 0:
            return take
        found += (found - offset) % 2
        return min(take, found - offset)


def _bounded(job: Callable[[], Any], timeout: float, what: str) -> Any:
    """Run ``job`` in a helper thread and wait at most ``timeout`` for it: PortAudio calls
    into a sound server that may hang."""
    result: list[Any] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(job())
        except BaseException as err:  # handed to the caller
            failure.append(err)

    worker = threading.Thread(target=run, name=f"voicecoach-{what}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise StreamError(f"the sound device did not answer ({what} took over {timeout:.0f} s)")
    if failure:
        raise failure[0]
    return result[0] if result else None


class Stream:
    """A started PortAudio output stream, int16 mono at ``feed.rate``, fed by ``feed``."""

    def __init__(self, feed: Feed, stream: Any) -> None:
        self.feed = feed
        self._stream = stream
        self._finished = threading.Event()
        self._closed = False
        self.latency = float(stream.latency)

    @classmethod
    def open(cls, feed: Feed, device: Any = None) -> Stream:
        """Open and start the default output device (raises StreamError in words)."""
        saved = hide_fd2()  # ALSA and JACK print their own lines when probing devices
        try:
            try:
                import sounddevice
            except (ImportError, OSError) as err:  # PortAudio missing or broken
                raise StreamError(f"live playback is not available ({err})") from err
            _quiet_alsa()
            holder: list[Stream] = []

            def callback(out: Any, frames: int, timing: Any, status: Any) -> None:
                try:
                    if status.output_underflow:
                        feed.late += 1
                    delay = timing.outputBufferDacTime - timing.currentTime
                    feed.pull(out, frames, delay if 0.0 <= delay < 10.0 else 0.0)
                except Exception:  # never let the device thread die: play silence
                    out[:] = bytes(len(out))

            def finished() -> None:
                if holder:
                    holder[0]._finished.set()

            def start() -> Any:
                raw = sounddevice.RawOutputStream(
                    samplerate=feed.rate,
                    channels=1,
                    dtype="int16",
                    latency=LATENCY,
                    device=device,
                    callback=callback,
                    finished_callback=finished,
                )
                raw.start()
                return raw

            try:
                raw = _bounded(start, BOUND, "opening the sound device")
            except sounddevice.PortAudioError as err:
                raise StreamError(_problem(str(err))) from err
            stream = cls(feed, raw)
            holder.append(stream)
            return stream
        finally:
            restore_fd2(saved)

    def problem(self) -> str | None:
        """What went wrong with the device since it started, or None while it plays."""
        if self._closed:
            return None
        if self._finished.is_set() or not self._stream.active:
            return "the sound device stopped playing mid-session"
        last = self.feed.last_call
        if last is not None and time.monotonic() - last > STALLED:
            return "the sound device stopped taking sound mid-session"
        return None

    def close(self) -> None:
        """Stop at once (what the device holds is dropped) and release it; bounded."""
        if self._closed:
            return
        self._closed = True
        self.feed.cut()
        try:
            _bounded(self._stream.abort, BOUND, "stopping the sound")
            _bounded(self._stream.close, BOUND, "closing the sound device")
        except StreamError:  # a device that hangs (a frozen sound server)
            _forget_portaudio()
        except Exception:  # a device that is gone: nothing more to release
            pass


def _forget_portaudio() -> None:
    """Leave PortAudio as it is at exit: sounddevice's exit handler would close it, and
    wait forever for a sound server that no longer answers."""
    import atexit

    sounddevice = sys.modules.get("sounddevice")
    handler = getattr(sounddevice, "_exit_handler", None)
    if handler is not None:
        atexit.unregister(handler)


_alsa_handler: Any = None


def _quiet_alsa() -> None:
    """Give ALSA's C library an error handler that prints nothing: it would otherwise write
    its own lines ("underrun occurred") on fd 2 from PortAudio's thread, over our words."""
    global _alsa_handler
    if _alsa_handler is not None or not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        alsa = ctypes.CDLL("libasound.so.2")
        kind = ctypes.CFUNCTYPE(
            None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
        )
        handler = kind(lambda *_: None)
        alsa.snd_lib_error_set_handler(handler)
        _alsa_handler = handler  # kept alive: ALSA holds a pointer to it
    except (OSError, AttributeError):
        pass


def _problem(message: str) -> str:
    """A user's reading of PortAudio's error."""
    if "busy" in message.lower():
        return "the sound device is busy (another program is using it)"
    if "device -1" in message:  # PortAudio found no default output device
        return "cannot open the sound device (no sound output device was found)"
    return f"cannot open the sound device ({message})"


def hide_fd2(stream: Any = None) -> int | None:
    """Point fd 2 at /dev/null (after flushing ``stream``, by default ``sys.stderr``);
    returns a copy of the real fd 2 for ``restore_fd2``, or None if nothing changed."""
    try:
        (stream if stream is not None else sys.stderr).flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        return None
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 2)
        finally:
            os.close(devnull)
    except OSError:
        os.close(saved)
        return None
    return saved


def restore_fd2(saved: int | None) -> None:
    if saved is not None:
        os.dup2(saved, 2)
        os.close(saved)
