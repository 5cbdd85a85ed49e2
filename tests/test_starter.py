"""`voicecoach new`: the starter routine loads and compiles as written, and never clobbers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import Result

from voicecoach.cliparams import OPTIONS
from voicecoach.compile.compiler import compile_routine
from voicecoach.compile.cuescript import CueType
from voicecoach.library import Library
from voicecoach.routine.load import load_routine
from voicecoach.routine.model import EXERCISE_KEYS, TOP_KEYS, WorkKind
from voicecoach.routine.schema import routine_schema
from voicecoach.routine.starter import (
    SCHEMA_FILE,
    StarterError,
    check_id,
    starter_text,
    title_for,
    write_starter,
)

Run = Callable[[Sequence[str]], Result]


def test_the_written_file_loads_and_compiles_as_written(tmp_path: Path) -> None:
    written = write_starter("evening-stretch", tmp_path)
    assert written.path == tmp_path / "evening-stretch.yaml"
    routine = load_routine(written.path)
    assert routine.id == "evening-stretch"
    assert routine.name == "Evening stretch"
    kinds = [(e.work, bool(e.phases), e.sides is not None) for e in routine.exercises]
    assert kinds == [
        (WorkKind.WAIT, False, False),
        (WorkKind.HOLD, False, False),
        (WorkKind.REPS, True, False),
        (WorkKind.HOLD, False, True),
    ]
    script = compile_routine(routine)
    assert [c.title for c in script.chapters] == [e.name for e in routine.exercises]
    sounds = [c.sound for c in script.cues if c.type is CueType.CHIME]
    assert "switch" in sounds
    assert sounds[-1] == "done"
    (wait,) = script.waits
    assert not wait.open and wait.end - wait.start == 120 * script.sample_rate


def test_it_shows_every_main_key_with_a_comment(tmp_path: Path) -> None:
    text = starter_text("mine")
    lines = text.splitlines()
    data = yaml.safe_load(text)
    assert set(data) == set(TOP_KEYS)
    used = set(data["defaults"]) | {k for e in data["exercises"] for k in e}
    assert used | {"duration"} == set(EXERCISE_KEYS)
    assert "duration: 1m" in text  # the one key not used is shown in a comment
    for number, line in enumerate(lines):
        key = re.match(r"^\s*(?:- )?([a-z_]+):", line)
        if key and key.group(1) in ("version", "name", "defaults", "exercises", "lead_in"):
            above = lines[number - 1].strip()
            assert above.startswith("#"), f"no comment above {line!r}"


def test_it_is_valid_under_the_schema_it_names() -> None:
    text = starter_text("mine")
    assert text.startswith(f"# yaml-language-server: $schema={SCHEMA_FILE}\n")
    jsonschema.validate(yaml.safe_load(text), routine_schema())


def test_the_schema_file_is_written_beside_it(tmp_path: Path) -> None:
    written = write_starter("mine", tmp_path)
    assert written.schema_path == tmp_path / SCHEMA_FILE
    assert json.loads(written.schema_path.read_text()) == routine_schema()
    # Rewritten every time, so it follows the installed version.
    written.schema_path.write_text("{}")
    write_starter("other", tmp_path)
    assert json.loads(written.schema_path.read_text()) == routine_schema()


@pytest.mark.parametrize(
    ("routine_id", "title"),
    [("evening-stretch", "Evening stretch"), ("abc", "Abc"), ("a--b-", "A b"), ("7-min", "7 min")],
)
def test_the_title_comes_from_the_id(routine_id: str, title: str) -> None:
    assert title_for(routine_id) == title
    assert yaml.safe_load(starter_text(routine_id))["name"] == title


@pytest.mark.parametrize("routine_id", ["123", "true", "null", "1-0"])
def test_a_title_that_reads_as_another_type_is_quoted(routine_id: str, tmp_path: Path) -> None:
    written = write_starter(routine_id, tmp_path)
    assert yaml.safe_load(written.path.read_text())["name"] == title_for(routine_id)
    assert load_routine(written.path).name == title_for(routine_id)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "My Stretch",
            '"My Stretch" is not a routine id: use lower-case letters, digits and hyphens, '
            'starting with a letter or digit, such as "my-stretch"',
        ),
        (
            "evening.yaml",
            '"evening.yaml" is not a routine id: use lower-case letters, digits and hyphens, '
            'starting with a letter or digit, such as "evening"',
        ),
        (
            "-x",
            '"-x" is not a routine id: use lower-case letters, digits and hyphens, '
            'starting with a letter or digit, such as "x"',
        ),
        (
            "../up",
            '"../up" is not a routine id: use lower-case letters, digits and hyphens, '
            'starting with a letter or digit, such as "up"',
        ),
        (
            "",
            '"" is not a routine id: use lower-case letters, digits and hyphens, '
            "starting with a letter or digit",
        ),
    ],
)
def test_a_name_that_is_not_an_id_is_refused(name: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(StarterError) as caught:
        write_starter(name, tmp_path)
    assert str(caught.value) == message
    assert list(tmp_path.iterdir()) == []


def test_check_id_accepts_ids() -> None:
    assert check_id("a-1") == "a-1"


@pytest.mark.parametrize("existing", ["mine.yaml", "mine.yml"])
def test_it_never_replaces_a_routine_unless_forced(existing: str, tmp_path: Path) -> None:
    (tmp_path / existing).write_text("name: Mine, by hand\n")
    with pytest.raises(StarterError) as caught:
        write_starter("mine", tmp_path)
    # The library words it in its own terms; the command line names its option.
    assert str(caught.value) == (
        f"{tmp_path / existing} already exists; edit it, pick another name, or add force=True "
        "to replace it with a fresh starter"
    )
    assert caught.value.named(OPTIONS).endswith("or add --force to replace it with a fresh starter")
    assert (tmp_path / existing).read_text() == "name: Mine, by hand\n"
    written = write_starter("mine", tmp_path, force=True)
    assert written.path.read_text() == starter_text("mine")


def test_an_unwritable_folder_is_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StarterError, match=r"^cannot create the routine folder "):
        write_starter("mine", blocker / "routines")


def test_a_folder_path_too_long_for_the_system_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path.joinpath(*["d" * 200] * 25)  # past PATH_MAX: every call fails
    with pytest.raises(StarterError, match=r"^cannot create the routine folder .*too long"):
        write_starter("mine", folder)


def test_a_dangling_link_in_the_way_is_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    with pytest.raises(StarterError, match=r"already exists"):
        write_starter("mine", tmp_path)
    assert not (tmp_path / "elsewhere.yaml").exists()


# -- the command -----------------------------------------------------------------------------


def test_new_writes_into_the_user_folder(run: Run, library: Library) -> None:
    result = run(["new", "evening-stretch"])
    path = library.user_dir / "evening-stretch.yaml"
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        f"Wrote {path}\nEdit it, then hear it with `voicecoach play evening-stretch`.\n"
    )
    assert path.read_text() == starter_text("evening-stretch")
    assert library.load("evening-stretch").name == "Evening stretch"
    listed = run(["list"])
    assert "evening-stretch" in listed.stdout


def test_new_says_when_it_takes_the_place_of_a_shipped_routine(run: Run, library: Library) -> None:
    result = run(["new", "stretch-break"])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines()[1] == (
        "A routine stretch-break also ships with voicecoach; yours now takes its place."
    )
    assert library.resolve("stretch-break") == library.user_dir / "stretch-break.yaml"


def test_new_refuses_to_overwrite_then_force_replaces(run: Run, library: Library) -> None:
    path = library.user_dir / "mine.yaml"
    path.write_text("name: Mine\n")
    result = run(["new", "mine"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert path.read_text() == "name: Mine\n"
    result = run(["new", "mine", "--force"])
    assert result.exit_code == 0
    assert path.read_text() == starter_text("mine")


def test_new_through_the_error_boundary(
    config_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from voicecoach.cli import main

    for expected in (0, 1):
        with pytest.raises(SystemExit) as exited:
            main(["new", "mine"])
        assert exited.value.code == expected
    out, err = capsys.readouterr()
    path = Library.default().user_dir / "mine.yaml"
    assert out == f"Wrote {path}\nEdit it, then hear it with `voicecoach play mine`.\n"
    assert err == (
        f"Error: {path} already exists; edit it, pick another name, or add --force to "
        "replace it with a fresh starter\n"
    )
    with pytest.raises(SystemExit) as exited:
        main(["new", "Bad Name"])
    assert exited.value.code == 1
    assert capsys.readouterr().err == (
        'Error: "Bad Name" is not a routine id: use lower-case letters, digits and hyphens, '
        'starting with a letter or digit, such as "bad-name"\n'
    )
