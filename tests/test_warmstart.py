"""The quick start's stored openings: keys, files they depend on, damage, and playing one
before the rest of the program loads (with a fake stream; the real one is in
test_player's end-to-end tests)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from voicecoach.compile.cuescript import SAMPLE_RATE
from voicecoach.play import stream, warmstart
from voicecoach.play.stream import Feed, StreamError

PCM = bytes(range(256)) * 40
RATE = 22050
LEAD = 100


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A routine file, a settings file that does not exist yet, and a user routine file
    that would take the routine's place if it appeared."""
    routine = tmp_path / "shipped" / "stretch.yaml"
    routine.parent.mkdir()
    routine.write_text("name: Stretch\n")
    return routine, tmp_path / "settings.toml", tmp_path / "user" / "stretch.yaml"


def keep(folder: Path, files: tuple[Path, ...], key: str = "k1") -> Path:
    saved = warmstart.save(key, PCM, RATE, [str(f) for f in files], folder=str(folder), lead=LEAD)
    assert saved
    return Path(warmstart.opening_path(key, str(folder)))


# --- which command, which key ------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["play"], True),
        (["play", "quick-start", "--hold", "20s"], True),
        (["--debug", "play", "quick-start"], True),
        (["play", "--help"], False),
        (["--help", "play"], False),
        (["export", "quick-start", "-o", "x.mp3"], False),
        (["list"], False),
        ([], False),
    ],
)
def test_only_play_commands_start_early(argv: list[str], expected: bool) -> None:
    assert warmstart.is_play(argv) is expected


def test_the_key_follows_the_command_folder_and_file_locations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    base = warmstart.command_key(["play", "quick-start"])
    assert warmstart.command_key(["play", "quick-start"]) == base
    assert warmstart.command_key(["play", "quick-start", "--rate", "150"]) != base
    assert warmstart.command_key(["play", "quick-start-2"]) != base
    monkeypatch.setenv("TERM", "something-else")  # says nothing about voicecoach's files
    assert warmstart.command_key(["play", "quick-start"]) == base
    monkeypatch.setenv("VOICECOACH_CONFIG_DIR", str(tmp_path / "elsewhere"))
    moved = warmstart.command_key(["play", "quick-start"])
    assert moved != base
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")  # a relative routine path means another file
    assert warmstart.command_key(["play", "quick-start"]) != moved


