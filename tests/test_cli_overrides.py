"""Timing and sound options of ``play``, ``export`` and ``script``: exact output and exit
codes, the settings file as defaults, and sessions without a voice where no engine exists."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from helpers import Run, run_main

from voicecoach.audio.render import render
from voicecoach.audio.sounds import load_chime
from voicecoach.compile.compiler import CompileOptions, compile_routine
from voicecoach.compile.cuescript import SAMPLE_RATE, CueScript, CueType
from voicecoach.compile.estimate import estimate_speech_samples
from voicecoach.compile.overrides import Overrides, apply_overrides
from voicecoach.play.player import PlayResult
from voicecoach.routine.load import load_routine
from voicecoach.routine.model import Routine

NO_VOICE = CompileOptions(voice=False)


def usage_error(command: str, message: str) -> str:
    """What click prints for a mistake in the command line."""
    routine = "[ROUTINE]" if command == "play" else "ROUTINE"
    return (
        f"Usage: voicecoach {command} [OPTIONS] {routine}\n"
        f"Try 'voicecoach {command} --help' for help.\n\nError: {message}\n"
    )


def stretch_break(routine_file: Path) -> Routine:
    return load_routine(routine_file, "stretch-break")


def expected_json(routine: Routine, options: CompileOptions | None = None) -> object:
    """The cue JSON of ``routine`` timed by the estimate, as `script --estimate` prints it."""
    script = compile_routine(routine, estimate_speech_samples, options=options or CompileOptions())
    return script.to_dict()


@pytest.fixture
def settings_file(config_home: Path) -> Path:
    folder = config_home / "voicecoach"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "settings.toml"


@pytest.fixture
def no_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """No voice engine at all: pyttsx3 cannot be imported and the engine cannot be made."""
    import voicecoach.audio.speech

    class Broken:
        def __init__(self, *args: object, **kwargs: object) -> None:
            raise AssertionError("a session without a voice started the voice engine")

    monkeypatch.setitem(sys.modules, "pyttsx3", None)
    monkeypatch.setattr(voicecoach.audio.speech, "Pyttsx3Engine", Broken)


# --- the timing options --------------------------------------------------------------------


def test_script_with_every_timing_option_is_the_adapted_routine(
    run: Run, routine_file: Path
) -> None:
    args = ["--hold", "6", "--reps", "2", "--rest", "1s", "--rounds", "2", "--lead-in", "0"]
    result = run(["script", "stretch-break", "--json", "--estimate", *args])
    assert (result.exit_code, result.stderr) == (0, "")
    adapted = apply_overrides(
        stretch_break(routine_file), Overrides(hold=6.0, reps=2, rest=1.0, rounds=2, lead_in=0.0)
    )
    assert json.loads(result.stdout) == expected_json(adapted)
    holds = [c for c in adapted.exercises if c.hold is not None]
    assert [(ex.name, ex.hold, ex.set_rest) for ex in holds] == [("Knee hug", 6.0, 1.0)]


def test_hold_scale_and_durations_written_as_in_routine_files(run: Run, routine_file: Path) -> None:
    result = run(["script", "stretch-break", "--json", "--estimate", "--hold-scale", "0.5"])
    assert (result.exit_code, result.stderr) == (0, "")
    adapted = apply_overrides(stretch_break(routine_file), Overrides(hold_scale=0.5))
    assert adapted.exercises[1].hold == 5.0
    assert json.loads(result.stdout) == expected_json(adapted)
    minute = run(["script", "stretch-break", "--json", "--estimate", "--hold", "1m"])
    long_hold = apply_overrides(stretch_break(routine_file), Overrides(hold=60.0))
    assert json.loads(minute.stdout) == expected_json(long_hold)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--hold", "0"],
            "Invalid value for '--hold': '0' is out of range: give more than 0 and at most "
            "3600 seconds",
        ),
        (
            ["--hold", "2h"],
            "Invalid value for '--hold': '2h' is not a number of seconds or a duration like "
            "45s or 1m30s",
        ),
        (
            ["--rest", "-5"],
            "Invalid value for '--rest': '-5' is out of range: give at least 0 and at most "
            "3600 seconds",
        ),
        (
            ["--lead-in", "11m"],
            "Invalid value for '--lead-in': '11m' is out of range: give at least 0 and at most "
            "600 seconds",
        ),
        (
            ["--hold-scale", "0"],
            "Invalid value for '--hold-scale': '0' is not a factor above 0, such as 0.5 or 1.5",
        ),
        (["--hold-scale", "nan"], "Invalid value for '--hold-scale': 'nan' is not a finite number"),
        (
            ["--reps", "0"],
            "Invalid value for '--reps': '0' is out of range: give a whole number from 1 to 10,000",
        ),
        (
            ["--reps", "1" + "0" * 300],
            "Invalid value for '--reps': '1000000000000000000000000000000000000...' is out of "
            "range: give a whole number from 1 to 10,000",
        ),
        (["--rounds", "two"], "Invalid value for '--rounds': 'two' is not a whole number"),
        (
            ["--rounds", "9" * 5000],
            "Invalid value for '--rounds': '9999999999999999999999999999999999999...' is out of "
            "range: give a whole number from 1 to 10,000",
        ),
        (
            ["--hold", "9" * 300],
            "Invalid value for '--hold': '9999999999999999999999999999999999999...' is not a "
            "number of seconds or a duration like 45s or 1m30s",
        ),
        (
            ["--chime-volume", "0"],
            "Invalid value for '--chime-volume': '0' is out of range: give above 0 up to 1.0",
        ),
        (
            ["--chime-volume", "nan"],
            "Invalid value for '--chime-volume': 'nan' is not a finite number",
        ),
        (["--volume", "nan"], "Invalid value for '--volume': 'nan' is not a finite number"),
        (["--volume", "-inf"], "Invalid value for '--volume': '-inf' is not a finite number"),
        (
            ["--rate", "1" + "0" * 5000],
            "Invalid value for '--rate': '1000000000000000000000000000000000000...' is out of "
            "range: give a whole number from 50 to 500",
        ),
        (
            ["--voice", ""],
            "Invalid value for '--voice': '' is empty: give a voice id, name or language "
            "(see `voicecoach voices`)",
        ),
        (
            ["--hold", "20", "--hold-scale", "2"],
            "--hold and --hold-scale do not go together: --hold sets every hold, --hold-scale "
            "scales each one; give one of them",
        ),
        (
            ["--no-voice", "--voice", "en", "--explain"],
            "--no-voice speaks nothing, so --voice and --explain cannot go with it",
        ),
    ],
)
@pytest.mark.parametrize("command", ["script", "export", "play"])
def test_a_bad_value_is_a_usage_error(
    command: str,
    args: list[str],
    message: str,
    routine_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    output = ["-o", str(tmp_path / "out.wav")] if command == "export" else []
    code, out, err = run_main([command, str(routine_file), *output, *args], capsys)
    assert (code, out) == (2, "")
    assert err == usage_error(command, message)
    assert not (tmp_path / "out.wav").exists()


def test_a_hold_scaled_past_an_hour_names_the_option_to_lower(
    routine_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "out.wav"
    for command in (["script"], ["export", "-o", str(out_file)], ["play"]):
        code, out, err = run_main([*command, str(routine_file), "--hold-scale", "361"], capsys)
        assert (code, out) == (1, "")
        assert err == (
            "Error: --hold-scale 361 makes the hold of 'Knee hug' last 1 h 0 min 10 s, more than "
            "the 1-hour limit; lower --hold-scale\n"
        )
    assert not out_file.exists()


def test_a_session_past_four_hours_names_the_options_to_lower(
    routine_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["script", str(routine_file), "--rounds", "200", "--rest", "0", "--reps", "30"]
    code, out, err = run_main(args, capsys)
    assert (code, out) == (1, "")
    assert err == (
        "Error: with --reps 30 --rest 0 --rounds 200, stretch-break runs 10 h 40 min "
        "without speech, more than the 4-hour limit; lower --rounds or --reps\n"
    )


def test_an_override_that_changes_nothing_is_noted(
    run: Run, library: Any, routine_file: Path
) -> None:
    text = "version: 1\nname: Holds\nexercises:\n  - name: Plank\n    hold: 20s\n"
    (library.user_dir / "holds.yaml").write_text(text, encoding="utf-8")
    result = run(["script", "holds", "--estimate", "--reps", "5", "--hold", "30"])
    assert result.exit_code == 0
    assert (
        result.stderr == "Note: --reps changes nothing: no exercise of holds is counted in reps\n"
    )
    assert "[chime hold]" in result.stdout


# --- settings as defaults ------------------------------------------------------------------


def test_the_settings_file_gives_defaults_and_options_win(
    run: Run, routine_file: Path, settings_file: Path
) -> None:
    settings_file.write_text('lead_in = "4s"\nexplain = true\n', encoding="utf-8")
    routine = stretch_break(routine_file)
    from_file = run(["script", "stretch-break", "--json", "--estimate"])
    assert (from_file.exit_code, from_file.stderr) == (0, "")
    adapted = apply_overrides(routine, Overrides(lead_in=4.0))
    assert json.loads(from_file.stdout) == expected_json(adapted, CompileOptions(explain=True))
    texts = [c["text"] for c in json.loads(from_file.stdout)["cues"] if c["type"] == "speech"]
    assert "It gently stretches the muscles along the lower spine." in texts

    given = run(
        ["script", "stretch-break", "--json", "--estimate", "--lead-in", "1", "--no-explain"]
    )
    assert (given.exit_code, given.stderr) == (0, "")
    assert json.loads(given.stdout) == expected_json(
        apply_overrides(routine, Overrides(lead_in=1.0))
    )


def test_explain_speaks_each_why(run: Run, routine_file: Path) -> None:
    result = run(["script", "stretch-break", "--json", "--estimate", "--explain"])
    assert (result.exit_code, result.stderr) == (0, "")
    expected = expected_json(stretch_break(routine_file), CompileOptions(explain=True))
    assert json.loads(result.stdout) == expected
    plain = run(["script", "stretch-break", "--json", "--estimate"])
    assert len(json.loads(result.stdout)["cues"]) == len(json.loads(plain.stdout)["cues"]) + 1


def test_no_voice_with_silent_chimes_from_the_settings_file_is_refused(
    routine_file: Path, settings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings_file.write_text("chime_volume = 0.0\n", encoding="utf-8")
    code, out, err = run_main(["script", str(routine_file), "--no-voice"], capsys)
    assert (code, out) == (1, "")
    assert err == (
        "Error: without a voice the chimes are all there is, but the chime volume is 0: "
        "give --chime-volume, or raise chime_volume in the settings file\n"
    )
    code, out, _ = run_main(
        ["script", str(routine_file), "--no-voice", "--chime-volume", "1"], capsys
    )
    assert code == 0 and "[chime hold]" in out


# --- without a voice, and without a voice engine -------------------------------------------


@pytest.mark.usefixtures("no_engine")
def test_script_without_a_voice_needs_no_engine(run: Run, routine_file: Path) -> None:
    result = run(["script", "stretch-break", "--json", "--no-voice"])
    assert (result.exit_code, result.stderr) == (0, "")
    data = json.loads(result.stdout)
    assert data == expected_json(stretch_break(routine_file), NO_VOICE)
    sounds = [c["sound"] for c in data["cues"]]
    assert all(c["type"] == "chime" for c in data["cues"])
    assert {
        "count",
        "last",
        "phase",
        "tick",
        "next",
        "hold",
        "release",
        "switch",
        "rest",
        "set",
        "done",
    } == set(sounds)


def read_wav(path: Path) -> np.ndarray:
    audio, rate = sf.read(path, dtype="float32")
    assert rate == SAMPLE_RATE
    return np.asarray(audio, dtype=np.float32)


def chimes_of(script: CueScript) -> list[tuple[int, str]]:
    assert all(c.type is CueType.CHIME for c in script.cues)
    return [(c.start, c.sound) for c in script.cues]


@pytest.mark.usefixtures("no_engine")
def test_export_without_a_voice_writes_the_chimes_at_their_gain(
    run: Run, routine_file: Path, tmp_path: Path
) -> None:
    full, soft, cues = tmp_path / "full.wav", tmp_path / "soft.wav", tmp_path / "cues.json"
    result = run(["export", "stretch-break", "--no-voice", "-o", str(full), "--cues", str(cues)])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    half = run(["export", "stretch-break", "--no-voice", "--chime-volume", "0.5", "-o", str(soft)])
    assert half.exit_code == 0, half.output

    script = compile_routine(stretch_break(routine_file), options=NO_VOICE)
    assert json.loads(cues.read_text(encoding="utf-8")) == script.to_dict()
    loud, quiet = read_wav(full), read_wav(soft)
    assert len(loud) == len(quiet) == script.length
    # Every chime sits at its cue, whole, and nothing sounds between them.
    silent = np.ones(script.length, dtype=bool)
    for start, sound in chimes_of(script):
        chime = load_chime(sound)
        np.testing.assert_allclose(loud[start : start + len(chime)], chime, atol=1.5 / 32768)
        silent[start : start + len(chime)] = False
    assert not loud[silent].any()
    # The chime volume is a gain on the chimes: half the level, sample for sample.
    np.testing.assert_allclose(quiet, loud * 0.5, atol=1.5 / 32768)


@pytest.mark.usefixtures("no_engine")
def test_play_without_a_voice_needs_no_engine(
    run: Run, routine_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import voicecoach.play.live

    heard: dict[str, Any] = {}

    def device(script: CueScript, speech: Any, chime: Any, **kwargs: Any) -> PlayResult:
        gains = {k: kwargs[k] for k in ("voice_gain", "chime_gain")}
        heard.update(
            script=script, audio=np.concatenate(list(render(script, speech, chime, **gains)))
        )
        heard.update(gains)
        return PlayResult(True, script.length, len(script.chapters) - 1)

    monkeypatch.setattr(voicecoach.play.live, "play", device)
    result = run(["play", "stretch-break", "--no-voice", "--chime-volume", "0.25", "--rounds", "2"])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    adapted = apply_overrides(stretch_break(routine_file), Overrides(rounds=2))
    assert heard["script"] == compile_routine(adapted, options=NO_VOICE)
    assert (heard["voice_gain"], heard["chime_gain"]) == (1.0, 0.25)
    audio = heard["audio"]
    start, sound = chimes_of(heard["script"])[0]
    chime = load_chime(sound)
    np.testing.assert_allclose(audio[start : start + len(chime)], chime * 0.25, atol=1e-6)


# --- end to end, in a process where pyttsx3 is not installed -------------------------------

TINY = """\
version: 1
name: Tiny
exercises:
  - name: Squeeze
    reps: 2
    tempo: [1s, 1s]
    phases: [In, Out]
    lead_in: 0s
    rest: 1s
  - name: Hold
    hold: 2s
    lead_in: 3s
