"""Rendering a session ahead into the stream's feed: 16-bit samples, each chunk tagged
with its script position, in a background thread that a cut (pause, skip) ends."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np

from voicecoach.audio.samples import Audio, Pcm
from voicecoach.compile.cuescript import SAMPLE_RATE
from voicecoach.play.stream import Feed

TICK = 0.05
"""Longest wait between checks of the keyboard, the device and the status line."""
JOIN_WAIT = 2.0
"""How long a render thread may take to notice it is cancelled (it checks between chunks)."""


def to_pcm(audio: Audio) -> Pcm:
    """Float samples to 16-bit, rounded as libsndfile does for a 16-bit export."""
    pcm: Pcm = np.rint(np.clip(audio, -1.0, 1.0) * 32767.0).astype(np.int16)
    return pcm


def pcm_bytes(pcm: Pcm) -> bytes:
    return pcm.astype("<i2", copy=False).tobytes()


def silence(seconds: float) -> Pcm:
    return np.zeros(round(seconds * SAMPLE_RATE), dtype=np.int16)


def take_samples(chunks: Iterator[Audio], count: int) -> tuple[Pcm, Audio | None]:
    """The first ``count`` samples of a render (as 16-bit), and the rest of the chunk they
    end in (None if they end on a chunk's end)."""
    parts: list[Pcm] = []
    have = 0
    while have < count:
        chunk = next(chunks, None)
        if chunk is None:
            raise RuntimeError(f"the render ended early, at sample {have}")
        need = count - have
        parts.append(to_pcm(chunk[:need]))
        have += min(need, len(chunk))
        if len(chunk) > need:
            return np.concatenate(parts), chunk[need:]
    return (np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)), None


class Renderer:
    """Renders from script sample ``position`` in a background thread into ``feed``, for
    one generation of it (a cut ends its work)."""

    def __init__(
        self,
        feed: Feed,
        chunks: Iterator[Audio],
        first: Audio | None,
        position: int,
        length: int,
    ) -> None:
        self.feed = feed
        self.generation = feed.generation
        self.done = threading.Event()
        self.error: BaseException | None = None
        self._cancel = threading.Event()
        feed.expect(True, self.generation)
        self._thread = threading.Thread(
            target=self._run,
            args=(chunks, first, position, length),
            name="voicecoach-render",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Cancel, and wait (bounded) for the thread to notice: one renderer at a time, as
        clip sources need not be thread-safe."""
        self._cancel.set()
        self._thread.join(JOIN_WAIT)

    def _put(self, data: bytes, position: int) -> bool:
        while not self._cancel.is_set():
            if self.feed.put(data, position, generation=self.generation, timeout=TICK):
                return True
            if self.feed.generation != self.generation:
                return False
        return False

    def _run(
        self, chunks: Iterator[Audio], first: Audio | None, position: int, length: int
    ) -> None:
        try:
            pending = first
            while position < length:
                if pending is None:
                    pending = next(chunks, None)
                    if pending is None:
                        raise RuntimeError(f"the render ended early, at sample {position}")
                pcm = to_pcm(pending[: length - position])
                pending = None
                if self._cancel.is_set() or not self._put(pcm_bytes(pcm), position):
                    return
                position += len(pcm)
            self.feed.expect(False, self.generation)
        except BaseException as err:  # handed to the player, which raises it
            self.error = err
        finally:
            self.done.set()
