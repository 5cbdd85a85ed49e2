"""Live play of wait steps (``play.waits``): play goes on, an open wait never runs out, a
bounded one goes on by itself; on the fake device of ``test_player``, sample for sample."""

from __future__ import annotations

import numpy as np
import pytest
from player_fakes import (
    LEAD,
    SR,
    fake_chime,
    fake_speech,
    plays_from,
    run_player,
    session_time,
)

from voicecoach.audio.render import render
from voicecoach.audio.samples import Pcm
from voicecoach.compile.compiler import CompileOptions, compile_routine
from voicecoach.compile.cuescript import CueScript
from voicecoach.compile.estimate import estimate_speech_samples
from voicecoach.play import controls, player
from voicecoach.play.ahead import to_pcm
from voicecoach.play.waits import LOOP_BEFORE, waiting_at, waits
from voicecoach.routine.model import Exercise, Routine, Wait, WorkKind

LIVE = CompileOptions(live=True)


def session(longest: float | None, remind: float = 4.0) -> CueScript:
    band = Exercise(
        "Get your band", WorkKind.WAIT, wait=Wait(longest, remind), lead_in=0.0, rest=0.0
    )
    stretch = Exercise("Stretch", WorkKind.HOLD, hold=3.0, lead_in=1.0)
    routine = Routine("w", "Waits", (band, stretch))
    return compile_routine(routine, estimate_speech_samples, options=LIVE)


def rendered(script: CueScript) -> Pcm:
    return to_pcm(np.concatenate(list(render(script, fake_speech, fake_chime))))


def test_a_wait_zone_starts_at_its_prompt_and_an_open_one_loops_in_its_silence() -> None:
    script = session(None, remind=4.0)
    (found,) = waits(script)
    span = script.waits[0]
    prompt = next(c for c in script.cues if c.role == "wait")
    assert found.zone == (prompt.start, span.end)
    reminders = [c for c in script.cues if c.role == "reminder"]
    assert found.loop_at == max(span.end - round(LOOP_BEFORE * SR), reminders[-1].end)
    assert waiting_at(waits(script), prompt.start) == found
    assert waiting_at(waits(script), span.end) is None
    (bounded,) = waits(session(20.0))
    assert bounded.loop_at is None


def test_a_bounded_wait_left_alone_plays_as_the_export() -> None:
    script = session(12.0)
    result, device = run_player(script)
    assert plays_from(device.heard()[LEAD:], rendered(script), 0)
    assert result.completed


@pytest.mark.parametrize("key", [" ", controls.PLAY])
def test_play_in_a_wait_goes_on_to_its_go_chime(key: str) -> None:
    script = session(30.0)
    span = script.waits[0]
    press = session_time(span.start + 2 * SR)
    result, device = run_player(script, [(press, key)])
    heard = device.heard()
    at = round(press * SR)
    landed = at + round(player.SEEK_SILENCE * SR)
    assert not heard[at:landed].any()
    assert plays_from(heard[landed:], rendered(script), span.end)  # the go chime, and on
    assert result.completed


def test_an_open_wait_waits_until_play_then_goes_on() -> None:
    script = session(None, remind=4.0)
    span = script.waits[0]
    reference = rendered(script)
    go = next(c for c in script.cues if c.role == "go")
    chime = reference[go.start : go.end]
    press = session_time(span.start) + 3 * (span.end - span.start) / SR  # three spans on
    result, device = run_player(script, [(press, controls.PLAY)])
    heard = device.heard()
    at = round(press * SR)
    waited = heard[:at]
    # The go chime never sounded while waiting, and the reminders came round again.
    assert not any(
        np.array_equal(waited[k : k + len(chime)], chime)
        for k in range(0, len(waited) - len(chime), 512)
    )
    reminder = next(c for c in script.cues if c.role == "reminder")
    said = reference[reminder.start : reminder.end]
    repeats = sum(
        1
        for k in range(len(waited) - len(said))
        if waited[k] == said[0] and np.array_equal(waited[k : k + len(said)], said)
    )
    assert repeats >= 3 * ((span.end - span.start) // (4 * SR)) - 3
    landed = at + round(player.SEEK_SILENCE * SR)
    assert plays_from(heard[landed:], reference, span.end)
    assert result.completed


def test_play_while_paused_in_a_wait_goes_on() -> None:
    script = session(None)
    span = script.waits[0]
    pause = session_time(span.start + SR)
    result, device = run_player(script, [(pause, controls.PAUSE), (pause + 5.0, controls.PLAY)])
    heard = device.heard()
    landed = round((pause + 5.0 + player.SEEK_SILENCE) * SR)
    assert plays_from(heard[landed:], rendered(script), span.end)
    assert result.completed


def test_the_status_line_shows_a_wait_as_waiting() -> None:
    script = session(20.0)
    statuses: list[str] = []
    run_player(script, statuses=statuses)
    assert any(s.endswith("waiting (space or play to go on)") for s in statuses)
    assert statuses[-1].endswith("left")
