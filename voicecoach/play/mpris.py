"""While ``play`` runs, voicecoach is an MPRIS2 media player on the D-Bus session bus.

Desktops send media keys to MPRIS players, and BlueZ forwards a Bluetooth headset's
play/pause, next and previous buttons there: one implementation serves them all, and
``playerctl -p voicecoach`` too. The player is ``org.mpris.MediaPlayer2.voicecoach`` (with
``.instance<pid>`` after it when another voicecoach has the name) at
``/org/mpris/MediaPlayer2``. Each exercise is a track: Metadata names it (with its side or
set), Position counts from its start, and Next, Previous, Play, Pause, PlayPause and Stop
become the player's commands (``controls``), by the same path as the terminal's keys.

Why jeepney: it is pure Python with no compiled part on every Python we support (3.10 to
3.13), maintained, and small; its blocking API fits a player made of threads. dbus-fast is
built around asyncio (its speedups are compiled per Python), and the player has no event
loop to give it. One thread owns the connection: it answers calls and sends the signals,
each receive and send bounded, and it stops, and the connection closes, when play ends.
Without a session bus (none set, or one that does not answer) there is simply no media
player: play goes on as without one.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from voicecoach.compile.cuescript import SAMPLE_RATE, CueScript
from voicecoach.play import bus, controls
from voicecoach.play.position import chapter_at, next_chapter_start, where

NAME = "org.mpris.MediaPlayer2.voicecoach"
PATH = "/org/mpris/MediaPlayer2"
ROOT = "org.mpris.MediaPlayer2"
PLAYER = "org.mpris.MediaPlayer2.Player"
PROPERTIES = "org.freedesktop.DBus.Properties"
INTROSPECTABLE = "org.freedesktop.DBus.Introspectable"
TRACKS = "/org/voicecoach/track"
POLL = 0.1
"""Seconds the service thread waits for a call before looking at the player again."""
STOP_WAIT = 2.0
"""How long play's end waits for the service thread (it wakes every POLL)."""

COMMANDS = {
    "Play": controls.PLAY,
    "Pause": controls.PAUSE,
    "PlayPause": controls.TOGGLE,
    "Next": controls.NEXT,
    "Previous": controls.PREVIOUS,
    "Stop": controls.STOP,
}


@dataclass(frozen=True)
class Now:
    """What the media player shows: the player's state at one moment."""

    status: str
    """``Playing`` or ``Paused`` (``Stopped`` once play has ended)."""
    track: int
    """The exercise's chapter index; -1 before the first."""
    title: str
    artist: str
    start: int
    """Where the track starts in the script (samples)."""
    length: int
    position: int
    """Samples into the track."""
    can_next: bool
    can_previous: bool
    jumps: int
    """How many skips so far: a new one is a Seeked signal."""

    def metadata(self) -> dict[str, tuple[str, Any]]:
        return {
            "mpris:trackid": ("o", f"{TRACKS}/{self.track + 1}"),
            "xesam:title": ("s", self.title),
            "xesam:artist": ("as", [self.artist]),
            "mpris:length": ("x", micro(self.length)),
        }


def micro(samples: int) -> int:
    return samples * 1_000_000 // SAMPLE_RATE


def now_at(script: CueScript, position: int, paused: bool, jumps: int = 0) -> Now:
    """The media player's view of ``script`` heard at ``position``."""
    index = chapter_at(script, position)
    if index is None:
        start, end = 0, script.chapters[0].start if script.chapters else script.length
    else:
        start, end = script.chapters[index].start, script.chapters[index].end
    if position >= end:  # the closing cues: a track of their own, to the end
        start, end = end, script.length
    return Now(
        status="Paused" if paused else "Playing",
        track=-1 if index is None else index,
        title=" - ".join(where(script, position)),
        artist=script.routine_name,
        start=start,
        length=max(0, end - start),
        position=max(0, min(position, end) - start),
        can_next=next_chapter_start(script, position) > position,
        can_previous=True,
        jumps=jumps,
    )


def root_properties() -> dict[str, tuple[str, Any]]:
    return {
        "CanQuit": ("b", False),
        "CanRaise": ("b", False),
        "HasTrackList": ("b", False),
        "Identity": ("s", "voicecoach"),
        "SupportedUriSchemes": ("as", []),
        "SupportedMimeTypes": ("as", []),
    }


