"""Where the shipped routines and chimes are found: a wheel's copy, else the checkout's."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicecoach import resources


def test_the_shipped_data_is_found() -> None:
    assert (resources.shipped_dir("routines") / "quick-start.yaml").is_file()
    assert any(resources.shipped_dir("sounds").glob("*.wav"))


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "project" / "voicecoach"
    folder.mkdir(parents=True)
    monkeypatch.setattr(resources, "_PACKAGE", folder)
    return folder


def test_a_wheel_carries_the_data_inside_the_package(package: Path) -> None:
    (package / "_data" / "routines").mkdir(parents=True)
    (package.parent / "routines").mkdir()  # a wheel's copy wins over a folder beside it
    assert resources.shipped_dir("routines") == package / "_data" / "routines"


def test_a_checkout_has_it_at_the_top_of_the_project(package: Path) -> None:
    (package.parent / "sounds").mkdir()
    assert resources.shipped_dir("sounds") == package.parent / "sounds"


def test_a_file_in_the_way_is_not_taken_for_the_folder(package: Path) -> None:
    (package.parent / "sounds").write_text("not a folder")
    assert resources.shipped_dir("sounds") == package / "_data" / "sounds"


def test_with_neither_the_wheel_place_is_named(package: Path) -> None:
    """A broken install then reports the missing folder where the package looks first."""
    assert resources.shipped_dir("routines") == package / "_data" / "routines"
