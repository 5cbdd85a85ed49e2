"""One exception family: every error a user can fix is a VoicecoachError.

The CLI's error boundary turns these into ``Error: ...`` lines and exit code 1;
anything else is a bug and shows a traceback only under ``--debug``. Besides the
VoicecoachErrors, the family has two other branches: ``Interrupted`` (Ctrl-C, SIGTERM and
SIGHUP, which unwind like a KeyboardInterrupt so every ``finally`` runs) and
``InternalError`` (raised by one stage and handled by the one above it).

One exception is defined outside this module: ``voicecoach.play.stream.StreamError``, which the
quick start (``voicecoach.play.warmstart``) raises before anything slow to import has loaded,
and this module's enum and dataclasses are (about 40 ms); the player turns it into an
AudioDeviceError.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class ExitCode(enum.IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    CTRL_C = 130


class InternalError(Exception):
    """Raised by one stage and caught by the stage above it, which retries or turns it into
    a VoicecoachError; one that reaches the CLI's boundary is a bug."""


class Interrupted(KeyboardInterrupt):
    """The person (Ctrl-C) or the system (SIGTERM, SIGHUP) ended the command."""


class StdoutError(InternalError, OSError):
    """Writing to standard output failed (a full disk, ``/dev/full``, a vanished device);
    a closed pipe stays a BrokenPipeError. The CLI's boundary reports it."""


class VoicecoachError(Exception):
    """Base of every error the user can act on; ``str(err)`` is the message shown.

    The library words its messages in values, never in the options of the command line.
    A message that tells what to change may name what its caller sets as ``{key}`` in a
    ``template`` (values quoted into it go through ``literal``): ``str()`` fills in the
    library's own words for each key (``names``), ``named`` its caller's, as the command
    line does with its option names (``voicecoach.cliparams.OPTIONS``).
    """

    template: str | None = None
    names: Mapping[str, str] = {}  # replaced, never changed in place

    def __init__(
        self, *args: object, template: str | None = None, names: Mapping[str, str] | None = None
    ) -> None:
        if template is not None:
            self.template = template
            self.names = dict(names or {})
            args = (template.format_map(self.names), *args)
        super().__init__(*args)

    def named(self, names: Mapping[str, str] | None = None) -> str:
        """The message with ``names`` (each key's words) over the library's own."""
        if self.template is None:
            return str(self)
        return self.template.format_map({**self.names, **(names or {})})

    def lines(self, names: Mapping[str, str] | None = None) -> list[str]:
        """The lines printed on stderr, each starting with ``Error:`` or a location; with
        ``names``, the caller's words for what the messages name (see ``named``)."""
        return [f"Error: {self.named(names)}"]


@dataclass(frozen=True)
class Problem:
    """One located problem in a file (1-based line and column). With ``names``, ``message``
    is a template over them, as a VoicecoachError's is (see ``VoicecoachError.named``)."""

    path: str
    line: int
    column: int
    message: str
    names: Mapping[str, str] | None = field(default=None, compare=False, hash=False)

    def named(self, names: Mapping[str, str] | None = None) -> str:
        message = self.message
        if self.names is not None:
            message = message.format_map({**self.names, **(names or {})})
        return f"{self.path}:{self.line}:{self.column}: {message}"

    def __str__(self) -> str:
        return self.named()


class RoutineError(VoicecoachError):
    """A routine file breaks the format; carries every problem found."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self, names: Mapping[str, str] | None = None) -> list[str]:
        return [p.named(names) for p in self.problems]


class RoutineNotFound(VoicecoachError):
    """A ROUTINE argument names no shipped routine, user routine or file."""


class VoiceEngineError(VoicecoachError):
    """The text-to-speech engine is missing or failed."""


class VoiceFileError(VoiceEngineError):
    """A voice model file that was asked for is missing or broken: never passed over for
    estimated lengths (as a missing engine is by ``script``), since the person must fix it."""


class AudioDeviceError(VoicecoachError):
    """No sound device, a busy one, or one lost mid-session."""


class ExportError(VoicecoachError):
    """An export cannot be written (format, folder, permissions)."""


class PackError(ExportError):
    """A pack cannot be written: its folder holds other files, a routine is given twice."""


class SettingsError(VoicecoachError):
    """The settings file is broken, or an option value is invalid."""


class OverrideError(SettingsError):
    """A value for one session (``voicecoach.compile.overrides``) is wrong, or makes the routine
    break a limit. The message names the values as ``{hold}``, ``{rounds}``, ...: ``str()``
    fills in the names it was raised with, ``named`` others (the command line's options)."""

    def __init__(self, template: str, names: Mapping[str, str]) -> None:
        super().__init__(template=template, names=names)


def literal(text: str) -> str:
    """``text`` (a path, a value someone gave) as it is, inside an error's ``template``."""
    return text.replace("{", "{{").replace("}", "}}")


class HistoryError(VoicecoachError):
    """The session history cannot be read or written."""


class UnusableFileError(VoicecoachError):
    """A path to read or write is not a regular file: a folder, a FIFO, a device, a
    symlink loop (see ``voicecoach.files``)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path} {reason}")


class FileTooLargeError(UnusableFileError):
    """A file to read is larger than voicecoach reads of its kind."""

    def __init__(self, path: str, reason: str, size: int) -> None:
        self.size = size
        super().__init__(path, reason)


class ReportError(VoicecoachError):
    """A report or a reminder file cannot be written (its ending, folder, permissions)."""
