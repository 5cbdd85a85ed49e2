"""MP3 encoding with LAME (``lameenc``), and the LAME info tag that makes the file gapless.

libsndfile's MP3 writer links a LAME that encodes this speech about five times slower
than a system LAME, and cannot choose LAME's faster algorithms. ``lameenc`` exposes them,
but writes only the audio frames: no Xing/LAME info frame, so players would neither know
the duration of a variable bitrate file nor trim the encoder's delay and padding (50 ms
of silence ahead of every chapter mark). This module writes that frame itself, once the
audio is encoded: frame and byte counts, a seek table, delay, padding and the CRCs.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import BinaryIO

import lameenc
import numpy as np

from voicecoach.errors import ExportError

#: LAME's variable bitrate mode ``vbr_mtrh`` (``vbr_default``).
VBR_MTRH = 4
#: Samples LAME's encoder puts ahead of the audio (``ENCDELAY``); decoders add 529 more.
ENCODER_DELAY = 576
#: The 9 bytes naming the encoder in the info tag. Decoders (ffmpeg, Firefox) read delay
#: and padding only behind a name starting with "LAME"; lameenc bundles LAME 4.0.
ENCODER_NAME = b"LAME4.0\x00\x00"

_XING_BYTES = 120  # "Xing", flags, frames, bytes, 100-byte seek table, quality
_LAME_BYTES = 36


@dataclass(frozen=True)
class Mp3Settings:
    """LAME's settings: VBR quality 0 (best) to 9, and algorithm quality 0 (slow) to 9.

    V4 with the fast algorithm (7) measured better than libsndfile's default (V4, LAME's
    default algorithm) on this speech at about the same size, in a fifth of the time.
    """

    vbr_quality: int = 4
    algorithm: int = 7


class Mp3Error(ExportError):
    """The encoder failed or its output is not a stream of MPEG audio frames."""


class Mp3Writer:
    """Encodes 16-bit mono PCM to ``stream``: a placeholder frame, then the audio, and on
    ``finish`` the info frame written over the placeholder (``stream`` must be seekable
    and readable, as a file opened ``"w+b"``)."""

    def __init__(
        self, stream: BinaryIO, sample_rate: int, settings: Mp3Settings = Mp3Settings()
    ) -> None:
        self._stream = stream
        self._rate = sample_rate
        self._settings = settings
        self._samples = 0
        encoder = lameenc.Encoder()
        encoder.silence()
        encoder.set_channels(1)
        encoder.set_in_sample_rate(sample_rate)
        encoder.set_vbr(VBR_MTRH)
        encoder.set_vbr_quality(settings.vbr_quality)
        encoder.set_quality(settings.algorithm)
        self._encoder = encoder
        self._tag_size = 0  # known once the first frame shows the header to copy
        self._pending = bytearray()

    def write(self, pcm: np.ndarray) -> None:
        """Encode ``pcm`` (int16 samples)."""
        data = np.ascontiguousarray(pcm, dtype="<i2")
        try:
            encoded = self._encoder.encode(data.tobytes())
        except RuntimeError as err:
            raise Mp3Error(f"the MP3 encoder failed: {err}") from err
        self._samples += len(data)
        self._emit(bytes(encoded))

    def _emit(self, encoded: bytes) -> None:
        if self._tag_size:
            self._stream.write(encoded)
            return
        self._pending += encoded
        if len(self._pending) >= 4:
            self._tag_size = len(_tag_frame_header(bytes(self._pending[:4]))[1])
            self._stream.write(bytes(self._tag_size))  # the info frame's place
            self._stream.write(self._pending)
            self._pending = bytearray()

    def finish(self) -> None:
        """Flush the encoder and write the info frame; the stream's position stays at its end."""
        try:
            self._emit(bytes(self._encoder.flush()))
        except RuntimeError as err:
            raise Mp3Error(f"the MP3 encoder failed: {err}") from err
        if not self._tag_size:
            raise Mp3Error("the MP3 encoder wrote no audio")
        end = self._stream.tell()
        self._stream.seek(self._tag_size)
        audio = self._stream.read(end - self._tag_size)
        self._stream.seek(0)
        self._stream.write(info_frame(audio, self._samples, self._settings))
        self._stream.seek(end)


# --- MPEG audio frames -----------------------------------------------------------------

# Layer III bitrates (kbit/s) by header index: MPEG-1, and MPEG-2 / 2.5.
_BITRATES = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


@dataclass(frozen=True)
class _Header:
    version: int  # header bits: 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5
    bitrate: int  # kbit/s
    sample_rate: int
    size: int  # bytes, padding included
    mono: bool

    @property
    def samples(self) -> int:
        return 1152 if self.version == 3 else 576

    @property
    def side_info(self) -> int:
        if self.version == 3:
            return 17 if self.mono else 32
        return 9 if self.mono else 17


@functools.lru_cache(maxsize=256)  # a stream has a few dozen distinct headers
def _parse(header: bytes) -> _Header:
    b1, b2, b3 = header[1], header[2], header[3]
    version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
    if header[0] != 0xFF or b1 & 0xE0 != 0xE0 or version == 1 or layer != 1:
        raise Mp3Error("the MP3 encoder's output is not MPEG layer III frames")
    rate_index, bitrate_index = (b2 >> 2) & 3, b2 >> 4
    bitrate = _BITRATES[1 if version == 3 else 2][bitrate_index]
    if rate_index == 3 or not bitrate:
        raise Mp3Error("the MP3 encoder wrote a frame header with no bitrate or sample rate")
    rate = _RATES[version][rate_index]
    factor = 144 if version == 3 else 72
    size = factor * bitrate * 1000 // rate + ((b2 >> 1) & 1)
    return _Header(version, bitrate, rate, size, (b3 >> 6) == 3)


