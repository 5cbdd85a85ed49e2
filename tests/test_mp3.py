"""MP3 through LAME: the info frame read back by ffmpeg and mutagen, gapless decoding,
chapters, and the same bytes for the same session."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import mutagen.id3
import mutagen.mp3
import numpy as np
import pytest
import soundfile as sf
from test_export import SCRIPT, SR, chunks, ffprobe

from voicecoach.audio.export import ExportTargets, export_session
from voicecoach.audio.mp3 import (
    ENCODER_DELAY,
    Mp3Error,
    Mp3Settings,
    crc16,
    info_frame,
    write_mp3,
)

needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None, reason="needs ffmpeg"
)

_mutagen_mp3: Any = mutagen.mp3
_id3: Any = mutagen.id3


def decoded(path: Path) -> np.ndarray:
    """The file as ffmpeg decodes it (delay and padding cut as the info frame says)."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768


def stream(path: Path) -> dict[str, Any]:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    found: dict[str, Any] = json.loads(result.stdout)["streams"][0]
    return found


def snr(reference: np.ndarray, other: np.ndarray) -> float:
    noise = float(np.sum((other - reference) ** 2))
    return float(10 * np.log10(np.sum(reference**2) / max(noise, 1e-12)))


def rendered() -> np.ndarray:
    return np.concatenate(list(chunks()))


def mp3_audio(path: Path) -> bytes:
    """The MPEG stream of ``path``: behind the ID3v2 tag, the info frame first."""
    data = path.read_bytes()
    assert data[:3] == b"ID3"
    size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
    return data[10 + size :]


def test_crc16_is_crc16_arc_on_short_and_long_data() -> None:
    assert crc16(b"123456789") == 0xBB3D  # the catalogued check value of CRC-16/ARC
    data = np.random.default_rng(7).integers(0, 256, 100_003, dtype=np.uint8).tobytes()
    one_by_one = 0
    for byte in data:  # the textbook bitwise form, no table
        one_by_one ^= byte
        for _ in range(8):
            one_by_one = (one_by_one >> 1) ^ 0xA001 if one_by_one & 1 else one_by_one >> 1
    assert crc16(data) == one_by_one


@needs_ffmpeg
def test_an_mp3_export_decodes_to_the_scripts_samples_in_place(tmp_path: Path) -> None:
    target = tmp_path / "s.mp3"
    export_session(SCRIPT, chunks(), ExportTargets(target))
    audio = decoded(target)
    assert abs(len(audio) - SCRIPT.length) < 576  # within a frame; in fact exact
    reference = rendered()
    common = min(len(audio), len(reference))
    in_place = snr(reference[:common], audio[:common])
    # Had the encoder's delay (1,105 samples with the decoder's) been left in, the
    # audio would be late; in place it is close to the source.
    late = snr(reference[: common - 1105], audio[1105:common])
    assert in_place > 20, in_place
    assert in_place > late + 10


@needs_ffmpeg
def test_an_mp3_export_is_mono_at_the_scripts_rate_with_its_duration(tmp_path: Path) -> None:
    target = tmp_path / "s.mp3"
    export_session(SCRIPT, chunks(), ExportTargets(target))
    found = stream(target)
    assert (found["codec_name"], found["channels"], int(found["sample_rate"])) == ("mp3", 1, SR)
    info = _mutagen_mp3.MP3(target).info
    assert info.bitrate_mode == _mutagen_mp3.BitrateMode.VBR
    assert info.length == pytest.approx(SCRIPT.length / SR, abs=1 / SR)
    assert info.encoder_info.startswith("LAME")
    assert info.encoder_settings == "-V 4"
    # ffprobe's duration counts whole frames, the delay and padding a decoder cuts included.
    assert float(ffprobe(target)["format"]["duration"]) == pytest.approx(
        SCRIPT.length / SR, abs=3 * 576 / SR
    )


def test_the_info_frame_counts_the_frames_and_bytes_and_carries_its_crcs(tmp_path: Path) -> None:
    target = tmp_path / "s.mp3"
    export_session(SCRIPT, chunks(), ExportTargets(target))
    data = mp3_audio(target)
    xing = data.index(b"Xing")
    frames = int.from_bytes(data[xing + 8 : xing + 12], "big")
    total = int.from_bytes(data[xing + 12 : xing + 16], "big")
    assert total == len(data)
    lame = data[xing + 120 : xing + 156]
    assert lame[:4] == b"LAME"
    delay_padding = int.from_bytes(lame[21:24], "big")
    delay, padding = delay_padding >> 12, delay_padding & 0xFFF
    assert delay == ENCODER_DELAY
    assert frames * 576 == delay + SCRIPT.length + padding
    assert int.from_bytes(lame[28:32], "big") == len(data)
    tag_end = xing + 154
    assert int.from_bytes(lame[34:36], "big") == crc16(data[:tag_end])
    kbps = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)[data[2] >> 4]
    info_size = 72 * kbps * 1000 // SR  # MPEG-2 layer III, no padding bit
    assert data[info_size] == 0xFF  # the first audio frame follows
    assert int.from_bytes(lame[32:34], "big") == crc16(data[info_size:])


def test_chapters_survive_beside_the_info_frame(tmp_path: Path) -> None:
    target = tmp_path / "s.mp3"
    export_session(SCRIPT, chunks(), ExportTargets(target))
    tags = _id3.ID3(target)
    chapters = sorted(tags.getall("CHAP"), key=lambda frame: frame.start_time)
    assert [c.sub_frames["TIT2"].text[0] for c in chapters] == [c.title for c in SCRIPT.chapters]
    assert [(c.start_time, c.end_time) for c in chapters] == [
        (round(c.start * 1000 / SR), round(c.end * 1000 / SR)) for c in SCRIPT.chapters
    ]


def test_the_same_session_gives_the_same_bytes(tmp_path: Path) -> None:
    digests = []
    for name in ("a.mp3", "b.mp3"):
        export_session(SCRIPT, chunks(), ExportTargets(tmp_path / name))
        digests.append(hashlib.sha256((tmp_path / name).read_bytes()).hexdigest())
    assert digests[0] == digests[1]


def test_chunking_does_not_change_the_bytes(tmp_path: Path) -> None:
    pcm = np.rint(rendered() * 32767).astype(np.int16)
    write_mp3(tmp_path / "whole.mp3", pcm, SR)
    target = tmp_path / "chunked.mp3"
    export_session(SCRIPT, chunks(), ExportTargets(target))
    assert mp3_audio(target) == (tmp_path / "whole.mp3").read_bytes()


def test_an_encoded_file_reads_back_through_libsndfile(tmp_path: Path) -> None:
    pcm = np.rint(rendered() * 32767).astype(np.int16)
    write_mp3(tmp_path / "whole.mp3", pcm, SR)
    with sf.SoundFile(tmp_path / "whole.mp3") as read:
        assert (read.samplerate, read.channels) == (SR, 1)
        assert abs(read.frames - len(pcm)) < 576


def test_a_stream_that_is_not_mpeg_frames_is_an_error() -> None:
    with pytest.raises(Mp3Error, match="not MPEG layer III frames"):
        info_frame(b"\x00" * 1000, 1000, Mp3Settings())
