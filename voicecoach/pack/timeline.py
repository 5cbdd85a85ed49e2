"""The session as a picture: where the work, the holds, the side switches, the rests and
the waits fall, read from the cue script (its chapters, the cues' roles and contexts) and
drawn as an inline SVG for the session page. Everything not marked is talk: the title,
the intro, each exercise's name and cue, getting ready."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from voicecoach.compile.cuescript import Chapter, Cue, CueScript
from voicecoach.durations import format_clock
from voicecoach.routine.model import Exercise, Routine, WorkKind


class Kind(str, enum.Enum):
    WORK = "work"
    HOLD = "hold"
    SWITCH = "switch"
    REST = "rest"
    WAIT = "wait"


LEGEND: dict[str, str] = {
    "talk": "instructions",
    Kind.WORK.value: "reps or timed work",
    Kind.HOLD.value: "hold",
    Kind.SWITCH.value: "switch sides",
    Kind.REST.value: "rest",
    Kind.WAIT.value: "waits for you",
}
"""Each colour of the picture, in words (the page's legend)."""

_STARTS_WORK = frozenset({"hold", "count", "own-pace", "wait"})
_ENDS_WORK = frozenset({"switch", "rest", "set", "side", "next-up", "round"})


@dataclass(frozen=True)
class Span:
    """One stretch of the session, in samples; ``second_side``: on the second side."""

    kind: Kind
    start: int
    end: int
    second_side: bool = False


def _work_kind(exercise: Exercise) -> Kind:
    if exercise.wait is not None:
        return Kind.WAIT
    return Kind.HOLD if exercise.work is WorkKind.HOLD else Kind.WORK


def _second(exercise: Exercise, side: str | None) -> bool:
    return exercise.sides is not None and side == exercise.sides[1]


def _chapter_spans(chapter: Chapter, exercise: Exercise, cues: Sequence[Cue]) -> list[Span]:
    """The work, switches and rests of one chapter, in order."""
    spans: list[Span] = []
    kind = _work_kind(exercise)
    ends_on_release = kind is not Kind.WORK or exercise.work is WorkKind.DURATION
    working: Cue | None = None  # the cue the current work began with
    pause: tuple[Kind, int] | None = None  # a switch or rest running until the next work

    def close_pause(at: int) -> None:
        nonlocal pause
        if pause is not None and at > pause[1]:
            spans.append(Span(pause[0], pause[1], at))
        pause = None

    for cue in cues:
        if working is not None:
            context_changed = (cue.side, cue.set) != (working.side, working.set)
            if ends_on_release and cue.role == "release" and kind is not Kind.WAIT:
                spans.append(Span(kind, working.start, cue.end, _second(exercise, working.side)))
                working = None
                continue
            if kind is Kind.WAIT and cue.role == "go":
                spans.append(Span(kind, working.start, cue.end, _second(exercise, working.side)))
                working = None
                continue
            if context_changed or cue.role in _ENDS_WORK:
                spans.append(Span(kind, working.start, cue.start, _second(exercise, working.side)))
                working = None
            else:
                continue
        if cue.role in _STARTS_WORK:
            close_pause(cue.start)
            working = cue
        elif cue.role == "switch":
            close_pause(cue.start)
            pause = (Kind.SWITCH, cue.start)
        elif cue.role == "rest":
            close_pause(cue.start)
            pause = (Kind.REST, cue.start)
    if working is not None:
        spans.append(Span(kind, working.start, chapter.end, _second(exercise, working.side)))
    close_pause(chapter.end)
    return spans


def timeline(routine: Routine, script: CueScript) -> list[Span]:
    """Every marked stretch of the session, in order (see the module's docstring)."""
    spans: list[Span] = []
    for chapter in script.chapters:
        cues = [
            cue
            for cue in script.cues
            if cue.exercise == chapter.exercise
            and (cue.round or 1) == chapter.round
            and chapter.start <= cue.start < chapter.end
        ]
        if 0 <= chapter.exercise < len(routine.exercises):
            spans += _chapter_spans(chapter, routine.exercises[chapter.exercise], cues)
    return spans


WIDTH = 1000
"""The picture's width in its own units; it is drawn as wide as the page."""


def _x(samples: int, length: int) -> str:
    return f"{WIDTH * samples / max(1, length):.2f}"


def _w(start: int, end: int, length: int) -> str:
    return f"{max(0.5, WIDTH * (end - start) / max(1, length)):.2f}"


def timeline_svg(routine: Routine, script: CueScript, spans: Sequence[Span]) -> str:
    """The picture of ``spans`` (``timeline``): a row of chapters (one block each, in turn
    dark and light) over a row of the session's stretches, second sides striped, and a
    play head the page moves."""
    length = script.length
    count = len(routine.exercises)
    label = (
        f"Timeline of the session: {count} exercise{'s' if count != 1 else ''}, "
        f"{format_clock(script.duration)} in all"
    )
    parts = [
        f'<svg id="timeline" viewBox="0 0 {WIDTH} 100" preserveAspectRatio="none" '
        f'role="img" aria-label="{escape(label)}" focusable="false">',
        '<defs><pattern id="second-side" width="12" height="12" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="5" height="12" class="stripe"/></pattern>'
        "</defs>",
        f'<rect class="talk" x="0" y="26" width="{WIDTH}" height="74"/>',
    ]
    for number, chapter in enumerate(script.chapters):
        shade = "odd" if number % 2 else "even"
        parts.append(
            f'<rect class="chapter {shade}" x="{_x(chapter.start, length)}" y="0" '
            f'width="{_w(chapter.start, chapter.end, length)}" height="20">'
            f"<title>{escape(f'{number + 1}. {chapter.title}')}</title></rect>"
        )
    for span in spans:
        x, w = _x(span.start, length), _w(span.start, span.end, length)
        parts.append(f'<rect class="{span.kind.value}" x="{x}" y="26" width="{w}" height="74"/>')
        if span.second_side:
            parts.append(f'<rect fill="url(#second-side)" x="{x}" y="26" width="{w}" height="74"/>')
    parts.append(
        '<line id="playhead" x1="0" x2="0" y1="0" y2="100" vector-effect="non-scaling-stroke"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def legend_html(spans: Sequence[Span]) -> str:
    """The colours the picture of ``spans`` shows, in words."""
    shown = {"talk"} | {span.kind.value for span in spans}
    items = [
        f'<li><span class="swatch {kind}" aria-hidden="true"></span>{escape(words)}</li>'
        for kind, words in LEGEND.items()
        if kind in shown
    ]
    if any(span.second_side for span in spans):
        items.append(
            '<li><span class="swatch work striped" aria-hidden="true"></span>second side</li>'
        )
    return f'<ul class="legend">{"".join(items)}</ul>'


__all__ = ["LEGEND", "Kind", "Span", "legend_html", "timeline", "timeline_svg"]
