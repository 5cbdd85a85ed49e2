"""The routine loader: every rule of the format, its exact messages, and hostile files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from helpers import bounded

from voicecoach.errors import Problem, RoutineError, RoutineNotFound
from voicecoach.routine import model, yaml_nodes
from voicecoach.routine.load import load_routine, load_routine_text
from voicecoach.routine.model import (
    MAX_FILE_BYTES,
    Exercise,
    Routine,
    Wait,
    WorkKind,
    nominal_seconds,
)

DATA = Path(__file__).parent / "data"
VALID = DATA / "valid"
INVALID = DATA / "invalid"

TOP_KEYS_LISTED = (
    "`version`, `name`, `description`, `language`, `intro`, `outro`, `rounds`, "
    "`defaults`, `exercises`"
)
EXERCISE_KEYS_LISTED = (
    "`name`, `cue`, `why`, `hold`, `reps`, `tempo`, `phases`, `duration`, `sides`, `sets`, "
    "`set_rest`, `switch`, `lead_in`, `rest`, `wait`, `remind`"
)
DURATION = "a duration such as `30s`, `1m`, `1m30s` or `1:30`"
KINDS = "an exercise has one of `hold`, `reps` or `duration` (or `reps` with `hold`)"
ONE_HOLD = "exercises:\n  - name: Knee hug\n    hold: 20s\n"


@pytest.fixture(params=["libyaml", "python"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Runs a test with libyaml's parser and with PyYAML's pure-Python one."""
    if request.param == "python":
        monkeypatch.setattr(yaml_nodes, "_Loader", yaml_nodes._PyLoader)
    elif yaml_nodes._Loader is yaml_nodes._PyLoader:
        pytest.skip("PyYAML is built without libyaml here")
    yield request.param


def problems(text: str | bytes, routine_id: str = "test") -> list[str]:
    """The problems of ``text`` as ``LINE:COLUMN: message``, or [] if it loads."""
    try:
        load_routine_text(text, "r.yaml", routine_id)
    except RoutineError as err:
        assert all(p.path == "r.yaml" for p in err.problems)
        return [f"{p.line}:{p.column}: {p.message}" for p in err.problems]
    return []


def routine(text: str) -> Routine:
    return load_routine_text(text, "r.yaml", "test")


def exercise(body: str, defaults: str = "") -> Exercise:
    """The one exercise of a routine whose exercise keys are ``body`` (indented 4)."""
    lines = "".join(f"    {line}\n" for line in body.splitlines())
    head = f"defaults:\n{defaults}" if defaults else ""
    (only,) = routine(f"version: 1\nname: R\n{head}exercises:\n  - name: E\n{lines}").exercises
    return only


def exercise_problems(body: str, defaults: str = "") -> list[str]:
    lines = "".join(f"    {line}\n" for line in body.splitlines())
    head = f"defaults:\n{defaults}" if defaults else ""
    return problems(f"version: 1\nname: R\n{head}exercises:\n  - name: E\n{lines}")


# --- durations -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30", 30.0),
        ("2.5", 2.5),
        ("30s", 30.0),
        ("1m", 60.0),
        ("1m30s", 90.0),
        ("90s", 90.0),
        ("1m 30s", 90.0),
        ('"45"', 45.0),
        ("1:30", 90.0),
        ("60m", 3600.0),
    ],
)
def test_durations_in_a_file(text: str, seconds: float) -> None:
    assert exercise(f"hold: {text}").hold == seconds


def test_work_must_take_time_but_pauses_may_be_zero() -> None:
    assert exercise_problems("hold: 0") == ["5:11: `hold` must be longer than 0 seconds, not `0`"]
    assert exercise_problems("duration: 0s") == [
        "5:15: `duration` must be longer than 0 seconds, not `0s`"
    ]
    assert exercise_problems("reps: 3\ntempo: [1s, 0]") == [
        "6:17: `tempo` item 2 must be longer than 0 seconds, not `0`"
    ]
    paused = exercise("hold: 5\nrest: 0\nswitch: 0s\nlead_in: 0\nset_rest: 0\nsides: true")
    assert (paused.rest, paused.switch, paused.lead_in, paused.set_rest) == (0, 0, 0, 0)


@pytest.mark.parametrize("key", ["rest", "switch", "lead_in", "set_rest"])
def test_pauses_cannot_be_negative(key: str) -> None:
    assert exercise_problems(f"hold: 5\n{key}: -2s") == [
        f"6:{len(key) + 7}: `{key}` must be 0 seconds or more, not `-2s`"
    ]


@pytest.mark.parametrize("key", ["hold", "duration", "rest", "switch", "lead_in", "set_rest"])
def test_no_single_duration_exceeds_an_hour(key: str) -> None:
    kind = "" if key in ("hold", "duration") else "hold: 5\n"
    body = f"{kind}{key}: 3600.5"
    line = 5 + kind.count("\n")
    assert exercise_problems(body) == [
        f"{line}:{len(key) + 7}: `{key}` must be at most 1 hour, not `3600.5`"
    ]
    assert exercise_problems(f"{kind}{key}: 60m") == []


def test_bad_durations_name_the_forms_and_hours_get_a_hint() -> None:
    assert exercise_problems("hold: a while") == [f"5:11: `hold` must be {DURATION}, not `a while`"]
    assert exercise_problems("hold: 1h") == [
        f"5:11: `hold` must be {DURATION}, not `1h`; write an hour as `60m`"
    ]
    assert exercise_problems("hold: [30s]") == [f"5:11: `hold` must be {DURATION}, not a list"]
    assert exercise_problems("hold: true") == [f"5:11: `hold` must be {DURATION}, not `true`"]
    assert exercise_problems("hold: .nan") == [f"5:11: `hold` must be {DURATION}, not `.nan`"]
    assert exercise_problems("hold:") == [f"5:10: `hold` has no value; it must be {DURATION}"]


