"""A real ``voicecoach play`` and its history: stopped by SIGTERM or SIGHUP (a shutdown, a
closed terminal) it is recorded as stopped where it got to, and a history another
process holds locked never delays its first sound."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import audio_env
import pytest
from helpers import start_child
from test_history import LONG, SHORT, play_in_child

from voicecoach.history import History


@pytest.mark.audio
@pytest.mark.engine
@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["term", "hup"])
def test_a_play_ended_by_a_signal_records_how_far_it_got(
    pulse: audio_env.PulseServer,
    tmp_path: Path,
    children: list[subprocess.Popen[str]],
    signum: signal.Signals,
) -> None:
    command, env, path = play_in_child(pulse, tmp_path, LONG)
    with pulse.recording() as recording:
        child = start_child(command, env, children)
        recording.wait_for_sound(timeout=120)
        time.sleep(3)
        child.send_signal(signum)
        _, err = child.communicate(timeout=60)
    assert child.returncode == 128 + signum, err
    assert err == ""  # ended as the signal would end it: quietly
    (session,) = History(path).recent(5)
    assert session.finished and not session.completed
    assert 2.5 < session.reached_seconds < session.total_seconds
    assert session.chapter in ("First", "Long hold")


def first_sound_after_start(
    server: audio_env.PulseServer,
    command: list[str],
    env: dict[str, str],
    children: list[subprocess.Popen[str]],
) -> tuple[float, subprocess.Popen[str]]:
    with server.recording() as recording:
        mark = recording.frames()
        began = time.monotonic()
        child = start_child(command, env, children)
        recording.wait_for_sound(mark, timeout=120)
        return time.monotonic() - began, child


@pytest.mark.audio
@pytest.mark.engine
@pytest.mark.slow
def test_a_locked_history_never_delays_the_first_sound(
    pulse: audio_env.PulseServer, tmp_path: Path, children: list[subprocess.Popen[str]]
) -> None:
    # The same play once with a free history and once with it locked by another writer.
    for name in ("free", "locked"):
        (tmp_path / name).mkdir()
    free_command, free_env, free_path = play_in_child(pulse, tmp_path / "free", SHORT)
    free, child = first_sound_after_start(pulse, free_command, free_env, children)
    assert child.wait(120) == 0, child.communicate()[1]

    command, env, path = play_in_child(pulse, tmp_path / "locked", SHORT)
    History(path).recent(1)  # make the file, then hold its write lock
    holder = sqlite3.connect(path, isolation_level=None, timeout=5)
    holder.execute("BEGIN IMMEDIATE")
    try:
        locked, child = first_sound_after_start(pulse, command, env, children)
    finally:
        holder.rollback()  # released once the first sound is heard
        holder.close()
    _, err = child.communicate(timeout=120)
    print(f"first sound: {free:.2f} s with a free history, {locked:.2f} s with a locked one")
    assert child.returncode == 0, err
    assert locked < free + 5.0  # a wait on the lock would be BUSY_TIMEOUT_SECONDS, 30 s
    (session,) = History(path).recent(5)  # recorded once the lock was released
    assert session.completed
    assert len(History(free_path).recent(5)) == 1
