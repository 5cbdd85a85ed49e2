"""Speech: real clips from espeak-ng, the disk cache and its repairs, engine failures.

Tests marked ``engine`` drive the real engine (espeak-ng through pyttsx3); the fakes below
serve only the retry and resampling logic, which the real engine cannot be made to show
on demand.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile
from helpers import run_main

from voicecoach.audio import speech, voice_engine
from voicecoach.audio.speech import (
    Pyttsx3Engine,
    Speech,
    Voice,
    VoiceSettings,
    default_engine,
    entry_frames,
    list_voices,
    read_entry,
)
from voicecoach.compile.cuescript import SAMPLE_RATE
from voicecoach.errors import SettingsError, VoiceEngineError
from voicecoach.play import warmstart

Audio = npt.NDArray[np.float32]


@pytest.fixture(autouse=True)
def cache_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep every Speech made without a cache_dir away from the user's real cache."""
    folder = tmp_path / "env-cache"
    monkeypatch.setenv(warmstart.CACHE_ENV, str(folder))
    return folder


def tone(seconds: float, rate: int = SAMPLE_RATE, freq: float = 440.0, level: float = 0.3) -> Audio:
    t = np.arange(round(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


class FakeEngine:
    """Writes the queued outputs in turn (the last one repeats); counts its calls."""

    def __init__(
        self, *outputs: Audio, rate: int = SAMPLE_RATE, channels: int = 1, name: str = "fake"
    ) -> None:
        self.name = name
        self.outputs = list(outputs)
        self.rate = rate
        self.channels = channels
        self.calls: list[str] = []

    def synthesize(self, text: str, path: Path, settings: VoiceSettings) -> None:
        audio = self.outputs[min(len(self.calls), len(self.outputs) - 1)]
        self.calls.append(text)
        data = np.repeat(audio[:, None], self.channels, axis=1)
        soundfile.write(str(path), data, self.rate, subtype="PCM_16")

    def voices(self) -> list[Voice]:
        return [Voice("fake/one", "One", ("en",), None)]


class CountingEngine:
    """The real engine, counting how often it is asked to synthesize."""

    def __init__(self) -> None:
        self.real = Pyttsx3Engine()
        self.calls: list[str] = []

    @property
    def name(self) -> str:
        return self.real.name

    def synthesize(self, text: str, path: Path, settings: VoiceSettings) -> None:
        self.calls.append(text)
        self.real.synthesize(text, path, settings)

    def voices(self) -> list[Voice]:
        return self.real.voices()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".tmp-"))


def peak_db(audio: Audio) -> float:
    return float(20 * np.log10(np.max(np.abs(audio))))


# --- settings and keys --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rate": 20}, "rate 20 is out of range"),
        ({"rate": 900}, "rate 900 is out of range"),
        ({"volume": 0.0}, "volume 0.0 is out of range"),
        ({"volume": 1.5}, "volume 1.5 is out of range"),
        ({"voice": "  "}, "voice is empty"),
    ],
)
def test_voice_settings_reject_bad_values(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        VoiceSettings(**kwargs)  # type: ignore[arg-type]


def test_cache_key_covers_everything_that_changes_the_sound(tmp_path: Path) -> None:
    def key(settings: VoiceSettings, text: str = "Hold", engine: str = "fake") -> str:
        fake = FakeEngine(tone(0.1), name=engine)
        return Speech(settings, tmp_path, engine=fake).key(text)

    base = key(VoiceSettings())
    assert key(VoiceSettings()) == base
    others = {
        key(VoiceSettings(voice="en-us")),
        key(VoiceSettings(rate=150)),
        key(VoiceSettings(volume=0.5)),
        key(VoiceSettings(), text="Hold."),
        key(VoiceSettings(), engine="sapi5"),
    }
    assert base not in others
    assert len(others) == 5


def test_cache_dir_comes_from_the_environment(cache_env: Path) -> None:
    assert Speech(engine=FakeEngine(tone(0.1))).cache_dir == cache_env


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG cache folder is Linux's")
def test_cache_dir_defaults_to_the_user_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(warmstart.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert speech.default_cache_dir() == tmp_path / "voicecoach" / "speech"


# --- logic with a fake engine -------------------------------------------------------------


def test_an_empty_clip_is_synthesized_again_and_never_cached(tmp_path: Path) -> None:
    good = tone(0.4)
    engine = FakeEngine(np.zeros(0, np.float32), np.zeros(0, np.float32), good)
    voice = Speech(cache_dir=tmp_path, engine=engine)
    clip = voice.clip("Hold")
    assert engine.calls == ["Hold"] * 3
    np.testing.assert_allclose(clip, good, atol=1 / 32768)
    entry = read_entry(voice.path("Hold"))
    assert entry is not None and len(entry) == len(good)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (np.zeros(0, np.float32), "empty clip (0 frames)"),
        (np.zeros(5000, np.float32), "silent clip"),
        (tone(0.3, level=1e-4), "silent clip"),
    ],
)
def test_an_engine_that_keeps_failing_is_an_error_and_caches_nothing(
    tmp_path: Path, bad: Audio, reason: str
) -> None:
    engine = FakeEngine(bad)
    voice = Speech(cache_dir=tmp_path, engine=engine)
    with pytest.raises(VoiceEngineError, match=re.escape(reason)) as info:
        voice.samples("Release")
    assert "'Release'" in str(info.value)
    assert len(engine.calls) == speech.ATTEMPTS
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


