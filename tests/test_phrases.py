"""The built-in phrase tables: complete, well formed, and what the compiler says."""

from __future__ import annotations

import string
from dataclasses import fields

import pytest

from voicecoach.compile.phrases import (
    ENGLISH,
    GERMAN,
    SPANISH,
    SUPPORTED_LANGUAGES,
    Phrases,
    base_language,
    is_supported,
    phrases_for,
    sentence,
    supported_list,
)
from voicecoach.errors import VoicecoachError

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
    "own_pace": {"n"},
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
    # A later set names its first side without "first": that was said once already.
    assert ENGLISH.side_again("left") == "Left side."
    assert ENGLISH.side_again("left knee down") == "Left knee down."


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


def test_english_german_and_spanish_are_supported() -> None:
    assert SUPPORTED_LANGUAGES == ("de", "en", "es")
    assert phrases_for("de") is GERMAN
    assert phrases_for("es") is SPANISH
    assert supported_list() == "de (German), en (English), es (Spanish)"


@pytest.mark.parametrize(
    ("tag", "table"),
    [
        ("en-GB", ENGLISH),
        ("en-US", ENGLISH),
        ("de-AT", GERMAN),
        ("de-CH", GERMAN),
        ("es-419", SPANISH),
        ("es-MX", SPANISH),
        (" ES-es ", SPANISH),
    ],
)
def test_a_regional_tag_gets_its_languages_table(tag: str, table: Phrases) -> None:
    assert base_language(tag) == table.language
    assert is_supported(tag)
    assert phrases_for(tag) is table


@pytest.mark.parametrize("tag", ["fr", "pt-BR", "xx", "", "e", "ende", "d-e"])
def test_other_languages_are_not_supported(tag: str) -> None:
    assert not is_supported(tag)


def test_unknown_language_is_a_user_error_naming_the_supported_ones() -> None:
    with pytest.raises(VoicecoachError) as caught:
        phrases_for("xx")
    (line,) = caught.value.lines()
    assert line == (
        "Error: voicecoach has no phrases for language 'xx'; "
        "set `language:` to one of: de (German), en (English), es (Spanish)"
    )


# Spot checks of the number words, the irregular ones and each kind of compound.
GERMAN_NUMBERS = {
    1: "Eins", 2: "Zwei", 6: "Sechs", 7: "Sieben", 10: "Zehn", 11: "Elf", 12: "Zwölf",
    13: "Dreizehn", 16: "Sechzehn", 17: "Siebzehn", 19: "Neunzehn", 20: "Zwanzig",
    21: "Einundzwanzig", 22: "Zweiundzwanzig", 26: "Sechsundzwanzig",
    27: "Siebenundzwanzig", 30: "Dreißig", 31: "Einunddreißig", 45: "Fünfundvierzig",
    60: "Sechzig", 66: "Sechsundsechzig", 70: "Siebzig", 77: "Siebenundsiebzig",
    81: "Einundachtzig", 99: "Neunundneunzig", 100: "Hundert",
}  # fmt: skip
SPANISH_NUMBERS = {
    1: "Uno", 5: "Cinco", 9: "Nueve", 10: "Diez", 11: "Once", 15: "Quince",
    16: "Dieciséis", 17: "Diecisiete", 19: "Diecinueve", 20: "Veinte", 21: "Veintiuno",
    22: "Veintidós", 23: "Veintitrés", 26: "Veintiséis", 29: "Veintinueve",
    30: "Treinta", 31: "Treinta y uno", 42: "Cuarenta y dos", 50: "Cincuenta",
    57: "Cincuenta y siete", 60: "Sesenta", 70: "Setenta", 76: "Setenta y seis",
    80: "Ochenta", 90: "Noventa", 99: "Noventa y nueve", 100: "Cien",
}  # fmt: skip


@pytest.mark.parametrize(("n", "word"), sorted(GERMAN_NUMBERS.items()))
def test_german_numbers(n: int, word: str) -> None:
    assert GERMAN.number(n) == word


@pytest.mark.parametrize(("n", "word"), sorted(SPANISH_NUMBERS.items()))
def test_spanish_numbers(n: int, word: str) -> None:
    assert SPANISH.number(n) == word