# --- top-level keys ------------------------------------------------------------------------


def test_the_spec_example_loads_exactly() -> None:
    loaded = load_routine(VALID / "spec-example.yaml")
    assert loaded == Routine(
        id="spec-example",
        name="Lower back essentials",
        description="Gentle moves that loosen and strengthen a sore lower back.",
        intro="Move slowly and breathe. Stop if you feel sharp pain.",
        source=VALID / "spec-example.yaml",
        exercises=(
            Exercise(
                name="Cat-cow",
                work=WorkKind.REPS,
                cue=("On hands and knees, round your back up, then let your belly sink.",),
                reps=8,
                tempo=(3.0, 3.0),
                phases=("Round up", "Sink down"),
                rest=15.0,
            ),
            Exercise(name="Child's pose", work=WorkKind.HOLD, hold=30.0, rest=15.0),
            Exercise(
                name="Hip flexor stretch",
                work=WorkKind.HOLD,
                cue=("Kneel on one knee, other foot in front, and ease your hips forward.",),
                why="Tight hip flexors tilt the pelvis and load the lower back.",
                hold=30.0,
                sides=("left", "right"),
                sets=2,
                rest=15.0,
            ),
            Exercise(
                name="Ball roll on the glutes", work=WorkKind.DURATION, duration=45.0, rest=15.0
            ),
        ),
    )


def test_every_key_set_away_from_its_default() -> None:
    loaded = load_routine(VALID / "every-key.yaml")
    timing: dict[str, Any] = {"set_rest": 20.0, "switch": 3.0, "lead_in": 4.0, "rest": 12.0}
    assert loaded == Routine(
        id="every-key",
        name="Every key",
        description="Uses each key once, for the loader's tests.",
        language="en-GB",
        intro="Lie on your back on a mat.\nKeep your eyes closed.",
        outro="Well done. Roll to your side before you get up.",
        rounds=2,
        source=VALID / "every-key.yaml",
        exercises=(
            replace(
                Exercise(
                    name="Bridge",
                    work=WorkKind.REPS,
                    cue=("Feet flat, knees bent.", "Lift your hips, then lower them."),
                    why="Strong glutes take load off the lower back.",
                    reps=10,
                    hold=2.0,
                    tempo=(2.0, 1.5),
                    phases=("Lift", "Lower"),
                    sets=2,
                ),
                **timing,
            ),
            replace(
                Exercise(
                    name="Side lying leg lift",
                    work=WorkKind.REPS,
                    reps=6,
                    tempo=(4.0,),
                    sides=("right leg", "left leg"),
                    sets=1,
                ),
                **timing,
            ),
            replace(
                Exercise(
                    name="Supine twist", work=WorkKind.HOLD, hold=60.0, sides=("left", "right")
                ),
                **(timing | {"switch": 0.0, "sets": 2}),
            ),
            replace(
                Exercise(name="Marching", work=WorkKind.DURATION, duration=90.0, sets=2),
                **(timing | {"lead_in": 0.0, "rest": 0.0, "set_rest": 0.0}),
            ),
        ),
    )


def test_the_smallest_routine_gets_every_default() -> None:
    assert routine("name: Tiny\n" + ONE_HOLD) == Routine(
        id="test",
        name="Tiny",
        exercises=(Exercise(name="Knee hug", work=WorkKind.HOLD, hold=20.0),),
    )


def test_name_and_exercises_are_required() -> None:
    assert problems("version: 1\n") == [
        "1:1: the routine needs a `name`, the title spoken at the start",
        "1:1: the routine needs `exercises`, a list of at least one exercise",
    ]
    assert problems("name: R\nexercises: []\n") == [
        "2:12: `exercises` is an empty list; it must be a list of exercises"
    ]
    assert problems("name: R\nexercises:\n") == [
        "2:11: `exercises` has no value; it must be a list of exercises"
    ]


def test_only_version_1_is_supported() -> None:
    assert problems("version: 1\nname: R\n" + ONE_HOLD) == []
    assert problems("version: 2\nname: R\n" + ONE_HOLD) == [
        "1:10: `version` 2 is not supported; supported versions: 1"
    ]
    assert problems("version: '1'\nname: R\n" + ONE_HOLD) == [
        "1:10: `version` must be a version number (supported: 1), not the quoted text `'1'`"
    ]


def test_language_is_a_short_tag() -> None:
    assert routine("language: de\nname: R\n" + ONE_HOLD).language == "de"
    assert routine("name: R\n" + ONE_HOLD).language == "en"
    assert problems("language: English\nname: R\n" + ONE_HOLD) == [
        "1:11: `language` must be a language tag such as `en` or `de`, not `English`"
    ]


@pytest.mark.parametrize("tag", ["en", "de", "es", "en-GB", "de-AT", "es-419", "es-MX"])
def test_a_supported_language_or_a_regional_form_of_it_is_kept_as_written(tag: str) -> None:
    assert routine(f"language: {tag}\nname: R\n" + ONE_HOLD).language == tag


SUPPORTED_LISTED = "supported languages: de (German), en (English), es (Spanish)"


@pytest.mark.parametrize(
    ("value", "shown"), [("fr", "`fr`"), ("pt-BR", "`pt-BR`"), ("'xx'", "the quoted text `'xx'`")]
)
def test_an_unsupported_language_is_located_and_lists_the_supported_ones(
    value: str, shown: str
) -> None:
    assert problems(f"name: R\nlanguage: {value}\n" + ONE_HOLD) == [
        f"2:11: `language` {shown} is not supported; {SUPPORTED_LISTED}"
    ]


def test_rounds_is_a_count() -> None:
    assert routine("rounds: 3\nname: R\n" + ONE_HOLD).rounds == 3
    assert problems("rounds: 0\nname: R\n" + ONE_HOLD) == [
        "1:9: `rounds` must be at least 1, not `0`"
    ]


