"""Warm start: a ``play`` command's opening sound, kept from its last run and played before
the rest of voicecoach has loaded.

Loading the program (numpy, click, PyYAML), the routine and the speech cache takes about
half a second, a long wait in silence on the mat. So when a ``play`` command runs, the
player keeps its *opening* here: the opening silence and the first block of the session
(about ten seconds, ending in a silence). The next run of the same command finds it by a
hash of the command line, the working folder and the environment variables that locate
voicecoach's files; checks that every file the session was made from is unchanged (the
routine file, the settings file, and every other file that would now be chosen for the
routine instead); and plays it at once, importing nothing but simpleaudio.

The full program meanwhile loads, renders the session and takes over: the player checks
that the opening already playing is the start of its own render, sample for sample, and
goes on after it at its place on the timeline, as between any two blocks. An opening that
does not match (a new voice, a new release) is stopped and replaced. Nothing here may make
``play`` fail: any problem with a stored opening means the session starts the usual way.

This module imports only the standard library (and simpleaudio to play), and avoids even
``json``, ``pathlib``, ``typing`` and ``contextlib``, which would cost the quick start tens
of milliseconds.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
import zlib

from voicecoach import __version__, files

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs 12 ms here
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

FORMAT = 1
"""Bumped whenever the stored form or the meaning of an opening changes."""
MAGIC = b"voicecoach-opening\n"
SUFFIX = ".opening"
FOLDER = "openings"
KEEP = 24
"""Openings kept (the most recently played); each is a few hundred kilobytes."""
LARGEST = 64 * 1024 * 1024
"""An opening file larger than this is not read (a normal one is under 1 MB)."""
LARGEST_SOURCE = 16 * 1024 * 1024
"""A file an opening depends on is not hashed past this (routines and settings are
refused past 1 MiB anyway): the opening is then never used."""
ENVIRONMENT = ("VOICECOACH_", "XDG_")
HOMES = ("HOME", "USERPROFILE", "APPDATA", "LOCALAPPDATA")
"""Environment variables that decide where voicecoach's files are, so part of the key."""
CACHE_ENV = "VOICECOACH_CACHE_DIR"
_SEP = b"\0"


def cache_dir() -> str:
    """The speech cache folder: ``$VOICECOACH_CACHE_DIR``, else the user cache folder's
    ``speech`` subfolder (``user_cache_dir`` of platformdirs)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return override
    return os.path.join(user_cache_dir(), "speech")


def user_cache_dir() -> str:
    """voicecoach's user cache folder, as platformdirs gives it. On Linux and the BSDs that
    is the XDG rule, followed here directly: importing platformdirs (and pathlib with it)
    would cost the quick start 30 ms. A test checks the two agree."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.expanduser("~/.cache")
        return os.path.join(base, "voicecoach")
    import platformdirs

    return platformdirs.user_cache_dir("voicecoach", appauthor=False)


def store_dir() -> str:
    """Where openings are kept: beside the speech clips they are made of, so clearing the
    speech cache clears them too."""
    return os.path.join(cache_dir(), FOLDER)


def is_play(argv: Sequence[str]) -> bool:
    """Whether a command line runs ``play`` (the group's ``--debug`` may come first)."""
    words = [arg for arg in argv if arg != "--debug"]
    return bool(words) and words[0] == "play" and not {"-h", "--help"} & set(words)


def command_key(argv: Sequence[str]) -> str:
    """A hash of everything outside the files that decides what a command plays: its
    arguments, the working folder (a routine given by a relative path), the environment
    that locates the settings, routines and caches, and this release."""
    env = sorted(
        f"{name}={value}"
        for name, value in os.environ.items()
        if name.startswith(ENVIRONMENT) or name in HOMES
    )
    fields = [str(FORMAT), __version__, os.getcwd(), *env, "", *argv]
    return hashlib.sha256(_SEP.join(os.fsencode(f) for f in fields)).hexdigest()[:40]


def file_digest(path: str) -> str | None:
    """A file's content hash, or ``-`` when there is no such file (absence counts too: a
    routine file added to the user folder takes a shipped routine's place); None when it
    cannot be read or is not a regular file (a FIFO, a device, a loop), so no opening is
    kept or used for it. Never blocks and never raises."""
    try:
        return hashlib.sha256(files.read_regular(path, LARGEST_SOURCE)).hexdigest()
    except (FileNotFoundError, NotADirectoryError):
        return "-"
    except Exception:  # a VoicecoachError (not imported here: it costs the quick start)
        return None


class Opening:
    """A stored opening: 16-bit mono samples at ``rate``, made from ``files`` as they were
    (path and digest pairs)."""

    __slots__ = ("files", "pcm", "rate")

    def __init__(self, pcm: bytes, rate: int, files: Sequence[tuple[str, str]]) -> None:
        self.pcm = pcm
        self.rate = rate
        self.files = tuple(files)

    def to_bytes(self) -> bytes:
        fields = [str(FORMAT), str(self.rate), str(len(self.pcm)), str(zlib.crc32(self.pcm))]
        for path, digest in self.files:
            fields += [path, digest]
        header = _SEP.join(os.fsencode(f) for f in fields)
        return MAGIC + len(header).to_bytes(4, "little") + header + self.pcm

    @classmethod
    def from_bytes(cls, data: bytes) -> Opening | None:
        """The opening in ``data``; None when it is damaged or of another format."""
        if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
            return None
        start = len(MAGIC) + 4
        size = int.from_bytes(data[len(MAGIC) : start], "little")
        fields = [os.fsdecode(f) for f in data[start : start + size].split(_SEP)]
        pcm = data[start + size :]
        if len(fields) < 4 or len(fields) % 2 or fields[0] != str(FORMAT):
            return None
        try:
            rate, length, crc = int(fields[1]), int(fields[2]), int(fields[3])
        except ValueError:
            return None
        if length != len(pcm) or length % 2 or rate <= 0 or zlib.crc32(pcm) != crc:
            return None
        files = list(zip(fields[4::2], fields[5::2], strict=True))
        return cls(pcm, rate, files)

    def current(self) -> bool:
        """Whether every file it was made from is as it was."""
        return all(file_digest(path) == digest for path, digest in self.files)


