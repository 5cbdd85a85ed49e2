"""A folder written whole or not at all, as ``files.Staging`` does for a file.

The folder is built under a temp name beside its target (``files.temp_name``: the
writer's process id in it, so the next writer in that folder removes what a killed one
left), then put in place in one step: a rename when nothing is there, else Linux's
``renameat2(RENAME_EXCHANGE)``, which swaps the two folders atomically, so the target is at
every moment either the old folder or the new one. Where the exchange is not available
(another system, a file system without it) the old folder is renamed aside and the new one
into its place with Ctrl-C, SIGTERM and SIGHUP held back between the two renames. The old
folder, then under the temp name, is removed afterwards.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from voicecoach.files import abandoned, temp_name, writer_pid

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_HELD = ("SIGINT", "SIGTERM", "SIGHUP")


def _renameat2() -> object | None:
    """glibc's ``renameat2`` (2.28 on), or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    function.argtypes += [ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically; False where this system or file system cannot (the
    paths are then untouched), an OSError for any other failure."""
    function = _renameat2()
    if function is None:
        return False
    done = function(  # type: ignore[operator]
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), os.fsdecode(second))


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP wait until the block ends (then arrive as usual)."""
    numbers = {getattr(signal, name) for name in _HELD if hasattr(signal, name)}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, numbers)
    except (AttributeError, ValueError, OSError):  # no sigmask here (Windows)
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _remove(path: Path) -> None:
    """Remove a folder of ours; what cannot be removed now the next writer sweeps."""
    shutil.rmtree(path, ignore_errors=True)


def clean_stale_folders(parent: Path, keep: str, now: float | None = None) -> list[Path]:
    """Remove the temp folders killed writers left in ``parent``: named by ``temp_name``,
    their writer gone (``files.abandoned``), and either empty or holding the file ``keep``
    (a folder staged here always does), so nobody else's folder is touched. Never raises."""
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        with os.scandir(parent) as scan:
            entries = [e for e in scan if writer_pid(e.name) is not None]
    except OSError:
        return removed
    for entry in entries:
        try:
            if not entry.is_dir(follow_symlinks=False):
                continue
            age = now - entry.stat(follow_symlinks=False).st_mtime
            path = Path(entry.path)
            if abandoned(entry.name, age) and ((path / keep).is_file() or not any(path.iterdir())):
                _remove(path)
                removed.append(path)
        except OSError:
            continue
    return removed


class FolderStaging:
    """A temp folder beside ``target``; ``commit`` puts it in place of ``target`` (which
    must be missing or a folder); leaving the block without a commit removes it, as does
    leaving it after one (it then holds the folder that was replaced).

    ``marker``: a file written into the temp folder first, by which ``clean_stale_folders``
    knows the temp folders that are its own."""

    def __init__(self, target: Path, marker: str) -> None:
        self.target = target
        self.marker = marker
        self.path: Path | None = None

    def __enter__(self) -> Path:
        parent = self.target.parent
        clean_stale_folders(parent, self.marker)
        for _ in range(100):
            # Named before it exists, so an interrupt just after the mkdir still finds it.
            self.path = Path(temp_name(self.target))
            try:
                os.mkdir(self.path, 0o777)
            except FileExistsError:
                continue
            except BaseException:
                self.path = None
                raise
            try:
                (self.path / self.marker).touch()
            except BaseException:  # __exit__ is not called when __enter__ fails
                _remove(self.path)
                self.path = None
                raise
            return self.path
        raise FileExistsError(errno.EEXIST, "no free temp folder name", str(self.target))

    def __exit__(self, *exc: object) -> None:
        if self.path is not None:
            _remove(self.path)
            self.path = None

    def commit(self) -> None:
        """Put the temp folder in place of the target, keeping an existing target's mode."""
        assert self.path is not None, "commit inside the block"
        with contextlib.suppress(FileNotFoundError):
            os.chmod(self.path, os.stat(self.target).st_mode & 0o7777)
        _fsync(self.path)
        if not os.path.lexists(self.target):
            os.rename(self.path, self.target)  # fails if a folder with files appeared
            self.path = None
        elif not exchange(self.path, self.target):
            self._swap_in_two_steps()
        _fsync(self.target.parent)  # the temp name now holds the old folder: exit removes it

    def _swap_in_two_steps(self) -> None:
        assert self.path is not None
        aside = Path(temp_name(self.target))
        with _signals_held():
            os.rename(self.target, aside)
            try:
                os.rename(self.path, self.target)
            except BaseException:
                os.rename(aside, self.target)
                raise
            self.path = aside


def _fsync(folder: Path) -> None:
    try:  # some file systems cannot sync a folder
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


__all__ = ["FolderStaging", "clean_stale_folders", "exchange"]
