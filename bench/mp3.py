"""MP3 export against WAV export plus ffmpeg's encode of the WAV, and the libsndfile
encoder it replaces: time, size and two quality figures.

Each export runs as its own process on a warm speech cache, as a user runs it (the
launcher and private folders of ``bench.run``). *WAV + ffmpeg* is the WAV export plus
``ffmpeg -i x.wav -c:a libmp3lame -q:a 5``, each timed as a process. *Old MP3 path* is the
same export with MP3 written as before, through soundfile (libsndfile's LAME, its default
settings): the command runs with ``bench.old_mp3`` standing in for the encoder.

Quality, measured on the decoded file (ffmpeg) against the WAV, aligned by cross-correlation
(a file without gapless information decodes late): *SNR* over the whole session, and *LSD*,
the log-spectral distance (dB) between 100 Hz and 7 kHz over the frames with speech in
them. Higher SNR and lower LSD are closer to the WAV.

Run: ``python -m bench.mp3 [--repeat N]``. Prints a markdown table and writes it to
``bench/results-mp3.md``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from bench.run import (
    BENCH,
    ESPEAK,
    ROUTINE,
    SAMPLE_RATE,
    Run,
    environment,
    export_command,
    machine,
    measured,
    median,
)

RESULTS = BENCH / "results-mp3.md"


@dataclass(frozen=True)
class Quality:
    """How close a decoded MP3 is to the WAV it was made from."""

    size_mb: float
    snr_db: float
    lsd_db: float
    lag: int  # samples the decoded audio is late by


def decode(path: Path) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-"],
        capture_output=True,
        check=True,
        timeout=300,
    ).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768


def lag_of(reference: np.ndarray, other: np.ndarray, most: int = 4096) -> int:
    """How many samples ``other`` is late, from a 20 s stretch cross-correlated."""
    start = min(30 * SAMPLE_RATE, len(reference) // 4)
    a = reference[start : start + 20 * SAMPLE_RATE]
    b = other[start : start + len(a) + most]
    size = 1 << int(np.ceil(np.log2(len(a) + len(b))))
    corr = np.fft.irfft(np.fft.rfft(b, size) * np.conj(np.fft.rfft(a, size)), size)
    return int(np.argmax(corr[:most]))


def _spectra(x: np.ndarray, n: int = 512, hop: int = 256) -> np.ndarray:
    frames = len(x) // hop - 2
    index = np.arange(n)[None, :] + hop * np.arange(frames)[:, None]
    spectra: np.ndarray = np.abs(np.fft.rfft(x[index] * np.hanning(n), axis=1))
    return spectra


def quality(wav: np.ndarray, mp3: Path) -> Quality:
    decoded = decode(mp3)
    lag = lag_of(wav, decoded)
    other = decoded[lag : lag + len(wav)]
    reference = wav[: len(other)]
    snr = 10 * np.log10(np.sum(reference**2) / np.sum((other - reference) ** 2))
    ref, got = _spectra(reference), _spectra(other)
    energy = (ref**2).sum(axis=1)
    speech = energy > energy.max() * 1e-4
    freqs = np.fft.rfftfreq(512, 1 / SAMPLE_RATE)
    band = (freqs >= 100) & (freqs <= 7000)
    ref_db = 20 * np.log10(ref[speech][:, band] + 1e-4)
    got_db = 20 * np.log10(got[speech][:, band] + 1e-4)
    lsd = float(np.mean(np.sqrt(np.mean((ref_db - got_db) ** 2, axis=1))))
    return Quality(mp3.stat().st_size / 1e6, float(snr), lsd, lag)


def _old_export_command(output: Path) -> list[str]:
    old = [sys.executable, "-m", "bench.old_mp3", "export", ROUTINE, "-o", str(output)]
    return [*old, *ESPEAK]


def _ffmpeg_command(wav: Path, output: Path) -> list[str]:
    encode = ["-c:a", "libmp3lame", "-q:a", "5"]
    return ["ffmpeg", "-v", "error", "-y", "-i", str(wav), *encode, str(output)]


def _sum(a: Run, b: Run) -> Run:
    return Run(a.seconds + b.seconds, max(a.peak_mb, b.peak_mb), a.cpu + b.cpu)


def run(repeat: int, log: Callable[[str], None]) -> str:
    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-mp3-") as name:
        work = Path(name)
        env = environment(work / "home")
        env["PYTHONPATH"] = os.pathsep.join(
            [str(BENCH.parent), *filter(None, [env.get("PYTHONPATH")])]
        )
        wav, ffmpeg_mp3 = work / "session.wav", work / "ffmpeg.mp3"
        old_mp3, new_mp3 = work / "old.mp3", work / "new.mp3"
        log(f"{ROUTINE}: warming the speech cache ...")
        measured(export_command(ROUTINE, wav), env)
        names = ["wav", "ffmpeg", "old", "new"]
        runs: dict[str, list[Run]] = {name: [] for name in names}
        for round_ in range(repeat):  # interleaved, so a busy machine slows all alike
            log(f"  round {round_ + 1} of {repeat}")
            runs["wav"].append(measured(export_command(ROUTINE, wav), env))
            runs["ffmpeg"].append(measured(_ffmpeg_command(wav, ffmpeg_mp3), env))
            runs["old"].append(measured(_old_export_command(old_mp3), env))
            runs["new"].append(measured(export_command(ROUTINE, new_mp3), env))
        m = {name: median(values) for name, values in runs.items()}
        both = median([_sum(a, b) for a, b in zip(runs["wav"], runs["ffmpeg"], strict=True)])
        log("quality ...")
        reference, _ = sf.read(wav, dtype="float32")
        sizes = {
            "wav": Quality(wav.stat().st_size / 1e6, float("inf"), 0.0, 0),
            "ffmpeg": quality(reference, ffmpeg_mp3),
            "old": quality(reference, old_mp3),
            "new": quality(reference, new_mp3),
        }
        minutes = len(reference) / SAMPLE_RATE / 60
    goal = both.seconds
    rows = [
        ("export to WAV", m["wav"], sizes["wav"], ""),
        ("ffmpeg -c:a libmp3lame -q:a 5 of that WAV", m["ffmpeg"], sizes["ffmpeg"], ""),
        ("WAV export + ffmpeg's encode", both, sizes["ffmpeg"], ""),
        ("export to MP3, old path (soundfile, libsndfile defaults)", m["old"], sizes["old"], ""),
        (
            "export to MP3, new path (lameenc, V4, fast algorithm)",
            m["new"],
            sizes["new"],
            f"≤ {goal:.2f}: {'yes' if m['new'].seconds <= goal else '**no**'}",
        ),
    ]
    lines = [
        "| measure | time (s) | CPU (s) | size (MB) | SNR (dB) | LSD (dB) | late by | goal |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for label, timing, q, met in rows:
        snr = "" if q.snr_db == float("inf") else f"{q.snr_db:.1f}"
        lsd = "" if label == "export to WAV" else f"{q.lsd_db:.2f}"
        lag = "" if label == "export to WAV" else str(q.lag)
        lines.append(
            f"| {label} | {timing.seconds:.2f} | {timing.cpu:.2f} | {q.size_mb:.2f} "
            f"| {snr} | {lsd} | {lag} | {met} |"
        )
    speed = m["old"].seconds / max(m["new"].seconds, 1e-9)
    cpu_speed = m["old"].cpu / max(m["new"].cpu, 1e-9)
    notes = [
        f"`{ROUTINE}`: {minutes:.1f} minutes of mono speech at {SAMPLE_RATE} Hz, warm cache. "
        "Time is wall clock from the command to its exit; CPU is user + system time.",
        f"The new path takes 1/{speed:.1f} of the old one's time (1/{cpu_speed:.1f} of its CPU).",
        "SNR and LSD compare the decoded MP3 with the WAV; *late by* is the alignment "
        "found, 0 where the file tells the decoder to cut the encoder's delay.",
        f"Median of {repeat} runs each, on {machine()}.",
    ]
    return "\n".join(lines) + "\n\n" + "\n".join(f"- {note}" for note in notes) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mp3", description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the table goes")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    result = run(args.repeat, log)
    print(result)
    args.output.write_text("# MP3 export\n\n" + result, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
