"""SIGTERM and SIGHUP unwind as an interrupt that knows its exit status."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from voicecoach.signals import Terminated, exit_on_termination, exit_status


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["term", "hup"])
def test_a_signal_raises_an_interrupt_with_its_status(signum: signal.Signals) -> None:
    with pytest.raises(Terminated) as caught, exit_on_termination():
        os.kill(os.getpid(), signum)
        time.sleep(10)  # the handler raises at once
    assert isinstance(caught.value, KeyboardInterrupt)  # handled wherever Ctrl-C is
    assert caught.value.status == 128 + signum
    assert signal.getsignal(signum) is signal.SIG_DFL


def test_the_status_is_found_behind_what_was_raised_from_it() -> None:
    class Stopped(KeyboardInterrupt):
        pass

    try:
        try:
            raise Terminated(signal.SIGTERM)
        except KeyboardInterrupt as interrupt:
            raise Stopped() from interrupt  # as the player's PlaybackInterrupted is
    except Stopped as stopped:
        assert exit_status(stopped) == 143
    assert exit_status(KeyboardInterrupt()) is None


def test_a_forked_child_just_exits() -> None:
    """A process forked inside (a synthesis worker, ended by its pool with SIGTERM)
    exits quietly instead of unwinding the parent's code."""
    code = (
        "import os, signal, sys, time\n"
        "from voicecoach.signals import exit_on_termination\n"
        "with exit_on_termination():\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        try:\n"
        "            time.sleep(30)\n"
        "        except BaseException as exc:\n"
        "            print(type(exc).__name__, exc.code, flush=True)\n"
        "            os._exit(0)\n"
        "    time.sleep(0.5)\n"
        "    os.kill(pid, signal.SIGTERM)\n"
        "    os.waitpid(pid, 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "SystemExit 143\n"


def test_it_is_entered_once_a_run() -> None:
    """The entry point sets the handlers up for the whole run; no stage below sets them
    up again (a second entry would hide which one restores them)."""
    with exit_on_termination():
        with pytest.raises(RuntimeError, match="entered once"), exit_on_termination():
            pass
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL  # still the first's
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    with exit_on_termination():  # and again, once the first has ended
        pass


@pytest.mark.parametrize(
    ("interrupt", "status", "said"),
    [(KeyboardInterrupt(), 130, "Interrupted.\n"), (Terminated(signal.SIGTERM), 143, "")],
    ids=["ctrl-c", "sigterm"],
)
def test_leaving_after_an_interrupt(
    interrupt: BaseException, status: int, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from voicecoach.signals import exit_interrupted

    with pytest.raises(SystemExit) as leaving:
        exit_interrupted(interrupt)
    assert leaving.value.code == status
    assert capsys.readouterr() == ("", said)
