"""What several test modules share: the type of the ``run`` fixture, and running the real
entry point with its error boundary."""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
