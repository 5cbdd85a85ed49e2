"""Benchmarks for export: cold and warm cache, the MP3 encoder's share, long sessions, and
the hand-made espeak-ng + sox pipeline it replaces.

Every export runs as its own process, as a user runs it, with private cache, config and
data folders; time is wall clock and memory is the process's peak resident set
(``ru_maxrss``). Prints a markdown table and writes it to ``bench/results.md``.

Run: ``python -m bench`` (``--repeat N`` for more runs per figure, median reported).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
import yaml

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results.md"
ROUTINE = "lower-back-essentials"
SAMPLE_RATE = 22050


@dataclass(frozen=True)
class Run:
    """One measured process: wall time and peak resident memory."""

    seconds: float
    peak_mb: float


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    measure: str
    seconds: float
    peak_mb: float | None = None
    goal: str = ""
    met: bool | None = None


def voicecoach_command() -> list[str]:
    """The installed ``voicecoach`` script beside this interpreter, else ``-m voicecoach``."""
    script = Path(sys.executable).with_name("voicecoach")
    return [str(script)] if script.exists() else [sys.executable, "-m", "voicecoach"]


def environment(home: Path) -> dict[str, str]:
    """A private cache, config and data folder: a cold cache is an empty ``home``."""
    env = dict(os.environ)
    for name in ("CACHE", "CONFIG", "DATA", "STATE"):
        folder = home / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        env[f"XDG_{name}_HOME"] = str(folder)
    return env


def measured(command: Sequence[str], env: dict[str, str]) -> Run:
    """Run ``command`` to completion; its wall time and peak RSS, or fail loudly."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace")
            raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{message}")
    return Run(seconds, usage.ru_maxrss / 1024)


def median(runs: Sequence[Run]) -> Run:
    return Run(
        statistics.median(r.seconds for r in runs), statistics.median(r.peak_mb for r in runs)
    )


def export_command(routine: str, output: Path, *extra: str) -> list[str]:
    return [*voicecoach_command(), "export", routine, "-o", str(output), *extra]


def cold_exports(work: Path, routine: str, output: Path, repeat: int) -> Run:
    """Each run starts with an empty speech cache."""
    runs = []
    for index in range(repeat):
        home = work / f"cold-{output.suffix[1:]}-{index}"
        runs.append(measured(export_command(routine, output), environment(home)))
        shutil.rmtree(home)
    return median(runs)


def warm_exports(home: Path, routine: str, output: Path, repeat: int) -> Run:
    """Runs on a cache that already holds every phrase (warmed by one untimed export)."""
    env = environment(home)
    measured(export_command(routine, output), env)
    return median([measured(export_command(routine, output), env) for _ in range(repeat)])


def encoder_seconds(wav: Path, mp3: Path, repeat: int) -> float:
    """The MP3 encoder alone: soundfile writing already rendered audio, in 4,096 frames."""
    audio, rate = sf.read(wav, dtype="float32")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        with sf.SoundFile(mp3, "w", rate, 1, format="MP3", subtype="MPEG_LAYER_III") as out:
            for offset in range(0, len(audio), 4096):
                out.write(audio[offset : offset + 4096])
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def baseline_cues(script: dict[str, Any], path: Path) -> int:
    """The cue script as the baseline's TSV: silence before each cue, kind, text or chime."""
    lines = []
    position = 0
    for cue in script["cues"]:
        start = round(cue["at"] * SAMPLE_RATE)
        gap = (start - position) / SAMPLE_RATE
        what = cue["text"] if cue["type"] == "speech" else cue["sound"]
        lines.append(f"{gap:.6f}\t{cue['type']}\t{' '.join(what.split())}")
        position = start + round(cue["duration"] * SAMPLE_RATE)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def baseline(work: Path, script: dict[str, Any], repeat: int) -> tuple[Run, int]:
    """The hand-made pipeline (bench/baseline.sh) on the same cue script."""
    cues = work / "baseline.tsv"
    count = baseline_cues(script, cues)
    command = [
        "bash",
        str(BENCH / "baseline.sh"),
        str(cues),
        str(sounds_dir()),
        str(work / "b.wav"),
    ]
    runs = [measured(command, dict(os.environ)) for _ in range(repeat)]
    return median(runs), count


def sounds_dir() -> Path:
    from voicecoach.resources import data_dir

    return data_dir("sounds")


def long_routine(folder: Path, minutes: int, base_minutes: float) -> Path:
    """A routine of about ``minutes``: the benchmark routine repeated in rounds."""
    from voicecoach.resources import data_dir

    data = yaml.safe_load((data_dir("routines") / f"{ROUTINE}.yaml").read_text())
    data["name"] = f"Long session of {minutes} minutes"
    data["rounds"] = max(1, round(minutes / base_minutes))
    path = folder / f"long-{minutes}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def audio_minutes(cues_json: Path) -> float:
    duration: float = json.loads(cues_json.read_text())["duration"]
    return duration / 60


