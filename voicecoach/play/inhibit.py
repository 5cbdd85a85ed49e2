"""Keep the computer awake while a session plays: nobody touches the keyboard for twenty
minutes, long enough for a laptop to dim and suspend.

Two requests, each where it exists, and quietly nothing where neither does:

- ``org.freedesktop.ScreenSaver.Inhibit`` on the session bus (GNOME, KDE, Xfce and others
  serve it), which returns a cookie given back by ``UnInhibit``;
- logind's ``org.freedesktop.login1.Manager.Inhibit("idle:sleep", ...)`` on the system
  bus, which returns a file descriptor: the inhibit lasts until it is closed.

Both are released when play ends in any way (``stay_awake`` is a context manager, and
the connections close with it); every call has a timeout.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from voicecoach.play import bus

APP = "voicecoach"
REASON = "Guided session playing"
SCREENSAVER = ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver")
LOGIND = ("org.freedesktop.login1", "/org/freedesktop/login1")


@dataclass
class Held:
    """The inhibits taken, released by ``release``."""

    releases: list[Callable[[], None]]
    taken: list[str]

    def release(self) -> None:
        while self.releases:
            with contextlib.suppress(bus.BusError, OSError):
                self.releases.pop()()


@contextlib.contextmanager
def stay_awake(
    session: Callable[[], Any | None] = lambda: bus.connect("SESSION"),
    system: Callable[[], Any | None] = lambda: bus.connect("SYSTEM", fds=True),
) -> Iterator[Held]:
    """Ask not to idle-sleep until the block ends; yields what was taken (for --verbose)."""
    held = Held([], [])
    try:
        _screensaver(session, held)
        _logind(system, held)
        yield held
    finally:
        held.release()


def _screensaver(connect: Callable[[], Any | None], held: Held) -> None:
    from jeepney import DBusAddress, new_method_call

    connection = connect()
    if connection is None:
        return
    name, path = SCREENSAVER
    address = DBusAddress(path, bus_name=name, interface=name)
    try:
        (cookie,) = bus.call(connection, new_method_call(address, "Inhibit", "ss", (APP, REASON)))
    except (bus.BusError, ValueError):
        bus.close(connection)
        return

    def release() -> None:
        try:
            bus.call(connection, new_method_call(address, "UnInhibit", "u", (cookie,)))
        finally:
            bus.close(connection)

    held.releases.append(release)
    held.taken.append("the screensaver")


def _logind(connect: Callable[[], Any | None], held: Held) -> None:
    from jeepney import DBusAddress, new_method_call

    connection = connect()
    if connection is None:
        return
    name, path = LOGIND
    address = DBusAddress(path, bus_name=name, interface=f"{name}.Manager")
    message = new_method_call(address, "Inhibit", "ssss", ("idle:sleep", APP, REASON, "block"))
    try:
        (handle,) = bus.call(connection, message)
        fd = handle.to_raw_fd()
    except (bus.BusError, ValueError, AttributeError, OSError):
        return
    finally:
        bus.close(connection)  # the fd holds the inhibit, not the connection
    held.releases.append(lambda: os.close(fd))
    held.taken.append("logind")
