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

espeak-ng's output varies by a few samples between runs, and after a voice of another
language it speaks the default voice a little slower for the rest of the process. Neither
breaks the timing: a phrase's length is whatever its cached clip holds.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import struct
import sys
import tempfile
import threading
import time
import weakref
import zlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np
import numpy.typing as npt

from voicecoach.cuescript import SAMPLE_RATE
from voicecoach.errors import SettingsError, VoiceEngineError
from voicecoach.warmstart import cache_dir

Audio = npt.NDArray[np.float32]

CACHE_FORMAT = 2
ATTEMPTS = 4
RATE_RANGE = (50, 500)
# A clip whose loudest sample is below -50 dBFS is silence, whatever the volume setting
# (volume 0.01 still peaks near -42 dBFS with espeak-ng).
SILENCE_PEAK = 10 ** (-50 / 20)
# How long to wait for the engine to finish one phrase before counting the attempt failed.
FINISH_TIMEOUT = 10.0

#: espeak-ng's speaking rate when none is chosen, in words per minute. pyttsx3 asks for 200
#: while it starts, but the change is queued, so reading the rate back gives 175 or 200 by
#: chance; one fixed rate keeps every unset-rate clip in the cache at the same pace.
ESPEAK_DEFAULT_RATE = 175

_HEADER = struct.Struct("<4sI4s4sIHHIIHH4sIIII4sI")
HEADER_SIZE = _HEADER.size  # 64 bytes
_MEMORY_CLIPS = 64  # decoded clips kept per Speech (a session repeats "hold", counts, ...)
# The language the engine's default voice is taken to speak: espeak-ng's default voice is
# English, and on macOS and Windows the default is the voice the person chose for the system.
DEFAULT_VOICE_LANGUAGE = "en"


@dataclass(frozen=True)
class VoiceSettings:
    """What changes the sound of speech: voice (id, name or language), rate (words per
    minute, engine default if None) and volume (0-1]."""

    voice: str | None = None
    rate: int | None = None
    volume: float = 1.0

    def __post_init__(self) -> None:
        if self.voice is not None and not self.voice.strip():
            raise SettingsError("the voice is empty: give a voice id or name (voicecoach voices)")
        low, high = RATE_RANGE
        if self.rate is not None and not (low <= self.rate <= high):
            raise SettingsError(
                f"the speech rate {self.rate} is out of range: use {low} to {high} words per minute"
            )
        if not (0.0 < self.volume <= 1.0):
            raise SettingsError(
                f"the voice volume {self.volume} is out of range: use more than 0 and at most 1"
            )

    def for_language(self, language: str) -> VoiceSettings:
        """These settings for speaking ``language`` (a tag such as ``de`` or ``es-MX``).

        A voice the person named stays. Otherwise the language's code names the voice, as
        ``--voice de`` would: the engine finds a voice of that language when it first
        speaks, so a warm cache never starts it, and the code is part of the cache key.
        Regions are dropped (``es-MX`` -> ``es``): not every region has a voice, and the
        language always does. English keeps the engine's default voice.
        """
        if self.voice is not None:
            return self
        code = language.strip().lower().split("-", 1)[0]
        if not code or code == DEFAULT_VOICE_LANGUAGE:
            return self
        return replace(self, voice=code)


@dataclass(frozen=True)
class Voice:
    """An installed voice as the engine reports it."""

    id: str
    name: str
    languages: tuple[str, ...]
    gender: str | None = None


class SpeechEngine(Protocol):
    """What ``Speech`` needs from a synthesizer; the real one wraps pyttsx3."""

    @property
    def name(self) -> str: ...

    def synthesize(self, text: str, path: Path, settings: VoiceSettings) -> None:
        """Write ``text`` spoken with ``settings`` to the audio file ``path``."""

    def voices(self) -> list[Voice]: ...


def _default_driver() -> str:
    # pyttsx3's own choice per platform, known without importing it (warm runs never do).
    return {"darwin": "nsss", "win32": "sapi5"}.get(sys.platform, "espeak")


def _install_hint() -> str:
    if sys.platform == "darwin":
        return "voicecoach uses the macOS voices through pyobjc: pip install pyttsx3 pyobjc"
    if sys.platform == "win32":
        return "voicecoach uses the Windows (SAPI5) voices: pip install pyttsx3 comtypes pywin32"
    return (
        "install espeak-ng: sudo apt-get install espeak-ng (Debian/Ubuntu), "
        "sudo dnf install espeak-ng (Fedora), sudo pacman -S espeak-ng (Arch)"
    )


