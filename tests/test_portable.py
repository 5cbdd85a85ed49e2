"""Windows has no ``termios``, ``tty`` or ``fcntl``: voicecoach must not need them to run.

Each test starts a fresh interpreter in which importing those modules fails, as it does on
Windows, then runs a command through the real entry point (``voicecoach.launch.main``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf
from audio_env import alsa_home

from voicecoach.errors import ExitCode

ROUTINE = "quick-start"
POSIX_ONLY = ("termios", "tty", "fcntl")

# Importing a module whose sys.modules entry is None raises ImportError, as on Windows.
CHILD = f"""
import sys
for name in {POSIX_ONLY!r}:
    sys.modules[name] = None
sys.argv = ["voicecoach", *sys.argv[1:]]
try:
    from voicecoach.launch import main
    main()
finally:
    assert all(sys.modules[name] is None for name in {POSIX_ONLY!r})
"""


def without_posix_terminal(
    tmp_path: Path, *args: str, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    # An ALSA default that names no device, and no PulseAudio: no sound output at all.
    home = alsa_home(
        tmp_path / "home", 'pcm.!default { type plug; slave.pcm "voicecoach_no_such_device" }\n'
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(tmp_path / "no-runtime"),
        "VOICECOACH_CACHE_DIR": str(tmp_path / "cache"),
        "VOICECOACH_CONFIG_DIR": str(tmp_path / "config"),
        "VOICECOACH_DATA_DIR": str(tmp_path / "data"),
    }
    return subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_child_really_cannot_import_them(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD.replace("from voicecoach.launch", "import termios  #")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "ModuleNotFoundError: import of termios halted" in done.stderr


@pytest.mark.engine
def test_script_runs(tmp_path: Path) -> None:
    done = without_posix_terminal(tmp_path, "script", ROUTINE)
    assert (done.returncode, done.stderr) == (0, "")
    assert "Quick" in done.stdout or ROUTINE in done.stdout


def test_export_without_voice_runs(tmp_path: Path) -> None:
    done = without_posix_terminal(tmp_path, "export", ROUTINE, "--no-voice", "-o", "out.wav")
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    samples, rate = sf.read(str(tmp_path / "out.wav"), dtype="int16")
    assert len(samples) > 30 * rate  # the quick start runs about a minute
    assert abs(samples).max() > 1000  # its chimes are there


@pytest.mark.engine
def test_play_without_a_sound_device_is_the_usual_error(tmp_path: Path) -> None:
    done = without_posix_terminal(tmp_path, "play", ROUTINE, timeout=120)
    assert done.returncode == ExitCode.ERROR, done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith("Error: cannot open the sound device")
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert f"voicecoach export {ROUTINE}" in done.stderr
