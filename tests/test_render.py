"""Rendering: placement to the sample, silence between cues, seeking, gains, flat memory."""

from __future__ import annotations

import threading
import time
import tracemalloc
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voicecoach.audio.render import (
    ClipSource,
    RenderError,
    chime_source,
    first_cue,
    read_ahead,
    render,
)
from voicecoach.audio.samples import Audio
from voicecoach.audio.session import PreparedSession, prepare_session
from voicecoach.audio.sounds import load_chime
from voicecoach.compile.compiler import CompileOptions, compile_routine
from voicecoach.compile.cuescript import Chapter, Cue, CueScript, CueType
from voicecoach.routine.model import Exercise, Routine, WorkKind


def tone(length: int, value: float) -> Audio:
    """A clip whose every sample is ``value``: any misplacement shows in the sum."""
    return np.full(length, value, dtype=np.float32)


def ramp(length: int, offset: float) -> Audio:
    """A clip whose samples all differ, so an off-by-one inside a clip shows too."""
    return (offset + np.arange(length, dtype=np.float32) / 1_000_000).astype(np.float32)


SPEECH_LENGTHS = {"hello": 3000, "hold still": 5000, "one": 700, "long phrase": 9000}
CHIME_LENGTHS = {"hold": 1200, "release": 1300, "done": 2000}


def fake_speech(text: str) -> Audio:
    return ramp(SPEECH_LENGTHS[text], 0.25)


def fake_chime(name: str) -> Audio:
    return tone(CHIME_LENGTHS[name], -0.5)


def speech_cue(start: int, text: str) -> Cue:
    return Cue(start=start, length=SPEECH_LENGTHS[text], type=CueType.SPEECH, text=text)


def chime_cue(start: int, sound: str) -> Cue:
    return Cue(start=start, length=CHIME_LENGTHS[sound], type=CueType.CHIME, sound=sound)


def make_script(cues: list[Cue], length: int) -> CueScript:
    return CueScript(
        routine_id="test",
        routine_name="Test",
        length=length,
        chapters=(Chapter(title="Only", start=0, end=length, exercise=0),),
        cues=tuple(cues),
    )


def expected_audio(script: CueScript) -> Audio:
    """The reference: the whole session built in one array (fine for small tests)."""
    out = np.zeros(script.length, dtype=np.float32)
    for cue in script.cues:
        clip = fake_speech(cue.text) if cue.type is CueType.SPEECH else fake_chime(cue.sound)
        out[cue.start : cue.end] += clip[: max(0, min(cue.end, script.length) - cue.start)]
    return out


SCRIPT = make_script(
    [
        speech_cue(0, "hello"),
        chime_cue(4000, "hold"),
        speech_cue(9001, "hold still"),
        speech_cue(14_001, "one"),
        chime_cue(20_000, "release"),
        chime_cue(30_000, "done"),
    ],
    33_000,
)


def joined(chunks: Iterator[Audio]) -> Audio:
    parts = list(chunks)
    assert all(part.dtype == np.float32 and part.ndim == 1 for part in parts)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


@pytest.mark.parametrize("chunk", [1, 7, 1000, 4096, 40_000])
def test_every_cue_lands_on_its_sample_whatever_the_chunk_size(chunk: int) -> None:
    audio = joined(render(SCRIPT, fake_speech, fake_chime, chunk=chunk))
    assert len(audio) == SCRIPT.length
    np.testing.assert_array_equal(audio, expected_audio(SCRIPT))
    for cue in SCRIPT.cues:
        clip = fake_speech(cue.text) if cue.type is CueType.SPEECH else fake_chime(cue.sound)
        np.testing.assert_array_equal(audio[cue.start : cue.end], clip)


def test_silence_between_cues_and_chunk_sizes() -> None:
    chunks = list(render(SCRIPT, fake_speech, fake_chime, chunk=4096))
    assert [len(c) for c in chunks[:-1]] == [4096] * (len(chunks) - 1)
    assert len(chunks[-1]) == SCRIPT.length - 4096 * (len(chunks) - 1)
    audio = np.concatenate(chunks)
    assert not audio[3000:4000].any()
    assert not audio[5200:9001].any()
    assert not audio[21_300:30_000].any()
    assert not audio[32_000:].any()


@pytest.mark.parametrize("start", [0, 1, 2999, 3000, 4500, 9001, 14_700, 32_999, 33_000])
def test_start_seeks_into_the_same_audio(start: int) -> None:
    audio = joined(render(SCRIPT, fake_speech, fake_chime, start=start, chunk=1024))
    np.testing.assert_array_equal(audio, expected_audio(SCRIPT)[start:])


def test_start_beyond_either_end_is_clamped() -> None:
    assert len(joined(render(SCRIPT, fake_speech, fake_chime, start=-50))) == SCRIPT.length
    assert len(joined(render(SCRIPT, fake_speech, fake_chime, start=10**9))) == 0