@dataclass
class _EngineState:
    """A started pyttsx3 engine and what we track about it (guarded by the engine lock)."""

    engine: Any
    default_voice: str | None
    default_rate: int | None
    finished: threading.Event = field(default_factory=threading.Event)
    errors: list[object] = field(default_factory=list)
    current: tuple[str | None, int | None, float] | None = None
    voices: list[Voice] | None = None
    resolved: dict[str, str] = field(default_factory=dict)


class Pyttsx3Engine:
    """The process's pyttsx3 engine behind a lock (pyttsx3 keeps one engine per driver and
    is not thread-safe), started lazily so a warm cache never loads it."""

    _lock = threading.RLock()
    _states: ClassVar[dict[str, _EngineState]] = {}

    def __init__(self, driver: str | None = None) -> None:
        self._driver = driver or _default_driver()

    @property
    def name(self) -> str:
        return self._driver

    def _state(self) -> _EngineState:
        """The started engine; callers hold ``_lock``."""
        state = self._states.get(self._driver)
        if state is not None:
            return state
        try:
            import pyttsx3

            engine = pyttsx3.init(self._driver)
        except (ImportError, RuntimeError, OSError) as err:
            raise VoiceEngineError(
                f"no voice engine: pyttsx3 could not start its {self._driver} driver ({err}); "
                + _install_hint()
            ) from err
        state = _EngineState(engine, engine.getProperty("voice"), engine.getProperty("rate"))
        finished, errors = state.finished, state.errors
        engine.connect("finished-utterance", lambda **_: finished.set())
        engine.connect("error", lambda **kw: errors.append(kw.get("exception")))
        self._states[self._driver] = state
        return state

    def voices(self) -> list[Voice]:
        with self._lock:
            state = self._state()
            if state.voices is None:
                raw = state.engine.getProperty("voices") or []
                state.voices = sorted(
                    (_voice(v) for v in raw), key=lambda v: (v.name.lower(), v.id)
                )
            return list(state.voices)

    def resolve(self, query: str) -> str:
        """The id of the voice ``query`` names: its id, its name or a language it speaks."""
        with self._lock:
            state = self._state()
            known = state.resolved.get(query)
            if known is not None:
                return known
            wanted = query.strip().lower()
            voices = self.voices()
            # Most exact first: "gmw/en-us", "English (America)", "en-us", then "en" (the
            # voice with that file name, gmw/en), "fr" (a French voice), "english".
            tests = (
                lambda v: v.id.lower() == wanted,
                lambda v: v.name.lower() == wanted,
                lambda v: wanted in (lang.lower() for lang in v.languages),
                lambda v: v.id.lower().rsplit("/", 1)[-1] == wanted,
                lambda v: any(lang.lower().startswith(wanted + "-") for lang in v.languages),
                lambda v: v.name.lower().startswith(wanted),
            )
            for test in tests:
                found = [v.id for v in voices if test(v)]
                if found:
                    # Of several, the engine's default voice if it is one (``english``).
                    chosen = state.default_voice if state.default_voice in found else found[0]
                    state.resolved[query] = chosen
                    return chosen
        raise SettingsError(
            f"unknown voice {query!r}: `voicecoach voices` lists the installed ones"
        )

    def _wait_idle(self) -> None:
        """Let espeak-ng apply queued property changes before the next phrase.

        In the asynchronous mode pyttsx3 runs it in, espeak-ng queues voice and rate changes
        behind the synthesis thread, and ``runAndWait`` cancels whatever is still queued when
        it starts (its ``stop()`` runs whenever espeak reports it is busy). Starting a phrase
        while changes were pending lost them and, now and then, emptied the phrase itself:
        both stopped once runs began only on an idle engine.
        """
        if self._driver != "espeak":
            return
        from pyttsx3.drivers import _espeak

        deadline = time.monotonic() + 2.0
        while _espeak.IsPlaying() and time.monotonic() < deadline:
            time.sleep(0.0005)

    def synthesize(self, text: str, path: Path, settings: VoiceSettings) -> None:
        with self._lock:
            state = self._state()
            engine = state.engine
            voice = self.resolve(settings.voice) if settings.voice else state.default_voice
            rate = settings.rate or (
                ESPEAK_DEFAULT_RATE if self._driver == "espeak" else state.default_rate
            )
            wanted = (voice, rate, settings.volume)
            # The engine is shared by every Speech in the process: set what differs.
            if state.current != wanted:
                if voice is not None:
                    engine.setProperty("voice", voice)
                if rate is not None:
                    engine.setProperty("rate", rate)
                engine.setProperty("volume", settings.volume)
                state.current = wanted
            self._wait_idle()
            state.finished.clear()
            state.errors.clear()
            # The espeak driver synthesizes on its own thread: runAndWait can return before
            # the file is complete. It prints "Audio saved to ..." there once the file is
            # written, just before it reports the utterance finished; waiting for that report
            # inside the redirect keeps the chatter off the user's stdout. (Checked: espeak-ng
            # itself writes nothing on file descriptor 1.) The macOS and Windows drivers
            # finish the file within runAndWait.
            with contextlib.redirect_stdout(io.StringIO()):
                engine.save_to_file(text, str(path))
                engine.runAndWait()
                if self._driver == "espeak" and not state.finished.wait(FINISH_TIMEOUT):
                    raise RuntimeError(f"no word from the engine in {FINISH_TIMEOUT:.0f} s")
            if rate is not None and self._driver == "espeak":
                spoken = _espeak_current_rate()
                if spoken != rate:
                    # A queued rate change was dropped: this clip is at the wrong pace.
                    state.current = None
                    raise RuntimeError(f"the engine spoke at {spoken} words a minute, not {rate}")
            if state.errors:
                state.current = None
                raise VoiceEngineError(f"the voice engine failed on {text!r}: {state.errors[0]}")


