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

Nobody is looking, so the controls are heard: a pause plays a soft chime, and "Paused"
when it lasts; a skip that lands where the session does not name the exercise names it
(the sounds are made before play starts, ``Spoken``). Keys and the media player's commands
(``controls``: Play, Pause, Previous, Stop) arrive by the same ``Controls.wait``. The
paused state is the one place the session holds still until Play: a step that waits for
the person would enter it at its cue, with a deadline after which the loop goes on by
itself.

The session opens with a short silence and then its *opening*, the first ten seconds or so
up to a silence. When the quick start (``warmstart``) already has this command's stored
opening playing in the stream, the player checks it is the same, sample for sample, and
feeds what follows it; a stale one is cut off and the session starts from its beginning.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from voicecoach.audio.samples import Audio, Pcm
from voicecoach.compile.cuescript import SAMPLE_RATE, CueScript
from voicecoach.errors import AudioDeviceError
from voicecoach.play import controls as commands
from voicecoach.play.ahead import TICK, Renderer, pcm_bytes, silence, take_samples
from voicecoach.play.keys import Controls, NoControls
from voicecoach.play.outcome import (
    AudioDeviceLost,
    Output,
    PlaybackInterrupted,
    PlayResult,
    export_hint,
    open_output,
)
from voicecoach.play.position import (
    MIN_CUT_GAP,
    chapter_at,
    cut_points,
    next_chapter_start,
    opening_end,
    previous_chapter_start,
    resume_point,
    status_text,
    this_chapter_start,
    unnamed_landing,
)
from voicecoach.play.stream import Feed
from voicecoach.play.waits import Waiting, waiting_at, waits

__all__ = [
    "AudioDeviceLost",
    "Output",
    "PlayResult",
    "PlaybackInterrupted",
    "Player",
    "Spoken",
    "export_hint",
    "open_output",
]

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
NAME_AFTER = 0.4
"""After a skip's spoken exercise name, before the session goes on."""
PAUSE_BEFORE = 0.15
"""Silence between the sound stopping and the pause chime."""
PAUSE_CHIME = "release"
PAUSE_GAIN = 0.35
"""The pause chime: the falling "let go", quieter than the session's chimes."""
SAY_PAUSED_AFTER = 2.0
"""A pause that lasts this long (seconds) is said to be one: "Paused"."""
PREVIOUS_AGAIN = 3.0
"""Previous pressed again within this many seconds goes to the exercise before."""

CHUNK = 4096

STATUS_EVERY = 0.25
DRAIN_WAIT = 1.0
"""How long, beyond the device's latency, the end of the session may take to be heard."""
GAP = 0.02
"""A wait for the program this long (seconds: the promise's tolerance) is reported."""
GAP_EVERY = 5.0
"""At most one such report in this many seconds."""


@dataclass(frozen=True)
class Spoken:
    """What the player says of itself, made before play starts so that nothing is
    synthesized mid-session: the pause chime, "Paused" for a pause that lasts, and the
    exercise names a skip may land on (``position.unnamed_landing``)."""

    pause_cue: Pcm
    paused: Pcm | None = None
    names: tuple[tuple[str, Pcm], ...] = ()

    def name(self, title: str) -> Pcm | None:
        return next((pcm for said, pcm in self.names if said == title), None)


