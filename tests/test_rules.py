"""The timing rules as checks: ``check_script`` finds what is wrong with a cue script."""

from __future__ import annotations

from dataclasses import replace

import pytest
from small_routines import CHIMES_ONLY, SMALL, clean, constant, hold, no_speech, reps, routine

from voicecoach.compile.compiler import compile_routine
from voicecoach.compile.cuescript import CueScript
from voicecoach.compile.rules import NO_SCREEN, check_script


def broken(script: CueScript, index: int, **changes: object) -> CueScript:
    cues = list(script.cues)
    cues[index] = replace(cues[index], **changes)  # type: ignore[arg-type]
    return replace(script, cues=tuple(cues))


def without(script: CueScript, keep: object) -> CueScript:
    return replace(script, cues=tuple(c for c in script.cues if keep(c)))  # type: ignore[operator]


def index_of(script: CueScript, sound: str, nth: int = 0) -> int:
    return [k for k, c in enumerate(script.cues) if c.sound == sound][nth]


@pytest.fixture
def good() -> CueScript:
    return compile_routine(SMALL, constant(0.5))


def test_check_script_passes_a_good_script(good: CueScript) -> None:
    assert check_script(good) == []
    assert check_script(good, SMALL) == []


def test_check_script_finds_an_overlap(good: CueScript) -> None:
    k = 5
    bad = broken(good, k, length=good.cues[k + 1].start - good.cues[k].start + 1)
    assert any(p.startswith("no overlap (rule 1):") for p in check_script(bad))


def test_check_script_finds_cues_out_of_order(good: CueScript) -> None:
    bad = replace(good, cues=(good.cues[1], good.cues[0], *good.cues[2:]))
    assert any("out of order" in p for p in check_script(bad))


def test_check_script_finds_an_instruction_inside_a_hold(good: CueScript) -> None:
    k = index_of(good, "hold") + 1
    bad = broken(good, k, role="cue")
    assert any(p.startswith("exact holds (rule 2):") for p in check_script(bad))


def test_check_script_finds_an_inexact_hold(good: CueScript) -> None:
    k = index_of(good, "release")
    bad = broken(good, k, start=good.cues[k].start + 1)
    assert check_script(bad) == []  # only the routine knows how long the hold is
    assert any(p.startswith("exact holds (rule 2):") for p in check_script(bad, SMALL))


def test_check_script_finds_an_unreleased_hold(good: CueScript) -> None:
    bad = without(good, lambda c: c.sound != "release")
    assert any("never released" in p or "inside the hold" in p for p in check_script(bad))


def test_check_script_finds_an_unannounced_side(good: CueScript) -> None:
    for bad in (
        without(good, lambda c: c.sound != "switch"),
        without(good, lambda c: c.text != "Switch sides. Right side."),
    ):
        assert any(p.startswith("sides announced (rule 3):") for p in check_script(bad))


def test_check_script_finds_an_unnamed_exercise(good: CueScript) -> None:
    k = [i for i, c in enumerate(good.cues) if c.role == "name"][1]
    problems = check_script(broken(good, k, text="Something else."))
    assert any(p.startswith("named first (rule 4):") for p in problems)
    problems = check_script(without(good, lambda c: c.role != "name"))
    assert any("not named before it starts" in p for p in problems)


def test_check_script_finds_a_missing_chapter(good: CueScript) -> None:
    bad = replace(good, chapters=good.chapters[:1])
    assert any("has no chapter" in p for p in check_script(bad))


def test_check_script_finds_a_missing_done_chime(good: CueScript) -> None:
    assert any(
        p.startswith("end marked (rule 5):")
        for p in check_script(replace(good, cues=good.cues[:-1]))
    )


def test_check_script_finds_a_short_length(good: CueScript) -> None:
    assert any("length" in p for p in check_script(replace(good, length=good.length - 1)))


def test_check_script_finds_an_uncounted_rep(good: CueScript) -> None:
    k = next(i for i, c in enumerate(good.cues) if c.role == "count")
    bad = broken(good, k, role="phase")
    assert check_script(bad) == []
    assert any("counts 1 reps of 2" in p for p in check_script(bad, SMALL))


def test_check_script_finds_a_rest_that_does_not_say_what_is_next(good: CueScript) -> None:
    bad = without(good, lambda c: c.role != "next-up")
    assert any("does not say what comes next" in p for p in check_script(bad, SMALL))


def test_check_script_wants_each_set_and_its_first_side_announced() -> None:
    source = routine(hold(seconds=10.0, sets=2, sides=("left", "right")))
    script = clean(compile_routine(source, constant(0.5)), source)
    where = f"{source.exercises[0].name!r} in round 1"
    for gone, problem in (
        ("Left side.", f"{NO_SCREEN}: set 2 of {where} does not say it starts on 'left'"),
        ("Set 2 of 2.", f"{NO_SCREEN}: set 2 of {where} is not announced"),
        ("Rest.", f"{NO_SCREEN}: the rest before set 2 of {where} is not announced"),
    ):
        cut = without(script, lambda c, gone=gone: c.text != gone)
        assert problem in check_script(cut, source), gone


def test_check_script_wants_the_next_name_straight_after_a_short_rest() -> None:
    source = routine(hold("Bridge", 5.0, rest=4.0), hold("Plank", 5.0, lead_in=3.0))
    script = clean(compile_routine(source, constant(0.5)), source)
    # "Plank." moved after its own countdown: the rest no longer says what is next.
    k = next(k for k, c in enumerate(script.cues) if c.role == "name" and c.exercise == 1)
    moved = replace(script.cues[k], start=script.cues[k + 3].start + 1, length=1)
    cues = sorted((*script.cues[:k], *script.cues[k + 1 :], moved), key=lambda c: c.start)
    problems = check_script(replace(script, cues=tuple(cues)), source)
    assert (
        f"{NO_SCREEN}: the rest after 'Bridge' in round 1 does not say what comes next" in problems
    )


def test_without_a_voice_check_script_wants_every_tone() -> None:
    source = routine(reps("Bridge", 2, sets=2, set_rest=8.0), hold("Stretch", 5.0), rounds=2)
    script = clean(compile_routine(source, no_speech, options=CHIMES_ONLY), source)
    for gone, problem in (
        ("rest", f"{NO_SCREEN}: the rest after 'Bridge' in round 1 is not announced"),
        (
            "rest",
            f"{NO_SCREEN}: the rest before set 2 of 'Bridge' in round 2 is not announced",
        ),
        ("set", f"{NO_SCREEN}: set 2 of 'Bridge' in round 1 is not announced"),
        ("round", f"{NO_SCREEN}: round 2 is not announced"),
        (
            "name",
            f"{NO_SCREEN}: the rest after 'Bridge' in round 2 does not say what comes next",
        ),
    ):
        cut = without(script, lambda c, gone=gone: c.role != gone)
        assert problem in check_script(cut, source), gone
