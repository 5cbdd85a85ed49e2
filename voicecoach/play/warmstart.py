"""Warm start: a ``play`` command's output stream opened, and its opening sound (kept from
its last run) playing, before the rest of voicecoach has loaded.

Loading the program (numpy, click, PyYAML), the routine and the speech cache takes about
half a second, a long wait in silence on the mat. So when a ``play`` command runs, the
player keeps its *opening* here: the opening silence and the first ten seconds or so of
the session, up to a silence. The next run of the same command finds it by a hash of the
command line, the working folder and the environment variables that locate voicecoach's
files; checks that every file the session was made from is unchanged (the routine file,
the settings file, and every other file that would now be chosen for the routine
instead); opens the session's one output stream (``voicecoach.play.stream``) and feeds it the
opening at once.

The full program meanwhile loads, renders the session and takes the stream over (the
``Launch`` is handed down to the player, no module state): the player checks that the
opening is the start of its own render, sample for sample, and feeds what follows it into
the same stream, so the hand-over is seamless. An opening that does not match (a new
voice, a new release) is cut off and replaced. Nothing here may make ``play`` fail: any
problem with a stored opening or the device means the session starts the usual way.

This module imports only the standard library (and ``voicecoach.play.stream``, with
sounddevice, to play), and avoids even ``json``, ``pathlib``, ``typing`` and
``contextlib``, which would cost the quick start tens of milliseconds.
"""

from __future__ import annotations

import os
import time
import zlib

from voicecoach import __version__, files, paths

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs 12 ms here
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from voicecoach.play.stream import Stream

FORMAT = 2
"""Bumped whenever the stored form or the meaning of an opening changes."""
MAGIC = b"voicecoach-opening\n"
SUFFIX = ".opening"
FOLDER = paths.OPENINGS
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
CACHE_ENV = paths.CACHE_DIR_ENV
RATE = 22050
"""The session's sample rate (``cuescript.SAMPLE_RATE``, which costs numpy to import)."""
_SEP = b"\0"


def _sha256_module() -> Any:
    """A module with ``sha256``: CPython's own (``_sha256``, ``_sha2`` from 3.12), else
    hashlib, whose OpenSSL binding costs the quick start about 10 ms to load."""
    for name in ("_sha2", "_sha256", "hashlib"):
        try:
            return __import__(name)
        except ImportError:
            continue
    raise ImportError("no sha256")


_sha = _sha256_module()


def cache_dir() -> str:
    """The speech cache folder (``voicecoach.paths.speech_cache_dir``)."""
    return paths.speech_cache_dir()


def user_cache_dir() -> str:
    """voicecoach's user cache folder (``voicecoach.paths.user_cache_dir``)."""
    return paths.user_cache_dir()


def store_dir() -> str:
    """Where openings are kept (``voicecoach.paths.openings_dir``)."""
    return paths.openings_dir()


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
    return str(_sha.sha256(_SEP.join(os.fsencode(f) for f in fields)).hexdigest()[:40])


def file_digest(path: str) -> str | None:
    """A file's content hash, or ``-`` when there is no such file (absence counts too: a
    routine file added to the user folder takes a shipped routine's place); None when it
    cannot be read or is not a regular file (a FIFO, a device, a loop), so no opening is
    kept or used for it. Never blocks and never raises."""
    try:
        return str(_sha.sha256(files.read_regular(path, LARGEST_SOURCE)).hexdigest())
    except (FileNotFoundError, NotADirectoryError):
        return "-"
    except Exception:  # a VoicecoachError (not imported here: it costs the quick start)
        return None


class Opening:
    """A stored opening: 16-bit mono samples at ``rate``, the first ``lead`` of them the
    silence before the session, made from ``files`` as they were (path, digest pairs)."""

    __slots__ = ("files", "lead", "pcm", "rate")

    def __init__(
        self, pcm: bytes, rate: int, files: Sequence[tuple[str, str]], lead: int = 0
    ) -> None:
        self.pcm = pcm
        self.rate = rate
        self.files = tuple(files)
        self.lead = lead

    def to_bytes(self) -> bytes:
        fields = [
            str(FORMAT),
            str(self.rate),
            str(len(self.pcm)),
            str(zlib.crc32(self.pcm)),
            str(self.lead),
        ]
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
        if len(fields) < 5 or len(fields) % 2 == 0 or fields[0] != str(FORMAT):
            return None
        try:
            rate, length, crc, lead = (int(f) for f in fields[1:5])
        except ValueError:
            return None
        if length != len(pcm) or length % 2 or rate <= 0 or zlib.crc32(pcm) != crc:
            return None
        if not 0 <= lead <= length // 2:
            return None
        files = list(zip(fields[5::2], fields[6::2], strict=True))
        return cls(pcm, rate, files, lead)

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
    key: str,
    pcm: bytes,
    rate: int,
    made_from: Sequence[str],
    folder: str | None = None,
    lead: int = 0,
) -> bool:
    """Keep a command's opening (``lead`` samples of silence, then the session), made from
    the files ``made_from`` (as they are now); False if it could not be written (a full
    disk or a read-only cache only lose the warm start), or if one of those files is not a
    readable regular file."""
    try:
        folder = folder if folder is not None else store_dir()
        sources: list[tuple[str, str]] = []
        for source in made_from:
            digest = file_digest(source)
            if digest is None:  # a file it depends on cannot be checked next time
                return False
            sources.append((os.path.abspath(source), digest))
        opening = Opening(pcm, rate, sources, lead)
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


# --- the quick start: open the stream and play a stored opening before loading the rest ---


class Launch:
    """A ``play`` command run from the entry point: its key, and, when an opening was
    stored, the output stream opened for it, already playing ``opening`` (None without a
    usable device: the player then says why). Handed down to the player, which takes the
    stream over; ``close`` releases it if nobody did."""

    __slots__ = ("key", "opening", "stream")

    def __init__(self, key: str, stream: Stream | None, opening: Opening | None) -> None:
        self.key = key
        self.stream = stream
        self.opening = opening

    def take(self) -> tuple[Stream | None, bytes | None]:
        """The stream, and the samples it is already playing (the opening), for the
        player; a second call gets nothing."""
        stream, opening = self.stream, self.opening
        self.stream = self.opening = None
        return stream, opening.pcm if opening is not None and stream is not None else None

    def close(self) -> None:
        """Stop and release the stream, if the player has not taken it (idempotent)."""
        stream, self.stream = self.stream, None
        if stream is not None:
            stream.close()


def begin(argv: Sequence[str]) -> Launch | None:
    """For a ``play`` command with a stored opening: open the output stream and start the
    opening. Never raises (but for KeyboardInterrupt): at worst the session starts the usual
    way."""
    if not is_play(argv):
        return None
    try:
        key = command_key(argv)
    except (OSError, ValueError):  # a working folder that no longer exists
        return None
    opening = load(key)
    if opening is None or opening.rate != RATE:
        # Without an opening the player opens the stream once it has the session's first
        # samples: opened now, the stream would put its buffer of silence before them.
        return Launch(key, None, None)
    stream = _open(opening)
    if stream is None:
        return Launch(key, None, None)
    touch(key)
    return Launch(key, stream, opening)


def _open(opening: Opening) -> Stream | None:
    """The output stream, started, with ``opening`` fed to it first; None without a device."""
    try:
        from voicecoach.play.stream import Feed, Stream
    except ImportError:
        return None
    feed = Feed(RATE)
    feed.put(opening.pcm, -opening.lead)
    feed.expect(True)
    try:
        return Stream.open(feed)
    except Exception:  # no device, no PortAudio: the full program says so, in words
        return None