def test_seek_fetches_only_the_clips_it_plays() -> None:
    fetched: list[str] = []

    def speech(text: str) -> Audio:
        fetched.append(text)
        return fake_speech(text)

    list(render(SCRIPT, speech, fake_chime, start=14_000))
    assert fetched == ["hold still", "one"]


def test_clips_are_fetched_only_when_their_chunk_is_reached() -> None:
    fetched: list[str] = []

    def speech(text: str) -> Audio:
        fetched.append(text)
        return fake_speech(text)

    stream = render(SCRIPT, speech, fake_chime, chunk=4000)
    next(stream)
    assert fetched == ["hello"]
    next(stream)
    next(stream)
    assert fetched == ["hello", "hold still"]


def test_first_cue_finds_the_cue_under_way() -> None:
    assert first_cue(SCRIPT, 0) == 0
    assert first_cue(SCRIPT, 2999) == 0
    assert first_cue(SCRIPT, 3000) == 1
    assert first_cue(SCRIPT, 5199) == 1
    assert first_cue(SCRIPT, 5200) == 2
    assert first_cue(SCRIPT, 33_000) == len(SCRIPT.cues)


def test_gains_scale_voice_and_chimes_separately() -> None:
    audio = joined(render(SCRIPT, fake_speech, fake_chime, voice_gain=0.5, chime_gain=2.0))
    reference = expected_audio(SCRIPT)
    np.testing.assert_allclose(audio[:3000], reference[:3000] * 0.5, rtol=1e-6)
    np.testing.assert_array_equal(audio[4000:5200], np.full(1200, -1.0, dtype=np.float32))


def test_overlapping_clips_are_added_and_clipped() -> None:
    script = make_script([speech_cue(0, "hello"), speech_cue(1000, "hello")], 5000)

    def loud(text: str) -> Audio:
        return tone(SPEECH_LENGTHS[text], 0.7)

    audio = joined(render(script, loud, fake_chime, chunk=512))
    assert audio[500] == pytest.approx(0.7)
    assert audio[1500] == pytest.approx(1.0)
    assert audio[3500] == pytest.approx(0.7)
    assert audio[4500] == 0.0


def test_a_cue_running_past_the_end_is_cut_at_the_end() -> None:
    script = make_script([speech_cue(1000, "hello")], 2000)
    audio = joined(render(script, fake_speech, fake_chime))
    np.testing.assert_array_equal(audio[1000:], fake_speech("hello")[:1000])


def test_a_speech_clip_of_another_length_is_a_clear_error() -> None:
    def longer(text: str) -> Audio:
        return tone(SPEECH_LENGTHS[text] + 1, 0.1)

    with pytest.raises(RenderError, match=r"'hello' is 3001 samples long but the script gives"):
        list(render(SCRIPT, longer, fake_chime))


def test_a_chime_of_another_length_is_a_clear_error() -> None:
    with pytest.raises(RenderError, match=r"chime 'hold' is 10 samples long"):
        list(render(SCRIPT, fake_speech, lambda name: tone(10, 0.1)))


def test_a_hold_shorter_than_its_chime_gets_the_chime_cut_short_and_faded() -> None:
    from voicecoach.audio.sounds import load_chime
    from voicecoach.compile.compiler import compile_routine
    from voicecoach.routine.model import Exercise, Routine, WorkKind

    routine = Routine("tiny", "Tiny", (Exercise("Blink", WorkKind.HOLD, hold=0.3),))
    script = compile_routine(routine)
    hold = next(c for c in script.cues if c.sound == "hold")
    release = next(c for c in script.cues if c.sound == "release")
    assert hold.length < len(load_chime("hold"))
    assert release.start - hold.start == round(0.3 * 22050)

    audio = np.concatenate(list(render(script, fake_speech_for(script), load_chime)))
    played = audio[hold.start : hold.end]
    np.testing.assert_array_equal(played[:-200], load_chime("hold")[: hold.length - 200])
    assert played[-1] == 0.0
    assert np.all(
        np.abs(played[-20:]) <= np.abs(load_chime("hold")[hold.length - 20 : hold.length])
    )
    np.testing.assert_array_equal(audio[release.start : release.end], load_chime("release"))


def fake_speech_for(script: CueScript) -> ClipSource:
    lengths = {c.text: c.length for c in script.cues if c.type is CueType.SPEECH}
    return lambda text: tone(lengths[text], 0.1)


def test_stereo_clip_is_rejected() -> None:
    with pytest.raises(RenderError, match="not mono"):
        list(render(SCRIPT, lambda text: np.zeros((3000, 2), np.float32), fake_chime))


def test_chunk_must_be_positive() -> None:
    with pytest.raises(ValueError, match="chunk must be positive"):
        render(SCRIPT, fake_speech, fake_chime, chunk=0)


def test_chime_source_loads_each_chime_once() -> None:
    loads: list[str] = []

    def load(name: str) -> Audio:
        loads.append(name)
        return fake_chime(name)

    source = chime_source(load)
    script = make_script([chime_cue(i * 3000, "hold") for i in range(10)], 31_000)
    list(render(script, fake_speech, source))
    assert loads == ["hold"]


