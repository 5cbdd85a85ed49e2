"""Routines and cue scripts in words: the text of ``list``, ``show`` and ``script``."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

from voicecoach.compile.cuescript import Cue, CueScript, CueType, WaitSpan, to_seconds
from voicecoach.durations import format_clock, format_duration
from voicecoach.library import Entry
from voicecoach.routine.model import Exercise, Routine, WorkKind
from voicecoach.text import shown

DEFAULT_SIDES = ("left", "right")
WRAP = 88


def describe_work(exercise: Exercise) -> str:
    """The work of one exercise, e.g. ``8 reps, 3 s + 3 s each`` or ``hold 30 s, each side``."""
    if exercise.wait is not None:
        parts = [_describe_wait(exercise)]
    elif exercise.work is WorkKind.REPS:
        reps = exercise.reps or 1
        tempo = " + ".join(format_duration(t) for t in exercise.tempo)
        parts = [f"{reps} rep{'s' if reps != 1 else ''}, {tempo} each"]
        if exercise.phases:
            parts[0] += f" ({shown(' / '.join(exercise.phases))})"
        if exercise.hold:
            parts.append(f"hold {format_duration(exercise.hold)} at the top")
    elif exercise.work is WorkKind.HOLD:
        parts = [f"hold {format_duration(exercise.hold or 0)}"]
    else:
        parts = [f"for {format_duration(exercise.duration or 0)}"]
    if exercise.sides is not None:
        if tuple(exercise.sides) == DEFAULT_SIDES:
            parts.append("each side")
        else:
            parts.append(shown(f"each side ({exercise.sides[0]}, then {exercise.sides[1]})"))
    if exercise.sets > 1:
        parts.append(f"{exercise.sets} sets")
    return ", ".join(parts)


def _describe_wait(exercise: Exercise) -> str:
    """``10 reps at your own pace, then waits for play (up to 2 min)``."""
    assert exercise.wait is not None
    wait = exercise.wait
    what = "waits for play"
    if exercise.work is WorkKind.REPS:
        reps = exercise.reps or 1
        what = f"{reps} rep{'s' if reps != 1 else ''} at your own pace, then waits for play"
    if wait.longest is not None:
        what += f" (up to {format_duration(wait.longest)})"
    if wait.remind > 0:
        what += f", a reminder every {format_duration(wait.remind)}"
    return what


def _wait_line(wait: WaitSpan) -> str:
    """How ``script`` shows a wait: live play holds there until play is pressed."""
    span = format_duration(to_seconds(wait.end - wait.start))
    if wait.open:
        return f"[wait for play; in an export, {span}]"
    return f"[wait for play, up to {span}]"


def wait_notes(script: CueScript) -> list[str]:
    """What an export says of each wait it cannot make: the time it gives instead."""
    titles = {(c.exercise, c.round): c.title for c in script.chapters}
    notes = []
    for wait in script.waits:
        title = shown(titles.get((wait.exercise, wait.round), f"exercise {wait.exercise + 1}"))
        span = format_duration(to_seconds(wait.end - wait.start))
        notes.append(
            f"`{title}` waits for play when played live; this export gives it {span} "
            "(pause the player if you need longer)"
        )
    return list(dict.fromkeys(notes))  # one note an exercise, not one a side or set


def describe_pauses(exercise: Exercise, last: bool) -> str:
    """The pauses around the work; empty when there are none."""
    parts = []
    if exercise.lead_in:
        parts.append(f"{format_duration(exercise.lead_in)} to get ready")
    if exercise.sides is not None and exercise.switch:
        parts.append(f"{format_duration(exercise.switch)} to switch sides")
    if exercise.sets > 1 and exercise.set_rest:
        parts.append(f"{format_duration(exercise.set_rest)} between sets")
    if not last and exercise.rest:
        parts.append(f"{format_duration(exercise.rest)} rest after")
    return ", ".join(parts)


def _para(label: str, text: str, indent: str = "") -> list[str]:
    body = " ".join(text.split())
    return textwrap.wrap(
        f"{label}{body}",
        width=WRAP,
        initial_indent=indent,
        subsequent_indent=indent + ("  " if label else ""),
        break_on_hyphens=False,
    )


def describe_routine(routine: Routine, script: CueScript) -> str:
    """The routine in words for ``show``: what to do, for how long, and why."""
    count = len(routine.exercises)
    summary = f"{count} exercise{'s' if count != 1 else ''}"
    if routine.rounds > 1:
        summary += f", {routine.rounds} rounds"
    summary += f", {format_clock(script.duration)} in all"
    if routine.language != "en":
        summary += f"; language: {routine.language}"
    lines = [shown(f"{routine.name} ({routine.id})"), summary]
    if routine.description:
        lines += _para("", routine.description)
    if routine.intro:
        lines += ["", *_para("Intro: ", routine.intro)]
    for index, exercise in enumerate(routine.exercises):
        lines += ["", shown(f"{index + 1}. {exercise.name}"), f"   {describe_work(exercise)}"]
        if exercise.cue:
            lines += _para("Cue: ", " ".join(exercise.cue), "   ")
        if exercise.why:
            lines += _para("Why: ", exercise.why, "   ")
        pauses = describe_pauses(exercise, last=index == count - 1)
        if pauses:
            lines += _para("Pauses: ", pauses, "   ")
    if routine.outro:
        lines += ["", *_para("Outro: ", routine.outro)]
    return "\n".join(lines) + "\n"


def format_timeline(script: CueScript) -> str:
    """The cue script for people: ``m:ss.s  text`` lines, grouped by chapter.

    A cue belongs to the chapter of its exercise and round, so the title and intro stand
    before the first heading and the outro after the last group; a script whose cues carry
    no exercise is grouped by chapter start instead.
    """
    rounds = max((c.round for c in script.chapters), default=1)
    headings: dict[tuple[int, int], str] = {}
    for chapter in script.chapters:
        heading = shown(f"{chapter.exercise + 1}. {chapter.title}")
        if rounds > 1:
            heading += f" (round {chapter.round} of {rounds})"
        headings.setdefault((chapter.exercise, chapter.round), heading)
    by_context = any(cue.exercise is not None for cue in script.cues)

    def group(cue: Cue) -> tuple[int, int] | None:
        if by_context:
            return None if cue.exercise is None else (cue.exercise, cue.round or 1)
        started = [c for c in script.chapters if c.start <= cue.start]
        return (started[-1].exercise, started[-1].round) if started else None

    stamps = [format_clock(to_seconds(c.start), 1) for c in script.cues]
    end = format_clock(script.duration, 1)
    width = max(len(s) for s in [*stamps, end])
    lines = [shown(script.routine_name)]
    current: object = object()
    waits = list(script.waits)
    for cue, stamp in zip(script.cues, stamps, strict=True):
        key = group(cue)
        if key != current:
            lines.append("")
            if key is not None and key in headings:
                lines.append(headings[key])
            current = key
        while waits and waits[0].start <= cue.start:
            wait = waits.pop(0)
            lines.append(f"{format_clock(to_seconds(wait.start), 1):>{width}}  {_wait_line(wait)}")
        what = f"[chime {cue.sound}]" if cue.type is CueType.CHIME else " ".join(cue.text.split())
        lines.append(f"{stamp:>{width}}  {what}")
    lines += ["", f"{end:>{width}}  [end]"]
    return "\n".join(lines) + "\n"


def format_entries(entries: Sequence[Entry], user_dir: Path) -> str:
    """The ``list`` table, an invalid entry followed by its first error."""
    header = ("ID", "NAME", "LENGTH", "EXERCISES", "SOURCE")
    rows: list[tuple[tuple[str, ...], str | None]] = []
    for e in entries:
        source = "user, overrides shipped" if e.overrides else e.source.value
        if e.problem is not None:
            rows.append(((shown(e.id), "(invalid)", "-", "-", source), shown(e.problem)))
        else:
            length = format_clock(to_seconds(e.length or 0))
            rows.append(
                ((shown(e.id), shown(e.name or ""), length, str(e.exercises), source), None)
            )
    widths = [max(len(r[i]) for r in [header, *(row for row, _ in rows)]) for i in range(5)]

    def line(cells: tuple[str, ...]) -> str:
        return (
            f"{cells[0]:<{widths[0]}}  {cells[1]:<{widths[1]}}  {cells[2]:>{widths[2]}}  "
            f"{cells[3]:>{widths[3]}}  {cells[4]}"
        )

    lines = [line(header)] if rows else ["No routines found."]
    for cells, problem in rows:
        lines.append(line(cells))
        if problem is not None:
            lines.append(f"    {problem}")
    lines += ["", f"Your own routines go in {user_dir}"]
    return "\n".join(lines) + "\n"
