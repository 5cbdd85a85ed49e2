"""The words that show, script and list print (``format_clock`` and ``format_duration``
are tested here, where they are read)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from voicecoach.compile.cuescript import SAMPLE_RATE, Chapter, Cue, CueScript, CueType, to_samples
from voicecoach.describe import (
    describe_pauses,
    describe_routine,
    describe_work,
    format_entries,
    format_timeline,
)
from voicecoach.durations import format_clock, format_duration
from voicecoach.library import Entry, Source
from voicecoach.routine.model import Exercise, Routine, WorkKind


@pytest.mark.parametrize(
    ("seconds", "decimals", "text"),
    [
        (0, 0, "0:00"),
        (59.4, 0, "0:59"),
        (59.6, 0, "1:00"),
        (842.35, 0, "14:02"),
        (842.35, 1, "14:02.4"),
        (3600, 0, "1:00:00"),
        (3725.04, 1, "1:02:05.0"),
        (9.96, 1, "0:10.0"),
    ],
)
def test_format_clock(seconds: float, decimals: int, text: str) -> None:
    assert format_clock(seconds, decimals) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(30, "30 s"), (2.5, "2.5 s"), (60, "1 min"), (90, "1 min 30 s"), (0.1 + 0.2, "0.3 s")],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("exercise", "text"),
    [
        (Exercise("Cat-cow", WorkKind.REPS, reps=8, tempo=(3.0, 3.0)), "8 reps, 3 s + 3 s each"),
        (
            Exercise("Tilt", WorkKind.REPS, reps=1, tempo=(2.0, 2.0), phases=("Press", "Arch")),
            "1 rep, 2 s + 2 s each (Press / Arch)",
        ),
        (
            Exercise("Bridge", WorkKind.REPS, reps=10, tempo=(2.0,), hold=5.0),
            "10 reps, 2 s each, hold 5 s at the top",
        ),
        (
            Exercise("Hip flexor", WorkKind.HOLD, hold=30.0, sides=("left", "right"), sets=2),
            "hold 30 s, each side, 2 sets",
        ),
        (
            Exercise("Bird dog", WorkKind.HOLD, hold=90.0, sides=("right arm", "left arm")),
            "hold 1 min 30 s, each side (right arm, then left arm)",
        ),
        (Exercise("Ball roll", WorkKind.DURATION, duration=45.0), "for 45 s"),
    ],
)
def test_describe_work(exercise: Exercise, text: str) -> None:
    assert describe_work(exercise) == text


def test_describe_pauses() -> None:
    both = Exercise("Hip", WorkKind.HOLD, hold=30.0, sides=("left", "right"), sets=2, rest=15.0)
    assert describe_pauses(both, last=False) == (
        "5 s to get ready, 5 s to switch sides, 10 s between sets, 15 s rest after"
    )
    assert describe_pauses(both, last=True) == (
        "5 s to get ready, 5 s to switch sides, 10 s between sets"
    )
    bare = Exercise("Roll", WorkKind.DURATION, duration=45.0, lead_in=0, rest=0)
    assert describe_pauses(bare, last=False) == ""


def _script(
    length_seconds: float, chapters: tuple[Chapter, ...], cues: tuple[Cue, ...]
) -> CueScript:
    return CueScript("demo", "Demo", to_samples(length_seconds), chapters, cues)


def _speech(at: float, text: str) -> Cue:
    return Cue(to_samples(at), SAMPLE_RATE, CueType.SPEECH, text=text)


def _chime(at: float, sound: str) -> Cue:
    return Cue(to_samples(at), to_samples(0.6), CueType.CHIME, sound=sound)


def test_describe_routine_reads_like_a_handout() -> None:
    routine = Routine(
        id="demo",
        name="Demo",
        description="Two moves for a stiff back.",
        intro="Lie on your back.",
        outro="Well done.",
        rounds=2,
        exercises=(
            Exercise(
                "Knee hug",
                WorkKind.HOLD,
                cue=("Hug one knee.", "Keep the   other foot down."),
                why="It stretches the lower back.",
                hold=20.0,
                sides=("left", "right"),
                lead_in=3.0,
                switch=0.0,
                rest=10.0,
            ),
            Exercise("Marching", WorkKind.DURATION, duration=30.0, lead_in=0.0),
        ),
    )
    text = describe_routine(routine, _script(125.3, (), ()))
    assert text.splitlines() == [
        "Demo (demo)",
        "2 exercises, 2 rounds, 2:05 in all",
        "Two moves for a stiff back.",
        "",
        "Intro: Lie on your back.",
        "",
        "1. Knee hug",
        "   hold 20 s, each side",
        "   Cue: Hug one knee. Keep the other foot down.",
        "   Why: It stretches the lower back.",
        "   Pauses: 3 s to get ready, 10 s rest after",
        "",
        "2. Marching",
        "   for 30 s",
        "",
        "Outro: Well done.",
    ]


def test_describe_routine_wraps_long_text() -> None:
    long_cue = " ".join(["Breathe out slowly and let your shoulders sink."] * 4)
    routine = Routine(
        id="demo",
        name="Demo",
        description=long_cue,
        language="de",
        exercises=(Exercise("Rest", WorkKind.HOLD, hold=5.0, cue=(long_cue,), lead_in=0),),
    )
    lines = describe_routine(routine, _script(5, (), ())).splitlines()
    assert lines[1] == "1 exercise, 0:05 in all; language: de"
    description = lines[2 : lines.index("")]
    assert len(description) > 1
    assert " ".join(description) == long_cue  # no hanging indent without a label
    cue_lines = [line for line in lines if line.startswith("   ") and "Pauses" not in line][1:]
    assert len(cue_lines) > 1
    assert all(len(line) <= 88 for line in cue_lines)
    assert cue_lines[0].startswith("   Cue: Breathe")
    assert all(line.startswith("     ") for line in cue_lines[1:])
    assert " ".join(line.strip() for line in cue_lines) == f"Cue: {long_cue}"


def test_format_timeline_groups_cues_by_chapter() -> None:
    script = _script(
        75.5,
        (
            Chapter("Knee hug", to_samples(5), to_samples(40), 0),
            Chapter("Marching", to_samples(40), to_samples(75), 1),
        ),
        (
            _speech(0, "Demo."),
            _speech(2, "Lie   on\nyour back."),
            _speech(5, "Knee hug."),
            _chime(9.3, "hold"),
            _chime(29.34, "release"),
            _speech(40, "Marching."),
            _chime(73.9, "done"),
        ),
    )
    assert format_timeline(script).splitlines() == [
        "Demo",
        "",
        "0:00.0  Demo.",
        "0:02.0  Lie on your back.",
        "",
        "1. Knee hug",
        "0:05.0  Knee hug.",
        "0:09.3  [chime hold]",
        "0:29.3  [chime release]",
        "",
        "2. Marching",
        "0:40.0  Marching.",
        "1:13.9  [chime done]",
        "",
        "1:15.5  [end]",
    ]


def test_format_timeline_groups_by_each_cues_exercise() -> None:
    """The title and intro come before the first heading, the outro after the last group,
    even when the first chapter starts at 0 (as it may: ``start`` ≤ its first cue)."""
    script = _script(
        30,
        (
            Chapter("Knee hug", 0, to_samples(12), 0, 1),
            Chapter("Knee hug", to_samples(12), to_samples(30), 0, 2),
        ),
        (
            _speech(0, "Demo."),
            replace(_speech(3, "Knee hug."), exercise=0, round=1),
            replace(_chime(5, "hold"), exercise=0, round=1),
            replace(_speech(12, "Round 2."), exercise=0, round=2),
            replace(_chime(20, "release"), exercise=0, round=2),
            _speech(25, "Well done."),
            _chime(27, "done"),
        ),
    )
    assert format_timeline(script).splitlines() == [
        "Demo",
        "",
        "0:00.0  Demo.",
        "",
        "1. Knee hug (round 1 of 2)",
        "0:03.0  Knee hug.",
        "0:05.0  [chime hold]",
        "",
        "1. Knee hug (round 2 of 2)",
        "0:12.0  Round 2.",
        "0:20.0  [chime release]",
        "",
        "0:25.0  Well done.",
        "0:27.0  [chime done]",
        "",
        "0:30.0  [end]",
    ]


def test_format_timeline_aligns_times_and_names_rounds() -> None:
    script = _script(
        3605,
        (
            Chapter("Plank", 0, to_samples(1800), 0, 1),
            Chapter("Plank", to_samples(1800), to_samples(3600), 0, 2),
        ),
        (_speech(0, "Plank."), _speech(1800, "Round 2. Plank."), _chime(3603, "done")),
    )
    assert format_timeline(script).splitlines() == [
        "Demo",
        "",
        "1. Plank (round 1 of 2)",
        "   0:00.0  Plank.",
        "",
        "1. Plank (round 2 of 2)",
        "  30:00.0  Round 2. Plank.",
        "1:00:03.0  [chime done]",
        "",
        "1:00:05.0  [end]",
    ]


def test_format_entries_table() -> None:
    entries = [
        Entry(
            "desk",
            Path("/s/desk.yaml"),
            Source.SHIPPED,
            name="Desk break",
            length=to_samples(65.4),
            exercises=4,
        ),
        Entry(
            "evening-stretches",
            Path("/u/e.yaml"),
            Source.USER,
            True,
            "Evening",
            to_samples(842.6),
            12,
        ),
        Entry("broken", Path("/u/broken.yaml"), Source.USER, problem="/u/broken.yaml:3:5: bad"),
    ]
    assert format_entries(entries, Path("/u")).splitlines() == [
        "ID                 NAME        LENGTH  EXERCISES  SOURCE",
        "desk               Desk break    1:05          4  shipped",
        "evening-stretches  Evening      14:03         12  user, overrides shipped",
        "broken             (invalid)        -          -  user",
        "    /u/broken.yaml:3:5: bad",
        "",
        "Your own routines go in /u",
    ]


def test_format_entries_when_there_are_none() -> None:
    assert format_entries([], Path("/u")) == "No routines found.\n\nYour own routines go in /u\n"


def test_script_and_show_tell_a_wait_as_a_wait(tmp_path: Path) -> None:
    from voicecoach.compile.compiler import compile_routine
    from voicecoach.describe import wait_notes
    from voicecoach.routine.model import Wait

    band = Exercise("Get your band", WorkKind.WAIT, wait=Wait(120.0, 30.0), lead_in=0.0, rest=0.0)
    bridge = Exercise("Bridge", WorkKind.REPS, reps=10, wait=Wait(None, 0.0))
    routine = Routine("r", "R", (band, bridge))
    script = compile_routine(routine, lambda text: SAMPLE_RATE // 2)
    lines = format_timeline(script).splitlines()
    assert any(line.endswith("  [wait for play, up to 2 min]") for line in lines)
    assert any(line.endswith("  [wait for play; in an export, 1 min]") for line in lines)
    assert describe_work(band) == "waits for play (up to 2 min), a reminder every 30 s"
    assert describe_work(bridge) == "10 reps at your own pace, then waits for play"
    assert describe_pauses(band, last=False) == ""
    assert wait_notes(script) == [
        "`Get your band` waits for play when played live; this export gives it 2 min "
        "(pause the player if you need longer)",
        "`Bridge` waits for play when played live; this export gives it 1 min "
        "(pause the player if you need longer)",
    ]
