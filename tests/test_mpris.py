"""The media player on D-Bus: its view of a session and its answers (logic), and ``play``
driven end to end by playerctl, the real MPRIS client, on a private session bus, with the
private PulseAudio server recording the sink and the export as the reference."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import audio_env
import dbus_env
import numpy as np
import onsets
import pytest
from audio_env import Samples
from dbus_env import eventually, playerctl
from helpers import start_child

from voicecoach.audio.sounds import load_chime
from voicecoach.compile.cuescript import SAMPLE_RATE as SR
from voicecoach.compile.cuescript import Chapter, Cue, CueScript, CueType
from voicecoach.play import controls, mpris, player
from voicecoach.play.ahead import to_pcm
from voicecoach.play.controls import Commands, MergedControls

Exported = tuple[Samples, list[onsets.Cue]]
QUICK = "quick-start"
MINI = Path(__file__).parent / "data" / "player" / "mini.yaml"
REACTION = 2 * SR
"""How long after a command its effect may begin, on a busy machine."""
TOLERANCE = round(0.020 * SR)
PAUSE_SILENT_WITHIN = 0.3
"""The promise: the sound stops within 0.3 s of ``playerctl pause`` returning."""


def script() -> CueScript:
    def name(text: str, at: float, exercise: int, side: str | None = None) -> Cue:
        return Cue(round(at * SR), SR, CueType.SPEECH, text, role="name", exercise=exercise)

    side = Cue(12 * SR, SR, CueType.SPEECH, "Left side.", role="side", exercise=1, side="left")
    return CueScript(
        "mini",
        "Mini session",
        40 * SR,
        (Chapter("Bridge", 2 * SR, 10 * SR, 0), Chapter("Side stretch", 10 * SR, 30 * SR, 1)),
        (name("Bridge.", 2, 0), name("Side stretch.", 10, 1), side),
    )


# --- logic ------------------------------------------------------------------------------


def test_each_exercise_is_a_track_with_its_side_and_time() -> None:
    now = mpris.now_at(script(), 13 * SR, paused=False)
    assert now.title == "Side stretch - left side"
    assert now.artist == "Mini session"
    assert (now.start, now.length, now.position) == (10 * SR, 20 * SR, 3 * SR)
    meta = now.metadata()
    assert meta["mpris:trackid"] == ("o", "/org/voicecoach/track/2")
    assert meta["mpris:length"] == ("x", 20_000_000)
    assert meta["xesam:artist"] == ("as", ["Mini session"])
    # Before the first exercise: the routine; after the last: the closing, to the end.
    assert mpris.now_at(script(), SR, True).title == "Mini session"
    assert mpris.now_at(script(), SR, True).status == "Paused"
    closing = mpris.now_at(script(), 35 * SR, False)
    assert (closing.start, closing.length, closing.can_next) == (30 * SR, 10 * SR, False)


def test_answers_commands_and_properties() -> None:
    posted: list[str] = []
    now = mpris.now_at(script(), 3 * SR, False)
    for member, command in mpris.COMMANDS.items():
        assert mpris.answer(mpris.PLAYER, member, (), now, posted.append) == (None, ())
        assert posted[-1] == command
    assert mpris.answer(mpris.PROPERTIES, "Get", (mpris.PLAYER, "PlaybackStatus"), now, print) == (
        "v",
        (("s", "Playing"),),
    )
    signature, (table,) = mpris.answer(mpris.PROPERTIES, "GetAll", (mpris.PLAYER,), now, print)  # type: ignore[misc]
    assert signature == "a{sv}" and set(table) == set(mpris.PLAYER_TYPES)
    refused = mpris.answer(mpris.PROPERTIES, "Set", (mpris.PLAYER, "Rate", ("d", 2.0)), now, print)
    assert isinstance(refused, mpris.Failure) and refused.name.endswith("PropertyReadOnly")
    unknown = mpris.answer(mpris.PLAYER, "Dance", (), now, print)
    assert isinstance(unknown, mpris.Failure)
    assert "Seeked" in mpris.INTROSPECTION and "PlayPause" in mpris.INTROSPECTION


def test_a_command_posted_from_another_thread_wakes_the_player_at_once() -> None:
    commands = Commands()
    try:
        merged = MergedControls(commands)
        timer = threading.Timer(0.2, commands.post, (controls.PAUSE,))
        timer.start()
        began = time.monotonic()
        assert merged.wait(5.0) == controls.PAUSE
        assert time.monotonic() - began < 1.0
        timer.join(5)
        assert merged.wait(0.01) == ""
    finally:
        commands.close()


def test_no_session_bus_means_no_media_player(monkeypatch: pytest.MonkeyPatch) -> None:
    now = mpris.now_at(script(), 0, False)
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    assert mpris.MprisPlayer.start(print, now) is None
    # An address nobody listens at: none either, and at once.
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/voicecoach-bus")
    began = time.monotonic()
    assert mpris.MprisPlayer.start(print, now) is None
    assert time.monotonic() - began < 2.0


def test_the_player_serves_playerctl_and_leaves_the_bus_when_stopped() -> None:
    dbus_env.skip_without("playerctl")
    with dbus_env.session_bus() as address, contextlib.ExitStack() as stack:
        mp = pytest.MonkeyPatch()
        stack.callback(mp.undo)
        mp.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        posted: list[str] = []
        media = mpris.MprisPlayer.start(posted.append, mpris.now_at(script(), 3 * SR, False))
        assert media is not None
        stack.callback(media.stop)
        assert playerctl(address, "metadata", "title") == "Bridge"
        assert playerctl(address, "status") == "Playing"
        assert playerctl(address, "next") == ""
        assert eventually(lambda: posted, lambda p: p == [controls.NEXT])
        media.publish(mpris.now_at(script(), 13 * SR, True, jumps=1))
        assert eventually(lambda: playerctl(address, "status"), lambda s: s == "Paused") == "Paused"
        assert playerctl(address, "metadata", "title") == "Side stretch - left side"
        media.stop()
        assert "No players found" in playerctl(address, "status")


# --- end to end -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bus() -> Iterator[str]:
    dbus_env.skip_without("playerctl")
    with dbus_env.session_bus() as address:
        yield address


@pytest.fixture(scope="module")
def env(pulse: audio_env.PulseServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = dict(pulse.env)
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    for name in ("VOICECOACH_CACHE_DIR", "VOICECOACH_CONFIG_DIR", "VOICECOACH_DATA_DIR"):
        env[name] = str(tmp_path_factory.mktemp(name.lower()))
    return env


@pytest.fixture(scope="module")
def quick(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Exported:
    audio, cues = onsets.export(QUICK, env, tmp_path_factory.mktemp("export"))
    return audio, onsets.export_cues(cues)


def end(cue: onsets.Cue) -> int:
    return cue.start + cue.length


def clip(audio: Samples, cue: onsets.Cue) -> Samples:
    return audio[cue.start : end(cue)]


def wait_until(recording: audio_env.Recording, index: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while recording.frames() <= index:
        assert time.monotonic() < deadline, "the recording stalled"
        time.sleep(0.005)


def find(
    recording: audio_env.Recording, template: Samples, earliest: int, window: int = REACTION
) -> audio_env.Match:
    """Where ``template`` is heard, from a little before ``earliest`` to ``window`` after."""
    margin = SR // 10
    wait_until(recording, earliest + window + len(template))
    half = (window + margin) // 2
    return audio_env.locate(recording.samples(), template, earliest - margin + half, half)


@pytest.mark.audio
@pytest.mark.slow
def test_playerctl_pauses_resumes_skips_and_stops_a_session(  # noqa: PLR0915 - one session, in order
    pulse: audio_env.PulseServer,
    bus: str,
    env: dict[str, str],
    quick: Exported,
    children: list[subprocess.Popen[str]],
) -> None:
    audio, cues = quick
    cue = {c.what: c for c in reversed(cues)}  # the first of each
    first_sound = audio_env.first_loud(audio)
    assert first_sound is not None
    second = cue["Knee to chest."]
    hold = next(c for c in cues if c.what == "[chime hold]" and c.start > second.start)
    child = start_child(
        onsets.voicecoach("play", QUICK), dict(env, DBUS_SESSION_BUS_ADDRESS=bus), children
    )
    with pulse.recording() as recording:
        origin = recording.wait_for_sound(recording.frames()) - first_sound
        assert eventually(lambda: playerctl(bus, "status"), lambda s: s == "Playing") == "Playing"
        wait_until(recording, origin + end(cue["Pelvic tilt."]) + SR // 2)
        assert playerctl(bus, "metadata", "title") == "Pelvic tilt"
        assert playerctl(bus, "metadata", "artist") == "Quick start"

        # next: the next exercise's start, and its title
        playerctl(bus, "next")
        pressed = recording.index_at(time.monotonic())
        landed = find(recording, clip(audio, second), pressed)
        assert landed.exact, "next did not land on the next exercise's name"
        title = eventually(
            lambda: playerctl(bus, "metadata", "title"), lambda t: t == "Knee to chest"
        )
        assert title == "Knee to chest"
        shift = landed.index - second.start  # script sample 0 in the recording, from here

        # pause in the middle of a chime (a sound with no gaps, so the moment it stops
        # shows): silent within 0.3 s, then a soft chime
        wait_until(recording, shift + hold.start + SR // 10)
        called = recording.index_at(time.monotonic())
        playerctl(bus, "pause")
        returned = recording.index_at(time.monotonic())
        pause_cue = to_pcm(load_chime(player.PAUSE_CHIME) * player.PAUSE_GAIN)
        bell = find(recording, pause_cue, returned)
        assert bell.exact, "no pause chime"
        heard = recording.samples()
        played = heard[shift + hold.start : shift + end(hold)]
        differ = np.flatnonzero(played != clip(audio, hold))
        assert len(differ), "the chime played on to its end"
        stopped = shift + hold.start + int(differ[0])
        assert audio_env.last_loud(heard[stopped : bell.index]) is None
        reaction = (stopped - returned) / SR
        print(
            f"pause: sound stopped {reaction * 1000:.0f} ms after playerctl returned, "
            f"{(stopped - called) / SR * 1000:.0f} ms after it was called"
        )
        assert reaction <= PAUSE_SILENT_WITHIN
        assert playerctl(bus, "status") == "Paused"
        # A pause that lasts is said to be one ("Paused").
        said = bell.index + len(pause_cue) + round(player.SAY_PAUSED_AFTER * SR)
        wait_until(recording, said + SR)
        assert audio_env.first_loud(recording.samples(bell.index + len(pause_cue))) is not None

        # play: the resume chime, a moment, then the cut-off chime whole, as exported
        playerctl(bus, "play")
        pressed = recording.index_at(time.monotonic())
        chime = to_pcm(load_chime(player.RESUME_CHIME))
        resumed = find(recording, chime, pressed)
        assert resumed.exact, "no resume chime"
        goes_on = resumed.index + len(chime) + round(player.RESUME_AFTER * SR)
        again = find(recording, clip(audio, hold), goes_on, SR // 5)
        assert again.exact and abs(again.index - goes_on) <= TOLERANCE, (again.index - goes_on) / SR
        assert eventually(lambda: playerctl(bus, "status"), lambda s: s == "Playing") == "Playing"

        # previous: this exercise's start; again within 3 s, the one before
        playerctl(bus, "previous")
        pressed = recording.index_at(time.monotonic())
        time.sleep(1.0)
        playerctl(bus, "previous")
        again_pressed = recording.index_at(time.monotonic())
        start_of = clip(audio, second)[: SR // 2]  # the second press cuts it short
        same = find(recording, start_of, pressed, window=SR)
        assert same.exact, "previous did not go back to this exercise's start"
        first = cue["Pelvic tilt."]
        before = find(recording, clip(audio, first), again_pressed)
        assert before.exact, "previous twice within 3 s did not go to the exercise before"

        # stop: play ends as with q, and the player leaves the bus
        playerctl(bus, "stop")
        assert child.wait(30) == 0
    assert "No players found" in playerctl(bus, "status")


@pytest.mark.audio
@pytest.mark.slow
def test_play_without_a_session_bus_goes_on_and_says_so_once_when_verbose(
    pulse: audio_env.PulseServer, env: dict[str, str]
) -> None:
    done = subprocess.run(
        onsets.voicecoach("play", str(MINI), "--verbose"),
        env=dict(env, DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/voicecoach-bus"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("no session bus") == 1, done.stderr
    assert "Traceback" not in done.stderr
    quiet = subprocess.run(
        onsets.voicecoach("play", str(MINI)),
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert quiet.returncode == 0, quiet.stderr
    assert "bus" not in quiet.stderr and "awake" not in quiet.stderr.lower()


@pytest.mark.audio
@pytest.mark.slow
def test_sigterm_ends_play_and_the_player_leaves_the_bus(
    pulse: audio_env.PulseServer,
    bus: str,
    env: dict[str, str],
    children: list[subprocess.Popen[str]],
) -> None:
    child = start_child(
        onsets.voicecoach("play", str(MINI)), dict(env, DBUS_SESSION_BUS_ADDRESS=bus), children
    )
    status = eventually(lambda: playerctl(bus, "status"), lambda s: s == "Playing", 120)
    assert status == "Playing"
    child.terminate()
    _, err = child.communicate(timeout=30)
    assert child.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    assert "No players found" in playerctl(bus, "status")


WAITS = """\
name: Waits
exercises:
  - name: Get your band
    cue: Fetch a band.
    wait: true
    remind: 4s
    rest: 0
  - name: Stretch
    hold: 3s
    lead_in: 1s
    rest: 0
  - name: Breathe
    wait: 4s
    remind: 0
    rest: 0
  - name: Last hold
    hold: 2s
    lead_in: 0