def _espeak_current_rate() -> int:
    """The rate espeak-ng last spoke at. (pyttsx3's own ``getProperty("rate")`` calls
    ``espeak_GetParameter`` without its second argument, so it reads the default or the
    current value by chance.)"""
    import ctypes

    from pyttsx3.drivers import _espeak

    get = _espeak.dll.espeak_GetParameter
    get.argtypes = [ctypes.c_int, ctypes.c_int]
    get.restype = ctypes.c_int
    return int(get(_espeak.RATE, 1))


def _voice(raw: Any) -> Voice:
    languages = []
    for lang in getattr(raw, "languages", None) or []:
        if isinstance(lang, bytes):
            lang = lang.decode("utf-8", "replace")
        languages.append(str(lang).strip())
    gender = getattr(raw, "gender", None)
    if gender:
        gender = str(gender).lower().removeprefix("voicegender")
    return Voice(
        id=str(raw.id),
        name=str(getattr(raw, "name", None) or raw.id),
        languages=tuple(lang for lang in languages if lang),
        gender=gender or None,
    )


def list_voices(language: str | None = None, engine: SpeechEngine | None = None) -> list[Voice]:
    """The installed voices, those speaking ``language`` (e.g. ``en`` or ``en-us``) if given."""
    voices = (engine or Pyttsx3Engine()).voices()
    if language is None:
        return voices
    wanted = language.strip().lower()
    return [
        v
        for v in voices
        if any(
            lang.lower() == wanted or lang.lower().startswith(wanted + "-") for lang in v.languages
        )
    ]


def default_cache_dir() -> Path:
    """``$VOICECOACH_CACHE_DIR`` or the user cache folder's ``speech`` subfolder."""
    return Path(cache_dir())


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


def to_pcm16(audio: Audio) -> npt.NDArray[np.int16]:
    """Float samples to little-endian 16-bit, the cache's format (and espeak's own)."""
    scaled = np.clip(np.round(audio * 32768.0), -32768, 32767)
    return scaled.astype("<i2")


def from_pcm16(pcm: npt.NDArray[np.int16]) -> Audio:
    """16-bit samples as a read-only float32 clip (shared between callers, never changed)."""
    audio: Audio = pcm.astype(np.float32) / np.float32(32768.0)
    audio.setflags(write=False)
    return audio


def encode_entry(pcm: npt.NDArray[np.int16]) -> bytes:
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


def entry_frames(path: Path) -> int | None:
    """The frame count of a sound-looking entry from its header and size, without the data."""
    try:
        with open(path, "rb") as f:
            head = f.read(HEADER_SIZE)
            size = os.fstat(f.fileno()).st_size
    except OSError:
        return None
    parsed = _parse_header(head)
    if parsed is None or size != HEADER_SIZE + 2 * parsed[0]:
        return None
    return parsed[0]


