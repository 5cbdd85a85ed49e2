"""SIGTERM and SIGHUP unwind like Ctrl-C: they raise ``Terminated``, a KeyboardInterrupt,
so every ``finally`` block runs (the sound stops, the terminal is restored, temp files are
removed) and whatever handles Ctrl-C handles them too: the player stops and reports how
far the session got, so the history records it as stopped there. Then the process exits
with the signal's usual status (128 plus its number), see ``exit_status``. Standard
library only: the quick start uses it before the rest of the program has loaded."""

from __future__ import annotations

import contextlib
import os
import signal
import sys

from voicecoach.errors import ExitCode, Interrupted

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs the quick start
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, NoReturn


class Terminated(Interrupted):
    """SIGTERM or SIGHUP arrived; ``status`` is the exit status it calls for."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.status = 128 + signum


_owner: int | None = None
"""The process that set the handlers: a forked child (a synthesis worker, which its
pool ends with SIGTERM) just exits, as it did before it was forked."""


def _leave(signum: int, frame: object) -> None:
    if os.getpid() != _owner:
        raise SystemExit(128 + signum)
    raise Terminated(signum)


def exit_status(exc: BaseException) -> int | None:
    """The exit status of a signal behind ``exc`` (itself, or what it was raised from or
    during, as the player's PlaybackInterrupted is), or None for a plain Ctrl-C."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, Terminated):
            return current.status
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def exit_interrupted(interrupt: BaseException) -> NoReturn:
    """Leave after an interrupt: SIGTERM or SIGHUP quietly with their status, as those
    signals do; Ctrl-C with one line, "Interrupted.", and status 130."""
    status = exit_status(interrupt)
    if status is not None:
        sys.exit(status)
    sys.stderr.write("Interrupted.\n")
    sys.exit(ExitCode.CTRL_C)


_inside = False


@contextlib.contextmanager
def exit_on_termination() -> Iterator[None]:
    """While inside: SIGTERM and SIGHUP (a closed terminal window) raise Terminated. A
    handler someone else set (``nohup`` ignoring SIGHUP, say) is respected, and outside the
    main thread, where signals are not ours to handle, nothing changes. The entry point
    enters it once for the whole run (``launch.main``); a second entry inside the first is
    a bug, a RuntimeError."""
    global _owner, _inside
    if _inside:
        raise RuntimeError("exit_on_termination is entered once, by the entry point")
    _inside = True
    _owner = os.getpid()
    previous: dict[int, Any] = {}
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)  # Windows has no SIGHUP
        if signum is None:
            continue
        try:
            if signal.getsignal(signum) is signal.SIG_DFL:
                previous[signum] = signal.signal(signum, _leave)
        except ValueError:  # not the main thread
            break
    try:
        yield
    finally:
        _inside = False
        for signum, handler in previous.items():
            signal.signal(signum, handler)
