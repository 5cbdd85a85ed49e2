"""Synthesis in fresh engines: one phrase, one clip, whatever was said before.

espeak-ng carries state from one phrase to the next within a process (its pitch flutter
runs on across phrases), so the same phrase after different phrases gave clips up to 0.1 s
apart, and which phrases a process had said depended on the cache and on the scheduler.
``FreshEngine`` makes each phrase in a process that has said nothing before: the synthesis
server (``voicecoach.audio.synth_worker``) forks a child per phrase, so the same text, voice and
settings always give the same samples. A fork from the server costs about 9 ms more a
phrase than reusing one engine; the server runs several children at once, which more than
pays that back on a cold cache.

Nothing here waits without a bound: the server kills a child that takes too long, and
the parent gives up on a server that says nothing for ``STALL_SECONDS`` (or whose pipe
closes), kills it outright (SIGKILL) and starts another for the next request. No lock or
queue is shared between processes: each child has its own pipe, and the server has one
pair of pipes to its parent.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import voicecoach
from voicecoach.audio.speech import Speech, entry_frames
from voicecoach.audio.voice_engine import Pyttsx3Engine, Voice, VoiceSettings
from voicecoach.errors import InternalError, SettingsError, VoiceEngineError

MAX_WORKERS = 4
CHILD_SECONDS = 15.0
"""The server kills a child still making its phrase after this long (a phrase takes about
20 ms; the engine's own wait for a phrase's end is 10 s)."""
STALL_SECONDS = 20.0
"""The parent gives up on a server that has answered nothing for this long."""
KILL_SECONDS = 5.0
LOCK_SECONDS = 300.0
"""How long a call waits for another thread's synthesis to end before giving up."""


_PACKAGE_ROOT = str(Path(voicecoach.__file__).resolve().parent.parent)
# The server imports this very copy of voicecoach: the folder holding it replaces the
# working folder at the head of the path (which ``-m`` would search first).
_START = (
    "import sys; sys.path[0] = sys.argv.pop(1); "
    "from voicecoach.audio.synth_worker import main; sys.exit(main(sys.argv[1:]))"
)


class ServerFailed(InternalError, RuntimeError):
    """The synthesis server died or stopped answering (it has been killed)."""


def default_slots() -> int:
    """Children run at once: two a CPU (each spends about half its time waiting on the
    engine's own loop), at most ``MAX_WORKERS``."""
    return max(1, min(MAX_WORKERS, 2 * (os.cpu_count() or 1)))


