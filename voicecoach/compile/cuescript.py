"""The cue script: every sound of a session with its exact start, in samples.

Times are whole samples at ``SAMPLE_RATE`` so that the script, the rendered audio and
the export agree to the sample; seconds are derived for JSON and display.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any

SAMPLE_RATE = 22050
FORMAT = "voicecoach.cues/1"


def to_samples(seconds: float) -> int:
    """Seconds to the nearest whole sample."""
    return round(seconds * SAMPLE_RATE)


def to_seconds(samples: int) -> float:
    """Samples to seconds, rounded to the microsecond for output."""
    return round(samples / SAMPLE_RATE, 6)


class CueType(str, enum.Enum):
    SPEECH = "speech"
    CHIME = "chime"


@dataclass(frozen=True)
class Cue:
    """One sound: speech (``text``) or a chime (``sound``), from ``start`` for ``length``.

    ``role`` says what the cue is for (``name``, ``count``, ``countdown``, ``callout``, ...);
    the context fields locate it in the routine (exercise index is 0-based).
    """

    start: int
    length: int
    type: CueType
    text: str = ""
    sound: str = ""
    role: str = ""
    exercise: int | None = None
    round: int | None = None
    side: str | None = None
    set: int | None = None

    @property
    def end(self) -> int:
        return self.start + self.length

    @property
    def at(self) -> float:
        return to_seconds(self.start)

    @property
    def duration(self) -> float:
        return to_seconds(self.length)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"at": self.at, "duration": self.duration, "type": self.type.value}
        if self.type is CueType.SPEECH:
            out["text"] = self.text
        else:
            out["sound"] = self.sound
        if self.role:
            out["role"] = self.role
        for key in ("exercise", "round", "side", "set"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True)
class Chapter:
    """One exercise in one round; ``start``/``end`` in samples."""

    title: str
    start: int
    end: int
    exercise: int
    round: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "start": to_seconds(self.start),
            "end": to_seconds(self.end),
            "exercise": self.exercise,
            "round": self.round,
        }


@dataclass(frozen=True)
class WaitSpan:
    """Where a session waits for the person (a ``wait`` step): from ``start`` to ``end``
    in samples, as long as it lasts where nobody can press play (an export). Live play
    goes on to ``end`` when play is pressed; an ``open`` wait (no longest) is waited out
    until then, a bounded one goes on by itself at ``end``."""

    start: int
    end: int
    open: bool
    exercise: int
    round: int = 1
    side: str | None = None
    set: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "at": to_seconds(self.start),
            "duration": to_seconds(self.end - self.start),
            "until": "play",
            "longest": None if self.open else to_seconds(self.end - self.start),
            "exercise": self.exercise,
            "round": self.round,
        }
        for key in ("side", "set"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True)
class CueScript:
    """A compiled session: cues sorted by start, chapters in order, total length, and
    the spans where it waits for the person (``waits``, in order)."""

    routine_id: str
    routine_name: str
    length: int
    chapters: tuple[Chapter, ...]
    cues: tuple[Cue, ...]
    language: str = "en"
    sample_rate: int = field(default=SAMPLE_RATE)
    waits: tuple[WaitSpan, ...] = ()

    @property
    def duration(self) -> float:
        return to_seconds(self.length)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": FORMAT,
            "routine": {"id": self.routine_id, "name": self.routine_name},
            "duration": self.duration,
            "sample_rate": self.sample_rate,
            "language": self.language,
            "chapters": [c.to_dict() for c in self.chapters],
            "cues": [c.to_dict() for c in self.cues],
        }
        if self.waits:  # only where there are any: other sessions' JSON is as it was
            out["waits"] = [w.to_dict() for w in self.waits]
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
