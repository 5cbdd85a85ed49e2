"""When the sound has to wait for the program: a quick start whose program loads slower
than its stored opening lasts, or a render that falls behind. The silence the device
then plays is not in the export; every cue stays whole, and the player says by how much
the rest of the session is late."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from player_fakes import (
    LEAD,
    MINI,
    START,
    FakeClock,
    FakeOutput,
    ScriptedKeys,
    fake_chime,
    fake_speech,
    run_player,
)

from voicecoach.audio.render import render
from voicecoach.audio.samples import Audio, Pcm
from voicecoach.compile.compiler import compile_routine
from voicecoach.compile.cuescript import SAMPLE_RATE as SR
from voicecoach.compile.cuescript import CueScript
from voicecoach.compile.estimate import estimate_speech_samples
from voicecoach.play.ahead import to_pcm
from voicecoach.play.player import Player
from voicecoach.play.stream import Feed
from voicecoach.routine.load import load_routine


@pytest.fixture(scope="module")
def mini() -> CueScript:
    return compile_routine(load_routine(MINI), estimate_speech_samples)


@pytest.fixture(scope="module")
def reference(mini: CueScript) -> Pcm:
    return to_pcm(np.concatenate(list(render(mini, fake_speech, fake_chime))))


def late_take_over(script: CueScript, opening: Pcm, late: float) -> tuple[FakeOutput, list[str]]:
    """The quick start's stream plays ``opening`` and then ``late`` seconds of nothing
    (still expecting more) before the player has loaded and takes it over."""
    clock = FakeClock()
    device = FakeOutput(clock)
    playing = opening.astype("<i2").tobytes()
    device.feed.put(playing, -LEAD)
    device.advance(START + len(opening) / SR + min(late, 0.0))
    device.feed.expect(True)  # as warmstart leaves it: more is on its way
    while len(device.pulled) < 2 * round((len(opening) / SR + late) * SR):  # a real device
        buffer = bytearray(2 * 1024)  # does not wait for the program: it plays silence
        device.feed.pull(buffer, 1024, device.latency)
        device.pulled += buffer
        clock.now = START + len(device.pulled) / 2 / SR
    warnings: list[str] = []

    def source(start: int) -> Iterator[Audio]:
        return render(script, fake_speech, fake_chime, start=start)

    result = Player(
        script,
        source,
        device,
        controls=ScriptedKeys(device, []),
        clock=clock,
        opening=playing,
        warn=warnings.append,
    ).run()
    assert result.completed
    return device, warnings


def stored_opening(mini: CueScript) -> Pcm:
    kept: list[Pcm] = []
    run_player(mini, kept=kept)
    return kept.pop()


def test_a_program_slower_than_its_opening_is_reported_and_no_cue_is_cut(
    mini: CueScript, reference: Pcm
) -> None:
    opening = stored_opening(mini)
    device, warnings = late_take_over(mini, opening, 2.0)
    heard = device.heard()
    end = len(opening) - LEAD  # the script sample the opening ends at, inside a silence
    assert np.array_equal(heard[: len(opening)], opening)
    # The wait: where the rest of the session was heard, against where the export has it.
    gap = int(np.flatnonzero(heard[len(opening) :])[0] - np.flatnonzero(reference[end:])[0])
    assert abs(gap - 2 * SR) <= 1024  # the device's buffer size
    assert not heard[len(opening) : len(opening) + gap].any()
    rest = reference[end:]
    assert np.array_equal(heard[len(opening) + gap : len(opening) + gap + len(rest)], rest)
    assert not np.any(reference[end - SR // 10 : end + SR // 10])  # no cue was cut there
    (warning,) = warnings
    assert warning.startswith(f"the sound waited {gap / SR:.2f} s for the program near 0:")
    assert "later than the export" in warning


def test_a_take_over_in_time_says_nothing(mini: CueScript, reference: Pcm) -> None:
    opening = stored_opening(mini)
    device, warnings = late_take_over(mini, opening, -1.0)  # a second of it still to play
    assert warnings == []
    heard = device.heard()
    assert np.array_equal(heard[LEAD : LEAD + mini.length], reference)


def test_the_feed_counts_the_silence_played_while_audio_was_expected() -> None:
    feed = Feed(SR)
    feed.put(bytes(200), 0)
    out = bytearray(2 * 300)
    feed.pull(out, 300, 0.0)
    assert feed.starved == 0  # nothing more was expected: the end, or a pause
    feed.expect(True)
    feed.pull(out, 300, 0.0)
    assert (feed.starved, feed.underruns) == (300, 1)
    feed.put(bytes(200), 100)
    feed.pull(out, 300, 0.0)
    assert feed.starved == 500
    assert feed.behind == 0  # a glitch: won back in the silences after it, not reported
