"""What several test modules share: the type of the ``run`` fixture, running the real
entry point with its error boundary, and a bound on a call that might block."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
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
