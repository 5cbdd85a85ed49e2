"""Speech: each phrase synthesized once with pyttsx3, checked, and cached on disk.

pyttsx3 is used only to write files (``save_to_file`` + ``runAndWait``, one phrase per
run: queued writes keep only the last). Every clip is checked before use because the
espeak driver now and then wrote an empty WAV for an ordinary phrase (about one process in
twenty here): a bad clip is synthesized again and never cached. Starting each phrase on an
idle engine (see ``Pyttsx3Engine._wait_idle``) removed the cause we found (no empty clip
in 80 trial processes, against 2 without it); the check stays.

Cache entries are 16-bit PCM WAV files, the engine's own resolution, so storing them loses
nothing and takes half the room of float32, and any audio tool can open one. Each file
carries a small extra RIFF chunk (``vcck``: format version, frame count, CRC-32 of the
samples) that ordinary WAV readers skip. ``samples()`` reads only the 64-byte header and
compares the file size with the recorded frame count (well under a millisecond a phrase);
``clip()`` also checks the CRC. Entries are written to a temp file in the cache folder and
renamed into place, so concurrent runs never see half a file.

espeak-ng's output depends on what the same engine said before (its pitch flutter runs on
from phrase to phrase), so on Linux each phrase is made by an engine that has said nothing
before (``default_engine``, ``voicecoach.audio.synth_pool``): the same text, voice and settings
give the same samples in every run, whatever the cache held. The engine always writes into
a private temp folder, so a cache that cannot be written still gives clips (kept in memory
for the run). An entry that is not a regular file (a FIFO, a device, a link) is a miss,
never opened for a wait nor read without bound.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import struct
import tempfile
import threading
import time
import weakref
import zlib
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from voicecoach.audio.samples import Audio, Pcm
from voicecoach.audio.voice_engine import (
    DEFAULT_VOICE_LANGUAGE,
    ESPEAK_DEFAULT_RATE,
    FINISH_TIMEOUT,
    Pyttsx3Engine,
    SpeechEngine,
    Voice,
    VoiceSettings,
    list_voices,
)
from voicecoach.compile.cuescript import SAMPLE_RATE
from voicecoach.errors import SettingsError, VoiceEngineError, literal
from voicecoach.files import clean_stale, write_atomic
from voicecoach.paths import speech_cache_dir

__all__ = [
    "DEFAULT_VOICE_LANGUAGE",
    "ESPEAK_DEFAULT_RATE",
    "FINISH_TIMEOUT",
    "Pyttsx3Engine",
    "Speech",
    "SpeechEngine",
    "Voice",
    "VoiceSettings",
    "list_voices",
]


#: The version in every entry's check chunk and cache key. 3: each clip is made by an engine
#: that has said nothing before (see ``voicecoach.audio.synth_pool``), so entries made the old way
#: (whose samples depended on what the process had said before) are never mixed in. The
#: engine's name is in the key too (a Piper engine's names its voice and model hash), so a
#: second engine needed no new format.
CACHE_FORMAT = 3
ATTEMPTS = 4
# A clip whose loudest sample is below -50 dBFS is silence, whatever the volume setting
# (volume 0.01 still peaks near -42 dBFS with espeak-ng).
SILENCE_PEAK = 10 ** (-50 / 20)

_HEADER = struct.Struct("<4sI4s4sIHHIIHH4sIIII4sI")
HEADER_SIZE = _HEADER.size  # 64 bytes
DEFAULT_SETTINGS = VoiceSettings()
_MEMORY_CLIPS = 64  # decoded clips kept per Speech (a session repeats "hold", counts, ...)


def default_engine() -> SpeechEngine:
    """espeak-ng, as ``voicecoach.audio.engines.espeak_engine`` makes it (a fresh engine
    for every phrase on Linux); ``Speech`` itself chooses between engines
    (``voicecoach.audio.engines.choose``)."""
    from voicecoach.audio.engines import espeak_engine

    return espeak_engine()


def default_cache_dir() -> Path:
    """``$VOICECOACH_CACHE_DIR`` or the user cache folder's ``speech`` subfolder."""
    return Path(speech_cache_dir())


def silence_problem(audio: Audio) -> str | None:
    """Why ``audio`` is not a usable spoken clip, or None if it is."""
    if len(audio) == 0:
        return "an empty clip (0 frames)"
    if not np.all(np.isfinite(audio)):
        return "a clip with invalid samples"
    peak = float(np.max(np.abs(audio)))
    if peak < SILENCE_PEAK:
        level = 20 * np.log10(peak) if peak > 0 else float("-inf")
        return f"a silent clip (peak {level:.0f} dBFS)"
    return None


