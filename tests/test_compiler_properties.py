"""Random valid routines always compile to scripts that keep every timing rule."""

from __future__ import annotations

import itertools
import zlib
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voicecoach.compile.compiler import CompileOptions, SpeechTimer, compile_routine
from voicecoach.compile.cuescript import SAMPLE_RATE, Cue, CueScript, CueType
from voicecoach.compile.estimate import estimate_speech_samples
from voicecoach.compile.phrases import sentence
from voicecoach.compile.placement import CALLOUT_SPACING
from voicecoach.compile.rules import check_script
from voicecoach.routine.model import Exercise, Routine, WorkKind

PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

VOCABULARY = (
    "knee", "chest", "slowly", "breathe", "left", "right", "side", "up", "down", "hold",
    "one", "12", "x", "hip-flexor", "don't", "stretch,", "rest.", "now!", "ready?", "Ünïcode",
    "supercalifragilistic", "a", "bridge", "cat-cow", "glutes;", "relax",
)  # fmt: skip
words = st.sampled_from(VOCABULARY)
phrase = st.lists(words, min_size=1, max_size=8).map(" ".join)
long_phrase = st.lists(words, min_size=1, max_size=60).map(" ".join)
# Work lasts from a blink to a few minutes; pauses may be zero.
work_seconds = st.one_of(
    st.floats(min_value=0.01, max_value=3.0),
    st.floats(min_value=3.0, max_value=240.0),
)
pause_seconds = st.one_of(st.just(0.0), st.floats(min_value=0.0, max_value=30.0))
sides = st.one_of(
    st.none(),
    st.just(("left", "right")),
    st.tuples(phrase, phrase).filter(lambda pair: pair[0] != pair[1]),
)


@st.composite
def exercises(draw: st.DrawFn) -> Exercise:
    kind = draw(st.sampled_from(WorkKind))
    fields: dict[str, object] = {
        "name": draw(st.one_of(phrase, long_phrase)),
        "work": kind,
        "cue": tuple(draw(st.lists(long_phrase, max_size=2))),
        "why": draw(st.one_of(st.none(), phrase)),
        "sides": draw(sides),
        "sets": draw(st.integers(min_value=1, max_value=3)),
        "set_rest": draw(pause_seconds),
        "switch": draw(pause_seconds),
        "lead_in": draw(pause_seconds),
        "rest": draw(pause_seconds),
    }
    if kind is WorkKind.REPS:
        tempo = draw(st.lists(st.floats(min_value=0.1, max_value=6.0), min_size=1, max_size=3))
        fields["reps"] = draw(st.integers(min_value=1, max_value=12))
        fields["tempo"] = tuple(tempo)
        if draw(st.booleans()):
            fields["phases"] = tuple(
                draw(st.lists(phrase, min_size=len(tempo), max_size=len(tempo)))
            )
        fields["hold"] = draw(st.one_of(st.none(), st.floats(min_value=0.01, max_value=20.0)))
    elif kind is WorkKind.HOLD:
        fields["hold"] = draw(work_seconds)
    else:
        fields["duration"] = draw(work_seconds)
    return Exercise(**fields)  # type: ignore[arg-type]


routines = st.builds(
    Routine,
    id=st.just("random"),
    name=phrase,
    exercises=st.lists(exercises(), min_size=1, max_size=4).map(tuple),
    intro=st.one_of(st.none(), long_phrase),
    outro=st.one_of(st.none(), phrase),
    rounds=st.integers(min_value=1, max_value=3),
)


@st.composite
def speech_timers(draw: st.DrawFn) -> SpeechTimer:
    """A voice whose phrases take 1 to 5 seconds each, differently per seed."""
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))

    def timer(text: str) -> int:
        return SAMPLE_RATE + zlib.crc32(text.encode(), seed) % (4 * SAMPLE_RATE)

    return timer


def countdown_runs(script: CueScript) -> list[list[Cue]]:
    """The runs of consecutive countdown cues, with the cue that follows each run."""
    runs: list[list[Cue]] = []
    previous = ""
    for cue in script.cues:
        if cue.role == "countdown" and previous == "countdown":
            runs[-1].append(cue)
        elif cue.role == "countdown":
            runs.append([cue])
        elif previous == "countdown":
            runs[-1].append(cue)
        previous = cue.role
    return runs


def assert_whole_countdowns(script: CueScript) -> None:
    """Every countdown is three, two, one, a second apart, the next second being the work
    (a hold, or without a voice a first rep) or the release: never a lone "one" that could
    pass for a rep count."""
    for *run, after in countdown_runs(script):
        assert len(run) == 3, [c.text or c.sound for c in run]
        assert [c.text for c in run] in (["Three.", "Two.", "One."], ["", "", ""])
        assert after.role in {"hold", "release", "count"}
        assert [after.start - c.start for c in run] == [
            3 * SAMPLE_RATE,
            2 * SAMPLE_RATE,
            SAMPLE_RATE,
        ]


