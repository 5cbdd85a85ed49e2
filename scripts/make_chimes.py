"""Make voicecoach's chime set (sounds/*.wav) from code, so the sounds are ours and anyone
can make them again bit for bit: ``python scripts/make_chimes.py``.

Each chime is told apart by its pitch, its number of notes and its direction, so it can be
recognised with eyes closed:

- ``hold``: two bell notes rising a fourth (G5, C6): "start holding".
- ``release``: two lower bell notes falling a fifth (E5, A4): "let go".
- ``switch``: three quick wooden notes, low-high-low (D5, G5, D5): "other side".
- ``done``: a warm C major arpeggio (C4 E4 G4 C5, justly tuned) left to ring: "finished".
- ``tick``: a short soft pip (A6) for counts and countdowns.
- ``next``: one gentle round note (F5): a new exercise or set.
- ``count``: one short wooden knock (C5): a rep begins, in a session without a voice.
- ``last``: two quick higher knocks (A5): the last rep begins (the voice's "Last one").
- ``phase``: one soft low note (E4): the next phase of a rep ("Sink down", "Lower").
- ``rest``: two warm low notes falling a third, slowly (C#4, A3): "rest now".
- ``set``: one high round note struck twice (E6): "the same again", a new set or round.

``count``, ``last`` and ``phase`` stand in for the spoken counts when a session has no
voice, so a count, the last count, a phase and a countdown (``tick``) each sound different;
``rest`` and ``set`` stand in for "Rest" and "Set 2 of 3".

Every file is 22,050 Hz mono 16-bit, exactly as long as ``voicecoach.audio.sounds.CHIME_SECONDS``
says, and starts and ends on a zero sample (a raised-cosine attack on every note and a
raised-cosine fade at the end, so no clicks).

Level: as loud as two limits allow, a peak of -6 dBFS and an average of -18 dBFS while the
chime sounds ("active RMS": RMS over the 20 ms frames above -40 dBFS). Measured with
``--loudness`` against espeak-ng at its default settings, eight cue phrases from "Hold" to
"Glute bridge, lift your hips and hold":

- speech: active RMS -21.4 to -18.6 dBFS, -20.0 on average; peaks -7.9 to -1.4 dBFS;
- chimes: active RMS -18.0 (switch -17.8, done -18.2); peaks hold -7.5, release -8.2,
  switch -6.0, done -6.0, tick -6.7, next -9.3, count -7.2, last -6.7, phase -8.2,
  rest -8.8, set -8.9 dBFS.

So a chime sits 2 dB above the voice on average: as loud as the speech around it, and
still heard when music plays under the session.
"""

from __future__ import annotations

import argparse
import io
import sys
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from voicecoach.audio.sounds import CHIME_SECONDS, chime_samples
from voicecoach.compile.cuescript import SAMPLE_RATE
from voicecoach.resources import shipped_dir

Signal = npt.NDArray[np.float64]

PEAK_DBFS = -6.0  # the loudest any chime may peak
ACTIVE_RMS_DBFS = -18.0  # and the most it may average while sounding: 2 dB over the voice
ATTACK = 0.006  # seconds of raised-cosine attack on every note: soft, but not late
FADE = 0.020  # seconds of raised-cosine fade at the end of every file


@dataclass(frozen=True)
class Timbre:
    """Partials as (frequency ratio, amplitude, decay time in seconds)."""

    partials: tuple[tuple[float, float, float], ...]


# A small bell: nearly harmonic, with one stretched partial for a little shimmer.
BELL = Timbre(((1.0, 1.0, 0.45), (2.0, 0.30, 0.22), (3.01, 0.10, 0.12), (4.17, 0.05, 0.07)))
# Wood (a marimba bar): the fundamental and its fourth harmonic, both short.
WOOD = Timbre(((1.0, 1.0, 0.15), (3.98, 0.22, 0.03), (9.9, 0.04, 0.012)))
# Warm and round, for the arpeggio: a long fundamental, soft overtones.
WARM = Timbre(((1.0, 1.0, 0.9), (2.0, 0.22, 0.45), (3.0, 0.07, 0.25)))
ROUND = Timbre(((1.0, 1.0, 0.30), (2.0, 0.16, 0.12)))
PIP = Timbre(((1.0, 1.0, 0.025),))
# A knock: wood damped at once, short enough to mark a beat without ringing into the next.
KNOCK = Timbre(((1.0, 1.0, 0.05), (3.98, 0.22, 0.012)))
# Soft and low, for the quieter half of a rep: almost a pure tone.
SOFT = Timbre(((1.0, 1.0, 0.08), (2.0, 0.10, 0.04)))

# Equal-tempered pitches in Hz.
A3, C4, CS4, E4, A4, C5, D5, E5 = 220.00, 261.63, 277.18, 329.63, 440.00, 523.25, 587.33, 659.26
F5, G5, A5, C6, E6, A6 = 698.46, 783.99, 880.00, 1046.50, 1318.51, 1760.00


def note(freq: float, timbre: Timbre, length: int, level: float = 1.0) -> Signal:
    """One struck note ``length`` samples long, from silence (raised-cosine attack)."""
    t = np.arange(length, dtype=np.float64) / SAMPLE_RATE
    out = np.zeros(length, dtype=np.float64)
    for ratio, amplitude, decay in timbre.partials:
        out += amplitude * np.exp(-t / decay) * np.sin(2 * np.pi * freq * ratio * t)
    attack = min(length, round(ATTACK * SAMPLE_RATE))
    out[:attack] *= 0.5 - 0.5 * np.cos(np.pi * np.arange(attack) / attack)
    return level * out


