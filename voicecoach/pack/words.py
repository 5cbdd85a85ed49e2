"""A routine in the words a patient reads on paper: each exercise's dosage ("hold 30 s,
each side, 2 sets"), the session's length ("about 12 minutes") and how often to do it
("4 times a week"). The handout and the session page say them the same way.

Shorter than ``voicecoach.describe`` (the terminal's ``show``): no tempo, no pauses, since
the voice times those; only what a person needs to know before they start."""

from __future__ import annotations

import math
import re

from voicecoach.durations import format_duration
from voicecoach.routine.model import Exercise, WorkKind

_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """``text`` without the characters an HTML or XML document may not hold (C0 controls
    but tab and line ends, DEL, lone surrogates, U+FFFE and U+FFFF)."""
    return _UNPRINTABLE.sub("", text)


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def _work(exercise: Exercise) -> str:
    """The work of one side in one set."""
    wait = exercise.wait
    if exercise.work is WorkKind.WAIT:
        if wait is not None and wait.longest is not None:
            return f"a pause of up to {format_duration(wait.longest)}"
        return "a pause, as long as you need"
    if exercise.work is WorkKind.HOLD:
        return f"hold {format_duration(exercise.hold or 0.0)}"
    if exercise.work is WorkKind.DURATION:
        return format_duration(exercise.duration or 0.0)
    reps = _count(exercise.reps or 1, "rep")
    if wait is not None:
        reps += " at your own pace"
    if exercise.hold:
        reps += f", holding {format_duration(exercise.hold)} at the top"
    return reps


def dosage(exercise: Exercise) -> str:
    """How much of the exercise to do: ``hold 30 s, each side, 2 sets``, ``10 reps``,
    ``2 min``, ``8 reps, holding 3 s at the top``, ``a pause of up to 3 min``."""
    parts = [_work(exercise)]
    if exercise.sides is not None:
        parts.append("each side")
    if exercise.sets > 1:
        parts.append(_count(exercise.sets, "set"))
    return ", ".join(parts)


def session_length(seconds: float) -> str:
    """A session's length as people say it: ``about 12 minutes``, ``about 1 minute``,
    ``under a minute``, ``about 1 hour 5 minutes``."""
    if not math.isfinite(seconds):
        return "many hours"
    if seconds < 30:
        return "under a minute"
    minutes = max(1, round(seconds / 60))
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"about {_count(minutes, 'minute')}"
    text = f"about {_count(hours, 'hour')}"
    return f"{text} {_count(minutes, 'minute')}" if minutes else text


def how_often(weekly_target: int) -> str:
    """The weekly target in words: ``once a week``, ``twice a week``, ``4 times a week``."""
    if weekly_target == 1:
        return "once a week"
    if weekly_target == 2:
        return "twice a week"
    return f"{weekly_target} times a week"


def rounds_text(rounds: int) -> str:
    """What a routine's ``rounds`` asks, or ``""`` for one round: ``the whole list 3 times``."""
    if rounds <= 1:
        return ""
    return "the whole list twice" if rounds == 2 else f"the whole list {rounds} times"


__all__ = ["dosage", "how_often", "printable", "rounds_text", "session_length"]
