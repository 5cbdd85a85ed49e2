"""Placing cues on one timeline: a cursor, each sound's length asked once, and call-outs
placed only where they fit, the most important first.

``voicecoach.compile.compiler`` builds a session on it: what is said, and when.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from voicecoach.compile.cuescript import SAMPLE_RATE, Cue, CueType, to_samples
from voicecoach.compile.phrases import Phrases, sentence

SECOND = SAMPLE_RATE
GAP = to_samples(0.15)
"""Silence kept between consecutive cues wherever the timeline allows it."""

# Call-out thresholds: a hold gets each call-out only when it is at least this long.
SECONDS_LEFT_AFTER = 15 * SECOND
THIRTY_LEFT_AFTER = 50 * SECOND
HALFWAY_AFTER = 30 * SECOND
MINUTES_LEFT_MARGIN = 30 * SECOND
"""A "minutes left" call-out needs this much of the hold before it."""
CALLOUT_SPACING = 5 * SECOND
"""Time call-outs start at least this far apart: "30 seconds left" and "Halfway" two
seconds later say the same thing twice, so the less important one gives way."""

# Drop order under pressure: a higher number gives way first.
_PRIORITY_COUNTDOWN = 0  # placed first, and whole or not at all
_PRIORITY_TEN_LEFT = 10
_PRIORITY_THIRTY_LEFT = 11
_PRIORITY_MINUTES_LEFT = 12
_PRIORITY_HALFWAY = 13
_PRIORITY_GET_READY = 20

TONES: dict[str, str] = {
    "name": "next",
    "count": "count",
    "phase": "phase",
    "countdown": "tick",
    "rest": "rest",
    "set": "set",
    "round": "set",
    "wait": "rest",
}
"""Without a voice, the roles that still sound, and the chime each becomes; every other
spoken role (the texts, "get ready", time call-outs) is left out. Side changes keep their
``switch`` chime, holds their chimes. A count, a phase and a countdown each get their own
tone, so a listener can still tell a new rep from the second half of one, and both from
the seconds running out; a rest, a new set (or round) and a new exercise are told apart
the same way, so every change of state still sounds (no screen needed)."""


@dataclass(frozen=True)
class Ctx:
    """Where in the routine a cue belongs (copied onto the cue)."""

    exercise: int | None = None
    round: int | None = None
    side: str | None = None
    set: int | None = None


@dataclass(frozen=True)
class Say:
    """A mandatory utterance or chime in a window (``sound`` set means a chime)."""

    role: str
    text: str = ""
    sound: str = ""


@dataclass(frozen=True)
class Wanted:
    """A call-out that is placed at ``start`` only if it fits there."""

    priority: int
    start: int
    text: str
    role: str


class Placer:
    """Places cues with a cursor ``t``: the next free sample (last end + gap)."""

    def __init__(
        self,
        phrases: Phrases,
        speech: Callable[[str], int],
        chimes: Callable[[str], int],
        voice: bool,
    ) -> None:
        self.phrases = phrases
        self.voice = voice
        self._speech = speech
        self._chimes = chimes
        self._speech_cache: dict[str, int] = {}
        self._chime_cache: dict[str, int] = {}
        self.cues: list[Cue] = []
        self.t = 0

    # -- lengths ----------------------------------------------------------------------

    def speech_len(self, text: str) -> int:
        length = self._speech_cache.get(text)
        if length is None:
            length = max(1, int(self._speech(text)))
            self._speech_cache[text] = length
        return length

    def chime_len(self, sound: str) -> int:
        length = self._chime_cache.get(sound)
        if length is None:
            length = max(1, int(self._chimes(sound)))
            self._chime_cache[sound] = length
        return length

    # -- placing ----------------------------------------------------------------------

    def _add(self, cue: Cue) -> Cue:
        self.cues.append(cue)
        return cue

    def speech_cue(self, start: int, text: str, role: str, ctx: Ctx) -> Cue:
        return Cue(
            start,
            self.speech_len(text),
            CueType.SPEECH,
            text=text,
            role=role,
            exercise=ctx.exercise,
            round=ctx.round,
            side=ctx.side,
            set=ctx.set,
        )

    def chime_cue(self, start: int, sound: str, role: str, ctx: Ctx, length: int = 0) -> Cue:
        return Cue(
            start,
            length or self.chime_len(sound),
            CueType.CHIME,
            sound=sound,
            role=role,
            exercise=ctx.exercise,
            round=ctx.round,
            side=ctx.side,
            set=ctx.set,
        )

    def say(self, text: str, role: str, ctx: Ctx, tone: str | None = None) -> Cue | None:
        """Speak ``text`` at the cursor and move the cursor past it (without a voice, ring
        ``tone`` or the role's tone instead, or nothing)."""
        if not self.voice:
            tone = tone or TONES.get(role)
            return self.ring(tone, role, ctx) if tone else None
        cue = self._add(self.speech_cue(self.t, text, role, ctx))
        self.t = cue.end + GAP
        return cue

    def ring(self, sound: str, role: str, ctx: Ctx) -> Cue:
        cue = self._add(self.chime_cue(self.t, sound, role, ctx))
        self.t = cue.end + GAP
        return cue

    def fill(self, lo: int, hi: int, wanted: Iterable[Wanted], ctx: Ctx) -> list[Cue]:
        """Place the call-outs that fit in [lo, hi) with a gap around each, most important
        first; the rest are dropped. A countdown is all or nothing: "three, two, one" in
        full, or silence (a lone "one" before a chime sounds like a rep count)."""
        taken: list[Cue] = []
        countdown: list[Cue] = []
        others: list[tuple[int, Cue]] = []
        for item in wanted:
            if self.voice:
                # The phrase's length is asked even if it is dropped: see compiler.spoken_texts().
                cue = self.speech_cue(item.start, item.text, item.role, ctx)
            elif item.role in TONES:
                cue = self.chime_cue(item.start, TONES[item.role], item.role, ctx)
            else:
                continue
            if item.role == "countdown":
                countdown.append(cue)
            else:
                others.append((item.priority, cue))
        if countdown and all(
            self._fits(cue, lo, hi, countdown[:k]) for k, cue in enumerate(countdown)
        ):
            taken.extend(self._add(cue) for cue in countdown)
        for _, cue in sorted(others, key=lambda pair: pair[0]):
            crowded = cue.role == "callout" and any(
                c.role == "callout" and abs(c.start - cue.start) < CALLOUT_SPACING for c in taken
            )
            if not crowded and self._fits(cue, lo, hi, taken):
                taken.append(self._add(cue))
        return taken

    @staticmethod
    def _fits(cue: Cue, lo: int, hi: int, taken: Sequence[Cue]) -> bool:
        """Whether ``cue`` lies in [lo, hi) with a gap before ``hi`` and around each cue
        already taken."""
        if cue.start < lo or cue.end + GAP > hi:
            return False
        return not any(cue.end + GAP > c.start and c.end + GAP > cue.start for c in taken)

    # -- windows ----------------------------------------------------------------------

    def approach(
        self,
        minimum: float,
        mandatory: Sequence[Say],
        ctx: Ctx,
        countdown: bool,
        ready: bool,
    ) -> int:
        """A window before work: at least ``minimum`` seconds, stretched to hold its
        mandatory speech; it ends exactly where the work starts (returned, and the cursor).

        A 3-2-1 (for timed work) lands its "one" in the last second; "get ready" goes just
        before the countdown when there is room.
        """
        start = self.t
        for item in mandatory:
            if item.sound:
                self.ring(item.sound, item.role, ctx)
            else:
                self.say(item.text, item.role, ctx)
        lo = self.t
        work = max(start + to_samples(minimum), lo)
        placed: list[Cue] = []
        if countdown:
            placed = self.fill(
                lo,
                work,
                (
                    Wanted(
                        _PRIORITY_COUNTDOWN,
                        work - k * SECOND,
                        self.phrases.count(k),
                        "countdown",
                    )
                    for k in (1, 2, 3)
                ),
                ctx,
            )
        if ready and self.voice:
            text = sentence(self.phrases.get_ready)
            before = min((c.start for c in placed), default=work - SECOND // 2)
            self.fill(
                lo,
                before,
                (
                    Wanted(
                        _PRIORITY_GET_READY,
                        before - self.speech_len(text) - GAP,
                        text,
                        "get-ready",
                    ),
                ),
                ctx,
            )
        self.t = work
        return work

    def timed(self, seconds: float, ctx: Ctx, countdown: bool = True) -> None:
        """A hold (or timed work) at the cursor: ``hold`` chime, exactly ``seconds``, then
        the ``release`` chime, with only time call-outs between them.

        The hold at the top of a rep gets no 3-2-1: its numbers would be taken for the
        rep count that follows."""
        start = self.t
        span = max(1, to_samples(seconds))
        release = start + span
        # A hold shorter than its chime gets the chime cut short; the two never overlap.
        hold_len = min(self.chime_len("hold"), max(span - GAP, (span + 1) // 2))
        hold = self._add(self.chime_cue(start, "hold", "hold", ctx, hold_len))
        wanted = self._time_callouts(span, release, countdown)
        self.fill(hold.end + GAP, release, wanted, ctx)
        self.t = release
        self.ring("release", "release", ctx)

    def _time_callouts(self, span: int, release: int, countdown: bool) -> list[Wanted]:
        p = self.phrases
        wanted = [
            Wanted(_PRIORITY_COUNTDOWN, release - k * SECOND, p.count(k), "countdown")
            for k in ((1, 2, 3) if countdown else ())
        ]
        if span >= SECONDS_LEFT_AFTER:
            wanted.append(
                Wanted(_PRIORITY_TEN_LEFT, release - 10 * SECOND, p.time_left(10), "callout")
            )
        if span >= THIRTY_LEFT_AFTER:
            wanted.append(
                Wanted(_PRIORITY_THIRTY_LEFT, release - 30 * SECOND, p.time_left(30), "callout")
            )
        minutes = 1
        while span - minutes * 60 * SECOND >= MINUTES_LEFT_MARGIN:
            wanted.append(
                Wanted(
                    _PRIORITY_MINUTES_LEFT,
                    release - minutes * 60 * SECOND,
                    p.time_left(minutes * 60),
                    "callout",
                )
            )
            minutes += 1
        if span >= HALFWAY_AFTER:
            wanted.append(
                Wanted(
                    _PRIORITY_HALFWAY,
                    release - span + span // 2,
                    sentence(p.halfway),
                    "callout",
                )
            )
        return wanted
