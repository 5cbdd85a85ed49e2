"""The terminal during live play: single keys in cbreak mode, the status line, and the
sound libraries' own noise on fd 2 kept off the screen.

``termios``, ``tty`` and ``select`` are POSIX modules: they are imported only when a
terminal's keys are read, so importing this module works everywhere.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import time
from collections.abc import Iterator
from typing import IO, Any, Protocol

from voicecoach.play.stream import hide_fd2, restore_fd2


@contextlib.contextmanager
def quiet_stderr_fd(stream: IO[str]) -> Iterator[IO[str]]:
    """Point fd 2 at /dev/null while playing, and yield a stream to the real stderr.

    ALSA's C library prints its own diagnostics on fd 2, also from PortAudio's device
    thread when a device fails mid-session; the AudioDeviceError that follows says the
    same in words, so they would only be noise on the user's screen.
    """
    saved = hide_fd2(stream)
    if saved is None:
        yield stream
        return
    real = stream
    try:
        with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
            if stream.fileno() == 2:
                encoding = getattr(stream, "encoding", None) or "utf-8"
                real = os.fdopen(os.dup(saved), "w", encoding=encoding, errors="replace")
        yield real
    finally:
        with contextlib.suppress(OSError, ValueError):
            real.flush()
        restore_fd2(saved)
        if real is not stream:
            real.close()


class Controls(Protocol):
    """Waits for keys: returns what was typed (maybe nothing) within ``timeout`` seconds."""

    def wait(self, timeout: float) -> str: ...


class NoControls:
    """No terminal: just let time pass."""

    def wait(self, timeout: float) -> str:
        if timeout > 0:
            time.sleep(timeout)
        return ""


class TerminalControls:
    """Single keys from a terminal in cbreak mode (Ctrl-C still interrupts); the terminal's
    settings are restored on exit, whatever happens."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._saved: list[Any] | None = None
        self._gone = False

    def __enter__(self) -> TerminalControls:
        import termios
        import tty

        self._saved = termios.tcgetattr(self._fd)
        tty.setcbreak(self._fd, termios.TCSANOW)
        mode = termios.tcgetattr(self._fd)
        # Ctrl-Z would freeze the sound mid-cue and leave the terminal in cbreak mode.
        mode[6][termios.VSUSP] = b"\x00"
        termios.tcsetattr(self._fd, termios.TCSANOW, mode)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._saved is not None:
            import termios

            with _ignore_sigttou(), contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)
            self._saved = None

    def fileno(self) -> int | None:
        """The terminal's fd to wait on, None once it hung up."""
        return None if self._gone else self._fd

    def read(self) -> str:
        """What was typed, once ``fileno`` is ready ("" and no more waiting on a hang-up)."""
        try:
            data = os.read(self._fd, 64)
        except OSError:
            data = b""
        if not data:
            self._gone = True
        return data.decode("utf-8", "replace")

    def wait(self, timeout: float) -> str:
        if self._gone:  # the terminal hung up: just let time pass, as without one
            return NoControls().wait(timeout)
        import select

        ready, _, _ = select.select([self._fd], [], [], max(0.0, timeout))
        return self.read() if ready else ""


@contextlib.contextmanager
def _ignore_sigttou() -> Iterator[None]:
    """Restoring the terminal after being put in the background must not stop the process."""
    try:
        previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTTOU, previous)


def in_foreground(stream: IO[Any] | None) -> bool:
    """Whether ``stream`` is a terminal this process may read and configure (not piped,
    not a background job)."""
    if stream is None:
        return False
    try:
        fd = stream.fileno()
        return os.isatty(fd) and os.tcgetpgrp(fd) == os.getpgrp()
    except (OSError, ValueError, AttributeError):
        return False


class StatusLine:
    """One line on a terminal, rewritten in place and cleared at the end."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def _width(self) -> int:
        try:
            columns = os.get_terminal_size(self._stream.fileno()).columns
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            columns = shutil.get_terminal_size().columns
        return max(10, columns - 1)

    def _write(self, text: str) -> None:
        # A terminal that went away (a closed window) must not turn into an error.
        with contextlib.suppress(OSError, ValueError):
            self._stream.write(text)
            self._stream.flush()

    def __call__(self, text: str) -> None:
        self._write("\r" + text[: self._width()] + "\x1b[K")

    def clear(self) -> None:
        self._write("\r\x1b[K")