def resample(audio: Audio, rate: int) -> Audio:
    """``audio`` at ``rate`` Hz brought to ``SAMPLE_RATE`` by linear interpolation."""
    if rate == SAMPLE_RATE or len(audio) == 0:
        return audio
    count = max(1, round(len(audio) * SAMPLE_RATE / rate))
    positions = np.arange(count, dtype=np.float64) * (rate / SAMPLE_RATE)
    return np.interp(positions, np.arange(len(audio)), audio).astype(np.float32)


def read_engine_file(path: Path) -> Audio:
    """The engine's output (any rate, WAV or AIFF, any channels) as mono float32 at
    ``SAMPLE_RATE``; raises ``OSError`` or ``RuntimeError`` if it cannot be read."""
    import soundfile

    data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    mono = data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]
    return resample(np.ascontiguousarray(mono, dtype=np.float32), int(rate))


def to_pcm16(audio: Audio) -> Pcm:
    """Float samples to little-endian 16-bit, the cache's format (and espeak's own)."""
    scaled = np.clip(np.round(audio * 32768.0), -32768, 32767)
    return scaled.astype("<i2")


def from_pcm16(pcm: Pcm) -> Audio:
    """16-bit samples as a read-only float32 clip (shared between callers, never changed)."""
    audio: Audio = pcm.astype(np.float32) / np.float32(32768.0)
    audio.setflags(write=False)
    return audio


def encode_entry(pcm: Pcm) -> bytes:
    """A cache entry: a 16-bit mono WAV with our ``vcck`` check chunk before the data."""
    data = pcm.astype("<i2").tobytes()
    header = _HEADER.pack(
        b"RIFF",
        HEADER_SIZE - 8 + len(data),
        b"WAVE",
        b"fmt ",
        16,
        1,  # PCM
        1,  # mono
        SAMPLE_RATE,
        SAMPLE_RATE * 2,
        2,
        16,
        b"vcck",
        12,
        CACHE_FORMAT,
        len(pcm),
        zlib.crc32(data),
        b"data",
        len(data),
    )
    return header + data


def _parse_header(head: bytes) -> tuple[int, int] | None:
    """(frames, crc) from an entry's first 64 bytes, or None if they are not ours."""
    if len(head) < HEADER_SIZE:
        return None
    fields = _HEADER.unpack_from(head)
    expected = (b"RIFF", None, b"WAVE", b"fmt ", 16, 1, 1, SAMPLE_RATE, SAMPLE_RATE * 2, 2, 16)
    if any(
        want is not None and got != want for got, want in zip(fields[:11], expected, strict=True)
    ):
        return None
    marker, size, version, frames, crc, data_id, data_size = fields[11:]
    if (marker, size, version, data_id) != (b"vcck", 12, CACHE_FORMAT, b"data"):
        return None
    if frames <= 0 or data_size != 2 * frames or fields[1] != HEADER_SIZE - 8 + data_size:
        return None
    return frames, crc


_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO opens at once instead of waiting for a writer
    | getattr(os, "O_NOFOLLOW", 0)  # we never write links: a link (or a loop) is a miss
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def _read_regular(path: Path, whole: bool) -> bytes | None:
    """The header (or, with ``whole``, all) of the regular file ``path``: None for a miss,
    including a FIFO, a device or a link, which are never read (nor waited on)."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        head = os.read(fd, HEADER_SIZE)
        parsed = _parse_header(head)
        if parsed is None or info.st_size != HEADER_SIZE + 2 * parsed[0]:
            return None
        if not whole:
            return head
        parts = [head]
        left = info.st_size - len(head)
        while left > 0:  # bounded by the size the header promised
            part = os.read(fd, min(left, 1 << 20))
            if not part:
                return None
            parts.append(part)
            left -= len(part)
        return b"".join(parts)
    except OSError:
        return None
    finally:
        os.close(fd)


def entry_frames(path: Path) -> int | None:
    """The frame count of a sound-looking entry from its header and size, without the data."""
    head = _read_regular(path, whole=False)
    parsed = None if head is None else _parse_header(head)
    return None if parsed is None else parsed[0]


def read_entry(path: Path) -> Pcm | None:
    """An entry's samples if the whole file is intact (header, length, CRC), else None."""
    blob = _read_regular(path, whole=True)
    parsed = None if blob is None else _parse_header(blob[:HEADER_SIZE])
    if blob is None or parsed is None:
        return None
    frames, crc = parsed
    data = blob[HEADER_SIZE:]
    if len(data) != 2 * frames or zlib.crc32(data) != crc:
        return None
    return np.frombuffer(data, dtype="<i2")


