"""The live player: scheduling logic with a fake clock and device, then the real stack
through a PulseAudio null sink in real time (marked ``audio``)."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import audio_env
import numpy as np
import onsets
import pytest
from hypothesis import given
from hypothesis import strategies as st
from onsets import voicecoach
from player_fakes import (
    LATENCY,
    LEAD,
    SR,
    FakeClock,
    FakeOutput,
    fake_chime,
    fake_speech,
    plays_from,
    run_player,
    session_time,
    silent_middle,
)

from voicecoach.audio.render import render
from voicecoach.audio.samples import Audio, Pcm
from voicecoach.audio.sounds import load_chime
from voicecoach.compile.cuescript import CueScript, CueType
from voicecoach.errors import AudioDeviceError, ExitCode, VoiceEngineError
from voicecoach.history import History
from voicecoach.play import live, player, warmstart
from voicecoach.play import position as timeline
from voicecoach.play.ahead import to_pcm
from voicecoach.play.keys import TerminalControls, in_foreground, quiet_stderr_fd
from voicecoach.play.player import (
    AudioDeviceLost,
    PlaybackInterrupted,
    Player,
    PlayResult,
)
from voicecoach.play.position import (
    chapter_at,
    cut_points,
    next_chapter_start,
    opening_end,
    resume_point,
    status_text,
    this_chapter_start,
)
from voicecoach.play.stream import Feed, Stream, StreamError

# --- the timeline helpers ---------------------------------------------------------------


def test_cut_points_lie_in_the_middle_of_silences(mini: CueScript, reference: Pcm) -> None:
    gap = round(timeline.MIN_CUT_GAP * SR)
    cuts = cut_points(mini, gap)
    assert len(cuts) > 5
    for cut in cuts:
        assert not reference[cut - gap // 2 : cut + gap // 2].any()


@given(
    cuts=st.lists(st.integers(1, 3_000_000), unique=True).map(sorted),
    length=st.integers(0, 3_000_000),
)
def test_the_opening_ends_in_a_silence_soon_after_its_least_length(
    mini: CueScript, cuts: list[int], length: int
) -> None:
    script = dataclasses.replace(mini, length=length)
    end = opening_end(script, cuts)
    low, high = round(timeline.OPENING * SR), round(timeline.LONGEST_OPENING * SR)
    assert 0 <= end <= min(length, high)
    if length <= low:
        assert end == length
    else:
        assert end in cuts or end in (length, high)
        after = [c for c in cuts if c >= low]
        if after and after[0] <= min(high, length):
            assert end == after[0]


def test_resume_point_restarts_a_cut_off_cue(mini: CueScript) -> None:
    cue = next(c for c in mini.cues if c.type is CueType.SPEECH and c.length > SR // 2)
    assert resume_point(mini, cue.start + cue.length // 2) == cue.start
    assert resume_point(mini, cue.start) == cue.start
    quiet = silent_middle(mini, 0)
    assert resume_point(mini, quiet) == quiet


def test_chapter_navigation(mini: CueScript) -> None:
    first, second, third = mini.chapters
    inside = second.start + SR
    assert next_chapter_start(mini, inside) == third.start
    assert this_chapter_start(mini, inside) == second.start
    closing = next(c for c in mini.cues if c.exercise is None and c.start > third.start)
    assert next_chapter_start(mini, third.start + SR) == closing.start
    assert next_chapter_start(mini, mini.length - 1) == mini.length - 1
    assert this_chapter_start(mini, first.start) == first.start


def test_status_names_exercise_side_and_time_left(mini: CueScript) -> None:
    hold = next(c for c in mini.cues if c.sound == "hold" and c.side == "left")
    text = status_text(mini, hold.start + 10)
    assert text.startswith("Side stretch - left side - ")
    left = round((mini.length - hold.start - 10) / SR)
    assert text.endswith(f"{left // 60}:{left % 60:02d} left")
    assert status_text(mini, hold.start, paused=True).startswith("Paused: Side stretch")


def test_to_pcm_rounds_and_clips() -> None:
    audio = np.array([0.0, 0.5, -0.5, 1.0, -1.0, 1.5, -2.0, 1 / 32767], dtype=np.float32)
    assert to_pcm(audio).tolist() == [0, 16384, -16384, 32767, -32767, 32767, -32767, 1]


# --- the player with a fake device: what is heard, and when -------------------------

HEARD_LATE = round(LATENCY * SR)
"""The heard position runs this far behind what the device has taken."""


def test_plays_the_session_sample_for_sample_after_a_lead_in(
    mini: CueScript, reference: Pcm
) -> None:
    result, device = run_player(mini)
    heard = device.heard()
    assert not heard[:LEAD].any()
    assert np.array_equal(heard[LEAD : LEAD + mini.length], reference)
    assert not heard[LEAD + mini.length :].any()
    assert result == PlayResult(True, mini.length, len(mini.chapters) - 1)
    assert device.feed.underruns == 0
    assert device.closed == 1


def test_the_opening_played_is_handed_over_to_be_stored(mini: CueScript, reference: Pcm) -> None:
    kept: list[Pcm] = []
    run_player(mini, kept=kept)
    assert len(kept) == 1
    opening = kept[0]
    assert not opening[:LEAD].any()
    assert np.array_equal(opening[LEAD:], reference[: len(opening) - LEAD])
    # It ends in a silence, soon: the program loads behind it, then the rest follows.
    end = len(opening) - LEAD
    assert end in cut_points(mini, round(timeline.MIN_CUT_GAP * SR))
    assert round(timeline.OPENING * SR) <= end < round(timeline.LONGEST_OPENING * SR)


def test_an_opening_already_playing_is_taken_over_where_it_is(
    mini: CueScript, reference: Pcm
) -> None:
    kept: list[Pcm] = []
    run_player(mini, kept=kept)
    stored = kept.pop()
    result, device = run_player(mini, opening=stored, kept=kept)
    # Not played again, not stored again; the session goes on after it in the same stream.
    assert kept == []
    heard = device.heard()
    assert not heard[:LEAD].any()
    assert np.array_equal(heard[LEAD : LEAD + mini.length], reference)
    assert result.completed


def test_a_stale_opening_is_cut_off_and_replaced(mini: CueScript, reference: Pcm) -> None:
    kept: list[Pcm] = []
    run_player(mini, kept=kept)
    stale = kept.pop()
    stale[LEAD + 100] ^= 1  # one sample off: another voice, another release
    result, device = run_player(mini, opening=stale, kept=kept, stale_heard=0.5)
    heard = device.heard()
    cut = round(0.5 * SR)
    assert np.array_equal(heard[:cut], stale[:cut])
    assert not heard[cut : cut + LEAD].any()
    assert np.array_equal(heard[cut + LEAD : cut + LEAD + mini.length], reference)
    assert len(kept) == 1 and np.array_equal(kept[0][LEAD:], reference[: len(kept[0]) - LEAD])
    assert result.completed


def test_pause_in_a_silence_resumes_at_the_same_place(mini: CueScript, reference: Pcm) -> None:
    paused = silent_middle(mini, mini.chapters[1].start)
    press = session_time(paused)
    result, device = run_player(mini, [(press, " "), (press + 3.0, " ")])
    heard = device.heard()
    at = round(press * SR)
    assert np.array_equal(heard[LEAD:at], reference[: at - LEAD])
    # During the pause: nothing until the resume cue, then the rest of the session.
    resumed = round((press + 3.0) * SR)
    assert not heard[at:resumed].any()
    cue = to_pcm(fake_chime(player.RESUME_CHIME))
    chime_at = resumed + round(player.RESUME_BEFORE * SR)
    assert np.array_equal(heard[chime_at : chime_at + len(cue)], cue)
    content = chime_at + len(cue) + round(player.RESUME_AFTER * SR)
    assert not heard[resumed:chime_at].any()
    assert not heard[chime_at + len(cue) : content].any()
    # It goes on exactly after the last sample the device took before the pause.
    assert plays_from(heard[content:], reference, at - LEAD)
    assert result.completed


def test_pause_mid_cue_replays_that_cue_whole(mini: CueScript, reference: Pcm) -> None:
    cue = next(c for c in mini.cues if c.role == "name" and c.exercise == 1)
    press = session_time(cue.start + cue.length // 2)
    _, device = run_player(mini, [(press, " "), (press + 1.0, " ")])
    heard = device.heard()
    chime = to_pcm(fake_chime(player.RESUME_CHIME))
    content = round((press + 1.0 + player.RESUME_BEFORE + player.RESUME_AFTER) * SR) + len(chime)
    assert plays_from(heard[content:], reference, cue.start)


def test_next_and_back_land_on_exercise_starts(mini: CueScript, reference: Pcm) -> None:
    second = mini.chapters[1]
    skip = session_time(mini.chapters[0].start + 3 * SR)
    back = skip + player.SEEK_SILENCE + 4.0
    _, device = run_player(mini, [(skip, "n"), (back, "b")])
    heard = device.heard()
    landed = round((skip + player.SEEK_SILENCE) * SR)
    assert not heard[round(skip * SR) : landed].any()
    assert np.array_equal(heard[landed : landed + 4 * SR], reference[second.start :][: 4 * SR])
    again = round((back + player.SEEK_SILENCE) * SR)
    assert plays_from(heard[again:], reference, second.start)


def test_quit_reports_the_position_heard(mini: CueScript) -> None:
    press = session_time(mini.chapters[1].start) + 2.0
    result, device = run_player(mini, [(press, "q")])
    assert (result.completed, result.chapter) == (False, 1)
    assert abs(result.position - (press * SR - LEAD - HEARD_LATE)) <= 1
    assert device.closed == 1
    assert len(device.heard()) == round(press * SR)


def test_ctrl_c_stops_the_sound_and_carries_the_position(mini: CueScript) -> None:
    press = session_time(mini.chapters[2].start) + 1.0
    clock = FakeClock()
    device = FakeOutput(clock)
    with pytest.raises(PlaybackInterrupted) as caught:
        run_player(mini, [(press, "^C")], output=device)
    assert isinstance(caught.value, KeyboardInterrupt)
    assert caught.value.result.completed is False
    assert caught.value.result.chapter == 2
    assert abs(caught.value.result.position - (press * SR - LEAD - HEARD_LATE)) <= 1
    assert device.closed == 1 and device.feed.queued() == 0


def test_a_device_lost_mid_session_is_an_audio_device_error(mini: CueScript) -> None:
    clock = FakeClock()
    with pytest.raises(AudioDeviceLost, match="export") as caught:
        run_player(mini, output=FakeOutput(clock, dies_after=2.0))
    assert isinstance(caught.value, AudioDeviceError)
    reached = caught.value.result
    assert not reached.completed
    assert 2.0 * SR - LEAD - HEARD_LATE - 1 <= reached.position <= 2.0 * SR - LEAD
    assert reached.chapter == chapter_at(mini, reached.position)


def test_no_device_fails_at_once_with_the_export_hint(
    mini: CueScript, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_device(feed: Feed, device: object = None) -> None:
        raise StreamError("cannot open the sound device (no such device)")

    monkeypatch.setattr(Stream, "open", no_device)
    with pytest.raises(AudioDeviceError, match="cannot open") as caught:
        live.play(mini, fake_speech, fake_chime, stdin=None, routine="my routine")
    assert not isinstance(caught.value, AudioDeviceLost)  # nothing played: no position
    assert "`voicecoach export 'my routine' -o session.mp3`" in str(caught.value)
    assert not any(t.name == "voicecoach-render" for t in threading.enumerate())


def test_the_device_is_opened_with_the_opening_already_queued(mini: CueScript) -> None:
    """So the device starts with the session, not with a buffer of silence before it."""
    queued: list[int] = []

    class Refused(AudioDeviceError):
        pass

    def connect(feed: Feed) -> FakeOutput:
        queued.append(feed.queued())
        raise Refused("cannot open the sound device")

    source = lambda start: render(mini, fake_speech, fake_chime, start=start)  # noqa: E731
    with pytest.raises(Refused):
        Player(mini, source, None, connect=connect).run()
    cuts = cut_points(mini, round(timeline.MIN_CUT_GAP * SR))
    assert queued == [LEAD + opening_end(mini, cuts)]


def test_a_render_failure_reaches_the_caller(mini: CueScript) -> None:
    def broken(text: str) -> Audio:
        if text == "Side stretch.":
            raise VoiceEngineError("the voice engine stopped")
        return fake_speech(text)

    with pytest.raises(VoiceEngineError, match="stopped"):
        run_player(mini, speech=broken)


def test_status_line_follows_the_session(mini: CueScript) -> None:
    hold = next(c for c in mini.cues if c.sound == "hold" and c.side == "right")
    press = session_time(hold.end) + 0.2
    statuses: list[str] = []
    run_player(mini, [(press, " "), (press + 1, " ")], statuses=statuses)
    assert statuses[0].startswith("Bridge - ")
    assert any(s.startswith("Side stretch - right side - ") for s in statuses)
    assert any(s.startswith("Paused: Side stretch - right side") for s in statuses)
    left = [
        int(s.split(" - ")[-1].split()[0].split(":")[0]) * 60 + int(s.split(":")[-1][:2])
        for s in statuses
        if not s.startswith("Paused")
    ]
    assert left == sorted(left, reverse=True)
    assert left[-1] <= 1


# --- the terminal ----------------------------------------------------------------------


def test_terminal_controls_read_single_keys_and_restore_the_terminal() -> None:
    master, slave = pty.openpty()
    try:
        before = termios.tcgetattr(slave)
        with TerminalControls(slave) as controls:
            inside = termios.tcgetattr(slave)
            assert not inside[3] & termios.ICANON and not inside[3] & termios.ECHO
            assert inside[3] & termios.ISIG  # Ctrl-C still interrupts
            os.write(master, b"n")
            assert controls.wait(2.0) == "n"
            assert controls.wait(0.01) == ""
        assert termios.tcgetattr(slave) == before
        with pytest.raises(RuntimeError), TerminalControls(slave):
            raise RuntimeError("boom")
        assert termios.tcgetattr(slave) == before
    finally:
        os.close(master)
        os.close(slave)


def test_a_terminal_that_hangs_up_is_no_busy_loop() -> None:
    master, slave = pty.openpty()
    try:
        with TerminalControls(slave) as controls:
            os.close(master)
            master = -1
            assert controls.wait(0.2) == ""  # the hangup is read once
            began = time.monotonic()
            assert controls.wait(0.2) == ""
            assert time.monotonic() - began >= 0.15  # then it waits instead of spinning
    finally:
        if master >= 0:
            os.close(master)
        os.close(slave)


def test_library_noise_on_fd_2_is_hidden_while_our_own_lines_still_show(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with os.fdopen(2, "w", closefd=False) as stderr:
        with quiet_stderr_fd(stderr) as screen:
            os.write(2, b"ALSA lib pcm.c: underrun occurred\n")
            screen.write("status\n")
        stderr.write("after\n")
    assert capfd.readouterr().err == "status\nafter\n"


def test_only_a_foreground_terminal_counts_as_one(tmp_path: Path) -> None:
    read, write = os.pipe()
    try:
        with os.fdopen(read, closefd=False) as pipe:
            assert not in_foreground(pipe)
    finally:
        os.close(read)
        os.close(write)
    with (tmp_path / "file").open("w") as handle:
        assert not in_foreground(handle)
    assert not in_foreground(None)


# --- end to end: the real stack, in real time, through a PulseAudio null sink ------------

QUICK = "quick-start"
WINDOW = round(0.3 * SR)
# How long after a key its effect may begin: the child's reaction (long on a busy machine)
# and, for a skip, the device playing out what it still holds (under 0.4 s).
REACTION = 2 * SR
TOLERANCE = round(0.020 * SR)  # the contract: cues within 20 ms of their place


@dataclass(frozen=True)
class Exported:
    """The export of a routine: its audio, cues and chapters (in samples)."""

    audio: Pcm
    cues: list[RefCue]
    chapters: list[tuple[str, int]]

    def first_sound(self) -> int:
        found = audio_env.first_loud(self.audio)
        assert found is not None
        return found


@dataclass(frozen=True)
class RefCue:
    start: int
    length: int
    what: str
    chime: bool

    def template(self, audio: Pcm) -> Pcm:
        return audio[self.start : self.start + self.length]


@pytest.fixture(scope="session")
def play_env(
    pulse: audio_env.PulseServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """Environment for a ``voicecoach`` child: our sound server, private cache and config."""
    env = dict(pulse.env)
    env["VOICECOACH_CACHE_DIR"] = str(tmp_path_factory.mktemp("speech-cache"))
    env["VOICECOACH_CONFIG_DIR"] = str(tmp_path_factory.mktemp("config"))
    return env


@pytest.fixture(scope="session")
def quick(play_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Exported:
    """quick-start exported to WAV with its cues, by the CLI (this also warms the cache)."""
    audio, cues = onsets.export(QUICK, play_env, tmp_path_factory.mktemp("export"))
    data = json.loads(cues.read_text())
    ref = [
        RefCue(
            round(c["at"] * SR),
            round(c["duration"] * SR),
            c.get("text") or c.get("sound"),
            c["type"] == "chime",
        )
        for c in data["cues"]
    ]
    chapters = [(c["title"], round(c["start"] * SR)) for c in data["chapters"]]
    return Exported(audio, ref, chapters)


def wait_until(recording: audio_env.Recording, index: int, timeout: float = 120.0) -> None:
    """Wait until the recording holds sample ``index``."""
    deadline = time.monotonic() + timeout
    while recording.frames() <= index:
        assert time.monotonic() < deadline, "the recording stalled"
        time.sleep(0.005)


def heard_after(recording: audio_env.Recording, template: Pcm, earliest: int) -> audio_env.Match:
    """Where ``template`` begins in the recording, at most REACTION after ``earliest``
    (and at most 0.1 s before it: mapping a key press to a sample is not exact)."""
    margin = SR // 10
    wait_until(recording, earliest + REACTION + len(template))
    half = (REACTION + margin) // 2
    return audio_env.locate(recording.samples(), template, earliest - margin + half, half)


def cue_named(ref: Exported, what: str, after: int = 0) -> RefCue:
    return next(c for c in ref.cues if c.what == what and c.start >= after)


def first_cue_after(ref: Exported, position: int) -> RefCue:
    return next(c for c in ref.cues if c.start >= position)


@dataclass
class TerminalChild:
    """A ``voicecoach`` process whose controlling terminal is a pseudo-terminal we type into."""

    process: subprocess.Popen[bytes]
    master: int
    slave: int
    before: list[Any]
    output: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 4096)
            except OSError:
                return
            if not data:
                return
            self.output.extend(data)

    def press(self, keys: bytes) -> float:
        moment = time.monotonic()
        os.write(self.master, keys)
        return moment

    def text(self) -> str:
        return self.output.decode("utf-8", "replace")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        os.close(self.slave)
        self._reader.join(5)
        os.close(self.master)


def _take_terminal() -> None:  # runs in the child, after setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@contextlib.contextmanager
def in_terminal(args: list[str], env: dict[str, str]) -> Iterator[TerminalChild]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    before = termios.tcgetattr(slave)
    process = subprocess.Popen(
        args,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        preexec_fn=_take_terminal,
    )
    child = TerminalChild(process, master, slave, before)
    try:
        yield child
    finally:
        child.close()


def assert_gone(process: subprocess.Popen[bytes]) -> None:
    """The process and everything in its process group have exited."""
    assert process.poll() is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)


@pytest.mark.audio
@pytest.mark.slow
def test_live_play_is_the_export_with_every_chime_in_place(
    pulse: audio_env.PulseServer, play_env: dict[str, str], quick: Exported
) -> None:
    with pulse.recording() as recording:
        mark = recording.frames()
        child = subprocess.run(
            voicecoach("play", QUICK),
            env=play_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=len(quick.audio) / SR + 120,
        )
        recording.settle()
    assert child.returncode == 0, child.stderr
    assert child.stdout == ""
    heard = recording.samples()
    start = audio_env.first_loud(heard, after=mark)
    assert start is not None, "nothing was heard"
    origin = start - quick.first_sound()

    found = {
        cue: audio_env.locate(heard, cue.template(quick.audio), origin + cue.start, WINDOW)
        for cue in quick.cues
    }
    missing = [f"{c.what} at {c.start / SR:.2f}s" for c, m in found.items() if not m.exact]
    assert not missing, f"not heard sample for sample: {missing}"

    chimes = [c for c in quick.cues if c.chime]
    assert len(chimes) >= 4
    # Every cue where the export has it, counted from the first sound heard (absolute
    # positions: a part of the session shifted against the start cannot hide).
    errors = {c: found[c].index - origin - c.start for c in quick.cues}
    late = {
        f"{c.what}@{c.start / SR:.1f}s": f"{e / SR * 1000:+.1f} ms"
        for c, e in errors.items()
        if abs(e) > TOLERANCE
    }
    assert not late, f"cues off their place in the export: {late}"

    # Nothing else was heard: with every cue taken out, the session is silent.
    rest = heard[origin : origin + len(quick.audio)].copy()
    for cue, match in found.items():
        rest[match.index - origin : match.index - origin + cue.length] = 0
    assert audio_env.last_loud(rest) is None
    spread = [e / SR * 1000 for e in errors.values()]
    print(f"cue offsets from their place, ms: {min(spread):+.1f} to {max(spread):+.1f}")


@pytest.mark.audio
@pytest.mark.slow
def test_keys_skip_pause_resume_and_go_back(
    pulse: audio_env.PulseServer, play_env: dict[str, str], quick: Exported
) -> None:
    second_title, second = quick.chapters[1]
    name = first_cue_after(quick, second)
    skip_at = cue_named(quick, "Two. Tilt.").start + SR // 2
    seek = round(player.SEEK_SILENCE * SR)
    with (
        pulse.recording() as recording,
        in_terminal(voicecoach("play", QUICK, "--no-check-in"), play_env) as child,
    ):
        start = recording.wait_for_sound(recording.frames())
        origin = start - quick.first_sound()

        # n: the next exercise's name is the next thing heard.
        wait_until(recording, origin + skip_at)
        pressed = recording.index_at(child.press(b"n"))
        landed = pressed + seek + (name.start - second)
        match = heard_after(recording, name.template(quick.audio), landed)
        assert match.exact, f"no {name.what!r} after n"
        skipped = match.index - name.start  # where script sample 0 would be now

        # space in a silence of the hold, then space again: the chime, then the cue that
        # was next, at the distance it had when paused.
        hold = cue_named(quick, "hold", after=second)
        upcoming = first_cue_after(quick, hold.start + hold.length)
        pause_at = (hold.start + hold.length + upcoming.start) // 2
        wait_until(recording, skipped + pause_at)
        paused = recording.index_at(child.press(b" ")) - skipped
        time.sleep(player.SAY_PAUSED_AFTER / 2)  # resumed before "Paused" is said
        resumed = recording.index_at(child.press(b" "))
        pause_cue = to_pcm(load_chime(player.PAUSE_CHIME) * player.PAUSE_GAIN)
        soft = heard_after(recording, pause_cue, paused + skipped)
        assert soft.exact, "no soft chime on pause"
        chime = to_pcm(load_chime(player.RESUME_CHIME))
        bell = heard_after(recording, chime, resumed + round(player.RESUME_BEFORE * SR))
        assert bell.exact, (
            f"no resume chime: {audio_env.mismatch(recording.samples(), bell, chime)}"
        )
        goes_on = bell.index + len(chime) + round(player.RESUME_AFTER * SR)
        expected = goes_on + upcoming.start - paused
        nxt = heard_after(recording, upcoming.template(quick.audio), expected - REACTION // 2)
        heard = recording.samples()
        assert nxt.exact, f"{upcoming.what!r} was not the next thing heard after resuming"
        # It went on from the place it paused at: within the same silence, at the time
        # of the key (give or take the child's reaction).
        resumed_from = upcoming.start - (nxt.index - goes_on)
        assert hold.start + hold.length <= resumed_from <= upcoming.start
        assert abs(resumed_from - paused) <= REACTION // 4, (resumed_from - paused) / SR
        # Silence from shortly after the pause until the chime, and from the chime on.
        quiet_from = paused + skipped + round(0.4 * SR)
        assert audio_env.last_loud(heard[quiet_from : soft.index]) is None
        assert audio_env.last_loud(heard[soft.index + len(pause_cue) : bell.index]) is None
        assert audio_env.last_loud(heard[bell.index + len(chime) : nxt.index]) is None

        # b: back to this exercise's start, its name again.
        pressed = recording.index_at(child.press(b"b"))
        landed = pressed + seek + (name.start - second)
        again = heard_after(recording, name.template(quick.audio), landed)
        assert again.exact, f"no {name.what!r} after b"

        child.press(b"q")
        assert child.process.wait(30) == 0
        assert termios.tcgetattr(child.slave) == child.before
    assert_gone(child.process)
    text = child.text()
    assert "space: pause/resume" in text
    assert second_title in text and "Paused" in text
    assert "Traceback" not in text


@pytest.mark.audio
def test_ctrl_c_in_a_terminal_stops_at_once_and_restores_it(
    pulse: audio_env.PulseServer, play_env: dict[str, str], quick: Exported
) -> None:
    with (
        pulse.recording() as recording,
        in_terminal(voicecoach("play", QUICK), play_env) as child,
    ):
        start = recording.wait_for_sound(recording.frames())
        wait_until(recording, start + 2 * SR)
        pressed = child.press(b"\x03")
        code = child.process.wait(30)
        ended = time.monotonic()
        restored = termios.tcgetattr(child.slave) == child.before
        time.sleep(1.0)
        heard = recording.samples()
    assert code == ExitCode.CTRL_C
    assert restored
    assert_gone(child.process)
    text = child.text()
    assert "Interrupted." in text and "Traceback" not in text
    # No sound outlives the process.
    assert audio_env.last_loud(heard[recording.index_at(ended) + SR // 4 :]) is None
    stopped = audio_env.last_loud(heard[: recording.index_at(ended) + SR // 4])
    assert stopped is not None
    print(f"Ctrl-C to silence: {(recording.time_of(stopped) - pressed) * 1000:.0f} ms")


@pytest.mark.audio
def test_sigterm_in_a_terminal_restores_it_too(
    pulse: audio_env.PulseServer, play_env: dict[str, str], quick: Exported
) -> None:
    with (
        pulse.recording() as recording,
        in_terminal(voicecoach("play", QUICK), play_env) as child,
    ):
        recording.wait_for_sound(recording.frames())
        child.process.send_signal(signal.SIGTERM)
        code = child.process.wait(30)
        restored = termios.tcgetattr(child.slave) == child.before
    assert code == 128 + signal.SIGTERM
    assert restored
    assert_gone(child.process)
    assert "Traceback" not in child.text()


def opening_file(env: dict[str, str], *argv: str) -> Path:
    """Where ``voicecoach *argv``, run with ``env`` from here, keeps its opening."""
    code = (
        "import sys\n"
        "from voicecoach.play import warmstart\n"
        "print(warmstart.opening_path(warmstart.command_key(sys.argv[1:])))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *argv], env=env, capture_output=True, text=True, check=True
    )
    return Path(done.stdout.strip())


def fresh_command(env: dict[str, str]) -> dict[str, str]:
    """``env`` with a variable that gives ``play`` a key of its own: no opening stored
    for it yet, while the speech cache stays warm."""
    return dict(env, VOICECOACH_TEST_RUN=f"{os.getpid()}-{time.monotonic_ns()}")


def store_opening(pulse: audio_env.PulseServer, env: dict[str, str]) -> Path:
    """Make sure ``play quick-start`` has its opening stored: a play stores it as it starts."""
    path = opening_file(env, "play", QUICK)
    if not path.exists():
        with pulse.recording() as recording:
            process, err = play_until_heard(
                recording, env, lambda process: process.send_signal(signal.SIGINT)
            )
        assert process.returncode == ExitCode.CTRL_C, err
    assert path.is_file(), "play did not store its opening"
    return path


def play_for(
    pulse: audio_env.PulseServer, env: dict[str, str], seconds: float
) -> tuple[Pcm, int, str]:
    """Play quick-start without a terminal for ``seconds`` after it is first heard, then
    Ctrl-C: the recording, where the first sound is in it, and the process's stderr."""
    with pulse.recording() as recording:
        mark = recording.frames()

        def wait_then_stop(process: subprocess.Popen[bytes]) -> None:
            first = recording.wait_for_sound(mark)
            wait_until(recording, first + round(seconds * SR))
            process.send_signal(signal.SIGINT)

        process, err = play_until_heard(recording, env, wait_then_stop)
        heard = recording.samples()
    assert process.returncode == ExitCode.CTRL_C, err
    start = audio_env.first_loud(heard, after=mark)
    assert start is not None
    return heard, start, err


