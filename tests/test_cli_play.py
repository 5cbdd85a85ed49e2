"""Which routine ``play`` picks: the one named, else the settings file's, else the default."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import voicecoach.play.live
from voicecoach.cli import cli
from voicecoach.compile.cuescript import CueScript
from voicecoach.library import DEFAULT_ROUTINE
from voicecoach.play.player import PlayResult


def run(args: list[str]) -> Result:
    """The CLI over the real library: shipped routines and the (temporary) user folder."""
    return CliRunner().invoke(cli, args)


@pytest.fixture
def played(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, CueScript]]:
    """Sessions handed to the player (no sound device needed to see which routine)."""
    calls: list[tuple[str, CueScript]] = []

    def fake_play(script: CueScript, *args: Any, routine: str = "", **kwargs: Any) -> PlayResult:
        calls.append((routine, script))
        return PlayResult(completed=True, position=script.length, chapter=None)

    monkeypatch.setattr(voicecoach.play.live, "play", fake_play)
    return calls


def test_play_without_a_routine_plays_the_default(played: list[tuple[str, CueScript]]) -> None:
    result = run(["play", "--no-voice"])
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    assert [(name, script.routine_id) for name, script in played] == [
        (DEFAULT_ROUTINE, DEFAULT_ROUTINE)
    ]


def test_play_without_a_routine_plays_the_one_the_settings_file_names(
    played: list[tuple[str, CueScript]], user_routines: Path, routine_file: Path
) -> None:
    shutil.copy(routine_file, user_routines / "stretch-break.yaml")
    settings = user_routines.parent / "settings.toml"
    settings.write_text('default_routine = "stretch-break"\n', "utf-8")
    result = run(["play", "--no-voice"])
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    assert [(name, script.routine_id) for name, script in played] == [
        ("stretch-break", "stretch-break")
    ]
    named = run(["play", "quick-start", "--no-voice"])
    assert named.exit_code == 0, named.output
    assert played[-1][0] == "quick-start"