def test_texts_are_stripped_and_must_not_be_blank() -> None:
    loaded = routine("name: '  Padded  '\nintro: |\n  Two\n  lines\n" + ONE_HOLD)
    assert (loaded.name, loaded.intro) == ("Padded", "Two\nlines")
    assert problems("name: ' '\n" + ONE_HOLD) == [
        "1:7: `name` is blank; write some text or remove it"
    ]
    assert problems("name: R\noutro:\n" + ONE_HOLD) == [
        "2:7: `outro` has no value; it must be text"
    ]


def test_plain_words_that_yaml_reads_as_other_types_are_still_text() -> None:
    loaded = routine(
        "name: 2024\nexercises:\n  - name: On\n    reps: 2\n    tempo: [1, 1]\n"
        "    phases: [On, Off]\n"
    )
    assert loaded.name == "2024"
    assert loaded.exercises[0].phases == ("On", "Off")


def test_exercises_must_be_mappings() -> None:
    assert problems("name: R\nexercises:\n  - Knee hug\n  -\n") == [
        "3:5: exercise 1 must be a mapping of keys such as `name:` and `hold:`, not `Knee hug`",
        "4:4: exercise 2 is empty; give it a `name` and its work",
    ]


# --- unknown, misplaced and duplicate keys --------------------------------------------------


def test_unknown_key_names_the_closest_known_key() -> None:
    assert exercise_problems("holdd: 30s") == [
        "4:5: exercise 1 (`E`) needs one of `hold`, `reps` or `duration`",
        "5:5: unknown key `holdd`; did you mean `hold`?",
    ]
    assert exercise_problems("hold: 5\nlead-in: 5s") == [
        "6:5: unknown key `lead-in`; did you mean `lead_in`?"
    ]
    assert problems("nmae: R\n" + ONE_HOLD) == [
        "1:1: unknown key `nmae`; did you mean `name`?",
        "1:1: the routine needs a `name`, the title spoken at the start",
    ]
    assert problems("Name: R\n" + ONE_HOLD)[0] == "1:1: unknown key `Name`; did you mean `name`?"


def test_unknown_key_with_nothing_close_lists_the_allowed_keys() -> None:
    assert problems("name: R\ncolour: red\n" + ONE_HOLD) == [
        f"2:1: unknown key `colour`; the keys allowed here are {TOP_KEYS_LISTED}"
    ]
    assert exercise_problems("hold: 5\nzzz: 1") == [
        f"6:5: unknown key `zzz`; the keys allowed here are {EXERCISE_KEYS_LISTED}"
    ]


def test_keys_in_the_wrong_place_say_where_they_belong() -> None:
    assert problems("name: R\nhold: 20s\n" + ONE_HOLD) == [
        "2:1: `hold` is an exercise key; put it under an exercise, or under `defaults` to apply "
        "it to every exercise"
    ]
    assert exercise_problems("hold: 5\nrounds: 2") == [
        "6:5: `rounds` is a top-level key; it cannot be set on one exercise"
    ]
    assert problems("name: R\ndefaults:\n  cue: Breathe.\n  intro: Hi\n" + ONE_HOLD) == [
        "3:3: `cue` cannot have a default; set it on each exercise",
        "4:3: `intro` is a top-level key; move it out of `defaults`",
    ]


def test_duplicate_keys_are_reported_at_the_second() -> None:
    assert problems("name: R\nname: S\n" + ONE_HOLD) == [
        "2:1: duplicate key `name`; it is already set on line 1"
    ]
    assert exercise_problems("hold: 5\nhold: 6") == [
        "6:5: duplicate key `hold`; it is already set on line 5"
    ]


def test_quoted_text_keeps_each_problem_on_one_line() -> None:
    long_key = "k" * 60
    assert exercise_problems(f'hold: 5\n"a\\nb": 1\n{long_key}: 2\nsides: ["x\\ny", "X\\nY"]') == [
        f"6:5: unknown key `a b`; the keys allowed here are {EXERCISE_KEYS_LISTED}",
        f"7:5: unknown key `{'k' * 37}...`; the keys allowed here are {EXERCISE_KEYS_LISTED}",
        "8:12: `sides` must name two different sides, not `x y` twice",
    ]
    assert problems("name: R\nintro: [two\n  lines, x]\n" + ONE_HOLD) == [
        "2:8: `intro` must be text, not a list"
    ]
    assert problems('name: R\nrounds: "many\\nmany"\n' + ONE_HOLD) == [
        '2:9: `rounds` must be a whole number of at least 1, not the quoted text `"many many"`'
    ]


def test_keys_must_be_plain_text() -> None:
    assert exercise_problems("hold: 5\n? [a]\n: b\n'': c\n7: d") == [
        "6:7: a key must be plain text, not a list",
        "8:5: a key is missing before the `:`",
        f"9:5: unknown key `7`; the keys allowed here are {EXERCISE_KEYS_LISTED}",
    ]


# --- kinds of work -------------------------------------------------------------------------


def test_exactly_one_kind_of_work() -> None:
    assert exercise_problems("cue: Relax.") == [
        "4:5: exercise 1 (`E`) needs one of `hold`, `reps` or `duration`"
    ]
    assert exercise_problems("hold: 5\nduration: 6") == [
        f"6:5: `duration` cannot be combined with `hold`: {KINDS}"
    ]
    assert exercise_problems("duration: 6\nreps: 5") == [
        f"6:5: `reps` cannot be combined with `duration`: {KINDS}"
    ]


def test_reps_with_hold_holds_each_rep() -> None:
    held = exercise("reps: 5\nhold: 3s")
    assert (held.work, held.reps, held.hold) == (WorkKind.REPS, 5, 3.0)


