"""SIGTERM and SIGHUP unwind like Ctrl-C: ``finally`` blocks run, so the sound stops, the
terminal is restored and temp files are removed, and the process exits with the signal's
usual status (128 plus its number). Standard library only: the quick start uses it before
the rest of the program has loaded."""

from __future__ import annotations

import contextlib
import signal

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs the quick start
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any


def _leave(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def exit_on_termination() -> Iterator[None]:
    """While inside: SIGTERM and SIGHUP (a closed terminal window) raise SystemExit. A
    handler someone else set (``nohup`` ignoring SIGHUP, say) is respected, and outside the
    main thread, where signals are not ours to handle, nothing changes."""
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
        for signum, handler in previous.items():
            signal.signal(signum, handler)
