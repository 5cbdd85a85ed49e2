"""Sessions: a routine, adapted for today and compiled with the voice's real phrase
lengths, together with the sources that voice it; what ``play``, ``export`` and ``script``
are made from.

The command line parses options into a ``SessionOptions`` and calls these; everything
between a routine's name and the audio of its session happens here or below.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from voicecoach.audio import sounds
from voicecoach.audio.neural import synthesize_in_threads
from voicecoach.audio.render import DEFAULT_CHUNK, ClipSource, RenderError, chime_source, render
from voicecoach.audio.samples import Audio
from voicecoach.audio.speech import Speech, VoiceSettings
from voicecoach.audio.synth_pool import synthesize_in_parallel
from voicecoach.compile.compiler import CompileOptions, compile_routine, spoken_texts
from voicecoach.compile.cuescript import CueScript
from voicecoach.compile.estimate import estimate_speech_samples
from voicecoach.compile.overrides import NAMES, apply_overrides, unused_overrides
from voicecoach.errors import VoicecoachError, VoiceEngineError, VoiceFileError
from voicecoach.limits import check_compiled
from voicecoach.routine.model import Routine

if TYPE_CHECKING:
    from voicecoach.compile.overrides import SessionOptions
    from voicecoach.library import Library
    from voicecoach.settings import Settings

__all__ = [
    "PreparedSession",
    "export_inputs",
    "load_routine",
    "made_from",
    "measured_script",
    "prepare",
    "prepare_session",
    "voice_settings",
]

Note = Callable[[str], None]
"""Where a session says what a person should know but that stops nothing (a line on
stderr, from the command line)."""


@dataclass(frozen=True)
class PreparedSession:
    """A compiled script with the sources that voice it: what ``play`` and ``export`` need.

    ``voice_gain`` and ``chime_gain`` scale the speech and the chimes (1.0: as made), so the
    loudness chosen for a session travels with it to the player and the exporter.
    ``voice`` names the voice that speaks (``engine:voice``), None without one.
    """

    script: CueScript
    speech: ClipSource
    chime: ClipSource
    voice_gain: float = 1.0
    chime_gain: float = 1.0
    voice: str | None = None

    def chunks(
        self,
        start: int = 0,
        chunk: int = DEFAULT_CHUNK,
        voice_gain: float | None = None,
        chime_gain: float | None = None,
    ) -> Iterator[Audio]:
        """The session's audio from sample ``start`` (see ``render``), at the session's
        gains unless others are given."""
        return render(
            self.script,
            self.speech,
            self.chime,
            start,
            chunk,
            self.voice_gain if voice_gain is None else voice_gain,
            self.chime_gain if chime_gain is None else chime_gain,
        )


def _no_speech(text: str) -> Audio:
    raise RenderError(f"a session without a voice has nothing to say, yet {text!r} was asked")


def _no_speech_samples(text: str) -> int:
    raise RenderError(f"a session without a voice has nothing to say, yet {text!r} was timed")


def prepare_session(
    routine: Routine,
    speech: Speech | None,
    options: CompileOptions | None = None,
    load_chime: ClipSource | None = None,
    *,
    voice_gain: float = 1.0,
    chime_gain: float = 1.0,
    also_say: Sequence[str] = (),
) -> PreparedSession:
    """Compile ``routine`` with the engine's real phrase lengths, so audio and script agree.

    Every phrase the routine may speak is synthesized first, so a cold cache costs its
    time up front rather than in the middle of the audio. ``speech=None`` makes a session
    of chimes only (``options.voice`` is then taken as False) that never starts a speech
    engine, so it works where none is installed. ``load_chime`` defaults to the shipped
    chimes; the gains are kept on the session (see ``PreparedSession``). ``also_say`` are
    phrases said around the session (the check-in's questions), made now with the rest.
    """
    options = options or CompileOptions()
    chimes = chime_source(load_chime or sounds.load_chime)
    if speech is None:
        options = replace(options, voice=False)
        script = compile_routine(routine, _no_speech_samples, options=options)
        check_compiled(script, routine)
        return PreparedSession(script, _no_speech, chimes, voice_gain, chime_gain)
    # The limits hold on estimated lengths before anything is synthesized, and on the real
    # ones before anything is rendered.
    check_compiled(compile_routine(routine, estimate_speech_samples, options=options), routine)
    speech = speech.for_language(routine.language)  # its voice, unless one was named
    texts = [*spoken_texts(routine, options), *also_say]
    synthesize_in_parallel(speech, texts)  # espeak-ng's fresh engines
    synthesize_in_threads(speech, texts)  # Piper's
    speech.prepare(texts)
    script = compile_routine(routine, speech.samples, options=options)
    check_compiled(script, routine)
    return PreparedSession(script, speech.clip, chimes, voice_gain, chime_gain, _voice_name(speech))


def _voice_name(speech: Speech) -> str:
    """``piper:NAME`` for a Piper voice, else the driver and the voice asked for."""
    piper = getattr(speech.engine, "voice", None)  # a PiperEngine's voice file
    name = getattr(piper, "name", None)
    if isinstance(name, str):
        return f"piper:{name}"
    return f"{speech.engine.name}:{speech.settings.voice or 'default'}"


def voice_settings(
    saved: Settings,
    voice: str | None = None,
    rate: int | None = None,
    volume: float | None = None,
) -> VoiceSettings:
    """The voice to speak with: each value given (on the command line), else the settings
    file's (``saved``), else the engine's default."""
    return VoiceSettings(
        voice=voice if voice is not None else saved.voice,
        rate=rate if rate is not None else saved.rate,
        volume=volume if volume is not None else saved.volume,
    )


def load_routine(
    library: Library,
    name: str,
    options: SessionOptions,
    note: Note,
    names: Mapping[str, str] = NAMES,
) -> Routine:
    """The routine ``name`` from ``library``, adapted by the session's overrides, with a
    note for each override that changes nothing in it (each value called as ``names``
    says: the command line gives its options)."""
    loaded = library.load(name)
    for unused in unused_overrides(loaded, options.overrides, names):
        note(unused)
    return apply_overrides(loaded, options.overrides)


def prepare(
    routine: Routine, options: SessionOptions, also_say: Sequence[str] = ()
) -> PreparedSession:
    """The session ready to render: real phrase lengths from the voice engine, or no
    engine at all without a voice (``also_say``: see ``prepare_session``)."""
    speech = Speech(options.voice) if options.voiced else None
    return prepare_session(
        routine,
        speech,
        options.compile_options,
        chime_gain=options.chime_gain,
        also_say=also_say,
    )


def measured_script(routine: Routine, options: SessionOptions, note: Note) -> CueScript | None:
    """The script timed by the voice engine; None, with a note, when there is no engine
    (a broken voice file is an error: see ``VoiceFileError``)."""
    try:
        return prepare(routine, options).script
    except VoiceFileError:
        raise
    except VoiceEngineError as err:
        note(str(err))
        note("phrase lengths are estimated instead.")
        return None


def export_inputs(library: Library, name: str) -> list[tuple[Path, str]]:
    """The files an export of the routine ``name`` reads, which its outputs must not
    overwrite: the settings file, and the routine's file when it is found."""
    from voicecoach.settings import settings_path

    inputs = [(settings_path(), "the settings file")]
    with contextlib.suppress(VoicecoachError):  # a routine not found is said when loaded
        inputs.append((library.resolve(name), "the routine file"))
    return inputs


def made_from(library: Library, name: str) -> list[Path]:
    """What a session of the routine ``name`` is made from, for the quick start's stored
    opening: the settings, and every file the routine's name could lead to."""
    from voicecoach.settings import settings_path

    return [settings_path(), *library.candidates(name)]