def test_reps_sets_and_rounds_are_whole_numbers_of_at_least_one() -> None:
    assert exercise_problems("reps: true") == [
        "5:11: `reps` must be a whole number of at least 1, not `true`"
    ]
    assert exercise_problems("reps: 2.0") == [
        "5:11: `reps` must be a whole number of at least 1, not `2.0`"
    ]
    assert exercise_problems("reps: 0") == ["5:11: `reps` must be at least 1, not `0`"]
    assert exercise_problems("hold: 5\nsets: -1") == ["6:11: `sets` must be at least 1, not `-1`"]
    assert exercise_problems("reps: '8'") == [
        "5:11: `reps` must be a whole number of at least 1, not the quoted text `'8'`"
    ]


def test_tempo_and_phases() -> None:
    assert exercise("reps: 4").tempo == (3.0,)
    assert exercise("reps: 4\ntempo: 2s").tempo == (2.0,)
    counted = exercise("reps: 4\ntempo: [2s, 1s, 2]\nphases: [In, Hold, Out]")
    assert (counted.tempo, counted.phases) == ((2.0, 1.0, 2.0), ("In", "Hold", "Out"))
    assert exercise_problems("reps: 4\nphases: [In, Out]") == [
        "6:13: `phases` has 2 items but `tempo` has 1 (the default, 3s a rep); give one phase "
        "per tempo entry"
    ]
    assert exercise_problems("reps: 4\nphases: [In]", defaults="  tempo: [1, 2]\n") == [
        "8:13: `phases` has 1 item but `tempo` has 2 (from `defaults`); give one phase per "
        "tempo entry"
    ]
    assert exercise_problems("reps: 4\ntempo: []") == [
        "6:12: `tempo` is an empty list; it must be a duration or a list of durations"
    ]


def test_tempo_and_phases_belong_to_reps() -> None:
    assert exercise_problems("hold: 5\ntempo: 2s\nphases: [In]") == [
        "6:5: `tempo` applies only to exercises with `reps`",
        "7:5: `phases` applies only to exercises with `reps`",
    ]


def test_sides() -> None:
    assert exercise("hold: 5\nsides: true").sides == ("left", "right")
    assert exercise("hold: 5\nsides: false").sides is None
    assert exercise("hold: 5\nsides: [upper, lower]").sides == ("upper", "lower")
    assert exercise_problems("hold: 5\nsides: [left]") == [
        "6:12: `sides` must list exactly two side labels, not 1"
    ]
    assert exercise_problems("hold: 5\nsides: [a, b, c]") == [
        "6:12: `sides` must list exactly two side labels, not 3"
    ]
    assert exercise_problems("hold: 5\nsides: [left, LEFT]") == [
        "6:12: `sides` must name two different sides, not `left` twice"
    ]
    assert exercise_problems("hold: 5\nsides: both") == [
        "6:12: `sides` must be `true`, `false` or a list of two side labels, not `both`"
    ]


def test_cue_is_a_text_or_a_list_of_texts() -> None:
    assert exercise("hold: 5\ncue: Relax.").cue == ("Relax.",)
    assert exercise("hold: 5\ncue: [Lie down., Relax.]").cue == ("Lie down.", "Relax.")
    assert exercise_problems("hold: 5\ncue: [Relax., 3]") == []
    assert exercise_problems("hold: 5\ncue: [Relax., [x]]") == [
        "6:19: `cue` item 2 must be text, not a list"
    ]
    assert exercise_problems("hold: 5\ncue: {a: b}") == ["6:10: `cue` must be text, not a mapping"]


# --- defaults -------------------------------------------------------------------------------


def test_defaults_fill_in_timing_keys() -> None:
    defaults = (
        "  tempo: [1s, 2s]\n  set_rest: 7\n  switch: 2\n  lead_in: 3\n  rest: 4\n  sets: 2\n"
        "  sides: true\n"
    )
    filled = exercise("reps: 5", defaults=defaults)
    assert filled == Exercise(
        name="E",
        work=WorkKind.REPS,
        reps=5,
        tempo=(1.0, 2.0),
        set_rest=7.0,
        switch=2.0,
        lead_in=3.0,
        rest=4.0,
        sets=2,
        sides=("left", "right"),
    )
    own = exercise("reps: 5\nrest: 0\nsides: false", defaults=defaults)
    assert (own.rest, own.sides) == (0.0, None)


def test_a_default_kind_applies_only_to_exercises_without_their_own() -> None:
    loaded = load_routine(VALID / "defaults-kinds.yaml")
    works = [(e.work, e.hold, e.reps, e.duration) for e in loaded.exercises]
    assert works == [
        (WorkKind.HOLD, 25.0, None, None),
        (WorkKind.REPS, None, 12, None),
        (WorkKind.DURATION, None, None, 120.0),
        (WorkKind.REPS, 5.0, 5, None),
    ]
    assert exercise("", defaults="  reps: 6\n  hold: 2\n") == Exercise(
        name="E", work=WorkKind.REPS, reps=6, hold=2.0
    )


def test_conflicting_default_kinds_are_reported_once_at_the_defaults() -> None:
    assert exercise_problems("", defaults="  hold: 5\n  duration: 6\n") == [
        f"5:3: `duration` cannot be combined with `hold`: {KINDS}"
    ]


def test_defaults_must_be_a_mapping() -> None:
    assert problems("name: R\ndefaults: 5s\n" + ONE_HOLD) == [
        "2:11: `defaults` must be a mapping of exercise keys, not `5s`"
    ]


# --- the length limit -----------------------------------------------------------------------


