"""Every folder comes from voicecoach.paths, and the modules that name one agree with it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import platformdirs
import pytest

from voicecoach import history, library, paths, settings
from voicecoach.audio import speech
from voicecoach.play import warmstart


@pytest.fixture
def unset(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (paths.CONFIG_DIR_ENV, paths.DATA_DIR_ENV, paths.CACHE_DIR_ENV):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_defaults_are_platformdirs_user_folders(unset: pytest.MonkeyPatch) -> None:
    assert paths.config_dir() == platformdirs.user_config_dir("voicecoach", appauthor=False)
    assert paths.user_data_dir() == platformdirs.user_data_dir("voicecoach", appauthor=False)
    cache = platformdirs.user_cache_dir("voicecoach", appauthor=False)
    assert paths.speech_cache_dir() == os.path.join(cache, "speech")
    assert paths.openings_dir() == os.path.join(cache, "speech", "openings")
    assert paths.user_routines_dir() == os.path.join(paths.config_dir(), "routines")


def test_each_folder_is_moved_by_its_variable(unset: pytest.MonkeyPatch, tmp_path: Path) -> None:
    unset.setenv(paths.CONFIG_DIR_ENV, str(tmp_path / "c"))
    unset.setenv(paths.DATA_DIR_ENV, str(tmp_path / "d"))
    unset.setenv(paths.CACHE_DIR_ENV, str(tmp_path / "s"))
    assert settings.config_dir() == tmp_path / "c"
    assert settings.settings_path() == tmp_path / "c" / "settings.toml"
    assert library.user_routines_dir() == tmp_path / "c" / "routines"
    assert history.history_dir() == tmp_path / "d"
    assert speech.default_cache_dir() == tmp_path / "s"
    assert warmstart.cache_dir() == str(tmp_path / "s")
    assert warmstart.store_dir() == str(tmp_path / "s" / "openings")


def test_a_home_relative_override_is_expanded(unset: pytest.MonkeyPatch, tmp_path: Path) -> None:
    unset.setenv("HOME", str(tmp_path))
    unset.setenv(paths.CONFIG_DIR_ENV, "~/conf")
    assert paths.config_dir() == str(tmp_path / "conf")


def test_it_costs_the_quick_start_nothing_to_import() -> None:
    code = "import sys\nfrom voicecoach import paths\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(done.stdout.split())
    assert not {"pathlib", "platformdirs", "typing", "enum"} & loaded