class SilentEngine(FakeEngine):
    """An engine that reports success but writes no file."""

    def synthesize(self, text: str, path: Path, settings: VoiceSettings) -> None:
        self.calls.append(text)


def test_an_engine_that_writes_nothing_is_an_error(tmp_path: Path) -> None:
    engine = SilentEngine(tone(0.1))
    with pytest.raises(VoiceEngineError, match="unreadable file") as info:
        Speech(cache_dir=tmp_path, engine=engine).clip("Hold")
    assert "4 times in a row" in str(info.value)
    assert len(engine.calls) == speech.ATTEMPTS


def test_other_sample_rates_and_stereo_are_brought_to_mono_22050(tmp_path: Path) -> None:
    engine = FakeEngine(tone(0.5, rate=16000, freq=300.0), rate=16000, channels=2)
    clip = Speech(cache_dir=tmp_path, engine=engine).clip("Breathe")
    assert clip.dtype == np.float32 and clip.ndim == 1
    assert len(clip) == round(8000 * SAMPLE_RATE / 16000)
    spectrum = np.abs(np.fft.rfft(clip))
    assert abs(np.argmax(spectrum) * SAMPLE_RATE / len(clip) - 300.0) < 5.0


def test_a_rebuilt_clip_keeps_the_length_already_reported(tmp_path: Path) -> None:
    engine = FakeEngine(tone(0.5), tone(0.52))
    first = Speech(cache_dir=tmp_path, engine=engine)
    first.samples("Relax")
    voice = Speech(cache_dir=tmp_path, engine=engine)
    reported = voice.samples("Relax")  # from the header alone
    path = voice.path("Relax")
    blob = bytearray(path.read_bytes())
    blob[-100:] = bytes(100)  # damage the samples, not the header
    path.write_bytes(bytes(blob))
    clip = voice.clip("Relax")
    assert len(engine.calls) == 2
    assert len(clip) == reported == voice.samples("Relax")


