"""The chime set: names, exact lengths (the compiler times cues with these) and audio.

The WAVs in ``sounds/`` are made by ``scripts/make_chimes.py``; each is read once per
process and shared read-only.
"""

from __future__ import annotations

import functools
import wave

import numpy as np

from voicecoach import resources
from voicecoach.audio.samples import Audio
from voicecoach.compile.cuescript import SAMPLE_RATE, to_samples
from voicecoach.errors import VoicecoachError

# Each WAV in sounds/ is exactly this long; tests keep the files and this table equal.
CHIME_SECONDS: dict[str, float] = {
    "hold": 0.6,
    "release": 0.6,
    "switch": 0.9,
    "done": 1.6,
    "tick": 0.12,
    "next": 0.5,
    "count": 0.15,
    "last": 0.3,
    "phase": 0.2,
    "rest": 1.0,
    "set": 0.6,
}


class ChimeError(VoicecoachError):
    """A shipped chime file is missing or damaged (a broken installation)."""


def chime_samples(name: str) -> int:
    """Length of chime ``name`` in samples."""
    return to_samples(CHIME_SECONDS[name])


@functools.cache
def load_chime(name: str) -> Audio:
    """Chime ``name`` as float32 mono at ``SAMPLE_RATE``, ``chime_samples(name)`` long.

    Raises ``KeyError`` for a name not in ``CHIME_SECONDS`` and ``ChimeError`` when the
    file does not match the table (wrong length or format, unreadable).
    """
    length = chime_samples(name)
    path = resources.shipped_dir("sounds") / f"{name}.wav"
    try:
        with wave.open(str(path), "rb") as wav:
            shape = (wav.getnchannels(), wav.getsampwidth(), wav.getframerate())
            frames = wav.readframes(wav.getnframes())
    except (OSError, EOFError, wave.Error) as err:
        raise ChimeError(f"the chime {name!r} cannot be read from {path} ({err}); {_FIX}") from err
    if shape != (1, 2, SAMPLE_RATE) or len(frames) != 2 * length:
        raise ChimeError(
            f"the chime file {path} is not {length} samples of 16-bit mono audio at "
            f"{SAMPLE_RATE} Hz; {_FIX}"
        )
    audio: Audio = np.frombuffer(frames, dtype="<i2").astype(np.float32)
    audio /= np.float32(32768.0)
    audio.setflags(write=False)
    return audio


_FIX = "reinstall voicecoach, or in a checkout run: python scripts/make_chimes.py"
