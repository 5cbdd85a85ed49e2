"""Routines built in a line, and speech timers, for the compiler's and the timing rules'
tests."""

from __future__ import annotations

from voicecoach.compile.compiler import CompileOptions, SpeechTimer
from voicecoach.compile.cuescript import CueScript, to_samples
from voicecoach.compile.rules import check_script
from voicecoach.routine.model import Exercise, Routine, WorkKind


def constant(seconds: float) -> SpeechTimer:
    """Every phrase takes ``seconds``: timings can be worked out by hand."""
    return lambda text: to_samples(seconds)


def routine(*exercises: Exercise, **fields: object) -> Routine:
    defaults: dict[str, object] = {"id": "test", "name": "Test routine"}
    defaults.update(fields)
    return Routine(exercises=exercises, **defaults)  # type: ignore[arg-type]


def hold(name: str = "Child's pose", seconds: float = 20.0, **fields: object) -> Exercise:
    return Exercise(name, WorkKind.HOLD, hold=seconds, **fields)  # type: ignore[arg-type]


def reps(name: str = "Cat-cow", n: int = 3, **fields: object) -> Exercise:
    return Exercise(name, WorkKind.REPS, reps=n, **fields)  # type: ignore[arg-type]


def clean(script: CueScript, source: Routine) -> CueScript:
    """``script`` after asserting it keeps every rule."""
    assert check_script(script, source) == []
    return script


SMALL = routine(
    reps(
        "Cat-cow",
        2,
        cue=("On hands and knees.",),
        tempo=(3.0, 3.0),
        phases=("Round up", "Sink down"),
    ),
    hold("Hip stretch", 20.0, sides=("left", "right")),
    name="Morning stretch",
    intro="Breathe slowly.",
    outro="See you tomorrow.",
)


def no_speech(text: str) -> int:
    raise AssertionError(f"asked the voice for {text!r} with voice=False")


CHIMES_ONLY = CompileOptions(voice=False)
