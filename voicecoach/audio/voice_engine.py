"""The voice engine: pyttsx3 driven one phrase at a time, and what describes a voice.

This module imports neither numpy nor soundfile, so that the synthesis server
(``voicecoach.audio.synth_worker``) starts quickly: it runs the engine and nothing else.
"""

from __future__ import annotations

import contextlib
import io
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, Protocol

from voicecoach.errors import SettingsError, VoiceEngineError
from voicecoach.limits import RATE_TEXT, VOLUME_TEXT, rate_ok, volume_ok

# How long to wait for the engine to finish one phrase before counting the attempt failed.
FINISH_TIMEOUT = 10.0

#: espeak-ng's speaking rate when none is chosen, in words per minute. pyttsx3 asks for 200
#: while it starts, but the change is queued, so reading the rate back gives 175 or 200 by
#: chance; one fixed rate keeps every unset-rate clip in the cache at the same pace.
ESPEAK_DEFAULT_RATE = 175

# The language the engine's default voice is taken to speak: espeak-ng's default voice is
# English, and on macOS and Windows the default is the voice the person chose for the system.
DEFAULT_VOICE_LANGUAGE = "en"


@dataclass(frozen=True)
class VoiceSettings:
    """What changes the sound of speech: voice (id, name or language), rate (words per
    minute, engine default if None) and volume (see ``voicecoach.limits``)."""

    voice: str | None = None
    rate: int | None = None
    volume: float = 1.0

    def __post_init__(self) -> None:
        if self.voice is not None and not self.voice.strip():
            raise SettingsError("the voice is empty: give a voice id or name (voicecoach voices)")
        if self.rate is not None and not rate_ok(self.rate):
            raise SettingsError(f"the speech rate {self.rate} is out of range: use {RATE_TEXT}")
        if not volume_ok(self.volume):
            raise SettingsError(
                f"the voice volume {self.volume} is out of range: use {VOLUME_TEXT}"
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
    """An installed voice as the engine reports it (``engine``: which one, when listed
    beside another engine's voices)."""

    id: str
    name: str
    languages: tuple[str, ...]
    gender: str | None = None
    engine: str | None = None


class SpeechEngine(Protocol):
    """What ``Speech`` needs from a synthesizer; the real one wraps pyttsx3."""

    @property
    def name(self) -> str: ...

    def synthesize(self, text: str, path: Path, settings: VoiceSettings) -> None:
        """Write ``text`` spoken with ``settings`` to the audio file ``path``."""

    def voices(self) -> list[Voice]: ...


def default_driver() -> str:
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
        self._driver = driver or default_driver()

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

    def remember(self, query: str, voice_id: str) -> None:
        """Take ``voice_id`` as the voice ``query`` names (as another engine found it), so
        that it is used without listing the voices (8 ms a time with espeak-ng)."""
        with self._lock:
            self._state().resolved[query] = voice_id

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

    def _wait_idle(self, rate: int | None = None) -> None:
        """Let espeak-ng apply queued property changes before the next phrase.

        In the asynchronous mode pyttsx3 runs it in, espeak-ng queues voice and rate changes
        behind the synthesis thread, and ``runAndWait`` cancels whatever is still queued when
        it starts (its ``stop()`` runs whenever espeak reports it is busy). Starting a phrase
        while changes were pending lost them and, now and then, emptied the phrase itself:
        both stopped once runs began only on an idle engine.

        Idle is not enough on its own: a change still waiting for the thread to wake is
        not "playing" either, so a freshly started engine (every phrase has one, see
        ``voicecoach.audio.synth_pool``) lost its rate now and then (3 phrases in 100). So the
        wait also lasts until espeak-ng reports ``rate`` as its current rate.
        """
        if self._driver != "espeak":
            return
        from pyttsx3.drivers import _espeak

        deadline = time.monotonic() + 2.0
        asked = time.monotonic()
        while time.monotonic() < deadline:
            if _espeak.IsPlaying():
                time.sleep(0.0005)
                continue
            if rate is None or _espeak_current_rate() == rate:
                return
            if time.monotonic() - asked > 0.005:  # dropped, not just late: ask again
                _espeak.SetParameter(_espeak.RATE, rate, 0)
                asked = time.monotonic()
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
            self._wait_idle(rate)
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


def voice_table(voices: list[Voice]) -> list[str]:
    """One line a voice, in columns: engine (when known), id, name and languages
    (``voicecoach voices``)."""
    id_width = max((len(v.id) for v in voices), default=0)
    name_width = max((len(v.name) for v in voices), default=0)
    engine_width = max((len(v.engine or "") for v in voices), default=0)
    lead = [f"{v.engine or '':<{engine_width}}  " if engine_width else "" for v in voices]
    return [
        f"{first}{v.id:<{id_width}}  {v.name:<{name_width}}  {', '.join(v.languages)}".rstrip()
        for first, v in zip(lead, voices, strict=True)
    ]
