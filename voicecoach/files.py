"""Every file voicecoach reads or writes goes through here, so that none can hang it.

Reading: a FIFO would block ``open`` until a writer comes, ``/dev/zero`` reads without end
and a symlink loop fails deep inside a library. ``read_regular`` opens without blocking
(``O_NONBLOCK``, and ``O_NOCTTY`` so a terminal never becomes ours), checks the open file
is a regular one, and reads at most a bound.

Writing: a file appears whole or not at all. Each is written to a temp file beside its
target and renamed over it (``Staging``; ``write_atomic`` for one file). A temp file's name
is bounded (so a long target name still fits the file system) and carries the writer's
process id: the next write into that folder removes the ones a killed process left.
Targets that are not regular files (a device, a FIFO, a loop) are refused up front.

Standard library only, and cheap to import: the quick start (``warmstart``) reads through
here before the rest of the program has loaded. The errors are imported only when one is
raised.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
import time

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs the quick start
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from voicecoach.errors import UnusableFileError

    Pathish = str | os.PathLike[str]

_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_CREATE_FLAGS = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
)
PART = ".part"
"""The ending of every temp file written here."""
MARK = ".vc"
"""Between a temp file's target name and its writer's process id."""
STALE_SECONDS = 300.0
"""A temp file of a process that is gone is removed once it is this old."""
LEGACY_STALE_SECONDS = 86400.0
"""Temp files of older releases (``.NAME.xxxxxxxx.part``, no process id) after a day."""
STEM_BYTES = 100
"""At most this much of the target's name is kept in its temp file's name."""


# --- what a path is --------------------------------------------------------------------


def kind(mode: int) -> str:
    """What a file that is not a regular one is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _unusable(path: Pathish, reason: str, size: int | None = None) -> UnusableFileError:
    from voicecoach.errors import FileTooLargeError, UnusableFileError

    shown = os.fsdecode(path)
    if size is not None:
        return FileTooLargeError(shown, reason, size)
    return UnusableFileError(shown, reason)


def _not_regular(path: Pathish, mode: int) -> UnusableFileError:
    if stat.S_ISDIR(mode):
        return _unusable(path, "is a folder")
    return _unusable(path, f"is not a regular file ({kind(mode)})")


def _loop(path: Pathish, err: OSError) -> UnusableFileError | OSError:
    """ELOOP in words; any other OSError as it is."""
    if err.errno == errno.ELOOP:
        return _unusable(path, "is a symlink loop")
    return err


def regular_or_missing(path: Pathish) -> os.stat_result | None:
    """The status of a regular file; None if nothing is there (a dangling link included).

    Raises UnusableFileError for anything else (a folder, a FIFO, a device, a symlink
    loop), and other OSErrors (permission, a name too long) as they are.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise _loop(path, err) from None
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(path, info.st_mode)
    return info


def read_regular(path: Pathish, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Raises UnusableFileError when ``path`` is not a regular file or is a symlink loop,
    FileTooLargeError past ``limit`` (also for a file growing while read), and
    FileNotFoundError and other OSErrors as they are. Never blocks on a FIFO or a device.
    """
    info = regular_or_missing(path)
    if info is None:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), os.fsdecode(path))
    if info.st_size > limit:
        raise _unusable(path, _too_large(info.st_size, limit), info.st_size)
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as err:
        raise _loop(path, err) from None
    try:
        mode = os.fstat(fd).st_mode  # it may have been swapped since the check
        if not stat.S_ISREG(mode):
            raise _not_regular(path, mode)
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise _unusable(path, _too_large(len(data), limit), len(data))
    return data


def _too_large(size: int, limit: int) -> str:
    return f"is too large ({size:,} bytes; at most {limit:,})"


# --- writing: targets, temp files, commit ----------------------------------------------


