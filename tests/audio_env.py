"""A private PulseAudio server with a null sink, and a recorder of what reaches it.

Real playback is tested without speakers: ALSA (which PortAudio uses) is
pointed at a PulseAudio server of our own through an ``.asoundrc`` in a private HOME, the
server plays into a null sink paced by its own clock like a sound card, and ``parec``
records the sink's monitor. The sink runs at the session's own format (22,050 Hz, mono,
16-bit), so nothing is resampled and the recording can be compared with an export sample
for sample.

The server runs either as desktops run it (shared memory on) or with shared memory off;
a client may ask for a deep buffer (``PULSE_LATENCY_MSEC``) as a Bluetooth sink has. The
recorder time-stamps every read, so a test can prove it lost nothing (:meth:`Recording.lost`).

The server is started and stopped by its process id, never by name, so it cannot touch
anyone else's sound server; everything lives in a temp folder removed afterwards.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from voicecoach.compile.cuescript import SAMPLE_RATE

SINK = "voicecoach_test"
START_TIMEOUT = 20.0
LATENCY_ENV = "PULSE_LATENCY_MSEC"


@dataclass(frozen=True)
class Setup:
    """How the private server runs, and what latency a player asks it for."""

    name: str
    shm: bool = True
    """Shared memory between client and server, on as desktops run PulseAudio."""
    latency_msec: int | None = None
    """``PULSE_LATENCY_MSEC`` for the player: 300 imitates a Bluetooth sink's buffer."""
    rate: int = SAMPLE_RATE
    channels: int = 1
    """The sink's format: a desktop's sound card (or headset) runs at 44.1 or 48 kHz
    stereo, and the server resamples and upmixes the session for it."""
    modules: tuple[str, ...] = ()
    """More server modules: ``module-suspend-on-idle`` as desktops load it."""


DESKTOP = Setup("desktop")
NO_SHM = Setup("no-shm", shm=False)
BLUETOOTH = Setup(
    "latency-300ms-48k-stereo",
    latency_msec=300,
    rate=48000,
    channels=2,
    modules=("module-suspend-on-idle",),
)


def missing_tools() -> list[str]:
    """The PulseAudio programs these tests need that are not installed."""
    return [
        tool for tool in ("pulseaudio", "pactl", "parec", "pacat") if shutil.which(tool) is None
    ]


def alsa_home(folder: Path, asoundrc: str) -> Path:
    """A HOME whose ``.asoundrc`` is ``asoundrc`` (and which never autospawns PulseAudio)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".asoundrc").write_text(asoundrc)
    pulse_conf = folder / ".config" / "pulse"
    pulse_conf.mkdir(parents=True, exist_ok=True)
    (pulse_conf / "client.conf").write_text("autospawn = no\n")
    return folder


@dataclass
class PulseServer:
    """A running private PulseAudio server; ``env`` points a child process at it."""

    root: Path
    process: subprocess.Popen[bytes]
    env: dict[str, str]

    @property
    def pid(self) -> int:
        return self.process.pid

    def client_env(self, latency_msec: int | None = None) -> dict[str, str]:
        """The environment of a player on this server, asking for ``latency_msec``."""
        env = dict(self.env)
        env.pop(LATENCY_ENV, None)
        if latency_msec is not None:
            env[LATENCY_ENV] = str(latency_msec)
        return env

    def pactl(self, *args: str) -> str:
        done = subprocess.run(
            ["pactl", *args], env=self.env, capture_output=True, text=True, timeout=10
        )
        if done.returncode != 0:
            raise RuntimeError(f"pactl {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def kill(self, sig: int = signal.SIGTERM) -> None:
        """Stop this server (by its pid) and wait for it to be gone."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    @contextlib.contextmanager
    def recording(self, flowing: bool = True) -> Iterator[Recording]:
        """Record the sink's monitor until the block ends. With ``flowing``, wait until
        audio (even silence) flows; else only until the recorder is connected: a sink
        that is idle sends its monitor nothing until a stream plays, and then may miss
        the first milliseconds of it (10 to 60 ms here), so measure from a cue found by
        correlation (see ``onsets``), not from the recording's start."""
        recording = Recording(self.env)
        try:
            if flowing:
                recording.wait_started()
            else:
                self.wait_recorder_connected(recording)
            yield recording
        finally:
            recording.stop()

    def wait_recorder_connected(self, recording: Recording, timeout: float = 10.0) -> None:
        """Wait until ``recording``'s parec is a client of the sink's monitor."""
        deadline = time.monotonic() + timeout
        while not self.pactl("list", "short", "source-outputs").strip():
            if recording.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("parec did not connect to the monitor")
            time.sleep(0.02)


def skip_without_pulse() -> None:
    """Skip the test when the PulseAudio programs are missing (``make test`` installs them)."""
    missing = missing_tools()
    if missing:
        pytest.skip(f"PulseAudio is not installed (no {', '.join(missing)}); `make test` does")


