"""The live player: scheduling logic with a fake clock and device, then the real stack
through a PulseAudio null sink in real time (marked ``audio``)."""

from __future__ import annotations

import itertools
import os
import pty
import termios
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from voicecoach import player
from voicecoach.compiler import compile_routine, estimate_speech_samples
from voicecoach.cuescript import SAMPLE_RATE, CueScript, CueType
from voicecoach.errors import AudioDeviceError, VoiceEngineError
from voicecoach.player import (
    Audio,
    Pcm,
    PlaybackInterrupted,
    Player,
    PlayResult,
    TerminalControls,
    block_ends,
    cut_points,
    in_foreground,
    next_chapter_start,
    resume_point,
    status_text,
    this_chapter_start,
    to_pcm,
)
from voicecoach.render import render
from voicecoach.routine import load_routine
from voicecoach.sounds import chime_samples

SR = SAMPLE_RATE
MINI = Path(__file__).parent / "data" / "player" / "mini.yaml"
LEAD = round(player.LEAD_IN * SR)
START = 1000.0


# --- fakes: clips, a clock, keys and a device ------------------------------------------


def fake_speech(text: str) -> Audio:
    """Noise as long as the estimator says, different for every phrase, never zero."""
    rng = np.random.default_rng(zlib.crc32(text.encode()))
    noise: Audio = rng.uniform(0.05, 0.3, estimate_speech_samples(text)).astype(np.float32)
    sign = np.float32(1.0 if rng.random() < 0.5 else -1.0)
    signed: Audio = noise * sign
    return signed


def fake_chime(name: str) -> Audio:
    n = chime_samples(name)
    pitch = 400 + 100 * len(name)
    return (0.4 * np.sin(2 * np.pi * pitch * np.arange(n) / SR) + 0.01).astype(np.float32)


@pytest.fixture(scope="module")
def mini() -> CueScript:
    return compile_routine(load_routine(MINI), estimate_speech_samples)


@pytest.fixture(scope="module")
def reference(mini: CueScript) -> Pcm:
    """The whole session as an export renders it."""
    return to_pcm(np.concatenate(list(render(mini, fake_speech, fake_chime))))


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeVoice:
    clock: FakeClock
    started: float
    samples: Pcm
    dies_after: float | None = None
    stopped: float | None = None

    def stop(self) -> None:
        if self.stopped is None:
            self.stopped = self.clock.now

    def is_playing(self) -> bool:
        if self.stopped is not None:
            return False
        if self.dies_after is not None and self.clock.now >= self.started + self.dies_after:
            return False
        return self.clock.now < self.started + len(self.samples) / SR + 0.05


@dataclass
class FakeOutput:
    clock: FakeClock
    dies_after: float | None = None
    fail: AudioDeviceError | None = None
    voices: list[FakeVoice] = field(default_factory=list)
    stopped_all: int = 0

    def play(self, samples: Pcm) -> FakeVoice:
        if self.fail is not None:
            raise self.fail
        voice = FakeVoice(self.clock, self.clock.now, samples.copy(), self.dies_after)
        self.voices.append(voice)
        return voice

    def stop_all(self) -> None:
        self.stopped_all += 1

    def heard(self) -> Pcm:
        """What a listener hears: every block from its start, cut short where stopped."""
        ends = [v.started + len(v.samples) / SR for v in self.voices]
        canvas = np.zeros(round((max(ends) - START) * SR) + 1, dtype=np.int32)
        for voice in self.voices:
            offset = round((voice.started - START) * SR)
            count = len(voice.samples)
            if voice.stopped is not None:
                count = min(count, round((voice.stopped - voice.started) * SR))
            canvas[offset : offset + count] += voice.samples[:count]
        return canvas.astype(np.int16)


class ScriptedKeys:
    """Keys typed at given clock times; waiting moves the fake clock."""

    def __init__(self, clock: FakeClock, events: list[tuple[float, str]]) -> None:
        self.clock = clock
        self.events = sorted(events)

    def wait(self, timeout: float) -> str:
        if self.events and self.events[0][0] <= self.clock.now + timeout:
            at, keys = self.events.pop(0)
            self.clock.now = max(self.clock.now, at)
            if keys == "^C":
                raise KeyboardInterrupt
            return keys
        self.clock.now += timeout
        return ""


