"""The chime set: the committed files match the table, are clean, distinct, level with the
voice, and are exactly what scripts/make_chimes.py makes."""

from __future__ import annotations

import itertools
import subprocess
import sys
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from voicecoach import resources
from voicecoach.audio import sounds
from voicecoach.audio.sounds import CHIME_SECONDS, ChimeError, chime_samples, load_chime
from voicecoach.compile.cuescript import SAMPLE_RATE

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "make_chimes.py"
NAMES = sorted(CHIME_SECONDS)

Audio = npt.NDArray[np.float32]


@pytest.fixture(autouse=True)
def fresh_chimes() -> Iterator[None]:
    load_chime.cache_clear()
    yield
    load_chime.cache_clear()


def db(value: float) -> float:
    return float(20 * np.log10(value))


def dominant_hz(audio: Audio) -> float:
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio))))
    return float(np.argmax(spectrum) * SAMPLE_RATE / len(audio))


def semitones(a: float, b: float) -> float:
    return float(abs(12 * np.log2(a / b)))


def active_rms_db(audio: Audio, frame: int = 441) -> float:
    """RMS over the 20 ms frames above -40 dBFS (the level while something sounds)."""
    frames = audio[: len(audio) // frame * frame].astype(np.float64).reshape(-1, frame)
    loud = frames[np.sqrt(np.mean(frames**2, axis=1)) > 0.01]
    return float(10 * np.log10(np.mean(loud**2)))


def onsets(audio: Audio, size: int = 1024, hop: int = 110) -> int:
    """Notes struck: peaks of spectral flux (new energy at any frequency, 5 ms steps) above a
    tenth of the first note's. Struck notes reach 0.2 and more; a ringing chord stays
    under 0.05."""
    window = np.hanning(size)
    starts = range(0, len(audio) - size + 1, hop)
    mags = np.array([np.abs(np.fft.rfft(audio[i : i + size] * window)) for i in starts])
    flux = np.maximum(0.0, np.diff(mags, axis=0, prepend=0.0)).sum(axis=1)
    floor = 0.1 * flux.max()
    return sum(
        1
        for i, value in enumerate(flux)
        if value > floor and value == flux[max(0, i - 4) : i + 5].max()
    )


@pytest.mark.parametrize("name", NAMES)
def test_each_chime_file_matches_the_table(name: str) -> None:
    path = resources.shipped_dir("sounds") / f"{name}.wav"
    with wave.open(str(path)) as wav:
        assert wav.getframerate() == SAMPLE_RATE
        assert wav.getnchannels() == 1
        assert wav.getsampwidth() == 2
        assert wav.getnframes() == chime_samples(name)


@pytest.mark.parametrize("name", NAMES)
def test_each_chime_is_clean_and_at_the_right_level(name: str) -> None:
    audio = load_chime(name)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert len(audio) == chime_samples(name)
    # Starts and ends on silence: no click at either edge.
    assert audio[0] == 0.0 and abs(audio[-1]) < 1e-4
    peak = float(np.max(np.abs(audio)))
    assert np.max(np.abs(audio[: round(0.001 * SAMPLE_RATE)])) < 0.15 * peak
    assert np.max(np.abs(audio[-round(0.002 * SAMPLE_RATE) :])) < 0.1 * peak
    assert -10.0 < db(peak) <= -5.9
    assert -19.0 < active_rms_db(audio) < -17.0


def test_load_chime_shares_one_read_only_array() -> None:
    first = load_chime("hold")
    assert load_chime("hold") is first
    with pytest.raises(ValueError):
        first[0] = 1.0


def test_the_chimes_are_easy_to_tell_apart() -> None:
    chimes = {name: load_chime(name) for name in NAMES}
    pitch = {name: dominant_hz(audio) for name, audio in chimes.items()}
    for a, b in itertools.combinations(NAMES, 2):
        assert semitones(pitch[a], pitch[b]) >= 2.0, (a, b, pitch[a], pitch[b])
    notes = {name: onsets(audio) for name, audio in chimes.items()}
    assert notes == {
        "hold": 2,
        "release": 2,
        "switch": 3,
        "done": 4,
        "tick": 1,
        "next": 1,
        "count": 1,
        "last": 2,
        "phase": 1,
        "rest": 2,
        "set": 2,
    }
    # hold rises, release falls: the pitch of the first note against the last.
    head = round(0.1 * SAMPLE_RATE)
    hold, release = chimes["hold"], chimes["release"]
    assert dominant_hz(hold[-3 * head :]) > 1.2 * dominant_hz(hold[:head])
    assert dominant_hz(release[-3 * head :]) < 0.8 * dominant_hz(release[:head])
    # rest falls too, but lower, slower and warmer than release; set repeats one note.
    rest, again = chimes["rest"], chimes["set"]
    assert dominant_hz(rest[-3 * head :]) < 0.9 * dominant_hz(rest[:head])
    assert pitch["rest"] < 0.6 * pitch["release"]
    assert semitones(dominant_hz(again[:head]), dominant_hz(again[-3 * head :])) < 0.5


def test_the_script_makes_the_committed_files_bit_for_bit(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.wav" for n in NAMES)
    committed = resources.shipped_dir("sounds")
    for name in NAMES:
        assert (tmp_path / f"{name}.wav").read_bytes() == (committed / f"{name}.wav").read_bytes()
    same = subprocess.run(
        [sys.executable, str(SCRIPT), "--check", "--out", str(tmp_path)],
        capture_output=True,
        timeout=120,
    )
    assert same.returncode == 0
    (tmp_path / "tick.wav").write_bytes(b"RIFF")
    check = subprocess.run(
        [sys.executable, str(SCRIPT), "--check", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 1
    assert "tick.wav" in check.stderr


def test_a_missing_or_wrong_chime_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resources, "shipped_dir", lambda name: tmp_path)
    with pytest.raises(ChimeError, match=r"'hold' cannot be read .*make_chimes.py"):
        load_chime("hold")
    with wave.open(str(tmp_path / "hold.wav"), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(bytes(2 * (chime_samples("hold") - 1)))
    with pytest.raises(ChimeError, match=f"not {chime_samples('hold')} samples"):
        load_chime("hold")
    with pytest.raises(KeyError):
        load_chime("gong")


@pytest.mark.engine
def test_chimes_are_about_as_loud_as_the_voice(tmp_path: Path) -> None:
    from voicecoach.audio.speech import Speech

    voice = Speech(cache_dir=tmp_path)
    speech = np.mean([active_rms_db(voice.clip(t)) for t in ("Hold", "Switch sides", "Three")])
    for name in NAMES:
        assert abs(active_rms_db(load_chime(name)) - speech) < 4.0, name


def test_every_chime_the_table_names_is_shipped() -> None:
    shipped = sorted(p.stem for p in resources.shipped_dir("sounds").glob("*.wav"))
    assert shipped == NAMES
    assert {"hold", "release", "switch", "done"} <= set(sounds.CHIME_SECONDS)