@contextlib.contextmanager
def pulse_server(
    root: Path,
    *,
    shm: bool = False,
    rate: int = SAMPLE_RATE,
    channels: int = 1,
    modules: tuple[str, ...] = (),
) -> Iterator[PulseServer]:
    """Start a private server under ``root`` with a null sink at the session's format (or
    at ``rate`` and ``channels``, as desktops' sound cards run: the session is then
    resampled and upmixed by the server); ``shm`` as desktops run it, or off (sockets
    only, as small containers need); ``modules`` loaded too (``module-suspend-on-idle``)."""
    runtime = root / "runtime"
    runtime.mkdir(parents=True)
    runtime.chmod(0o700)
    home = alsa_home(root / "home", "pcm.!default { type pulse }\nctl.!default { type pulse }\n")
    env = dict(os.environ)
    env.update(
        {
            "HOME": str(home),
            "XDG_RUNTIME_DIR": str(runtime),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "PULSE_RUNTIME_PATH": str(runtime / "pulse"),
        }
    )
    env.pop("PULSE_SERVER", None)
    log = (root / "pulseaudio.log").open("wb")
    process = subprocess.Popen(
        [
            "pulseaudio",
            "-n",
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--disallow-exit",
            "--use-pid-file=no",
            "--log-target=stderr",
            f"--disable-shm={'no' if shm else 'yes'}",
            f"--load=module-null-sink sink_name={SINK} rate={rate} channels={channels} "
            "format=s16le",
            "--load=module-native-protocol-unix",
            *(f"--load={module}" for module in modules),
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    server = PulseServer(root, process, env)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    "pulseaudio exited at start: " + (root / "pulseaudio.log").read_text()[-2000:]
                )
            try:
                server.pactl("set-default-sink", SINK)
                break
            except (RuntimeError, subprocess.TimeoutExpired):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield server
    finally:
        server.kill()
        log.close()


Samples = npt.NDArray[np.int16]


@dataclass
class Recording:
    """``parec`` on the sink monitor, read as it arrives, each read stamped with the time,
    so a sample's index can be turned into the moment it reached the sink.

    The reader must keep up: if parec's pipe fills, the server drops monitor data and the
    recording loses time. So the pipe is enlarged, reads are large, and looking at the
    recording while it grows copies only what is asked for.
    """

    env: dict[str, str]
    process: subprocess.Popen[bytes] = field(init=False)
    _data: bytearray = field(default_factory=bytearray)
    _stamps: list[tuple[float, int]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.process = subprocess.Popen(
            [
                "parec",
                f"--device={SINK}.monitor",
                "--raw",
                "--format=s16le",
                f"--rate={SAMPLE_RATE}",
                "--channels=1",
                "--latency-msec=10",
            ],
            env=self.env,
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        with contextlib.suppress(OSError, AttributeError):  # Linux: room for 20 s of audio
            fcntl.fcntl(self.process.stdout.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while True:
            data = os.read(fd, 1 << 16)
            if not data:
                return
            now = time.monotonic()
            with self._lock:
                self._data += data
                self._stamps.append((now, len(self._data) // 2))

    def wait_started(self, timeout: float = 10.0) -> None:
        """Wait until audio (even silence) flows, so nothing played later is missed."""
        deadline = time.monotonic() + timeout
        while self.frames() < SAMPLE_RATE // 10:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("parec did not start recording")
            time.sleep(0.02)

    def frames(self) -> int:
        with self._lock:
            return len(self._data) // 2

    def settle(self, seconds: float = 2.0, quiet: float = 0.5) -> None:
        """After a player has exited: record up to ``seconds`` more, so everything it wrote
        has reached the recording, however late a busy machine lets parec deliver it. Ends
        early once the monitor has sent nothing for ``quiet`` seconds: with no stream
        playing the sink may idle and send its monitor nothing more (what was played is
        all there by then). Bounded: three times ``seconds``, plus ``quiet``."""
        target = self.frames() + round(seconds * SAMPLE_RATE)
        deadline = time.monotonic() + 3 * seconds + quiet
        frames, changed = self.frames(), time.monotonic()
        while frames < target and time.monotonic() < deadline:
            time.sleep(0.01)
            now_frames = self.frames()
            if now_frames != frames:
                frames, changed = now_frames, time.monotonic()
            elif time.monotonic() - changed > quiet:
                return

    def samples(self, start: int = 0, end: int | None = None) -> Samples:
        """The recorded samples ``[start, end)`` so far."""
        with self._lock:
            stop = len(self._data) // 2 if end is None else min(end, len(self._data) // 2)
            data = bytes(self._data[2 * start : 2 * stop])
        return np.frombuffer(data, dtype="<i2").astype(np.int16)

    def _nearby(self, key: int, value: float) -> npt.NDArray[np.float64]:
        """The read stamps of the ten seconds around ``value`` (column ``key``), at least
        three: a local fit stays right even if the server once dropped some audio."""
        with self._lock:
            stamps = np.array(self._stamps, dtype=np.float64)
        span = 10.0 if key == 0 else 10.0 * SAMPLE_RATE
        near = stamps[np.abs(stamps[:, key] - value) <= span]
        return near if len(near) >= 3 else stamps

    def stamps(self) -> npt.NDArray[np.float64]:
        """Every read so far: (monotonic time, samples received by then)."""
        with self._lock:
            return np.array(self._stamps, dtype=np.float64).reshape(-1, 2)

    def lost(self, start: int = 0) -> float:
        """Seconds of audio the recorder lost from sample ``start`` on (see ``lost``)."""
        return lost(self.stamps(), start)

    def time_of(self, index: float) -> float:
        """The monotonic time at which sample ``index`` reached the sink: a fit over the
        reads, shifted to the earliest-arriving ones (a read is late, never early)."""
        stamps = self._nearby(1, index)
        slope, offset = np.polyfit(stamps[:, 1], stamps[:, 0], 1)
        residual = stamps[:, 0] - (slope * stamps[:, 1] + offset)
        return float(slope * index + offset + residual.min())

    def index_at(self, moment: float) -> int:
        """The sample reaching the sink at monotonic time ``moment``."""
        stamps = self._nearby(0, moment)
        slope, offset = np.polyfit(stamps[:, 0], stamps[:, 1], 1)
        residual = stamps[:, 1] - (slope * stamps[:, 0] + offset)
        return int(np.rint(slope * moment + offset + residual.max()))

    def wait_for_sound(self, after: int = 0, timeout: float = 60.0, level: int = 64) -> int:
        """Wait until a sample louder than ``level`` arrives at or after index ``after``."""
        deadline = time.monotonic() + timeout
        checked = after
        while time.monotonic() < deadline:
            fresh = self.samples(checked)
            found = first_loud(fresh, level)
            if found is not None:
                return checked + found
            checked += len(fresh)
            time.sleep(0.005)
        raise AssertionError(f"no sound reached the sink within {timeout} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._reader.join(5)
        if self.process.stdout is not None:
            self.process.stdout.close()


def lost(stamps: npt.NDArray[np.float64], start: int = 0) -> float:
    """Seconds by which the samples received fell behind wall time, for good, from sample
    ``start`` on, given each read's (time, samples received by then). A read that comes
    late but brings all it missed lost nothing; audio the server dropped makes every
    later read later than the earlier ones were, so the loss is the rise of the lag's
    floor (its least value from a read on) over its least value before."""
    stamps = stamps[stamps[:, 1] >= start]
    if len(stamps) < 2:
        return 0.0
    lag = stamps[:, 0] - stamps[:, 1] / SAMPLE_RATE
    floor_before = np.minimum.accumulate(lag)
    floor_after = np.minimum.accumulate(lag[::-1])[::-1]
    return float(np.max(floor_after - floor_before))


@dataclass(frozen=True)
class Match:
    """Where a template was found in a recording, and how well it fits there."""

    index: int
    correlation: float
    exact: bool


def locate(recording: Samples, template: Samples, expected: int, window: int) -> Match:
    """The best match of ``template`` starting within ``window`` samples of ``expected``,
    by normalized cross-correlation (computed with FFTs over the window only)."""
    low = max(0, expected - window)
    high = min(len(recording), expected + window + len(template))
    if high - low < len(template):
        return Match(expected, 0.0, False)
    segment = recording[low:high].astype(np.float64)
    pattern = template.astype(np.float64)
    size = 1 << int(np.ceil(np.log2(len(segment) + len(pattern))))
    spectrum = np.fft.rfft(segment, size) * np.conj(np.fft.rfft(pattern, size))
    lags = len(segment) - len(pattern) + 1
    products = np.fft.irfft(spectrum, size)[:lags]
    power = np.concatenate([[0.0], np.cumsum(segment**2)])
    energy = power[len(pattern) :][:lags] - power[:lags]
    scale = np.sqrt(np.maximum(energy, 1e-9) * max(float(pattern @ pattern), 1e-9))
    correlation = products / scale
    best = int(np.argmax(correlation))
    index = low + best
    exact = bool(np.array_equal(recording[index : index + len(template)], template))
    return Match(index, float(correlation[best]), exact)


def first_loud(samples: Samples, level: int = 64, after: int = 0) -> int | None:
    """Index of the first sample louder than ``level`` at or after ``after``."""
    loud = np.flatnonzero(np.abs(samples[after:].astype(np.int32)) > level)
    return after + int(loud[0]) if loud.size else None


def last_loud(samples: Samples, level: int = 64) -> int | None:
    """Index of the last sample louder than ``level``."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > level)
    return int(loud[-1]) if loud.size else None


def mismatch(recording: Samples, match: Match, template: Samples) -> str:
    """Where the recording differs from ``template`` at ``match`` (for assertion messages)."""
    heard = recording[match.index : match.index + len(template)].astype(np.int32)
    differ = np.flatnonzero(heard != template[: len(heard)].astype(np.int32))
    if not differ.size:
        return "identical"
    return (
        f"correlation {match.correlation:.4f} at sample {match.index}: {differ.size} of "
        f"{len(template)} samples differ, from {differ[0]} to {differ[-1]}; "
        f"heard peak there {np.abs(heard[differ]).max()}, expected "
        f"{np.abs(template[differ].astype(np.int32)).max()}"
    )
