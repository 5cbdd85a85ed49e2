"""How a session ends and what it plays through: the result for the history, the errors
that carry it, and the sound device."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Protocol

from voicecoach.errors import AudioDeviceError, Interrupted
from voicecoach.play.stream import Feed, Stream, StreamError


def export_hint(routine: str) -> str:
    """What to do without a sound device, naming the routine as the user did."""
    return (
        "to listen without it, write the session to a file: "
        f"`voicecoach export {shlex.quote(routine)} -o session.mp3`"
    )


@dataclass(frozen=True)
class PlayResult:
    """How far a session got: for the history and for resuming later."""

    completed: bool
    position: int
    """Samples of the script reached (``script.length`` when completed)."""
    chapter: int | None
    """Index into ``script.chapters`` of the exercise reached; None before the first."""


class PlaybackInterrupted(Interrupted):
    """Ctrl-C during playback, carrying how far the session got."""

    def __init__(self, result: PlayResult) -> None:
        super().__init__()
        self.result = result


class AudioDeviceLost(AudioDeviceError):
    """The sound device failed after part of the session had played, carrying how far it
    got, so the history records the session as stopped there rather than never played."""

    def __init__(self, message: str, result: PlayResult) -> None:
        super().__init__(message)
        self.result = result


class Output(Protocol):
    """The one stream a session plays through (``stream.Stream``, or a fake in tests)."""

    feed: Feed
    latency: float

    def problem(self) -> str | None: ...

    def close(self) -> None: ...


def open_output(feed: Feed, routine: str) -> Stream:
    """The default output device, started, playing ``feed``; AudioDeviceError if none."""
    try:
        return Stream.open(feed)
    except StreamError as err:
        raise AudioDeviceError(f"{err}; {export_hint(routine)}") from err