def sequence(length: int, notes: Sequence[tuple[float, float, Timbre, float]]) -> Signal:
    """Notes (start in seconds, frequency, timbre, level) mixed into ``length`` samples."""
    out = np.zeros(length, dtype=np.float64)
    for start, freq, timbre, level in notes:
        begin = round(start * SAMPLE_RATE)
        out[begin:] += note(freq, timbre, length - begin, level)
    return out


def design(name: str, length: int) -> Signal:
    """The chime ``name`` before its fade and level."""
    if name == "hold":
        return sequence(length, [(0.0, G5, BELL, 0.8), (0.16, C6, BELL, 1.0)])
    if name == "release":
        return sequence(length, [(0.0, E5, BELL, 0.8), (0.18, A4, BELL, 1.0)])
    if name == "switch":
        return sequence(
            length, [(0.0, D5, WOOD, 1.0), (0.15, G5, WOOD, 0.9), (0.30, D5, WOOD, 1.0)]
        )
    if name == "done":
        # Just intonation (1, 5/4, 3/2, 2): the partials of the four notes coincide
        # instead of beating against each other.
        steps = [(0.0, 1.0, 1.0), (0.13, 5 / 4, 0.8), (0.26, 3 / 2, 0.7), (0.39, 2.0, 0.6)]
        arpeggio = [(at, C4 * ratio, level) for at, ratio, level in steps]
        return sequence(length, [(at, f, WARM, level) for at, f, level in arpeggio])
    if name == "tick":
        return note(A6, PIP, length)
    if name == "next":
        return note(F5, ROUND, length)
    if name == "count":
        return note(C5, KNOCK, length)
    if name == "last":
        return sequence(length, [(0.0, A5, KNOCK, 1.0), (0.11, A5, KNOCK, 1.0)])
    if name == "phase":
        return note(E4, SOFT, length)
    if name == "rest":
        return sequence(length, [(0.0, CS4, WARM, 0.7), (0.3, A3, WARM, 1.0)])
    if name == "set":
        return sequence(length, [(0.0, E6, ROUND, 1.0), (0.25, E6, ROUND, 0.8)])
    raise KeyError(name)


def chime(name: str) -> npt.NDArray[np.int16]:
    """The finished chime: exact length, ends faded to zero, as loud as ``PEAK_DBFS`` and
    ``ACTIVE_RMS_DBFS`` both allow."""
    length = chime_samples(name)
    audio = design(name, length)
    fade = min(length // 4, round(FADE * SAMPLE_RATE))
    # Half a cosine from 1 down to exactly 0 on the last sample.
    audio[length - fade :] *= 0.5 + 0.5 * np.cos(np.pi * np.arange(1, fade + 1) / fade)
    by_peak = 10 ** (PEAK_DBFS / 20) / np.max(np.abs(audio))
    by_rms = 10 ** ((ACTIVE_RMS_DBFS - active_rms_dbfs(audio)) / 20)
    audio *= min(by_peak, by_rms)
    return np.round(audio * 32767).astype("<i2")


def wav_bytes(pcm: npt.NDArray[np.int16]) -> bytes:
    """A plain 16-bit mono WAV (stdlib ``wave``: no metadata, the same bytes every time)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.astype("<i2").tobytes())
    return buffer.getvalue()


def active_rms_dbfs(audio: npt.NDArray[np.floating], frame: int = 441) -> float:
    """RMS over the 20 ms frames louder than -40 dBFS: the level while something sounds."""
    usable = len(audio) // frame * frame
    frames = np.asarray(audio[:usable], dtype=np.float64).reshape(-1, frame)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    loud = frames[rms > 10 ** (-40 / 20)]
    return float(10 * np.log10(np.mean(loud**2)))


SPEECH_SAMPLES = (
    "Hold",
    "Release",
    "Switch sides",
    "Cat cow",
    "Breathe in slowly and let your back round",
    "Three",
    "Glute bridge, lift your hips and hold",
    "Next: child's pose",
)


def loudness_report() -> list[str]:
    """Chime and speech levels side by side (needs the voice engine)."""
    import tempfile

    from voicecoach.audio.speech import Speech

    lines = []
    for name in CHIME_SECONDS:
        pcm = chime(name).astype(np.float64) / 32768
        lines.append(f"chime {name:8} active RMS {active_rms_dbfs(pcm):6.1f} dBFS")
    with tempfile.TemporaryDirectory() as tmp:
        voice = Speech(cache_dir=Path(tmp))
        levels = []
        for text in SPEECH_SAMPLES:
            clip = voice.clip(text)
            level = active_rms_dbfs(clip)
            levels.append(level)
            peak = 20 * np.log10(np.max(np.abs(clip)))
            lines.append(f"speech {text!r}: active RMS {level:6.1f}, peak {peak:5.1f} dBFS")
    lines.append(f"speech average active RMS {float(np.mean(levels)):6.1f} dBFS")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=None, help="folder (default: sounds/)")
    parser.add_argument(
        "--check",
        action="store_true",
        help="only compare with the files there; exit 1 if any differ",
    )
    parser.add_argument(
        "--loudness", action="store_true", help="print chime and speech levels (needs espeak-ng)"
    )
    args = parser.parse_args(argv)
    if args.loudness:
        print("\n".join(loudness_report()))
        return 0
    folder: Path = args.out or shipped_dir("sounds")
    differ = []
    for name in CHIME_SECONDS:
        path = folder / f"{name}.wav"
        data = wav_bytes(chime(name))
        if args.check:
            if not path.is_file() or path.read_bytes() != data:
                differ.append(path)
            continue
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path} ({CHIME_SECONDS[name]} s)")
    for path in differ:
        print(f"differs: {path}", file=sys.stderr)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
