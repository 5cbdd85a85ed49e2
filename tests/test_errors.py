"""The exception family: every exception voicecoach defines is rooted in voicecoach.errors."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from helpers import run_main

import voicecoach
from voicecoach import errors
from voicecoach.errors import ExitCode

ROOTS = (errors.VoicecoachError, errors.InternalError, errors.Interrupted)
OUTSIDE = {"voicecoach.play.stream.StreamError"}  # see the errors module's docstring


def defined_exceptions() -> list[type[BaseException]]:
    found = []
    for info in pkgutil.iter_modules(voicecoach.__path__, "voicecoach."):
        if info.name in {"voicecoach.__main__", "voicecoach.audio.synth_worker"}:
            continue  # the one runs the command, the other a server on import
        module = importlib.import_module(info.name)
        found += [
            obj
            for _, obj in inspect.getmembers(module, inspect.isclass)
            if issubclass(obj, BaseException) and obj.__module__ == info.name
        ]
    return found


def test_every_exception_is_rooted_in_the_family() -> None:
    found = defined_exceptions()
    assert len(found) > 15  # the walk found the modules' own, not nothing
    stray = [
        f"{e.__module__}.{e.__qualname__}"
        for e in found
        if not issubclass(e, ROOTS) and f"{e.__module__}.{e.__qualname__}" not in OUTSIDE
    ]
    assert stray == []


def test_the_interruptions_still_unwind_like_ctrl_c() -> None:
    from voicecoach.play.player import PlaybackInterrupted
    from voicecoach.signals import Terminated

    assert issubclass(Terminated, KeyboardInterrupt)
    assert issubclass(PlaybackInterrupted, KeyboardInterrupt)


def test_a_usage_error_exits_with_the_usage_code(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(["play", "--rounds", "zero"], capsys)
    assert (code, out) == (ExitCode.USAGE, "")
    assert (
        err.splitlines()[-1] == "Error: Invalid value for '--rounds': 'zero' is not a whole number"
    )


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(["plya"], capsys)[0] == ExitCode.USAGE
