"""The one reader and writer of files: nothing that is not a regular file is read or
replaced, temp names stay short, and what a killed writer left is cleaned up."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import bounded

from voicecoach import files
from voicecoach.errors import FileTooLargeError, UnusableFileError, VoicecoachError


def test_a_regular_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"hello")
    assert files.read_regular(path, 5) == b"hello"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: os.mkfifo(p), "is not a regular file (a FIFO)"),
        (lambda p: p.symlink_to("/dev/zero"), "is not a regular file (a character device)"),
        (lambda p: p.symlink_to("/dev/full"), "is not a regular file (a character device)"),
        (lambda p: p.mkdir(), "is a folder"),
        (lambda p: p.symlink_to(p), "is a symlink loop"),
    ],
    ids=["fifo", "dev-zero", "dev-full", "folder", "loop"],
)
def test_anything_else_is_refused_unread_and_at_once(
    tmp_path: Path, make: Callable[[Path], object], reason: str
) -> None:
    path = tmp_path / "thing"
    make(path)
    with pytest.raises(UnusableFileError) as caught:
        bounded(lambda: files.read_regular(path, 1024))
    assert isinstance(caught.value, VoicecoachError)
    assert str(caught.value) == f"{path} {reason}"
    assert caught.value.reason == reason


def test_missing_and_unreachable_files_are_oserrors(tmp_path: Path) -> None:
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError):
        files.read_regular(dangling, 10)
    plain = tmp_path / "plain"
    plain.write_text("x")
    with pytest.raises(NotADirectoryError):
        files.read_regular(plain / "inside", 10)
    with pytest.raises(OSError, match="File name too long"):
        files.read_regular(tmp_path / ("x" * 300), 10)


def test_a_file_past_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big"
    with path.open("wb") as handle:
        handle.truncate(10**9)  # sparse
    with pytest.raises(FileTooLargeError) as caught:
        files.read_regular(path, 1000)
    assert caught.value.size == 10**9
    assert str(caught.value) == f"{path} is too large (1,000,000,000 bytes; at most 1,000)"


def test_a_file_that_grows_past_the_limit_while_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "growing"
    path.write_bytes(b"x" * 10)
    real_stat = os.stat

    def stale_stat(target: object, *args: object, **kwargs: object) -> os.stat_result:
        info = real_stat(target, *args, **kwargs)  # type: ignore[arg-type]
        path.write_bytes(b"x" * 2000)  # it grows once checked
        return info

    monkeypatch.setattr(os, "stat", stale_stat)
    try:
        with pytest.raises(FileTooLargeError):
            files.read_regular(path, 1000)
    finally:
        monkeypatch.undo()


def test_temp_names_are_bounded_and_name_their_writer(tmp_path: Path) -> None:
    for name in ("a.wav", "x" * 251 + ".wav", "é" * 120 + ".ogg"):
        temp = Path(files.temp_name(tmp_path / name))
        assert temp.parent == tmp_path
        assert len(os.fsencode(temp.name)) <= files.STEM_BYTES + 30
        assert temp.name.startswith(".") and temp.name.endswith(".part")
        assert files.writer_pid(temp.name) == os.getpid()
        temp.write_bytes(b"")  # the file system takes it


def test_writer_pid_reads_only_its_own_names() -> None:
    assert files.writer_pid(".a.wav.vc123-0123abcd.part") == 123
    for other in (".a.wav.abcdefgh.part", "a.wav.vc1-0123abcd.part", ".a.vcx-0123abcd.part"):
        assert files.writer_pid(other) is None


def a_dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(30)
    return child.pid


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_stale_temp_files_of_dead_writers_are_cleaned_up(tmp_path: Path) -> None:
    dead = a_dead_pid()
    old_dead = Path(files.temp_name(tmp_path / "s.wav", pid=dead))
    young_dead = Path(files.temp_name(tmp_path / "t.wav", pid=dead))
    old_alive = Path(files.temp_name(tmp_path / "u.wav"))
    legacy_old = tmp_path / ".s.wav.ab_cd123.part"
    legacy_young = tmp_path / ".s.wav.zz_cd123.part"
    legacy_other = tmp_path / ".notes.ab_cd123.part"
    someone_elses = tmp_path / ".download.part"
    for path in (
        old_dead,
        young_dead,
        old_alive,
        legacy_old,
        legacy_young,
        legacy_other,
        someone_elses,
    ):
        path.write_bytes(b"left over")
    for path in (old_dead, old_alive, someone_elses):
        age(path, files.STALE_SECONDS + 60)
    for path in (legacy_old, legacy_other):
        age(path, files.LEGACY_STALE_SECONDS + 60)
    removed = files.clean_stale(tmp_path, "s.wav")
    assert sorted(removed) == sorted([str(old_dead), str(legacy_old)])
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {
        p.name for p in (young_dead, old_alive, legacy_young, legacy_other, someone_elses)
    }


def test_a_write_cleans_up_after_a_killed_writer(tmp_path: Path) -> None:
    stale = Path(files.temp_name(tmp_path / "settings.toml", pid=a_dead_pid()))
    stale.write_bytes(b"half")
    age(stale, files.STALE_SECONDS + 1)
    files.write_atomic(tmp_path / "settings.toml", b"whole")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.toml"]
    assert (tmp_path / "settings.toml").read_bytes() == b"whole"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: os.mkfifo(p), "is not a regular file (a FIFO)"),
        (lambda p: p.symlink_to(p), "is a symlink loop"),
        (lambda p: p.symlink_to(p.parent / "nowhere"), "which does not exist; remove it first"),
        (lambda p: p.mkdir(), "is a folder"),
    ],
    ids=["fifo", "loop", "dangling", "folder"],
)
def test_a_target_that_is_not_a_regular_file_is_never_replaced(
    tmp_path: Path, make: Callable[[Path], object], reason: str
) -> None:
    target = tmp_path / "target"
    make(target)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(UnusableFileError, match=re.escape(reason)):
        files.write_atomic(target, b"data")
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert target.is_symlink() or not target.is_file()


def test_a_device_target_is_refused() -> None:
    with pytest.raises(UnusableFileError, match="is not a regular file"):
        files.check_target("/dev/null")


def test_a_name_too_long_for_the_file_system_is_refused_before_writing(tmp_path: Path) -> None:
    target = tmp_path / ("n" * 256)
    with pytest.raises(UnusableFileError, match=r"too long for its file system \(256 bytes"):
        files.write_atomic(target, b"data")
    assert list(tmp_path.iterdir()) == []
    longest = tmp_path / ("n" * 255)
    files.write_atomic(longest, b"data")  # the temp name is shorter than the target's
    assert [p.name for p in tmp_path.iterdir()] == [longest.name]


def test_a_target_made_a_fifo_while_writing_is_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "out"
    with files.Staging() as stage:
        Path(stage.new(target)).write_bytes(b"data")
        os.mkfifo(target)
        with pytest.raises(UnusableFileError, match="a FIFO"):
            stage.commit()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_writing_without_replacing_keeps_what_is_there(tmp_path: Path) -> None:
    target = tmp_path / "kept"
    target.write_bytes(b"old")
    with pytest.raises(FileExistsError):
        files.write_atomic(target, b"new", replace=False)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["kept"]


def test_closed_standard_streams_get_devnull() -> None:
    code = (
        "import os, sys\n"
        "from voicecoach import files\n"
        "files.ensure_standard_streams()\n"
        "fd = os.open(os.devnull, os.O_RDONLY)\n"
        "print('ok', fd > 2, file=sys.stderr)\n"
        "print('to nowhere')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        pass_fds=(),
        close_fds=True,
        preexec_fn=lambda: os.close(1),
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "ok True\n"


def test_a_path_too_long_or_with_a_nul_is_refused_in_words(tmp_path: Path) -> None:
    with pytest.raises(UnusableFileError, match="cannot be written: File name too long"):
        files.check_target(tmp_path / ("a/" * 3000 + "x.wav"))
    with pytest.raises(UnusableFileError, match="is not a valid file name"):
        files.check_target(tmp_path / "a\0b.wav")
