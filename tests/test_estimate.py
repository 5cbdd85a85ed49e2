"""The speech-length estimate: close to what espeak-ng's default voice takes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import soundfile

from voicecoach.compile.estimate import estimate_speech_samples

# Lengths in samples that espeak-ng 1.51 (default voice, 175 words a minute) produced here.
MEASURED = {
    "One.": 14073,
    "Last one.": 20144,
    "10 seconds left.": 30865,
    "Switch sides. Right side.": 46521,
    "Next up: Hip flexor stretch.": 49994,
    "Round 2 of 3.": 27639,
    "Move slowly and breathe. Stop if you feel sharp pain.": 75769,
    "On hands and knees, round your back up, then let your belly sink.": 89633,
    "Lie on your back with your knees bent and feet flat on the floor, arms by your sides.": 103751,
}


@pytest.mark.parametrize(("text", "samples"), MEASURED.items())
def test_estimate_is_close_to_espeak(text: str, samples: int) -> None:
    assert abs(estimate_speech_samples(text) / samples - 1) < 0.25


def test_estimate_reads_digits_as_words() -> None:
    assert estimate_speech_samples("10 seconds left.") == estimate_speech_samples(
        "Ten seconds left."
    )
    assert estimate_speech_samples("Set 1234 of 5678.") > estimate_speech_samples("Set 1 of 5.")


def test_estimate_grows_with_words_and_pauses() -> None:
    short = estimate_speech_samples("Lift your hips")
    assert estimate_speech_samples("Lift your hips and hold them up") > short
    assert estimate_speech_samples("Lift, your hips") > short
    assert estimate_speech_samples("Lift. Your hips") > estimate_speech_samples("Lift, your hips")
    assert estimate_speech_samples("") > 0


@pytest.mark.engine
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_estimate_against_the_real_voice(tmp_path: Path) -> None:
    texts = [
        "Get ready.",
        "Halfway.",
        "Set 3 of 4.",
        "Next up: Knee to chest.",
        "Slowly bring one knee toward your chest, keeping the other foot on the floor.",
        "Keep breathing; relax your shoulders, and let your knees fall to one side.",
    ]
    for k, text in enumerate(texts):
        out = tmp_path / f"{k}.wav"
        subprocess.run(["espeak-ng", "-w", str(out), "--", text], check=True, timeout=60)
        frames = soundfile.info(str(out)).frames
        assert abs(estimate_speech_samples(text) / frames - 1) < 0.3, text