def assert_heard_in_place(
    heard: Pcm, origin: int, ref: Exported, until: int, since: int = 0, least: int = 5
) -> None:
    """Every cue of the export from sample ``since`` that ends before sample ``until``
    (``least`` of them at least) was heard sample for sample, at its place relative to
    ``origin`` (where script sample 0 was heard)."""
    cues = [c for c in ref.cues if since <= c.start and c.start + c.length < until]
    assert len(cues) >= least
    found = {
        c: audio_env.locate(heard, c.template(ref.audio), origin + c.start, WINDOW) for c in cues
    }
    missing = [f"{c.what} at {c.start / SR:.2f}s" for c, m in found.items() if not m.exact]
    assert not missing, f"not heard sample for sample: {missing}"
    late = {
        f"{c.what}@{c.start / SR:.1f}s": f"{(m.index - origin - c.start) / SR * 1000:+.1f} ms"
        for c, m in found.items()
        if abs(m.index - origin - c.start) > TOLERANCE
    }
    assert not late, f"cues off their place in the export: {late}"


@pytest.mark.audio
def test_a_stored_opening_starts_the_next_play_which_goes_on_after_it_exactly(
    pulse: audio_env.PulseServer, play_env: dict[str, str], quick: Exported
) -> None:
    path = store_opening(pulse, play_env)
    stored = path.stat()
    os.utime(path, (1000, 1000))
    # Past the opening (about ten seconds) well into the block after it.
    heard, start, err = play_for(pulse, play_env, 24.0)
    assert err.strip().splitlines() == ["Interrupted."]
    assert_heard_in_place(heard, start - quick.first_sound(), quick, 22 * SR)
    now = path.stat()
    assert now.st_mtime > 1000, "the stored opening was not the one played"
    assert now.st_ino == stored.st_ino, "the stored opening was replaced: it did not match"


