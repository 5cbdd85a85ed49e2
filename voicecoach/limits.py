"""How large one session may grow, checked before the work grows with it.

A routine file is small, but its numbers multiply: ``reps: 10000000`` with ``tempo:
0.001`` is 69 bytes, ten seconds of nominal work and ten million spoken counts. So the
limits are checked on the session, in two steps, each before the expensive one:

1. ``sound_bound``: an upper bound on the sounds (phrases and chimes) the compiled session
   can hold, worked out from the routine's numbers alone, in microseconds. Over
   ``MAX_CUES``, nothing is compiled.
2. ``check_compiled``: the compiled session's real length, speech and chimes included,
   against ``MAX_ROUTINE_SECONDS``. The loader's 4-hour check counts only the timed parts
   (a count of "Seventeen thousand" outlasts a 0.1 s rep, and the rep stretches), so this
   one runs on the script compiled with estimated phrase lengths before any speech is
   synthesized, and again on the real lengths before any audio is rendered.

It also holds the voice's limits (speaking rate and volume), which the command line, the
settings file and the voice engine all check.

This module depends on nothing else in voicecoach but the error family (and the
stdlib-only ``durations``), so the routine
loader can use it as well as the stages after the compiler.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Protocol

from voicecoach.durations import format_span_up
from voicecoach.errors import Problem, RoutineError

MAX_ROUTINE_SECONDS: Final = 4 * 3600.0
"""The longest session: nominal (timed parts) at load, and compiled (with speech) after."""
MAX_CUES: Final = 10_000
"""Sounds (phrases and chimes) one session may hold: every count, phase word, chime and
call-out. A 4-hour session of 30-second holds has about 5,000; compiling 10,000 with
estimated lengths takes about a quarter of a second, so `validate` stays under one."""
MAX_COUNT: Final = MAX_CUES
"""The largest ``reps``, ``sets`` or ``rounds`` (each one makes at least one sound)."""

MIN_RATE: Final = 50
MAX_RATE: Final = 500
"""The speaking rates accepted everywhere (options, settings file, engine), in words per
minute."""
RATE_TEXT: Final = f"{MIN_RATE} to {MAX_RATE} words per minute"
MAX_VOLUME: Final = 1.0
"""The voice's volume is above 0 and at most this. A silent voice is refused rather than
taken as "no voice": ``--no-voice`` says that, and skips the engine altogether."""
VOLUME_TEXT: Final = "above 0 and at most 1.0 (full)"
SILENT_VOICE_HINT: Final = "for chimes without a voice, play or export with {no_voice}"
"""A template over ``HINT_NAMES``: the command line says its option instead."""
HINT_NAMES: Final = {"no_voice": "no_voice=True"}


def rate_ok(rate: int) -> bool:
    return MIN_RATE <= rate <= MAX_RATE


def volume_ok(volume: float) -> bool:
    """Whether ``volume`` is a voice volume voicecoach speaks at (NaN is not)."""
    return 0.0 < volume <= MAX_VOLUME


_SAMPLE_RATE: Final = 22_050  # the cue script's clock (voicecoach.compile.cuescript.SAMPLE_RATE)

# The most sounds each part of a session makes, following voicecoach.compile.compiler: a window
# before work holds a rest and a set announcement (from the second set), a side, "get
# ready" and a 3-2-1; a change of sides its chime, the side, "get ready" and a 3-2-1; a
# timed span its two chimes, a 3-2-1 (not for the hold inside a rep), "10 seconds left"
# (15 s and more), "halfway" (30 s), "30 seconds left" (50 s) and "N minutes left"; a
# wait its prompt, a reminder every `remind` seconds and its chime.
_READY_AND_COUNTDOWN: Final = 4
_SWITCH: Final = 2 + _READY_AND_COUNTDOWN


class _Wait(Protocol):
    @property
    def timed(self) -> float: ...
    @property
    def remind(self) -> float: ...


class _Exercise(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def cue(self) -> tuple[str, ...]: ...
    @property
    def why(self) -> str | None: ...
    @property
    def hold(self) -> float | None: ...
    @property
    def reps(self) -> int | None: ...
    @property
    def tempo(self) -> tuple[float, ...]: ...
    @property
    def duration(self) -> float | None: ...
    @property
    def sides(self) -> tuple[str, str] | None: ...
    @property
    def sets(self) -> int: ...
    @property
    def set_rest(self) -> float: ...
    @property
    def rest(self) -> float: ...
    @property
    def wait(self) -> _Wait | None: ...


def _span(seconds: float, *, countdown: bool) -> int:
    callouts = (seconds >= 15) + (seconds >= 30) + (seconds >= 50) + int(seconds // 60)
    return 2 + (3 if countdown else 0) + callouts


def exercise_sound_bound(ex: _Exercise) -> int:
    """The most sounds one round of ``ex`` can make (with ``why`` spoken)."""
    if ex.wait is not None:  # "N reps, at your own pace", the prompt, reminders, the chime
        remind = ex.wait.remind
        work = 3 + (int(ex.wait.timed // remind) if remind > 0 else 0)
    elif ex.reps is not None:
        held = _span(ex.hold, countdown=False) if ex.hold is not None else 0
        work = ex.reps * (len(ex.tempo) + held)
    else:
        work = _span(ex.hold if ex.hold is not None else ex.duration or 0.0, countdown=True)
    sides = 1 if ex.sides else 0
    per_set = _READY_AND_COUNTDOWN + sides + work + sides * (_SWITCH + work)
    between_sets = (ex.set_rest > 0) + 1
    spoken = 1 + len(ex.cue) + (ex.why is not None) + (ex.sets > 1) + 2 * (ex.rest > 0)
    return spoken + ex.sets * per_set + (ex.sets - 1) * between_sets


def sound_bound(exercises: Sequence[_Exercise], rounds: int) -> int:
    """The most sounds a session of ``exercises`` done ``rounds`` times can hold (exact
    integers: no count is too large for this sum)."""
    one_round = (rounds > 1) + sum(exercise_sound_bound(ex) for ex in exercises)
    return 4 + rounds * one_round  # title, intro, outro (or "well done"), the done chime


def too_many_sounds(bound: int) -> str:
    """The message for a session of up to ``bound`` sounds (more than ``MAX_CUES``)."""
    shown = f"{bound:,}" if bound < 10**15 else "over a thousand million million"
    return (
        f"the session would hold up to {shown} sounds (counts, phrases and chimes), more "
        f"than the limit of {MAX_CUES:,}"
    )


def sound_problem(
    exercises: Sequence[_Exercise], rounds: int, numbers: Sequence[int]
) -> tuple[int | None, str] | None:
    """What is wrong with a session of more than ``MAX_CUES`` sounds, or None: the index
    of the exercise to blame (None when no one exercise is), and the message. ``numbers``
    are the exercises' numbers in the file."""
    bound = sound_bound(exercises, rounds)
    if bound <= MAX_CUES:
        return None
    sizes = [exercise_sound_bound(ex) for ex in exercises]
    worst = max(range(len(sizes)), key=sizes.__getitem__)
    if len(exercises) > 1 and sizes[worst] * rounds * 2 < bound:
        return None, f"{too_many_sounds(bound)}; use fewer exercises or rounds"
    ex = exercises[worst]
    lower = ["`reps`"] if ex.reps is not None else []
    lower += ["`sets`"] if ex.sets > 1 else []
    lower += ["`rounds`"] if rounds > 1 else []
    advice = f"; lower {' or '.join(lower)}" if lower else ""
    name = ex.name if len(ex.name) <= 40 else ex.name[:37] + "..."
    return worst, (
        f"{too_many_sounds(bound)} (exercise {numbers[worst]}, `{name}`, makes up to "
        f"{sizes[worst] * rounds:,}){advice}"
    )


