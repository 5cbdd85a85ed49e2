"""The cue script's own types: sample times, and the JSON every consumer reads."""

from __future__ import annotations

import json

import pytest

from voicecoach.compile.cuescript import (
    FORMAT,
    SAMPLE_RATE,
    Chapter,
    Cue,
    CueScript,
    CueType,
    to_samples,
    to_seconds,
)


@pytest.mark.parametrize(
    ("seconds", "samples"), [(0.0, 0), (1.0, SAMPLE_RATE), (0.5, 11025), (0.15, 3308)]
)
def test_seconds_become_the_nearest_whole_sample(seconds: float, samples: int) -> None:
    assert to_samples(seconds) == samples


def test_samples_become_seconds_to_the_microsecond() -> None:
    assert to_seconds(SAMPLE_RATE) == 1.0
    assert to_seconds(1) == 0.000045  # 1/22050 = 0.0000453...
    assert all(to_samples(to_seconds(n)) == n for n in range(0, 5 * SAMPLE_RATE, 997))


SPEECH = Cue(
    start=SAMPLE_RATE, length=SAMPLE_RATE // 2, type=CueType.SPEECH, text="Über", role="name"
)
CHIME = Cue(
    start=2 * SAMPLE_RATE,
    length=4410,
    type=CueType.CHIME,
    sound="hold",
    role="hold",
    exercise=0,
    round=1,
    side="left",
    set=2,
)


def test_a_cue_knows_its_end_and_its_times_in_seconds() -> None:
    assert (SPEECH.end, SPEECH.at, SPEECH.duration) == (SAMPLE_RATE * 3 // 2, 1.0, 0.5)


def test_speech_gives_its_text_and_leaves_out_what_is_unset() -> None:
    assert SPEECH.to_dict() == {
        "at": 1.0,
        "duration": 0.5,
        "type": "speech",
        "text": "Über",
        "role": "name",
    }


def test_a_chime_gives_its_sound_and_where_it_belongs() -> None:
    assert CHIME.to_dict() == {
        "at": 2.0,
        "duration": 0.2,
        "type": "chime",
        "sound": "hold",
        "role": "hold",
        "exercise": 0,
        "round": 1,
        "side": "left",
        "set": 2,
    }


def test_the_first_exercise_is_kept_although_its_index_is_0() -> None:
    assert Cue(0, 1, CueType.CHIME, sound="done", exercise=0).to_dict()["exercise"] == 0


def test_the_json_is_the_contract_format_and_reads_back() -> None:
    chapter = Chapter("Über", start=0, end=3 * SAMPLE_RATE, exercise=0)
    script = CueScript("r", "R", 3 * SAMPLE_RATE, (chapter,), (SPEECH, CHIME), language="de")
    text = script.to_json()
    assert text.endswith("}\n") and "Über" in text  # UTF-8, not \\u escapes
    assert json.loads(text) == {
        "format": FORMAT,
        "routine": {"id": "r", "name": "R"},
        "duration": 3.0,
        "sample_rate": SAMPLE_RATE,
        "language": "de",
        "chapters": [{"title": "Über", "start": 0.0, "end": 3.0, "exercise": 0, "round": 1}],
        "cues": [SPEECH.to_dict(), CHIME.to_dict()],
    }
    assert FORMAT == "voicecoach.cues/1"


def test_cues_are_frozen() -> None:
    with pytest.raises(AttributeError):
        SPEECH.start = 0  # type: ignore[misc]
