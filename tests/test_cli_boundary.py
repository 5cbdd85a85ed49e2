"""One read of the settings file a command, and one error boundary: the entry point sets up
SIGTERM and SIGHUP once, ``cli.main`` turns every exception into its exit status and
message once, whether it comes at startup, during ``play`` or during ``export``."""

from __future__ import annotations

import shutil
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import voicecoach.audio.export
import voicecoach.play.live
import voicecoach.settings
from voicecoach import launch, signals
from voicecoach.cli import cli
from voicecoach.errors import ExitCode
from voicecoach.play import warmstart
from voicecoach.play.player import PlayResult

SETTINGS = 'default_routine = "stretch-break"\nlead_in = "2s"\nchime_volume = 0.5\nrate = 150\n'


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch, user_routines: Path, routine_file: Path) -> list[Path]:
    """Every read of the settings file (one that sets what play, export and script use),
    with ``stretch-break`` in the user's folder."""
    shutil.copy(routine_file, user_routines / "stretch-break.yaml")
    (user_routines.parent / "settings.toml").write_text(SETTINGS, "utf-8")
    seen: list[Path] = []
    read = voicecoach.settings.read_settings

    def counted(path: Path | None = None) -> voicecoach.settings.LoadedSettings:
        loaded = read(path)
        seen.append(loaded.path)
        return loaded

    monkeypatch.setattr(voicecoach.settings, "read_settings", counted)
    return seen


def fake_play(script: Any, *args: Any, **kwargs: Any) -> PlayResult:
    return PlayResult(completed=True, position=script.length, chapter=None)


def test_play_reads_the_settings_file_once(
    reads: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(voicecoach.play.live, "play", fake_play)
    # No routine named: the settings file names it, and gives the voice, the lead-in and
    # the chime volume.
    result = CliRunner().invoke(cli, ["play", "--no-voice"])
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    assert len(reads) == 1


def test_export_reads_the_settings_file_once(reads: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "session.wav"
    result = CliRunner().invoke(cli, ["export", "stretch-break", "--no-voice", "-o", str(out)])
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    assert out.is_file()
    assert len(reads) == 1


def test_script_reads_the_settings_file_once(reads: list[Path]) -> None:
    result = CliRunner().invoke(cli, ["script", "stretch-break", "--estimate"])
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    assert len(reads) == 1


# --- the error boundary ----------------------------------------------------------------------


@pytest.fixture
def entry(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[..., tuple[int, str, str]]]:
    """Run the real entry point (``launch.main``, then ``cli.main``) in this process, with
    no opening stored; returns the exit status, stdout and stderr."""
    monkeypatch.setattr(warmstart, "begin", lambda argv: None)

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["voicecoach", *args])
        with pytest.raises(SystemExit) as leaving:
            launch.main()
        out, err = capsys.readouterr()
        code = leaving.value.code
        assert isinstance(code, int)
        return code, out, err

    yield run
    # Whatever happened, the handlers are given back.
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def stopping(exc: BaseException, handlers: list[object]) -> Callable[..., Any]:
    """A stand-in that notes the SIGTERM handler in place when it runs, then raises ``exc``."""

    def stop(*args: Any, **kwargs: Any) -> Any:
        handlers.append(signal.getsignal(signal.SIGTERM))
        raise exc

    return stop


INTERRUPTS = [
    (KeyboardInterrupt(), ExitCode.CTRL_C, "Interrupted.\n"),
    (signals.Terminated(signal.SIGTERM), 143, ""),
    (signals.Terminated(signal.SIGHUP), 129, ""),
]
IDS = ["ctrl-c", "sigterm", "sighup"]


@pytest.mark.parametrize(("exc", "status", "said"), INTERRUPTS, ids=IDS)
def test_an_interrupt_during_play_is_handled_once(
    entry: Callable[..., tuple[int, str, str]],
    monkeypatch: pytest.MonkeyPatch,
    exc: BaseException,
    status: int,
    said: str,
) -> None:
    handlers: list[object] = []
    monkeypatch.setattr(voicecoach.play.live, "play", stopping(exc, handlers))
    assert entry("play", "quick-start", "--no-voice") == (status, "", said)
    # Set up by the entry point, before the command line ran, and in place during play.
    assert handlers == [signals._leave]


@pytest.mark.parametrize(("exc", "status", "said"), INTERRUPTS, ids=IDS)
def test_an_interrupt_during_export_is_handled_once(
    entry: Callable[..., tuple[int, str, str]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    exc: BaseException,
    status: int,
    said: str,
) -> None:
    handlers: list[object] = []
    monkeypatch.setattr(voicecoach.audio.export, "write_session", stopping(exc, handlers))
    out = tmp_path / "session.wav"
    assert entry("export", "quick-start", "--no-voice", "-o", str(out)) == (status, "", said)
    assert handlers == [signals._leave]
    assert not out.exists()


def test_a_closed_stdout_pipe_ends_the_run_quietly(
    entry: Callable[..., tuple[int, str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import click

    def gone(*args: object, **kwargs: object) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    silenced: list[bool] = []
    monkeypatch.setattr(click, "echo", gone)
    monkeypatch.setattr("voicecoach.cli._silence_stdout", lambda: silenced.append(True))
    assert entry("list") == (ExitCode.OK, "", "")
    assert silenced == [True]


def test_the_signal_handlers_are_set_up_once_a_run(
    entry: Callable[..., tuple[int, str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    entered: list[int] = []
    enter = signals.exit_on_termination

    def counted() -> Any:
        entered.append(1)
        return enter()

    monkeypatch.setattr(signals, "exit_on_termination", counted)
    monkeypatch.setattr(voicecoach.play.live, "play", fake_play)
    code, _, err = entry("play", "quick-start", "--no-voice")
    assert (code, err) == (0, "")
    assert entered == [1]


def test_the_command_line_alone_is_the_boundary_too(
    monkeypatch: pytest.MonkeyPatch, run_main: Callable[[list[str]], tuple[int, str, str]]
) -> None:
    """``cli.main`` without the entry point (as tests and ``voicecoach.cli:main`` run it):
    Ctrl-C is the same one line, and no signal handler is left behind."""
    monkeypatch.setattr(voicecoach.play.live, "play", stopping(KeyboardInterrupt(), []))
    assert run_main(["play", "quick-start", "--no-voice"]) == (
        ExitCode.CTRL_C,
        "",
        "Interrupted.\n",
    )
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


@pytest.fixture
def run_main(capsys: pytest.CaptureFixture[str]) -> Callable[[list[str]], tuple[int, str, str]]:
    from helpers import run_main

    return lambda args: run_main(args, capsys)
