"""Shared fixtures: a routine library in temp folders and a CLI runner bound to it."""

from __future__ import annotations

import shutil
import signal
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import audio_env
import pytest
from browser_env import browser as browser  # the fixture, for the tests of pages
from click.testing import CliRunner, Result
from helpers import Run
from player_fakes import mini as mini  # the player's small session, for its tests
from player_fakes import reference as reference


def pytest_configure(config: pytest.Config) -> None:
    """Give Ctrl-C and hang-up their usual effect again, for this run and every process it
    starts. A test run started in the background by a script, or under ``nohup``, inherits
    SIGINT or SIGHUP ignored, and so would every ``voicecoach`` it starts, which then could
    not be interrupted the way the tests interrupt it."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGHUP) is signal.SIG_IGN:
        signal.signal(signal.SIGHUP, signal.SIG_DFL)


if TYPE_CHECKING:
    from voicecoach.library import Library

CLI_DATA = Path(__file__).parent / "data" / "cli"


@pytest.fixture(autouse=True)
def config_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh config home, so no test reads or writes the developer's own routines or
    settings: voicecoach's config folder is ``config_home / "voicecoach"`` on every system."""
    home = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.setenv("VOICECOACH_CONFIG_DIR", str(home / "voicecoach"))
    monkeypatch.setenv("VOICECOACH_DATA_DIR", str(home / "data"))
    return home


@pytest.fixture(scope="session")
def speech_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One speech cache for the whole run: phrases are synthesized once, never into the
    developer's own cache."""
    return tmp_path_factory.mktemp("speech-cache")


@pytest.fixture(autouse=True)
def isolated_speech_cache(speech_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(speech_cache))
    return speech_cache


@pytest.fixture
def user_routines(config_home: Path) -> Path:
    """The user's routine folder as the real CLI finds it (under ``config_home``)."""
    from voicecoach.library import Library  # imported late: conftest serves every test

    folder = Library.default().user_dir
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def routine_file() -> Path:
    """A small valid routine: reps with phases, a hold per side in two sets, a duration."""
    return CLI_DATA / "stretch-break.yaml"


@pytest.fixture
def broken_file() -> Path:
    """A routine with a misspelt key and a bad duration."""
    return CLI_DATA / "broken.yaml"


@pytest.fixture
def library(tmp_path: Path, routine_file: Path) -> Library:
    """A library: ``stretch-break`` in its shipped folder, an empty user folder."""
    from voicecoach.library import Library

    shipped = tmp_path / "shipped"
    user = tmp_path / "user"
    shipped.mkdir()
    user.mkdir()
    shutil.copy(routine_file, shipped / routine_file.name)
    return Library(shipped, user)


@pytest.fixture
def run(library: Library) -> Run:
    """Invoke the CLI against ``library``, stdout and stderr kept apart."""
    from voicecoach.cli import cli

    def invoke(args: Sequence[str]) -> Result:
        return CliRunner().invoke(cli, list(args), obj={"library": library})

    return invoke


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts (``helpers.start_child``), killed and reaped, their pipes
    closed, even if the test fails early."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for child in started:
        if child.poll() is None:
            child.kill()
        child.wait(30)
        for pipe in (child.stdin, child.stdout, child.stderr):
            if pipe is not None:
                pipe.close()


@pytest.fixture(scope="session")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[audio_env.PulseServer]:
    """A private PulseAudio server with a null sink, for the whole test session."""
    audio_env.skip_without_pulse()
    with audio_env.pulse_server(tmp_path_factory.mktemp("pulse")) as server:
        yield server