def test_nominal_length_counts_work_pauses_sets_sides_and_rounds() -> None:
    loaded = load_routine(VALID / "spec-example.yaml")
    # cat-cow 5 + 8*6 + 15, pose 5 + 30 + 15, hip 5 + 2*(30+5+30) + 10 + 15, roll 5 + 45
    assert nominal_seconds(loaded) == 68 + 50 + 160 + 50
    twice = routine("name: R\nrounds: 2\n" + ONE_HOLD)
    assert nominal_seconds(twice) == 2 * (5 + 20 + 10) - 10


def test_a_routine_may_run_four_hours_but_no_longer() -> None:
    # Each round: lead-in 5 + 60m hold; rest 10 s between rounds.
    exact = "name: R\nrounds: 4\nexercises:\n  - name: Long\n    hold: 60m\n"
    assert problems(exact + "    lead_in: 0\n    rest: 0\n") == []
    assert problems(exact) == [
        "3:1: the routine runs 4 h 0 min 50 s without speech (4 rounds of 1 h 0 min 12 s), more "
        "than the 4-hour limit"
    ]
    many = "name: R\nexercises:\n" + "  - name: Long\n    duration: 60m\n" * 5
    assert problems(many) == [
        "2:1: the routine runs 5 h 1 min 5 s without speech, more than the 4-hour limit"
    ]


def test_lengths_are_told_in_hours_minutes_and_seconds() -> None:
    def length(reps: str) -> list[str]:
        return problems(f"name: R\nexercises:\n  - name: E\n    reps: {reps}\n")

    # 5 s lead-in and 3 s a rep; no rest after the last exercise
    assert length("5000") == [
        "2:1: the routine runs 4 h 10 min 5 s without speech, more than the 4-hour limit"
    ]
    many_rounds = "name: R\nrounds: 10000\nexercises:\n  - name: E\n    hold: 10\n"
    assert problems(many_rounds)[0] == (
        "3:1: the routine runs 69 h 26 min 30 s without speech (10000 rounds of 25 s), more "
        "than the 4-hour limit"
    )


# --- ids and files -----------------------------------------------------------------------


def test_the_id_is_the_file_stem_unless_given(tmp_path: Path) -> None:
    path = tmp_path / "my-routine-2.yaml"
    path.write_text("name: R\n" + ONE_HOLD, encoding="utf-8")
    assert load_routine(path).id == "my-routine-2"
    assert load_routine(path, "other").id == "other"
    assert load_routine(path).source == path


@pytest.mark.parametrize(
    ("stem", "hint"),
    [
        ("Back Care", "; rename the file to `back-care.yaml`"),
        ("back_care", "; rename the file to `back-care.yaml`"),
        ("-back", "; rename the file to `back.yaml`"),
        ("étude", "; rename the file to `etude.yaml`"),
        ("___", ""),
    ],
)
def test_a_bad_id_is_reported_at_the_start(stem: str, hint: str) -> None:
    assert problems("name: R\n" + ONE_HOLD, routine_id=stem) == [
        f"1:1: routine id `{stem}` (from the file name) may use only lower-case letters, digits "
        f"and hyphens{hint}"
    ]


def test_a_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(RoutineNotFound, match=r"no routine file at .*nothing\.yaml"):
        load_routine(tmp_path / "nothing.yaml")


def located(err: pytest.ExceptionInfo[RoutineError]) -> list[Problem]:
    return list(err.value.problems)


def test_odd_paths_are_located_errors(tmp_path: Path) -> None:
    with pytest.raises(RoutineError) as err:
        load_routine(tmp_path / "bad\0name.yaml")
    assert located(err) == [
        Problem(str(tmp_path / "bad\0name.yaml"), 1, 1, "not a valid file name")
    ]
    long_name = tmp_path / ("x" * 300 + ".yaml")
    with pytest.raises(RoutineError) as err:
        load_routine(long_name)
    assert located(err) == [
        Problem(str(long_name), 1, 1, "cannot read the file: File name too long")
    ]


def test_a_folder_is_not_a_routine(tmp_path: Path) -> None:
    with pytest.raises(RoutineError) as err:
        load_routine(tmp_path)
    assert located(err) == [Problem(str(tmp_path), 1, 1, "this is a folder, not a routine file")]


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(RoutineError) as err:
        bounded(lambda: load_routine(fifo))
    assert located(err) == [
        Problem(str(fifo), 1, 1, "not a regular file (a FIFO); a routine is a YAML text file")
    ]


def test_a_device_is_refused_without_reading_it() -> None:
    with pytest.raises(RoutineError) as err:
        bounded(lambda: load_routine(Path("/dev/zero")))
    assert located(err) == [
        Problem(
            "/dev/zero",
            1,
            1,
            "not a regular file (a character device); a routine is a YAML text file",
        )
    ]


def test_a_symlink_loop_is_refused(tmp_path: Path) -> None:
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    with pytest.raises(RoutineError) as err:
        bounded(lambda: load_routine(loop))
    assert located(err) == [Problem(str(loop), 1, 1, "a symlink loop, not a routine file")]


def test_an_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.yaml"
    path.write_text("name: R\n" + ONE_HOLD, encoding="utf-8")

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    # Root reads any file, so the refusal is simulated where the loader opens it.
    monkeypatch.setattr(os, "open", refuse)
    try:
        with pytest.raises(RoutineError) as err:
            load_routine(path)
    finally:
        monkeypatch.undo()
    assert located(err) == [Problem(str(path), 1, 1, "cannot read the file: permission denied")]


def test_a_file_over_one_mebibyte_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(50 * MAX_FILE_BYTES)  # sparse: its size is known without any data
    with pytest.raises(RoutineError) as err:
        load_routine(path)
    assert located(err) == [
        Problem(
            str(path),
            1,
            1,
            "the file is too large (52,428,800 bytes); a routine file may be at most 1 MiB "
            "(1,048,576 bytes)",
        )
    ]


