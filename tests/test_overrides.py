"""Overrides: each changes exactly what it says, results outside the format's limits are
refused with the option to lower, and random overrides still keep every timing rule."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_compiler_properties import PROPERTY_SETTINGS, routines, speech_timers

from voicecoach.cliparams import OPTIONS
from voicecoach.compile.compiler import CompileOptions, SpeechTimer, compile_routine
from voicecoach.compile.cuescript import CueType, to_samples
from voicecoach.compile.overrides import (
    NAMES,
    Overrides,
    SessionOptions,
    _apply,
    apply_overrides,
    unused_overrides,
)
from voicecoach.compile.rules import check_script
from voicecoach.errors import OverrideError, SettingsError
from voicecoach.limits import MAX_ROUTINE_SECONDS
from voicecoach.routine.load import load_routine
from voicecoach.routine.model import MAX_DURATION, Exercise, Routine, WorkKind, nominal_seconds

STRETCH = Exercise("Hip stretch", WorkKind.HOLD, hold=30.0, sides=("left", "right"), sets=2)
BRIDGE = Exercise("Bridge", WorkKind.REPS, reps=8, tempo=(2.0, 2.0), hold=3.0, rest=20.0)
MARCH = Exercise("Marching", WorkKind.DURATION, duration=45.0, lead_in=2.0)
ROUTINE = Routine("mixed", "Mixed", (STRETCH, BRIDGE, MARCH), rounds=2)


def test_no_overrides_give_the_same_routine() -> None:
    assert apply_overrides(ROUTINE, Overrides()) is ROUTINE


def test_hold_sets_only_the_holds_of_held_exercises() -> None:
    result = apply_overrides(ROUTINE, Overrides(hold=12.5))
    stretch, bridge, march = result.exercises
    assert stretch == Exercise(
        "Hip stretch", WorkKind.HOLD, hold=12.5, sides=("left", "right"), sets=2
    )
    # The pause at the top of each rep and a timed activity keep their length.
    assert (bridge, march) == (BRIDGE, MARCH)
    assert result.rounds == 2
    assert ROUTINE.exercises[0].hold == 30.0  # the original is untouched


def test_hold_scale_multiplies_those_holds() -> None:
    result = apply_overrides(ROUTINE, Overrides(hold_scale=1.5))
    assert [ex.hold for ex in result.exercises] == [45.0, 3.0, None]
    assert result.exercises[2].duration == 45.0


def test_reps_sets_the_count_of_counted_exercises() -> None:
    result = apply_overrides(ROUTINE, Overrides(reps=3))
    assert [ex.reps for ex in result.exercises] == [None, 3, None]
    assert result.exercises[1].hold == 3.0


def test_rest_sets_every_rest_after_exercises_and_between_sets() -> None:
    result = apply_overrides(ROUTINE, Overrides(rest=0.0))
    assert [(ex.rest, ex.set_rest) for ex in result.exercises] == [(0.0, 0.0)] * 3
    assert [ex.switch for ex in result.exercises] == [5.0] * 3  # changing sides is not a rest


def test_rounds_and_lead_in() -> None:
    result = apply_overrides(ROUTINE, Overrides(rounds=3, lead_in=0.0))
    assert result.rounds == 3
    assert [ex.lead_in for ex in result.exercises] == [0.0] * 3


def test_overrides_change_the_compiled_session() -> None:
    overrides = Overrides(hold=7.0, reps=2, rounds=1)
    result = apply_overrides(ROUTINE, overrides)
    script = compile_routine(result)
    assert check_script(script, result) == []
    holds = [c for c in script.cues if c.sound == "hold"]
    releases = [c for c in script.cues if c.sound == "release"]
    spans = [r.start - h.start for h, r in zip(holds, releases, strict=True)]
    # Four 7 s stretches (two sets of two sides), two 3 s rep holds, one 45 s march.
    assert spans == [to_samples(s) for s in [7.0] * 4 + [3.0] * 2 + [45.0]]
    assert sum(c.role == "count" for c in script.cues) == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"hold": 0.0}, "hold must be more than 0 seconds and at most 1 h"),
        ({"hold": 3600.5}, "hold must be more than 0 seconds and at most 1 h"),
        ({"hold": math.nan}, "hold must be more than 0 seconds and at most 1 h"),
        ({"hold_scale": 0.0}, "hold scale must be a factor above 0, such as 0.5 or 1.5"),
        ({"hold_scale": math.inf}, "hold scale must be a factor above 0, such as 0.5 or 1.5"),
        ({"hold_scale": math.nan}, "hold scale must be a factor above 0, such as 0.5 or 1.5"),
        ({"rest": -1.0}, "rest must be 0 seconds or more, up to 1 h"),
        ({"lead_in": 4000.0}, "lead-in must be 0 seconds or more, up to 1 h"),
        ({"reps": 0}, "reps must be a whole number from 1 to 10,000"),
        ({"rounds": -2}, "rounds must be a whole number from 1 to 10,000"),
        (
            {"hold": 20.0, "hold_scale": 2.0},
            "hold and hold scale do not go together: hold sets every hold, "
            "hold scale scales each one; give one of them",
        ),
    ],
)
def test_impossible_values_are_refused(fields: dict[str, float], message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Overrides(**fields)  # type: ignore[arg-type]
    assert str(raised.value) == message


def test_a_scaled_hold_over_an_hour_names_the_option_to_lower() -> None:
    with pytest.raises(SettingsError) as raised:
        apply_overrides(ROUTINE, Overrides(hold_scale=121.0))
    assert str(raised.value) == (
        "hold scale 121 makes the hold of 'Hip stretch' last 1 h 0 min 30 s, more than the "
        "1-hour limit; lower hold scale"
    )
    alone = Routine("alone", "Alone", (Exercise("Plank", WorkKind.HOLD, hold=30.0),))
    exactly = apply_overrides(alone, Overrides(hold_scale=MAX_DURATION / 30.0))
    assert exactly.exercises[0].hold == MAX_DURATION


def test_a_session_over_four_hours_names_what_made_it_long() -> None:
    with pytest.raises(SettingsError) as raised:
        apply_overrides(ROUTINE, Overrides(rounds=60, rest=0.0))
    # rest 0 shortens the session, so only rounds is to blame.
    assert str(raised.value) == (
        "with rest 0 rounds 60, mixed runs 4 h 3 min without speech, more than "
        "the 4-hour limit; lower rounds"
    )
    # Both lengthen it; the one adding most time comes first.
    with pytest.raises(SettingsError, match=r"runs 12 h 1 min .*; lower rounds or rest$"):
        apply_overrides(ROUTINE, Overrides(rest=120.0, rounds=60))
    with pytest.raises(SettingsError, match=r"; lower reps or rounds$"):
        apply_overrides(ROUTINE, Overrides(reps=800, rounds=3))


def test_the_four_hour_limit_is_the_loaders() -> None:
    sit = Exercise("Sit", WorkKind.HOLD, hold=3600.0, lead_in=0.0, rest=0.0)
    one = Routine("one", "One", (sit,))
    assert nominal_seconds(apply_overrides(one, Overrides(rounds=3))) < MAX_ROUTINE_SECONDS
    with pytest.raises(SettingsError, match="more than the 4-hour limit; lower rounds"):
        apply_overrides(one, Overrides(rounds=4, lead_in=1.0))
    # Exactly four hours of holds, but the speech around them makes the session longer.
    with pytest.raises(SettingsError, match=r"runs 4 h 1 min with its speech .*; lower rounds"):
        apply_overrides(one, Overrides(rounds=4))


def test_overrides_that_change_nothing_are_named() -> None:
    reps_only = Routine("reps-only", "Reps", (BRIDGE,))
    assert unused_overrides(reps_only, Overrides(hold=10.0, reps=3)) == [
        "hold changes nothing: no exercise of reps-only is a hold"
    ]
    holds_only = Routine("holds-only", "Holds", (STRETCH, MARCH))
    assert unused_overrides(holds_only, Overrides(hold_scale=2.0, reps=3, rest=1.0)) == [
        "reps changes nothing: no exercise of holds-only is counted in reps"
    ]
    assert unused_overrides(ROUTINE, Overrides(hold=1.0, reps=1)) == []


def test_given_and_describe_name_values_not_options() -> None:
    overrides = Overrides(hold=2.5, reps=4, lead_in=0.0)
    assert overrides.given() == ["hold", "reps", "lead_in"]
    assert overrides.describe() == "hold 2.5 reps 4 lead-in 0"
    assert overrides.describe(OPTIONS) == "--hold 2.5 --reps 4 --lead-in 0"


def test_the_library_speaks_of_values_and_the_command_line_of_its_options() -> None:
    with pytest.raises(OverrideError) as caught:
        Overrides(hold=1.0, hold_scale=2.0)
    assert str(caught.value) == (
        "hold and hold scale do not go together: hold sets every hold, hold scale scales "
        "each one; give one of them"
    )
    assert caught.value.named(OPTIONS) == (
        "--hold and --hold-scale do not go together: --hold sets every hold, --hold-scale "
        "scales each one; give one of them"
    )
    assert set(NAMES) <= set(OPTIONS)  # every session value has its option


def test_braces_in_a_routine_name_stay_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "braced.yaml"
    path.write_text("version: 1\nname: B\nexercises:\n  - name: '{hold} {0}'\n    hold: 40m\n")
    with pytest.raises(OverrideError) as caught:
        apply_overrides(load_routine(path), Overrides(hold_scale=2.0))
    assert caught.value.named(OPTIONS) == (
        "--hold-scale 2 makes the hold of '{hold} {0}' last 1 h 20 min, more than the "
        "1-hour limit; lower --hold-scale"
    )


def test_a_session_without_voice_needs_audible_chimes() -> None:
    assert SessionOptions(chime_gain=0.0).chime_gain == 0.0  # the voice still speaks
    with pytest.raises(SettingsError, match="without a voice the chimes are all there is"):
        SessionOptions(compile_options=CompileOptions(voice=False), chime_gain=0.0)
    with pytest.raises(SettingsError, match=r"chime volume 1\.5 is out of range"):
        SessionOptions(chime_gain=1.5)
    assert not SessionOptions(compile_options=CompileOptions(voice=False)).voiced


# --- random overrides on random routines ---------------------------------------------------

seconds = st.floats(min_value=0.0, max_value=120.0)


@st.composite
def overrides(draw: st.DrawFn) -> Overrides:
    # Factors from tiny to large enough to push a hold past the hour.
    factor = st.one_of(st.floats(0.001, 4.0), st.floats(4.0, 400.0))
    scale = draw(st.one_of(st.none(), factor))
    hold = None if scale is not None else draw(st.one_of(st.none(), st.floats(0.01, 300.0)))
    return Overrides(
        hold=hold,
        hold_scale=scale,
        reps=draw(st.one_of(st.none(), st.integers(min_value=1, max_value=15))),
        rest=draw(st.one_of(st.none(), seconds)),
        rounds=draw(st.one_of(st.none(), st.integers(min_value=1, max_value=4))),
        lead_in=draw(st.one_of(st.none(), seconds)),
    )


@PROPERTY_SETTINGS
@given(routine=routines, change=overrides(), speech=speech_timers(), voice=st.booleans())
def test_random_overrides_keep_every_timing_rule(
    routine: Routine, change: Overrides, speech: SpeechTimer, voice: bool
) -> None:
    try:
        result = apply_overrides(routine, change)
    except SettingsError:
        # Refused only when the result breaks a limit of the format.
        unchecked = _apply(routine, change)
        assert any((ex.hold or 0.0) > MAX_DURATION for ex in unchecked.exercises) or (
            nominal_seconds(unchecked) > MAX_ROUTINE_SECONDS
        )
        return
    options = CompileOptions(voice=voice)
    script = compile_routine(result, speech, options=options)
    assert check_script(script, result) == []
    assert nominal_seconds(result) <= MAX_ROUTINE_SECONDS
    holds = [c for c in script.cues if c.type is CueType.CHIME and c.sound == "hold"]
    assert len(holds) == result.rounds * sum(
        ex.sets * (2 if ex.sides else 1) * ((ex.reps or 1) if ex.work is WorkKind.REPS else 1)
        for ex in result.exercises
        if ex.work is not WorkKind.REPS or ex.hold is not None
    )
    for before, after in zip(routine.exercises, result.exercises, strict=True):
        assert after.work is before.work and after.name == before.name
        if after.work is WorkKind.HOLD and change.hold is not None:
            assert after.hold == change.hold
        elif after.work is WorkKind.HOLD and change.hold_scale is not None:
            assert after.hold == (before.hold or 0.0) * change.hold_scale
        else:
            assert after.hold == before.hold and after.duration == before.duration
        counted = after.work is WorkKind.REPS and change.reps is not None
        assert after.reps == (change.reps if counted else before.reps)
        assert after.rest == (before.rest if change.rest is None else change.rest)
        assert after.lead_in == (before.lead_in if change.lead_in is None else change.lead_in)
