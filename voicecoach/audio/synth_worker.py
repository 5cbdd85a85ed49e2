"""The synthesis server: ``python -m voicecoach.audio.synth_worker SLOTS CHILD_SECONDS``.

espeak-ng is not memoryless: its pitch flutter, gain control and echo carry on from one
phrase to the next inside a process, so the same phrase comes out differently after
different phrases. An engine that has said nothing before always gives the same samples,
so every phrase is made in a process of its own: this server, which has imported pyttsx3
but never started it, forks one child per phrase; the child starts the engine, writes
that one phrase to the file it was given, reports on its own pipe and exits.

The server runs a single thread (it checks before every fork), so the fork is safe. It
reads one JSON request a line on stdin (``id``, ``text``, ``voice``, ``rate``, ``volume``,
``path``, and ``voice_id`` once the voice has been found), runs up to SLOTS children at
once, and answers each request with one JSON line on stdout (``id``, ``ok``, the
``voice_id`` used, and ``kind`` and ``message`` when not ok). A child that does not finish
within CHILD_SECONDS is killed (SIGKILL) and reported failed;
a child that dies is reaped and reported failed; nothing it does can stop the others.
The server ends when stdin closes, and with its parent (``PR_SET_PDEATHSIG``); its
children end with it.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicecoach.audio.voice_engine import Pyttsx3Engine, VoiceSettings
from voicecoach.errors import SettingsError, VoiceEngineError

PR_SET_PDEATHSIG = 1
"""Linux's prctl option: a signal for this process when the process that made it ends."""

REAP_SECONDS = 2.0
MESSAGE_LIMIT = 400  # characters of an error message sent back


def die_with_parent() -> None:
    """Have the kernel SIGKILL this process when its parent ends (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def thread_count() -> int:
    """This process's threads, as the kernel counts them (1 when that cannot be read)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1


def speak(job: dict[str, Any]) -> dict[str, Any]:
    """Make one phrase with a fresh engine (in the child); the answer to send back."""
    try:
        settings = VoiceSettings(job["voice"], job["rate"], float(job["volume"]))
        engine = Pyttsx3Engine()
        if settings.voice and job.get("voice_id"):
            engine.remember(settings.voice, str(job["voice_id"]))
        engine.synthesize(str(job["text"]), Path(job["path"]), settings)
        if settings.voice:
            return {"ok": True, "voice_id": engine.resolve(settings.voice)}
    except SettingsError as err:
        return {"ok": False, "kind": "settings", "message": str(err)}
    except VoiceEngineError as err:
        return {"ok": False, "kind": "engine", "message": str(err)}
    except Exception as err:  # reported to the parent, which tries again
        return {"ok": False, "kind": "failed", "message": f"{type(err).__name__}: {err}"}
    return {"ok": True}


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


@dataclass
class Child:
    """A child making one phrase: its pid, the request's id, its pipe and its deadline."""

    pid: int
    job_id: int
    fd: int
    deadline: float
    report: bytearray = field(default_factory=bytearray)


def reap(pid: int) -> None:
    """Collect an ended child, killing it if it does not end within REAP_SECONDS."""
    deadline = time.monotonic() + REAP_SECONDS
    killed = False
    while True:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if done:
            return
        if time.monotonic() >= deadline:
            if killed:
                return  # left to init once we end; never wait without bound
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            killed = True
            deadline = time.monotonic() + REAP_SECONDS
        time.sleep(0.001)


class Server:
    def __init__(self, slots: int, child_seconds: float, replies: int) -> None:
        self.slots = max(1, slots)
        self.child_seconds = child_seconds
        self.replies = replies
        self.waiting: deque[dict[str, Any]] = deque()
        self.children: dict[int, Child] = {}  # by pipe fd
        self.requests = bytearray()
        self.open = True

    def answer(self, job_id: int, answer: dict[str, Any]) -> None:
        if "message" in answer:
            answer["message"] = str(answer["message"])[:MESSAGE_LIMIT]
        write_all(self.replies, json.dumps({"id": job_id, **answer}).encode() + b"\n")

    def start(self, job: dict[str, Any]) -> None:
        threads = thread_count()
        if threads != 1:  # never fork a threaded process
            self.answer(job["id"], {"ok": False, "kind": "failed", "message": f"{threads} threads"})
            return
        try:
            read_end, write_end = os.pipe()
        except OSError as err:
            self.answer(job["id"], {"ok": False, "kind": "failed", "message": str(err)})
            return
        try:
            pid = os.fork()
        except OSError as err:  # no memory or too many processes: this phrase fails
            os.close(read_end)
            os.close(write_end)
            self.answer(job["id"], {"ok": False, "kind": "failed", "message": str(err)})
            return
        if pid == 0:  # the child: one phrase, then out
            try:
                gc.disable()  # a child lives for one phrase: collecting only copies pages
                os.close(read_end)
                die_with_parent()
                answer = speak(job)
                write_all(write_end, json.dumps(answer).encode())
            finally:
                os._exit(0)
        os.close(write_end)
        deadline = time.monotonic() + self.child_seconds
        self.children[read_end] = Child(pid, int(job["id"]), read_end, deadline)

    def finish(self, child: Child, failure: str | None) -> None:
        del self.children[child.fd]
        os.close(child.fd)
        if failure is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)
        reap(child.pid)
        answer: dict[str, Any] = {"ok": False, "kind": "failed", "message": failure}
        if failure is None:
            try:
                answer = json.loads(bytes(child.report))
            except ValueError:
                answer["message"] = "the synthesis process ended without a word"
        self.answer(child.job_id, answer)

    def read_requests(self) -> None:
        chunk = os.read(0, 65536)
        if not chunk:
            self.open = False
            return
        self.requests += chunk
        while b"\n" in self.requests:
            line, _, rest = bytes(self.requests).partition(b"\n")
            self.requests = bytearray(rest)
            if line.strip():
                self.waiting.append(json.loads(line))

    def run(self) -> None:
        while self.open:
            while self.waiting and len(self.children) < self.slots:
                self.start(self.waiting.popleft())
            now = time.monotonic()
            wait = min([c.deadline - now for c in self.children.values()] + [1.0])
            ready, _, _ = select.select([0, *self.children], [], [], max(0.0, wait))
            for fd in ready:
                if fd == 0:
                    self.read_requests()
                    continue
                child = self.children[fd]
                chunk = os.read(fd, 65536)
                if chunk:
                    child.report += chunk
                else:
                    self.finish(child, None)
            now = time.monotonic()
            for child in [c for c in self.children.values() if c.deadline <= now]:
                self.finish(child, f"no phrase in {self.child_seconds:g} s")
        for child in list(self.children.values()):  # the parent has gone: so do we
            self.finish(child, "stopped")


def main(argv: list[str]) -> int:
    die_with_parent()
    # Ctrl-C reaches the whole process group; the parent alone handles it (and ends us).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    slots, child_seconds = int(argv[0]), float(argv[1])
    # Answers go on our own copy of stdout; fd 1 and 2 go nowhere, so nothing the engine
    # prints can garble them or reach the user.
    replies = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.stdout = sys.stderr = open(devnull, "w", closefd=False)  # noqa: SIM115
    with contextlib.suppress(ImportError, OSError):  # each child reports what is missing
        import pyttsx3.drivers.espeak  # noqa: F401  (loaded once here, not per phrase)
    gc.freeze()  # children share these objects untouched: fewer pages copied per fork
    Server(slots, child_seconds, replies).run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
