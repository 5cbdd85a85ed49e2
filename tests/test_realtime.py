"""Live play against the export, cue by cue, on sound servers set up as users have them.

``voicecoach play`` runs as a real process against a private PulseAudio server: as
desktops run it (shared memory on), with shared memory off, with the player asking for a
Bluetooth sink's deep buffer on a 48 kHz stereo sink that suspends when idle (the session
resampled and upmixed, the recording resampled back by the server), and with both CPUs
busy; on the first play of a command line and on the next one (which may start from a
stored opening). A recorder that proves it lost
nothing records the sink, and every cue's onset, measured from the first sound heard, must
be within 20 ms of its place in the export of the same routine. The routines: quick-start,
and one whose first block boundary falls inside a long silence (a hold), where a timeline
shifted at the boundary shows as a shorter hold.
"""

from __future__ import annotations

import contextlib
import importlib.util
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import audio_env
import numpy as np
import numpy.typing as npt
import onsets
import pytest
from audio_env import BLUETOOTH, DESKTOP, NO_SHM, PulseServer, Recording, Samples, Setup

from voicecoach.compile.cuescript import SAMPLE_RATE as SR

TOLERANCE_MS = 20.0
"""The promise: every cue within 20 ms of its place in the export."""
LOST_MS = 50.0
"""A recorder that fell this far behind wall time lost audio: its recording proves nothing."""
LONG_HOLD = Path(__file__).parent / "data" / "realtime" / "long-hold.yaml"
QUICK = "quick-start"
QUICK_SECOND_FOR = 20.0
"""How long the second play of quick-start is heard (past its opening and first boundary)."""
TAIL = 1.0
"""Recorded after the player exits, so the end of the session is in the recording."""
BUSY_FOR = 600.0
"""The longest a busy loop runs, even if nobody stops it."""


@contextlib.contextmanager
def started(setup: Setup, root: Path) -> Iterator[PulseServer]:
    """A fresh server per test: its sink has never played when the first play starts."""
    audio_env.skip_without_pulse()
    with audio_env.pulse_server(
        root, shm=setup.shm, rate=setup.rate, channels=setup.channels, modules=setup.modules
    ) as server:
        yield server


def player_env(server: PulseServer, setup: Setup, root: Path) -> dict[str, str]:
    """A player's environment: this server and latency, and caches, settings and history
    of its own, so the first play of a command line is a real first one."""
    env = server.client_env(setup.latency_msec)
    for name, folder in [
        ("VOICECOACH_CACHE_DIR", "speech-cache"),
        ("XDG_CACHE_HOME", "cache"),
        ("VOICECOACH_CONFIG_DIR", "config"),
        ("VOICECOACH_DATA_DIR", "data"),
    ]:
        (root / folder).mkdir(exist_ok=True)
        env[name] = str(root / folder)
    return env


@dataclass(frozen=True)
class Export:
    audio: Samples
    cues: list[onsets.Cue]

    @property
    def seconds(self) -> float:
        return len(self.audio) / SR


def export(routine: str, env: dict[str, str], folder: Path) -> Export:
    """The routine as ``voicecoach export`` writes it (this also fills the speech cache)."""
    audio, cues = onsets.export(routine, env, folder)
    return Export(audio, onsets.export_cues(cues))


@dataclass(frozen=True)
class Heard:
    """One play as the sink got it."""

    samples: Samples
    first: int
    lost_ms: float
    stopped_at: int | None
    """Where in the recording the player was interrupted (None: it played to the end)."""