def long_script(minutes: int) -> CueScript:
    """A script with a cue every 5 s, as dense as a real session's."""
    length = minutes * 60 * 22050
    step = 5 * 22050
    cues = [speech_cue(at, "long phrase") for at in range(0, length - 9000, step)]
    return make_script(cues, length)


def peak_render_memory(script: CueScript) -> int:
    tracemalloc.start()
    try:
        for _ in render(script, fake_speech, fake_chime):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_session_length() -> None:
    short = peak_render_memory(long_script(2))
    long = peak_render_memory(long_script(60))
    # A clip is 36 kB and a chunk 16 kB; the whole hour would be 317 MB.
    assert long < 200_000
    assert long < short * 1.5 + 20_000


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(st.integers(min_value=0, max_value=3000), min_size=1, max_size=8),
    texts=st.lists(st.sampled_from(sorted(SPEECH_LENGTHS)), min_size=8, max_size=8),
    tail=st.integers(min_value=0, max_value=2000),
    chunk=st.integers(min_value=1, max_value=5000),
    start=st.integers(min_value=0, max_value=60_000),
)
def test_any_script_renders_to_its_reference(
    gaps: list[int], texts: list[str], tail: int, chunk: int, start: int
) -> None:
    cues = []
    at = 0
    for gap, text in zip(gaps, texts[: len(gaps)], strict=True):
        at += gap
        cues.append(speech_cue(at, text))
        at += SPEECH_LENGTHS[text]
    script = make_script(cues, at + tail)
    audio = joined(render(script, fake_speech, fake_chime, start=start, chunk=chunk))
    np.testing.assert_array_equal(audio, expected_audio(script)[start:])


def test_read_ahead_yields_the_same_chunks() -> None:
    direct = list(render(SCRIPT, fake_speech, fake_chime, chunk=1000))
    ahead = list(read_ahead(render(SCRIPT, fake_speech, fake_chime, chunk=1000), depth=2))
    assert len(ahead) == len(direct)
    for a, b in zip(ahead, direct, strict=True):
        np.testing.assert_array_equal(a, b)


def test_read_ahead_raises_a_render_error_in_the_consumer() -> None:
    def longer(text: str) -> Audio:
        return tone(SPEECH_LENGTHS[text] + 1, 0.1)

    with pytest.raises(RenderError, match="samples long"):
        list(read_ahead(render(SCRIPT, longer, fake_chime)))


def test_closing_read_ahead_stops_its_thread() -> None:
    produced: list[int] = []

    def endless() -> Iterator[Audio]:
        index = 0
        while True:
            produced.append(index)
            index += 1
            yield tone(10, 0.0)

    before = set(threading.enumerate())
    stream = read_ahead(endless(), depth=3)
    next(stream)
    started = [t for t in threading.enumerate() if t not in before]
    assert [t.name for t in started] == ["voicecoach-render"]
    stream.close()
    assert not started[0].is_alive()
    count = len(produced)
    time.sleep(0.1)
    assert len(produced) == count <= 6


# --- sessions: gains that travel with them, and sessions without a voice ------------------


def test_a_session_renders_at_its_own_gains_unless_given_others() -> None:
    session = PreparedSession(SCRIPT, fake_speech, fake_chime, voice_gain=0.5, chime_gain=0.25)
    scaled = joined(render(SCRIPT, fake_speech, fake_chime, voice_gain=0.5, chime_gain=0.25))
    assert np.array_equal(joined(session.chunks()), scaled)
    assert np.array_equal(joined(session.chunks(chunk=777)), scaled)
    unscaled = joined(session.chunks(voice_gain=1.0, chime_gain=1.0))
    assert np.array_equal(unscaled, expected_audio(SCRIPT))
    plain = PreparedSession(SCRIPT, fake_speech, fake_chime)
    assert (plain.voice_gain, plain.chime_gain) == (1.0, 1.0)
    assert np.array_equal(joined(plain.chunks()), expected_audio(SCRIPT))


def test_a_session_without_a_voice_is_chimes_only_and_never_asks_for_speech() -> None:
    routine = Routine(
        "two",
        "Two",
        (
            Exercise("Bridge", WorkKind.REPS, reps=2, why="Strong glutes."),
            Exercise("Plank", WorkKind.HOLD, hold=3.0, sides=("left", "right")),
        ),
    )
    options = CompileOptions(explain=True)
    session = prepare_session(routine, None, options, chime_gain=0.5)
    chimes_only = CompileOptions(explain=True, voice=False)
    assert session.script == compile_routine(routine, options=chimes_only)
    assert {c.type for c in session.script.cues} == {CueType.CHIME}
    assert (session.voice_gain, session.chime_gain) == (1.0, 0.5)
    audio = joined(session.chunks())
    first = session.script.cues[0]
    np.testing.assert_array_equal(
        audio[first.start : first.end], load_chime(first.sound) * np.float32(0.5)
    )
    with pytest.raises(RenderError, match="without a voice"):
        session.speech("Bridge.")