def run_player(
    script: CueScript,
    events: list[tuple[float, str]] = (),  # type: ignore[assignment]
    output: FakeOutput | None = None,
    speech: player.ClipSource = fake_speech,
    statuses: list[str] | None = None,
) -> tuple[PlayResult, FakeOutput]:
    clock = FakeClock()
    device = output or FakeOutput(clock)
    device.clock = clock

    def source(start: int) -> Iterator[Audio]:
        return render(script, speech, fake_chime, start=start)

    keys = ScriptedKeys(clock, [(START + t, k) for t, k in events])
    status = statuses.append if statuses is not None else None
    play = Player(
        script,
        source,
        device,
        resume_cue=to_pcm(fake_chime(player.RESUME_CHIME)),
        controls=keys,
        status=status,
        clock=clock,
    )
    return play.run(), device


def session_time(sample: int) -> float:
    """Clock time (from START) at which script sample ``sample`` plays, with no pauses."""
    return player.LEAD_IN + sample / SR


def plays_from(heard: Pcm, reference: Pcm, position: int) -> bool:
    """Whether ``heard`` is the session from ``position`` to its end (then silence)."""
    rest = reference[position:]
    return np.array_equal(heard[: len(rest)], rest) and not heard[len(rest) :].any()


def silent_middle(script: CueScript, after: int) -> int:
    """The middle of the first silence of at least a second after sample ``after``."""
    cues = script.cues
    for before, nxt in itertools.pairwise(cues):
        if before.end >= after and nxt.start - before.end >= SR:
            return (before.end + nxt.start) // 2
    raise AssertionError("no long silence in the script")


# --- the timeline helpers ---------------------------------------------------------------


