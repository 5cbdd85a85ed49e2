"""The built-in phrase tables: complete, well formed, and what the compiler says."""

from __future__ import annotations

import string
from dataclasses import fields

import pytest

from voicecoach.errors import VoicecoachError
from voicecoach.phrases import ENGLISH, SUPPORTED_LANGUAGES, Phrases, phrases_for, sentence

# Each template and the fields it must use, so a new language cannot drop one by mistake.
TEMPLATE_FIELDS = {
    "seconds_left": {"n"},
    "minute_left": set(),
    "minutes_left": {"n"},
    "switch_sides": {"side"},
    "first_side": {"side"},
    "set_of": {"n", "m"},
    "sets_plan": {"m"},
    "round_of": {"n", "m"},
    "next_up": {"name"},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cat-cow", "Cat-cow."),
        ("Breathe out.", "Breathe out."),
        ("Ready?", "Ready?"),
        ("Go!", "Go!"),
        ("  Knee   to\nchest  ", "Knee to chest."),
        ("Next up:", "Next up:"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_sentence_ends_in_punctuation(text: str, expected: str) -> None:
    assert sentence(text) == expected


def test_english_numbers_are_words_from_one_to_a_hundred() -> None:
    assert len(ENGLISH.numbers) == 100
    assert len(set(ENGLISH.numbers)) == 100
    assert ENGLISH.number(1) == "One"
    assert ENGLISH.number(13) == "Thirteen"
    assert ENGLISH.number(20) == "Twenty"
    assert ENGLISH.number(21) == "Twenty-one"
    assert ENGLISH.number(99) == "Ninety-nine"
    assert ENGLISH.number(100) == "One hundred"


def test_numbers_outside_the_table_fall_back_to_digits() -> None:
    assert ENGLISH.number(101) == "101"
    assert ENGLISH.number(0) == "0"
    assert ENGLISH.count(250) == "250."


def test_counts_are_sentences() -> None:
    assert ENGLISH.count(3) == "Three."
    assert ENGLISH.count(45) == "Forty-five."


@pytest.mark.parametrize(
    ("label", "said"),
    [
        ("left", "Left side"),
        ("right", "Right side"),
        ("RIGHT ", "Right side"),
        ("front leg", "Front leg"),
        ("Outside", "Outside"),
    ],
)
def test_sides_are_named(label: str, said: str) -> None:
    assert ENGLISH.side(label) == said


def test_side_announcements() -> None:
    assert ENGLISH.switch_to("right") == "Switch sides. Right side."
    assert ENGLISH.side_first("left") == "Left side first."
    assert ENGLISH.switch_to("back") == "Switch sides. Back."


def test_sets_rounds_and_next_up() -> None:
    assert ENGLISH.set_announcement(2, 3) == "Set 2 of 3."
    assert ENGLISH.sets_announcement(3) == "3 sets."
    assert ENGLISH.round_announcement(1, 4) == "Round 1 of 4."
    assert ENGLISH.next_exercise("  Bird dog ") == "Next up: Bird dog."
    assert ENGLISH.next_exercise("Are you ready?") == "Next up: Are you ready?"


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (10, "10 seconds left."),
        (30, "30 seconds left."),
        (60, "1 minute left."),
        (90, "90 seconds left."),
        (180, "3 minutes left."),
    ],
)
def test_time_left(seconds: int, said: str) -> None:
    assert ENGLISH.time_left(seconds) == said


def test_fixed_phrases_are_sentences() -> None:
    assert ENGLISH.all_fixed() == ("Last one.", "Halfway.", "Rest.", "Get ready.", "Well done.")


def test_phrases_for_english() -> None:
    assert phrases_for("en") is ENGLISH
    assert phrases_for(" EN ") is ENGLISH
    assert "en" in SUPPORTED_LANGUAGES


def test_unknown_language_is_a_user_error_naming_the_supported_ones() -> None:
    with pytest.raises(VoicecoachError) as caught:
        phrases_for("xx")
    (line,) = caught.value.lines()
    assert line.startswith("Error: voicecoach has no phrases for language 'xx'")
    assert line.endswith(": " + ", ".join(SUPPORTED_LANGUAGES))


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_table_is_complete(language: str) -> None:
    table = phrases_for(language)
    assert table.language == language
    assert len(table.numbers) == 100
    assert len(set(table.numbers)) == 100
    assert all(word.strip() for word in table.numbers)
    assert {key for key, _ in table.side_names} == {"left", "right"}
    for f in fields(Phrases):
        value = getattr(table, f.name)
        if isinstance(value, str):
            assert value.strip(), f.name
            used = {name for _, name, _, _ in string.Formatter().parse(value) if name}
            assert used == TEMPLATE_FIELDS.get(f.name, set()), f.name
