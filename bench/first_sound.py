"""Live play, timed at the sound card: time to first sound, Ctrl-C to silence, cue timing.

Each run launches ``voicecoach play quick-start`` as a user would, through a private
PulseAudio server whose null sink stands in for a sound card (the recipe the tests use,
``tests/audio_env.py``), and records the sink's monitor with every read time-stamped, so
each recorded sample maps to the moment it reached the "speaker".

- *first sound*: from launching the process to the first audible sample at the sink. The
  session opens with ``player.LEAD_IN`` seconds of silence on purpose; *device start*
  subtracts it (and the first clip's own quiet onset) to show when the stream began.
- *warm*: the speech cache holds every phrase and the command's opening is stored (the
  quick start, ``voicecoach.play.warmstart``), as on every run after the first; *first play*:
  the speech cache is warm but this command line has no stored opening yet (a new option,
  say); *cold*: nothing cached, so every phrase is synthesized first. Python bytecode is
  cached in all three, as after install. The cache lives under ``XDG_CACHE_HOME``, found
  the way a user's is (not through ``VOICECOACH_CACHE_DIR``, which skips a lookup).
- *Ctrl-C*: SIGINT in the middle of the longest early phrase, to the last audible sample
  and to the process's exit.
- *cue timing* (skip with ``--no-full``): one whole session, warm; every cue's offset from
  its place in the export, measured from the first sound heard (absolute positions, not
  relative to one chime), and the worst of them. The session plays through one continuous
  output stream, so any late start of the device moves the first sound and everything
  after it together: the offsets should all be 0.
- ``--busy``: every launch runs while one busy-looping process per CPU competes for it, as
  on a machine busy with other work.
- ``--pulse-latency MS``: the player asks PulseAudio for this much buffering
  (``PULSE_LATENCY_MSEC``), as with a Bluetooth sink's deep buffer.

The warm path: ``voicecoach.launch`` imports ``sounddevice`` (cffi and PortAudio, which
probes the ALSA devices: about 0.1 s, no numpy), opens the one output stream and feeds it
the stored opening, and the player takes the same stream over once loaded.

Run: ``python -m bench.first_sound [--repeat N] [--no-full] [--busy] [--pulse-latency MS]``.
Prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import audio_env  # noqa: E402  (the tests' PulseAudio helpers, shared on purpose)

from voicecoach.play.player import LEAD_IN  # noqa: E402

ROUTINE = "quick-start"
SR = 22050


@dataclass(frozen=True)
class Launch:
    """One measured ``play``: seconds from launch to first sound, and Ctrl-C figures."""

    first_sound: float
    device_start: float
    stop_sound: float
    stop_exit: float


def child_env(base: dict[str, str], cache: Path, work: Path) -> dict[str, str]:
    env = dict(base)
    env.pop("VOICECOACH_CACHE_DIR", None)
    env["XDG_CACHE_HOME"] = str(cache)
    env["VOICECOACH_CONFIG_DIR"] = str(work / "config")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def voicecoach(*args: str) -> list[str]:
    """The installed ``voicecoach`` command, as a user runs it (else ``python -m``)."""
    script = Path(sys.executable).with_name("voicecoach")
    if script.is_file():
        return [str(script), *args]
    return [sys.executable, "-m", "voicecoach", *args]


def export_reference(env: dict[str, str], folder: Path) -> tuple[np.ndarray, dict[str, object]]:
    wav, cues = folder / "ref.wav", folder / "ref.json"
    subprocess.run(
        voicecoach("export", ROUTINE, "-o", str(wav), "--cues", str(cues)),
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    audio, _ = sf.read(wav, dtype="int16")
    return np.asarray(audio, dtype=np.int16), json.loads(cues.read_text())


def launch_once(
    server: audio_env.PulseServer, env: dict[str, str], onset: float, interrupt: int
) -> Launch:
    """Play, wait for the first sound, then Ctrl-C ``interrupt`` samples after it."""
    with server.recording() as recording:
        mark = recording.frames()
        launched = time.monotonic()
        process = subprocess.Popen(
            voicecoach("play", ROUTINE),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            first = recording.wait_for_sound(mark, timeout=300)
            heard_at = recording.time_of(first)
            while recording.frames() < first + interrupt:
                time.sleep(0.005)
            interrupted = time.monotonic()
            process.send_signal(signal.SIGINT)
            process.wait(30)
            exited = time.monotonic()
            time.sleep(0.8)
            last = audio_env.last_loud(recording.samples())
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert last is not None
    return Launch(
        first_sound=heard_at - launched,
        device_start=heard_at - launched - LEAD_IN - onset,
        stop_sound=recording.time_of(last) - interrupted,
        stop_exit=exited - interrupted,
    )


def mid_sentence(cues: list[dict[str, object]], ref: np.ndarray, onset: float) -> int:
    """Samples from the first sound to a moment in the middle of the longest phrase of the
    first 20 s where it is being spoken (not a pause between its sentences): the Ctrl-C is
    sent there, and stopping there shows how long the sound goes on."""
    early = [c for c in cues if c["type"] == "speech" and float(c["at"]) < 20]  # type: ignore[arg-type]
    longest = max(early, key=lambda c: float(c["duration"]))  # type: ignore[arg-type]
    middle = round((float(longest["at"]) + float(longest["duration"]) / 2) * SR)  # type: ignore[arg-type]
    loud = np.flatnonzero(np.abs(ref[middle:].astype(np.int32)) > 4000)
    spoken = middle + (int(loud[0]) if len(loud) else 0) + SR // 10
    return spoken - round(onset * SR)


def cue_timing(
    server: audio_env.PulseServer,
    env: dict[str, str],
    ref: np.ndarray,
    cues: list[dict[str, object]],
) -> tuple[list[float], float, bool]:
    """One whole session: every cue's offset (ms) from its place in the export, measured
    from the first sound heard; the worst of them; whether every cue was sample-exact."""
    with server.recording() as recording:
        mark = recording.frames()
        subprocess.run(
            voicecoach("play", ROUTINE), env=env, check=True, capture_output=True, timeout=900
        )
        time.sleep(0.3)
        heard = recording.samples()
    first = audio_env.first_loud(heard, after=mark)
    onset = audio_env.first_loud(ref)
    assert first is not None and onset is not None
    origin = first - onset
    offsets = []
    exact = True
    for cue in cues:
        start = round(float(cue["at"]) * SR)  # type: ignore[arg-type]
        length = round(float(cue["duration"]) * SR)  # type: ignore[arg-type]
        match = audio_env.locate(heard, ref[start : start + length], origin + start, SR // 3)
        offsets.append((match.index - origin - start) / SR * 1000)
        exact = exact and match.exact
    return offsets, max(abs(o) for o in offsets), exact


@contextmanager
def busy_cpus() -> Iterator[None]:
    """One busy-looping process per CPU, for as long as the block runs."""
    burners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(os.cpu_count() or 2)
    ]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


def summary(values: Sequence[float]) -> str:
    ms = [v * 1000 for v in values]
    if len(ms) == 1:
        return f"{ms[0]:.0f}"
    return f"{statistics.median(ms):.0f} ({min(ms):.0f}-{max(ms):.0f})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (median shown)")
    parser.add_argument("--no-full", dest="full", action="store_false", help="skip cue timing")
    parser.add_argument("--busy", action="store_true", help="keep every CPU busy meanwhile")
    parser.add_argument(
        "--pulse-latency", type=int, metavar="MS", help="PULSE_LATENCY_MSEC for the player"
    )
    args = parser.parse_args(argv)
    missing = audio_env.missing_tools()
    if missing:
        print(f"needs PulseAudio: {', '.join(missing)} not installed", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        with audio_env.pulse_server(work / "pulse") as server:
            warm_cache = work / "warm-cache"
            base = dict(server.env)
            if args.pulse_latency is not None:
                base["PULSE_LATENCY_MSEC"] = str(args.pulse_latency)
            env = child_env(base, warm_cache, work)
            ref, script = export_reference(env, work)  # also warms cache and bytecode
            onset = (audio_env.first_loud(ref) or 0) / SR
            cues: list[dict[str, object]] = script["cues"]  # type: ignore[assignment]
            interrupt = mid_sentence(cues, ref, onset)
            launch_once(server, env, onset, interrupt)  # stores the opening
            if args.busy:
                stack.enter_context(busy_cpus())
            warm = [launch_once(server, env, onset, interrupt) for _ in range(args.repeat)]
            first = []
            for _ in range(args.repeat):
                shutil.rmtree(warm_cache / "voicecoach" / "speech" / "openings")
                first.append(launch_once(server, env, onset, interrupt))
            cold = []
            for run in range(max(1, args.repeat // 2 + 1)):
                cache = work / f"cold-cache-{run}"
                cold.append(launch_once(server, child_env(base, cache, work), onset, interrupt))
                shutil.rmtree(cache, ignore_errors=True)
            timing = cue_timing(server, env, ref, cues) if args.full else None

    busy = f"; every CPU kept busy by {os.cpu_count()} other processes" if args.busy else ""
    if args.pulse_latency is not None:
        busy += f"; PULSE_LATENCY_MSEC={args.pulse_latency}"
    print(f"voicecoach play {ROUTINE}, {len(cues)} cues; Python {sys.version.split()[0]}{busy}")
    print("times in ms: median (min-max)\n")
    print("| measure | warm | first play of the command | cold cache |")
    print("|---|---|---|---|")
    for label, attr in (
        ("command to first sound at the sink", "first_sound"),
        (f"command to device start (first sound minus {LEAD_IN} s lead-in)", "device_start"),
        ("Ctrl-C to silence at the sink", "stop_sound"),
        ("Ctrl-C to process exit", "stop_exit"),
    ):
        cells = [summary([getattr(r, attr) for r in runs]) for runs in (warm, first, cold)]
        print(f"| {label} | {' | '.join(cells)} |")
    if timing is not None:
        offsets, worst, exact = timing
        print(
            f"\n{len(offsets)} cues vs their place in the export (from the first sound heard), "
            f"ms: {min(offsets):+.1f} to {max(offsets):+.1f}; worst {worst:.1f}; "
            f"last cue {offsets[-1]:+.1f}; every cue sample-exact: {exact}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
