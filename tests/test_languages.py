"""Languages end to end: a routine's ``language`` picks the built-in phrases and the voice.

The tests that speak German or Spanish with the real engine run voicecoach in its own
process: after a voice of another language, espeak-ng speaks the default voice a little
slower for the rest of the process, which must not leak into the other tests' phrases.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voicecoach.audio.session import prepare_session
from voicecoach.audio.speech import Speech, Voice, VoiceSettings, entry_frames
from voicecoach.cliparams import OPTIONS
from voicecoach.compile.compiler import compile_routine
from voicecoach.compile.cuescript import SAMPLE_RATE, CueScript, CueType
from voicecoach.compile.phrases import ENGLISH, GERMAN, SPANISH, Phrases
from voicecoach.compile.rules import check_script
from voicecoach.errors import SettingsError
from voicecoach.routine.load import load_routine
from voicecoach.routine.model import Routine

DATA = Path(__file__).parent / "data" / "languages"
GERMAN_FILE = DATA / "ruecken-kurz.yaml"
SPANISH_FILE = DATA / "movilidad-breve.yaml"
UNKNOWN_FILE = DATA / "unknown-language.yaml"
ENGLISH_FILE = Path(__file__).parent / "data" / "cli" / "stretch-break.yaml"

SUPPORTED = "supported languages: de (German), en (English), es (Spanish)"

# Built-in phrases each shipped test routine must say, in its own language.
GERMAN_SAID = [
    "Eins. Drücken.",
    "Zwei. Drücken.",
    "Die Letzte. Drücken.",
    "Mach dich bereit.",
    "Pause.",
    "Als Nächstes: Knie zur Brust.",
    "2 Sätze.",
    "Linke Seite zuerst.",
    "Seitenwechsel. Rechte Seite.",
    "Satz 2 von 2.",
    "Linke Seite.",
    "Noch 10 Sekunden.",
    "Drei.",
    "Halbzeit.",
    "Gut gemacht.",
]
SPANISH_SAID = [
    "Ronda 1 de 2.",
    "Ronda 2 de 2.",
    "Uno. Presiona.",
    "Dos. Presiona.",
    "La última. Presiona.",
    "Prepárate.",
    "Descanso.",
    "A continuación: Rodillas a un lado.",
    "A continuación: Báscula pélvica.",
    "Lado izquierdo primero.",
    "Cambia de lado. Lado derecho.",
    "Quedan 10 segundos.",
    "Tres.",
    "Buen trabajo.",
]
LANGUAGES = [
    pytest.param(GERMAN_FILE, GERMAN, "de", GERMAN_SAID, id="de"),
    pytest.param(SPANISH_FILE, SPANISH, "es", SPANISH_SAID, id="es"),
]


def spoken(script: CueScript) -> list[str]:
    return [c.text for c in script.cues if c.type is CueType.SPEECH]


def english_builtins() -> set[str]:
    """Every English phrase voicecoach adds by itself that the test routines could use."""
    p = ENGLISH
    return {
        *p.all_fixed(),
        *(p.count(n) for n in range(1, 11)),
        *(p.switch_to(s) for s in ("left", "right")),
        *(p.side_first(s) for s in ("left", "right")),
        *(p.side_again(s) for s in ("left", "right")),
        *(p.time_left(s) for s in (10, 30, 60)),
        p.sets_announcement(2),
        p.set_announcement(2, 2),
        p.round_announcement(1, 2),
        p.round_announcement(2, 2),
    }


# --- the built-in phrases ------------------------------------------------------------------


@pytest.mark.parametrize(("path", "table", "code", "said"), LANGUAGES)
def test_a_routine_speaks_its_languages_phrases(
    path: Path, table: Phrases, code: str, said: list[str]
) -> None:
    routine = load_routine(path)
    script = compile_routine(routine)
    texts = spoken(script)
    assert script.language == code
    assert check_script(script, routine) == []
    assert [t for t in said if t not in texts] == []
    assert set(texts).isdisjoint(english_builtins())
    english_words = {"Left side", "Right side", "Switch sides", "Next up", "Last one"}
    assert not [t for t in texts if any(w in t for w in english_words)]
    # The routine's own text is spoken as written; the built-in phrases from its table.
    assert sentence_of(routine.name) in texts
    assert sentence_of(table.well_done) in texts


def sentence_of(text: str) -> str:
    return text if text.endswith(".") else text + "."


def test_side_labels_an_author_wrote_are_said_as_written() -> None:
    knee = replace(load_routine(GERMAN_FILE).exercises[1], sides=("vorne", "hinten"))
    routine = Routine(id="seiten", name="Seiten", language="de", exercises=(knee,))
    texts = spoken(compile_routine(routine))
    assert "Vorne zuerst." in texts
    assert "Seitenwechsel. Hinten." in texts


# --- the voice -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "language", "voice"),
    [
        (VoiceSettings(), "de", "de"),
        (VoiceSettings(), "es", "es"),
        (VoiceSettings(), "de-AT", "de"),
        (VoiceSettings(), "es-MX", "es"),
        (VoiceSettings(), " ES-419 ", "es"),
        (VoiceSettings(), "en", None),
        (VoiceSettings(), "en-GB", None),
        (VoiceSettings(voice="en-us"), "de", "en-us"),
        (VoiceSettings(voice="roa/es-419"), "es", "roa/es-419"),
        (VoiceSettings(voice="de"), "en", "de"),
    ],
)
def test_the_language_names_the_voice_unless_one_is_named(
    settings: VoiceSettings, language: str, voice: str | None
) -> None:
    chosen = settings.for_language(language)
    assert chosen.voice == voice
    assert (chosen.rate, chosen.volume) == (settings.rate, settings.volume)


class RecordingEngine:
    """A stand-in engine that knows some voices: a tone per phrase; records the settings
    each phrase was spoken with, and refuses a voice it does not have, as the real one does."""

    name = "recording"

    def __init__(self, known: tuple[str, ...] = ("de", "es", "en-us")) -> None:
        self.known = known
        self.used: list[VoiceSettings] = []

    def synthesize(self, text: str, path: Path, settings: VoiceSettings) -> None:
        if settings.voice is not None and settings.voice not in self.known:
            raise SettingsError(
                f"unknown voice {settings.voice!r}: `voicecoach voices` lists the installed ones"
            )
        self.used.append(settings)
        t = np.arange(2000 + 150 * len(text)) / SAMPLE_RATE
        sf.write(path, 0.3 * np.sin(2 * np.pi * 440 * t), SAMPLE_RATE, subtype="PCM_16")

    def voices(self) -> list[Voice]:
        return [Voice(v, v, (v,)) for v in self.known]


@pytest.mark.parametrize(
    ("path", "voice"),
    [(GERMAN_FILE, "de"), (SPANISH_FILE, "es"), (ENGLISH_FILE, None)],
    ids=["de", "es", "en"],
)
def test_a_session_speaks_with_a_voice_of_the_routines_language(
    tmp_path: Path, path: Path, voice: str | None
) -> None:
    engine = RecordingEngine()
    speech = Speech(VoiceSettings(rate=150, volume=0.8), tmp_path, engine=engine)
    session = prepare_session(load_routine(path), speech)
    assert engine.used
    assert set(engine.used) == {VoiceSettings(voice, 150, 0.8)}
    # The script is timed by that voice's clips, and rendered from them.
    for cue in session.script.cues:
        if cue.type is CueType.SPEECH:
            assert len(session.speech(cue.text)) == cue.length
    assert speech.for_language(load_routine(path).language).settings.voice == voice


def test_a_named_voice_speaks_a_routine_in_any_language(tmp_path: Path) -> None:
    engine = RecordingEngine()
    speech = Speech(VoiceSettings(voice="en-us"), tmp_path, engine=engine)
    assert speech.for_language("de") is speech
    prepare_session(load_routine(GERMAN_FILE), speech)
    assert {s.voice for s in engine.used} == {"en-us"}


def test_the_language_voice_shares_the_cache_and_engine(tmp_path: Path) -> None:
    engine = RecordingEngine()
    english = Speech(cache_dir=tmp_path, engine=engine)
    assert english.for_language("en-US") is english
    german = english.for_language("de-AT")
    assert (german.cache_dir, german.engine, german.settings.voice) == (tmp_path, engine, "de")
    # Its clips are cached apart from the default voice's.
    assert german.key("Halbzeit.") != english.key("Halbzeit.")


def test_no_voice_for_the_language_says_what_to_do(tmp_path: Path) -> None:
    speech = Speech(cache_dir=tmp_path, engine=RecordingEngine(known=("en-us",)))
    with pytest.raises(SettingsError) as caught:
        prepare_session(load_routine(SPANISH_FILE), speech)
    assert caught.value.lines() == [
        "Error: no installed voice speaks 'es', the language of this routine (es-MX): install "
        "a voice for it, or choose one with the session's voice or the `voice` setting "
        "(`voicecoach voices` lists them)"
    ]
    # What the command line says: its option in place of the library's words.
    assert caught.value.named(OPTIONS) == (
        "no installed voice speaks 'es', the language of this routine (es-MX): install "
        "a voice for it, or choose one with --voice or the `voice` setting "
        "(`voicecoach voices` lists them)"
    )
    assert list(tmp_path.glob("*.wav")) == []


def test_an_unknown_named_voice_keeps_its_own_message(tmp_path: Path) -> None:
    speech = Speech(VoiceSettings(voice="xx"), tmp_path, engine=RecordingEngine())
    with pytest.raises(SettingsError, match=r"^unknown voice 'xx'"):
        prepare_session(load_routine(GERMAN_FILE), speech)


# --- the command line, with the real engine --------------------------------------------------


def voicecoach(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command in a fresh process (the environment carries the test's folders)."""
    return subprocess.run(
        [sys.executable, "-m", "voicecoach", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=dict(os.environ),
    )


@pytest.mark.engine
@pytest.mark.parametrize(("path", "table", "code", "said"), LANGUAGES)
def test_script_and_export_speak_the_language_with_its_voice(
    tmp_path: Path, speech_cache: Path, path: Path, table: Phrases, code: str, said: list[str]
) -> None:
    result = voicecoach("script", "--json", str(path))
    assert (result.returncode, result.stderr) == (0, "")
    data = json.loads(result.stdout)
    assert data["language"] == code
    speech_cues = [c for c in data["cues"] if c["type"] == "speech"]
    texts = [c["text"] for c in speech_cues]
    assert [t for t in said if t not in texts] == []
    # Every phrase was synthesized with the language's voice, and timed by its clip.
    voiced = Speech(VoiceSettings(voice=code), speech_cache)
    default = Speech(VoiceSettings(), speech_cache)
    for cue in speech_cues:
        frames = entry_frames(voiced.path(cue["text"]))
        assert frames is not None, cue["text"]
        assert cue["duration"] == round(frames / SAMPLE_RATE, 6)
    assert entry_frames(default.path(sentence_of(table.halfway))) is None
    assert entry_frames(default.path(said[0])) is None

    # Export: the same script (the cached clips), and audio of exactly its length.
    out, cues = tmp_path / "session.wav", tmp_path / "cues.json"
    exported = voicecoach("export", str(path), "-o", str(out), "--cues", str(cues))
    assert (exported.returncode, exported.stderr) == (0, "")
    assert json.loads(cues.read_text(encoding="utf-8")) == data
    assert sf.info(str(out)).frames == round(data["duration"] * SAMPLE_RATE)


def test_an_unknown_language_is_a_located_error(capsys: pytest.CaptureFixture[str]) -> None:
    from voicecoach.cli import main

    line = f"{UNKNOWN_FILE}:2:11: `language` `xx` is not supported; {SUPPORTED}\n"
    for command in (["script", "--json"], ["show"], ["validate"]):
        with pytest.raises(SystemExit) as exited:
            main([*command, str(UNKNOWN_FILE)])
        out, err = capsys.readouterr()
        assert (exited.value.code, out, err) == (1, "", line), command
