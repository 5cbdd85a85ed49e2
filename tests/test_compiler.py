"""The compiler: what is said, in which order, and exactly when."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from small_routines import CHIMES_ONLY, SMALL, clean, constant, hold, no_speech, reps, routine

from voicecoach.audio import sounds
from voicecoach.compile.compiler import (
    LAST_COUNT_TONE,
    NEXT_UP_MIN_REST,
    CompileOptions,
    SpeechTimer,
    compile_routine,
    spoken_texts,
)
from voicecoach.compile.cuescript import SAMPLE_RATE, Cue, CueScript, CueType, to_samples
from voicecoach.compile.estimate import estimate_speech_samples
from voicecoach.compile.phrases import ENGLISH
from voicecoach.compile.placement import GAP, SECOND, TONES
from voicecoach.compile.rules import check_script
from voicecoach.errors import VoicecoachError
from voicecoach.routine.model import Exercise, Wait, WorkKind

HALF = to_samples(0.5)


def lengths(table: dict[str, float], default: float = 0.5) -> SpeechTimer:
    """Chosen phrases take chosen times; everything else ``default``."""
    return lambda text: to_samples(table.get(text, default))


def said(script: CueScript) -> list[str]:
    """The session as heard: speech as text, chimes in brackets."""
    return [c.text if c.type is CueType.SPEECH else f"[{c.sound}]" for c in script.cues]


def role(script: CueScript, name: str) -> list[Cue]:
    return [c for c in script.cues if c.role == name]


def only(script: CueScript, name: str) -> Cue:
    (cue,) = role(script, name)
    return cue


def test_small_routine_says_everything_in_order() -> None:
    script = clean(compile_routine(SMALL, constant(0.5)), SMALL)
    countdown = ["Three.", "Two.", "One."]
    assert said(script) == [
        "Morning stretch.",
        "Breathe slowly.",
        "Cat-cow.",
        "On hands and knees.",
        "Get ready.",
        "One. Round up.",
        "Sink down.",
        "Last one. Round up.",
        "Sink down.",
        "Rest.",
        "Next up: Hip stretch.",
        "Hip stretch.",
        "Left side first.",
        "Get ready.",
        *countdown,
        "[hold]",
        "10 seconds left.",
        *countdown,
        "[release]",
        "[switch]",
        "Switch sides. Right side.",
        *countdown,
        "[hold]",
        "10 seconds left.",
        *countdown,
        "[release]",
        "See you tomorrow.",
        "[done]",
    ]
    assert [c.role for c in script.cues][:12] == [
        "title",
        "intro",
        "name",
        "cue",
        "get-ready",
        "count",
        "phase",
        "count",
        "phase",
        "rest",
        "next-up",
        "name",
    ]


def test_small_routine_timing_by_hand() -> None:
    script = compile_routine(SMALL, constant(0.5))
    cue = only(script, "cue")
    first, last = role(script, "count")
    sink = role(script, "phase")
    # The lead-in starts after the cue and ends exactly where the first rep starts.
    assert first.start == cue.end + GAP + 5 * SECOND
    assert sink[0].start == first.start + 3 * SECOND
    assert last.start == first.start + 6 * SECOND
    rest = only(script, "rest")
    assert rest.start == last.start + 6 * SECOND
    assert only(script, "next-up").start == rest.end + GAP
    name = role(script, "name")[1]
    assert name.start == rest.start + 10 * SECOND
    holds = [c for c in script.cues if c.sound == "hold"]
    releases = [c for c in script.cues if c.sound == "release"]
    assert holds[0].start == name.end + GAP + 5 * SECOND
    assert [r.start - h.start for h, r in zip(holds, releases, strict=True)] == [20 * SECOND] * 2
    switch = next(c for c in script.cues if c.sound == "switch")
    side = role(script, "side")[1]
    assert switch.start == releases[0].end + GAP
    assert side.start == switch.end + GAP
    assert holds[1].start == side.end + GAP + 5 * SECOND
    done = script.cues[-1]
    assert done.sound == "done" and script.length == done.end


def test_long_holds_at_the_top_of_a_rep_get_callouts_but_no_countdown() -> None:
    source = routine(reps("Wall sit", 1, hold=40.0))
    script = clean(compile_routine(source, constant(0.5)), source)
    h = next(c for c in script.cues if c.sound == "hold")
    inside = [c.text for c in script.cues if c.start > h.start and c.role != "release"]
    assert inside[:2] == ["Halfway.", "10 seconds left."]
    assert role(script, "countdown") == []


def test_cue_lengths_come_from_the_timers() -> None:
    speech = lengths({"Cat-cow.": 1.25, "Sink down.": 0.75})
    chimes = {"hold": 1000, "release": 2000, "switch": 3000, "done": 4000}
    script = compile_routine(SMALL, speech, chimes.__getitem__)
    for cue in script.cues:
        if cue.type is CueType.SPEECH:
            assert cue.length == speech(cue.text)
        else:
            assert cue.length == chimes[cue.sound]
    assert check_script(script, SMALL) == []


@pytest.mark.parametrize("seconds", [30.0, 7.3333, 2.5, 1.0, 61.77, 600.0])
def test_holds_are_exact_to_the_sample(seconds: float) -> None:
    source = routine(hold(seconds=seconds))
    script = clean(compile_routine(source, constant(0.5)), source)
    h = next(c for c in script.cues if c.sound == "hold")
    r = next(c for c in script.cues if c.sound == "release")
    assert r.start - h.start == round(seconds * SAMPLE_RATE)
    for cue in script.cues:
        if h.start < cue.start < r.start:
            assert cue.role in {"callout", "countdown"}


def test_hold_countdown_lands_in_the_last_seconds_before_release() -> None:
    source = routine(hold(seconds=30.0))
    script = compile_routine(source, constant(0.5))
    release = next(c for c in script.cues if c.sound == "release")
    inside = [c for c in role(script, "countdown") if c.start > role(script, "name")[0].end]
    counts = [c for c in inside if c.start > release.start - 4 * SECOND]
    assert [c.text for c in counts] == ["Three.", "Two.", "One."]
    assert [release.start - c.start for c in counts] == [3 * SECOND, 2 * SECOND, SECOND]
    assert counts[-1].end <= release.start


def test_long_holds_get_time_callouts() -> None:
    source = routine(hold(seconds=150.0))
    script = compile_routine(source, constant(0.5))
    h = next(c for c in script.cues if c.sound == "hold")
    release = h.start + 150 * SECOND
    callouts = {c.text: c.start for c in role(script, "callout")}
    assert callouts == {
        "2 minutes left.": release - 120 * SECOND,
        "Halfway.": h.start + 75 * SECOND,
        "1 minute left.": release - 60 * SECOND,
        "30 seconds left.": release - 30 * SECOND,
        "10 seconds left.": release - 10 * SECOND,
    }


def test_short_holds_get_no_halfway() -> None:
    for seconds, expected in [(10.0, []), (20.0, ["10 seconds left."])]:
        script = compile_routine(routine(hold(seconds=seconds)), constant(0.5))
        assert [c.text for c in role(script, "callout")] == expected


def test_duration_work_is_framed_like_a_hold() -> None:
    source = routine(Exercise("Marching", WorkKind.DURATION, duration=45.0))
    script = clean(compile_routine(source, constant(0.5)), source)
    h = next(c for c in script.cues if c.sound == "hold")
    r = next(c for c in script.cues if c.sound == "release")
    assert r.start - h.start == 45 * SECOND
    assert {c.text for c in role(script, "callout")} == {"Halfway.", "10 seconds left."}


def test_reps_are_counted_with_last_one() -> None:
    script = compile_routine(routine(reps(n=4)), constant(0.5))
    assert [c.text for c in role(script, "count")] == ["One.", "Two.", "Three.", "Last one."]
    starts = [c.start for c in role(script, "count")]
    assert [b - a for a, b in itertools.pairwise(starts)] == [3 * SECOND] * 3


def test_a_single_rep_is_just_one() -> None:
    script = compile_routine(routine(reps(n=1)), constant(0.5))
    assert [c.text for c in role(script, "count")] == ["One."]


def test_counts_past_a_hundred_use_digits() -> None:
    source = routine(reps(n=102, tempo=(1.0,)))
    script = clean(compile_routine(source, constant(0.5)), source)
    counts = [c.text for c in role(script, "count")]
    assert counts[99:] == ["One hundred.", "101.", "Last one."]


def test_tempo_without_phases_is_silent_between_counts() -> None:
    script = compile_routine(routine(reps(n=2, tempo=(2.0, 1.5))), constant(0.5))
    assert said(script)[3:5] == ["One.", "Last one."]
    first, second = role(script, "count")
    assert second.start - first.start == to_samples(2.0) + to_samples(1.5)


def test_a_count_longer_than_its_tempo_stretches_the_phase() -> None:
    source = routine(reps(n=3, tempo=(1.0,)))
    script = clean(compile_routine(source, constant(2.0)), source)
    counts = role(script, "count")
    for a, b in itertools.pairwise(counts):
        assert b.start == a.end + GAP


def test_phase_words_that_do_not_fit_the_tempo_give_way_to_it() -> None:
    """ "Twenty-two. Lift." outlasts a one-second phase: rather than stretch some reps and
    not others, the exercise is counted without its phase words, exactly on the tempo."""
    fast = reps("Bridge", 24, tempo=(1.0, 1.0), phases=("Lift", "Lower"))
    source = routine(fast)
    # Up to "Twenty-one. Lift." the words fit; "Twenty-two. Lift." and on do not.
    table = {f"{ENGLISH.count(n)} Lift.": 0.5 for n in range(1, 22)}
    table |= {ENGLISH.count(n): 0.5 for n in range(1, 24)} | {"Last one.": 0.5, "Lower.": 0.5}
    script = clean(compile_routine(source, lengths(table, default=0.9)), source)
    assert role(script, "phase") == []
    counts = role(script, "count")
    assert [c.text for c in counts[:2]] == ["One.", "Two."]
    assert {b.start - a.start for a, b in itertools.pairwise(counts)} == {2 * SECOND}
    # When every rep's words fit, they are all said.
    slow = routine(replace(fast, tempo=(2.0, 2.0)))
    script = clean(compile_routine(slow, lengths(table, default=0.9)), slow)
    assert [c.text for c in role(script, "count")[:2]] == ["One. Lift.", "Two. Lift."]
    assert len(role(script, "phase")) == 24


def test_reps_with_a_hold_at_the_top() -> None:
    source = routine(reps("Bridge", 2, hold=5.0, tempo=(2.0, 2.0), phases=("Lift", "Lower")))
    script = clean(compile_routine(source, constant(0.5)), source)
    work = said(script)[said(script).index("One. Lift.") :]
    # No 3-2-1 in a rep's hold: it would be taken for the rep count.
    per_rep = ["[hold]", "[release]", "Lower."]
    assert work[:9] == ["One. Lift.", *per_rep, "Last one. Lift.", *per_rep, "Well done."]
    holds = [c for c in script.cues if c.sound == "hold"]
    releases = [c for c in script.cues if c.sound == "release"]
    assert [r.start - h.start for h, r in zip(holds, releases, strict=True)] == [5 * SECOND] * 2
    assert holds[0].start == role(script, "count")[0].start + 2 * SECOND


def test_custom_side_labels() -> None:
    source = routine(hold(sides=("front", "back")))
    script = clean(compile_routine(source, constant(0.5)), source)
    assert [c.text for c in role(script, "side")] == ["Front first.", "Switch sides. Back."]
    assert {c.side for c in script.cues if c.role in {"hold", "release"}} == {"front", "back"}


def test_sided_reps_switch_between_sides() -> None:
    source = routine(reps(n=2, sides=("left", "right")))
    script = clean(compile_routine(source, constant(0.5)), source)
    heard = said(script)
    i = heard.index("[switch]")
    # Reps have no 3-2-1, so the new side gets a "get ready" before its first count.
    assert heard[i - 1 : i + 4] == [
        "Last one.",
        "[switch]",
        "Switch sides. Right side.",
        "Get ready.",
        "One.",
    ]
    assert [c.side for c in role(script, "count")] == ["left", "left", "right", "right"]


def test_sets_are_announced_and_rested() -> None:
    source = routine(hold(seconds=10.0, sets=3, set_rest=12.0, sides=("left", "right")))
    script = clean(compile_routine(source, constant(0.5)), source)
    heard = [c.text for c in script.cues if c.role in {"plan", "rest", "set", "side"}]
    assert heard == [
        "3 sets.",
        "Left side first.",
        "Switch sides. Right side.",
        "Rest.",
        "Set 2 of 3.",
        "Left side.",  # "first" is said once, in the first set
        "Switch sides. Right side.",
        "Rest.",
        "Set 3 of 3.",
        "Left side.",
        "Switch sides. Right side.",
    ]
    assert [c.set for c in role(script, "set")] == [2, 3]
    releases = [c for c in script.cues if c.sound == "release"]
    holds = [c for c in script.cues if c.sound == "hold"]
    assert holds[2].start - releases[1].end - GAP == 12 * SECOND


def test_zero_set_rest_still_announces_the_set() -> None:
    source = routine(reps(n=2, sets=2, set_rest=0.0))
    script = clean(compile_routine(source, constant(0.5)), source)
    assert [c.text for c in script.cues if c.role in {"rest", "set"}] == ["Set 2 of 2."]


def test_rounds_are_announced_and_chaptered() -> None:
    source = routine(hold("Bridge", 5.0), reps("Cat-cow", 2), rounds=3)
    script = clean(compile_routine(source, constant(0.5)), source)
    rounds = role(script, "round")
    assert [c.text for c in rounds] == ["Round 1 of 3.", "Round 2 of 3.", "Round 3 of 3."]
    chapters = script.chapters
    assert [(c.title, c.round) for c in chapters] == [
        (title, n) for n in (1, 2, 3) for title in ("Bridge", "Cat-cow")
    ]
    assert chapters[0].start == 0
    assert chapters[2].start == rounds[1].start
    assert chapters[4].start == rounds[2].start
    assert chapters[-1].end == script.length
    # The rest at the end of a round names the exercise that opens the next one.
    assert [c.text for c in role(script, "next-up")] == [
        "Next up: Cat-cow.",
        "Next up: Bridge.",
    ] * 2 + ["Next up: Cat-cow."]


def test_rests_name_the_next_exercise_and_last_has_none() -> None:
    source = routine(hold("Bridge", 5.0, rest=20.0), hold("Plank", 5.0, rest=0.0), hold("Sphinx"))
    script = clean(compile_routine(source, constant(0.5)), source)
    assert [c.text for c in script.cues if c.role in {"rest", "next-up"}] == [
        "Rest.",
        "Next up: Plank.",
    ]
    names = role(script, "name")
    assert names[1].start == only(script, "rest").start + 20 * SECOND
    # No rest after Plank: Sphinx is named right after Plank's release chime.
    release = [c for c in script.cues if c.sound == "release"][1]
    assert names[2].start == release.end + GAP


@pytest.mark.parametrize("seconds", [0.5, 3.0, 5.9])
def test_a_short_rest_leaves_the_next_name_to_say_itself(seconds: float) -> None:
    """ "Rest. Next up: Plank. Plank." would say the name twice in a row: in a rest
    shorter than NEXT_UP_MIN_REST the next exercise is named once, straight after."""
    assert seconds < NEXT_UP_MIN_REST
    source = routine(hold("Bridge", 5.0, rest=seconds), hold("Plank", 5.0))
    script = clean(compile_routine(source, constant(0.5)), source)
    heard = said(script)
    i = heard.index("Rest.")
    assert heard[i : i + 2] == ["Rest.", "Plank."]
    assert role(script, "next-up") == []
    rest, name = only(script, "rest"), role(script, "name")[1]
    assert name.start == max(rest.start + to_samples(seconds), rest.end + GAP)


def test_a_rest_of_six_seconds_says_what_is_next() -> None:
    source = routine(hold("Bridge", 5.0, rest=NEXT_UP_MIN_REST), hold("Plank", 5.0))
    script = clean(compile_routine(source, constant(0.5)), source)
    assert [c.text for c in script.cues if c.role in {"rest", "next-up"}] == [
        "Rest.",
        "Next up: Plank.",
    ]


def test_chapters_start_at_the_name() -> None:
    script = compile_routine(SMALL, constant(0.5))
    names = role(script, "name")
    assert [c.title for c in script.chapters] == ["Cat-cow", "Hip stretch"]
    assert script.chapters[0].start == 0
    assert script.chapters[1].start == names[1].start
    assert script.chapters[0].end == script.chapters[1].start
    assert script.chapters[1].end == script.length


def test_explain_speaks_why_after_the_cue() -> None:
    ex = hold(cue=("Kneel.",), why="It loosens the hips.")
    plain = compile_routine(routine(ex), constant(0.5))
    explained = compile_routine(routine(ex), constant(0.5), options=CompileOptions(explain=True))
    assert "It loosens the hips." not in said(plain)
    heard = said(explained)
    assert heard[heard.index("Kneel.") + 1] == "It loosens the hips."
    assert only(explained, "why").exercise == 0


def test_title_first_then_the_outro_and_done_last() -> None:
    script = compile_routine(SMALL, constant(0.5))
    assert script.cues[0].role == "title" and script.cues[0].start == 0
    assert said(script)[-3:] == ["[release]", "See you tomorrow.", "[done]"]
    assert script.cues[-2].role == "outro"


def test_without_an_outro_the_session_ends_with_well_done() -> None:
    script = compile_routine(routine(hold()), constant(0.5))
    assert said(script)[-3:] == ["[release]", "Well done.", "[done]"]
    assert script.cues[-2].role == "end"


def test_cues_carry_their_place_in_the_routine() -> None:
    source = routine(hold("A", 5.0), hold("B", 5.0, sides=("left", "right"), sets=2), rounds=2)
    script = compile_routine(source, constant(0.5))
    b_holds = [c for c in script.cues if c.sound == "hold" and c.exercise == 1]
    assert [(c.round, c.set, c.side) for c in b_holds] == [
        (rnd, s, side) for rnd in (1, 2) for s in (1, 2) for side in ("left", "right")
    ]
    assert only(script, "title").exercise is None


def test_unknown_language_is_a_user_error() -> None:
    with pytest.raises(VoicecoachError, match="language 'xx'"):
        compile_routine(routine(hold(), language="xx"))


def test_work_without_its_length_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="has no hold"):
        compile_routine(routine(Exercise("Broken", WorkKind.HOLD)))


# -- without a voice: chimes only ------------------------------------------------------


def test_without_a_voice_the_session_is_chimes_only() -> None:
    script = clean(compile_routine(SMALL, no_speech, options=CHIMES_ONLY), SMALL)
    ticks = ["[tick]"] * 3
    assert said(script) == [
        "[next]",
        *ticks,  # reps get a 3-2-1 too: ticks are not taken for counts
        "[count]",  # rep 1, then its second phase
        "[phase]",
        "[last]",  # rep 2, the last one
        "[phase]",
        "[rest]",  # "Rest." (what comes next is the next exercise's own chime)
        "[next]",
        *ticks,
        "[hold]",
        *ticks,
        "[release]",
        "[switch]",
        *ticks,
        "[hold]",
        *ticks,
        "[release]",
        "[done]",
    ]
    assert {c.type for c in script.cues} == {CueType.CHIME}
    assert [c.role for c in script.cues[:6]] == ["name", *["countdown"] * 3, "count", "phase"]


def test_without_a_voice_counts_phases_and_countdowns_sound_different() -> None:
    tones = [TONES["count"], LAST_COUNT_TONE, TONES["phase"], TONES["countdown"]]
    assert len(set(tones)) == 4
    assert set(tones) <= set(sounds.CHIME_SECONDS)
    one = routine(reps("Bridge", 1))
    assert [
        c.sound for c in role(compile_routine(one, no_speech, options=CHIMES_ONLY), "count")
    ] == ["count"]
    three = routine(reps("Bridge", 3, tempo=(1.0, 1.0, 1.0), phases=("Up", "Hold", "Down")))
    script = clean(compile_routine(three, no_speech, options=CHIMES_ONLY), three)
    assert [c.sound for c in role(script, "count")] == ["count", "count", "last"]
    assert [c.sound for c in role(script, "phase")] == ["phase"] * 6


def test_without_a_voice_timings_and_chapters_still_hold() -> None:
    script = compile_routine(SMALL, no_speech, options=CHIMES_ONLY)
    first = role(script, "count")[0]
    assert first.start == script.cues[0].end + GAP + 5 * SECOND
    names = role(script, "name")
    assert script.chapters[1].start == names[1].start
    # The rest keeps its length although nothing is said in it.
    last_phase = role(script, "phase")[-1]
    assert names[1].start == last_phase.start + 3 * SECOND + 10 * SECOND
    holds = [c for c in script.cues if c.sound == "hold"]
    releases = [c for c in script.cues if c.sound == "release"]
    assert [r.start - h.start for h, r in zip(holds, releases, strict=True)] == [20 * SECOND] * 2
    countdown = [c for c in role(script, "countdown") if c.start > holds[0].start]
    assert [releases[0].start - c.start for c in countdown[:3]] == [3 * SECOND, 2 * SECOND, SECOND]


def test_without_a_voice_a_new_set_rings_back_to_the_first_side() -> None:
    source = routine(hold(seconds=5.0, sides=("left", "right"), sets=2), rounds=2)
    script = clean(compile_routine(source, no_speech, options=CHIMES_ONLY), source)
    marks = [c.sound for c in script.cues if c.sound in {"hold", "switch", "next"}]
    per_round = ["next", "hold", "switch", "hold", "switch", "hold", "switch", "hold"]
    assert marks == per_round * 2


def test_without_a_voice_rests_sets_and_rounds_have_their_own_tones() -> None:
    """Every change of state sounds (rule 6, no screen needed): the rest, the set after it,
    the round."""
    source = routine(
        reps("Bridge", 2, sets=2, set_rest=8.0, rest=10.0),
        hold("Stretch", 5.0, sets=2, set_rest=0.0, sides=("left", "right"), rest=0.0),
        rounds=2,
    )
    script = clean(compile_routine(source, no_speech, options=CHIMES_ONLY), source)
    heard = [c.sound for c in script.cues if c.sound not in {"tick", "hold", "release"}]
    bridge = ["next", "count", "last", "rest", "set", "count", "last"]
    stretch = ["next", "switch", "set", "switch", "switch"]
    assert heard == ["set", *bridge, "rest", *stretch, "set", *bridge, "rest", *stretch, "done"]
    assert [(c.role, c.round) for c in script.cues if c.sound == "set"][::3] == [
        ("round", 1),
        ("round", 2),
    ]
    # Each tone is one of a kind: none means two things.
    assert len({TONES[r] for r in ("name", "rest", "set", "count", "phase", "countdown")}) == 6
    # The rest keeps its length: from the rest tone to the next exercise's tone.
    rest = next(c for c in script.cues if c.role == "rest" and c.set is None)
    assert role(script, "name")[1].start == rest.start + 10 * SECOND


def test_without_a_voice_spoken_texts_is_empty() -> None:
    assert spoken_texts(SMALL, CHIMES_ONLY) == []


# -- pressure: short holds, long speech, nothing may collide ----------------------------


def test_a_two_second_hold_keeps_its_chimes_and_no_lone_count() -> None:
    """Only "one" would fit before the release: alone it sounds like a rep count."""
    source = routine(hold(seconds=2.0))
    script = clean(compile_routine(source, constant(0.5)), source)
    h = next(c for c in script.cues if c.sound == "hold")
    r = next(c for c in script.cues if c.sound == "release")
    assert r.start - h.start == 2 * SECOND
    assert [c.text for c in script.cues if h.start < c.start < r.start] == []
    # The lead-in (5 s) has room for all three, so it keeps them.
    assert [c.text for c in role(script, "countdown")] == ["Three.", "Two.", "One."]


def test_a_two_second_hold_with_slow_speech_drops_the_countdown() -> None:
    source = routine(hold(seconds=2.0, sides=("left", "right")))
    script = clean(compile_routine(source, constant(1.5)), source)
    h = next(c for c in script.cues if c.sound == "hold")
    r = next(c for c in script.cues if c.sound == "release")
    assert [c for c in script.cues if h.start < c.start < r.start] == []
    assert [c.text for c in role(script, "side")] == [
        "Left side first.",
        "Switch sides. Right side.",
    ]


def test_a_hold_shorter_than_its_chime_cuts_the_chime() -> None:
    source = routine(hold(seconds=0.3))
    script = clean(compile_routine(source, constant(0.5)), source)
    h = next(c for c in script.cues if c.sound == "hold")
    r = next(c for c in script.cues if c.sound == "release")
    assert r.start - h.start == to_samples(0.3)
    assert h.length < sounds.chime_samples("hold")
    assert h.end <= r.start


@pytest.mark.parametrize(
    ("seconds", "callouts"),
    [
        (30.0, [(15, "Halfway."), (20, "10 seconds left.")]),
        (50.0, [(20, "30 seconds left."), (25, "Halfway."), (40, "10 seconds left.")]),
        (55.0, [(25, "30 seconds left."), (45, "10 seconds left.")]),
        (65.0, [(35, "30 seconds left."), (55, "10 seconds left.")]),
        (
            90.0,
            [
                (30, "1 minute left."),
                (45, "Halfway."),
                (60, "30 seconds left."),
                (80, "10 seconds left."),
            ],
        ),
    ],
)
def test_time_callouts_keep_five_seconds_apart(
    seconds: float, callouts: list[tuple[int, str]]
) -> None:
    """ "30 seconds left." and "Halfway." two seconds later say one thing twice."""
    source = routine(hold(seconds=seconds))
    script = clean(compile_routine(source, constant(0.5)), source)
    start = next(c for c in script.cues if c.sound == "hold").start
    assert [((c.start - start) // SECOND, c.text) for c in role(script, "callout")] == callouts


def test_halfway_gives_way_to_seconds_left() -> None:
    source = routine(hold(seconds=30.0))
    script = clean(compile_routine(source, lengths({"Halfway.": 6.0})), source)
    assert [c.text for c in role(script, "callout")] == ["10 seconds left."]


def test_seconds_left_gives_way_to_the_countdown() -> None:
    source = routine(hold(seconds=30.0))
    script = clean(compile_routine(source, lengths({"10 seconds left.": 7.5})), source)
    assert [c.text for c in role(script, "callout")] == ["Halfway."]
    r = next(c for c in script.cues if c.sound == "release")
    tail = [c.text for c in role(script, "countdown") if c.start > r.start - 4 * SECOND]
    assert tail == ["Three.", "Two.", "One."]


def test_a_countdown_is_whole_or_left_out() -> None:
    """A "two" too long for its second drops the whole 3-2-1, never just part of it."""
    source = routine(hold(seconds=30.0))
    script = clean(compile_routine(source, lengths({"Two.": 1.2})), source)
    assert role(script, "countdown") == []
    assert [c.text for c in role(script, "callout")] == ["Halfway.", "10 seconds left."]


@pytest.mark.parametrize("seconds", [0.5, 1.0, 2.0, 2.9, 3.0, 3.5, 3.8, 4.0, 5.0, 8.0])
@pytest.mark.parametrize("voice", [True, False])
def test_countdowns_are_all_or_nothing_in_any_window(seconds: float, voice: bool) -> None:
    """Lead-ins, switches and holds of every length: each countdown is three, two, one
    a second apart, landing on the work or the release, or there is none."""
    source = routine(
        hold(seconds=seconds, lead_in=seconds, switch=seconds, sides=("left", "right"))
    )
    options = CompileOptions(voice=voice)
    script = clean(compile_routine(source, constant(0.4), options=options), source)
    assert_whole_countdowns(script)
    if seconds >= 5.0:
        assert len(role(script, "countdown")) == 3 * 4  # two lead-ins, two holds


def assert_whole_countdowns(script: CueScript) -> None:
    """Every run of countdown cues is exactly three, a second apart, and the next cue
    (a hold or release chime) starts a second after the last."""
    cues = script.cues
    k = 0
    while k < len(cues):
        if cues[k].role != "countdown":
            k += 1
            continue
        run = list(itertools.takewhile(lambda c: c.role == "countdown", cues[k:]))
        assert len(run) == 3, [c.text or c.sound for c in run]
        assert [c.text for c in run if c.text] in ([], ["Three.", "Two.", "One."])
        after = cues[k + 3]
        assert after.role in {"hold", "release", "count"}
        assert [after.start - c.start for c in run] == [3 * SECOND, 2 * SECOND, SECOND]
        k += 3


def test_a_sixty_word_name_is_spoken_in_full_and_pushes_the_timeline() -> None:
    long_name = " ".join(f"word{k}" for k in range(60))
    source = routine(hold(long_name, 5.0, lead_in=0.0), hold("Next", 5.0))
    script = clean(compile_routine(source), source)
    name = role(script, "name")[0]
    assert name.text == long_name + "."
    assert name.length == estimate_speech_samples(long_name + ".")
    h = next(c for c in script.cues if c.sound == "hold")
    assert h.start == name.end + GAP
    assert only(script, "next-up").text == "Next up: Next."


def test_mandatory_speech_stretches_a_short_lead_in() -> None:
    source = routine(hold(lead_in=1.0, sides=("left", "right")))
    script = clean(compile_routine(source, lengths({"Left side first.": 3.0})), source)
    h = next(c for c in script.cues if c.sound == "hold")
    assert h.start == role(script, "side")[0].end + GAP


def test_zero_rests_and_lead_ins_keep_the_rules() -> None:
    zero = {"lead_in": 0.0, "rest": 0.0, "switch": 0.0, "set_rest": 0.0}
    source = routine(
        hold("A", 1.0, sides=("left", "right"), sets=2, **zero),
        reps("B", 2, hold=0.5, **zero),
        Exercise("C", WorkKind.DURATION, duration=3.0, **zero),  # type: ignore[arg-type]
        rounds=2,
    )
    script = clean(compile_routine(source, constant(0.5)), source)
    assert role(script, "rest") == []


def test_spoken_texts_cover_every_phrase_whatever_the_lengths() -> None:
    source = routine(
        hold("A", 40.0, sides=("left", "right"), sets=2),
        reps("B", 3, hold=4.0, phases=("Up",)),
        rounds=2,
        intro="Hello.",
    )
    texts = set(spoken_texts(source))
    for speech in (constant(0.1), constant(0.5), constant(3.0), estimate_speech_samples):
        script = compile_routine(source, speech)
        assert {c.text for c in script.cues if c.type is CueType.SPEECH} <= texts
    assert {"Three.", "Two.", "One.", "Halfway.", "Get ready."} <= texts


# -- waits ------------------------------------------------------------------------------


def waiting(longest: float | None = 120.0, remind: float = 30.0, **kw: object) -> Exercise:
    wait = Wait(longest, remind)
    return Exercise("Get your band", WorkKind.WAIT, wait=wait, lead_in=0.0, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("live", [False, True])
def test_a_wait_is_a_span_between_its_prompt_and_its_go_chime(live: bool) -> None:
    script = compile_routine(
        routine(waiting(), hold(seconds=10.0)), constant(0.5), options=CompileOptions(live=live)
    )
    assert check_script(script) == []
    (wait,) = script.waits
    assert wait.end - wait.start == to_samples(120.0) and not wait.open
    prompt = next(c for c in script.cues if c.role == "wait")
    assert prompt.end + GAP == wait.start
    (go,) = [c for c in script.cues if c.role == "go"]
    assert go.start == wait.end and go.sound == "next"
    inside = [c for c in script.cues if wait.start <= c.start < wait.end]
    assert [c.role for c in inside] == ["reminder"] * 3  # at 30, 60 and 90 seconds
    assert [c.start - wait.start for c in inside] == [to_samples(s) for s in (30, 60, 90)]
    if live:
        assert prompt.text == "Press play when you are ready."
        assert {c.text for c in inside} == {"Press play when you are ready."}
    else:
        assert prompt.text == "2 minutes left. Pause the player if you need longer."
        assert [c.text for c in inside] == [
            "90 seconds left.",
            "1 minute left.",
            "30 seconds left.",
        ]


def test_an_open_wait_lasts_a_minute_where_nobody_can_press_play() -> None:
    script = compile_routine(routine(waiting(None, remind=0.0), hold(seconds=5.0)), constant(0.5))
    (wait,) = script.waits
    assert wait.open and wait.end - wait.start == to_samples(60.0)
    assert not [c for c in script.cues if wait.start <= c.start < wait.end]  # remind: 0
    data = script.to_dict()["waits"]
    assert data == [
        {
            "at": round(wait.start / SAMPLE_RATE, 6),
            "duration": 60.0,
            "until": "play",
            "longest": None,
            "exercise": 0,
            "round": 1,
        }
    ]


def test_a_script_without_waits_has_no_waits_key() -> None:
    assert "waits" not in compile_routine(routine(hold(seconds=5.0)), constant(0.5)).to_dict()


def test_reps_at_their_own_pace_are_announced_not_counted() -> None:
    own = Exercise("Bridge", WorkKind.REPS, reps=10, wait=Wait(None, 30.0))
    script = compile_routine(routine(own, hold(seconds=5.0)), constant(0.5))
    assert check_script(script) == []
    assert "Ten reps, at your own pace." in said(script)
    assert not [c for c in script.cues if c.role == "count"]
    assert [c.role for c in script.cues if c.role in ("wait", "go")] == ["wait", "go"]


def test_each_side_and_set_of_a_wait_waits() -> None:
    step = waiting(30.0, sides=("left", "right"), sets=2)
    for voice in (True, False):
        script = compile_routine(routine(step), constant(0.5), options=CompileOptions(voice=voice))
        assert check_script(script) == []
        assert len(script.waits) == 4
        assert [(w.set, w.side) for w in script.waits] == [
            (1, "left"), (1, "right"), (2, "left"), (2, "right")
        ]  # fmt: skip


def test_without_a_voice_a_wait_starts_on_the_rest_tone() -> None:
    script = compile_routine(routine(waiting()), constant(0.5), options=CompileOptions(voice=False))
    assert check_script(script) == []
    (prompt,) = [c for c in script.cues if c.role == "wait"]
    assert prompt.type is CueType.CHIME and prompt.sound == "rest"
