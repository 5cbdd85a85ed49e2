"""The routine format (version 1) as data: typed frozen dataclasses and the format's words.

``Routine`` and ``Exercise`` are what a loaded file becomes (see ``routine.load``); the
format's keys and limits, its id pattern, the durations it accepts and a routine's nominal
length are defined here once, for the loader, the schema, the starter and the compiler.
Only the standard library is imported, so using a duration or an id costs no YAML.
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final


class WorkKind(str, enum.Enum):
    HOLD = "hold"
    REPS = "reps"
    DURATION = "duration"
    WAIT = "wait"
    """A step that waits for the person (``wait`` without ``reps``): getting a band,
    moving to the floor."""


OPEN_WAIT_SECONDS: Final = 60.0
"""What a wait with no longest (``wait: true``) lasts where nobody can press play: in an
export, in ``script`` and in a routine's length."""
REMIND_SECONDS: Final = 30.0
"""How often a wait's reminder is said unless the routine sets ``remind``."""


@dataclass(frozen=True)
class Wait:
    """Waiting for the person to press play: at most ``longest`` seconds (None: as long
    as it takes), with a reminder every ``remind`` seconds (0: in silence)."""

    longest: float | None = None
    remind: float = REMIND_SECONDS

    @property
    def timed(self) -> float:
        """How long the wait lasts where nobody can press play (export, script)."""
        return self.longest if self.longest is not None else OPEN_WAIT_SECONDS


@dataclass(frozen=True)
class Exercise:
    """One exercise; every duration is in seconds, defaults already applied.

    ``work`` is the kind of work. With ``REPS``, ``hold`` (if set) is the hold at the top
    of each rep. ``sides`` is ``None`` or the two side labels, in order. ``wait`` makes
    the work wait for the person: a ``WAIT`` step, or ``REPS`` done at their own pace.
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
    wait: Wait | None = None


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
    exercises_at: tuple[int, int] = field(default=(1, 1), compare=False, repr=False)
    """Line and column of the ``exercises`` key, where session-wide problems are shown."""


# --- limits and vocabulary of the format ------------------------------------------------

SUPPORTED_VERSIONS: Final = (1,)
MAX_FILE_BYTES: Final = 1024 * 1024
MAX_DURATION: Final = 3600.0
# A routine needs four levels (top, exercise list, exercise, tempo list); anything far
# deeper is hostile, and stopping early keeps the composer's recursion shallow.
MAX_DEPTH: Final = 32
MAX_VALUES: Final = 20_000
"""YAML values (keys, texts, numbers, lists, mappings) a routine file may hold. A 4-hour
routine of 200 exercises needs about 2,000; composing stops at the limit, so a 1 MiB file
of tiny values cannot keep ``validate`` busy for seconds."""
MAX_SPOKEN_CHARS: Final = 500
"""The longest text a voice says in one go (a name, a cue line, a why): half a minute."""
MAX_PHASE_CHARS: Final = 60
"""The longest phase word: it is said with every rep's count, so its length multiplies."""

TOP_KEYS: Final = (
    "version",
    "name",
    "description",
    "language",
    "intro",
    "outro",
    "rounds",
    "defaults",
    "exercises",
)
EXERCISE_KEYS: Final = (
    "name",
    "cue",
    "why",
    "hold",
    "reps",
    "tempo",
    "phases",
    "duration",
    "sides",
    "sets",
    "set_rest",
    "switch",
    "lead_in",
    "rest",
    "wait",
    "remind",
)
# What describes one exercise alone; ``defaults`` may set every other exercise key. A
# wait is one step's own: made a default, every exercise would stop for the person.
_EXERCISE_ONLY_KEYS: Final = ("name", "cue", "why", "phases", "wait")
DEFAULT_KEYS: Final = tuple(key for key in EXERCISE_KEYS if key not in _EXERCISE_ONLY_KEYS)
KIND_KEYS: Final = ("hold", "reps", "duration")

ID_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9-]*")
"""A routine's id, its file's stem: lower-case letters, digits and hyphens (the
library, ``new`` and the loader all hold ids to it)."""

# --- durations ----------------------------------------------------------------------------