@pytest.mark.audio
def test_a_stale_opening_is_cut_short_and_the_session_starts_over(
    pulse: audio_env.PulseServer, play_env: dict[str, str], quick: Exported
) -> None:
    """An opening that is not the start of the session (made by another voice or release)
    is stopped as soon as the program has loaded, replaced, and the session starts."""
    path = store_opening(pulse, play_env)
    good = path.read_bytes()
    opening = warmstart.Opening.from_bytes(good)
    assert opening is not None
    tone = (8000 * np.sin(np.arange(5 * SR) * 2 * np.pi * 440 / SR)).astype("<i2")
    stale = warmstart.Opening(tone.tobytes(), opening.rate, opening.files)
    path.write_bytes(stale.to_bytes())
    heard, start, _ = play_for(pulse, play_env, 26.0)
    # The tone, cut short, then the session from its start, in place.
    title = quick.cues[0]
    match = audio_env.locate(heard, title.template(quick.audio), start + 3 * SR, 3 * SR)
    assert match.exact, "the session did not start after the stale opening"
    origin = match.index - title.start
    assert origin - start < 5 * SR, "the stale opening was played to its end"
    assert_heard_in_place(heard, origin, quick, 20 * SR)
    assert path.read_bytes() == good, "the right opening was not stored in its place"