def test_openings_live_in_the_speech_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(tmp_path / "speech"))
    assert warmstart.store_dir() == str(tmp_path / "speech" / "openings")
    monkeypatch.delenv("VOICECOACH_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert warmstart.store_dir() == str(tmp_path / "xdg" / "voicecoach" / "speech" / "openings")


@pytest.mark.parametrize("xdg", ["set", "blank", "unset"])
def test_the_cache_folder_is_the_one_platformdirs_gives(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, xdg: str
) -> None:
    import platformdirs

    from voicecoach.audio.speech import default_cache_dir

    monkeypatch.delenv("VOICECOACH_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    if xdg == "set":
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    elif xdg == "blank":
        monkeypatch.setenv("XDG_CACHE_HOME", "  ")
    else:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    expected = platformdirs.user_cache_dir("voicecoach", appauthor=False)
    assert warmstart.user_cache_dir() == expected
    assert str(default_cache_dir()) == warmstart.cache_dir() == os.path.join(expected, "speech")


# --- storing and finding openings ---------------------------------------------------------


def test_a_kept_opening_is_found_again(tmp_path: Path, files: tuple[Path, Path, Path]) -> None:
    keep(tmp_path / "store", files)
    found = warmstart.load("k1", str(tmp_path / "store"))
    assert found is not None
    assert (found.pcm, found.rate) == (PCM, RATE)
    assert [path for path, _ in found.files] == [str(f) for f in files]
    assert warmstart.load("k2", str(tmp_path / "store")) is None


@pytest.mark.parametrize("change", ["edit", "remove", "appear", "settings"])
def test_an_opening_is_not_used_once_a_file_it_was_made_from_changes(
    tmp_path: Path, files: tuple[Path, Path, Path], change: str
) -> None:
    routine, settings, shadow = files
    keep(tmp_path / "store", files)
    if change == "edit":
        routine.write_text("name: Stretch, longer\n")
    elif change == "remove":
        routine.unlink()
    elif change == "appear":  # the user's own routine of that id now takes its place
        shadow.parent.mkdir()
        shadow.write_text("name: Mine\n")
    else:
        settings.write_text("rate = 150\n")
    assert warmstart.load("k1", str(tmp_path / "store")) is None


def test_rewriting_a_file_with_the_same_bytes_changes_nothing(
    tmp_path: Path, files: tuple[Path, Path, Path]
) -> None:
    routine = files[0]
    keep(tmp_path / "store", files)
    routine.write_text(routine.read_text())
    assert warmstart.load("k1", str(tmp_path / "store")) is not None


@pytest.mark.parametrize(
    "damage",
    ["flip a sample", "truncate", "empty", "another format", "not an opening", "odd length"],
)
def test_a_damaged_opening_is_ignored(
    tmp_path: Path, files: tuple[Path, Path, Path], damage: str
) -> None:
    path = keep(tmp_path / "store", files)
    data = path.read_bytes()
    if damage == "flip a sample":
        data = data[:-10] + bytes([data[-10] ^ 1]) + data[-9:]
    elif damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "empty":
        data = b""
    elif damage == "another format":
        start = len(warmstart.MAGIC) + 4
        data = data[:start] + b"9" + data[start + 1 :]
    elif damage == "not an opening":
        data = b"RIFF" + data[4:]
    else:
        opening = warmstart.Opening(PCM + b"\x01", RATE, [])
        data = opening.to_bytes()
    path.write_bytes(data)
    assert warmstart.load("k1", str(tmp_path / "store")) is None


def test_an_unwritable_store_only_loses_the_quick_start(
    tmp_path: Path, files: tuple[Path, Path, Path]
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    assert not warmstart.save("k1", PCM, RATE, [str(f) for f in files], folder=str(blocked))
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o500)
    try:
        if os.access(readonly, os.W_OK):  # root writes anywhere
            pytest.skip("running as root: a read-only folder is still writable")
        assert not warmstart.save("k1", PCM, RATE, [str(f) for f in files], folder=str(readonly))
        assert list(readonly.iterdir()) == []
    finally:
        readonly.chmod(0o700)


def test_only_the_most_recently_played_openings_are_kept(
    tmp_path: Path, files: tuple[Path, Path, Path]
) -> None:
    store = tmp_path / "store"
    for n in range(warmstart.KEEP + 3):
        path = keep(store, files, key=f"k{n}")
        played = 5000 if n == 0 else 1000 + n  # k0: played again lately
        os.utime(path, (played, played))
    kept = {p.name.removesuffix(warmstart.SUFFIX) for p in store.iterdir()}
    assert len(kept) == warmstart.KEEP
    assert "k0" in kept and {"k1", "k2", "k3"}.isdisjoint(kept)


def test_saving_leaves_no_temp_files(tmp_path: Path, files: tuple[Path, Path, Path]) -> None:
    store = tmp_path / "store"
    keep(store, files)
    keep(store, files)
    assert [p.name for p in store.iterdir()] == ["k1" + warmstart.SUFFIX]


# --- begin: the quick start itself --------------------------------------------------------


class FakeStream:
    """Stands in for ``stream.Stream``: what ``begin`` opened, with the feed it was given."""

    opened: ClassVar[list[FakeStream]] = []
    fail: ClassVar[bool] = False

    def __init__(self, feed: Feed) -> None:
        self.feed = feed
        self.closed = False

    @classmethod
    def open(cls, feed: Feed, device: object = None) -> FakeStream:
        if cls.fail:
            raise StreamError("cannot open the sound device (no such device)")
        cls.opened.append(cls(feed))
        return cls.opened[-1]

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def device(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeStream]]:
    FakeStream.opened = []
    FakeStream.fail = False
    monkeypatch.setattr(stream, "Stream", FakeStream)
    yield FakeStream


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(tmp_path / "speech"))
    monkeypatch.chdir(tmp_path)
    return Path(warmstart.store_dir())


