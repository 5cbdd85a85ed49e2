"""The neural voice (Piper, the ``neural`` extra) with its real model, end to end.

The lock installs the extra, so nothing here is skipped: every test speaks with the real
``en_US-joe-medium`` model, in fresh processes where a process is what is tested.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voicecoach.audio import neural
from voicecoach.audio.engines import choose
from voicecoach.audio.speech import Speech, VoiceSettings, entry_frames, read_entry
from voicecoach.compile.compiler import CompileOptions, spoken_texts
from voicecoach.compile.cuescript import SAMPLE_RATE
from voicecoach.routine.load import load_routine

pytestmark = pytest.mark.engine

VOICECOACH = str(Path(sys.executable).with_name("voicecoach"))
LANGUAGES = Path(__file__).parent / "data" / "languages"
TIMEOUT = 240
PHRASE = "Lie on your back, knees bent, feet flat on the floor."


def environment(tmp: Path, **extra: str) -> dict[str, str]:
    """A child's environment: voicecoach's cache under a private XDG cache home."""
    env = {k: v for k, v in os.environ.items() if k != "VOICECOACH_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp / "xdg-cache")
    env.pop("ORT_DISABLE_TELEMETRY", None)  # voicecoach must set it itself
    env.update(extra)
    return env


def voicecoach(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VOICECOACH, *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        check=False,
    )


def speech_cache(env: dict[str, str]) -> Path:
    return Path(env["XDG_CACHE_HOME"]) / "voicecoach" / "speech"


def joe() -> neural.PiperVoiceFile:
    voice = neural.packaged_voice()
    assert voice is not None, "the neural extra is not installed: pip install -e '.[neural]'"
    return voice


def test_english_speaks_with_the_neural_voice_and_other_languages_with_espeak(
    tmp_path: Path,
) -> None:
    speech = Speech(VoiceSettings(), tmp_path)
    assert speech.engine.name.startswith(f"piper:{neural.DEFAULT_VOICE}:")
    assert speech.for_language("en-GB") is speech
    for language in ("de", "es-MX"):
        other = speech.for_language(language)
        assert other.engine.name == "espeak"
        assert other.settings.voice == language.split("-")[0]
    # Named voices of either engine.
    assert choose(VoiceSettings("espeak:en"), "en")[0].name == "espeak"
    assert choose(VoiceSettings("espeak:en"), "en")[1].voice == "en"
    assert choose(VoiceSettings("gmw/en-us"), "en")[0].name == "espeak"
    named = choose(VoiceSettings(f"piper:{neural.DEFAULT_VOICE}"), "de")[0]
    assert named.name == speech.engine.name


def test_a_downloaded_voice_speaks_its_language(tmp_path: Path) -> None:
    # A "German" voice: the joe model under a German voice's name, in the data folder.
    folder = neural.voices_dir()
    folder.mkdir(parents=True)
    model = folder / "de_DE-probe-medium.onnx"
    model.symlink_to(joe().model)
    model.with_name(model.name + ".json").symlink_to(joe().config)
    german = Speech(VoiceSettings(), tmp_path).for_language("de")
    assert german.engine.name.startswith("piper:de_DE-probe-medium:")
    assert Speech(VoiceSettings(), tmp_path).for_language("es").engine.name == "espeak"
    # A folder named as the voice: each language takes its voice there, else espeak-ng's.
    by_folder = Speech(VoiceSettings(str(folder)), tmp_path)
    assert by_folder.engine.name == "espeak"  # no English voice in the folder
    assert by_folder.for_language("de").engine.name == german.engine.name
    # A file named as the voice.
    assert Speech(VoiceSettings(str(model)), tmp_path).engine.name == german.engine.name
    listed = subprocess.run(
        [VOICECOACH, "voices", "--language", "de"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    ).stdout.splitlines()
    assert [line.split()[:2] for line in listed if line.startswith("piper")] == [
        ["piper", "piper:de_DE-probe-medium"]
    ]
    assert any(line.startswith("espeak-ng") for line in listed)


def test_a_phrase_is_bit_identical_in_fresh_processes(tmp_path: Path) -> None:
    program = (
        "import sys; from pathlib import Path; from voicecoach.audio.speech import Speech;"
        "s = Speech(cache_dir=Path(sys.argv[1])); s.clip(sys.argv[2]);"
        "print(s.path(sys.argv[2]), s.engine.name)"
    )
    made = []
    for run in ("one", "two"):
        done = subprocess.run(
            [sys.executable, "-c", program, str(tmp_path / run), PHRASE],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=True,
        )
        path, engine = done.stdout.split()
        assert engine.startswith("piper:")
        made.append(Path(path).read_bytes())
    assert made[0] == made[1]
    pcm = read_entry(tmp_path / "one" / Path(path).name)
    assert pcm is not None
    level = 20 * np.log10(np.sqrt(np.mean(np.square(pcm / 32768.0))))
    assert abs(level - neural.TARGET_RMS_DBFS) < 0.5  # espeak-ng's loudness


@pytest.mark.slow
def test_fresh_cache_exports_are_byte_identical_and_match_the_script(tmp_path: Path) -> None:
    one, two = environment(tmp_path / "one"), environment(tmp_path / "two")
    outputs = []
    for env, name in ((one, "a"), (two, "b")):
        out, cues = tmp_path / f"{name}.wav", tmp_path / f"{name}.json"
        done = voicecoach("export", "quick-start", "-o", str(out), "--cues", str(cues), env=env)
        assert (done.returncode, done.stderr) == (0, "")
        outputs.append(out.read_bytes())
        # Nothing written outside voicecoach's own folder (onnxruntime's telemetry files).
        assert sorted(p.name for p in Path(env["XDG_CACHE_HOME"]).iterdir()) == ["voicecoach"]
    assert outputs[0] == outputs[1]

    # The script (warm cache) equals the export's cue script, to the sample.
    script = voicecoach("script", "quick-start", "--json", env=one)
    assert (script.returncode, script.stderr) == (0, "")
    data = json.loads(script.stdout)
    assert json.loads((tmp_path / "a.json").read_text(encoding="utf-8")) == data
    assert sf.info(str(tmp_path / "a.wav")).frames == round(data["duration"] * SAMPLE_RATE)
    # Every phrase was spoken by the neural voice, and timed by its clip.
    neural_speech = Speech(VoiceSettings(), speech_cache(one))
    assert neural_speech.engine.name.startswith("piper:")
    for cue in (c for c in data["cues"] if c["type"] == "speech"):
        frames = entry_frames(neural_speech.path(cue["text"]))
        assert frames is not None, cue["text"]
        assert cue["duration"] == round(frames / SAMPLE_RATE, 6)

    # A warm cache never imports onnxruntime nor piper.
    program = (
        "import sys; from voicecoach.cli import main\n"
        "try:\n    main(['export', 'quick-start', '-o', sys.argv[1]])\n"
        "except SystemExit as e:\n    assert not e.code, e.code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('onnxruntime', 'piper')))"
    )
    warm = subprocess.run(
        [sys.executable, "-c", program, str(tmp_path / "warm.wav")],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=one,
        check=False,
    )
    assert (warm.returncode, warm.stdout) == (0, "[]\n"), warm.stderr
    assert (tmp_path / "warm.wav").read_bytes() == outputs[0]


@pytest.mark.parametrize(
    ("routine", "code"),
    [("ruecken-kurz.yaml", "de"), ("movilidad-breve.yaml", "es")],
)
def test_german_and_spanish_keep_espeak_with_the_extra_installed(
    tmp_path: Path, routine: str, code: str
) -> None:
    env = environment(tmp_path)
    done = voicecoach("script", "--json", str(LANGUAGES / routine), env=env)
    assert (done.returncode, done.stderr) == (0, "")
    cues = [c for c in json.loads(done.stdout)["cues"] if c["type"] == "speech"]
    espeak = Speech(VoiceSettings(voice=code), speech_cache(env))
    assert espeak.engine.name == "espeak"
    for cue in cues:
        frames = entry_frames(espeak.path(cue["text"]))
        assert frames is not None, cue["text"]
        assert cue["duration"] == round(frames / SAMPLE_RATE, 6)
    # Nothing at all was made by the neural voice: every entry is one of espeak-ng's.
    routine_texts = spoken_texts(load_routine(LANGUAGES / routine), CompileOptions())
    made = {p.name for p in speech_cache(env).glob("*.wav")}
    assert made == {espeak.path(text).name for text in routine_texts}


@pytest.mark.parametrize("damage", ["truncated", "missing", "no-config"])
def test_a_broken_model_file_is_a_one_line_error(tmp_path: Path, damage: str) -> None:
    model = tmp_path / "voices" / "en_US-broken-medium.onnx"
    model.parent.mkdir()
    if damage != "missing":
        model.write_bytes(joe().model.read_bytes()[:5000])
    if damage != "no-config":
        model.with_name(model.name + ".json").write_bytes(joe().config.read_bytes())
    named = model.with_name(model.name + ".json") if damage == "no-config" else model
    out = tmp_path / "x.wav"
    for command in (["script", "quick-start"], ["export", "quick-start", "-o", str(out)]):
        done = voicecoach(*command, "--voice", str(model), env=environment(tmp_path))
        assert (done.returncode, done.stdout) == (1, ""), done.stderr
        assert done.stderr.startswith(f"Error: {named}: ")
        assert done.stderr.count("\n") == 1
        assert "not a usable Piper voice" in done.stderr
        assert "download the voice again" in done.stderr
    assert not out.exists()


def test_phrases_made_side_by_side_equal_those_made_one_at_a_time(tmp_path: Path) -> None:
    phrases = [PHRASE, "Hold for ten seconds.", "Switch sides.", "Release.", "Well done."]
    threaded = Speech(VoiceSettings(), tmp_path / "threads")
    assert neural.synthesize_in_threads(threaded, phrases) == len(phrases)
    assert threaded.synthesized == len(phrases)
    assert neural.synthesize_in_threads(threaded, phrases) == 0  # all cached now
    serial = Speech(VoiceSettings(), tmp_path / "serial")
    serial.prepare(phrases)
    for text in phrases:
        assert threaded.path(text).read_bytes() == serial.path(text).read_bytes(), text
    # espeak-ng's engine is left to its own pool.
    assert neural.synthesize_in_threads(Speech(VoiceSettings("espeak:"), tmp_path), phrases) == 0