def write_entry(path: Path, pcm: Pcm) -> None:
    """Write an entry whole or not at all (``files.write_atomic``). Not synced to disk: a
    cut-short entry fails its CRC on the next read and is made again."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISREG(os.lstat(path).st_mode):
            os.unlink(path)  # a FIFO or a link in the cache's place is a miss: replace it
    write_atomic(path, encode_entry(pcm), durable=False)


def remove_stale_temp_files(folder: Path, older_than: float = 3600.0) -> None:
    """Temp files left by writers that were killed mid-write: ``files.clean_stale``, and
    an older release's ``.tmp-*.wav`` once they are ``older_than`` seconds old."""
    clean_stale(folder)
    limit = time.time() - older_than
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(".tmp-") and entry.name.endswith(".wav"):
                with contextlib.suppress(OSError):
                    if entry.stat().st_mtime < limit:
                        os.unlink(entry.path)


class Speech:
    """Spoken phrases as float32 mono clips at ``SAMPLE_RATE``, never empty or silent.

    ``samples(text) == len(clip(text))`` always holds for one ``Speech``: should an entry
    be rebuilt after its length was reported, the new clip is fitted to that length
    (engine output varies by a few samples of trailing silence at most), so a script
    compiled with ``samples`` still renders to the sample.
    """

    def __init__(
        self,
        settings: VoiceSettings = DEFAULT_SETTINGS,
        cache_dir: Path | None = None,
        *,
        engine: SpeechEngine | None = None,
        language: str = DEFAULT_VOICE_LANGUAGE,
    ) -> None:
        # The settings asked for: with no engine given, each routine's language chooses the
        # engine and voice anew from these (``for_language``).
        self.asked: VoiceSettings | None = None
        if engine is None:
            from voicecoach.audio.engines import choose

            self.asked = settings
            engine, settings = choose(settings, language)
        self.settings = settings
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.engine: SpeechEngine = engine
        self._lengths: dict[str, int] = {}
        self._clips: OrderedDict[str, Audio] = OrderedDict()
        self._mutex = threading.Lock()  # the clip memory may be read by a player's thread
        self._memory: dict[str, Pcm] = {}  # when the cache cannot be written
        self._swept = False
        self._scratch_dir: Path | None = None
        self.synthesized = 0  # phrases synthesized by this instance (for tests and benchmarks)
        self.language: str | None = None  # the routine's language, when it chose the voice

    def for_language(self, language: str) -> Speech:
        """The speech for a routine in ``language``: this one if its voice stays (one was
        named, or the language is English), else one with that language's voice (see
        ``VoiceSettings.for_language``) on the same cache and engine. A ``Speech`` that
        chose its own engine chooses again for ``language`` (``engines.choose``): a German
        routine keeps espeak-ng unless a German Piper voice is installed."""
        if self.asked is not None:
            from voicecoach.audio.engines import choose

            engine, settings = choose(self.asked, language)
            if engine.name == self.engine.name and settings == self.settings:
                return self
            speech = Speech(settings, self.cache_dir, engine=engine)
            speech.asked = self.asked
        else:
            settings = self.settings.for_language(language)
            if settings == self.settings:
                return self
            speech = Speech(settings, self.cache_dir, engine=self.engine)
        speech.language = language
        return speech

    def key(self, text: str) -> str:
        """The cache key: everything that changes the sound, and the cache format."""
        s = self.settings
        ident = [
            CACHE_FORMAT,
            self.engine.name,
            s.voice or "",
            s.rate or 0,
            f"{s.volume:.3f}",
            text,
        ]
        return hashlib.sha256(json.dumps(ident, ensure_ascii=False).encode()).hexdigest()[:40]

    def path(self, text: str) -> Path:
        return self.cache_dir / f"{self.key(text)}.wav"

    def samples(self, text: str) -> int:
        """The clip's length in samples; a warm cache answers from the file header."""
        known = self._lengths.get(text)
        if known is not None:
            return known
        frames = entry_frames(self.path(text))
        if frames is None:
            return len(self.clip(text))
        self._lengths[text] = frames
        return frames

    def clip(self, text: str) -> Audio:
        """The spoken ``text`` (read-only array); synthesized and cached when missing."""
        with self._mutex:
            cached = self._clips.get(text)
            if cached is not None:
                self._clips.move_to_end(text)
                return cached
        _check_text(text)
        key = self.key(text)
        pcm = self._memory.get(key)
        if pcm is None:
            pcm = read_entry(self.cache_dir / f"{key}.wav")
        if pcm is None:
            pcm = self._synthesize(text)
            self._store(key, pcm)
        audio = from_pcm16(self._fit(text, pcm))
        self._lengths[text] = len(audio)
        with self._mutex:
            self._clips[text] = audio
            if len(self._clips) > _MEMORY_CLIPS:
                self._clips.popitem(last=False)
        return audio

    __call__ = clip

    def prepare(self, texts: Iterable[str]) -> None:
        """Synthesize every phrase not yet cached (each distinct phrase once)."""
        for text in dict.fromkeys(texts):
            self.samples(text)

    def _fit(self, text: str, pcm: Pcm) -> Pcm:
        reported = self._lengths.get(text)
        if reported is None or reported == len(pcm):
            return pcm
        fitted = np.zeros(reported, dtype="<i2")
        fitted[: min(reported, len(pcm))] = pcm[:reported]
        return fitted

    def _store(self, key: str, pcm: Pcm) -> None:
        try:
            if not self._swept:
                self._swept = True
                remove_stale_temp_files(self.cache_dir)
            write_entry(self.cache_dir / f"{key}.wav", pcm)
        except OSError:
            # An unwritable cache must not stop a session: keep the clip for this run.
            self._memory[key] = pcm

    def scratch(self) -> Path:
        """Where the engine writes: a private temp folder, made once and removed with self.
        (Never the cache folder: one that cannot be written, is full or is not a folder
        still gives clips, kept in memory; see ``_store``.)"""
        if self._scratch_dir is None:
            try:
                folder = tempfile.mkdtemp(prefix="voicecoach-")
            except OSError as err:
                raise VoiceEngineError(
                    f"no room for speech synthesis: could not make a temp folder ({err}); "
                    "free some space, or set TMPDIR to a folder you can write"
                ) from err
            weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)
            self._scratch_dir = Path(folder)
        return self._scratch_dir

    def take(self, text: str, path: Path) -> bool:
        """Check and keep the engine's file ``path`` as the clip for ``text`` (made by a
        parallel pass); False if it is not a usable clip (``clip`` will make it again)."""
        try:
            audio = read_engine_file(path)
        except (OSError, RuntimeError):
            return False
        pcm, _ = self._checked(audio)
        if pcm is None:
            return False
        self.synthesized += 1
        self._store(self.key(text), pcm)
        return True

    @staticmethod
    def _checked(audio: Audio) -> tuple[Pcm | None, str | None]:
        """The clip as it will be stored if it is speech, else why it is not (empty or
        silent, checked before and after it is brought to 16 bits)."""
        problem = silence_problem(audio)
        if problem is None:
            pcm = to_pcm16(audio)
            problem = silence_problem(from_pcm16(pcm))
            if problem is None:
                return pcm, None
        return None, problem

    def _synthesize(self, text: str) -> Pcm:
        """A checked clip from the engine, trying again on an empty or silent one."""
        problems: list[str] = []
        for attempt in range(ATTEMPTS):
            name = f"{threading.get_ident()}-{attempt}-engine.wav"
            path = self.scratch() / name
            try:
                self.engine.synthesize(text, path, self.settings)
                audio = read_engine_file(path)
            except (OSError, RuntimeError) as err:
                problems.append(f"an unreadable file ({err})")
                continue
            except SettingsError as err:
                if self.language is None:
                    raise
                raise SettingsError(
                    template=literal(
                        f"no installed voice speaks {self.settings.voice!r}, the language of "
                        f"this routine ({self.language}): install a voice for it, or choose one "
                    )
                    + "with {voice} or the `voice` setting (`voicecoach voices` lists them)",
                    names={"voice": "the session's voice"},
                ) from err
            finally:
                with contextlib.suppress(OSError):
                    path.unlink()
            pcm, problem = self._checked(audio)
            if pcm is not None:
                self.synthesized += 1
                return pcm
            problems.append(problem or "")
        raise VoiceEngineError(
            f"the voice engine ({self.engine.name}) gave {problems[-1]} for {text!r} "
            f"{ATTEMPTS} times in a row; check that it works (on Linux: espeak-ng 'hello') "
            "or try another voice (voicecoach voices)"
        )


def _check_text(text: str) -> None:
    if not text.strip():
        raise ValueError("there is nothing to say: the phrase is empty")
