"""Which engine speaks: espeak-ng (through pyttsx3) or Piper, the neural voice.

A voice setting (``--voice`` or the ``voice`` setting) names one of:

- ``piper:NAME``: an installed Piper voice (``voicecoach voices``), such as
  ``piper:en_US-joe-medium``, or ``piper:PATH`` to a model file;
- a path to a Piper model (``.../de_DE-thorsten-medium.onnx``, its ``.onnx.json`` beside
  it), or to a folder of them, from which each routine takes the voice of its language;
- ``espeak:ID``: an espeak-ng voice, by id, name or language (``espeak:en``: espeak-ng
  even for English); plain ids, names and languages (``gmw/en-us``, ``de``) mean the same,
  as before the neural voice.

With no voice named, a routine is spoken by an installed Piper voice of its language (the
``neural`` extra brings an English one; downloaded voices go in ``neural.voices_dir()``),
else by espeak-ng's voice for the language. Nothing here loads a model or imports
onnxruntime: engines start at their first uncached phrase.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from voicecoach.audio import neural
from voicecoach.audio.voice_engine import Pyttsx3Engine, SpeechEngine, Voice, VoiceSettings
from voicecoach.errors import VoiceEngineError

ESPEAK_PREFIX = "espeak:"


def espeak_engine() -> SpeechEngine:
    """espeak-ng (or the system's voices through pyttsx3): on Linux a fresh engine for every
    phrase (``voicecoach.audio.synth_pool``), so a phrase always gives the same samples;
    elsewhere in this process."""
    local = Pyttsx3Engine()
    if sys.platform.startswith("linux") and local.name == "espeak":
        from voicecoach.audio.synth_pool import FreshEngine

        return FreshEngine(local)
    return local


def _espeak(settings: VoiceSettings, language: str) -> tuple[SpeechEngine, VoiceSettings]:
    return espeak_engine(), settings.for_language(language)


def choose(settings: VoiceSettings, language: str) -> tuple[SpeechEngine, VoiceSettings]:
    """The engine for a routine in ``language`` with ``settings``, and the settings it is
    given (an ``espeak:`` prefix taken off); see the module's docstring."""
    voice = settings.voice
    if voice is None:
        found = neural.for_language(language, neural.installed_voices())
        if found is not None:
            return neural.PiperEngine(found), settings
        return _espeak(settings, language)
    if voice.startswith(ESPEAK_PREFIX):
        rest = voice[len(ESPEAK_PREFIX) :].strip()
        return _espeak(replace(settings, voice=rest or None), language)
    if voice.startswith(neural.PREFIX):
        return neural.PiperEngine(neural.named_voice(voice)), settings
    if neural.looks_like_file(voice):
        path = Path(voice).expanduser()
        if path.is_dir():
            found = neural.for_language(language, neural.folder_voices(path))
            if found is None:  # none of this language there: espeak-ng's
                return _espeak(replace(settings, voice=None), language)
            return neural.PiperEngine(found), settings
        return neural.PiperEngine(neural.named_voice(voice)), settings
    return _espeak(settings, language)


def engine_label(engine: SpeechEngine) -> str:
    """The engine's name as ``voicecoach voices`` shows it."""
    name = engine.name
    if name.startswith(neural.PREFIX):
        return "piper"
    return "espeak-ng" if name == "espeak" else name


def all_voices(language: str | None = None) -> list[Voice]:
    """Every installed voice of both engines, each marked with its engine, those speaking
    ``language`` if given. A missing espeak-ng is an error only if Piper has none."""
    from voicecoach.audio.voice_engine import list_voices

    found: list[Voice] = []
    problem: VoiceEngineError | None = None
    try:
        local = Pyttsx3Engine()
        label = "espeak-ng" if local.name == "espeak" else local.name
        found = [replace(v, engine=label) for v in list_voices(None, local)]
    except VoiceEngineError as err:
        problem = err
    piper = [replace(v.as_voice(), engine="piper") for v in neural.installed_voices()]
    if problem is not None and not piper:
        raise problem
    voices = piper + found
    if language is None:
        return voices
    wanted = language.strip().lower().replace("_", "-")
    return [
        v
        for v in voices
        if any(
            lang.lower() == wanted or lang.lower().startswith(wanted + "-") for lang in v.languages
        )
    ]