def play_until_heard(
    recording: audio_env.Recording,
    env: dict[str, str],
    act: Callable[[subprocess.Popen[bytes]], object],
) -> tuple[subprocess.Popen[bytes], str]:
    """Run `voicecoach play` without a terminal, ``act`` once it is heard, and return the
    ended process with its stderr; it is killed if it does not end by itself."""
    process = subprocess.Popen(
        voicecoach("play", QUICK),
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    with process:  # its pipes closed, however the test ends
        try:
            recording.wait_for_sound(recording.frames())
            act(process)
            _, err = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)
    return process, err.decode()


@pytest.mark.audio
@pytest.mark.parametrize("opening", ["stored", "none"])
def test_ctrl_c_without_a_terminal_exits_130(
    pulse: audio_env.PulseServer, play_env: dict[str, str], quick: Exported, opening: str
) -> None:
    """Ctrl-C as soon as the session is heard: with a stored opening that is while the
    program is still loading behind the quick start."""
    env = play_env if opening == "stored" else fresh_command(play_env)
    if opening == "stored":
        store_opening(pulse, env)
    else:
        assert not opening_file(env, "play", QUICK).exists()
    with pulse.recording() as recording:
        process, err = play_until_heard(
            recording, env, lambda process: process.send_signal(signal.SIGINT)
        )
        ended = time.monotonic()
        time.sleep(1.0)
        heard = recording.samples()
    assert process.returncode == ExitCode.CTRL_C
    assert err.strip().splitlines() == ["Interrupted."]
    assert_gone(process)
    # No sound outlives the process.
    assert audio_env.last_loud(heard[recording.index_at(ended) + SR // 4 :]) is None


@pytest.mark.audio
@pytest.mark.parametrize("opening", ["stored", "none"])
def test_no_sound_device_is_a_clear_error_naming_export(
    tmp_path: Path, pulse: audio_env.PulseServer, play_env: dict[str, str], opening: str
) -> None:
    home = audio_env.alsa_home(
        tmp_path / "home", 'pcm.!default { type plug; slave.pcm "voicecoach_no_such_device" }\n'
    )
    env = dict(play_env, HOME=str(home), XDG_RUNTIME_DIR=str(tmp_path / "none"))
    env.pop("PULSE_RUNTIME_PATH", None)
    if opening == "stored":  # the quick start finds an opening, but no device to play it
        stored = store_opening(pulse, play_env)
        target = opening_file(env, "play", QUICK)
        target.write_bytes(stored.read_bytes())
    done = subprocess.run(
        voicecoach("play", QUICK),
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == ExitCode.ERROR
    lines = done.stderr.strip().splitlines()
    assert lines and all(line.startswith("Error: ") for line in lines), done.stderr
    assert "sound device" in done.stderr and f"voicecoach export {QUICK}" in done.stderr
    assert done.stdout == ""


@pytest.mark.audio
def test_a_device_lost_mid_session_is_a_clear_error(
    tmp_path: Path, play_env: dict[str, str]
) -> None:
    with audio_env.pulse_server(tmp_path / "pulse") as server:
        data = tmp_path / "data"
        env = dict(
            play_env,
            **{k: server.env[k] for k in ("HOME", "XDG_RUNTIME_DIR", "PULSE_RUNTIME_PATH")},
            VOICECOACH_DATA_DIR=str(data),
        )
        with server.recording() as recording:
            process, text = play_until_heard(recording, env, lambda _: server.kill(signal.SIGKILL))
    assert process.returncode == ExitCode.ERROR
    assert text.startswith("Error: ") and "Traceback" not in text
    assert f"voicecoach export {QUICK}" in text
    assert_gone(process)
    (session,) = History(data / "history.sqlite3").recent(5)
    assert session.routine_id == QUICK
    assert session.finished and not session.completed
    assert 0 < session.reached_seconds < session.total_seconds


SLOW_NUMPY = """
import sys, time

class Slow:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy":
            sys.meta_path.remove(self)
            time.sleep({delay})
        return None

sys.meta_path.insert(0, Slow())
"""


@pytest.mark.audio
@pytest.mark.slow
def test_a_program_slower_than_its_opening_stretches_one_silence_and_says_so(
    tmp_path: Path, pulse: audio_env.PulseServer, play_env: dict[str, str], quick: Exported
) -> None:
    """A machine so slow that the program loads after the stored opening has ended: the
    silence the opening ends in is longer, every cue is whole, the rest of the session is
    late as a whole, and a warning says by how much."""
    path = store_opening(pulse, play_env)
    opening = warmstart.Opening.from_bytes(path.read_bytes())
    assert opening is not None
    end = len(opening.pcm) // 2 - opening.lead  # the script sample the opening ends at
    (tmp_path / "sitecustomize.py").write_text(SLOW_NUMPY.format(delay=end / SR + 2.0))
    env = dict(play_env, PYTHONPATH=str(tmp_path))
    heard, start, err = play_for(pulse, env, end / SR + 10.0)
    origin = start - quick.first_sound()
    assert_heard_in_place(heard, origin, quick, end)
    after = [c for c in quick.cues if end < c.start and c.start + c.length < end + 6 * SR]
    first = audio_env.locate(heard, after[0].template(quick.audio), origin + after[0].start, 5 * SR)
    assert first.exact, "the session did not go on after the wait"
    late = first.index - origin - after[0].start
    assert late > SR, "the program was not slower than its opening: nothing was tested"
    assert_heard_in_place(heard, origin + late, quick, end + 6 * SR, since=end, least=2)
    lines = [line for line in err.splitlines() if line]
    assert lines[-1] == "Interrupted." and len(lines) == 2, err
    told = float(lines[0].split("waited ")[1].split(" s")[0])
    assert lines[0].startswith("Warning: the sound waited ")
    assert abs(told - late / SR) <= 0.02, (told, late / SR)


@pytest.mark.audio
@pytest.mark.slow
def test_a_sound_server_that_freezes_for_good_is_a_clear_error_not_a_hang(
    tmp_path: Path, play_env: dict[str, str]
) -> None:
    """The server stopped (SIGSTOP) mid-session and never back while the player runs: the
    stream stalls, the player says so and exits (it used to hang at exit, in PortAudio's
    own clean-up waiting for the server)."""
    with audio_env.pulse_server(tmp_path / "pulse") as server:
        data = tmp_path / "data"
        env = dict(
            play_env,
            **{k: server.env[k] for k in ("HOME", "XDG_RUNTIME_DIR", "PULSE_RUNTIME_PATH")},
            VOICECOACH_DATA_DIR=str(data),
        )
        try:
            with server.recording() as recording:
                began = time.monotonic()
                process, text = play_until_heard(
                    recording, env, lambda _: server.process.send_signal(signal.SIGSTOP)
                )
                took = time.monotonic() - began
        finally:
            server.process.send_signal(signal.SIGCONT)
    assert process.returncode == ExitCode.ERROR
    assert text.startswith("Error: the sound device stopped taking sound") and text.count("\n") == 1
    assert f"voicecoach export {QUICK}" in text
    assert took < 30
    assert_gone(process)
    (session,) = History(data / "history.sqlite3").recent(5)
    assert session.finished and not session.completed
