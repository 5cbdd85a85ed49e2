"""Where each cue of a session was heard, against the export of the same routine.

A recording of live play is compared with ``voicecoach export ... --cues``: both are
measured from their first sound, and every cue is looked for, by cross-correlation, near
the place the export gives it. That catches a shift anywhere in the session (a hold made
shorter at a block boundary), which positions relative to one chime can miss.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from audio_env import Match, Samples, first_loud, last_loud, locate

from voicecoach.compile.cuescript import SAMPLE_RATE

TEMPLATE = round(1.0 * SAMPLE_RATE)
"""At most this much of a cue (from its onset) is looked for in the recording."""
FIRST_SEARCH = 0.2
"""How far from the first loud sample the first cue is looked for (seconds)."""
HEARD = 0.9
"""The least normalized correlation at which a cue counts as heard there."""


def voicecoach(*args: str) -> list[str]:
    """The command line of the real entry point, in this interpreter."""
    return [sys.executable, "-m", "voicecoach", *args]


def export(routine: str, env: dict[str, str], folder: Path) -> tuple[Samples, Path]:
    """``routine`` as ``voicecoach export --cues`` writes it (this also fills the speech
    cache): its samples, and the path of its cue script."""
    wav, cues = folder / "export.wav", folder / "export.json"
    done = subprocess.run(
        voicecoach("export", routine, "-o", str(wav), "--cues", str(cues)),
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    audio, rate = sf.read(wav, dtype="int16")
    assert rate == SAMPLE_RATE
    return np.asarray(audio, dtype=np.int16), cues


@dataclass(frozen=True)
class Cue:
    """A cue of an export's cue script, in samples."""

    what: str
    start: int
    length: int


def export_cues(path: Path) -> list[Cue]:
    """The cues of ``voicecoach export --cues`` JSON."""
    data = json.loads(path.read_text())
    return [
        Cue(
            cue.get("text") or f"[chime {cue.get('sound')}]",
            round(cue["at"] * SAMPLE_RATE),
            max(1, round(cue["duration"] * SAMPLE_RATE)),
        )
        for cue in data["cues"]
    ]


@dataclass(frozen=True)
class Offset:
    """Where a cue was heard against where the export puts it (both in the recording)."""

    cue: Cue
    expected: int
    match: Match

    @property
    def samples(self) -> int:
        return self.match.index - self.expected

    @property
    def ms(self) -> float:
        return 1000.0 * self.samples / SAMPLE_RATE

    @property
    def heard(self) -> bool:
        return self.match.correlation >= HEARD

    def __str__(self) -> str:
        place = f"{self.cue.what!r} at {self.cue.start / SAMPLE_RATE:.2f} s"
        if not self.heard:
            return f"{place} not heard (best correlation {self.match.correlation:.2f})"
        return f"{place} {self.ms:+.1f} ms"


@dataclass(frozen=True)
class Comparison:
    """Every cue's onset in a recording against the export, both measured from their
    first sound, and the same for the session's last sound."""

    origin: int
    """The recording's index of the export's sample 0 (first sounds aligned)."""
    offsets: list[Offset]
    end_ms: float | None
    """The last sound's offset; None when the session was not heard to its end."""
    missed_ms: float
    """How much of the first sound's start the recording lacks."""

    def worst(self) -> Offset:
        return max(self.offsets, key=lambda o: (not o.heard, abs(o.samples)))

    def off(self, tolerance_ms: float) -> list[Offset]:
        """The cues not heard, or heard more than ``tolerance_ms`` from their place."""
        return [o for o in self.offsets if not o.heard or abs(o.ms) > tolerance_ms]

    def summary(self) -> str:
        worst = self.worst()
        spread = [o.ms for o in self.offsets if o.heard]
        span = f"{min(spread):+.1f} to {max(spread):+.1f} ms" if spread else "none heard"
        end = "not reached" if self.end_ms is None else f"{self.end_ms:+.1f} ms"
        return (
            f"{len(self.offsets)} cues {span}, worst {worst}; last sound {end}; "
            f"first {self.missed_ms:.1f} ms of the first sound not recorded"
        )


def compare(
    heard: Samples,
    export: Samples,
    cues: Sequence[Cue],
    search: float = 2.0,
    level: int = 64,
    after: int = 0,
    whole: bool = True,
) -> Comparison:
    """Find every cue of ``export`` in ``heard`` (the recording, from sample ``after``) by
    cross-correlating up to a second of the export from its onset within ``search``
    seconds of where the first sounds say it belongs; with ``whole``, the session's last
    sound too.

    The first sound is placed by correlation too, near the first loud sample: a monitor
    may miss the first milliseconds of a stream waking an idle sink, which would move a
    first loud sample but not the place where the first cue fits."""
    # A cue may begin before the recording does (the monitor missed the stream's first
    # milliseconds): room in front, so the first cue still fits where it began.
    pad = round(FIRST_SEARCH * SAMPLE_RATE)
    heard = np.concatenate([np.zeros(pad, dtype=heard.dtype), heard])
    after += pad
    first_export = first_loud(export, level)
    first_heard = first_loud(heard, level, after)
    if first_export is None:
        raise AssertionError("the export is silent")
    if first_heard is None:
        raise AssertionError("nothing was heard")
    opening = min(cues, key=lambda cue: cue.start)
    rough = first_heard - first_export
    template = export[opening.start : opening.start + min(opening.length, TEMPLATE)]
    placed = locate(heard, template, rough + opening.start, round(FIRST_SEARCH * SAMPLE_RATE))
    if placed.correlation < HEARD:
        raise AssertionError(
            f"the first sound heard is not {opening.what!r} (correlation {placed.correlation:.2f})"
        )
    origin = placed.index - opening.start
    window = round(search * SAMPLE_RATE)
    offsets = []
    for cue in cues:
        template = export[cue.start : cue.start + min(cue.length, TEMPLATE)]
        expected = origin + cue.start
        offsets.append(Offset(cue, expected, locate(heard, template, expected, window)))
    end_ms = None
    last_export = last_loud(export, level)
    last_heard = last_loud(heard[origin : origin + len(export) + window], level)
    if whole and last_export is not None and last_heard is not None:
        end_ms = 1000.0 * (last_heard - last_export) / SAMPLE_RATE
    missed_ms = 1000.0 * (first_heard - origin - first_export) / SAMPLE_RATE
    return Comparison(origin - pad, offsets, end_ms, missed_ms)