def test_a_file_of_exactly_one_mebibyte_loads(tmp_path: Path) -> None:
    text = "name: R\n" + ONE_HOLD
    text += "#" * (MAX_FILE_BYTES - len(text) - 1) + "\n"
    path = tmp_path / "full.yaml"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size == MAX_FILE_BYTES
    assert load_routine(path).name == "R"
    assert problems(text + "#") == [
        "1:1: the file is too large (1,048,577 bytes); a routine file may be at most 1 MiB "
        "(1,048,576 bytes)"
    ]


def test_encodings() -> None:
    text = "name: Étirement\n" + ONE_HOLD
    assert routine(text).name == "Étirement"
    assert load_routine_text(b"\xef\xbb\xbf" + text.encode(), "r.yaml", "t").name == "Étirement"
    assert problems(text.encode("latin-1")) == [
        "1:7: not valid UTF-8 (byte 0xc9); save the file as UTF-8"
    ]
    assert problems(text.encode("utf-16")) == [
        "1:1: the file is encoded as UTF-16; save it as UTF-8"
    ]
    assert problems(text.encode("utf-32")) == [
        "1:1: the file is encoded as UTF-32; save it as UTF-8"
    ]
    assert problems("name: R\n  - x: \ud800\n") == [
        "2:8: character U+D800 is not allowed in a YAML file; remove it"
    ]


# --- the fixture files ----------------------------------------------------------------------

ALIAS_KEYS = [
    f"{n}:1: unknown key `{key}`; the keys allowed here are {TOP_KEYS_LISTED}"
    for n, key in enumerate("abcdefghi", start=2)
]

