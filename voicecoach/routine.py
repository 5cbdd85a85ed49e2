"""The routine format (version 1): typed, frozen data, and loading with located errors."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path


class WorkKind(str, enum.Enum):
    HOLD = "hold"
    REPS = "reps"
    DURATION = "duration"


@dataclass(frozen=True)
class Exercise:
    """One exercise; every duration is in seconds, defaults already applied.

    ``work`` is the kind of work. With ``REPS``, ``hold`` (if set) is the hold at the top
    of each rep. ``sides`` is ``None`` or the two side labels, in order.
    """

    name: str
    work: WorkKind
    cue: tuple[str, ...] = ()
    why: str | None = None
    hold: float | None = None
    reps: int | None = None
    tempo: tuple[float, ...] = (3.0,)
    phases: tuple[str, ...] = ()
    duration: float | None = None
    sides: tuple[str, str] | None = None
    sets: int = 1
    set_rest: float = 10.0
    switch: float = 5.0
    lead_in: float = 5.0
    rest: float = 10.0


@dataclass(frozen=True)
class Routine:
    """A whole routine. ``id`` is the file's stem; ``source`` the file it came from."""

    id: str
    name: str
    exercises: tuple[Exercise, ...]
    description: str | None = None
    language: str = "en"
    intro: str | None = None
    outro: str | None = None
    rounds: int = 1
    source: Path | None = None
