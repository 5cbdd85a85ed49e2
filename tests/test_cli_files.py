"""Every command that reads or writes a file, given one that is not a regular file or
cannot be written: a clear ``Error:``, exit 1, no traceback, nothing written, at once.
Each runs the real command in a subprocess with a timeout, since what is tested is that
nothing hangs."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from strategies_files import Case, Layout, cases

BOUND = 60.0
"""Seconds a command may take here (a busy 2-core machine); a hang takes forever."""
LOCATED = re.compile(r"^.+:\d+:\d+: ")


def run(
    args: Sequence[str], env: dict[str, str], **kwargs: object
) -> tuple[subprocess.CompletedProcess[str], float]:
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "voicecoach", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output="stdout" not in kwargs,
        text=True,
        timeout=BOUND,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )
    return done, time.monotonic() - began


def snapshot(root: Path) -> dict[str, tuple[str, int, int]]:
    """Every entry under ``root``: its kind, and a file's size and modification time
    (links not followed; a folder's time changes with a probe that leaves nothing)."""
    found: dict[str, tuple[str, int, int]] = {}
    for folder, dirs, names in os.walk(root):
        for name in [*dirs, *names]:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            kind = "link" if os.path.islink(path) else "dir" if dirs.count(name) else "file"
            size = info.st_size if kind == "file" else 0
            stamp = info.st_mtime_ns if kind == "file" else 0
            found[os.path.relpath(path, root)] = (kind, size, stamp)
    return found


def assert_clear_error(done: subprocess.CompletedProcess[str]) -> None:
    err = done.stderr
    assert done.returncode == 1, (done.returncode, err)
    assert "Traceback" not in err and "internal error" not in err, err
    lines = err.splitlines()
    assert lines, "no error message"
    for line in lines:
        assert line.startswith("Error: ") or LOCATED.match(line), err


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases())
def test_a_file_that_is_not_regular_is_a_clear_error_and_nothing_is_written(
    case: Case, isolated_speech_cache: Path
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        layout = Layout(Path(folder))
        for made in (layout.work, layout.config, layout.data):
            made.mkdir()
        argv = case.argv(layout, case.bad)
        before = snapshot(layout.root)
        done, took = run(argv, layout.env(dict(os.environ)))
        assert_clear_error(done)
        assert done.stdout == ""
        assert snapshot(layout.root) == before, "something was written"
        assert took < BOUND


@pytest.fixture
def env(tmp_path: Path, isolated_speech_cache: Path) -> dict[str, str]:
    layout = Layout(tmp_path)
    return layout.env(dict(os.environ))


COMMANDS = [
    ["list"],
    ["show", "quick-start"],
    ["script", "quick-start", "--estimate"],
    ["script", "quick-start", "--estimate", "--json"],
    ["schema"],
    ["history"],
    ["config"],
    ["validate", "quick-start"],
    ["--version"],
    ["--help"],
    ["export", "--help"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_stdout_that_cannot_be_written_is_one_clear_error(
    args: list[str], env: dict[str, str]
) -> None:
    with open("/dev/full", "w") as full:
        done, _ = run(args, env, stdout=full, stderr=subprocess.PIPE)
    assert done.returncode == 1, done.stderr
    assert done.stderr == (
        "Error: cannot write to standard output (No space left on device); "
        "send it to a file or a terminal that can take it\n"
    )


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_reader_that_stops_early_ends_the_run_quietly(
    args: list[str], env: dict[str, str]
) -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    with child:
        assert child.stdout is not None
        child.stdout.close()  # the reader is gone before anything is written
        _, err = child.communicate(timeout=BOUND)
    assert (child.returncode, err) == (0, b"")


@pytest.mark.engine
@pytest.mark.slow
def test_a_cold_export_with_stdout_closed_writes_its_file(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    env = dict(layout.env(dict(os.environ)), VOICECOACH_CACHE_DIR=str(tmp_path / "cold"))
    target = tmp_path / "out.wav"
    routine = Path(__file__).parent.parent / "routines" / "lower-back-essentials.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "voicecoach", "export", str(routine), "-o", str(target)],
        env=env,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=lambda: os.close(1),  # `>&-`
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert target.stat().st_size > 1_000_000


@pytest.mark.slow
def test_a_killed_export_leaves_a_temp_file_the_next_one_removes(
    tmp_path: Path, env: dict[str, str]
) -> None:
    from voicecoach import files

    work = tmp_path / "work"
    work.mkdir()
    target = work / "session.mp3"
    # Six rounds: an export long enough (seconds) that it is surely killed mid-write,
    # however fast the encoder is.
    command = ["export", "lower-back-essentials", "-o", str(target), "--no-voice", "--rounds", "6"]
    child = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", *command],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + BOUND
        while not list(work.glob(".session.mp3.*.part")) and child.poll() is None:
            assert time.monotonic() < deadline, "the export never started writing"
            time.sleep(0.005)
        assert child.poll() is None, "the export finished before it could be killed"
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(BOUND)
    (left,) = work.glob(".session.mp3.*.part")
    assert files.writer_pid(left.name) == child.pid
    # Younger than STALE_SECONDS it might be a live export elsewhere: kept.
    done, _ = run(["export", "quick-start", "-o", str(work / "other.wav"), "--no-voice"], env)
    assert done.returncode == 0, done.stderr
    assert left.exists()
    then = time.time() - files.STALE_SECONDS - 1
    os.utime(left, (then, then))
    done, _ = run(["export", "quick-start", "-o", str(work / "other.wav"), "--no-voice"], env)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in work.iterdir()) == ["other.wav"]


@pytest.mark.parametrize(
    ("option", "which"),
    [
        ("--cues", "routine"),
        ("--captions", "routine"),
        ("-o", "routine"),
        ("--cues", "settings"),
        ("--captions", "settings"),
    ],
)
def test_an_export_never_overwrites_what_it_reads(
    tmp_path: Path, env: dict[str, str], option: str, which: str
) -> None:
    routine = tmp_path / "mine.yaml"
    source = Path(__file__).parent.parent / "routines" / "quick-start.yaml"
    routine.write_bytes(source.read_bytes())
    settings_file = Path(env["VOICECOACH_CONFIG_DIR"]) / "settings.toml"
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text("explain = false\n")
    # Named another way than the export reads it: through a link in another folder.
    link = tmp_path / "elsewhere" / "same.wav"
    link.parent.mkdir()
    link.symlink_to(routine if which == "routine" else settings_file)
    args = ["export", str(routine), "-o", str(tmp_path / "out.wav"), "--no-voice"]
    if option == "-o":
        args[3] = str(link)
    else:
        args += [option, str(link)]
    before = (routine.read_bytes(), settings_file.read_bytes())
    listing = snapshot(tmp_path)
    done, _ = run(args, env)
    what = "the routine file" if which == "routine" else "the settings file"
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"Error: {link} is {what}, which this export reads; write to another file\n"
    )
    assert (routine.read_bytes(), settings_file.read_bytes()) == before
    assert snapshot(tmp_path) == listing