def verdict(value: float, limit: float) -> bool:
    return value <= limit


def table(rows: Sequence[Row], notes: Sequence[str]) -> str:
    lines = [
        "| measure | time (s) | peak memory (MB) | goal | met |",
        "|---|---:|---:|---|---|",
    ]
    for row in rows:
        peak = f"{row.peak_mb:.0f}" if row.peak_mb is not None else ""
        met = "" if row.met is None else ("yes" if row.met else "**no**")
        lines.append(f"| {row.measure} | {row.seconds:.2f} | {peak} | {row.goal} | {met} |")
    return "\n".join(lines) + "\n\n" + "\n".join(f"- {note}" for note in notes) + "\n"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    system = f"{platform.system()} {platform.release()}"
    return f"{system}, {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


def run(repeat: int, lengths: Sequence[int], log: Callable[[str], None]) -> str:
    rows: list[Row] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-") as name:
        work = Path(name)
        warm_home = work / "warm"

        log("cold and warm exports ...")
        wav, mp3 = work / "session.wav", work / "session.mp3"
        cold_wav = cold_exports(work, ROUTINE, wav, repeat)
        cold_mp3 = cold_exports(work, ROUTINE, mp3, repeat)
        warm_wav = warm_exports(warm_home, ROUTINE, wav, repeat)
        warm_mp3 = warm_exports(warm_home, ROUTINE, mp3, repeat)
        cues = work / "session.json"
        measured(export_command(ROUTINE, wav, "--cues", str(cues)), environment(warm_home))
        script = json.loads(cues.read_text())
        minutes = script["duration"] / 60

        log("MP3 encoder alone ...")
        encoder = encoder_seconds(wav, work / "encoder.mp3", repeat)

        log("hand-made baseline ...")
        base, count = baseline(work, script, repeat)

        rows += [
            Row(f"baseline: espeak-ng + sox, {count} cues", base.seconds, base.peak_mb),
            Row(
                "export to WAV, cold cache",
                cold_wav.seconds,
                cold_wav.peak_mb,
                f"≤ baseline / 2 = {base.seconds / 2:.2f}",
                verdict(cold_wav.seconds, base.seconds / 2),
            ),
            Row(
                "export to WAV, warm cache",
                warm_wav.seconds,
                warm_wav.peak_mb,
                f"≤ baseline / 5 = {base.seconds / 5:.2f}",
                verdict(warm_wav.seconds, base.seconds / 5),
            ),
            Row("export to MP3, cold cache", cold_mp3.seconds, cold_mp3.peak_mb),
            Row(
                "export to MP3, warm cache",
                warm_mp3.seconds,
                warm_mp3.peak_mb,
                f"≤ 1.2 × encoder = {1.2 * encoder:.2f}",
                verdict(warm_mp3.seconds, 1.2 * encoder),
            ),
            Row("MP3 encoder alone (soundfile, in-process)", encoder),
        ]
        notes.append(
            f"`{ROUTINE}`: {minutes:.1f} minutes of audio, {len(script['cues'])} cues, "
            f"{len({c['text'] for c in script['cues'] if c['type'] == 'speech'})} distinct phrases."
        )

        log("long sessions ...")
        base_minutes = minutes
        series: list[tuple[float, Run]] = []
        long_home = work / "long"
        for target in lengths:
            path = long_routine(work, target, base_minutes)
            output = work / f"long-{target}.wav"
            side = work / f"long-{target}.json"
            env = environment(long_home)
            measured(export_command(str(path), output, "--cues", str(side)), env)  # warm up
            real = audio_minutes(side)
            runs = [measured(export_command(str(path), output), env) for _ in range(repeat)]
            result = median(runs)
            series.append((real, result))
            is_longest = target == max(lengths)
            rows.append(
                Row(
                    f"{real:.0f}-minute session to WAV, warm cache",
                    result.seconds,
                    result.peak_mb,
                    "< 200 MB" if is_longest else "",
                    result.peak_mb < 200 if is_longest else None,
                )
            )
            output.unlink()
        if len(series) >= 2:
            xs = np.array([m for m, _ in series])
            ys = np.array([r.seconds for _, r in series])
            slope, intercept = np.polyfit(xs, ys, 1)
            fitted = slope * xs + intercept
            worst = float(np.max(np.abs(fitted - ys) / ys))
            notes.append(
                f"Time against length: {slope * 60:.2f} s per hour of audio plus "
                f"{intercept:.2f} s fixed; the straight line is within {worst:.0%} of every point."
            )
        notes.append(f"Median of {repeat} runs each, on {machine()}.")
    return table(rows, notes)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument(
        "--lengths",
        default="30,60,120",
        help="minutes of the long sessions, comma-separated (default 30,60,120)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the table goes")
    args = parser.parse_args(argv)
    lengths = [int(x) for x in args.lengths.split(",") if x]

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    result = run(args.repeat, lengths, log)
    print(result)
    args.output.write_text("# Benchmark results\n\n" + result, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
