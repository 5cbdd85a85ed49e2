"""voicecoach: voice-guided exercise routines you can follow with your eyes closed."""

from voicecoach.cuescript import SAMPLE_RATE, Chapter, Cue, CueScript
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
from voicecoach.routine import Exercise, Routine, WorkKind

__version__ = "0.1.0"

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