EXPECTED: dict[str, list[str]] = {
    "Bad_Name.yaml": [
        "1:1: routine id `Bad_Name` (from the file name) may use only lower-case letters, "
        "digits and hyphens; rename the file to `bad-name.yaml`"
    ],
    "alias-bomb.yaml": sorted(
        [
            *ALIAS_KEYS,
            "2:4: anchors (`&name`) are not allowed in a routine file (9 in this file); "
            "remove them",
            "3:8: aliases (`*name`) are not allowed in a routine file (73 in this file); "
            "write the value out",
        ],
        key=lambda line: tuple(int(n) for n in line.split(":")[:2]),
    ),
    "anchor-reuse.yaml": [
        "3:5: anchors (`&name`) are not allowed in a routine file; remove them",
        "6:5: aliases (`*name`) are not allowed in a routine file; write the value out",
    ],
    "bad-defaults.yaml": [
        "3:3: `name` cannot have a default; set it on each exercise",
        "4:3: `cue` cannot have a default; set it on each exercise",
        f"6:3: `duration` cannot be combined with `hold`: {KINDS}",
        "7:9: `sets` must be at least 1, not `0`",
        "8:3: `rounds` is a top-level key; move it out of `defaults`",
    ],
    "bad-durations.yaml": [
        "3:9: `rest` must be 0 seconds or more, not `-5s`",
        f"6:11: `hold` must be {DURATION}, not `thirty seconds`",
        "8:11: `hold` must be longer than 0 seconds, not `0`",
        "10:15: `duration` must be at most 1 hour, not `90m`",
        f"12:11: `hold` must be {DURATION}, not `1h`; write an hour as `60m`",
        "15:14: `lead_in` must be 0 seconds or more, not `-1`",
        f"16:13: `switch` must be {DURATION}, not `.inf`",
        f"18:10: `hold` has no value; it must be {DURATION}",
        f"19:15: `set_rest` must be {DURATION}, not `2m 3x`",
    ],
    "bad-indentation.yaml": [
        "4:10: YAML syntax error: mapping values are not allowed in this context; check this "
        "line's indentation, or put text containing `: ` in quotes"
    ],
    "bad-language.yaml": [
        "2:11: `language` must be a language tag such as `en` or `de`, not `English`"
    ],
    "bad-sides.yaml": [
        "5:12: `sides` must list exactly two side labels, not 1",
        "8:12: `sides` must name two different sides, not `left` twice",
        "11:12: `sides` must be `true`, `false` or a list of two side labels, not `2`",
        "14:19: `sides` item 2 is blank; write some text or remove it",
    ],
    "bad-version.yaml": ["1:10: `version` 2 is not supported; supported versions: 1"],
    "binary-junk.yaml": ["1:32: binary data (a NUL byte); a routine must be a UTF-8 text file"],
    "blank-strings.yaml": [
        "1:7: `name` is blank; write some text or remove it",
        "2:8: `intro` is blank; write some text or remove it",
        "4:11: `name` is blank; write some text or remove it",
        "5:21: `cue` item 2 is blank; write some text or remove it",
        "6:10: `why` is blank; write some text or remove it",
        "9:10: `cue` is an empty list; it must be a list of texts",
    ],
    "comments-only.yaml": [
        "1:1: the file is empty; a routine needs at least a `name` and `exercises`"
    ],
    "control-character.yaml": ["3:19: character U+0007 is not allowed in a YAML file; remove it"],
    "deep-block-nesting.yaml": ["34:65: the YAML is nested more than 32 levels deep"],
    "deep-nesting.yaml": ["2:43: the YAML is nested more than 32 levels deep"],
    "defaults-not-a-mapping.yaml": [
        "2:11: `defaults` must be a mapping of exercise keys, not a list"
    ],
    "duplicate-keys.yaml": [
        "2:1: duplicate key `name`; it is already set on line 1",
        "6:5: duplicate key `hold`; it is already set on line 5",
    ],
    "empty-exercises.yaml": ["2:12: `exercises` is an empty list; it must be a list of exercises"],
    "empty.yaml": ["1:1: the file is empty; a routine needs at least a `name` and `exercises`"],
    "exercise-items.yaml": [
        "3:5: exercise 1 must be a mapping of keys such as `name:` and `hold:`, not `Knee hug`",
        "4:4: exercise 2 is empty; give it a `name` and its work",
        "5:5: exercise 3 must be a mapping of keys such as `name:` and `hold:`, not a list",
    ],
    "exercises-not-a-list.yaml": ["3:3: `exercises` must be a list of exercises, not a mapping"],
    "latin1.yaml": ["1:7: not valid UTF-8 (byte 0xc9); save the file as UTF-8"],
    "many-problems.yaml": [
        "1:10: `version` must be a version number (supported: 1), not `one`",
        "3:9: `rounds` must be at least 1, not `0`",
        "7:11: `reps` must be at least 1, not `0`",
        "8:11: `sets` must be at least 1, not `-1`",
        "9:17: `tempo` item 2 must be longer than 0 seconds, not `0s`",
        f"12:15: `duration` must be {DURATION}, not `forever`",
        "14:5: unknown key `restt`; did you mean `rest`?",
    ],
    "missing-required.yaml": [
        "1:1: the routine needs a `name`, the title spoken at the start",
        "1:1: the routine needs `exercises`, a list of at least one exercise",
    ],
    "non-string-keys.yaml": [
        "5:7: a key must be plain text, not a list",
        f"7:5: unknown key `10`; the keys allowed here are {EXERCISE_KEYS_LISTED}",
        "8:5: a key is missing before the `:`",
    ],
    "nul-byte.yaml": ["3:15: binary data (a NUL byte); a routine must be a UTF-8 text file"],
    "phases-mismatch.yaml": [
        "8:13: `phases` has 3 items but `tempo` has 2; give one phase per tempo entry",
        "11:13: `phases` has 1 item but `tempo` has 2 (from `defaults`); give one phase per "
        "tempo entry",
        "15:13: `phases` has 2 items but `tempo` has 1; give one phase per tempo entry",
    ],
    "python-tag.yaml": [
        "1:7: the YAML tag `!!python/object/apply:os.system` is not allowed in a routine file; "
        "remove it",
        "4:11: the YAML tag `!!binary` is not allowed in a routine file; remove it",
        "6:11: the YAML tag `!custom` is not allowed in a routine file; remove it",
    ],
    "tab-indent.yaml": [
        "3:1: YAML syntax error: found character that cannot start any token (while scanning "
        "for the next token, which starts at line 3, column 1); indent with spaces, not tabs"
    ],
    "too-long.yaml": [
        "3:1: the routine runs 6 h 42 min 45 s without speech (5 rounds of 1 h 20 min 33 s), "
        "more than the 4-hour limit"
    ],
    "top-level-list.yaml": [
        "1:1: the top level must be a mapping of keys such as `name:` and `exercises:`, not a list"
    ],
    "top-level-scalar.yaml": [
        "1:1: the top level must be a mapping of keys such as `name:` and `exercises:`, "
        "not `Just a sentence about stretching.`"
    ],
    "two-documents.yaml": ["5:1: a routine file holds one YAML document; remove this second one"],
    "unknown-keys.yaml": [
        "3:1: unknown key `descripton`; did you mean `description`?",
        "4:1: `hold` is an exercise key; put it under an exercise, or under `defaults` to "
        "apply it to every exercise",
        "6:5: exercise 1 (`Knee hug`) needs one of `hold`, `reps` or `duration`",
        "7:5: unknown key `holdd`; did you mean `hold`?",
        "8:5: unknown key `lead-in`; did you mean `lead_in`?",
        "11:5: `rounds` is a top-level key; it cannot be set on one exercise",
    ],
    "unsupported-language.yaml": [f"3:11: `language` `fr-CA` is not supported; {SUPPORTED_LISTED}"],
    "unterminated-quote.yaml": [
        "5:1: YAML syntax error: found unexpected end of stream (while scanning a quoted "
        "scalar, which starts at line 1, column 7)"
    ],
    "utf16.yaml": ["1:1: the file is encoded as UTF-16; save it as UTF-8"],
    "whitespace-only.yaml": [
        "1:1: the file is empty; a routine needs at least a `name` and `exercises`"
    ],
    "work-kinds.yaml": [
        "3:5: exercise 1 (`Nothing to do`) needs one of `hold`, `reps` or `duration`",
        f"7:5: `duration` cannot be combined with `hold`: {KINDS}",
        f"11:5: `duration` cannot be combined with `reps`: {KINDS}",
        "14:5: `tempo` applies only to exercises with `reps`",
        "15:5: `phases` applies only to exercises with `reps`",
    ],
    "wrong-types.yaml": [
        "2:7: `name` must be text, not a list",
        '3:9: `rounds` must be a whole number of at least 1, not the quoted text `"2"`',
        "6:11: `reps` must be a whole number of at least 1, not `true`",
        "7:11: `sets` must be a whole number of at least 1, not `2.5`",
        "8:10: `cue` must be text, not a mapping",
        f"10:11: `hold` must be {DURATION}, not `yes`",
        "11:12: `sides` must be `true`, `false` or a list of two side labels, not `3`",
        "14:13: `phases` must be a list of texts, not `Open`",
    ],
}
# libyaml and PyYAML word their syntax errors differently; only the position is shared.
SYNTAX = {"bad-indentation.yaml", "tab-indent.yaml", "unterminated-quote.yaml"}


def test_every_invalid_fixture_has_its_expected_problems() -> None:
    assert sorted(p.name for p in INVALID.iterdir()) == sorted(EXPECTED)


@pytest.mark.timeout(20)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_fixture(name: str, parser: str) -> None:
    path = INVALID / name
    with pytest.raises(RoutineError) as err:
        load_routine(path)
    found = err.value.problems
    assert found, "a RoutineError always carries problems"
    assert all(p.path == str(path) and p.line >= 1 and p.column >= 1 for p in found)
    assert err.value.lines() == [str(p) for p in found]
    lines = [f"{p.line}:{p.column}: {p.message}" for p in found]
    if parser == "libyaml" or name not in SYNTAX:
        assert lines == EXPECTED[name]
    else:
        assert [line.split(": YAML syntax error: ")[0] for line in lines] == [
            line.split(": YAML syntax error: ")[0] for line in EXPECTED[name]
        ]


