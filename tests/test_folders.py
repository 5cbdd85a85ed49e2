"""A folder written whole or not at all: put in place by an atomic exchange or two renames,
removed on error, and the temp folders of killed writers swept (only ours)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from voicecoach import folders
from voicecoach.files import STALE_SECONDS, temp_name
from voicecoach.folders import FolderStaging, clean_stale_folders, exchange

MARK = ".mine"


def contents(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir()) if p.name != MARK}


def build(target: Path, files: dict[str, str]) -> None:
    staging = FolderStaging(target, MARK)
    with staging as folder:
        for name, text in files.items():
            (folder / name).write_text(text)
        staging.commit()


def test_a_new_folder_appears_whole(tmp_path: Path) -> None:
    build(tmp_path / "pack", {"a": "1"})
    assert contents(tmp_path / "pack") == {"a": "1"}
    assert os.listdir(tmp_path) == ["pack"]


@pytest.mark.parametrize("atomic", [True, False], ids=["exchange", "two-renames"])
def test_an_old_folder_is_replaced_whole_and_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, atomic: bool
) -> None:
    if not atomic:
        monkeypatch.setattr(folders, "exchange", lambda first, second: False)
    target = tmp_path / "pack"
    build(target, {"old": "1", "both": "old"})
    target.chmod(0o711)
    build(target, {"both": "new"})
    assert contents(target) == {"both": "new"}
    assert target.stat().st_mode & 0o777 == 0o711
    assert os.listdir(tmp_path) == ["pack"]


def test_the_exchange_swaps_two_folders_here(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "from-a").touch()
    if not exchange(tmp_path / "a", tmp_path / "b"):
        pytest.skip("no renameat2 exchange on this system or file system")
    assert os.listdir(tmp_path / "b") == ["from-a"]
    assert os.listdir(tmp_path / "a") == []


@pytest.mark.parametrize("error", [RuntimeError("broken"), KeyboardInterrupt()])
def test_an_error_before_the_commit_leaves_the_old_folder_and_no_temp(
    tmp_path: Path, error: BaseException
) -> None:
    target = tmp_path / "pack"
    build(target, {"old": "1"})
    with pytest.raises(type(error)), FolderStaging(target, MARK) as folder:
        (folder / "new").write_text("2")
        raise error
    assert contents(target) == {"old": "1"}
    assert os.listdir(tmp_path) == ["pack"]


def gone_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(30)
    return child.pid


def test_temp_folders_of_gone_writers_are_swept_but_no_one_elses(tmp_path: Path) -> None:
    old = time.time() - STALE_SECONDS - 60
    pid = gone_pid()
    ours, empty, foreign, fresh, alive = (
        Path(temp_name(tmp_path / name, pid=pid if name != "alive" else os.getpid()))
        for name in ("ours", "empty", "foreign", "fresh", "alive")
    )
    for folder in (ours, empty, foreign, fresh, alive):
        folder.mkdir()
    for folder in (ours, fresh, alive):
        (folder / MARK).touch()
        (folder / "session.mp3").write_bytes(b"half")
    (foreign / "notes.txt").write_text("not ours")
    for folder in (ours, empty, foreign, alive):
        os.utime(folder, (old, old))
    removed = clean_stale_folders(tmp_path, MARK)
    assert sorted(removed) == sorted([ours, empty])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (foreign, fresh, alive)
    )
