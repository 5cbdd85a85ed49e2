"""Rendering: a cue script, speech clips and chimes become a stream of PCM chunks.

Each cue's audio starts on exactly sample ``cue.start``, so the stream is the script
sample for sample, and ``play`` and ``export`` consume the same chunks. Clips are fetched
only when the stream reaches them and dropped once played, so memory does not grow with
the length of the session.
"""

from __future__ import annotations

import bisect
import functools
import queue
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from voicecoach.audio.samples import Audio
from voicecoach.compile.cuescript import SAMPLE_RATE, Cue, CueScript, CueType
from voicecoach.errors import VoicecoachError

__all__ = [
    "DEFAULT_CHUNK",
    "ClipSource",
    "RenderError",
    "chime_source",
    "first_cue",
    "read_ahead",
    "render",
]

ClipSource = Callable[[str], Audio]

DEFAULT_CHUNK = 4096


class RenderError(VoicecoachError):
    """A clip does not fit the script it is rendered into."""


@dataclass(frozen=True)
class _Active:
    """A clip being played: its first sample in the session, its audio, already scaled."""

    start: int
    audio: Audio

    @property
    def end(self) -> int:
        return self.start + len(self.audio)


def _as_mono(audio: object, what: str) -> Audio:
    array = np.asarray(audio, dtype=np.float32)
    if array.ndim != 1:
        raise RenderError(f"{what} is not mono audio (shape {array.shape})")
    return array


def _fetch(cue: Cue, speech: ClipSource, chime: ClipSource) -> Audio:
    """The clip for ``cue``, checked against the length the script gave it."""
    if cue.type is CueType.SPEECH:
        audio = _as_mono(speech(cue.text), f"the speech clip for {cue.text!r}")
        if len(audio) != cue.length:
            raise RenderError(
                f"the speech clip for {cue.text!r} is {len(audio)} samples long but the "
                f"script gives it {cue.length}: the script was compiled with other speech "
                "durations; compile it again with the same voice settings"
            )
    else:
        audio = _as_mono(chime(cue.sound), f"the chime {cue.sound!r}")
        if len(audio) < cue.length:
            raise RenderError(
                f"the chime {cue.sound!r} is {len(audio)} samples long but the script "
                f"gives it {cue.length}: the chime files do not match the chime table"
            )
        if len(audio) > cue.length:
            audio = _shortened(audio, cue.length)
    return audio


#: Fade applied where a chime is cut short, so the cut makes no click (5 ms).
CUT_FADE = 110


def _shortened(audio: Audio, length: int) -> Audio:
    """The first ``length`` samples of a chime, faded out: a hold shorter than its chime
    gets a shortened chime so that the release chime still lands exactly on time."""
    cut: Audio = audio[:length].copy()
    fade = min(CUT_FADE, length)
    cut[length - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return cut


def first_cue(script: CueScript, position: int) -> int:
    """Index of the first cue still sounding at or after ``position`` (bisect, for seeking)."""
    cues = script.cues
    index = bisect.bisect_left(cues, position, key=lambda cue: cue.start)
    # Cues never overlap, so at most the one before may still be sounding; walking back
    # also covers a script that breaks that rule, as long as its overlaps are contiguous.
    while index > 0 and cues[index - 1].end > position:
        index -= 1
    return index


def render(
    script: CueScript,
    speech: ClipSource,
    chime: ClipSource,
    start: int = 0,
    chunk: int = DEFAULT_CHUNK,
    voice_gain: float = 1.0,
    chime_gain: float = 1.0,
) -> Iterator[Audio]:
    """Yield float32 mono chunks covering samples ``[start, script.length)``.

    ``speech(text)`` and ``chime(name)`` give each cue's audio at ``SAMPLE_RATE``; a clip
    whose length differs from its cue's raises ``RenderError``. ``start`` lets a player
    seek; a cue already under way at ``start`` plays from the middle. Every chunk is
    ``chunk`` samples long except the last, and is a fresh array the caller may keep.
    """
    if chunk <= 0:
        raise ValueError(f"chunk must be positive, not {chunk}")
    if script.sample_rate != SAMPLE_RATE:
        raise RenderError(
            f"the script is timed at {script.sample_rate} Hz but audio renders at {SAMPLE_RATE} Hz"
        )
    return _render(
        script, speech, chime, max(0, min(start, script.length)), chunk, voice_gain, chime_gain
    )


def _render(
    script: CueScript,
    speech: ClipSource,
    chime: ClipSource,
    start: int,
    chunk: int,
    voice_gain: float,
    chime_gain: float,
) -> Iterator[Audio]:
    cues = script.cues
    total = script.length
    pointer = first_cue(script, start)
    active: list[_Active] = []
    position = start
    while position < total:
        end = min(position + chunk, total)
        while pointer < len(cues) and cues[pointer].start < end:
            cue = cues[pointer]
            pointer += 1
            if cue.length <= 0 or cue.end <= position:
                continue
            audio = _fetch(cue, speech, chime)
            gain = voice_gain if cue.type is CueType.SPEECH else chime_gain
            if gain != 1.0:
                audio = audio * np.float32(gain)
            active.append(_Active(cue.start, audio))
        out = np.zeros(end - position, dtype=np.float32)
        mixed = 0
        for clip in active:
            lo = max(clip.start, position)
            hi = min(clip.end, end)
            if lo < hi:
                out[lo - position : hi - position] += clip.audio[lo - clip.start : hi - clip.start]
                mixed += 1
        active = [clip for clip in active if clip.end > end]
        if mixed:  # silence needs no clipping; two ufuncs cost less than np.clip's wrapper
            np.minimum(out, 1.0, out=out)
            np.maximum(out, -1.0, out=out)
        yield out
        position = end


def read_ahead(chunks: Iterable[Audio], depth: int = 8) -> Generator[Audio, None, None]:
    """Yield ``chunks`` produced on a background thread, up to ``depth`` ahead.

    Rendering then overlaps whatever the consumer does outside the GIL (an encoder, a
    sound device). An error in rendering is raised in the consumer; closing the iterator
    (or an exception in the consumer) stops the thread.
    """
    items: queue.Queue[Audio | Exception | None] = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(item: Audio | Exception | None) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
        except Exception as err:  # handed to the consumer, which raises it
            put(err)
            return
        put(None)

    thread = threading.Thread(target=produce, name="voicecoach-render", daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is None:
                return
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=1.0)


def chime_source(load: ClipSource) -> ClipSource:
    """Memoize a chime loader: a session reuses a handful of short chimes many times."""
    return functools.lru_cache(maxsize=None)(load)
