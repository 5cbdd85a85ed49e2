"""The routines we ship: they load, hold the exercises they promise, and speak plainly.

Someone follows these lying on the floor with eyes closed, so every cue sentence must be
short enough to take in by ear, and the timings must be ones a physiotherapist would set.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from voicecoach.compile.compiler import CompileOptions, compile_routine
from voicecoach.compile.cuescript import SAMPLE_RATE, CueType
from voicecoach.compile.estimate import estimate_speech_samples
from voicecoach.compile.phrases import phrases_for
from voicecoach.compile.phrases import sentence as sentence_of
from voicecoach.compile.rules import check_script
from voicecoach.resources import shipped_dir
from voicecoach.routine.load import load_routine
from voicecoach.routine.model import Routine, WorkKind

ROUTINES_DIR = shipped_dir("routines")

EXPECTED_EXERCISES: dict[str, tuple[str, ...]] = {
    "lower-back-essentials": (
        "Pelvic tilt",
        "Glute bridge",
        "Side-lying clamshells",
        "Cat-cow",
        "Bird dog",
        "Child's pose",
        "Seated forward fold",
    ),
    "lower-back-stretches": (
        "Hip flexor stretch",
        "Piriformis stretch",
        "Lower back rotation",
    ),
    "back-care-13": (
        "Pelvic tilt",
        "Knee to chest",
        "Knee rocking",
        "Lower back rotation",
        "Piriformis stretch",
        "Gather your kit",
        "Hamstring stretch",
        "Ball roll on the glutes",
        "Foam roller on the mid back",
        "Back extension on your stomach",
        "Cat-cow",
        "Thread the needle",
        "Hip flexor stretch",
        "Child's pose",
    ),
    "quick-start": ("Pelvic tilt", "Knee to chest"),
}

# A sentence heard once, eyes closed, must be short: fewer than 12 words.
MAX_WORDS_PER_SENTENCE = 11
MAX_CUE_SENTENCES = 3

ALL_PATHS = sorted(ROUTINES_DIR.glob("*.yaml"))


def load(routine_id: str) -> Routine:
    return load_routine(ROUTINES_DIR / f"{routine_id}.yaml")


def sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.!?])\s+", text.strip()) if part]


def spoken_texts(routine: Routine) -> list[str]:
    texts = [routine.name]
    texts += [t for t in (routine.intro, routine.outro) if t]
    for exercise in routine.exercises:
        texts.append(exercise.name)
        texts += exercise.cue
        texts += exercise.phases
        if exercise.sides:
            texts += exercise.sides
    return texts


def compiled_seconds(routine: Routine) -> float:
    script = compile_routine(routine, estimate_speech_samples)
    return float(script.duration)


def test_the_four_routines_ship() -> None:
    assert {path.stem for path in ALL_PATHS} >= set(EXPECTED_EXERCISES)


@pytest.mark.parametrize("routine_id", sorted(EXPECTED_EXERCISES))
def test_routine_has_its_exercises(routine_id: str) -> None:
    routine = load(routine_id)
    assert routine.id == routine_id
    assert tuple(e.name for e in routine.exercises) == EXPECTED_EXERCISES[routine_id]


@pytest.mark.parametrize("path", ALL_PATHS, ids=lambda p: p.stem)
def test_every_cue_sentence_is_short(path: Path) -> None:
    routine = load_routine(path)
    for exercise in routine.exercises:
        assert 1 <= len(exercise.cue) <= MAX_CUE_SENTENCES, exercise.name
    for text in spoken_texts(routine):
        for sentence in sentences(text):
            assert len(sentence.split()) <= MAX_WORDS_PER_SENTENCE, sentence


@pytest.mark.parametrize("path", ALL_PATHS, ids=lambda p: p.stem)
def test_every_routine_is_explained_and_safe(path: Path) -> None:
    routine = load_routine(path)
    assert routine.description
    assert routine.intro is not None and "sharp pain" in routine.intro
    assert routine.outro
    for exercise in routine.exercises:
        assert exercise.why is not None, exercise.name
        assert len(sentences(exercise.why)) == 1, exercise.why


# Words that name another movement in some English: "press-up" is a push-up in British
# English, a very different load for a sore back than a back extension.
AMBIGUOUS_NAMES = ("press-up", "press up", "push-up", "push up")


@pytest.mark.parametrize("path", ALL_PATHS, ids=lambda p: p.stem)
def test_no_exercise_name_can_be_mistaken_for_another_movement(path: Path) -> None:
    routine = load_routine(path)
    for exercise in routine.exercises:
        spoken = [exercise.name, *exercise.phases]
        assert not any(word in text.lower() for text in spoken for word in AMBIGUOUS_NAMES), (
            exercise.name
        )


def test_stretches_are_held_on_each_side_for_20_to_30_seconds() -> None:
    for exercise in load("lower-back-stretches").exercises:
        assert exercise.work is WorkKind.HOLD, exercise.name
        # Named by what moves ("left knee down"), so nobody wonders which side is meant.
        assert exercise.sides is not None, exercise.name
        assert "left" in exercise.sides[0] and "right" in exercise.sides[1], exercise.name
        assert exercise.hold is not None and 20 <= exercise.hold <= 30, exercise.name


def test_one_sided_moves_in_back_care_have_sides() -> None:
    sided = {e.name for e in load("back-care-13").exercises if e.sides}
    assert sided == {
        "Lower back rotation",
        "Piriformis stretch",
        "Hamstring stretch",
        "Ball roll on the glutes",
        "Thread the needle",
        "Hip flexor stretch",
    }


def test_ball_roll_lasts_30_to_60_seconds_a_side() -> None:
    (ball,) = [e for e in load("back-care-13").exercises if e.name == "Ball roll on the glutes"]
    assert ball.work is WorkKind.DURATION
    assert ball.duration is not None and 30 <= ball.duration <= 60


@pytest.mark.parametrize(
    ("routine_id", "low", "high"),
    [
        ("quick-start", 45, 90),
        ("lower-back-essentials", 12 * 60, 16 * 60),
    ],
)
def test_compiled_length(routine_id: str, low: float, high: float) -> None:
    assert low <= compiled_seconds(load(routine_id)) <= high


@pytest.mark.parametrize("path", ALL_PATHS, ids=lambda p: p.stem)
def test_every_routine_compiles_within_the_timing_rules(path: Path) -> None:
    routine = load_routine(path)
    script = compile_routine(routine, estimate_speech_samples)
    assert check_script(script, routine) == []
    titles = [chapter.title for chapter in script.chapters]
    assert titles == [e.name for e in routine.exercises] * routine.rounds


@pytest.mark.parametrize("path", ALL_PATHS, ids=lambda p: p.stem)
def test_every_countdown_is_whole(path: Path) -> None:
    """A lone "one" sounds like a rep count: the compiler says all three or none, and
    shipped routines give every hold and every window before one room for all three."""
    routine = load_routine(path)
    script = compile_routine(routine, estimate_speech_samples)
    holds = sum(c.sound == "hold" and c.role == "hold" for c in script.cues)
    top_of_rep = sum(
        (e.reps or 0) * e.sets * (2 if e.sides else 1)
        for e in routine.exercises
        if e.work is WorkKind.REPS and e.hold is not None
    )
    said = [c.text for c in script.cues if c.role == "countdown"]
    assert said == ["Three.", "Two.", "One."] * 2 * (holds - top_of_rep)


@pytest.mark.parametrize("path", ALL_PATHS, ids=lambda p: p.stem)
def test_every_routine_is_followable_without_a_voice(path: Path) -> None:
    routine = load_routine(path)
    script = compile_routine(routine, options=CompileOptions(voice=False))
    assert check_script(script, routine) == []
    rests = [c for c in script.cues if c.sound == "rest" and c.role != "wait"]
    assert len(rests) == sum(
        (e.rest > 0) + (e.sets - 1) * (e.set_rest > 0) for e in routine.exercises
    ) - (routine.exercises[-1].rest > 0)
    # A wait sounds as it starts (the rest tone: stop here) and ends on the next chime.
    waits = [e for e in routine.exercises if e.wait is not None]
    assert [c.role for c in script.cues if c.role in ("wait", "go")] == ["wait", "go"] * sum(
        e.sets * (2 if e.sides else 1) for e in waits
    ) * routine.rounds


@pytest.mark.parametrize("path", ALL_PATHS, ids=lambda p: p.stem)
def test_no_cue_sentence_sounds_like_a_built_in_command(path: Path) -> None:
    """ "Rest on your forearms" heard just before the work starts sounds like "Rest.": a
    routine's own sentences never open with what voicecoach says as a signal."""
    routine = load_routine(path)
    table = phrases_for(routine.language)
    said = (*table.all_fixed(), table.switch_sides.format(side=""), table.next_exercise(""))
    signals = {words(text) for text in said if text != sentence_of(table.well_done)}
    for ex in routine.exercises:
        for line in ex.cue:
            for heard in sentences(line):
                opening = words(heard)
                assert not any(opening[: len(s)] == s for s in signals), heard


def words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", text.lower()))


@pytest.mark.parametrize("path", ALL_PATHS, ids=lambda p: p.stem)
def test_nothing_is_said_twice_in_a_row(path: Path) -> None:
    """ "Next up: Cat-cow." straight into "Cat-cow.", "first" on every set: heard with
    eyes closed, both sound like a stutter."""
    routine = load_routine(path)
    script = compile_routine(routine, estimate_speech_samples)
    speech = [c for c in script.cues if c.type is CueType.SPEECH]
    for a, b in itertools.pairwise(speech):
        if a.role == "next-up":
            assert b.start - a.end >= 3 * SAMPLE_RATE, (a.text, b.text)
    firsts = [c for c in speech if c.role == "side" and " first." in c.text]
    assert all(c.set in (None, 1) for c in firsts)
