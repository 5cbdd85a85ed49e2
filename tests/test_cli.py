"""The commands ``list``, ``show``, ``script`` and ``validate``: exact output and exit codes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import Run, run_main

from voicecoach.cli import cli
from voicecoach.compile.compiler import compile_routine
from voicecoach.compile.cuescript import FORMAT, CueType
from voicecoach.compile.estimate import estimate_speech_samples
from voicecoach.library import Library
from voicecoach.routine.load import load_routine

HINT = "Run `voicecoach list` to see them all, or give the path to a routine file."
TIMELINE_LINE = re.compile(r"^ *(?:(\d+):)?(\d+):(\d\d\.\d)  (.+)$")


def clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


# --- list ----------------------------------------------------------------------------------


def test_list_shows_every_routine_with_its_source(
    run: Run, library: Library, routine_file: Path, broken_file: Path
) -> None:
    shutil.copy(routine_file, library.user_dir / "stretch-break.yaml")
    shutil.copy(routine_file, library.shipped_dir / "desk-break.yaml")
    shutil.copy(broken_file, library.user_dir / "broken.yaml")

    result = run(["list"])

    length = clock(compile_routine(load_routine(routine_file)).duration)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "ID             NAME           LENGTH  EXERCISES  SOURCE"
    assert lines[1] == "broken         (invalid)           -          -  user"
    assert lines[2].startswith(f"    {library.user_dir.resolve() / 'broken.yaml'}:")
    assert lines[3:] == [
        f"desk-break     Stretch break  {length:>6}          3  shipped",
        f"stretch-break  Stretch break  {length:>6}          3  user, overrides shipped",
        "",
        f"Your own routines go in {library.user_dir}",
    ]


def test_list_with_no_routines(tmp_path: Path) -> None:
    from click.testing import CliRunner

    library = Library(tmp_path / "shipped", tmp_path / "user")
    result = CliRunner().invoke(cli, ["list"], obj={"library": library})
    assert (result.exit_code, result.stdout) == (
        0,
        f"No routines found.\n\nYour own routines go in {tmp_path / 'user'}\n",
    )


def test_list_of_the_shipped_routines_has_no_invalid_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_main(["list"], capsys)
    assert (code, err) == (0, "")
    shipped = sorted(p.stem for p in Library.default().shipped_dir.glob("*.yaml"))
    rows = [line.split()[0] for line in out.splitlines()[1 : 1 + len(shipped)]]
    assert rows == shipped
    assert "(invalid)" not in out


# --- show ----------------------------------------------------------------------------------


def test_show_puts_the_routine_into_words(run: Run, routine_file: Path) -> None:
    result = run(["show", "stretch-break"])
    length = clock(compile_routine(load_routine(routine_file)).duration)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Stretch break (stretch-break)",
        f"3 exercises, {length} in all",
        "Three short moves on the floor, for checking the command line.",
        "",
        "Intro: Lie on your back with your knees bent.",
        "",
        "1. Pelvic tilt",
        "   3 reps, 2 s + 2 s each (Press / Arch)",
        "   Cue: Press your lower back into the floor, then let it arch a little.",
        "   Pauses: 2 s to get ready, 3 s rest after",
        "",
        "2. Knee hug",
        "   hold 10 s, each side, 2 sets",
        "   Cue: Hug one knee to your chest. Keep the other foot on the floor.",
        "   Why: It gently stretches the muscles along the lower spine.",
        "   Pauses: 2 s to get ready, 3 s to switch sides, 4 s between sets, 3 s rest after",
        "",
        "3. Marching",
        "   for 20 s",
        "   Cue: Lift one foot a little, then the other, slowly.",
        "   Pauses: 2 s to get ready",
        "",
        "Outro: Well done. Take a slow breath before you get up.",
    ]


def test_show_takes_a_path(run: Run, routine_file: Path) -> None:
    by_path = run(["show", str(routine_file)])
    by_id = run(["show", "stretch-break"])
    assert by_path.exit_code == 0
    assert by_path.stdout == by_id.stdout


# --- script --------------------------------------------------------------------------------


def test_script_prints_every_cue_at_its_time(run: Run, routine_file: Path) -> None:
    compiled = compile_routine(load_routine(routine_file), estimate_speech_samples)
    result = run(["script", "stretch-break", "--estimate"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "Stretch break"

    headings = [line for line in lines[1:] if line and not TIMELINE_LINE.match(line)]
    assert headings == [f"{c.exercise + 1}. {c.title}" for c in compiled.chapters]
    assert headings == ["1. Pelvic tilt", "2. Knee hug", "3. Marching"]

    timed = [TIMELINE_LINE.match(line) for line in lines]
    entries = [m for m in timed if m is not None]
    *cue_lines, end = entries
    assert len(cue_lines) == len(compiled.cues)
    for match, cue in zip(cue_lines, compiled.cues, strict=True):
        hours, minutes, seconds, what = match.groups()
        at = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
        assert abs(at - cue.at) <= 0.05
        expected = (
            f"[chime {cue.sound}]" if cue.type is CueType.CHIME else " ".join(cue.text.split())
        )
        assert what == expected
    assert end.group(4) == "[end]"
    assert any(m.group(4) == "[chime hold]" for m in cue_lines)
    assert cue_lines[-1].group(4) == "[chime done]"


def test_script_json_is_the_contract(run: Run, routine_file: Path) -> None:
    result = run(["script", "stretch-break", "--json", "--estimate"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    data = json.loads(result.stdout)
    routine = load_routine(routine_file, "stretch-break")
    assert data == compile_routine(routine).to_dict()
    assert data["format"] == FORMAT
    assert data["routine"] == {"id": "stretch-break", "name": "Stretch break"}
    assert [c["title"] for c in data["chapters"]] == ["Pelvic tilt", "Knee hug", "Marching"]


@pytest.mark.engine
def test_script_times_phrases_by_the_real_voice(run: Run, routine_file: Path) -> None:
    from voicecoach.audio.speech import Speech

    result = run(["script", "stretch-break", "--json"])
    assert (result.exit_code, result.stderr) == (0, "")
    speech = Speech()
    speech_cues = [c for c in json.loads(result.stdout)["cues"] if c["type"] == "speech"]
    assert speech_cues
    for cue in speech_cues:
        assert cue["duration"] == round(speech.samples(cue["text"]) / 22050, 6)


def test_script_without_a_voice_engine_estimates_and_says_so(
    run: Run, routine_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import voicecoach.audio.session
    from voicecoach.errors import VoiceEngineError

    def no_engine(*args: object, **kwargs: object) -> None:
        raise VoiceEngineError("no voice engine: install espeak-ng")

    monkeypatch.setattr(voicecoach.audio.session, "prepare_session", no_engine)
    result = run(["script", "stretch-break", "--json"])
    assert result.exit_code == 0
    assert result.stderr == (
        "Note: no voice engine: install espeak-ng\nNote: phrase lengths are estimated instead.\n"
    )
    routine = load_routine(routine_file, "stretch-break")
    assert json.loads(result.stdout) == compile_routine(routine).to_dict()


def test_script_of_a_user_routine_overriding_a_shipped_one(
    run: Run, library: Library, routine_file: Path
) -> None:
    text = routine_file.read_text(encoding="utf-8").replace("Stretch break", "My own break")
    (library.user_dir / "stretch-break.yml").write_text(text, encoding="utf-8")
    result = run(["script", "stretch-break", "--json"])
    assert json.loads(result.stdout)["routine"] == {"id": "stretch-break", "name": "My own break"}


# --- validate ------------------------------------------------------------------------------


def test_validate_reports_each_valid_file(run: Run, routine_file: Path) -> None:
    result = run(["validate", str(routine_file), "stretch-break"])
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        f"{routine_file}: ok\nstretch-break: ok\n",
        "",
    )


def test_validate_locates_every_problem_and_fails(
    run: Run, routine_file: Path, broken_file: Path
) -> None:
    result = run(["validate", str(broken_file), str(routine_file)])
    assert result.exit_code == 1
    assert result.stdout == f"{routine_file}: ok\n"
    problems = result.stderr.splitlines()
    assert len(problems) >= 2
    assert all(re.match(rf"^{re.escape(str(broken_file))}:\d+:\d+: \S", p) for p in problems)
    located = {tuple(p.split(": ", 1)[0].rsplit(":", 2)[1:]) for p in problems}
    assert ("5", "5") in located  # holdd
    assert ("7", "15") in located  # duration: soon
    (typo,) = [p for p in problems if p.startswith(f"{broken_file}:5:5: ")]
    assert "holdd" in typo and "`hold`" in typo


def test_validate_missing_file_and_folder(run: Run, library: Library, tmp_path: Path) -> None:
    result = run(["validate", "missing.yaml", str(library.shipped_dir)])
    assert result.exit_code == 1
    assert result.stdout == f"{library.shipped_dir / 'stretch-break.yaml'}: ok\n"
    assert result.stderr == "Error: no such routine file: missing.yaml\n"


def test_validate_needs_a_path(run: Run) -> None:
    result = run(["validate"])
    assert result.exit_code == 2
    assert "Missing argument 'PATH...'" in result.stderr


# --- through the real entry point: the error boundary ----------------------------------------


def test_unknown_routine_is_one_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(["script", "zzzz"], capsys)
    assert (code, out, err) == (1, "", f'Error: no routine "zzzz". {HINT}\n')


def test_a_misspelt_routine_gets_a_suggestion(
    capsys: pytest.CaptureFixture[str], user_routines: Path, routine_file: Path
) -> None:
    shutil.copy(routine_file, user_routines / "stretch-break.yaml")
    code, out, err = run_main(["show", "strech-break"], capsys)
    assert (code, out) == (1, "")
    assert err == f'Error: no routine "strech-break"; did you mean "stretch-break"? {HINT}\n'


def test_a_broken_routine_prints_located_lines(
    capsys: pytest.CaptureFixture[str], broken_file: Path
) -> None:
    code, out, err = run_main(["script", str(broken_file)], capsys)
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert lines
    assert all(line.startswith(f"{broken_file}:") for line in lines)
    assert "Traceback" not in err


def test_a_routine_in_the_user_folder_plays_by_id(
    capsys: pytest.CaptureFixture[str], user_routines: Path, routine_file: Path
) -> None:
    shutil.copy(routine_file, user_routines / "stretch-break.yaml")
    code, out, err = run_main(["script", "stretch-break", "--json"], capsys)
    assert (code, err) == (0, "")
    assert json.loads(out)["routine"]["id"] == "stretch-break"


@pytest.mark.parametrize(
    "args",
    [["script"], ["script", "quick-start", "--jsn"], ["show", "a", "b"], ["no-such-command"]],
)
def test_usage_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(args, capsys)
    assert (code, out) == (2, "")
    assert err.startswith("Usage: voicecoach ")
    assert err.splitlines()[-1].startswith("Error: ")


@pytest.mark.parametrize("command", ["list", "show", "script", "validate"])
def test_help_has_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main([command, "--help"], capsys)
    assert (code, err) == (0, "")
    assert out.startswith(f"Usage: voicecoach {command}")
    example = out.split("Example", 1)[1]
    assert f"voicecoach {command}" in example


def test_routine_ids_complete_in_the_shell(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    user_routines: Path,
    routine_file: Path,
) -> None:
    shutil.copy(routine_file, user_routines / "lower-back-mine.yaml")
    monkeypatch.setenv("_VOICECOACH_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", "voicecoach show lower-back")
    monkeypatch.setenv("COMP_CWORD", "2")
    code, out, _ = run_main([], capsys)
    assert code == 0
    shipped = sorted(p.stem for p in Library.default().shipped_dir.glob("lower-back*.y*ml"))
    assert out.splitlines() == [f"plain,{i}" for i in sorted([*shipped, "lower-back-mine"])]


def test_paths_complete_as_files(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("_VOICECOACH_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", "voicecoach script ./rou")
    monkeypatch.setenv("COMP_CWORD", "2")
    code, out, _ = run_main([], capsys)
    assert (code, out) == (0, "file,./rou\n")


# --- as a program ----------------------------------------------------------------------------


def test_python_m_voicecoach_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "voicecoach", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("Usage: voicecoach [OPTIONS] COMMAND [ARGS]...")
    for command in ("list", "show", "script", "validate"):
        assert re.search(rf"^  {command} ", done.stdout, re.MULTILINE)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
def test_a_reader_that_stops_early_is_not_an_error(routine_file: Path) -> None:
    """``voicecoach script x | head``: the reader has gone before anything is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "voicecoach", "script", str(routine_file)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (0, "")