def read_entry(path: Path) -> npt.NDArray[np.int16] | None:
    """An entry's samples if the whole file is intact (header, length, CRC), else None."""
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    parsed = _parse_header(blob[:HEADER_SIZE])
    if parsed is None:
        return None
    frames, crc = parsed
    data = blob[HEADER_SIZE:]
    if len(data) != 2 * frames or zlib.crc32(data) != crc:
        return None
    return np.frombuffer(data, dtype="<i2")


def write_entry(path: Path, pcm: npt.NDArray[np.int16]) -> None:
    """Write atomically: a temp file in the same folder, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".wav")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(encode_entry(pcm))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def remove_stale_temp_files(folder: Path, older_than: float = 3600.0) -> None:
    """Temp files left by a run that was killed mid-write (a live writer's are younger)."""
    limit = time.time() - older_than
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(".tmp-"):
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
        settings: VoiceSettings = VoiceSettings(),
        cache_dir: Path | None = None,
        *,
        engine: SpeechEngine | None = None,
    ) -> None:
        self.settings = settings
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.engine: SpeechEngine = engine if engine is not None else Pyttsx3Engine()
        self._lengths: dict[str, int] = {}
        self._clips: OrderedDict[str, Audio] = OrderedDict()
        self._mutex = threading.Lock()  # the clip memory may be read by a player's thread
        self._memory: dict[str, npt.NDArray[np.int16]] = {}  # when the cache cannot be written
        self._swept = False
        self._scratch_dir: Path | None = None
        self.synthesized = 0  # phrases synthesized by this instance (for tests and benchmarks)
        self.language: str | None = None  # the routine's language, when it chose the voice

    def for_language(self, language: str) -> Speech:
        """The speech for a routine in ``language``: this one if its voice stays (one was
        named, or the language is English), else one with that language's voice (see
        ``VoiceSettings.for_language``) on the same cache and engine."""
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

    def _fit(self, text: str, pcm: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
        reported = self._lengths.get(text)
        if reported is None or reported == len(pcm):
            return pcm
        fitted = np.zeros(reported, dtype="<i2")
        fitted[: min(reported, len(pcm))] = pcm[:reported]
        return fitted

    def _store(self, key: str, pcm: npt.NDArray[np.int16]) -> None:
        try:
            if not self._swept:
                self._swept = True
                remove_stale_temp_files(self.cache_dir)
            write_entry(self.cache_dir / f"{key}.wav", pcm)
        except OSError:
            # An unwritable cache must not stop a session: keep the clip for this run.
            self._memory[key] = pcm

    def _scratch(self) -> Path:
        """Where the engine writes: the cache folder itself, whose ``.tmp-`` files a later
        run sweeps if this one is killed, or a private temp folder if the cache cannot be
        written (made once and removed with self)."""
        if self._scratch_dir is None:
            try:
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                if not os.access(self.cache_dir, os.W_OK):
                    raise PermissionError(self.cache_dir)
                self._scratch_dir = self.cache_dir
            except OSError:
                folder = tempfile.mkdtemp(prefix="voicecoach-")
                weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)
                self._scratch_dir = Path(folder)
        return self._scratch_dir

    def _synthesize(self, text: str) -> npt.NDArray[np.int16]:
        """A checked clip from the engine, trying again on an empty or silent one."""
        problems: list[str] = []
        for attempt in range(ATTEMPTS):
            name = f".tmp-{os.getpid()}-{threading.get_ident()}-{attempt}-engine.wav"
            path = self._scratch() / name
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
                    f"no installed voice speaks {self.settings.voice!r}, the language of this "
                    f"routine ({self.language}): install a voice for it, or choose one with "
                    "--voice or the `voice` setting (`voicecoach voices` lists them)"
                ) from err
            finally:
                with contextlib.suppress(OSError):
                    path.unlink()
            problem = silence_problem(audio)
            if problem is None:
                pcm = to_pcm16(audio)  # and checked again as it will be stored
                problem = silence_problem(from_pcm16(pcm))
                if problem is None:
                    self.synthesized += 1
                    return pcm
            problems.append(problem)
        raise VoiceEngineError(
            f"the voice engine ({self.engine.name}) gave {problems[-1]} for {text!r} "
            f"{ATTEMPTS} times in a row; check that it works (on Linux: espeak-ng 'hello') "
            "or try another voice (voicecoach voices)"
        )


def _check_text(text: str) -> None:
    if not text.strip():
        raise ValueError("there is nothing to say: the phrase is empty")
