"""What several test modules share: the type of the ``run`` fixture, running the real
entry point with its error boundary, a bound on a call that might block, and child
processes started so that a failing test still ends them."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import pytest
from click.testing import Result

Run = Callable[[Sequence[str]], Result]
"""The ``run`` fixture: the click group invoked against a test library."""


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``voicecoach.cli.main`` as the console script does: exit code, stdout, stderr."""
    from voicecoach.cli import main  # imported late: conftest loads this module for every test

    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    code = exited.value.code
    assert isinstance(code, int)
    return code, out, err


T = TypeVar("T")
BOUND = 10.0
"""Seconds ``bounded`` gives a call; one that blocks (on a FIFO, say) fails the test."""


def bounded(call: Callable[[], T], seconds: float = BOUND) -> T:
    """``call()``, on a thread that must finish within ``seconds``: a test of something
    that could block forever fails instead of hanging the run."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as err:
            outcome.append(err)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds} s"
    (result,) = outcome
    if isinstance(result, BaseException):
        raise result
    return result  # type: ignore[return-value]


def start_child(
    command: list[str], env: dict[str, str], children: list[subprocess.Popen[str]]
) -> subprocess.Popen[str]:
    """Start ``command`` in a session of its own, its output piped, and hand it to the
    ``children`` fixture, which ends it if the test does not."""
    child = subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    children.append(child)
    return child


def unwritable_folder(tmp: Path) -> Path:
    """A folder this process cannot create files or folders in (root ignores modes; sysfs
    stops root)."""
    if os.geteuid() == 0:
        if not Path("/sys/kernel").is_dir():
            pytest.skip("needs sysfs to have a folder root cannot write")
        return Path("/sys")
    folder = tmp / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    return folder