def _frames(audio: bytes) -> tuple[list[int], _Header, int]:
    """The offset of every frame in ``audio``, the first frame's header, and the lowest
    bitrate of any frame."""
    offsets: list[int] = []
    at = 0
    first = _parse(audio[:4])
    lowest = first.bitrate
    while at < len(audio):
        if len(audio) - at < 4:
            raise Mp3Error("the MP3 encoder's output ends inside a frame header")
        offsets.append(at)
        header = _parse(audio[at : at + 4])
        lowest = min(lowest, header.bitrate)
        at += header.size
    if at != len(audio):
        raise Mp3Error("the MP3 encoder's output ends inside a frame")
    return offsets, first, lowest


def _tag_frame_header(first: bytes) -> tuple[bytes, bytes]:
    """The info frame's header (the first audio frame's, at the smallest bitrate that
    holds the tags, without padding) and a zeroed frame of its size."""
    header = _parse(first)
    need = 4 + header.side_info + _XING_BYTES + _LAME_BYTES
    rates = _BITRATES[1 if header.version == 3 else 2]
    factor = 144 if header.version == 3 else 72
    for index, bitrate in enumerate(rates):
        if bitrate and factor * bitrate * 1000 // header.sample_rate >= need:
            b2 = (index << 4) | (first[2] & 0x0C)  # this bitrate, same rate, no padding
            head = bytes((first[0], first[1], b2, first[3]))
            return head, bytes(factor * bitrate * 1000 // header.sample_rate)
    raise Mp3Error("no MP3 frame is large enough for the info tag")  # pragma: no cover


# --- the info frame ----------------------------------------------------------------------


def info_frame(audio: bytes, samples: int, settings: Mp3Settings) -> bytes:
    """The Xing/LAME info frame for ``audio`` (the encoded frames) of ``samples`` input
    samples: what lets a player know the duration, seek, and cut delay and padding."""
    offsets, first, lowest = _frames(audio)
    head, frame = _tag_frame_header(audio[:4])
    tag_size = len(frame)
    total = tag_size + len(audio)
    count = len(offsets)
    toc = bytes(
        min(255, (tag_size + offsets[count * step // 100]) * 256 // total) for step in range(100)
    )
    padding = count * first.samples - samples - ENCODER_DELAY
    if not 0 <= padding < 4096:
        raise Mp3Error(f"the MP3 encoder's padding ({padding} samples) does not fit the tag")
    quality = max(0, 100 - 10 * settings.vbr_quality - settings.algorithm)
    xing = b"Xing" + (
        (0x0F).to_bytes(4, "big")  # frames, bytes, seek table and quality present
        + count.to_bytes(4, "big")
        + total.to_bytes(4, "big")
        + toc
        + quality.to_bytes(4, "big")
    )
    lame = (
        ENCODER_NAME
        + bytes((VBR_MTRH, 0))  # tag revision 0, VBR method; lowpass unknown
        + bytes(8)  # peak and replay gains unknown
        + bytes((0, min(255, lowest)))  # no flags; the lowest bitrate
        + ((ENCODER_DELAY << 12) | padding).to_bytes(3, "big")
        + bytes(4)  # misc (mono, up to 32 kHz), mp3 gain, preset and surround
        + total.to_bytes(4, "big")
        + crc16(audio).to_bytes(2, "big")
    )
    body = head + bytes(first.side_info) + xing + lame
    body += crc16(body).to_bytes(2, "big")  # of the frame up to this CRC
    return body + frame[len(body) :]


def _crc_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint16)
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table[byte] = crc
    return table


_TABLE = _crc_table()
_LANES = 4096


def _shift(crc: int, zeros: int) -> int:
    """``crc`` carried through ``zeros`` zero bytes."""
    for _ in range(zeros):
        crc = (crc >> 8) ^ int(_TABLE[crc & 0xFF])
    return crc


def crc16(data: bytes) -> int:
    """CRC-16/ARC (LAME's music and tag CRCs): per-byte over short data; over long data,
    on many slices at once with numpy, then joined (the CRC is linear, with zero init)."""
    if len(data) < 4 * _LANES:
        crc = 0
        for byte in data:
            crc = (crc >> 8) ^ int(_TABLE[(crc ^ byte) & 0xFF])
        return crc
    width = len(data) // _LANES
    head = len(data) - width * _LANES
    crc = crc16(data[:head])
    lanes = np.frombuffer(data, dtype=np.uint8, offset=head).reshape(_LANES, width)
    parts = np.zeros(_LANES, dtype=np.uint16)
    for column in range(width):
        parts = (parts >> 8) ^ _TABLE[(parts ^ lanes[:, column]) & 0xFF]
    # CRC(a + b) = CRC(a) carried through len(b) zero bytes, xor CRC(b): carrying is linear
    # in the 16 bits, so tabulate it once for each bit.
    carried = [_shift(1 << bit, width) for bit in range(16)]
    for part in parts.tolist():
        moved = 0
        for bit in range(16):
            if crc >> bit & 1:
                moved ^= carried[bit]
        crc = moved ^ part
    return crc


def write_mp3(path: str | os.PathLike[str], pcm: np.ndarray, sample_rate: int) -> None:
    """Encode ``pcm`` whole into a new file at ``path`` (benchmarks and tests)."""
    with open(path, "w+b") as out:
        writer = Mp3Writer(out, sample_rate)
        writer.write(pcm)
        writer.finish()