def player_properties(now: Now) -> dict[str, tuple[str, Any]]:
    return {
        "PlaybackStatus": ("s", now.status),
        "Rate": ("d", 1.0),
        "MinimumRate": ("d", 1.0),
        "MaximumRate": ("d", 1.0),
        "Metadata": ("a{sv}", now.metadata()),
        "Position": ("x", micro(now.position)),
        "CanGoNext": ("b", now.can_next),
        "CanGoPrevious": ("b", now.can_previous),
        "CanPlay": ("b", True),
        "CanPause": ("b", True),
        "CanSeek": ("b", False),
        "CanControl": ("b", True),
    }


SIGNALLED = ("PlaybackStatus", "Metadata", "CanGoNext", "CanGoPrevious")
"""What PropertiesChanged reports (Position is read when wanted, as MPRIS says)."""

PLAYER_TYPES = {
    "PlaybackStatus": "s",
    "Rate": "d",
    "MinimumRate": "d",
    "MaximumRate": "d",
    "Metadata": "a{sv}",
    "Position": "x",
    **{name: "b" for name in ("CanGoNext", "CanGoPrevious", "CanPlay", "CanPause")},
    **{name: "b" for name in ("CanSeek", "CanControl")},
}


def _readable(types: dict[str, str]) -> str:
    return "".join(f'  <property name="{n}" type="{t}" access="read"/>\n' for n, t in types.items())


INTROSPECTION = (
    '<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"\n'
    ' "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">\n'
    "<node>\n"
    f' <interface name="{INTROSPECTABLE}">\n'
    '  <method name="Introspect"><arg type="s" direction="out"/></method>\n'
    " </interface>\n"
    f' <interface name="{PROPERTIES}">\n'
    '  <method name="Get"><arg type="s" direction="in"/><arg type="s" direction="in"/>'
    '<arg type="v" direction="out"/></method>\n'
    '  <method name="GetAll"><arg type="s" direction="in"/>'
    '<arg type="a{sv}" direction="out"/></method>\n'
    '  <method name="Set"><arg type="s" direction="in"/><arg type="s" direction="in"/>'
    '<arg type="v" direction="in"/></method>\n'
    '  <signal name="PropertiesChanged"><arg type="s"/><arg type="a{sv}"/><arg type="as"/>'
    "</signal>\n"
    " </interface>\n"
    f' <interface name="{ROOT}">\n'
    '  <method name="Raise"/><method name="Quit"/>\n'
    + _readable({name: kind for name, (kind, _) in root_properties().items()})
    + " </interface>\n"
    f' <interface name="{PLAYER}">\n'
    + "".join(f'  <method name="{name}"/>\n' for name in COMMANDS)
    + '  <method name="Seek"><arg name="Offset" type="x" direction="in"/></method>\n'
    '  <method name="SetPosition"><arg name="TrackId" type="o" direction="in"/>'
    '<arg name="Position" type="x" direction="in"/></method>\n'
    '  <method name="OpenUri"><arg name="Uri" type="s" direction="in"/></method>\n'
    '  <signal name="Seeked"><arg name="Position" type="x"/></signal>\n'
    + _readable(PLAYER_TYPES)
    + " </interface>\n"
    "</node>\n"
)