def test_begin_plays_the_stored_opening_at_once(
    store: Path, files: tuple[Path, Path, Path], device: type[FakeStream]
) -> None:
    argv = ["play", "stretch"]
    key = warmstart.command_key(argv)
    keep(store, files, key=key)
    os.utime(warmstart.opening_path(key), (1000, 1000))
    launch = warmstart.begin(argv)
    assert launch is not None and launch.key == key
    (opened,) = device.opened
    # The opening is the first thing in the stream, its lead-in before script sample 0.
    assert opened.feed.queued() == len(PCM) // 2
    buffer = bytearray(len(PCM))
    opened.feed.pull(buffer, len(PCM) // 2, 0.0)
    assert bytes(buffer) == PCM
    assert opened.feed.sent() == len(PCM) // 2 - LEAD
    assert os.stat(warmstart.opening_path(key)).st_mtime > 1000  # kept by pruning
    # Handed to the player once, with what it is playing; closing then leaves it be.
    taken: tuple[object, object] = launch.take()
    assert taken == (opened, PCM)
    assert launch.take() == (None, None)
    launch.close()
    assert not opened.closed


def test_begin_without_a_stored_opening_leaves_the_stream_to_the_player(
    store: Path, device: type[FakeStream]
) -> None:
    """Opened now, the stream would play its buffer of silence before the session's first
    samples, which only the player has."""
    launch = warmstart.begin(["play", "stretch"])
    assert launch is not None and launch.take() == (None, None)
    assert device.opened == []
    assert warmstart.begin(["list"]) is None


def test_an_opening_nobody_took_is_closed_with_the_launch(
    store: Path, files: tuple[Path, Path, Path], device: type[FakeStream]
) -> None:
    argv = ["play", "stretch"]
    keep(store, files, key=warmstart.command_key(argv))
    launch = warmstart.begin(argv)
    assert launch is not None
    (opened,) = device.opened
    launch.close()  # the command failed before playing: nothing outlives it
    assert opened.closed


def test_begin_with_no_sound_device_leaves_the_error_to_the_player(
    store: Path, files: tuple[Path, Path, Path], device: type[FakeStream]
) -> None:
    argv = ["play", "stretch"]
    keep(store, files, key=warmstart.command_key(argv))
    device.fail = True
    launch = warmstart.begin(argv)
    assert launch is not None and launch.take() == (None, None)


def test_begin_in_a_folder_that_is_gone_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    assert warmstart.begin(["play"]) is None


@pytest.mark.parametrize("stored", [False, True])
def test_the_quick_start_loads_nothing_heavy(
    tmp_path: Path, files: tuple[Path, Path, Path], stored: bool
) -> None:
    """What `begin` imports must stay small: no numpy, click, PyYAML or typing, which would
    cost the first word tens to hundreds of milliseconds; with a stored opening too, which
    it reads, checks and feeds to the stream it opens (whether or not there is a device
    here). sounddevice is allowed: it loads PortAudio through cffi, not numpy."""
    code = (
        "import sys\n"
        "from voicecoach.play import warmstart\n"
        "argv = ['play', 'stretch']\n"
        "if sys.argv[1:]:\n"
        "    pcm = bytes(2 * 2205)\n"
        "    warmstart.save(warmstart.command_key(argv), pcm, 22050, sys.argv[1:])\n"
        "launch = warmstart.begin(argv)\n"
        "print('opening' if warmstart.load(launch.key) else 'none')\n"
        "print(' '.join(sorted(sys.modules)))\n"
        "launch.close()\n"
    )
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))  # found as a user's is
    env.pop("VOICECOACH_CACHE_DIR", None)
    made_from = [str(f) for f in files] if stored else []
    done = subprocess.run(
        [sys.executable, "-c", code, *made_from],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    found, modules = done.stdout.splitlines()
    assert found == ("opening" if stored else "none")
    heavy = {"numpy", "click", "yaml", "typing", "json", "pathlib", "platformdirs"}
    assert not heavy & set(modules.split()), heavy & set(modules.split())
    assert ("voicecoach.play.stream" in modules.split()) == stored


def test_the_quick_start_plays_at_the_session_rate() -> None:
    assert warmstart.RATE == SAMPLE_RATE


def test_file_digests_are_sha256_whichever_module_makes_them(tmp_path: Path) -> None:
    path = tmp_path / "routine.yaml"
    path.write_bytes(b"name: Stretch\n")
    assert warmstart.file_digest(str(path)) == hashlib.sha256(b"name: Stretch\n").hexdigest()
    assert warmstart.file_digest(str(tmp_path / "missing.yaml")) == "-"


# --- files that are not regular files ----------------------------------------------------

#: What the quick start must shrug off at once, wherever it reads: a FIFO (``open`` would
#: wait for a writer), an endless device, a symlink loop, a folder.
NOT_REGULAR: dict[str, Callable[[Path], None]] = {
    "fifo": os.mkfifo,
    "dev-zero": lambda path: path.symlink_to("/dev/zero"),
    "loop": lambda path: path.symlink_to(path.name),
    "folder": lambda path: path.mkdir(),
}


def in_child(code: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Run ``code`` in a fresh interpreter with a timeout: what is tested may hang."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


@pytest.mark.parametrize("kind", sorted(NOT_REGULAR))
def test_a_file_an_opening_depends_on_that_is_not_regular_keeps_no_opening(
    tmp_path: Path, files: tuple[Path, Path, Path], kind: str
) -> None:
    routine, settings, _ = files
    routine.unlink()
    NOT_REGULAR[kind](routine)
    code = (
        "import sys\n"
        "from voicecoach.play import warmstart\n"
        "print(warmstart.file_digest(sys.argv[1]))\n"
        "print(warmstart.save('k', b'\\0\\0', 22050, sys.argv[1:], folder=sys.argv[3]))\n"
    )
    out = in_child(code, str(routine), str(settings), str(tmp_path / "store"))
    assert out == "None\nFalse\n"
    assert not (tmp_path / "store" / ("k" + warmstart.SUFFIX)).exists()


@pytest.mark.parametrize("kind", sorted(NOT_REGULAR))
def test_a_stored_opening_that_is_not_regular_is_passed_over(
    tmp_path: Path, files: tuple[Path, Path, Path], kind: str
) -> None:
    """The quick start "never raises": it starts the usual way, at once."""
    env = dict(os.environ, VOICECOACH_CACHE_DIR=str(tmp_path / "cache"))
    argv = ["play", "stretch"]
    key = in_child(
        "import sys\nfrom voicecoach.play import warmstart\n"
        "print(warmstart.command_key(sys.argv[1:]))",
        *argv,
        env=env,
    ).strip()
    stored = Path(warmstart.opening_path(key, str(tmp_path / "cache" / warmstart.FOLDER)))
    stored.parent.mkdir(parents=True)
    NOT_REGULAR[kind](stored)
    code = (
        "import sys\n"
        "from voicecoach.play import warmstart\n"
        "launch = warmstart.begin(sys.argv[1:])\n"
        "print(launch.stream is None, warmstart.load(launch.key) is None)\n"
    )
    assert in_child(code, *argv, env=env) == "True True\n"


def test_a_made_from_file_swapped_for_a_fifo_after_saving_spoils_the_opening(
    tmp_path: Path, files: tuple[Path, Path, Path]
) -> None:
    routine = files[0]
    path = keep(tmp_path / "store", files)
    routine.unlink()
    os.mkfifo(routine)
    code = (
        "import sys\n"
        "from voicecoach.play import warmstart\n"
        "print(warmstart.load('k1', folder=sys.argv[1]))\n"
    )
    assert in_child(code, str(path.parent)) == "None\n"
