"""Fakes for the player's tests: clips, a clock, keys and a device, with the small
session they play (``mini``) and helpers to run the player on them and read what it played.
Shared by the player's test modules."""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio.render import render
from voicecoach.audio.samples import Audio, Pcm
from voicecoach.audio.sounds import chime_samples
from voicecoach.compile.compiler import compile_routine
from voicecoach.compile.cuescript import SAMPLE_RATE, CueScript
from voicecoach.compile.estimate import estimate_speech_samples
from voicecoach.play import player
from voicecoach.play.ahead import to_pcm
from voicecoach.play.player import Player, PlayResult
from voicecoach.play.stream import Feed
from voicecoach.routine.load import load_routine

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


LATENCY = 0.05


@dataclass
class FakeOutput:
    """A device pulling from the feed as the fake clock moves, heard ``latency`` later;
    ``heard()`` is everything it pulled, one continuous stream from START."""

    clock: FakeClock
    dies_after: float | None = None
    latency: float = LATENCY
    closed: int = 0
    pulled: bytearray = field(default_factory=bytearray)
    feed: Feed = field(init=False)

    def __post_init__(self) -> None:
        self.feed = Feed(SR, clock=lambda: self.clock.now)

    def dead(self) -> bool:
        return self.dies_after is not None and self.clock.now >= START + self.dies_after

    def advance(self, until: float) -> None:
        """Pull, in buffers of at most 1024 samples, everything due by clock time ``until``."""
        while not self.dead() and self.closed == 0:
            frames = min(1024, round((until - START) * SR) - len(self.pulled) // 2)
            if frames <= 0:
                break
            # A render that keeps up: what is on its way is waited for (a real device would
            # play silence, counted in ``feed.underruns``).
            assert self.feed.wait_queued(frames, 10.0), "the render fell behind"
            self.clock.now = START + len(self.pulled) / 2 / SR
            buffer = bytearray(2 * frames)
            self.feed.pull(buffer, frames, self.latency)
            self.pulled += buffer
        self.clock.now = max(self.clock.now, until)

    def problem(self) -> str | None:
        return "the sound device stopped playing mid-session" if self.dead() else None

    def close(self) -> None:
        self.closed += 1
        self.feed.cut()

    def heard(self) -> Pcm:
        return np.frombuffer(bytes(self.pulled), dtype="<i2").astype(np.int16)


class ScriptedKeys:
    """Keys typed at given clock times; waiting moves the fake clock, and the device with it."""

    def __init__(self, device: FakeOutput, events: list[tuple[float, str]]) -> None:
        self.device = device
        self.clock = device.clock
        self.events = sorted(events)

    def wait(self, timeout: float) -> str:
        if self.events and self.events[0][0] <= self.clock.now + timeout:
            at, keys = self.events.pop(0)
            self.device.advance(max(self.clock.now, at))
            if keys == "^C":
                raise KeyboardInterrupt
            return keys
        self.device.advance(self.clock.now + timeout)
        return ""


def run_player(
    script: CueScript,
    events: list[tuple[float, str]] = (),  # type: ignore[assignment]
    output: FakeOutput | None = None,
    speech: player.ClipSource = fake_speech,
    statuses: list[str] | None = None,
    opening: Pcm | None = None,
    kept: list[Pcm] | None = None,
    stale_heard: float = 0.0,
    spoken: player.Spoken | None = None,
    watch: player.Watch | None = None,
) -> tuple[PlayResult, FakeOutput]:
    """Play ``script`` on a fake device; ``opening`` is already playing in its stream
    when the player starts (as the quick start leaves it, ``stale_heard`` seconds of it
    heard), and ``kept`` collects the openings the player hands over to be stored."""
    clock = FakeClock()
    device = output or FakeOutput(clock)
    device.clock = clock
    playing = None
    if opening is not None:
        playing = opening.astype("<i2").tobytes()
        device.feed.put(playing, -LEAD)
        device.advance(START + stale_heard)

    def source(start: int) -> Iterator[Audio]:
        return render(script, speech, fake_chime, start=start)

    def keep(samples: bytes, lead: int) -> None:
        assert lead == LEAD
        assert kept is not None
        kept.append(np.frombuffer(samples, dtype="<i2").astype(np.int16))

    keys = ScriptedKeys(device, [(START + stale_heard + t, k) for t, k in events])
    status = statuses.append if statuses is not None else None
    play = Player(
        script,
        source,
        device,
        resume_cue=to_pcm(fake_chime(player.RESUME_CHIME)),
        controls=keys,
        status=status,
        clock=clock,
        opening=playing,
        keep_opening=keep if kept is not None else None,
        spoken=spoken,
        watch=watch,
    )
    result = play.run()
    assert device.closed >= 1
    return result, device


def session_time(sample: int) -> float:
    """Clock time (from START) at which script sample ``sample`` plays, with no pauses."""
    return (LEAD + sample) / SR


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