def name_max(folder: Pathish) -> int:
    """The longest file name, in bytes, the folder's file system takes."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


def check_target(path: Pathish) -> None:
    """Refuse, before any work, a target no file can be written to: a name longer than
    the file system takes, or something there already that is not a regular file."""
    folder = os.path.dirname(path) or "."
    name = os.fsencode(os.path.basename(path))
    longest = name_max(folder) if os.path.isdir(folder) else 255
    if len(name) > longest:
        raise _unusable(
            path,
            f"has a file name too long for its file system ({len(name)} bytes; at most "
            f"{longest}); choose a shorter name",
        )
    try:
        found = regular_or_missing(path)
    except (NotADirectoryError, PermissionError):
        return  # said better by the folder's own check, when the file is made
    except OSError as err:
        raise _unusable(path, f"cannot be written: {err.strerror or err}") from None
    except ValueError:  # a NUL in the name
        raise _unusable(path, "is not a valid file name") from None
    if found is None and os.path.islink(path):
        raise _unusable(
            path, f"is a symlink to {os.readlink(path)}, which does not exist; remove it first"
        )


def temp_name(target: Pathish, pid: int | None = None) -> str:
    """A temp file name for ``target``, in its folder: bounded in length, and naming the
    process that writes it (``.NAME.vcPID-TOKEN.part``)."""
    folder = os.path.dirname(target)
    name = os.fsencode(os.path.basename(target))
    budget = max(1, min(STEM_BYTES, name_max(folder or ".") - 40))
    cut = name[:budget]
    try:
        name.decode("utf-8")
        stem = cut.decode("utf-8", "ignore")  # a cut inside a character drops it
    except UnicodeDecodeError:
        stem = os.fsdecode(cut)
    token = os.urandom(4).hex()
    own = os.getpid() if pid is None else pid
    return os.path.join(folder, f".{stem}{MARK}{own}-{token}{PART}")


def create_temp(
    target: Pathish, mode: int = 0o600, claim: Callable[[str], None] | None = None
) -> str:
    """Create an empty temp file beside ``target`` (see ``temp_name``); returns its path.

    First removes what killed writers left in that folder (``clean_stale``). ``claim`` is
    told each name before the file is created, so an interrupt (Ctrl-C, SIGTERM) that
    lands just after the file appears still finds it among what its owner will remove.
    """
    clean_stale(os.path.dirname(target) or ".", os.path.basename(target))
    for _ in range(100):
        temp = temp_name(target)
        if claim is not None:
            claim(temp)
        try:
            fd = os.open(temp, _CREATE_FLAGS, mode)
        except FileExistsError:
            continue
        os.close(fd)
        return temp
    raise FileExistsError(errno.EEXIST, "no free temp file name", os.fsdecode(target))


def writer_pid(name: str) -> int | None:
    """The process id in a temp file name made by ``temp_name``; None for other names."""
    if not (name.startswith(".") and name.endswith(PART)) or MARK not in name:
        return None
    pid, _, token = name[: -len(PART)].rpartition(MARK)[2].partition("-")
    if not (pid.isdigit() and len(token) == 8 and all(c in "0123456789abcdef" for c in token)):
        return None
    return int(pid)


def _legacy(name: str, target: str | None) -> bool:
    """A temp file an older release made for ``target``: ``.TARGET.`` then 8 letters,
    digits or ``_`` (tempfile's names), then ``.part``."""
    prefix = f".{target}."
    if target is None or not (name.startswith(prefix) and name.endswith(PART)):
        return False
    token = name[len(prefix) : -len(PART)]
    return len(token) == 8 and all(c.isascii() and (c.isalnum() or c == "_") for c in token)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # os.kill would end it; age alone decides
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process
        return True
    return True


def abandoned(name: str, age: float) -> bool:
    """Whether a temp file (or folder) named by ``temp_name``, ``age`` seconds old, was
    left by a writer that is gone: its process has ended and it is STALE_SECONDS old."""
    pid = writer_pid(name)
    if pid is None:
        return False
    if sys.platform == "win32" and age > LEGACY_STALE_SECONDS:
        return True
    return age > STALE_SECONDS and not _alive(pid)


def clean_stale(folder: Pathish, target: str | None = None, now: float | None = None) -> list[str]:
    """Remove temp files of writers that are gone: ours once their process has ended and
    they are STALE_SECONDS old; an older release's, for the file named ``target``, after
    a day. Returns what was removed; never raises."""
    now = time.time() if now is None else now
    removed: list[str] = []
    try:
        with os.scandir(folder) as scan:
            entries = [e for e in scan if e.name.endswith(PART)]
    except OSError:
        return removed
    for entry in entries:
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            age = now - entry.stat(follow_symlinks=False).st_mtime
            if writer_pid(entry.name) is not None:
                stale = abandoned(entry.name, age)
            else:
                stale = _legacy(entry.name, target) and age > LEGACY_STALE_SECONDS
            if stale:
                os.unlink(entry.path)
                removed.append(entry.path)
        except OSError:
            continue
    return removed


def write_problem(path: Pathish, err: OSError) -> str:
    """What went wrong writing ``path``, in a user's words, with what to do about it."""
    target = os.fspath(path)
    folder = os.path.dirname(target) or "."
    if isinstance(err, PermissionError):
        return f"{target}: permission denied; choose a folder you can write to"
    if isinstance(err, IsADirectoryError):
        return f"{target} is a folder; give a file name inside it"
    if isinstance(err, FileNotFoundError):
        if os.path.isdir(folder):  # /proc and /sys refuse new files with ENOENT
            return f"{target}: the folder {folder} takes no new files; choose another folder"
        return f"{target}: the folder {folder} does not exist; create it first"
    return f"{target}: cannot write: {err.strerror or err}"


def final_mode(target: Pathish) -> int:
    """Keep the mode of the file being replaced; a new file gets the umask's default."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_path(path: Pathish) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Pathish) -> None:
    try:  # some file systems cannot sync a folder
        _fsync_path(folder)
    except OSError:
        pass


class Staging:
    """Temp files beside their targets, renamed over them together on ``commit``; the
    rest removed by ``discard`` (use it as a context manager: an error discards)."""

    def __init__(self, durable: bool = True) -> None:
        self.durable = durable
        self.pending: list[tuple[str, str]] = []

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def new(self, target: Pathish) -> str:
        """A new empty temp file for ``target``, after checking ``target`` can be one."""
        check_target(target)
        name = os.fsdecode(target)
        # Claimed before it exists (discard ignores names never created), so no interrupt
        # can leave a temp file nobody knows about; names that were taken are let go.
        claimed = len(self.pending)
        temp = create_temp(target, claim=lambda each: self.pending.append((each, name)))
        self.pending[claimed:] = [(temp, name)]
        return temp

    def commit(self) -> None:
        """Give each temp file its target's mode, sync it, then rename all into place."""
        for temp, target in self.pending:
            os.chmod(temp, final_mode(target))
            if self.durable:
                _fsync_path(temp)
        for temp, target in self.pending:
            check_target(target)  # something put there meanwhile is not replaced either
            os.replace(temp, target)
        if self.durable:
            for folder in {os.path.dirname(target) or "." for _, target in self.pending}:
                _fsync_folder(folder)
        self.pending = []

    def discard(self) -> None:
        for temp, _ in self.pending:
            try:
                os.unlink(temp)
            except OSError:
                pass
        self.pending = []


def write_atomic(path: Pathish, data: bytes, *, replace: bool = True, durable: bool = True) -> None:
    """Write ``data`` so that ``path`` is either the whole new file or what was there.

    With ``replace=False`` an existing file is never touched (FileExistsError), even one
    that appears while writing: the finished temp file is hard-linked into place, which
    fails atomically when the name is taken.
    """
    with Staging(durable) as stage:
        temp = stage.new(path)
        with open(temp, "wb") as handle:
            handle.write(data)
        if replace:
            stage.commit()
            return
        os.chmod(temp, final_mode(path))
        if durable:
            _fsync_path(temp)
        try:
            os.link(temp, path)
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: check, then move
            if os.path.lexists(path):
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), path) from None
            os.replace(temp, path)