_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"  # ASCII digits only: each pattern is re.ASCII
_SECONDS_TEXT = re.compile(rf"[+-]?{_NUMBER}", re.ASCII)
_UNITS_TEXT = re.compile(
    rf"(?P<sign>[+-]?)\s*(?:(?P<m>{_NUMBER})\s*m)?\s*(?:(?P<s>{_NUMBER})\s*s)?",
    re.IGNORECASE | re.ASCII,
)
HOURS_TEXT: Final = re.compile(rf"\s*{_NUMBER}\s*h.*", re.IGNORECASE | re.ASCII)
"""Text that counts hours, which no duration does: an hour is written ``60m``."""
DURATION_HINT: Final = "a duration such as `30s`, `1m`, `1m30s` or `1:30`"
"""The forms ``parse_duration`` reads, as a message names them."""
_CLOCK_TEXT = re.compile(r"(?P<sign>[+-]?)(?P<m>\d+):(?P<s>[0-5]\d(?:\.\d*)?)", re.ASCII)


def parse_duration(value: object) -> float:
    """Seconds in a duration: a number (``30``, ``2.5``) or text (``30s``, ``1m``, ``1m30s``,
    or minutes and seconds as ``1:30``, ``0:05.5``).

    Raises ValueError for anything else, booleans and non-finite numbers included. Range
    checks are left to the caller, which knows whether 0 is allowed.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 40:
            raise ValueError("not a duration: text too long")
        clock = _CLOCK_TEXT.fullmatch(text)
        if _SECONDS_TEXT.fullmatch(text):
            seconds = float(text)
        elif clock is not None:
            seconds = 60.0 * float(clock["m"]) + float(clock["s"])
            if clock["sign"] == "-":
                seconds = -seconds
        else:
            units = _UNITS_TEXT.fullmatch(text)
            if units is None or (units["m"] is None and units["s"] is None):
                raise ValueError(f"not a duration: {value!r}")
            seconds = 60.0 * float(units["m"] or 0) + float(units["s"] or 0)
            if units["sign"] == "-":
                seconds = -seconds
    else:
        try:
            seconds = float(value)
        except OverflowError as err:
            raise ValueError(f"duration too large: {value!r}") from err
    if not math.isfinite(seconds):
        raise ValueError(f"not a finite duration: {value!r}")
    return seconds


# --- a routine's nominal length -------------------------------------------------------------


def _work_seconds(exercise: Exercise) -> float:
    """Nominal seconds of one side's work: no speech, just the timed part (a wait as it
    is timed where nobody presses play)."""
    if exercise.wait is not None:
        return exercise.wait.timed
    if exercise.work is WorkKind.HOLD:
        return exercise.hold or 0.0
    if exercise.work is WorkKind.DURATION:
        return exercise.duration or 0.0
    per_rep = sum(exercise.tempo) + (exercise.hold or 0.0)
    return _as_float(exercise.reps or 0) * per_rep


def _as_float(count: int) -> float:
    """A count as a float; counts too big for one are infinitely long anyway."""
    return float(count) if count < 10**300 else math.inf


def nominal_seconds(routine: Routine) -> float:
    """The routine's length without speech: work, switches, lead-ins, set rests and rests.

    Rests follow every exercise except the very last one of the session, so the rest after
    a round's last exercise counts when another round follows.
    """
    return nominal_total(routine.exercises, routine.rounds)


def nominal_total(exercises: tuple[Exercise, ...], rounds: int) -> float:
    """``nominal_seconds`` of ``rounds`` rounds of ``exercises``, before a Routine exists."""
    one_round = 0.0
    for ex in exercises:
        sides = 2 if ex.sides else 1
        per_set = sides * _work_seconds(ex) + (sides - 1) * ex.switch
        sets = _as_float(ex.sets)
        one_round += ex.lead_in + sets * per_set + (sets - 1) * ex.set_rest + ex.rest
    total = _as_float(rounds) * one_round - (exercises[-1].rest if exercises else 0.0)
    return math.inf if math.isnan(total) else total  # an endless count times a zero pause


__all__ = [
    "DEFAULT_KEYS",
    "DURATION_HINT",
    "EXERCISE_KEYS",
    "HOURS_TEXT",
    "ID_PATTERN",
    "KIND_KEYS",
    "MAX_DEPTH",
    "MAX_DURATION",
    "MAX_FILE_BYTES",
    "MAX_PHASE_CHARS",
    "MAX_SPOKEN_CHARS",
    "MAX_VALUES",
    "OPEN_WAIT_SECONDS",
    "REMIND_SECONDS",
    "SUPPORTED_VERSIONS",
    "TOP_KEYS",
    "Exercise",
    "Routine",
    "Wait",
    "WorkKind",
    "nominal_seconds",
    "nominal_total",
    "parse_duration",
]
