"""The entry point: the quick start first, then the command line; Ctrl-C and errors while
the command line is still loading stop an opening that is already sounding."""

from __future__ import annotations

import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest

from voicecoach import launch
from voicecoach.errors import ExitCode
from voicecoach.play import warmstart


class FakeStream:
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


def run_launch(
    monkeypatch: pytest.MonkeyPatch, cli_main: Callable[[list[str]], None]
) -> tuple[int, FakeStream, list[tuple[list[str], object]]]:
    """Run ``launch.main`` for ``voicecoach play stretch`` with an opening sounding and a
    stand-in command line; returns the exit status, the stream opened for it and what
    the command line was given (the argv and the launch)."""
    stream = FakeStream()
    opening = warmstart.Opening(b"\0\0" * 100, 22050, [])

    def begin(argv: list[str]) -> warmstart.Launch:
        return warmstart.Launch("key", stream, opening)  # type: ignore[arg-type]

    calls: list[tuple[list[str], object]] = []

    def main(argv: list[str], launch: object = None) -> None:
        calls.append((argv, launch))
        cli_main(argv)

    monkeypatch.setattr(warmstart, "begin", begin)
    monkeypatch.setitem(sys.modules, "voicecoach.cli", types.SimpleNamespace(main=main))
    monkeypatch.setattr(sys, "argv", ["voicecoach", "play", "stretch"])
    with pytest.raises(SystemExit) as leaving:
        launch.main()
    code = leaving.value.code
    return (code if isinstance(code, int) else 1), stream, calls


def test_the_command_line_gets_the_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    def done(argv: list[str]) -> None:
        sys.exit(0)

    code, stream, calls = run_launch(monkeypatch, done)
    assert code == 0
    ((argv, handed),) = calls
    assert argv == ["play", "stretch"]
    # The launch is handed down (the player takes its stream from it), not kept globally.
    assert isinstance(handed, warmstart.Launch) and handed.key == "key"
    assert stream.closed  # whatever the player left, nothing sounds after the exit


def test_ctrl_c_while_the_command_line_loads_stops_the_opening(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(argv: list[str]) -> None:
        raise KeyboardInterrupt

    code, stream, _ = run_launch(monkeypatch, interrupted)
    assert code == ExitCode.CTRL_C
    assert stream.closed
    assert capsys.readouterr().err == "Interrupted.\n"


def test_an_error_stops_the_opening_too(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(argv: list[str]) -> None:
        sys.exit(ExitCode.ERROR)

    code, stream, _ = run_launch(monkeypatch, failing)
    assert code == ExitCode.ERROR and stream.closed


def test_the_installed_command_and_python_m_both_go_through_it() -> None:
    script = Path(sys.executable).with_name("voicecoach")
    assert script.is_file(), "the package is installed with its command (make setup)"
    assert "voicecoach.launch" in script.read_text()
    for command in ([str(script)], [sys.executable, "-m", "voicecoach"]):
        done = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "voicecoach" in done.stdout


INTERRUPT_ON_IMPORT = """
import sys

WHERE = sys.argv[1]

class Interrupt:
    def find_spec(self, name, path=None, target=None):
        if name == WHERE:
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, Interrupt())
sys.argv = ["voicecoach", "play", "quick-start"]
from voicecoach.launch import main
main()
"""


@pytest.mark.parametrize(
    "module", ["voicecoach.files", "voicecoach.play.warmstart", "voicecoach.cli"]
)
def test_ctrl_c_while_the_first_modules_load_is_no_traceback(module: str) -> None:
    """Ctrl-C in the first tenth of a second, while the entry point's own imports load."""
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPT_ON_IMPORT, module],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (ExitCode.CTRL_C, "Interrupted.\n")


INTERRUPT_IN_A_CALLBACK = """
import sys, time, weakref

sys.argv = ["voicecoach", "play", "quick-start"]
WHAT = {what!r}


def swallowed(_):  # where Python cannot raise: a weak reference's callback
    if WHAT == "sigterm":
        from voicecoach.signals import Terminated
        raise Terminated(15)
    if WHAT == "error":
        raise ValueError("an ordinary unraisable error")
    raise KeyboardInterrupt


def cli_main(argv, launch=None):
    class Thing:
        pass

    thing = Thing()
    ref = weakref.ref(thing, swallowed)
    del thing
    deadline = time.monotonic() + {seconds}
    while time.monotonic() < deadline:
        time.sleep(0.001)
    print("played on")
    raise SystemExit(0)


import types
sys.modules["voicecoach.cli"] = types.SimpleNamespace(main=cli_main)
from voicecoach.launch import main
main()
"""


@pytest.mark.parametrize(
    ("what", "status", "err"),
    [
        ("ctrl-c", ExitCode.CTRL_C, "Interrupted.\n"),
        ("sigterm", 143, ""),
    ],
)
def test_a_ctrl_c_python_drops_in_a_callback_is_raised_again(
    what: str, status: int, err: str
) -> None:
    """A signal that lands in a callback Python cannot raise from (as it can while an import
    lock is released) still ends the run, at once and without the "Exception ignored"
    lines Python would print."""
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPT_IN_A_CALLBACK.format(what=what, seconds=20)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (status, "", err)


def test_other_errors_in_callbacks_are_reported_as_python_does() -> None:
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPT_IN_A_CALLBACK.format(what="error", seconds=0.5)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (0, "played on\n")
    assert "ValueError: an ordinary unraisable error" in done.stderr
