"""What the history keeps of a play's options (``play.recorded.played_options``)."""

from __future__ import annotations

from voicecoach.audio.speech import VoiceSettings
from voicecoach.compile.compiler import CompileOptions
from voicecoach.compile.overrides import Overrides, SessionOptions
from voicecoach.play.recorded import played_options


def test_the_overrides_given_and_the_voice_are_kept() -> None:
    options = SessionOptions(
        overrides=Overrides(hold=20.0, rounds=2),
        compile_options=CompileOptions(explain=True),
        voice=VoiceSettings(voice="gmw/en-gb", rate=150, volume=0.8),
        chime_gain=0.6,
    )
    assert played_options(options, "espeak:gmw/en-gb") == {
        "hold": 20.0,
        "rounds": 2,
        "voice": "espeak:gmw/en-gb",
        "rate": 150,
        "volume": 0.8,
        "explain": True,
        "chime_volume": 0.6,
    }


def test_a_session_without_a_voice_says_so() -> None:
    options = SessionOptions(compile_options=CompileOptions(voice=False), chime_gain=1.0)
    assert played_options(options, None) == {"no_voice": True, "chime_volume": 1.0}
