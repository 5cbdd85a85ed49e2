"""The player's answers to the media player's commands (``controls``: Play, Pause,
Previous) and its own sounds (the soft pause chime, "Paused", a skip's spoken name), on
the fake device and clock of ``test_player``."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from player_fakes import (
    LEAD,
    SR,
    fake_chime,
    fake_speech,
    run_player,
    session_time,
    silent_middle,
)

from voicecoach.audio.samples import Audio, Pcm
from voicecoach.compile.cuescript import CueScript
from voicecoach.play import controls, player
from voicecoach.play.ahead import to_pcm
from voicecoach.play.position import previous_chapter_start, unnamed_landing

PAUSE_CUE = to_pcm(fake_chime(player.PAUSE_CHIME) * player.PAUSE_GAIN)
PAUSED = to_pcm(fake_speech("Paused"))


def sounds(names: tuple[tuple[str, Pcm], ...] = ()) -> player.Spoken:
    return player.Spoken(PAUSE_CUE, PAUSED, names)


def test_pause_chimes_softly_says_paused_when_it_lasts_and_play_goes_on(
    mini: CueScript, reference: Pcm
) -> None:
    paused = silent_middle(mini, mini.chapters[1].start)
    press = session_time(paused)
    resume = press + player.SAY_PAUSED_AFTER + 1.5
    events = [
        (press, controls.PAUSE),
        (press + 0.5, controls.PAUSE),  # already paused: nothing
        (resume, controls.PLAY),
        (resume + 0.5, controls.PLAY),  # already playing: nothing
    ]
    _, device = run_player(mini, events, spoken=sounds())
    heard = device.heard()
    at = round(press * SR)
    chime_at = at + round(player.PAUSE_BEFORE * SR)
    assert not heard[at:chime_at].any()
    assert np.array_equal(heard[chime_at : chime_at + len(PAUSE_CUE)], PAUSE_CUE)
    # Silence, then "Paused" once, about SAY_PAUSED_AFTER into the pause, then silence.
    said = np.flatnonzero(heard[chime_at + len(PAUSE_CUE) : round(resume * SR)])
    assert len(said) > 0
    start = chime_at + len(PAUSE_CUE) + said[0]
    assert abs(start - at - player.SAY_PAUSED_AFTER * SR) <= 0.3 * SR
    assert np.array_equal(heard[start : start + len(PAUSED)], PAUSED)
    # Play: the resume cue, then the session from where it paused, exactly once.
    back = round(resume * SR)
    cue_at = back + round(player.RESUME_BEFORE * SR)
    chime = to_pcm(fake_chime(player.RESUME_CHIME))
    assert np.array_equal(heard[cue_at : cue_at + len(chime)], chime)
    goes_on = cue_at + len(chime) + round(player.RESUME_AFTER * SR)
    stopped = at - LEAD - round(0.05 * SR)  # what the device took before the pause
    rest = reference[stopped : stopped + 2 * SR]
    found = [
        i
        for i in range(goes_on - SR // 5, goes_on + SR // 5)
        if np.array_equal(heard[i : i + len(rest)], rest)
    ]
    assert found, "the session did not go on where it paused"


def test_previous_goes_to_this_exercise_and_again_within_3_s_to_the_one_before(
    mini: CueScript,
) -> None:
    positions: list[tuple[int, bool, int]] = []
    third = mini.chapters[2].start
    press = session_time(third + 3 * SR)
    events = [
        (press, controls.PREVIOUS),
        (press + 1.0, controls.PREVIOUS),  # within 3 s: the exercise before
        (press + 1.0 + player.PREVIOUS_AGAIN + 1.0, controls.PREVIOUS),  # later: its start
        (press + 1.0 + player.PREVIOUS_AGAIN + 2.0, "q"),
    ]
    run_player(mini, events, spoken=sounds(), watch=lambda *now: positions.append(now))
    jumps: dict[int, int] = {}
    for position, _, count in positions:
        jumps.setdefault(count, position)  # where each skip was shown to land
    assert jumps[1] == third
    assert jumps[2] == mini.chapters[1].start == previous_chapter_start(mini, third)
    assert jumps[3] == mini.chapters[1].start


def test_a_skip_names_the_exercise_when_the_session_would_not(mini: CueScript) -> None:
    assert unnamed_landing(mini, mini.chapters[1].start) is None  # its name is its first cue
    nameless = dataclasses.replace(mini, cues=tuple(c for c in mini.cues if c.role != "name"))
    second = nameless.chapters[1]
    assert unnamed_landing(nameless, second.start) == second.title
    assert unnamed_landing(nameless, nameless.chapters[-1].end) is None  # the closing
    name = to_pcm(fake_speech(second.title))
    press = session_time(nameless.chapters[0].start + SR)
    _, device = run_player(nameless, [(press, "n")], spoken=sounds(((second.title, name),)))
    heard = device.heard()
    said = round((press + player.SEEK_SILENCE) * SR)
    assert np.array_equal(heard[said : said + len(name)], name)
    after = said + len(name)
    assert not heard[after : after + round(player.NAME_AFTER * SR)].any()


@pytest.mark.parametrize("command", [controls.STOP, "Q"])
def test_stop_ends_the_session_as_q_does(mini: CueScript, command: str) -> None:
    result, _ = run_player(mini, [(session_time(SR), command)], spoken=sounds())
    assert not result.completed


def test_a_skip_says_a_name_as_the_session_says_it(mini: CueScript) -> None:
    """The names a skip may say are made from the name cues' own text ("Pelvic tilt."), so
    the clip is the one the export has there, whatever the voice does with a full stop."""
    from voicecoach.play.live import player_sounds

    asked: list[str] = []

    def speech(text: str) -> Audio:
        asked.append(text)
        return fake_speech(text)

    made = player_sounds(mini, speech, fake_chime)
    unnamed = [c for c in mini.chapters if unnamed_landing(mini, c.start)]
    assert unnamed, "the fixture has a chapter that does not start with its name"
    for chapter in unnamed:
        cue = next(q for q in mini.cues if q.role == "name" and q.exercise == chapter.exercise)
        assert cue.text in asked
        said = made.name(chapter.title)
        assert said is not None and np.array_equal(said, to_pcm(fake_speech(cue.text)))
