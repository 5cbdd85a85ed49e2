"""Finding routines by id or path, and listing them."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from voicecoach import resources, settings
from voicecoach.compile.compiler import compile_routine
from voicecoach.compile.cuescript import SAMPLE_RATE
from voicecoach.errors import RoutineError, RoutineNotFound
from voicecoach.library import DEFAULT_ROUTINE, Library, Source, looks_like_path
from voicecoach.routine.load import load_routine

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


def test_os_sep_is_a_separator() -> None:
    assert looks_like_path(f"folder{os.sep}x")