def opening_path(key: str, folder: str | None = None) -> str:
    return os.path.join(folder if folder is not None else store_dir(), key + SUFFIX)


def load(key: str, folder: str | None = None) -> Opening | None:
    """The stored opening for a command, if there is one and its files are unchanged."""
    try:
        data = files.read_regular(opening_path(key, folder), LARGEST)
    except Exception:  # missing, unreadable, not a regular file, too large: none
        return None
    opening = Opening.from_bytes(data)
    if opening is None or not opening.current():
        return None
    return opening


def save(
    key: str, pcm: bytes, rate: int, made_from: Sequence[str], folder: str | None = None
) -> bool:
    """Keep a command's opening, made from the files ``made_from`` (as they are now);
    False if it could not be written (a full disk or a read-only cache only lose the warm
    start), or if one of those files is not a readable regular file."""
    try:
        folder = folder if folder is not None else store_dir()
        sources: list[tuple[str, str]] = []
        for source in made_from:
            digest = file_digest(source)
            if digest is None:  # a file it depends on cannot be checked next time
                return False
            sources.append((os.path.abspath(source), digest))
        opening = Opening(pcm, rate, sources)
        os.makedirs(folder, exist_ok=True)
        files.write_atomic(opening_path(key, folder), opening.to_bytes(), durable=False)
        prune(folder)
    except Exception:  # OSError, ValueError, or a target that is not a regular file
        return False
    return True


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def prune(folder: str, keep: int = KEEP) -> None:
    """Remove all but the ``keep`` most recently played openings, and stray temp files."""
    entries: list[tuple[float, str]] = []
    with os.scandir(folder) as scan:
        for entry in scan:
            try:
                if entry.name.endswith(SUFFIX):
                    entries.append((entry.stat().st_mtime, entry.path))
                elif ".tmp-" in entry.name and entry.stat().st_mtime < time.time() - 3600:
                    _remove(entry.path)
            except OSError:
                continue
    entries.sort(reverse=True)
    for _, path in entries[keep:]:
        _remove(path)


def touch(key: str, folder: str | None = None) -> None:
    """Mark an opening as just played, so pruning keeps it."""
    try:
        os.utime(opening_path(key, folder))
    except (OSError, ValueError):
        pass


# --- the quick start: play a stored opening before loading the rest ------------------------


class Started:
    """An opening that is playing: ``voice`` is simpleaudio's play object, ``at`` the
    ``time.monotonic()`` at which it was started."""

    __slots__ = ("at", "opening", "voice")

    def __init__(self, opening: Opening, voice: Any, at: float) -> None:
        self.opening = opening
        self.voice = voice
        self.at = at

    def stop(self) -> None:
        try:
            self.voice.stop()
        except Exception:  # already stopped with the device gone: nothing sounds
            pass


class Launch:
    """A ``play`` command run from the entry point: its key, and its opening if one is
    already playing."""

    __slots__ = ("key", "started")

    def __init__(self, key: str, started: Started | None) -> None:
        self.key = key
        self.started = started


_current: Launch | None = None


def current() -> Launch | None:
    """The launch of this process's ``play`` command, if it came through ``begin``."""
    return _current


def forget() -> None:
    global _current
    _current = None


def begin(argv: Sequence[str]) -> Launch | None:
    """For a ``play`` command: start its stored opening, if any, and note the launch for
    the player. Never raises (but for KeyboardInterrupt): at worst the session starts the
    usual way."""
    global _current
    _current = None
    if not is_play(argv):
        return None
    try:
        key = command_key(argv)
    except (OSError, ValueError):  # a working folder that no longer exists
        return None
    opening = load(key)
    started = _play(opening) if opening is not None else None
    if started is not None:
        touch(key)
    _current = Launch(key, started)
    return _current


def _play(opening: Opening) -> Started | None:
    try:
        import simpleaudio
    except ImportError:  # the full program says what is missing
        return None
    # ALSA prints its own lines on fd 2 when there is no device; the full program says
    # the same in words, with what to do.
    saved = hide_fd2()
    try:
        voice = simpleaudio.play_buffer(opening.pcm, 1, 2, opening.rate)
    except Exception:
        return None
    finally:
        restore_fd2(saved)
    return Started(opening, voice, time.monotonic())


def hide_fd2(stream: Any = None) -> int | None:
    """Point fd 2 at /dev/null (after flushing ``stream``, by default ``sys.stderr``);
    returns a copy of the real fd 2 for ``restore_fd2``, or None if nothing changed."""
    try:
        (stream if stream is not None else sys.stderr).flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        return None
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 2)
        finally:
            os.close(devnull)
    except OSError:
        os.close(saved)
        return None
    return saved


def restore_fd2(saved: int | None) -> None:
    if saved is not None:
        os.dup2(saved, 2)
        os.close(saved)
