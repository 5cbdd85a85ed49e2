"""The session's timeline as the player sees it: where the opening may end, where a pause
resumes, where ``n`` and ``b`` land, and the status line's words for a position."""

from __future__ import annotations

import bisect

from voicecoach.compile.cuescript import SAMPLE_RATE, Cue, CueScript
from voicecoach.durations import format_clock

MIN_CUT_GAP = 0.3
"""The opening ends in the middle of a silence at least this long (seconds)."""
OPENING = 10.0
LONGEST_OPENING = 60.0
"""The opening is at least OPENING seconds (the time the program has to load behind the
quick start), cut off at LONGEST_OPENING even without a silence."""


def cut_points(script: CueScript, min_gap: int) -> list[int]:
    """Sample positions in the middle of every silence of at least ``min_gap`` samples."""
    cuts: list[int] = []
    sounding_until = 0
    for cue in script.cues:
        if cue.start - sounding_until >= min_gap:
            cuts.append((sounding_until + cue.start) // 2)
        sounding_until = max(sounding_until, cue.end)
    return cuts


def opening_end(script: CueScript, cuts: list[int]) -> int:
    """Where the opening ends: the first cut at least OPENING seconds in, else the last
    cut before LONGEST_OPENING, else LONGEST_OPENING itself (or the end of a short session)."""
    low = round(OPENING * SAMPLE_RATE)
    high = min(round(LONGEST_OPENING * SAMPLE_RATE), script.length)
    if script.length <= low:
        return script.length
    index = bisect.bisect_left(cuts, low)
    if index < len(cuts) and cuts[index] <= high:
        return cuts[index]
    if high == script.length:
        return script.length
    return cuts[index - 1] if index > 0 and cuts[index - 1] > 0 else high


def resume_point(script: CueScript, position: int) -> int:
    """Where to resume after a pause at ``position``: the start of a cue cut off by the
    pause (so it is heard whole), else the pause position itself."""
    starts = [cue.start for cue in script.cues]
    index = bisect.bisect_right(starts, position) - 1
    while index >= 0:
        cue = script.cues[index]
        if cue.start <= position < cue.end:
            return cue.start
        if cue.end <= position:
            break
        index -= 1
    return position


def chapter_at(script: CueScript, position: int) -> int | None:
    """Index of the chapter being played at ``position`` (the last one begun)."""
    starts = [chapter.start for chapter in script.chapters]
    index = bisect.bisect_right(starts, position) - 1
    return index if index >= 0 else None


def next_chapter_start(script: CueScript, position: int) -> int:
    """Where ``n`` lands: the next exercise's start; after the last, the closing cues."""
    for chapter in script.chapters:
        if chapter.start > position:
            return chapter.start
    closing = len(script.cues)
    while closing > 0 and script.cues[closing - 1].exercise is None:
        closing -= 1
    if closing < len(script.cues) and script.cues[closing].start > position:
        return script.cues[closing].start
    return position


def this_chapter_start(script: CueScript, position: int) -> int:
    """Where ``b`` lands: the start of the exercise under way (or of the session)."""
    index = chapter_at(script, position)
    return script.chapters[index].start if index is not None else 0


def previous_chapter_start(script: CueScript, position: int) -> int:
    """Where a second Previous lands: the start of the exercise before the one at
    ``position`` (or of the session)."""
    index = chapter_at(script, position)
    if index is None or index == 0:
        return 0
    return script.chapters[index - 1].start


def unnamed_landing(script: CueScript, target: int) -> str | None:
    """The exercise a skip to ``target`` lands on, when what plays from there does not
    begin by naming it (an exercise's start does: its name is its first cue)."""
    index = chapter_at(script, target)
    if index is None or target >= script.length:
        return None
    chapter = script.chapters[index]
    if target >= chapter.end:  # the closing cues, after the last exercise
        return None
    first = next((cue for cue in script.cues if cue.start >= target), None)
    if first is not None and first.start == target and first.role == "name":
        return None
    return chapter.title


def where(script: CueScript, position: int) -> list[str]:
    """Where ``position`` is, in words: the exercise, and its side and set when it has
    them; the routine's name before the first exercise and after the end."""
    index = chapter_at(script, position)
    if index is None or position >= script.length:
        return [script.routine_name]
    chapter = script.chapters[index]
    parts = [chapter.title]
    cue = _cue_at(script, position)
    if cue is not None and cue.exercise == chapter.exercise:
        if cue.side:
            parts.append(f"{cue.side} side")
        sets = max(
            (c.set or 1 for c in script.cues if c.exercise == chapter.exercise),
            default=1,
        )
        if cue.set is not None and sets > 1:
            parts.append(f"set {cue.set} of {sets}")
    return parts


def status_text(script: CueScript, position: int, paused: bool = False) -> str:
    """The one-line status: exercise, side, set and time left."""
    parts = where(script, position)
    waiting = next((w for w in script.waits if w.start <= position < w.end), None)
    if waiting is not None and not paused:
        return " - ".join(parts) + " - waiting (space or play to go on)"
    parts.append(f"{format_clock((script.length - position) / SAMPLE_RATE)} left")
    text = " - ".join(parts)
    return f"Paused: {text} (space to go on)" if paused else text


def _cue_at(script: CueScript, position: int) -> Cue | None:
    """The cue under way at ``position``, or the last one before it."""
    starts = [cue.start for cue in script.cues]
    index = bisect.bisect_right(starts, position) - 1
    return script.cues[index] if index >= 0 else None