def test_an_unwritable_cache_still_gives_clips(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    engine = FakeEngine(tone(0.3))
    voice = Speech(cache_dir=blocker, engine=engine)
    assert voice.samples("Hold") == len(voice.clip("Hold")) == len(tone(0.3))
    assert len(engine.calls) == 1


def test_temp_files_of_killed_runs_are_swept(tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    old = tmp_path / ".tmp-crashed.wav"
    fresh = tmp_path / ".tmp-writing.wav"
    old.write_bytes(b"half")
    fresh.write_bytes(b"half")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    Speech(cache_dir=tmp_path, engine=FakeEngine(tone(0.2))).clip("Hold")
    assert leftovers(tmp_path) == [fresh.name]


def test_blank_text_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nothing to say"):
        Speech(cache_dir=tmp_path, engine=FakeEngine(tone(0.2))).clip("  ")


@pytest.fixture
def no_espeak(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Linux system where pyttsx3 is installed but libespeak-ng is not."""
    import pyttsx3

    def no_library(driver: str | None = None, debug: bool = False) -> object:
        # What pyttsx3 raises when its espeak driver cannot load libespeak-ng.
        raise RuntimeError("This means you probably do not have eSpeak or eSpeak-ng installed!")

    monkeypatch.setattr(Pyttsx3Engine, "_states", {})
    monkeypatch.setattr(pyttsx3, "init", no_library)
    monkeypatch.setattr(sys, "platform", "linux")


@pytest.mark.usefixtures("no_espeak")
def test_missing_espeak_names_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(VoiceEngineError, match=r"sudo apt-get install espeak-ng") as info:
        Speech(cache_dir=tmp_path, engine=Pyttsx3Engine()).clip("Hold")
    assert "eSpeak-ng installed" in str(info.value)
    with pytest.raises(VoiceEngineError, match="install espeak-ng"):
        list_voices()


# --- the real engine ----------------------------------------------------------------------


@pytest.mark.engine
def test_a_phrase_is_speech_of_a_plausible_length(tmp_path: Path) -> None:
    voice = Speech(cache_dir=tmp_path)
    clip = voice.clip("Hold the stretch and breathe")
    assert clip.dtype == np.float32 and clip.ndim == 1
    # Five words at espeak-ng's default 175-200 words a minute, plus its end pause.
    assert 1.0 < len(clip) / SAMPLE_RATE < 3.5
    assert peak_db(clip) > -20.0
    assert voice.samples("Hold the stretch and breathe") == len(clip)
    shorter = voice.clip("Hold")
    assert len(shorter) < len(clip)


@pytest.mark.engine
def test_samples_match_clips_and_a_warm_cache_never_synthesizes(tmp_path: Path) -> None:
    phrases = ["Cat cow", "Switch sides", "Three"]
    cold = CountingEngine()
    first = Speech(cache_dir=tmp_path, engine=cold)
    lengths = [first.samples(p) for p in phrases]
    # Each phrase once, in order; a clip that fails its checks (an empty WAV, a rate the
    # engine dropped) is made again at once, so a repeat may follow it.
    assert list(dict.fromkeys(cold.calls)) == phrases
    made = list(cold.calls)
    assert lengths == [len(first.clip(p)) for p in phrases]
    assert cold.calls == made

    warm = CountingEngine()
    second = Speech(cache_dir=tmp_path, engine=warm)
    assert [second.samples(p) for p in phrases] == lengths
    for phrase in phrases:
        np.testing.assert_array_equal(second.clip(phrase), first.clip(phrase))
    second.prepare(phrases)
    assert warm.calls == []


@pytest.mark.engine
def test_a_clip_spoken_at_another_rate_than_asked_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = voice_engine._espeak_current_rate
    real_wait = Pyttsx3Engine._wait_idle
    readings: list[int] = []
    waiting = False

    def first_one_dropped() -> int:
        # The first reading after a phrase reports the start-up rate, as when espeak-ng
        # dropped the change after the engine had looked ready.
        if waiting:
            return real()
        readings.append(200 if not readings else real())
        return readings[-1]

    def wait_idle(self: Pyttsx3Engine, rate: int | None = None) -> None:
        nonlocal waiting
        waiting = True
        try:
            real_wait(self, rate)
        finally:
            waiting = False

    monkeypatch.setattr(voice_engine, "_espeak_current_rate", first_one_dropped)
    monkeypatch.setattr(Pyttsx3Engine, "_wait_idle", wait_idle)
    voice = Speech(VoiceSettings(rate=150), tmp_path, engine=Pyttsx3Engine())
    clip = voice.clip("Breathe out slowly")
    assert readings == [200, 150]
    assert voice.synthesized == 1
    assert len(clip) == voice.samples("Breathe out slowly")


@pytest.mark.engine
def test_rate_and_volume_change_the_clip(tmp_path: Path) -> None:
    text = "Slowly lower your knees"
    plain = Speech(cache_dir=tmp_path).clip(text)
    slow = Speech(VoiceSettings(rate=100), tmp_path).clip(text)
    quiet = Speech(VoiceSettings(volume=0.25), tmp_path).clip(text)
    assert len(slow) > 1.4 * len(plain)
    assert peak_db(quiet) < peak_db(plain) - 6.0
    # The engine is shared: a Speech that asks for the defaults gets them back
    # (espeak-ng's lengths vary by a few samples between runs).
    again = Speech(cache_dir=tmp_path / "again").clip(text)
    assert abs(len(again) - len(plain)) < SAMPLE_RATE // 100
    assert abs(peak_db(again) - peak_db(plain)) < 1.0


VOICE_LENGTHS = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from voicecoach.audio.speech import Speech, VoiceSettings
    text = "Slowly lower your knees"
    for voice in sys.argv[2:]:
        settings = VoiceSettings(voice=voice or None)
        print(len(Speech(settings, Path(sys.argv[1]) / voice).clip(text)))
    """
)


@pytest.mark.engine
def test_the_voice_changes_the_clip(tmp_path: Path) -> None:
    # In its own process: after a voice of another language, espeak-ng keeps some of that
    # language's state and speaks the default voice a little slower for the rest of the run.
    out = subprocess.run(
        [sys.executable, "-c", VOICE_LENGTHS, str(tmp_path), "", "de"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    default, german = (int(n) for n in out.split())
    # A German voice reads English its own way, far beyond the few samples of run-to-run noise.
    assert abs(german - default) > SAMPLE_RATE // 10


def damage_truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def damage_garbage(path: Path) -> None:
    path.write_bytes(np.random.default_rng(7).bytes(path.stat().st_size))


def damage_samples(path: Path) -> None:
    blob = bytearray(path.read_bytes())
    blob[200:260] = b"\xff" * 60
    path.write_bytes(bytes(blob))


def damage_empty(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.engine
@pytest.mark.parametrize(
    "damage",
    [damage_truncate, damage_garbage, damage_samples, damage_empty],
    ids=lambda f: f.__name__,
)
def test_a_damaged_entry_is_made_again(tmp_path: Path, damage: Callable[[Path], None]) -> None:
    text = "Bird dog"
    original = Speech(cache_dir=tmp_path, engine=default_engine()).clip(text)  # espeak-ng's
    engine = CountingEngine()
    voice = Speech(cache_dir=tmp_path, engine=engine)
    damage(voice.path(text))
    length = voice.samples(text)
    clip = voice.clip(text)
    assert engine.calls == [text]
    assert len(clip) == length
    assert abs(len(clip) - len(original)) < SAMPLE_RATE // 20
    assert peak_db(clip) > -20.0
    assert entry_frames(voice.path(text)) is not None
    assert read_entry(voice.path(text)) is not None
    assert leftovers(tmp_path) == []


@pytest.mark.engine
def test_nothing_reaches_stdout(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    voice = Speech(cache_dir=tmp_path)
    voice.prepare(["Glute bridge", "Lift your hips", "Glute bridge"])
    voice.clip("Lift your hips")
    out, _ = capfd.readouterr()
    assert out == ""
    assert voice.synthesized == 2


@pytest.mark.engine
def test_threads_share_the_engine_safely(tmp_path: Path) -> None:
    import threading

    engine = CountingEngine()
    phrases = [f"Hold for {n} breaths" for n in range(2, 10)]
    clips: dict[str, Audio] = {}
    errors: list[BaseException] = []

    def work(part: list[str]) -> None:
        voice = Speech(cache_dir=tmp_path / "threads", engine=engine)
        try:
            for phrase in part:
                clips[phrase] = voice.clip(phrase)
        except BaseException as err:  # reported below, not lost in the thread
            errors.append(err)

    threads = [threading.Thread(target=work, args=(phrases[n::4],), daemon=True) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "the engine deadlocked"
    assert errors == []
    assert sorted(clips) == sorted(phrases)
    for clip in clips.values():
        assert 0.8 < len(clip) / SAMPLE_RATE < 3.0 and peak_db(clip) > -20.0
    # Each phrase once; an overlapping run loop would have failed and been tried again.
    assert len(engine.calls) <= len(phrases) + 1


WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from voicecoach.audio.speech import Speech, VoiceSettings
    cache, ready, go = (Path(a) for a in sys.argv[1:4])
    phrases = sys.argv[4:]
    voice = Speech(VoiceSettings(voice="espeak:"), cache_dir=cache)  # espeak-ng's own
    voice.engine.voices()  # start the engine before the race
    ready.touch()
    while not go.exists():
        time.sleep(0.001)
    voice.prepare(phrases)
    for phrase in phrases:
        assert voice.samples(phrase) == len(voice.clip(phrase)) > 0
    print(voice.synthesized)
    """
)


@pytest.mark.engine
def test_two_processes_sharing_a_cold_cache_do_not_corrupt_it(
    tmp_path: Path, children: list[subprocess.Popen[str]]
) -> None:
    cache = tmp_path / "shared"
    go = tmp_path / "go"
    phrases = ["Child's pose", "Pelvic tilt", "Knee to chest", "Two", "One", "Rest"]
    ready = [tmp_path / f"ready{n}" for n in range(2)]
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(cache), str(flag), str(go), *phrases],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for flag in ready
    ]
    children.extend(runs)  # killed and their pipes closed if the test fails
    deadline = time.monotonic() + 60
    while not all(flag.exists() for flag in ready) and time.monotonic() < deadline:
        time.sleep(0.005)
    go.touch()  # both start writing the same entries at once
    results = [run.communicate(timeout=120) for run in runs]
    for run, (_, err) in zip(runs, results, strict=True):
        assert run.returncode == 0, err
    assert sum(int(out) for out, _ in results) >= len(phrases)
    assert leftovers(cache) == []
    assert len(list(cache.glob("*.wav"))) == len(phrases)
    # Same key as the writers' (engine "espeak"), but any synthesis would fail.
    reader = Speech(cache_dir=cache, engine=FakeEngine(np.zeros(0, np.float32), name="espeak"))
    for phrase in phrases:
        assert read_entry(reader.path(phrase)) is not None
        assert reader.samples(phrase) == len(reader.clip(phrase))
    assert reader.synthesized == 0


@pytest.mark.engine
def test_installed_voices_are_listed_and_filtered() -> None:
    voices = list_voices()
    assert voices and all(isinstance(v, Voice) for v in voices)
    assert len({v.id for v in voices}) == len(voices)
    english = list_voices("en")
    assert english and len(english) < len(voices)
    assert all(any(lang.split("-")[0] == "en" for lang in v.languages) for v in english)
    american = [v.id for v in list_voices("en-us")]
    assert "gmw/en-us" in american
    assert all(i.startswith("gmw/en-us") for i in american)


@pytest.mark.engine
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("gmw/en-us", "gmw/en-us"),
        ("GMW/EN-US", "gmw/en-us"),
        ("English (America)", "gmw/en-us"),
        ("en-us", "gmw/en-us"),
        ("en", "gmw/en"),
        ("de", "gmw/de"),
        ("fr", "roa/fr"),
        ("english", "gmw/en"),
    ],
)
def test_a_voice_is_found_by_id_name_or_language(query: str, expected: str) -> None:
    assert Pyttsx3Engine().resolve(query) == expected


@pytest.mark.engine
def test_an_unknown_voice_says_how_to_find_one(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="voicecoach voices"):
        Speech(VoiceSettings(voice="no-such-voice"), tmp_path).clip("Hold")
    assert not tmp_path.exists() or list(tmp_path.glob("*.wav")) == []


# --- the command line -----------------------------------------------------------------------


@pytest.mark.engine
def test_voices_command_lists_id_name_and_language(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(["voices", "--language", "en-us"], capsys) == (
        0,
        "piper      piper:en_US-joe-medium  en_US-joe-medium                  en-us\n"
        "espeak-ng  gmw/en-us               English (America)                 en-us\n"
        "espeak-ng  gmw/en-us-nyc           English (America, New York City)  en-us-nyc\n",
        "",
    )
    code, out, err = run_main(["voices"], capsys)
    assert (code, err) == (0, "")
    assert len(out.splitlines()) == len(list_voices()) + 1  # and the Piper voice
    assert "espeak-ng  gmw/de  " in out


@pytest.mark.engine
def test_voices_command_with_an_unknown_language(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(["voices", "--language", "xx"], capsys) == (
        1,
        "",
        "Error: no installed voice speaks 'xx': `voicecoach voices` lists them all\n",
    )


@pytest.mark.usefixtures("no_espeak")
def test_voices_command_without_an_engine(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from voicecoach.audio import neural

    monkeypatch.setattr(neural, "installed_voices", list)  # no Piper voice either
    code, out, err = run_main(["voices"], capsys)
    assert (code, out) == (1, "")
    assert err.startswith("Error: no voice engine: pyttsx3 could not start its espeak driver")
    assert "sudo apt-get install espeak-ng" in err
    assert err.count("\n") == 1


def test_voice_options_override_the_settings_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import click
    from click.testing import CliRunner

    from voicecoach.cliparams import voice_options

    monkeypatch.setenv("VOICECOACH_CONFIG_DIR", str(tmp_path))
    (tmp_path / "settings.toml").write_text('voice = "en-us"\nrate = 150\nvolume = 0.8\n')
    seen: list[VoiceSettings] = []

    @click.command()
    @click.argument("name")
    @voice_options
    def speak(name: str, voice_settings: VoiceSettings) -> None:
        seen.append(voice_settings)

    runner = CliRunner()
    assert runner.invoke(speak, ["x"]).exit_code == 0
    assert runner.invoke(speak, ["x", "--voice", "de", "--rate", "120"]).exit_code == 0
    assert runner.invoke(speak, ["x", "--volume", "0.5"]).exit_code == 0
    assert seen == [
        VoiceSettings("en-us", 150, 0.8),
        VoiceSettings("de", 120, 0.8),
        VoiceSettings("en-us", 150, 0.5),
    ]
    bad = runner.invoke(speak, ["x", "--volume", "0"])
    assert bad.exit_code == 2 and "--volume" in bad.output


# --- entries and cache folders that are not what they should be -------------------------


def fifo_entry(path: Path) -> None:
    os.mkfifo(path)


def link_loop_entry(path: Path) -> None:
    path.symlink_to(path.name)  # a link to itself


def endless_entry(path: Path) -> None:
    path.symlink_to("/dev/zero")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
@pytest.mark.parametrize("make", [fifo_entry, link_loop_entry, endless_entry])
def test_an_entry_that_is_not_a_regular_file_is_a_miss(
    tmp_path: Path, make: Callable[[Path], None]
) -> None:
    engine = FakeEngine(tone(0.3))
    voice = Speech(cache_dir=tmp_path, engine=engine)
    entry = voice.path("Hold")
    make(entry)
    started = time.monotonic()
    assert entry_frames(entry) is None
    assert read_entry(entry) is None
    assert len(voice.clip("Hold")) == len(tone(0.3))  # made again, and stored in its place
    assert time.monotonic() - started < 5
    assert entry.is_file() and not entry.is_symlink()
    assert engine.calls == ["Hold"]


def test_a_device_entry_is_a_miss(tmp_path: Path) -> None:
    entry = Speech(cache_dir=tmp_path, engine=FakeEngine(tone(0.3))).path("Hold")
    try:
        os.mknod(entry, 0o600 | __import__("stat").S_IFCHR, os.makedev(1, 5))  # /dev/zero
    except (OSError, AttributeError):
        pytest.skip("making a device node needs root")
    assert entry_frames(entry) is None
    assert read_entry(entry) is None


@pytest.mark.engine
@pytest.mark.parametrize("where", ["a-file", "a-file/under-it"])
def test_export_with_a_cache_that_is_not_a_folder_plays_and_keeps_nothing(
    tmp_path: Path, where: str
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where the cache folder should be")
    out = tmp_path / "out.wav"
    env = dict(os.environ, VOICECOACH_CACHE_DIR=str(tmp_path / where))
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "export", "quick-start", "-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert soundfile.info(str(out)).duration > 30
    assert blocker.read_text() == "a file where the cache folder should be"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "out.wav"]
