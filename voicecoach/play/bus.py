"""D-Bus connections for play, every step bounded: the media player (``mpris``) and the
request to stay awake (``inhibit``).

jeepney's blocking ``DBusConnection`` says Hello to the bus with no timeout, and its socket
blocks for as long as a send takes; here the Hello has a timeout and so has every send.
No bus, one that refuses us or one that does not answer: ``connect`` returns None.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

TIMEOUT = 1.0
"""Seconds any one D-Bus step (connect, authenticate, a call, a send) may take."""


def connect(bus: str = "SESSION", timeout: float = TIMEOUT, fds: bool = False) -> Any | None:
    """A connection to the session (``SESSION``) or system (``SYSTEM``) bus, or None."""
    if bus == "SESSION" and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return None
    try:
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import DBusConnection, Proxy, get_bus, prep_socket
    except ImportError:  # pragma: no cover - jeepney is a dependency
        return None

    class Connection(DBusConnection):  # type: ignore[misc]
        """DBusConnection, with its Hello bounded by ``timeout``."""

        def __init__(self, sock: Any) -> None:
            from jeepney.io.blocking import DBusConnectionBase
            from jeepney.io.common import MessageFilters

            DBusConnectionBase.__init__(self, sock, fds)
            self._filters = MessageFilters()
            self.bus_proxy = Proxy(message_bus, self, timeout=timeout)
            self.unique_name = self.bus_proxy.Hello()[0]

    sock = None
    try:
        sock = prep_socket(get_bus(bus), fds, timeout=timeout)
        sock.settimeout(timeout)  # bounds every send; receives wait in a select of their own
        return Connection(sock)
    except (OSError, ValueError, KeyError, StopIteration, RuntimeError, TypeError):
        # OSError covers TimeoutError and a refused or missing socket; the rest are
        # addresses jeepney cannot parse and a bus that answers with an error.
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
        return None


def call(connection: Any, message: Any, timeout: float = TIMEOUT) -> Any:
    """Send ``message`` and return its reply's body; BusError on an error reply or no
    reply within ``timeout``."""
    from jeepney.low_level import HeaderFields, MessageType

    try:
        reply = connection.send_and_get_reply(message, timeout=timeout)
    except OSError as err:
        raise BusError(f"no reply from the bus: {err or 'timed out'}") from err
    if reply.header.message_type is MessageType.error:
        name = reply.header.fields.get(HeaderFields.error_name, "an error")
        raise BusError(f"{name}: {reply.body}")
    return reply.body


def close(connection: Any) -> None:
    with contextlib.suppress(OSError):
        connection.close()


class BusError(Exception):
    """A D-Bus call that failed; play goes on without what it was for."""
