"""A private D-Bus session bus for tests, and playerctl as the real MPRIS client on it.

``dbus-daemon --session --fork --print-address 1 --print-pid 1`` (Debian's
``dbus-daemon``) starts a bus of our own; tests point ``DBUS_SESSION_BUS_ADDRESS`` at it and
kill it by its pid at the end.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

T = TypeVar("T")
START_TIMEOUT = 10.0
CALL_TIMEOUT = 10.0


def skip_without(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (`make system` installs them)")


@contextlib.contextmanager
def session_bus() -> Iterator[str]:
    """A private session bus, its address yielded; killed at the end."""
    skip_without("dbus-daemon")
    done = subprocess.run(
        ["dbus-daemon", "--session", "--fork", "--print-address", "1", "--print-pid", "1"],
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    address, pid = done.stdout.split()[:2]
    try:
        yield address
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGTERM)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)


def playerctl(address: str, *args: str, player: str = "voicecoach") -> str:
    """``playerctl -p PLAYER ARGS`` on the bus at ``address``: its output, stripped."""
    env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address)
    done = subprocess.run(
        ["playerctl", "-p", player, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=CALL_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    return done.stdout.strip() if done.returncode == 0 else f"<{done.stderr.strip()}>"


def eventually(get: Callable[[], T], wanted: Callable[[T], bool], timeout: float = 10.0) -> T:
    """``get()`` again until ``wanted`` holds of it (within ``timeout``): the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = get()
        if wanted(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)
