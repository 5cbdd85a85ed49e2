"""One path for every control: the terminal's keys and the media player's commands
(``mpris``, from headset buttons, media keys or ``playerctl``) reach the player the same way.

The player asks its ``Controls`` what happened within a tick (``wait(timeout) -> str``).
Commands from another thread are written to a self-pipe (``Commands``), and
``MergedControls`` waits on that pipe and the terminal in one ``select``, so a button press
wakes the player at once, as a key does. A command is one character: a key the terminal
can type (``n`` next, ``q`` quit, space to pause or go on) or one that it cannot (``PLAY``,
``PAUSE``, ``PREVIOUS``: code points of Unicode's private use area).
"""

from __future__ import annotations

import contextlib
import os
import select

from voicecoach.play.keys import NoControls, TerminalControls

TOGGLE = " "
NEXT = "n"
BACK = "b"
STOP = "q"
PLAY = "\ue000"
"""Go on if paused; nothing if playing."""
PAUSE = "\ue001"
"""Pause if playing; nothing if paused."""
PREVIOUS = "\ue002"
"""The start of this exercise; pressed again within a few seconds, the one before."""


class Commands:
    """A self-pipe: ``post`` from any thread, and the player's wait wakes up."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)

    def fileno(self) -> int:
        return self._read

    def post(self, command: str) -> None:
        """Queue ``command``; dropped if the pipe is full (the player is far behind) or
        closed (play has ended)."""
        with contextlib.suppress(OSError):
            os.write(self._write, command.encode("utf-8"))

    def read(self) -> str:
        """Every command posted and not yet read."""
        data = b""
        with contextlib.suppress(BlockingIOError, OSError):
            while chunk := os.read(self._read, 256):
                data += chunk
        return data.decode("utf-8", "replace")

    def close(self) -> None:
        for fd in (self._read, self._write):
            with contextlib.suppress(OSError):
                os.close(fd)


class MergedControls:
    """The player's controls: posted commands and, when there is one, the terminal."""

    def __init__(self, commands: Commands, terminal: TerminalControls | None = None) -> None:
        self._commands = commands
        self._terminal = terminal

    def wait(self, timeout: float) -> str:
        fds = [self._commands.fileno()]
        terminal = self._terminal.fileno() if self._terminal is not None else None
        if terminal is not None:
            fds.append(terminal)
        try:
            ready, _, _ = select.select(fds, [], [], max(0.0, timeout))
        except (OSError, ValueError):  # a closed pipe: just let time pass
            return NoControls().wait(timeout)
        got = ""
        if terminal is not None and terminal in ready and self._terminal is not None:
            got += self._terminal.read()
        if self._commands.fileno() in ready:
            got += self._commands.read()
        return got
