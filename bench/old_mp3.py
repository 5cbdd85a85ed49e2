"""``python -m bench.old_mp3 export ...``: the export command with MP3 written as it was
before ``voicecoach.audio.mp3``: through soundfile, libsndfile's LAME at its defaults, in
writes of 4,096 frames. For ``bench.mp3`` only."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import soundfile as sf

from voicecoach.audio import export
from voicecoach.cli import main
from voicecoach.compile.cuescript import SAMPLE_RATE


def write_mp3_with_soundfile(
    path: Path, chunks: Iterable[np.ndarray], progress: export.Progress | None
) -> int:
    written = 0
    with sf.SoundFile(
        path, "w", samplerate=SAMPLE_RATE, channels=1, format="MP3", subtype="MPEG_LAYER_III"
    ) as out:
        for chunk in chunks:
            for offset in range(0, len(chunk), export.WRITE_FRAMES):
                out.write(chunk[offset : offset + export.WRITE_FRAMES])
            written += len(chunk)
            if progress is not None:
                progress(len(chunk))
    return written


if __name__ == "__main__":
    export._write_mp3 = write_mp3_with_soundfile
    main(sys.argv[1:])