def wait_for_frames(recording: Recording, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while recording.frames() < count:
        assert time.monotonic() < deadline, "the recording stalled"
        time.sleep(0.01)


def play(
    server: PulseServer,
    env: dict[str, str],
    routine: str,
    ref: Export,
    folder: Path,
    stop_after: float | None = None,
) -> Heard:
    """Run ``voicecoach play routine`` while recording the sink; with ``stop_after``,
    Ctrl-C it that many seconds after its first sound."""
    folder.mkdir()
    out, err = (folder / "stdout").open("wb"), (folder / "stderr").open("wb")
    with server.recording(flowing=False) as recording:
        process = subprocess.Popen(
            onsets.voicecoach("play", routine),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        stopped_at = None
        try:
            if stop_after is not None:
                first = recording.wait_for_sound(timeout=60)
                stopped_at = first + round(stop_after * SR)
                wait_for_frames(recording, stopped_at, stop_after + 30)
                process.send_signal(signal.SIGINT)
            code = process.wait(ref.seconds + 90)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)
            out.close()
            err.close()
        recording.settle(TAIL)
        samples = recording.samples()
        first_heard = audio_env.first_loud(samples)
        assert first_heard is not None, "nothing was heard"
        lost = recording.lost(first_heard)
    stderr = (folder / "stderr").read_text(errors="replace")
    expected = 0 if stop_after is None else 130
    assert code == expected, f"voicecoach play exited {code}: {stderr}"
    assert "Traceback" not in stderr, stderr
    return Heard(samples, first_heard, 1000.0 * lost, stopped_at)


def measure(heard: Heard, ref: Export) -> onsets.Comparison:
    """Every cue heard against the export; only the cues played in full before a Ctrl-C."""
    cues = ref.cues
    if heard.stopped_at is not None:
        until = heard.stopped_at - heard.first + (audio_env.first_loud(ref.audio) or 0)
        cues = [c for c in cues if c.start + min(c.length, onsets.TEMPLATE) < until]
    return onsets.compare(heard.samples, ref.audio, cues, whole=heard.stopped_at is None)


def verdict(plays: dict[str, tuple[Heard, onsets.Comparison]]) -> None:
    """Print each play's figures, then fail on the first play that broke the promise."""
    for name, (heard, comparison) in plays.items():
        print(f"{name}: recorder lost {heard.lost_ms:.1f} ms; {comparison.summary()}")
    for name, (heard, comparison) in plays.items():
        if heard.lost_ms > LOST_MS:
            pytest.fail(
                f"{name}: recorder lost audio ({heard.lost_ms:.0f} ms behind wall time): "
                "this recording proves nothing"
            )
        off = comparison.off(TOLERANCE_MS)
        if off:
            pytest.fail(
                f"{name}: {len(off)} of {len(comparison.offsets)} cues not within "
                f"{TOLERANCE_MS:.0f} ms of the export: " + "; ".join(map(str, off))
            )
        if heard.stopped_at is None and not (
            comparison.end_ms is not None and abs(comparison.end_ms) <= TOLERANCE_MS
        ):
            pytest.fail(f"{name}: the session's last sound is {comparison.end_ms} ms off")


@contextlib.contextmanager
def busy_cpus(count: int = 2) -> Iterator[None]:
    """``count`` processes spinning for as long as the block lasts (BUSY_FOR at most)."""
    spin = f"import time\nend = time.monotonic() + {BUSY_FOR}\nwhile time.monotonic() < end: pass\n"
    loops: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(count):
            loops.append(subprocess.Popen([sys.executable, "-c", spin], start_new_session=True))
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait(10)


BOTH = ("first play", "second play")
CASES = [
    pytest.param(DESKTOP, False, BOTH, id="desktop"),
    pytest.param(BLUETOOTH, False, BOTH, id="latency-300ms-48k-stereo"),
    pytest.param(NO_SHM, False, BOTH[:1], id="no-shm"),
    pytest.param(DESKTOP, True, BOTH, id="desktop-cpus-busy"),
]


@pytest.mark.audio
@pytest.mark.engine
@pytest.mark.slow
@pytest.mark.parametrize(("setup", "busy", "names"), CASES)
def test_every_cue_of_a_long_hold_is_where_the_export_puts_it(
    setup: Setup, busy: bool, names: tuple[str, ...], tmp_path: Path
) -> None:
    """The first play of the command line (and the next one), against the export."""
    routine = str(LONG_HOLD)
    with started(setup, tmp_path / "pulse") as server:
        env = player_env(server, setup, tmp_path)
        ref = export(routine, env, tmp_path)
        plays: dict[str, tuple[Heard, onsets.Comparison]] = {}
        with busy_cpus() if busy else contextlib.nullcontext():
            for name in names:
                heard = play(server, env, routine, ref, tmp_path / name.replace(" ", "-"))
                plays[name] = (heard, measure(heard, ref))
    verdict(plays)


@pytest.mark.audio
@pytest.mark.engine
@pytest.mark.slow
def test_quick_start_first_and_second_play_are_the_export(tmp_path: Path) -> None:
    """The whole of quick-start's first play, and its second past the opening."""
    with started(DESKTOP, tmp_path / "pulse") as server:
        env = player_env(server, DESKTOP, tmp_path)
        ref = export(QUICK, env, tmp_path)
        first = play(server, env, QUICK, ref, tmp_path / "first")
        second = play(server, env, QUICK, ref, tmp_path / "second", QUICK_SECOND_FOR)
    verdict(
        {"first play": (first, measure(first, ref)), "second play": (second, measure(second, ref))}
    )


PORTAUDIO_TONE = """
import sys
import numpy as np
import numpy.typing as npt
import sounddevice as sd
tone = (np.sin(np.arange(11025) * 0.05) * 12000).astype(np.int16)
tone[: len(tone) // 2] //= 2
silence = np.zeros(2205, np.int16)
# 16-bit without dither (PortAudio's default dithers: samples 1 to 4 steps off).
with sd.OutputStream(samplerate=22050, channels=1, dtype="int16", dither_off=True) as out:
    out.write(np.concatenate([silence, tone, silence]))
device = sd.query_devices(kind="output")
sys.stdout.write(sd.query_hostapis(device["hostapi"])["name"] + "/" + device["name"])
"""


@pytest.mark.audio
def test_portaudio_reaches_the_sink_through_alsas_default_device(tmp_path: Path) -> None:
    """python-sounddevice's default device is ALSA's default, hence this server, and
    what it plays arrives sample for sample."""
    if importlib.util.find_spec("sounddevice") is None:
        pytest.skip("python-sounddevice is not installed")
    tone = (np.sin(np.arange(11025) * 0.05) * 12000).astype(np.int16)
    tone[: len(tone) // 2] //= 2
    with (
        started(DESKTOP, tmp_path / "pulse") as server,
        server.recording(flowing=False) as recording,
    ):
        done = subprocess.run(
            [sys.executable, "-c", PORTAUDIO_TONE],
            env=server.client_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        recording.settle(0.25)
        heard = recording.samples()
        lost = recording.lost()
    assert done.stdout == "ALSA/default"
    start = audio_env.first_loud(heard)
    assert start is not None, "nothing PortAudio played reached the sink"
    match = audio_env.locate(heard, tone, start, SR // 10)
    assert match.exact, audio_env.mismatch(heard, match, tone)
    assert lost * 1000 <= LOST_MS


# --- the measuring itself, on made-up audio: it sees a shift and a loss when there is one --


def tone_at(audio: Samples, start: float, seconds: float, step: float) -> None:
    begin, end = round(start * SR), round((start + seconds) * SR)
    audio[begin:end] = (np.sin(np.arange(end - begin) * step) * 8000).astype(np.int16)


def made_up_export() -> tuple[Samples, list[onsets.Cue]]:
    audio = np.zeros(8 * SR, dtype=np.int16)
    cues = []
    for index, start in enumerate([0.5, 2.0, 4.0, 6.5]):
        tone_at(audio, start, 0.4, 0.03 + 0.02 * index)
        cues.append(onsets.Cue(f"tone {index}", round(start * SR), round(0.4 * SR)))
    return audio, cues


def test_a_cue_shifted_after_a_boundary_is_reported_with_its_offset() -> None:
    export, cues = made_up_export()
    heard = np.zeros(12 * SR, dtype=np.int16)
    origin = SR  # the recording began a second before the session
    boundary = round(3.0 * SR)
    heard[origin : origin + boundary] = export[:boundary]
    shift = round(0.44 * SR)  # the rest came 0.44 s early: the hold was that much shorter
    heard[origin + boundary - shift : origin + len(export) - shift] = export[boundary:]
    comparison = onsets.compare(heard, export, cues)
    assert comparison.origin == origin
    assert [round(o.ms) for o in comparison.offsets] == [0, 0, -440, -440]
    assert [o.cue.what for o in comparison.off(TOLERANCE_MS)] == ["tone 2", "tone 3"]
    assert comparison.worst().cue.what in {"tone 2", "tone 3"}
    assert "-440.0 ms" in comparison.summary()
    assert comparison.end_ms is not None and round(comparison.end_ms) == -440


def test_in_place_cues_pass_even_if_the_first_milliseconds_were_not_recorded() -> None:
    export, cues = made_up_export()
    heard = np.zeros(10 * SR, dtype=np.int16)
    heard[SR : SR + len(export)] = export
    cut = round(0.03 * SR)  # the monitor missed the first 30 ms of the first tone
    heard[: SR + round(0.5 * SR) + cut] = 0
    comparison = onsets.compare(heard, export, cues)
    assert comparison.origin == SR
    assert not comparison.off(TOLERANCE_MS)
    assert round(comparison.missed_ms) == 30


def test_a_cue_not_heard_is_reported_as_such() -> None:
    export, cues = made_up_export()
    heard = np.zeros(10 * SR, dtype=np.int16)
    heard[SR : SR + len(export)] = export
    heard[SR + cues[2].start : SR + cues[2].start + cues[2].length] = 0
    off = onsets.compare(heard, export, cues).off(TOLERANCE_MS)
    assert [o.cue.what for o in off] == ["tone 2"]
    assert "not heard" in str(off[0])


def stamps(reads: list[tuple[float, int]]) -> npt.NDArray[np.float64]:
    return np.array(reads, dtype=np.float64)


def test_the_recorder_check_tells_a_late_read_from_lost_audio() -> None:
    steady = [(10.0 + i * 0.01, (i + 1) * SR // 100) for i in range(500)]
    assert audio_env.lost(stamps(steady)) < 0.001
    # One read 80 ms late that brings everything it missed: nothing lost.
    late = list(steady)
    late[200] = (late[200][0] + 0.08, late[200][1])
    assert audio_env.lost(stamps(late)) < 0.001
    # 120 ms of audio never arrived before read 300: every read from it on comes late.
    dropped = [(t + (0.12 if i >= 300 else 0.0), n) for i, (t, n) in enumerate(steady)]
    assert round(audio_env.lost(stamps(dropped)), 3) == 0.12
    # ... unless the measure starts after it.
    assert audio_env.lost(stamps(dropped), start=dropped[300][1]) < 0.001


def test_a_recording_that_begins_inside_the_first_cue_is_still_measured() -> None:
    """A monitor waking with the stream may miss its first tens of milliseconds, so the
    recording's first sample is already inside the first cue (seen on a 48 kHz sink)."""
    export, cues = made_up_export()
    cut = round(0.5 * SR) + round(0.02 * SR)  # from 20 ms into the first tone
    heard = np.concatenate([export[cut:], np.zeros(SR, dtype=np.int16)])
    comparison = onsets.compare(heard, export, cues)
    assert comparison.origin == -cut
    assert not comparison.off(TOLERANCE_MS), comparison.summary()
    assert round(comparison.missed_ms) == 20