def assert_sounds_right(script: CueScript, routine: Routine) -> None:
    """Beyond the timing rules: whole countdowns, time call-outs at least
    CALLOUT_SPACING apart, and a rep's phase words in every rep of a set or in none."""
    assert_whole_countdowns(script)
    callouts = [c.start for c in script.cues if c.role == "callout"]
    assert all(b - a >= CALLOUT_SPACING for a, b in itertools.pairwise(callouts))
    phases: dict[tuple[int | None, ...], int] = {}
    for cue in script.cues:
        if cue.role == "phase":
            key = (cue.round, cue.exercise, cue.set)
            phases[key] = phases.get(key, 0) + 1
    for (_, index, _), said in phases.items():
        assert index is not None
        ex = routine.exercises[index]
        per_set = (ex.reps or 1) * (len(ex.tempo) - 1) * (2 if ex.sides else 1)
        assert said == per_set, ex


@PROPERTY_SETTINGS
@given(routine=routines, speech=speech_timers(), explain=st.booleans())
def test_random_routines_keep_every_rule(
    routine: Routine, speech: SpeechTimer, explain: bool
) -> None:
    script = compile_routine(routine, speech, options=CompileOptions(explain=explain))
    assert check_script(script, routine) == []
    assert_sounds_right(script, routine)
    assert script.length >= script.cues[-1].end
    names = [c.text for c in script.cues if c.role == "name"]
    assert names == [sentence(ex.name) for _ in range(routine.rounds) for ex in routine.exercises]
    counts = sum(c.role == "count" for c in script.cues)
    assert counts == routine.rounds * sum(
        (ex.reps or 0) * ex.sets * (2 if ex.sides else 1)
        for ex in routine.exercises
        if ex.work is WorkKind.REPS
    )


@PROPERTY_SETTINGS
@given(routine=routines)
def test_random_routines_keep_every_rule_with_the_estimate(routine: Routine) -> None:
    script = compile_routine(routine, estimate_speech_samples)
    assert check_script(script, routine) == []
    assert_sounds_right(script, routine)


@PROPERTY_SETTINGS
@given(routine=routines, speech=speech_timers(), data=st.data())
def test_moving_any_hold_chime_is_caught(
    routine: Routine, speech: SpeechTimer, data: st.DataObject
) -> None:
    script = compile_routine(routine, speech)
    marks = [k for k, c in enumerate(script.cues) if c.sound in {"hold", "release"}]
    if not marks:
        return
    k = data.draw(st.sampled_from(marks))
    cue = script.cues[k]
    earlier = replace(cue, start=cue.start - 1, length=cue.length)
    cues = list(script.cues)
    cues[k] = earlier
    assert check_script(replace(script, cues=tuple(cues)), routine) != []


def _no_voice(text: str) -> int:
    raise AssertionError(f"the voice was asked for {text!r}")


@PROPERTY_SETTINGS
@given(routine=routines)
def test_random_routines_keep_every_rule_without_a_voice(routine: Routine) -> None:
    """check_script holds a chimes-only script to rule 6 (no screen needed) too: each rest,
    set, side, round, rep and exercise has its tone."""
    script = compile_routine(routine, _no_voice, options=CompileOptions(voice=False))
    assert check_script(script, routine) == []
    assert all(c.type is CueType.CHIME for c in script.cues)
    assert_sounds_right(script, routine)
    sounds = [c.sound for c in script.cues]
    exercises = routine.exercises
    assert sounds.count("next") == routine.rounds * len(exercises)
    assert sounds.count("set") == routine.rounds * sum(ex.sets - 1 for ex in exercises) + (
        routine.rounds if routine.rounds > 1 else 0
    )
    rests = sum(ex.rest > 0 for ex in exercises) * routine.rounds - (exercises[-1].rest > 0)
    set_rests = routine.rounds * sum((ex.sets - 1) * (ex.set_rest > 0) for ex in exercises)
    assert sounds.count("rest") == rests + set_rests


@PROPERTY_SETTINGS
@given(routine=routines, speech=speech_timers())
def test_with_and_without_a_voice_the_same_moments_are_marked(
    routine: Routine, speech: SpeechTimer
) -> None:
    """What a voice announces, a chime announces without one: rests, sets, rounds and
    counts are marked as often either way (a voice names the first side of every set; a
    chime marks only the return to it)."""
    voiced = compile_routine(routine, speech)
    chimes = compile_routine(routine, _no_voice, options=CompileOptions(voice=False))
    for name in ("rest", "set", "round", "count", "name", "hold", "release"):
        assert sum(c.role == name for c in voiced.cues) == sum(
            c.role == name for c in chimes.cues
        ), name
