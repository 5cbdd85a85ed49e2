"""Finding routines by id or path, listing them, and the words that show, script and list print."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from voicecoach import resources, settings
from voicecoach.compile.compiler import compile_routine
from voicecoach.compile.cuescript import SAMPLE_RATE, Chapter, Cue, CueScript, CueType, to_samples
from voicecoach.durations import format_clock, format_duration
from voicecoach.errors import RoutineError, RoutineNotFound
from voicecoach.library import (
    DEFAULT_ROUTINE,
    Entry,
    Library,
    Source,
    describe_pauses,
    describe_routine,
    describe_work,
    format_entries,
    format_timeline,
    looks_like_path,
)
from voicecoach.routine.load import load_routine
from voicecoach.routine.model import Exercise, Routine, WorkKind

HINT = "Run `voicecoach list` to see them all, or give the path to a routine file."


def one_second_each(text: str) -> int:
    """A speech timer that is easy to reason about: every phrase lasts one second."""
    return SAMPLE_RATE


# --- resolving a ROUTINE argument ---------------------------------------------------------


def test_id_resolves_in_the_shipped_folder(library: Library) -> None:
    assert (
        library.resolve("stretch-break") == (library.shipped_dir / "stretch-break.yaml").resolve()
    )


def test_user_folder_wins_over_the_shipped_one(library: Library, routine_file: Path) -> None:
    shutil.copy(routine_file, library.user_dir / "stretch-break.yaml")
    assert library.resolve("stretch-break") == (library.user_dir / "stretch-break.yaml").resolve()


def test_yml_files_resolve_too(library: Library, routine_file: Path) -> None:
    shutil.copy(routine_file, library.user_dir / "evening.yml")
    assert library.resolve("evening") == (library.user_dir / "evening.yml").resolve()


@pytest.mark.parametrize("given", ["sub/stretch-break.yaml", "sub/stretch-break"])
def test_a_path_with_a_separator_is_a_path(
    library: Library,
    routine_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    given: str,
) -> None:
    (tmp_path / "sub").mkdir()
    shutil.copy(routine_file, tmp_path / "sub" / Path(given).name)
    monkeypatch.chdir(tmp_path)
    assert library.resolve(given) == Path(given)


def test_an_existing_file_in_the_current_folder_is_a_path(
    library: Library, routine_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(routine_file, tmp_path / "mine")
    monkeypatch.chdir(tmp_path)
    assert library.resolve("mine") == Path("mine")


def test_a_missing_path_is_not_found(library: Library) -> None:
    with pytest.raises(RoutineNotFound) as caught:
        library.resolve("nowhere/stretch-break.yaml")
    assert caught.value.lines() == ["Error: no such routine file: nowhere/stretch-break.yaml"]


def test_a_folder_is_not_a_routine(library: Library, tmp_path: Path) -> None:
    with pytest.raises(RoutineNotFound) as caught:
        library.resolve(f"{tmp_path}/")
    assert "is a folder; give a routine file (.yaml or .yml) inside it" in str(caught.value)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("stretch", 'no routine "stretch"; did you mean "stretch-break"? ' + HINT),
        ("strech-break", 'no routine "strech-break"; did you mean "stretch-break"? ' + HINT),
        ("Stretch Break", 'no routine "Stretch Break"; did you mean "stretch-break"? ' + HINT),
        ("qwerty", 'no routine "qwerty". ' + HINT),
        ("..", 'no routine "..". ' + HINT),
        ("", 'no routine "". ' + HINT),
    ],
)
def test_unknown_ids_suggest_known_ones(library: Library, given: str, message: str) -> None:
    with pytest.raises(RoutineNotFound) as caught:
        library.resolve(given)
    assert str(caught.value) == message


@pytest.mark.parametrize("given", ["a" * 300, "a/" * 3000, "b" * 300 + ".yaml"])
def test_names_too_long_for_the_file_system_are_simply_not_found(
    library: Library, given: str
) -> None:
    with pytest.raises(RoutineNotFound):
        library.resolve(given)
    assert library.expand([given]) == [given]


def test_only_a_path_reaches_a_file_outside_the_folders(
    library: Library, routine_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plain name takes the id route and stays inside the folders; a path is literal."""
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(routine_file, outside / "secret.yaml")
    monkeypatch.chdir(library.user_dir)
    for sneaky in ("../outside/secret", "..%2Foutside%2Fsecret.", "SECRET", "secret", "~"):
        with pytest.raises(RoutineNotFound):
            library.resolve(sneaky)
    assert library.resolve("../outside/secret.yaml") == Path("../outside/secret.yaml")


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_a_link_leading_out_of_the_folder_is_refused(
    library: Library, routine_file: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere.yaml"
    shutil.copy(routine_file, outside)
    (library.user_dir / "escape.yaml").symlink_to(outside)
    with pytest.raises(RoutineNotFound) as caught:
        library.resolve("escape")
    assert str(caught.value) == (
        f'routine "escape" in {library.user_dir} links to {outside.resolve()}, outside that '
        "folder; give its path instead"
    )


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_links_within_the_folder_and_a_linked_folder_are_fine(
    routine_file: Path, tmp_path: Path
) -> None:
    real = tmp_path / "dotfiles" / "routines"
    real.mkdir(parents=True)
    shutil.copy(routine_file, real / "stretch-break.yaml")
    (real / "alias.yaml").symlink_to(real / "stretch-break.yaml")
    linked = tmp_path / "config-routines"
    linked.symlink_to(real, target_is_directory=True)
    library = Library(tmp_path / "no-shipped", linked)
    assert library.resolve("alias") == (real / "stretch-break.yaml").resolve()
    assert library.resolve("stretch-break") == (real / "stretch-break.yaml").resolve()


@pytest.mark.parametrize(
    ("given", "expected"),
    [("a/b", True), ("b.yaml", True), ("b.YML", True), ("lower-back", False), ("", False)],
)
def test_looks_like_path(given: str, expected: bool) -> None:
    assert looks_like_path(given) is expected


def test_ids_lists_both_folders_once(library: Library, routine_file: Path) -> None:
    shutil.copy(routine_file, library.user_dir / "stretch-break.yaml")
    shutil.copy(routine_file, library.user_dir / "evening.yml")
    shutil.copy(routine_file, library.user_dir / "Not An Id.yaml")
    (library.user_dir / "notes.txt").write_text("not a routine")
    assert library.ids() == ["evening", "stretch-break"]


def test_a_missing_user_folder_is_simply_empty(routine_file: Path, tmp_path: Path) -> None:
    library = Library(routine_file.parent, tmp_path / "absent")
    assert "stretch-break" in library.ids()


def test_default_library_uses_the_config_folder() -> None:
    library = Library.default()
    assert library.shipped_dir == resources.shipped_dir("routines")
    assert library.user_dir == settings.config_dir() / "routines"


def test_the_config_folder_can_be_moved(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VOICECOACH_CONFIG_DIR", str(tmp_path / "portable"))
    assert Library.default().user_dir == tmp_path / "portable" / "routines"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG folders are Linux's")
def test_on_linux_the_user_folder_is_under_xdg_config_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("VOICECOACH_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert Library.default().user_dir == tmp_path / "voicecoach" / "routines"


def test_the_default_routine_ships() -> None:
    assert DEFAULT_ROUTINE in Library.default().ids()
    assert (resources.shipped_dir("routines") / f"{DEFAULT_ROUTINE}.yaml").is_file()


# --- loading, checking, listing ---------------------------------------------------------


def test_load_gives_the_routine_its_id(library: Library, routine_file: Path) -> None:
    shutil.copy(routine_file, library.user_dir / "evening.yml")
    routine = library.load("evening")
    assert (routine.id, routine.name) == ("evening", "Stretch break")


def test_check_raises_every_located_problem(library: Library, broken_file: Path) -> None:
    with pytest.raises(RoutineError) as caught:
        library.check(str(broken_file))
    assert caught.value.problems
    assert all(p.path.endswith("broken.yaml") for p in caught.value.problems)


def test_entries_measure_each_routine_and_flag_overrides(
    library: Library, routine_file: Path, broken_file: Path
) -> None:
    shutil.copy(routine_file, library.user_dir / "stretch-break.yaml")
    shutil.copy(routine_file, library.shipped_dir / "desk-break.yaml")
    shutil.copy(broken_file, library.user_dir / "broken.yaml")
    shutil.copy(routine_file, library.user_dir / "My Routine.yaml")

    entries = library.entries(one_second_each)

    expected_length = compile_routine(load_routine(routine_file), one_second_each).length
    assert [(e.id, e.source, e.overrides) for e in entries] == [
        ("broken", Source.USER, False),
        ("desk-break", Source.SHIPPED, False),
        ("stretch-break", Source.USER, True),
        ("My Routine.yaml", Source.USER, False),
    ]
    broken, desk, stretch, misnamed = entries
    assert (desk.name, desk.length, desk.exercises, desk.problem) == (
        "Stretch break",
        expected_length,
        3,
        None,
    )
    assert stretch.path == library.user_dir / "stretch-break.yaml"
    assert broken.problem is not None
    assert broken.problem.startswith(f"{library.user_dir.resolve() / 'broken.yaml'}:")
    assert misnamed.problem == (
        "Error: My Routine.yaml cannot be played by name: rename it to lower-case letters, "
        "digits and hyphens"
    )


def test_entries_use_the_speech_timer_they_are_given(library: Library) -> None:
    def two_seconds_each(text: str) -> int:
        return 2 * SAMPLE_RATE

    (fast,) = library.entries(one_second_each)
    (slow,) = library.entries(two_seconds_each)
    assert fast.length is not None and slow.length is not None
    assert slow.length > fast.length


def test_expand_replaces_folders_by_their_routine_files(library: Library, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (library.user_dir / "b.yml").write_text("")
    (library.user_dir / "a.yaml").write_text("")
    (library.user_dir / "readme.txt").write_text("")
    assert library.expand([str(library.user_dir), "x.yaml", str(empty)]) == [
        str(library.user_dir / "a.yaml"),
        str(library.user_dir / "b.yml"),
        "x.yaml",
        str(empty),
    ]


# --- words ---------------------------------------------------------------------------------


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


def test_os_sep_is_a_separator() -> None:
    assert looks_like_path(f"folder{os.sep}x")
