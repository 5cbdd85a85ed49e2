"""The dosage, length and weekly target in words, as the handout and the page print them."""

from __future__ import annotations

import pytest
from pack_items import item

from voicecoach.pack.words import dosage, how_often, printable, rounds_text, session_length
from voicecoach.routine.load import load_routine_text
from voicecoach.routine.model import Exercise

EXERCISES_YAML = """\
version: 1
name: Every kind of work
exercises:
  - {name: Child's pose, hold: 30s}
  - {name: Hip flexor stretch, hold: 30s, sides: true, sets: 2}
  - {name: Pelvic tilt, reps: 10, tempo: [3s, 3s]}
  - {name: One rep, reps: 1}
  - {name: Glute bridge, reps: 8, hold: 3s, sets: 2}
  - {name: Clamshells, reps: 12, sides: [right leg on top, left leg on top]}
  - {name: Marching, duration: 2m}
  - {name: Foam roller, duration: 1m30s, sides: true}
  - {name: Gather your kit, wait: 3m}
  - {name: Lie down, wait: true}
  - {name: Squats, reps: 10, wait: true}
"""


def exercises() -> dict[str, Exercise]:
    routine = load_routine_text(EXERCISES_YAML, "kinds.yaml", "kinds")
    return {exercise.name: exercise for exercise in routine.exercises}


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Child's pose", "hold 30 s"),
        ("Hip flexor stretch", "hold 30 s, each side, 2 sets"),
        ("Pelvic tilt", "10 reps"),
        ("One rep", "1 rep"),
        ("Glute bridge", "8 reps, holding 3 s at the top, 2 sets"),
        ("Clamshells", "12 reps, each side"),
        ("Marching", "2 min"),
        ("Foam roller", "1 min 30 s, each side"),
        ("Gather your kit", "a pause of up to 3 min"),
        ("Lie down", "a pause, as long as you need"),
        ("Squats", "10 reps at your own pace"),
    ],
)
def test_the_dosage_of_each_kind_of_work_in_words(name: str, words: str) -> None:
    assert dosage(exercises()[name]) == words


def test_the_shipped_routines_dosages_read_as_their_files_say() -> None:
    essentials = {ex.name: dosage(ex) for ex in item("lower-back-essentials").routine.exercises}
    assert essentials["Pelvic tilt"] == "10 reps"
    assert essentials["Glute bridge"] == "8 reps, holding 3 s at the top, 2 sets"
    assert essentials["Side-lying clamshells"] == "12 reps, each side"
    back_care = {ex.name: dosage(ex) for ex in item("back-care-13").routine.exercises}
    assert back_care["Lower back rotation"] == "hold 30 s, each side"
    assert back_care["Ball roll on the glutes"] == "45 s, each side"
    assert back_care["Gather your kit"] == "a pause of up to 3 min"


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (12.0, "under a minute"),
        (31.0, "about 1 minute"),
        (89.0, "about 1 minute"),
        (91.0, "about 2 minutes"),
        (14 * 60 + 5, "about 14 minutes"),
        (3600.0, "about 1 hour"),
        (3600 + 5 * 60 + 10, "about 1 hour 5 minutes"),
        (2 * 3600 + 60, "about 2 hours 1 minute"),
        (float("inf"), "many hours"),
    ],
)
def test_a_session_length_in_words(seconds: float, words: str) -> None:
    assert session_length(seconds) == words


@pytest.mark.parametrize(
    ("target", "words"),
    [(1, "once a week"), (2, "twice a week"), (4, "4 times a week"), (50, "50 times a week")],
)
def test_the_weekly_target_in_words(target: int, words: str) -> None:
    assert how_often(target) == words


def test_rounds_in_words() -> None:
    assert [rounds_text(n) for n in (1, 2, 3)] == [
        "",
        "the whole list twice",
        "the whole list 3 times",
    ]


def test_printable_drops_what_xml_cannot_hold_and_keeps_the_rest() -> None:
    assert printable("a\x00b\x1bc\ufffe\tline\nend é ☃ <&>") == "abc\tline\nend é ☃ <&>"
