"""Where live play waits for the person: the cue script's wait spans, as the player meets them.

A wait (``compile.cuescript.WaitSpan``) is rendered like any other part of the session: its
prompt ("Press play when you are ready"), silence with a reminder now and then, and the
``go`` chime at its end. Live play adds two things, both in script positions:

- **Play goes on.** Space, a media key or MPRIS ``Play`` pressed from the prompt's start to
  the span's end jumps to the end, where the ``go`` chime and the rest of the session are.
- **An open wait waits.** A wait with no longest (``wait: true``) must not run out by
  itself: when the span's last reminder has been heard and less than ``LOOP_BEFORE`` of
  silence is left, play goes back to the span's start, so its reminders come round again.
  A bounded wait simply runs to its end and goes on, as it does in an export.
"""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.compile.cuescript import SAMPLE_RATE, CueScript, WaitSpan

LOOP_BEFORE = 1.0
"""An open wait goes round again this many seconds before its end, in its silence: the
``go`` chime at the end is rendered ahead but never heard (a device's buffer, even a
Bluetooth one, holds far less)."""


@dataclass(frozen=True)
class Waiting:
    """One wait as live play meets it: ``zone`` from the prompt's start to the span's
    end, where play goes on; ``loop_at`` where an open wait goes round again (None for a
    bounded one)."""

    span: WaitSpan
    zone: tuple[int, int]
    loop_at: int | None


def waits(script: CueScript) -> tuple[Waiting, ...]:
    """Every wait of ``script``, in order."""
    found = []
    for span in script.waits:
        before = [cue for cue in script.cues if cue.end <= span.start]
        prompt = before[-1].start if before and before[-1].role == "wait" else span.start
        loop_at = None
        if span.open:
            inside = [c.end for c in script.cues if span.start <= c.start < span.end]
            latest = span.end - round(LOOP_BEFORE * SAMPLE_RATE)
            loop_at = max([latest, *inside])
        found.append(Waiting(span, (prompt, span.end), loop_at))
    return tuple(found)


def waiting_at(found: tuple[Waiting, ...], position: int) -> Waiting | None:
    """The wait whose zone holds ``position``, if any."""
    return next((w for w in found if w.zone[0] <= position < w.zone[1]), None)


__all__ = ["LOOP_BEFORE", "Waiting", "waiting_at", "waits"]