# --- the standard streams --------------------------------------------------------------


def ensure_standard_streams() -> None:
    """Give a closed stdin, stdout or stderr (``>&-``) /dev/null, so that no file opened
    later takes its number (and output meant for the terminal never lands in it), and so
    that ``sys.stdout`` and the like are never None."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
            continue
        except OSError:
            pass
        try:
            opened = os.open(os.devnull, os.O_RDWR)
        except OSError:
            return
        if opened != fd:
            os.dup2(opened, fd)
            os.close(opened)
    for name, mode in (("stdin", "r"), ("stdout", "w"), ("stderr", "w")):
        if getattr(sys, name) is None:
            try:
                setattr(sys, name, open(os.devnull, mode, encoding="utf-8"))  # noqa: SIM115
            except OSError:
                pass


class _GuardedStdout(io.FileIO):
    def write(self, data: Any) -> int:
        try:
            return super().write(data)
        except BrokenPipeError:
            raise
        except OSError as err:
            from voicecoach.errors import StdoutError

            raise StdoutError(err.errno, err.strerror) from None


def guard_stdout() -> None:
    """Make a failed write to the real standard output a StdoutError, told apart from
    every other OSError at the error boundary. A replaced ``sys.stdout`` (a test's
    capture) is left alone."""
    out = sys.stdout
    if out is None or out is not sys.__stdout__ or not isinstance(out, io.TextIOWrapper):
        return
    try:
        fd = out.fileno()
        out.flush()
    except (OSError, ValueError):
        return
    raw = _GuardedStdout(fd, "w", closefd=False)
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(raw),
        encoding=out.encoding,
        errors=out.errors,
        line_buffering=out.line_buffering,
        write_through=out.write_through,
    )