"""


@pytest.fixture
def engineless(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A tiny routine, and an environment in which ``import pyttsx3`` fails."""
    import os

    blocker = tmp_path / "no-engine"
    blocker.mkdir()
    (blocker / "pyttsx3.py").write_text('raise ImportError("pyttsx3 is not installed")\n')
    routine = tmp_path / "tiny.yaml"
    routine.write_text(TINY, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(blocker))
    return routine, env


def voicecoach(*args: str) -> list[str]:
    return [sys.executable, "-m", "voicecoach", *args]


def test_without_pyttsx3_export_needs_no_voice_and_says_so_otherwise(
    engineless: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    import subprocess

    routine, env = engineless
    out = tmp_path / "tiny.flac"
    done = subprocess.run(
        voicecoach("export", str(routine), "--no-voice", "-o", str(out)),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    script = compile_routine(load_routine(routine), options=NO_VOICE)
    audio = read_wav(out)
    assert len(audio) == script.length
    for start, sound in chimes_of(script):
        chime = load_chime(sound)
        np.testing.assert_allclose(audio[start : start + len(chime)], chime, atol=1.5 / 32768)

    # espeak-ng named: the neural voice, if installed, needs no pyttsx3.
    voiced = subprocess.run(
        voicecoach(
            "export", str(routine), "--voice", "espeak:en", "-o", str(tmp_path / "voiced.flac")
        ),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert voiced.returncode == 1
    assert voiced.stderr.startswith("Error: no voice engine: ")
    assert not (tmp_path / "voiced.flac").exists()


@pytest.mark.audio
@pytest.mark.slow
def test_without_pyttsx3_play_plays_the_chimes_as_exported(
    engineless: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    import subprocess

    import audio_env

    if audio_env.missing_tools():
        pytest.skip("PulseAudio is not installed; `make test` installs it")
    routine, env = engineless
    exported = tmp_path / "tiny.wav"
    args = ["--no-voice", "--chime-volume", "0.8", "--rest", "0.5"]
    done = subprocess.run(
        voicecoach("export", str(routine), "-o", str(exported), *args),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    reference, _ = sf.read(exported, dtype="int16")
    script = compile_routine(
        apply_overrides(load_routine(routine), Overrides(rest=0.5)), options=NO_VOICE
    )
    with audio_env.pulse_server(tmp_path / "pulse") as server:
        child_env = dict(server.env, PYTHONPATH=env["PYTHONPATH"])
        for name in ("VOICECOACH_CONFIG_DIR", "VOICECOACH_DATA_DIR", "VOICECOACH_CACHE_DIR"):
            child_env[name] = env[name]
        with server.recording() as recording:
            mark = recording.frames()
            played = subprocess.run(
                voicecoach("play", str(routine), *args),
                env=child_env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=script.length / SAMPLE_RATE + 60,
            )
            recording.settle()
    assert (played.returncode, played.stdout, played.stderr) == (0, "", "")
    heard = recording.samples()
    first = audio_env.first_loud(heard, after=mark)
    assert first is not None, "nothing was heard"
    origin = first - script.cues[0].start
    # Every chime is heard whole, sample for sample as exported, within 20 ms of its place.
    for cue in script.cues:
        template = np.asarray(reference[cue.start : cue.end], dtype=np.int16)
        found = audio_env.locate(heard, template, origin + cue.start, round(0.3 * SAMPLE_RATE))
        assert found.exact, f"{cue.sound} at {cue.at:.2f}s was not heard as exported"
        assert abs(found.index - origin - cue.start) <= round(0.020 * SAMPLE_RATE)