class MprisPlayer:
    """The media player, served by a thread of its own from ``start`` to ``stop``.

    ``post`` is given each command (see ``controls``); ``publish`` is told what the player
    is doing, and the thread signals what changed.
    """

    def __init__(self, connection: Any, name: str, post: Callable[[str], None], now: Now):
        self.name = name
        self._connection = connection
        self._post = post
        self._now = now
        self._told = now
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="mpris", daemon=True)

    @classmethod
    def start(cls, post: Callable[[str], None], now: Now) -> MprisPlayer | None:
        """The player on the session bus, serving; None without a session bus."""
        connection = bus.connect("SESSION")
        if connection is None:
            return None
        try:
            name = request_name(connection)
        except bus.BusError:
            bus.close(connection)
            return None
        player = cls(connection, name, post, now)
        player._thread.start()
        return player

    def publish(self, now: Now) -> None:
        self._now = now  # one reference swapped: the thread reads whole states only

    def stop(self) -> None:
        """Stop serving and close the connection (the name goes with it)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(STOP_WAIT)
        bus.close(self._connection)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                message = self._connection.receive(timeout=POLL)
            except TimeoutError:
                message = None
            except (OSError, ValueError):  # the bus went away: play goes on without it
                return
            try:
                if message is not None:
                    self._answer(message)
                self._signal_changes()
            except (OSError, ValueError):
                return

    def _answer(self, message: Any) -> None:
        from jeepney import MessageType
        from jeepney.low_level import HeaderFields

        fields = message.header.fields
        if message.header.message_type is not MessageType.method_call:
            return
        interface = fields.get(HeaderFields.interface)
        member = fields.get(HeaderFields.member)
        try:
            reply = answer(interface, member, message.body, self._now, self._post)
        except (TypeError, ValueError, KeyError, IndexError) as err:  # arguments not as said
            reply = Failure("org.freedesktop.DBus.Error.InvalidArgs", str(err))
        if isinstance(reply, Failure):
            self._send(_error(message, reply.name, reply.text))
        else:
            self._send(_return(message, *reply))

    def _signal_changes(self) -> None:
        from jeepney import DBusAddress, new_signal

        now, told = self._now, self._told
        if now == told:
            return
        self._told = now
        new, old = player_properties(now), player_properties(told)
        changed = {key: new[key] for key in SIGNALLED if new[key] != old[key]}
        if changed:
            emitter = DBusAddress(PATH, interface=PROPERTIES)
            body: tuple[Any, ...] = (PLAYER, changed, [])
            self._send(new_signal(emitter, "PropertiesChanged", "sa{sv}as", body))
        if now.jumps != told.jumps:
            emitter = DBusAddress(PATH, interface=PLAYER)
            self._send(new_signal(emitter, "Seeked", "x", (micro(now.position),)))

    def _send(self, message: Any) -> None:
        self._connection.send(message)  # bounded: the socket has a timeout (``bus``)


@dataclass(frozen=True)
class Failure:
    name: str
    text: str


Reply = tuple[str | None, tuple[Any, ...]] | Failure


def answer(
    interface: str | None, member: str | None, body: Any, now: Now, post: Callable[[str], None]
) -> Reply:
    """The reply to one method call (signature and body), acting on a command."""
    if interface in (PLAYER, None) and member in COMMANDS:
        post(COMMANDS[member])
        return None, ()
    if interface in (PLAYER, None) and member in ("Seek", "SetPosition", "OpenUri"):
        return None, ()  # CanSeek is false: nothing to do, and no error
    if interface in (ROOT, None) and member in ("Raise", "Quit"):
        return None, ()
    if interface == INTROSPECTABLE and member == "Introspect":
        return "s", (INTROSPECTION,)
    if interface == PROPERTIES and member in ("Get", "GetAll", "Set"):
        return _properties(member, body, now)
    return Failure("org.freedesktop.DBus.Error.UnknownMethod", f"no method {member}")


def _properties(member: str, body: Any, now: Now) -> Reply:
    tables = {ROOT: root_properties(), PLAYER: player_properties(now)}
    table = tables.get(body[0]) if body else None
    if table is None:
        return Failure("org.freedesktop.DBus.Error.UnknownInterface", f"no interface {body}")
    if member == "GetAll":
        return "a{sv}", (table,)
    if len(body) < 2 or body[1] not in table:
        return Failure("org.freedesktop.DBus.Error.UnknownProperty", f"no property {body}")
    if member == "Set":
        return Failure("org.freedesktop.DBus.Error.PropertyReadOnly", f"{body[1]} is read-only")
    return "v", (table[body[1]],)


def _return(message: Any, signature: str | None, body: tuple[Any, ...]) -> Any:
    from jeepney import new_method_return

    return new_method_return(message, signature, body)


def _error(message: Any, name: str, text: str) -> Any:
    from jeepney import new_error

    return new_error(message, name, "s", (text,))


def request_name(connection: Any) -> str:
    """Own NAME, or NAME.instance<pid> when another player has it (as MPRIS says)."""
    from jeepney.bus_messages import message_bus

    for name in (NAME, f"{NAME}.instance{os.getpid()}"):
        (result,) = bus.call(connection, message_bus.RequestName(name, 4))  # DO_NOT_QUEUE
        if result in (1, 4):  # the primary owner, or already it
            return name
    raise bus.BusError(f"the bus names {NAME} are taken")
