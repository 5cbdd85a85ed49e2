"""Staying awake during play: the requests ``inhibit`` makes and gives back.

These are contract tests of our side: a small stand-in ``org.freedesktop.ScreenSaver``
service on a private session bus records the calls it gets, the way a desktop's
screensaver would get them. They show that we ask and release as the interface says, not
that any particular desktop then keeps the screen on.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import audio_env
import dbus_env
import onsets
import pytest
from dbus_env import eventually
from helpers import start_child

from voicecoach.play import bus, inhibit

MINI = Path(__file__).parent / "data" / "player" / "mini.yaml"
COOKIE = 4711


@dataclass
class StandIn:
    """A ScreenSaver that answers Inhibit with a cookie and records every call."""

    connection: Any
    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def serve(self) -> None:
        from jeepney import MessageType, new_method_return
        from jeepney.low_level import HeaderFields

        while not self.stop.is_set():
            try:
                message = self.connection.receive(timeout=0.1)
            except TimeoutError:
                continue
            if message.header.message_type is not MessageType.method_call:
                continue
            member = message.header.fields.get(HeaderFields.member)
            self.calls.append((member, tuple(message.body)))
            if member == "Inhibit":
                self.connection.send(new_method_return(message, "u", (COOKIE,)))
            else:
                self.connection.send(new_method_return(message))

    def members(self) -> list[str]:
        return [member for member, _ in self.calls]


@contextlib.contextmanager
def screensaver(address: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    from jeepney.bus_messages import message_bus

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    connection = bus.connect("SESSION")
    assert connection is not None
    bus.call(connection, message_bus.RequestName(inhibit.SCREENSAVER[0], 4))
    service = StandIn(connection)
    thread = threading.Thread(target=service.serve, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        service.stop.set()
        thread.join(5)
        bus.close(connection)


@pytest.fixture
def private_bus() -> Iterator[str]:
    with dbus_env.session_bus() as address:
        yield address


def no_system_bus() -> None:
    return None


def test_the_screensaver_is_inhibited_for_the_block_and_released_after(
    private_bus: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with screensaver(private_bus, monkeypatch) as service:
        with inhibit.stay_awake(system=no_system_bus) as held:
            assert service.calls == [("Inhibit", (inhibit.APP, inhibit.REASON))]
            assert held.taken == ["the screensaver"]
        assert service.calls[-1] == ("UnInhibit", (COOKIE,))


def test_released_on_ctrl_c_too(private_bus: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with screensaver(private_bus, monkeypatch) as service:
        with pytest.raises(KeyboardInterrupt), inhibit.stay_awake(system=no_system_bus):
            raise KeyboardInterrupt
        assert service.members() == ["Inhibit", "UnInhibit"]


def test_quiet_where_nobody_serves_it(private_bus: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", private_bus)
    began = time.monotonic()
    with inhibit.stay_awake(system=no_system_bus) as held:
        assert held.taken == []
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS")
    with inhibit.stay_awake(system=lambda: bus.connect("SYSTEM", timeout=0.5)) as held:
        pass
    assert time.monotonic() - began < 5.0


@pytest.mark.audio
@pytest.mark.slow
def test_play_takes_the_inhibit_and_gives_it_back_on_ctrl_c(
    private_bus: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    children: list[subprocess.Popen[str]],
) -> None:
    audio_env.skip_without_pulse()
    with (
        audio_env.pulse_server(tmp_path / "pulse") as pulse,
        screensaver(private_bus, monkeypatch) as service,
    ):
        env = dict(pulse.env, DBUS_SESSION_BUS_ADDRESS=private_bus)
        for name in ("VOICECOACH_CACHE_DIR", "VOICECOACH_CONFIG_DIR", "VOICECOACH_DATA_DIR"):
            (tmp_path / name).mkdir()
            env[name] = str(tmp_path / name)
        child = start_child(onsets.voicecoach("play", str(MINI), "--verbose"), env, children)
        taken = eventually(service.members, lambda calls: "Inhibit" in calls, timeout=120)
        assert taken == ["Inhibit"]
        time.sleep(1.0)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=30)
        assert child.returncode == 130, err
        assert "Staying awake: asked the screensaver" in err
        assert eventually(service.members, lambda c: len(c) > 1) == ["Inhibit", "UnInhibit"]
        assert service.calls[-1] == ("UnInhibit", (COOKIE,))
        # The media player left the bus with it.
        assert "No players found" in dbus_env.playerctl(private_bus, "status")