Watch = Callable[[int, bool, int], None]
"""Told the position heard, whether paused, and how many skips so far (the media player)."""


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
        spoken: Spoken | None = None,
        watch: Watch | None = None,
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
        self._gaps_told = 0  # samples of the feed's ``behind`` already reported
        self._gap_told_at: float | None = None
        self._spoken = spoken
        self._watch = watch
        self._paused_since: float | None = None
        self._said_paused = False
        self._jumps = 0
        self._previous: tuple[float, int] | None = None  # when Previous was pressed, landing
        self._landing: tuple[int, float] | None = None  # a skip's target, shown until then
        self._waits = waits(script)
        self._looped_until = 0.0  # an open wait went round: the device plays out till then

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
            self._say_paused()
            self._hold_open_wait()
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
        """Say so when the sound had to wait for the program longer than the feed wins back
        (a machine far too busy to render in time, or slower to load than the quick start's
        opening lasts): from there on the session is heard that much later than the export,
        though every cue stays whole."""
        gap = self._feed.behind - self._gaps_told
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
        self._paused_since = None
        self._drained_at = None
        self._renderer = Renderer(self._feed, self._source(start), None, start, self.script.length)
        self._show(force=True)

    def _handle(self, keys: str) -> bool:
        """Act on typed keys and the media player's commands (``controls``); True to quit."""
        for key in keys:
            if key == "\x03":
                raise KeyboardInterrupt
            if key in "qQ":
                return True
            paused = self._paused_at is not None
            waiting = waiting_at(self._waits, self.position())
            if waiting is not None and key in (commands.TOGGLE, commands.PLAY):
                self._go_on(waiting)
            elif key == commands.TOGGLE or (key == commands.PLAY and paused):
                self._toggle()
            elif key == commands.PAUSE and not paused:
                self._pause()
            elif key in "nN":
                self._seek(next_chapter_start(self.script, self.position()))
            elif key in "bB":
                self._seek(this_chapter_start(self.script, self.position()))
            elif key == commands.PREVIOUS:
                self._go_previous()
        return False

    def _toggle(self) -> None:
        if self._paused_at is None:
            self._pause()
        else:
            self._begin(self._paused_at, self._resume_cue)

    def _go_on(self, waiting: Waiting) -> None:
        """Play pressed in a wait: on to its end, its ``go`` chime and what follows."""
        self._jumps += 1
        target = waiting.zone[1]
        latency = self._output.latency if self._output is not None else 0.0
        self._landing = (target, self._clock() + latency + SEEK_SILENCE)
        self._begin(target, silence(SEEK_SILENCE))

    def _hold_open_wait(self) -> None:
        """An open wait never runs out: near its end, back to its start (``play.waits``)."""
        now = self._clock()
        if self._paused_at is not None or now < self._looped_until:
            return
        heard = self.position()
        waiting = waiting_at(self._waits, heard)
        if waiting is None or waiting.loop_at is None or heard < waiting.loop_at:
            return
        latency = self._output.latency if self._output is not None else 0.0
        self._looped_until = now + latency + 2 * TICK
        self._begin(waiting.span.start, silence(TICK))

    def _go_previous(self) -> None:
        """The start of this exercise; again within PREVIOUS_AGAIN, the one before."""
        now = self._clock()
        if self._previous is not None and now - self._previous[0] < PREVIOUS_AGAIN:
            target = previous_chapter_start(self.script, self._previous[1])
        else:
            target = this_chapter_start(self.script, self.position())
        self._seek(target)
        self._previous = (now, target)

    def _say_paused(self) -> None:
        """A pause that lasts is said to be one, once."""
        if self._paused_since is None or self._said_paused or self._paused_at is None:
            return
        if self._clock() - self._paused_since < SAY_PAUSED_AFTER:
            return
        self._said_paused = True
        if self._spoken is not None and self._spoken.paused is not None:
            cue = pcm_bytes(self._spoken.paused)
            self._feed.put(cue, self._paused_at, moves=False, generation=self._feed.generation)

    def _pause(self) -> None:
        """Stop feeding: the sound stops once the device has played what it holds, and
        the session goes on from there (or from the start of a cue cut off)."""
        stopped = min(max(self._feed.cut(), 0), self.script.length)
        self._stop_renderer()
        self._paused_at = resume_point(self.script, stopped)
        self._paused_since = self._clock()
        self._said_paused = False
        if self._spoken is not None:
            cue = pcm_bytes(np.concatenate([silence(PAUSE_BEFORE), self._spoken.pause_cue]))
            self._feed.put(cue, self._paused_at, moves=False, generation=self._feed.generation)
        self._show(force=True)

    def _seek(self, target: int) -> None:
        """Skip to ``target``, naming the exercise there if the session would not."""
        target = min(target, self.script.length)
        prelude = [silence(SEEK_SILENCE)]
        title = unnamed_landing(self.script, target)
        name = self._spoken.name(title) if self._spoken is not None and title else None
        if name is not None:
            prelude += [name, silence(NAME_AFTER)]
        self._jumps += 1
        latency = self._output.latency if self._output is not None else 0.0
        sound = np.concatenate(prelude)
        self._landing = (target, self._clock() + latency + len(sound) / SAMPLE_RATE)
        self._begin(target, sound)

    def _shown_position(self) -> int:
        """The position to show: after a skip, where it lands, until it is heard there
        (the device first plays out what it holds)."""
        if self._landing is not None and self._paused_at is None:
            target, until = self._landing
            if self._clock() < until:
                return target
        self._landing = None
        return self.position()

    def _show(self, force: bool = False) -> None:
        if self._status is None and self._watch is None:
            return
        now = self._clock()
        if not force and now - self._last_status < STATUS_EVERY:
            return
        self._last_status = now
        paused = self._paused_at is not None
        position = self._shown_position()
        if self._watch is not None:
            self._watch(position, paused, self._jumps)
        if self._status is not None:
            self._status(status_text(self.script, position, paused))