def test_cut_points_lie_in_the_middle_of_silences(mini: CueScript, reference: Pcm) -> None:
    gap = round(player.MIN_CUT_GAP * SR)
    cuts = cut_points(mini, gap)
    assert len(cuts) > 5
    for cut in cuts:
        assert not reference[cut - gap // 2 : cut + gap // 2].any()


@given(
    cuts=st.lists(st.integers(1, 9_999), unique=True).map(sorted),
    start=st.integers(0, 9_999),
    first=st.integers(1, 500),
    target=st.integers(1, 3_000),
    extra=st.integers(0, 3_000),
)
def test_block_ends_cover_the_session_in_bounded_blocks(
    cuts: list[int], start: int, first: int, target: int, extra: int
) -> None:
    length = 10_000
    longest = max(first, target) + extra
    ends = list(block_ends(start, length, cuts, first, target, longest))
    assert ends[-1] == length
    position = start
    for end in ends:
        assert position < end <= position + longest
        assert end in cuts or end == length or end == position + longest
        position = end


def test_block_ends_prefer_a_cut_after_the_wanted_length() -> None:
    ends = list(block_ends(0, 1_000, [50, 120, 400, 900], 100, 300, 500))
    assert ends == [120, 900, 1_000] or ends == [120, 400, 900, 1_000]
    assert ends[0] == 120


def test_resume_point_restarts_a_cut_off_cue(mini: CueScript) -> None:
    cue = next(c for c in mini.cues if c.type is CueType.SPEECH and c.length > SR // 2)
    assert resume_point(mini, cue.start + cue.length // 2) == cue.start
    assert resume_point(mini, cue.start) == cue.start
    quiet = silent_middle(mini, 0)
    assert resume_point(mini, quiet) == quiet


def test_chapter_navigation(mini: CueScript) -> None:
    first, second, third = mini.chapters
    inside = second.start + SR
    assert next_chapter_start(mini, inside) == third.start
    assert this_chapter_start(mini, inside) == second.start
    closing = next(c for c in mini.cues if c.exercise is None and c.start > third.start)
    assert next_chapter_start(mini, third.start + SR) == closing.start
    assert next_chapter_start(mini, mini.length - 1) == mini.length - 1
    assert this_chapter_start(mini, first.start) == first.start


def test_status_names_exercise_side_and_time_left(mini: CueScript) -> None:
    hold = next(c for c in mini.cues if c.sound == "hold" and c.side == "left")
    text = status_text(mini, hold.start + 10)
    assert text.startswith("Side stretch - left side - ")
    left = round((mini.length - hold.start - 10) / SR)
    assert text.endswith(f"{left // 60}:{left % 60:02d} left")
    assert status_text(mini, hold.start, paused=True).startswith("Paused: Side stretch")


def test_to_pcm_rounds_and_clips() -> None:
    audio = np.array([0.0, 0.5, -0.5, 1.0, -1.0, 1.5, -2.0, 1 / 32767], dtype=np.float32)
    assert to_pcm(audio).tolist() == [0, 16384, -16384, 32767, -32767, 32767, -32767, 1]


# --- the player with a fake device: what is heard, and when -------------------------


def test_plays_the_session_sample_for_sample_after_a_lead_in(
    mini: CueScript, reference: Pcm
) -> None:
    result, device = run_player(mini)
    heard = device.heard()
    assert not heard[:LEAD].any()
    assert np.array_equal(heard[LEAD : LEAD + mini.length], reference)
    assert result == PlayResult(True, mini.length, len(mini.chapters) - 1)
    blocks = device.voices[1:]
    assert len(blocks) >= 2
    assert device.voices[0].samples.size == LEAD and not device.voices[0].samples.any()
    first_block = blocks[0].samples.size
    assert first_block < 4 * SR  # short, so the first words come quickly
    assert device.stopped_all == 1


def test_pause_in_a_silence_resumes_at_the_same_place(mini: CueScript, reference: Pcm) -> None:
    paused = silent_middle(mini, mini.chapters[1].start)
    press = session_time(paused)
    result, device = run_player(mini, [(press, " "), (press + 3.0, " ")])
    heard = device.heard()
    at = round(press * SR)
    assert np.array_equal(heard[LEAD:at], reference[: at - LEAD])
    # During the pause: nothing until the resume cue, then the rest of the session.
    resumed = round((press + 3.0) * SR)
    assert not heard[at:resumed].any()
    cue = to_pcm(fake_chime(player.RESUME_CHIME))
    chime_at = resumed + round(player.RESUME_BEFORE * SR)
    assert np.array_equal(heard[chime_at : chime_at + len(cue)], cue)
    content = chime_at + len(cue) + round(player.RESUME_AFTER * SR)
    assert not heard[resumed:chime_at].any()
    assert not heard[chime_at + len(cue) : content].any()
    rest = heard[content:]
    position = at - LEAD
    assert any(plays_from(rest, reference, p) for p in range(position - 2, position + 3)), (
        "the session did not continue from the pause"
    )
    assert result.completed


def test_pause_mid_cue_replays_that_cue_whole(mini: CueScript, reference: Pcm) -> None:
    cue = next(c for c in mini.cues if c.role == "name" and c.exercise == 1)
    press = session_time(cue.start + cue.length // 2)
    _, device = run_player(mini, [(press, " "), (press + 1.0, " ")])
    heard = device.heard()
    chime = to_pcm(fake_chime(player.RESUME_CHIME))
    content = round((press + 1.0 + player.RESUME_BEFORE + player.RESUME_AFTER) * SR) + len(chime)
    assert plays_from(heard[content:], reference, cue.start)


def test_next_and_back_land_on_exercise_starts(mini: CueScript, reference: Pcm) -> None:
    second = mini.chapters[1]
    skip = session_time(mini.chapters[0].start + 3 * SR)
    back = skip + player.SEEK_SILENCE + 4.0
    _, device = run_player(mini, [(skip, "n"), (back, "b")])
    heard = device.heard()
    landed = round((skip + player.SEEK_SILENCE) * SR)
    assert not heard[round(skip * SR) : landed].any()
    assert np.array_equal(heard[landed : landed + 4 * SR], reference[second.start :][: 4 * SR])
    again = round((back + player.SEEK_SILENCE) * SR)
    assert plays_from(heard[again:], reference, second.start)


def test_quit_reports_how_far_it_got(mini: CueScript) -> None:
    press = session_time(mini.chapters[1].start) + 2.0
    result, device = run_player(mini, [(press, "q")])
    assert (result.completed, result.chapter) == (False, 1)
    assert abs(result.position - (press - player.LEAD_IN) * SR) <= 1
    assert all(v.stopped is not None or not v.is_playing() for v in device.voices)
    assert device.stopped_all == 1


def test_ctrl_c_stops_the_sound_and_carries_the_position(mini: CueScript) -> None:
    press = session_time(mini.chapters[2].start) + 1.0
    clock = FakeClock()
    device = FakeOutput(clock)
    with pytest.raises(PlaybackInterrupted) as caught:
        run_player(mini, [(press, "^C")], output=device)
    assert isinstance(caught.value, KeyboardInterrupt)
    assert caught.value.result.completed is False
    assert caught.value.result.chapter == 2
    assert abs(caught.value.result.position - (press - player.LEAD_IN) * SR) <= 1
    assert all(not v.is_playing() for v in device.voices)
    assert device.stopped_all == 1


def test_a_device_lost_mid_session_is_an_audio_device_error(mini: CueScript) -> None:
    clock = FakeClock()
    with pytest.raises(AudioDeviceError, match="export"):
        run_player(mini, output=FakeOutput(clock, dies_after=2.0))


def test_no_device_fails_at_once_and_stops_rendering(mini: CueScript) -> None:
    clock = FakeClock()
    failing = FakeOutput(clock, fail=AudioDeviceError("cannot open the sound device"))
    with pytest.raises(AudioDeviceError, match="cannot open"):
        run_player(mini, output=failing)
    deadline = time.monotonic() + 5
    while any(t.name == "voicecoach-render" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the render thread kept running"
        time.sleep(0.01)


def test_a_render_failure_reaches_the_caller(mini: CueScript) -> None:
    def broken(text: str) -> Audio:
        if text.startswith("Next up"):
            raise VoiceEngineError("the voice engine stopped")
        return fake_speech(text)

    with pytest.raises(VoiceEngineError, match="stopped"):
        run_player(mini, speech=broken)


def test_status_line_follows_the_session(mini: CueScript) -> None:
    hold = next(c for c in mini.cues if c.sound == "hold" and c.side == "right")
    press = session_time(hold.end) + 0.2
    statuses: list[str] = []
    run_player(mini, [(press, " "), (press + 1, " ")], statuses=statuses)
    assert statuses[0].startswith("Bridge - ")
    assert any(s.startswith("Side stretch - right side - ") for s in statuses)
    assert any(s.startswith("Paused: Side stretch - right side") for s in statuses)
    left = [
        int(s.split(" - ")[-1].split()[0].split(":")[0]) * 60 + int(s.split(":")[-1][:2])
        for s in statuses
        if not s.startswith("Paused")
    ]
    assert left == sorted(left, reverse=True)
    assert left[-1] <= 1


# --- the terminal ----------------------------------------------------------------------


def test_terminal_controls_read_single_keys_and_restore_the_terminal() -> None:
    master, slave = pty.openpty()
    try:
        before = termios.tcgetattr(slave)
        with TerminalControls(slave) as controls:
            inside = termios.tcgetattr(slave)
            assert not inside[3] & termios.ICANON and not inside[3] & termios.ECHO
            assert inside[3] & termios.ISIG  # Ctrl-C still interrupts
            os.write(master, b"n")
            assert controls.wait(2.0) == "n"
            assert controls.wait(0.01) == ""
        assert termios.tcgetattr(slave) == before
        with pytest.raises(RuntimeError), TerminalControls(slave):
            raise RuntimeError("boom")
        assert termios.tcgetattr(slave) == before
    finally:
        os.close(master)
        os.close(slave)


def test_only_a_foreground_terminal_counts_as_one(tmp_path: Path) -> None:
    read, write = os.pipe()
    try:
        with os.fdopen(read, closefd=False) as pipe:
            assert not in_foreground(pipe)
    finally:
        os.close(read)
        os.close(write)
    with (tmp_path / "file").open("w") as handle:
        assert not in_foreground(handle)
    assert not in_foreground(None)