def test_german_compounds_follow_the_units() -> None:
    # 21..99 other than the tens: the unit ("ein" for 1) + "und" + the ten, in one word.
    units = [GERMAN.number(n).lower() for n in range(1, 10)]
    units[0] = "ein"
    for ten in range(20, 100, 10):
        for unit in range(1, 10):
            expected = f"{units[unit - 1]}und{GERMAN.number(ten).lower()}"
            assert GERMAN.number(ten + unit) == expected.capitalize()


def test_spanish_compounds_from_thirty_are_three_words() -> None:
    for ten in range(30, 100, 10):
        for unit in range(1, 10):
            expected = f"{SPANISH.number(ten)} y {SPANISH.number(unit).lower()}"
            assert SPANISH.number(ten + unit) == expected
    # 21..29 are single words ending in their unit.
    for unit in range(1, 10):
        word = SPANISH.number(20 + unit)
        assert " " not in word and word.startswith("Veinti")


def test_german_phrases() -> None:
    assert GERMAN.count(3) == "Drei."
    assert GERMAN.switch_to("right") == "Seitenwechsel. Rechte Seite."
    assert GERMAN.side_first("left") == "Linke Seite zuerst."
    assert GERMAN.side_again("left") == "Linke Seite."
    assert GERMAN.switch_to("Vorderes Bein") == "Seitenwechsel. Vorderes Bein."
    assert GERMAN.set_announcement(2, 3) == "Satz 2 von 3."
    assert GERMAN.sets_announcement(3) == "3 Sätze."
    assert GERMAN.round_announcement(1, 2) == "Runde 1 von 2."
    assert GERMAN.next_exercise("Brücke") == "Als Nächstes: Brücke."
    assert [GERMAN.time_left(s) for s in (10, 60, 120)] == [
        "Noch 10 Sekunden.",
        "Noch eine Minute.",
        "Noch 2 Minuten.",
    ]
    assert GERMAN.all_fixed() == (
        "Die Letzte.",
        "Halbzeit.",
        "Pause.",
        "Mach dich bereit.",
        "Gut gemacht.",
    )


def test_spanish_phrases() -> None:
    assert SPANISH.count(3) == "Tres."
    assert SPANISH.switch_to("right") == "Cambia de lado. Lado derecho."
    assert SPANISH.side_first("left") == "Lado izquierdo primero."
    assert SPANISH.side_again("left") == "Lado izquierdo."
    assert SPANISH.set_announcement(2, 3) == "Serie 2 de 3."
    assert SPANISH.sets_announcement(3) == "3 series."
    assert SPANISH.round_announcement(1, 2) == "Ronda 1 de 2."
    assert SPANISH.next_exercise("Puente") == "A continuación: Puente."
    assert [SPANISH.time_left(s) for s in (10, 60, 120)] == [
        "Quedan 10 segundos.",
        "Queda un minuto.",
        "Quedan 2 minutos.",
    ]
    assert SPANISH.all_fixed() == (
        "La última.",
        "Vas por la mitad.",
        "Descanso.",
        "Prepárate.",
        "Buen trabajo.",
    )


@pytest.mark.parametrize("table", [GERMAN, SPANISH], ids=lambda t: t.language)
def test_a_translated_table_says_nothing_in_english(table: Phrases) -> None:
    for f in fields(Phrases):
        value = getattr(table, f.name)
        if f.name not in ("language", "name") and isinstance(value, str):
            assert value != getattr(ENGLISH, f.name), f.name
    assert not set(table.numbers) & set(ENGLISH.numbers)
    assert not {said for _, said in table.side_names} & {s for _, s in ENGLISH.side_names}


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_table_is_complete(language: str) -> None:
    table = phrases_for(language)
    assert table.language == language
    assert table.name.strip()
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
    # Every phrase comes out as a sentence, whatever goes into its fields.
    said = [
        *table.all_fixed(),
        table.count(1),
        table.switch_to("left"),
        table.side_first("right"),
        table.side_again("right"),
        table.set_announcement(1, 2),
        table.sets_announcement(2),
        table.round_announcement(2, 3),
        table.next_exercise("X"),
        *(table.time_left(s) for s in (10, 60, 120)),
        table.own_pace_announcement(10),
        sentence(table.press_play),
        sentence(table.pause_if_longer),
    ]
    assert all(text and text == sentence(text) for text in said)
    assert all(word[:1].isupper() for word in table.numbers)
