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
    """One measured process: wall time, CPU time (user + system) and peak resident memory."""

    seconds: float
    peak_mb: float
    cpu: float = 0.0


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    measure: str
    run: Run
    goal: str = ""
    met: bool | None = None


def voicecoach_command() -> list[str]:
    """The installed ``voicecoach`` script beside this interpreter, else ``-m voicecoach``."""
    script = Path(sys.executable).with_name("voicecoach")
    return [str(script)] if script.exists() else [sys.executable, "-m", "voicecoach"]


def environment(home: Path) -> dict[str, str]:
    """A private cache, config and data folder: a cold cache is an empty ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOICECOACH_")}
    for name in ("CACHE", "CONFIG", "DATA", "STATE"):
        folder = home / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        env[f"XDG_{name}_HOME"] = str(folder)
    return env


# Runs the command and reports its wall time and peak RSS. A forked child starts with its
# parent's peak RSS (Linux keeps ru_maxrss across exec), so the launcher is a bare
# interpreter (no site, a few MB) rather than this process with its numpy and audio.
_LAUNCHER = """
import os, sys, time
start = time.perf_counter()
quiet = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]
pid = os.posix_spawnp(sys.argv[1], sys.argv[1:], os.environ, file_actions=quiet)
_, status, usage = os.wait4(pid, 0)
cpu = usage.ru_utime + usage.ru_stime
print(time.perf_counter() - start, usage.ru_maxrss, cpu, os.waitstatus_to_exitcode(status))
"""


def measured(command: Sequence[str], env: dict[str, str]) -> Run:
    """Run ``command`` to completion; its wall time and peak RSS, or fail loudly."""
    launcher = [sys.executable, "-I", "-S", "-c", _LAUNCHER, *command]
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.run(
            launcher, env=env, stdout=subprocess.PIPE, stderr=errors, text=True, check=False
        )
        seconds, peak_kb, cpu, code = proc.stdout.split()
        if proc.returncode != 0 or int(code) != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace")
            raise SystemExit(f"{' '.join(command)} failed ({code}):\n{message}")
    return Run(float(seconds), int(peak_kb) / 1024, float(cpu))


def median(runs: Sequence[Run]) -> Run:
    return Run(
        statistics.median(r.seconds for r in runs),
        statistics.median(r.peak_mb for r in runs),
        statistics.median(r.cpu for r in runs),
    )


ESPEAK = ("--voice", "espeak:en")
"""The voice these figures are for: espeak-ng, as the baseline speaks (the natural voice,
the default where it is installed, has its own benchmark, ``bench.neural``)."""


def export_command(routine: str, output: Path, *extra: str) -> list[str]:
    """``voicecoach export`` of ``routine`` to ``output`` with espeak-ng (unless ``extra``
    names another voice)."""
    voice = () if "--voice" in extra else ESPEAK
    return [*voicecoach_command(), "export", routine, "-o", str(output), *voice, *extra]


def cold_export(work: Path, output: Path) -> Run:
    """One export starting from an empty speech cache."""
    home = work / f"cold-{output.suffix[1:]}"
    try:
        return measured(export_command(ROUTINE, output), environment(home))
    finally:
        shutil.rmtree(home, ignore_errors=True)


def encoder_alone(audio: np.ndarray, mp3: Path) -> Run:
    """The MP3 encoder alone, as the export runs it, on already rendered audio."""
    from voicecoach.audio.mp3 import Mp3Writer

    start, cpu = time.perf_counter(), time.process_time()
    pcm = np.rint(audio * np.float32(32767)).astype(np.int16)
    with open(mp3, "w+b") as out:
        writer = Mp3Writer(out, SAMPLE_RATE)
        for offset in range(0, len(pcm), 65536):
            writer.write(pcm[offset : offset + 65536])
        writer.finish()
    return Run(time.perf_counter() - start, 0.0, time.process_time() - cpu)


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


def baseline_command(work: Path, script: dict[str, Any]) -> tuple[list[str], int]:
    """The hand-made pipeline (bench/baseline.sh) on the same cue script."""
    cues = work / "baseline.tsv"
    count = baseline_cues(script, cues)
    output = work / "baseline.wav"
    command = ["bash", str(BENCH / "baseline.sh"), str(cues), str(sounds_dir()), str(output)]
    return command, count


def sounds_dir() -> Path:
    from voicecoach.resources import shipped_dir

    return shipped_dir("sounds")


def long_routine(folder: Path, minutes: int, base_minutes: float) -> Path:
    """A routine of about ``minutes``: the benchmark routine repeated in rounds."""
    from voicecoach.resources import shipped_dir

    data = yaml.safe_load((shipped_dir("routines") / f"{ROUTINE}.yaml").read_text())
    data["name"] = f"Long session of {minutes} minutes"
    data["rounds"] = max(1, round(minutes / base_minutes))
    path = folder / f"long-{minutes}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def audio_minutes(cues_json: Path) -> float:
    duration: float = json.loads(cues_json.read_text())["duration"]
    return duration / 60


def table(rows: Sequence[Row], notes: Sequence[str]) -> str:
    lines = [
        "| measure | time (s) | CPU (s) | peak memory (MB) | goal | met |",
        "|---|---:|---:|---:|---|---|",
    ]
    for row in rows:
        run = row.run
        peak = f"{run.peak_mb:.0f}" if run.peak_mb else ""
        met = "" if row.met is None else ("yes" if row.met else "**no**")
        lines.append(
            f"| {row.measure} | {run.seconds:.2f} | {run.cpu:.2f} | {peak} | {row.goal} | {met} |"
        )
    return "\n".join(lines) + "\n\n" + "\n".join(f"- {note}" for note in notes) + "\n"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    system = f"{platform.system()} {platform.release()}"
    return f"{system}, {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


def session_rows(
    work: Path, repeat: int, log: Callable[[str], None]
) -> tuple[list[Row], dict[str, Any]]:
    """The benchmark routine: cold and warm, WAV and MP3, the encoder and the baseline.

    The runs are interleaved (one of each per round) so that a busy machine slows every
    figure alike and the comparisons stay fair.
    """
    warm = environment(work / "warm")
    wav, mp3, cues = work / "session.wav", work / "session.mp3", work / "session.json"
    measured(export_command(ROUTINE, wav, "--cues", str(cues)), warm)  # warms the cache
    script: dict[str, Any] = json.loads(cues.read_text())
    audio, _ = sf.read(wav, dtype="float32")
    base_command, count = baseline_command(work, script)
    names = ["baseline", "cold wav", "warm wav", "cold mp3", "warm mp3", "encoder"]
    runs: dict[str, list[Run]] = {name: [] for name in names}
    for round_ in range(repeat):
        log(f"  round {round_ + 1} of {repeat}")
        runs["baseline"].append(measured(base_command, dict(os.environ)))
        runs["cold wav"].append(cold_export(work, wav))
        runs["warm wav"].append(measured(export_command(ROUTINE, wav), warm))
        runs["cold mp3"].append(cold_export(work, mp3))
        runs["warm mp3"].append(measured(export_command(ROUTINE, mp3), warm))
        runs["encoder"].append(encoder_alone(audio, work / "encoder.mp3"))
    m = {name: median(values) for name, values in runs.items()}
    base, encoder = m["baseline"].seconds, m["encoder"].seconds
    rows = [
        Row(f"baseline: espeak-ng + sox, {count} cues", m["baseline"]),
        Row(
            "export to WAV, cold cache",
            m["cold wav"],
            f"≤ baseline / 2 = {base / 2:.2f}",
            m["cold wav"].seconds <= base / 2,
        ),
        Row(
            "export to WAV, warm cache",
            m["warm wav"],
            f"≤ baseline / 5 = {base / 5:.2f}",
            m["warm wav"].seconds <= base / 5,
        ),
        Row("export to MP3, cold cache", m["cold mp3"]),
        Row(
            "export to MP3, warm cache",
            m["warm mp3"],
            f"≤ 1.2 × encoder = {1.2 * encoder:.2f}",
            m["warm mp3"].seconds <= 1.2 * encoder,
        ),
        Row("MP3 encoder alone (LAME through lameenc, in-process, same audio)", m["encoder"]),
    ]
    return rows, script


def long_rows(
    work: Path, base_minutes: float, lengths: Sequence[int], repeat: int
) -> tuple[list[Row], str]:
    """Long sessions to WAV on a warm cache: time against length, and peak memory."""
    rows: list[Row] = []
    series: list[tuple[float, Run]] = []
    env = environment(work / "long")
    longest = max(lengths)
    for target in lengths:
        path = long_routine(work, target, base_minutes)
        output, side = work / f"long-{target}.wav", work / f"long-{target}.json"
        measured(export_command(str(path), output, "--cues", str(side)), env)  # warms the cache
        result = median([measured(export_command(str(path), output), env) for _ in range(repeat)])
        real = audio_minutes(side)
        series.append((real, result))
        goal = target == longest
        rows.append(
            Row(
                f"{real:.0f}-minute session to WAV, warm cache",
                result,
                "< 200 MB" if goal else "",
                result.peak_mb < 200 if goal else None,
            )
        )
        output.unlink()
    if len(series) < 2:
        return rows, ""
    xs = np.array([minutes for minutes, _ in series])
    ys = np.array([run.seconds for _, run in series])
    slope, intercept = np.polyfit(xs, ys, 1)
    worst = float(np.max(np.abs(slope * xs + intercept - ys) / ys))
    note = (
        f"Time against length: {slope * 60:.2f} s per hour of audio plus {intercept:.2f} s "
        f"fixed; the straight line is within {worst:.0%} of every point."
    )
    return rows, note


def run(repeat: int, lengths: Sequence[int], log: Callable[[str], None]) -> str:
    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-") as name:
        work = Path(name)
        log(f"{ROUTINE}: cold and warm exports, encoder, baseline ...")
        rows, script = session_rows(work, repeat, log)
        minutes = script["duration"] / 60
        speech = {c["text"] for c in script["cues"] if c["type"] == "speech"}
        notes = [
            f"`{ROUTINE}`: {minutes:.1f} minutes of audio, {len(script['cues'])} cues, "
            f"{len(speech)} distinct phrases. Time is wall clock from the command to its "
            "exit, as a user runs it; CPU is user + system time of the process and its "
            "children; memory is the peak resident set."
        ]
        if lengths:
            log("long sessions ...")
            more, note = long_rows(work, minutes, lengths, repeat)
            rows += more
            if note:
                notes.append(note)
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
