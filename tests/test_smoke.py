"""The smoke tests: the installed command, end to end, on every Python the project supports.

The whole suite runs on two Pythons; these few run on every other one too (`make smoke`):
the real voice engine, real encoders read back by ffprobe, and real playback into a private
PulseAudio server, through the `voicecoach` script the lock installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import soundfile as sf
from audio_env import first_loud, last_loud, missing_tools, pulse_server

from voicecoach.compile.cuescript import SAMPLE_RATE

pytestmark = [pytest.mark.smoke, pytest.mark.engine]

VOICECOACH = str(Path(sys.executable).with_name("voicecoach"))
ROUTINE = "quick-start"
TIMEOUT = 240


def voicecoach(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [VOICECOACH, *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return done


def ffprobe(path: Path) -> dict[str, Any]:
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_chapters", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def test_script_is_the_cue_script_contract() -> None:
    script = json.loads(voicecoach("script", ROUTINE, "--json").stdout)
    assert script["format"] == "voicecoach.cues/1"
    assert script["routine"]["id"] == ROUTINE
    assert script["cues"][0]["type"] == "speech"
    assert [cue["at"] for cue in script["cues"]] == sorted(cue["at"] for cue in script["cues"])


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="needs ffprobe (Debian's ffmpeg)")
def test_a_voiced_mp3_export_has_the_script_length_and_chapters(tmp_path: Path) -> None:
    audio, cues = tmp_path / "quick.mp3", tmp_path / "quick.json"
    voicecoach("export", ROUTINE, "-o", str(audio), "--cues", str(cues))
    script = json.loads(cues.read_text())
    probed = ffprobe(audio)
    assert float(probed["format"]["duration"]) == pytest.approx(script["duration"], abs=0.1)
    titles = [chapter["tags"]["title"] for chapter in probed["chapters"]]
    assert titles == [chapter["title"] for chapter in script["chapters"]]


def test_a_chimes_only_export_is_its_script_to_the_sample(tmp_path: Path) -> None:
    audio, cues = tmp_path / "quiet.wav", tmp_path / "quiet.json"
    voicecoach("export", ROUTINE, "--no-voice", "-o", str(audio), "--cues", str(cues))
    script = json.loads(cues.read_text())
    samples, rate = sf.read(str(audio), dtype="int16")
    assert rate == SAMPLE_RATE
    assert len(samples) == round(script["duration"] * SAMPLE_RATE)
    first = first_loud(samples)
    assert first is not None
    assert first / SAMPLE_RATE == pytest.approx(script["cues"][0]["at"], abs=0.05)


@pytest.mark.audio
@pytest.mark.skipif(bool(missing_tools()), reason="needs PulseAudio (pulseaudio, pactl, parec)")
def test_play_sounds_the_whole_session_on_a_real_sound_server(tmp_path: Path) -> None:
    script = json.loads(voicecoach("script", ROUTINE, "--json").stdout)
    with pulse_server(tmp_path / "pulse") as server, server.recording() as recording:
        voicecoach("play", ROUTINE, env=server.env)
        recording.stop()
        heard = recording.samples()
    first, last = first_loud(heard), last_loud(heard)
    assert first is not None and last is not None, "play sounded nothing"
    spoken = script["cues"][-1]
    expected = spoken["at"] + spoken["duration"] - script["cues"][0]["at"]
    assert (last - first) / SAMPLE_RATE == pytest.approx(expected, abs=0.5)
