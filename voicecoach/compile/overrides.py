"""Adapting a routine for one session: timing overrides, and everything else a session may
change (what is spoken, the voice, the loudness of the chimes).

People change a routine to fit the day (shorter holds, fewer reps, one more round) without
editing its file. The overrides give a new Routine (``dataclasses.replace``, the original
is untouched) that the compiler then times like any other, so every timing rule still holds.
The result must stay within the format's limits (a hold of at most an hour, a session of at
most four hours without speech); if it does not, the error names the option to lower.

What each override changes, in the routine format's terms:

- ``hold``: the ``hold`` of every exercise whose work is a hold. Not the hold at the top of
  each rep (``reps`` with ``hold``: a pause inside the rep, part of its rhythm) and not a
  ``duration`` (a timed activity such as marching, which is not a held position);
- ``hold_scale``: the same holds, multiplied (``hold`` and ``hold_scale`` do not go
  together: one sets, the other scales);
- ``reps``: the count of every exercise counted in reps;
- ``rest``: every rest: after each exercise and between the sets of one;
- ``rounds``: the routine's rounds;
- ``lead_in``: every exercise's lead-in, the time to get into position before its work.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from voicecoach.audio.speech import VoiceSettings
from voicecoach.compile.compiler import CompileOptions, compile_routine
from voicecoach.compile.estimate import estimate_speech_samples
from voicecoach.durations import format_span
from voicecoach.errors import OverrideError, SettingsError
from voicecoach.limits import (
    MAX_COUNT,
    MAX_CUES,
    MAX_ROUTINE_SECONDS,
    compiled_problem,
    sound_bound,
    too_many_sounds,
)
from voicecoach.routine.model import MAX_DURATION, Exercise, Routine, WorkKind, nominal_seconds

NAMES: Mapping[str, str] = {
    "hold": "hold",
    "hold_scale": "hold scale",
    "reps": "reps",
    "rest": "rest",
    "rounds": "rounds",
    "lead_in": "lead-in",
    "chime_gain": "a chime volume for the session",
}
"""What the messages call each session value (a field of Overrides or SessionOptions)."""


def _error(template: str) -> OverrideError:
    return OverrideError(template, NAMES)


def _literal(text: str) -> str:
    """``text`` (a routine's name, say) as it is, inside an OverrideError's template."""
    return text.replace("{", "{{").replace("}", "}}")


@dataclass(frozen=True)
class Overrides:
    """Timing changes for one session; ``None`` leaves the routine's own value.

    Raises OverrideError for a value the routine format could never hold (a negative
    rest, a hold over an hour, no reps) or for ``hold`` together with ``hold_scale``.
    """

    hold: float | None = None
    hold_scale: float | None = None
    reps: int | None = None
    rest: float | None = None
    rounds: int | None = None
    lead_in: float | None = None

    def __post_init__(self) -> None:
        limit = format_span(MAX_DURATION)
        if self.hold is not None and not (0 < self.hold <= MAX_DURATION):
            raise _error(f"{{hold}} must be more than 0 seconds and at most {limit}")
        if self.hold_scale is not None and not (
            math.isfinite(self.hold_scale) and self.hold_scale > 0
        ):
            raise _error("{hold_scale} must be a factor above 0, such as 0.5 or 1.5")
        if self.hold is not None and self.hold_scale is not None:
            raise _error(
                "{hold} and {hold_scale} do not go together: {hold} sets every hold, "
                "{hold_scale} scales each one; give one of them"
            )
        for name in ("rest", "lead_in"):
            value = getattr(self, name)
            if value is not None and not (0 <= value <= MAX_DURATION):
                raise _error(f"{{{name}}} must be 0 seconds or more, up to {limit}")
        for name in ("reps", "rounds"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not 1 <= value <= MAX_COUNT):
                raise _error(f"{{{name}}} must be a whole number from 1 to {MAX_COUNT:,}")

    def given(self) -> list[str]:
        """The overrides that are set, by field name, in declaration order."""
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]

    def describe(self, names: Mapping[str, str] = NAMES) -> str:
        """The given overrides with their values, each named by ``names``: ``rounds 3``
        (``--rounds 3`` with the command line's names)."""
        return self._template().format_map(names)

    def _template(self, given: list[str] | None = None) -> str:
        return " ".join(f"{{{name}}} {getattr(self, name):g}" for name in given or self.given())


def _exercise(ex: Exercise, o: Overrides) -> Exercise:
    changes: dict[str, object] = {}
    if ex.work is WorkKind.HOLD and ex.hold is not None:
        if o.hold is not None:
            changes["hold"] = o.hold
        elif o.hold_scale is not None:
            changes["hold"] = ex.hold * o.hold_scale
    if ex.work is WorkKind.REPS and o.reps is not None:
        changes["reps"] = o.reps
    if o.rest is not None:
        changes["rest"] = o.rest
        changes["set_rest"] = o.rest
    if o.lead_in is not None:
        changes["lead_in"] = o.lead_in
    return replace(ex, **changes) if changes else ex  # type: ignore[arg-type]


def _apply(routine: Routine, o: Overrides) -> Routine:
    exercises = tuple(_exercise(ex, o) for ex in routine.exercises)
    rounds = o.rounds if o.rounds is not None else routine.rounds
    if rounds == routine.rounds and all(
        a is b for a, b in zip(exercises, routine.exercises, strict=True)
    ):
        return routine
    return replace(routine, exercises=exercises, rounds=rounds)


def apply_overrides(routine: Routine, overrides: Overrides) -> Routine:
    """``routine`` with ``overrides`` applied (the same object when nothing changes).

    Raises OverrideError, naming the value to lower, when the result breaks the format's
    limits: a hold over an hour, or a session over four hours without speech.
    """
    result = _apply(routine, overrides)
    if result is routine:
        return routine
    if overrides.hold_scale is not None:
        for after in result.exercises:
            if after.work is WorkKind.HOLD and (after.hold or 0.0) > MAX_DURATION:
                raise _error(
                    f"{{hold_scale}} {overrides.hold_scale:g} makes the hold of "
                    f"{_literal(repr(after.name.strip()))} last "
                    f"{format_span(after.hold or 0.0)}, more than the 1-hour limit; "
                    "lower {hold_scale}"
                )
    total = nominal_seconds(result)
    if total > MAX_ROUTINE_SECONDS:
        blamed = _lengthening(routine, overrides, total)
        lower = " or ".join(f"{{{name}}}" for name in blamed) or "the options"
        raise _error(
            f"with {overrides._template()}, {_literal(routine.id)} runs "
            f"{format_span(total)} without speech, more than the 4-hour limit; lower {lower}"
        )
    # The session's size and its length with speech, before anything is synthesized.
    lower = " or ".join(f"{{{name}}}" for name in overrides.given())
    bound = sound_bound(result.exercises, result.rounds)
    if bound > MAX_CUES:
        problem: str | None = f"{too_many_sounds(bound)}; lower {lower}"
    else:
        compiled = compile_routine(result, estimate_speech_samples)
        problem = compiled_problem(compiled, f"lower {lower}")
    if problem is not None:
        raise _error(f"with {overrides._template()}, {_literal(routine.id)}: {problem}")
    return result


def _lengthening(routine: Routine, overrides: Overrides, total: float) -> list[str]:
    """The given overrides that lengthen the session, the one adding most time first."""
    gains: list[tuple[float, str]] = []
    for name in overrides.given():
        without = replace(overrides, **{name: None})
        shorter = total - nominal_seconds(_apply(routine, without))
        if shorter > 0 or math.isnan(shorter):
            gains.append((shorter if not math.isnan(shorter) else math.inf, name))
    return [name for _, name in sorted(gains, key=lambda g: -g[0])]


def unused_overrides(
    routine: Routine, overrides: Overrides, names: Mapping[str, str] = NAMES
) -> list[str]:
    """A sentence for each override that changes nothing because ``routine`` has no
    exercise of its kind: holds without a held exercise, reps without a counted one."""
    kinds = {ex.work for ex in routine.exercises}
    notes = []
    if WorkKind.HOLD not in kinds:
        notes += [
            f"{names[name]} changes nothing: no exercise of {routine.id} is a hold"
            for name in ("hold", "hold_scale")
            if getattr(overrides, name) is not None
        ]
    if WorkKind.REPS not in kinds and overrides.reps is not None:
        notes.append(
            f"{names['reps']} changes nothing: no exercise of {routine.id} is counted in reps"
        )
    return notes


@dataclass(frozen=True)
class SessionOptions:
    """Everything a person may change for one session of ``play``, ``export`` or ``script``:
    timing (``overrides``), what is spoken (``compile_options``: ``explain``, ``voice``),
    the voice to speak with, and the loudness of the chimes (a gain on their audio; the
    voice's loudness is the engine's ``VoiceSettings.volume``)."""

    overrides: Overrides = field(default_factory=Overrides)
    compile_options: CompileOptions = field(default_factory=CompileOptions)
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    chime_gain: float = 1.0

    def __post_init__(self) -> None:
        if not (0.0 <= self.chime_gain <= 1.0):
            raise SettingsError(f"the chime volume {self.chime_gain:g} is out of range: use 0 to 1")
        if not self.compile_options.voice and self.chime_gain == 0.0:
            raise _error(
                "without a voice the chimes are all there is, but the chime volume is 0: "
                "give {chime_gain}, or raise chime_volume in the settings file"
            )

    @property
    def voiced(self) -> bool:
        return self.compile_options.voice

    def live(self) -> SessionOptions:
        """These options for ``play``, where a wait waits for the person to press play."""
        return replace(self, compile_options=replace(self.compile_options, live=True))


__all__ = [
    "NAMES",
    "Overrides",
    "SessionOptions",
    "apply_overrides",
    "unused_overrides",
]
