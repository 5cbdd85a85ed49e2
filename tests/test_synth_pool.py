"""Synthesis in fresh engines: the same samples for a phrase whatever came before, and no
wait without a bound when a synthesis process dies, stops or is killed.

Everything here runs the real engine (espeak-ng through pyttsx3) in real processes; the
failures are made with real signals (SIGKILL, SIGSTOP), never with stand-ins.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voicecoach.audio.speech import Speech, Voice, VoiceSettings, read_entry
from voicecoach.audio.synth_pool import FreshEngine, SynthServer, synthesize_in_parallel
from voicecoach.errors import SettingsError

ESPEAK = VoiceSettings(voice="espeak:")  # espeak-ng's default voice, even with Piper installed

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="fresh engines are forked on Linux"
)

ROOT = Path(__file__).resolve().parent.parent
PHRASES = [
    "Lie on your back, knees bent, feet flat.",
    "One. Tilt.",
    "Release.",
    "Hold for ten seconds, then rest.",
    "Switch sides.",
    "Well done.",
]


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie waiting to be reaped has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def children(pid: int) -> list[int]:
    """The live children of process ``pid``."""
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
            found += [int(p) for p in text.split()]
    return [p for p in found if alive(p)]


def wait_for(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.002)


def request(text: str, path: Path) -> dict[str, object]:
    return {"text": text, "path": str(path), "voice": None, "rate": None, "volume": 1.0}


@pytest.fixture
def server() -> Iterator[SynthServer]:
    running = SynthServer(2, child_seconds=2.0)
    yield running
    running.kill()


class ToneEngine:
    """A stand-in engine for the one test that needs an engine other than espeak-ng."""

    name = "tone"

    def synthesize(self, text: str, path: Path, settings: VoiceSettings) -> None:
        sf.write(path, np.full(2000, 0.3, np.float32), 22050, subtype="PCM_16")

    def voices(self) -> list[Voice]:
        return []


def test_other_engines_are_left_to_prepare(tmp_path: Path) -> None:
    speech = Speech(cache_dir=tmp_path, engine=ToneEngine())
    assert synthesize_in_parallel(speech, [f"phrase {i}" for i in range(40)]) == 0
    assert list(tmp_path.iterdir()) == []


# --- one phrase, one clip ------------------------------------------------------------------


@pytest.mark.engine
def test_a_phrase_gives_the_same_samples_whatever_was_said_before(tmp_path: Path) -> None:
    # One at a time in order, all at once in the opposite order, and each phrase after a
    # different one: every clip identical to the sample.
    serial = Speech(ESPEAK, cache_dir=tmp_path / "serial")
    serial.prepare(PHRASES)
    parallel = Speech(ESPEAK, cache_dir=tmp_path / "parallel")
    assert synthesize_in_parallel(parallel, PHRASES[::-1]) == len(PHRASES)
    shuffled = Speech(ESPEAK, cache_dir=tmp_path / "shuffled")
    shuffled.prepare(PHRASES[3:] + PHRASES[:3])
    for text in PHRASES:
        first = read_entry(serial.path(text))
        assert first is not None
        for other in (parallel, shuffled):
            again = read_entry(other.path(text))
            assert again is not None and again.tobytes() == first.tobytes(), text


GERMAN_PHRASES = ["Beckenkippen.", "Eins. Kippen.", "Lösen.", "Knie zur Brust, links."]


@pytest.mark.engine
def test_a_voice_found_by_one_process_gives_the_same_samples_in_the_others(
    tmp_path: Path,
) -> None:
    # The first phrases look the voice up; the rest are told its id: no difference.
    settings = VoiceSettings(voice="de")
    made = []
    for name, slots, order in [("a", 1, GERMAN_PHRASES), ("b", 4, GERMAN_PHRASES[::-1])]:
        speech = Speech(settings, tmp_path / name, engine=FreshEngine(slots=slots))
        assert synthesize_in_parallel(speech, order) == len(order)
        made.append([read_entry(speech.path(text)) for text in GERMAN_PHRASES])
    for first, second in zip(*made, strict=True):
        assert first is not None and second is not None
        assert first.tobytes() == second.tobytes()


def run_cli(
    args: list[str], cache: Path, timeout: float = 180
) -> subprocess.CompletedProcess[bytes]:
    """``voicecoach ARGS`` in its own process with the speech cache in ``cache``."""
    env = dict(os.environ, VOICECOACH_CACHE_DIR=str(cache))
    return subprocess.run(
        [sys.executable, "-m", "voicecoach", *args],
        env=env,
        capture_output=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.engine
@pytest.mark.slow
def test_the_same_export_from_two_fresh_caches_is_byte_identical(tmp_path: Path) -> None:
    outputs = []
    for run in ("a", "b"):
        exported = run_cli(
            ["export", "quick-start", "-o", str(tmp_path / f"{run}.wav")], tmp_path / f"cache-{run}"
        )
        assert exported.returncode == 0, exported.stderr
        script = run_cli(["script", "quick-start", "--json"], tmp_path / f"cache-json-{run}")
        assert script.returncode == 0, script.stderr
        outputs.append(((tmp_path / f"{run}.wav").read_bytes(), script.stdout))
    assert outputs[0][0] == outputs[1][0]
    assert outputs[0][1] == outputs[1][1]


@pytest.mark.engine
def test_a_cold_export_with_stdout_closed_works(tmp_path: Path) -> None:
    out = tmp_path / "out.wav"
    env = dict(os.environ, VOICECOACH_CACHE_DIR=str(tmp_path / "cache"))
    command = [sys.executable, "-m", "voicecoach", "export", "quick-start", "-o", str(out)]
    result = subprocess.run(  # as `voicecoach export ... >&-` in a shell
        ["sh", "-c", 'exec "$@" >&-', "sh", *command],
        env=env,
        stderr=subprocess.PIPE,
        timeout=180,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, b"")
    assert sf.info(str(out)).duration > 30


# --- failures: no wait without a bound -------------------------------------------------------


def signal_a_child(server: SynthServer, signum: int, done: list[int]) -> None:
    """Send ``signum`` to one of the server's children the moment there is one: before,
    during or after it starts its engine or writes its file (it holds nothing the others
    share: each child has its own pipe)."""
    wait_for(lambda: children(server.pid), 10, "no synthesis child started")
    for pid in children(server.pid)[:1]:
        with contextlib.suppress(ProcessLookupError):  # it may just have finished
            os.kill(pid, signum)
            done.append(pid)


@pytest.mark.engine
def test_a_child_killed_mid_phrase_fails_that_phrase_only(
    server: SynthServer, tmp_path: Path
) -> None:
    jobs = [request(text, tmp_path / f"{n}.wav") for n, text in enumerate(PHRASES * 3)]
    answers: dict[int, dict[str, object]] = {}
    killed: list[int] = []
    for index, answer in server.run(jobs, stall=30):
        answers[index] = answer
        if all(a["ok"] for a in answers.values()) and len(killed) < 5:
            signal_a_child(server, signal.SIGKILL, killed)  # until one kill lands mid-phrase
    assert sorted(answers) == list(range(len(jobs)))
    failed = [i for i, a in answers.items() if not a["ok"]]
    assert 1 <= len(failed) <= len(killed)
    assert all(Path(str(jobs[i]["path"])).stat().st_size > 1000 for i in answers if i not in failed)
    assert not any(alive(pid) for pid in killed)


@pytest.mark.engine
def test_a_stuck_child_is_killed_and_the_others_carry_on(
    server: SynthServer, tmp_path: Path
) -> None:
    jobs = [request(text, tmp_path / f"{n}.wav") for n, text in enumerate(PHRASES * 2)]
    stopped: list[int] = []
    started = time.monotonic()
    answers: dict[int, dict[str, object]] = {}
    for index, answer in server.run(jobs, stall=30):
        answers[index] = answer
        if all(a["ok"] for a in answers.values()) and len(stopped) < 3:
            # An engine that never finishes its phrase.
            signal_a_child(server, signal.SIGSTOP, stopped)
    assert time.monotonic() - started < 20
    assert sorted(answers) == list(range(len(jobs)))
    failures = [a["message"] for a in answers.values() if not a["ok"]]
    assert 1 <= len(failures) <= len(stopped)
    assert set(failures) == {"no phrase in 2 s"}
    assert not any(alive(pid) for pid in stopped)


@pytest.mark.engine
def test_a_stopped_server_is_given_up_on_and_killed(tmp_path: Path) -> None:
    engine = FreshEngine(slots=2)
    engine.stall_seconds = 2.0
    jobs = [(text, tmp_path / f"{n}.wav") for n, text in enumerate(PHRASES * 2)]
    results = engine.synthesize_many(jobs, VoiceSettings())
    first = next(results)
    assert first[1] is None
    server = engine.server
    assert server is not None
    os.kill(server.pid, signal.SIGSTOP)  # a server that never answers again
    started = time.monotonic()
    rest = list(results)
    assert time.monotonic() - started < 10
    assert any(isinstance(error, RuntimeError) for _, error in rest)
    assert sorted([first[0]] + [i for i, _ in rest]) == list(range(len(jobs)))
    assert server.process.poll() == -signal.SIGKILL
    # The next phrase starts a new server.
    engine.synthesize("Well done.", tmp_path / "after.wav", VoiceSettings())
    assert (tmp_path / "after.wav").stat().st_size > 1000
    engine.close()


@pytest.mark.engine
def test_a_killed_server_costs_only_a_retry(tmp_path: Path) -> None:
    speech = Speech(ESPEAK, cache_dir=tmp_path / "cache")
    engine = speech.engine
    assert isinstance(engine, FreshEngine)
    speech.clip("Well done.")
    assert engine.server is not None
    os.kill(engine.server.pid, signal.SIGKILL)
    reference = Speech(ESPEAK, cache_dir=tmp_path / "reference")
    for text in PHRASES:
        # The first of these finds the server gone and is made again by a new one.
        clip = speech.clip(text)
        np.testing.assert_array_equal(clip, reference.clip(text))


@pytest.mark.engine
def test_an_unknown_voice_is_the_engine_s_own_error(tmp_path: Path) -> None:
    engine = FreshEngine(slots=1)
    with pytest.raises(SettingsError, match="unknown voice 'no-such-voice'"):
        engine.synthesize("Hold.", tmp_path / "x.wav", VoiceSettings(voice="no-such-voice"))
    engine.close()


KILLED_PARENT = """
import sys
from pathlib import Path
from voicecoach.audio.speech import Speech, VoiceSettings
from voicecoach.audio.synth_pool import synthesize_in_parallel
speech = Speech(VoiceSettings(voice="espeak:"), cache_dir=Path(sys.argv[1]))
speech.clip("Well done.")
print(speech.engine.server.pid, flush=True)
synthesize_in_parallel(speech, [f"Hold for {n} seconds." for n in range(400)])
"""


@pytest.mark.engine
def test_the_server_and_its_children_end_with_a_parent_killed_outright(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", KILLED_PARENT, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        pid = int(parent.stdout.readline())
        wait_for(lambda: children(pid), 30, "the server started no child")
        busy = children(pid)
    finally:
        parent.kill()
        parent.wait(timeout=10)
        if parent.stdout is not None:
            parent.stdout.close()
    wait_for(lambda: not any(alive(p) for p in [pid, *busy]), 10, "a synthesis process lived on")


# --- many cold runs on a busy machine ---------------------------------------------------------

GERMAN = textwrap.dedent(
    """\
    version: 1
    name: Zwei Übungen
    language: de
    exercises:
      - name: Beckenkippen
        reps: 3
        tempo: [2s, 2s]
        phases: [Kippen, Lösen]
      - name: Knie zur Brust
        hold: 5s
        sides: [links, rechts]
    """
)


BUSY = "import time\nend = time.time() + 600\nwhile time.time() < end: pass"


def cold_runs(folder: Path, runs: int, timeout: float) -> list[float]:
    """``voicecoach script`` on a small German routine ``runs`` times, each from an empty
    cache, with both CPUs kept busy; the time of each run (a hang fails the test)."""
    routine = folder / "zwei.yaml"
    routine.write_text(GERMAN, encoding="utf-8")
    busy = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import time\nend = time.time() + 600\nwhile time.time() < end: pass",
            ]
        )
        for _ in range(2)
    ]
    times = []
    try:
        for run in range(runs):
            started = time.monotonic()
            result = run_cli(["script", str(routine)], folder / f"cache-{run}", timeout=timeout)
            assert result.returncode == 0, result.stderr
            assert b"Beckenkippen" in result.stdout
            times.append(time.monotonic() - started)
    finally:
        for process in busy:
            process.kill()
            process.wait(timeout=10)
    return times


@pytest.mark.engine
@pytest.mark.slow
def test_cold_runs_on_a_busy_machine_never_hang(tmp_path: Path) -> None:
    times = cold_runs(tmp_path, int(os.environ.get("VOICECOACH_COLD_RUNS", "4")), timeout=60)
    assert max(times) < 60


if __name__ == "__main__":  # the full count, by hand: python tests/test_synth_pool.py 40
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        count = int(sys.argv[1]) if len(sys.argv) > 1 else 40
        took = cold_runs(Path(scratch), count, timeout=60)
        print(f"{len(took)} cold runs, none hung; {min(took):.2f}-{max(took):.2f} s each")
