"""voicecoach: voice-guided exercise routines you can follow with your eyes closed.

The public names below are loaded on first use, so that ``voicecoach play`` can start a
session's opening sound before the rest of the package (and numpy and PyYAML) is imported;
see ``voicecoach.play.warmstart``.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs the quick start 12 ms
if TYPE_CHECKING:
    from typing import Any

    from voicecoach.compile.cuescript import SAMPLE_RATE, Chapter, Cue, CueScript
    from voicecoach.errors import (
        AudioDeviceError,
        ExitCode,
        ExportError,
        Problem,
        RoutineError,
        RoutineNotFound,
        SettingsError,
        VoicecoachError,
        VoiceEngineError,
    )
    from voicecoach.routine.model import Exercise, Routine, WorkKind

__version__ = "0.1.0"

_HOMES = {
    "SAMPLE_RATE": "compile.cuescript",
    "Chapter": "compile.cuescript",
    "Cue": "compile.cuescript",
    "CueScript": "compile.cuescript",
    "AudioDeviceError": "errors",
    "ExitCode": "errors",
    "ExportError": "errors",
    "Problem": "errors",
    "RoutineError": "errors",
    "RoutineNotFound": "errors",
    "SettingsError": "errors",
    "VoicecoachError": "errors",
    "VoiceEngineError": "errors",
    "Exercise": "routine.model",
    "Routine": "routine.model",
    "WorkKind": "routine.model",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'voicecoach' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"voicecoach.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])


__all__ = [
    "SAMPLE_RATE",
    "AudioDeviceError",
    "Chapter",
    "Cue",
    "CueScript",
    "Exercise",
    "ExitCode",
    "ExportError",
    "Problem",
    "Routine",
    "RoutineError",
    "RoutineNotFound",
    "SettingsError",
    "VoiceEngineError",
    "VoicecoachError",
    "WorkKind",
    "__version__",
]