"""


@pytest.mark.audio
@pytest.mark.engine
@pytest.mark.slow
def test_a_wait_holds_until_playerctl_play_and_a_bounded_one_goes_on_by_itself(
    pulse: audio_env.PulseServer,
    bus: str,
    env: dict[str, str],
    tmp_path: Path,
    children: list[subprocess.Popen[str]],
) -> None:
    """Wait steps end to end: the recording stays without the go chime (reminders aside)
    until ``playerctl play``, then goes on with it; the 4-second wait goes on by itself."""
    routine = tmp_path / "waits.yaml"
    routine.write_text(WAITS)
    audio, cues_path = onsets.export(str(routine), env, tmp_path)
    cue = {c.what: c for c in reversed(onsets.export_cues(cues_path))}  # the first of each
    first_sound = audio_env.first_loud(audio)
    assert first_sound is not None
    go = to_pcm(load_chime("next"))
    child = start_child(
        onsets.voicecoach("play", str(routine)), dict(env, DBUS_SESSION_BUS_ADDRESS=bus), children
    )
    with pulse.recording() as recording:
        origin = recording.wait_for_sound(recording.frames()) - first_sound
        waiting_from = origin + end(cue["Fetch a band."])
        wait_until(recording, waiting_from + 10 * SR)  # the prompt, then 8 s of waiting
        assert playerctl(bus, "metadata", "title") == "Get your band"
        assert playerctl(bus, "status") == "Playing"
        pressed_at = recording.index_at(time.monotonic())
        held = recording.samples()[waiting_from:pressed_at]
        assert not any(
            audio_env.locate(held, go, k, SR).exact for k in range(SR, len(held), 2 * SR)
        ), "the go chime sounded before play was pressed"
        playerctl(bus, "play")
        pressed = recording.index_at(time.monotonic())
        went_on = find(recording, go, pressed)
        assert went_on.exact, "play did not go on to the go chime"
        stretch = find(recording, clip(audio, cue["Stretch."]), went_on.index + len(go))
        assert stretch.exact, "the session did not go on after the wait"
        title = eventually(lambda: playerctl(bus, "metadata", "title"), lambda t: t == "Stretch")
        assert title == "Stretch"
        # The bounded wait: its go chime 4 s after its prompt, with nothing pressed.
        breathe = cue["Breathe."]
        named = find(recording, clip(audio, breathe), stretch.index, window=30 * SR)
        assert named.exact
        # Live, its prompt says "press play" (the export's gives the time): the chime
        # comes 4 s after that prompt, so at least 4 s after the name ends.
        after_name = named.index + breathe.length
        by_itself = find(recording, go, after_name + 4 * SR, window=6 * SR)
        assert by_itself.exact, "the bounded wait did not go on by itself"
        assert by_itself.index >= after_name + 4 * SR
        assert child.wait(60) == 0