class _Script(Protocol):
    @property
    def length(self) -> int: ...
    @property
    def cues(self) -> Sequence[object]: ...


def compiled_problem(script: _Script, fix: str = "shorten the routine") -> str | None:
    """What makes a compiled session too large, or None; ``fix`` ends the message."""
    if len(script.cues) > MAX_CUES:
        return too_many_sounds(len(script.cues))
    if script.length > MAX_ROUTINE_SECONDS * _SAMPLE_RATE:
        length = format_span_up(script.length / _SAMPLE_RATE)
        return (
            f"the session runs {length} with its speech and chimes, more than "
            f"the 4-hour limit (spoken counts and call-outs stretch reps and pauses too short "
            f"for them); {fix}"
        )
    return None


class _Located(Protocol):
    @property
    def source(self) -> object: ...
    @property
    def id(self) -> str: ...
    @property
    def exercises_at(self) -> tuple[int, int]: ...


def check_compiled(script: _Script, routine: _Located) -> None:
    """Raises RoutineError, located at the routine's ``exercises`` key, when the compiled
    session breaks a limit."""
    problem = compiled_problem(script)
    if problem is not None:
        where = str(routine.source) if routine.source is not None else routine.id
        raise RoutineError([Problem(where, *routine.exercises_at, problem)])


__all__ = [
    "HINT_NAMES",
    "MAX_COUNT",
    "MAX_CUES",
    "MAX_RATE",
    "MAX_ROUTINE_SECONDS",
    "MAX_VOLUME",
    "MIN_RATE",
    "RATE_TEXT",
    "SILENT_VOICE_HINT",
    "VOLUME_TEXT",
    "check_compiled",
    "compiled_problem",
    "exercise_sound_bound",
    "rate_ok",
    "sound_bound",
    "sound_problem",
    "too_many_sounds",
    "volume_ok",
]