@pytest.mark.parametrize("name", sorted(p.name for p in VALID.iterdir()))
def test_valid_fixture(name: str, parser: str) -> None:
    loaded = load_routine(VALID / name)
    assert loaded.id == Path(name).stem
    assert loaded.exercises
    assert nominal_seconds(loaded) <= 4 * 3600


def test_durations_fixture_reads_each_form() -> None:
    loaded = load_routine(VALID / "durations.yaml")
    assert [e.hold or e.duration for e in loaded.exercises] == [
        30.0,
        2.5,
        30.0,
        60.0,
        90.0,
        90.0,
        90.0,
        45.0,
        3600.0,
    ]


def test_problems_are_sorted_by_position_and_all_reported() -> None:
    text = (
        "name: R\nrounds: x\nexercises:\n  - name: A\n    holdd: 1\n  - name: B\n    hold: -1\n"
        "zzz: 1\n"
    )
    found = problems(text)
    assert found == [
        "2:9: `rounds` must be a whole number of at least 1, not `x`",
        "4:5: exercise 1 (`A`) needs one of `hold`, `reps` or `duration`",
        "5:5: unknown key `holdd`; did you mean `hold`?",
        "7:11: `hold` must be longer than 0 seconds, not `-1`",
        f"8:1: unknown key `zzz`; the keys allowed here are {TOP_KEYS_LISTED}",
    ]


@pytest.mark.timeout(20)
def test_a_large_file_loads(tmp_path: Path) -> None:
    item = "  - name: Stretch {n}\n    cue: [Breathe out slowly and let go.]\n    hold: 0.5\n"
    count = 800  # 11 sounds and 7 values each: within MAX_CUES and MAX_VALUES (test_limits)
    head = "name: Big\ndefaults: {lead_in: 0, rest: 0}\nexercises:\n"
    text = head + "".join(item.format(n=n) for n in range(count))
    path = tmp_path / "big.yaml"
    path.write_text(text, encoding="utf-8")
    assert len(load_routine(path).exercises) == count


# --- the authors' reference -----------------------------------------------------------------

REFERENCE = Path(__file__).parent.parent / "docs" / "routine-format.md"


def test_the_reference_example_is_a_valid_routine() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    loaded = load_routine_text(example, "morning-back-care.yaml", "morning-back-care")
    assert [e.work for e in loaded.exercises] == [
        WorkKind.REPS,
        WorkKind.HOLD,
        WorkKind.REPS,
        WorkKind.DURATION,
    ]


def test_the_reference_documents_every_key() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| `")}
    assert {f"`{key}`" for key in model.TOP_KEYS + model.EXERCISE_KEYS} <= rows


# -- wait steps -------------------------------------------------------------------------


def test_a_wait_alone_is_a_step_that_waits_with_no_lead_in() -> None:
    step = exercise("wait: 2m\nrest: 0")
    assert step.work is WorkKind.WAIT
    assert step.wait == Wait(longest=120.0, remind=30.0)
    assert step.lead_in == 0.0 and step.rest == 0.0


def test_wait_true_has_no_longest_and_keeps_a_given_lead_in() -> None:
    step = exercise("wait: true\nremind: 0\nlead_in: 3s")
    assert step.wait == Wait(longest=None, remind=0.0)
    assert step.wait.timed == 60.0 and step.lead_in == 3.0


def test_reps_with_wait_are_at_the_persons_own_pace() -> None:
    step = exercise("reps: 10\nwait: true\nremind: 20s")
    assert step.work is WorkKind.REPS and step.reps == 10
    assert step.wait == Wait(None, 20.0)


def test_wait_false_is_no_wait() -> None:
    step = exercise("hold: 20s\nwait: false")
    assert step.work is WorkKind.HOLD and step.wait is None


def test_a_wait_takes_no_kind_of_work_from_the_defaults() -> None:
    step = exercise("wait: 1m", defaults="  hold: 30s\n  remind: 10s\n")
    assert step.work is WorkKind.WAIT and step.hold is None
    assert step.wait == Wait(60.0, 10.0)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("hold: 20s\n    wait: true", "`wait` cannot be combined with `hold`"),
        ("duration: 1m\n    wait: 1m", "`wait` cannot be combined with `duration`"),
        ("reps: 5\n    hold: 2s\n    wait: true", "`wait` cannot be combined with `hold`"),
        ("reps: 5\n    tempo: 2s\n    wait: true", "`tempo` does not apply to reps at your own"),
        ("wait: true\n    phases: [Up]", "`phases` applies only to exercises with `reps`"),
        ("hold: 10s\n    remind: 5s", "`remind` applies only to exercises with `wait`"),
        ("wait: soon", "`wait` must be `true`, `false` or the longest wait, a duration"),
        ("wait: 0", "`wait` must be longer than 0 seconds"),
        ("wait: [1]", "`wait` must be `true`, `false` or the longest wait"),
        ("wait: 2h", "`wait` must be `true`, `false` or the longest wait"),
    ],
)
def test_a_wrong_wait_is_one_located_problem(body: str, message: str) -> None:
    found = problems(f"name: R\nexercises:\n  - name: Band\n    {body}\n")
    (problem,) = found
    line = problem.split(":", 1)[0]
    assert message in problem and line in ("4", "5", "6"), problem  # at the key or value named


def test_wait_is_not_a_default() -> None:
    (found,) = problems("name: R\ndefaults:\n  wait: true\nexercises:\n  - name: A\n    hold: 5\n")
    assert found == "3:3: `wait` cannot have a default; set it on each exercise"