class SynthServer:
    """One synthesis server process and the two pipes to it."""

    def __init__(self, slots: int, child_seconds: float = CHILD_SECONDS) -> None:
        self.slots = slots
        self.process = subprocess.Popen(
            [sys.executable, "-c", _START, _PACKAGE_ROOT, str(slots), f"{child_seconds:g}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._to = self.process.stdin.fileno()
        self._from = self.process.stdout.fileno()
        os.set_blocking(self._to, False)
        self._next_id = 0
        self._answers = bytearray()
        # A server nobody closed ends with its owner, or at the latest when this process
        # does, rather than being left running (and warned about) by the garbage collector.
        self._end = weakref.finalize(self, _end, self.process)

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """End the server outright (its children end with it), waiting a bounded time."""
        self._end()

    def close(self) -> None:
        """Let the server end (stdin closed), killing it if it does not within a second."""
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=1.0)
        self.kill()

    def run(
        self, jobs: Sequence[dict[str, Any]], stall: float = STALL_SECONDS
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """Send ``jobs`` and yield ``(index, answer)`` as each is answered, in any order.

        At most two requests a slot are outstanding, so neither pipe ever fills. Raises
        ``ServerFailed`` (having killed the server) if its pipes close or it answers
        nothing for ``stall`` seconds; any other way out also kills it, so a later run never
        reads a stale answer.
        """
        try:
            yield from self._run(jobs, stall)
        except BaseException:
            self.kill()
            raise

    def _run(
        self, jobs: Sequence[dict[str, Any]], stall: float
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        waiting = deque(range(len(jobs)))
        sent: dict[int, int] = {}  # request id -> index in jobs
        out = bytearray()
        heard = time.monotonic()
        while waiting or sent:
            while waiting and len(sent) < 2 * self.slots:
                index = waiting.popleft()
                self._next_id += 1
                sent[self._next_id] = index
                out += json.dumps({**jobs[index], "id": self._next_id}).encode() + b"\n"
            left = heard + stall - time.monotonic()
            if left <= 0:
                raise ServerFailed(f"the synthesis server said nothing for {stall:g} s")
            chunk = self._exchange(out, min(left, 1.0))
            if chunk is None:
                continue
            self._answers += chunk
            while b"\n" in self._answers:
                line, _, rest = bytes(self._answers).partition(b"\n")
                self._answers = bytearray(rest)
                try:
                    answer = json.loads(line)
                    index = sent.pop(int(answer["id"]))
                except (ValueError, KeyError, TypeError) as err:
                    raise ServerFailed(f"the synthesis server answered {line[:80]!r}") from err
                heard = time.monotonic()
                yield index, answer

    def _exchange(self, out: bytearray, timeout: float) -> bytes | None:
        """Writes what of ``out`` the server takes (removing it), then reads its answers:
        None when nothing came within ``timeout`` seconds."""
        try:
            readable, writable, _ = select.select(
                [self._from], [self._to] if out else [], [], timeout
            )
        except (OSError, ValueError) as err:
            raise ServerFailed(f"the synthesis server's pipes failed ({err})") from err
        if writable:
            try:
                del out[: os.write(self._to, out)]
            except BlockingIOError:
                pass
            except OSError as err:
                raise ServerFailed(f"the synthesis server has gone ({err})") from err
        if not readable:
            return None
        try:
            chunk = os.read(self._from, 65536)
        except OSError as err:
            raise ServerFailed(f"the synthesis server has gone ({err})") from err
        if not chunk:
            raise ServerFailed("the synthesis server has gone")
        return chunk


def _end(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=KILL_SECONDS)
    for stream in (process.stdin, process.stdout):
        with contextlib.suppress(OSError):
            if stream is not None:
                stream.close()


def _request(text: str, path: Path, settings: VoiceSettings) -> dict[str, Any]:
    return {
        "text": text,
        "path": str(path),
        "voice": settings.voice,
        "rate": settings.rate,
        "volume": settings.volume,
    }


def _problem(answer: dict[str, Any]) -> Exception | None:
    """The exception an answer stands for: our own errors as they were, others to retry."""
    if answer.get("ok"):
        return None
    message = str(answer.get("message") or "the synthesis failed")
    kind = answer.get("kind")
    if kind == "settings":
        return SettingsError(message)
    if kind == "engine":
        return VoiceEngineError(message)
    return RuntimeError(message)


class FreshEngine:
    """espeak-ng through pyttsx3 with each phrase made by an engine that has said nothing
    before (see the module's docstring); voices are listed by ``local``, in this process.

    One server at a time, started at the first phrase and again after one has failed;
    calls from several threads take turns.
    """

    def __init__(self, local: Pyttsx3Engine | None = None, slots: int | None = None) -> None:
        self.local = local if local is not None else Pyttsx3Engine()
        self.slots = slots if slots is not None else default_slots()
        self.child_seconds = CHILD_SECONDS
        self.stall_seconds = STALL_SECONDS
        self._server: SynthServer | None = None
        self._lock = threading.Lock()
        self._voice_ids: dict[str, str] = {}  # voice asked for -> the id a child found

    @property
    def name(self) -> str:
        return self.local.name

    def voices(self) -> list[Voice]:
        return self.local.voices()

    @property
    def server(self) -> SynthServer | None:
        """The running server, if any (for tests)."""
        return self._server

    def close(self) -> None:
        """End the server, if one runs (one also ends when this process does)."""
        server, self._server = self._server, None
        if server is not None:
            server.close()

    def synthesize(self, text: str, path: Path, settings: VoiceSettings) -> None:
        for _, error in self.synthesize_many([(text, path)], settings):
            if error is not None:
                raise error

    def synthesize_many(
        self, jobs: Sequence[tuple[str, Path]], settings: VoiceSettings
    ) -> Iterator[tuple[int, Exception | None]]:
        """Make each ``(text, path)``; yield ``(index, error or None)`` as each ends."""
        requests = [_request(text, path, settings) for text, path in jobs]
        known = self._voice_ids.get(settings.voice or "")
        for job in requests:
            job["voice_id"] = known
        if not self._lock.acquire(timeout=LOCK_SECONDS):
            raise VoiceEngineError(
                f"the voice engine was busy for {LOCK_SECONDS:g} s; try again (voicecoach script)"
            )
        try:
            if self._server is None:
                try:
                    self._server = SynthServer(self.slots, self.child_seconds)
                except OSError as err:
                    raise VoiceEngineError(f"could not start speech synthesis ({err})") from err
            answered: set[int] = set()
            try:
                for index, answer in self._server.run(requests, self.stall_seconds):
                    answered.add(index)
                    if settings.voice and answer.get("voice_id"):
                        # Found by the first children; the later ones need not list voices.
                        voice_id = str(answer["voice_id"])
                        self._voice_ids[settings.voice] = voice_id
                        for job in requests:
                            job["voice_id"] = voice_id
                    yield index, _problem(answer)
            except ServerFailed as err:
                self._server = None
                for index in range(len(jobs)):
                    if index not in answered:
                        yield index, err
            except BaseException:
                self._server = None
                raise
        finally:
            self._lock.release()


def synthesize_in_parallel(speech: Speech, texts: Iterable[str]) -> int:
    """Fill ``speech``'s cache with every phrase still missing, several at once; returns
    how many were made.

    Only a ``FreshEngine`` runs phrases side by side (its server's children); other
    engines are left to ``speech.prepare``. This only speeds things up: the caller still
    runs ``speech.prepare``, which makes (and reports errors for) anything left missing.
    """
    engine = speech.engine
    if not isinstance(engine, FreshEngine):
        return 0
    missing = [t for t in dict.fromkeys(texts) if entry_frames(speech.path(t)) is None]
    if len(missing) < 2:
        return 0
    folder = speech.scratch()
    jobs = [(text, folder / f"parallel-{n}.wav") for n, text in enumerate(missing)]
    done = 0
    try:
        for index, error in engine.synthesize_many(jobs, speech.settings):
            text, path = jobs[index]
            if error is None and speech.take(text, path):
                done += 1
            with contextlib.suppress(OSError):
                path.unlink()
    finally:
        engine.close()  # a session rarely needs another phrase; one is started if it does
    return done
