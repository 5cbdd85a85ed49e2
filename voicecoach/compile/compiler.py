"""The compiler: a Routine becomes a cue script, every sound placed to the sample.

The session is one timeline built with a cursor, for a listener lying on the floor with
closed eyes. Each exercise is named, explained, given a lead-in that ends exactly where
the work starts, then worked: reps counted to the tempo, holds and timed work framed by
``hold`` and ``release`` chimes exactly the given time apart. Speech that must be heard
(names, sides, counts) pushes the timeline; call-outs that merely help (halfway, seconds
left, countdowns, "get ready") are placed only where they fit, so nothing ever overlaps.

The timing rules every compiled session keeps (the routine format's contract, "What a
session sounds like" in docs/routine-format.md); ``check_script`` checks them and each of
its messages starts with the rule's name:

1. **no overlap**: nothing talks over anything; each cue ends before the next begins.
2. **exact holds**: a hold of H seconds runs from the onset of its ``hold`` chime to the
   onset of its ``release`` chime exactly H seconds later, with only time guidance
   (halfway, seconds left, a final count) between them.
3. **sides announced**: between the two sides of a set, a ``switch`` chime, then speech
   naming the side now starting.
4. **named first**: every exercise is named before its work begins and begins a chapter
   titled with its name.
5. **end marked**: a ``done`` chime follows the last piece of work, and nothing after it.
6. **no screen needed**: every change of state (work, each rep, side, set, rest, round,
   the next exercise, the end) is announced by voice, or without a voice by its chime.

Roles of the cues (``Cue.role``): ``title``, ``intro``, ``round``, ``name``, ``cue``,
``why``, ``plan``, ``side``, ``get-ready``, ``countdown``, ``hold``, ``release``,
``callout``, ``count``, ``phase``, ``switch``, ``set``, ``rest``, ``next-up``, ``end``,
``outro``, ``done``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from voicecoach.audio import sounds
from voicecoach.compile.cuescript import SAMPLE_RATE, Chapter, Cue, CueScript, CueType, to_samples
from voicecoach.compile.phrases import ENGLISH, Phrases, phrases_for, sentence
from voicecoach.routine.model import Exercise, Routine, WorkKind

# The timing rules' names (see the module's docstring), which start check_script's messages.
NO_OVERLAP = "no overlap (rule 1)"
EXACT_HOLDS = "exact holds (rule 2)"
SIDES_ANNOUNCED = "sides announced (rule 3)"
NAMED_FIRST = "named first (rule 4)"
END_MARKED = "end marked (rule 5)"
NO_SCREEN = "no screen needed (rule 6)"

SpeechTimer = Callable[[str], int]
"""Phrase text -> its spoken length in samples."""

ChimeTimer = Callable[[str], int]
"""Chime name -> its length in samples."""

SECOND = SAMPLE_RATE
GAP = to_samples(0.15)
"""Silence kept between consecutive cues wherever the timeline allows it."""
NEXT_UP_MIN_REST = 6.0
"""A rest says "Next up: ..." only if it lasts at least this many seconds. In a shorter
rest the next exercise's name follows "Rest." at once anyway, and saying it twice in a row
("Next up: Knee to chest. Knee to chest.") sounds like a stutter."""

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

# espeak-ng's default voice (175 words a minute), fitted by least squares on relative error
# over 125 phrases and sentences: a fixed part (its leading and trailing silence), a part
# per letter and per vowel group, and the pauses it makes at commas and full stops.
_EST_BASE = 9350
_EST_PER_LETTER = 1026
_EST_PER_SYLLABLE = 990
_EST_PER_COMMA = 4920
_EST_PER_STOP = 8825

_WORD = re.compile(r"[^\W\d_]+|\d+")
_VOWEL_GROUP = re.compile(r"[aeiouyäöüáéíóúàèìòùâêîôûåæøœ]+", re.IGNORECASE)
_STOP = re.compile(r"[.!?;:…]+(?=\s)")
_COMMA = re.compile(r"[,—–]|\s-\s")
_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


@dataclass(frozen=True)
class CompileOptions:
    """How to compile: ``explain`` also speaks each exercise's ``why``; ``voice=False``
    gives a session of chimes only (see ``TONES``)."""

    explain: bool = False
    voice: bool = True


TONES: dict[str, str] = {
    "name": "next",
    "count": "count",
    "phase": "phase",
    "countdown": "tick",
    "rest": "rest",
    "set": "set",
    "round": "set",
}
"""Without a voice, the roles that still sound, and the chime each becomes; every other
spoken role (the texts, "get ready", time call-outs) is left out. Side changes keep their
``switch`` chime, holds their chimes. A count, a phase and a countdown each get their own
tone, so a listener can still tell a new rep from the second half of one, and both from
the seconds running out; a rest, a new set (or round) and a new exercise are told apart
the same way, so every change of state still sounds (rule 6, no screen needed)."""

LAST_COUNT_TONE = "last"
"""Without a voice, the last rep of several is counted with this tone ("Last one")."""


def _number_words(digits: str) -> str:
    """Digits as the words a voice would say (English, for estimating only)."""
    n = int(digits)
    if 1 <= n <= 100:
        return ENGLISH.number(n)
    return " ".join(_DIGITS[int(d)] for d in digits)


def _word_units(word: str) -> tuple[int, int]:
    """(letters, vowel groups) of one word; a silent final ``e`` is not a syllable."""
    lower = word.lower()
    groups = len(_VOWEL_GROUP.findall(lower))
    if groups > 1 and lower.endswith("e") and not lower.endswith(("le", "ee", "ye")):
        groups -= 1
    return len(word), max(1, groups)


def estimate_speech_samples(text: str) -> int:
    """How long espeak-ng's default voice takes to say ``text``, in samples.

    Stands in for the real voice when none is installed. Measured against espeak-ng it
    is within about 20 % for phrases and sentences alike.
    """
    letters = syllables = 0
    for word in _WORD.findall(text):
        if word.isdigit():
            for spoken in _WORD.findall(_number_words(word)):
                w_letters, w_syllables = _word_units(spoken)
                letters += w_letters
                syllables += w_syllables
        else:
            w_letters, w_syllables = _word_units(word)
            letters += w_letters
            syllables += w_syllables
    body = text.strip().rstrip(".!?…")
    stops = len(_STOP.findall(body))
    commas = len(_COMMA.findall(body))
    return (
        _EST_BASE
        + _EST_PER_LETTER * letters
        + _EST_PER_SYLLABLE * syllables
        + _EST_PER_COMMA * commas
        + _EST_PER_STOP * stops
    )


@dataclass(frozen=True)
class _Ctx:
    """Where in the routine a cue belongs (copied onto the cue)."""

    exercise: int | None = None
    round: int | None = None
    side: str | None = None
    set: int | None = None


@dataclass(frozen=True)
class _Say:
    """A mandatory utterance or chime in a window (``sound`` set means a chime)."""

    role: str
    text: str = ""
    sound: str = ""


@dataclass(frozen=True)
class _Optional:
    """A call-out that is placed at ``start`` only if it fits there."""

    priority: int
    start: int
    text: str
    role: str


class _Timeline:
    """Builds the cue list with a cursor ``t``: the next free sample (last end + gap)."""

    def __init__(
        self,
        routine: Routine,
        speech: SpeechTimer,
        chimes: ChimeTimer,
        options: CompileOptions,
    ) -> None:
        self.routine = routine
        self.phrases: Phrases = phrases_for(routine.language)
        self.options = options
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

    def speech_cue(self, start: int, text: str, role: str, ctx: _Ctx) -> Cue:
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

    def chime_cue(self, start: int, sound: str, role: str, ctx: _Ctx, length: int = 0) -> Cue:
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

    def say(self, text: str, role: str, ctx: _Ctx, tone: str | None = None) -> Cue | None:
        """Speak ``text`` at the cursor and move the cursor past it (without a voice, ring
        ``tone`` or the role's tone instead, or nothing)."""
        if not self.options.voice:
            tone = tone or TONES.get(role)
            return self.ring(tone, role, ctx) if tone else None
        cue = self._add(self.speech_cue(self.t, text, role, ctx))
        self.t = cue.end + GAP
        return cue

    def ring(self, sound: str, role: str, ctx: _Ctx) -> Cue:
        cue = self._add(self.chime_cue(self.t, sound, role, ctx))
        self.t = cue.end + GAP
        return cue

    def fill(self, lo: int, hi: int, wanted: Iterable[_Optional], ctx: _Ctx) -> list[Cue]:
        """Place the call-outs that fit in [lo, hi) with a gap around each, most important
        first; the rest are dropped. A countdown is all or nothing: "three, two, one" in
        full, or silence (a lone "one" before a chime sounds like a rep count)."""
        taken: list[Cue] = []
        countdown: list[Cue] = []
        others: list[tuple[int, Cue]] = []
        for item in wanted:
            if self.options.voice:
                # The phrase's length is asked even if it is dropped: see spoken_texts().
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
        mandatory: Sequence[_Say],
        ctx: _Ctx,
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
                    _Optional(
                        _PRIORITY_COUNTDOWN,
                        work - k * SECOND,
                        self.phrases.count(k),
                        "countdown",
                    )
                    for k in (1, 2, 3)
                ),
                ctx,
            )
        if ready and self.options.voice:
            text = sentence(self.phrases.get_ready)
            before = min((c.start for c in placed), default=work - SECOND // 2)
            self.fill(
                lo,
                before,
                (
                    _Optional(
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

    def timed(self, seconds: float, ctx: _Ctx, countdown: bool = True) -> None:
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

    def _time_callouts(self, span: int, release: int, countdown: bool) -> list[_Optional]:
        p = self.phrases
        wanted = [
            _Optional(_PRIORITY_COUNTDOWN, release - k * SECOND, p.count(k), "countdown")
            for k in ((1, 2, 3) if countdown else ())
        ]
        if span >= SECONDS_LEFT_AFTER:
            wanted.append(
                _Optional(_PRIORITY_TEN_LEFT, release - 10 * SECOND, p.time_left(10), "callout")
            )
        if span >= THIRTY_LEFT_AFTER:
            wanted.append(
                _Optional(_PRIORITY_THIRTY_LEFT, release - 30 * SECOND, p.time_left(30), "callout")
            )
        minutes = 1
        while span - minutes * 60 * SECOND >= MINUTES_LEFT_MARGIN:
            wanted.append(
                _Optional(
                    _PRIORITY_MINUTES_LEFT,
                    release - minutes * 60 * SECOND,
                    p.time_left(minutes * 60),
                    "callout",
                )
            )
            minutes += 1
        if span >= HALFWAY_AFTER:
            wanted.append(
                _Optional(
                    _PRIORITY_HALFWAY,
                    release - span + span // 2,
                    sentence(p.halfway),
                    "callout",
                )
            )
        return wanted

    def _count_text(self, rep: int, n: int) -> str:
        return sentence(self.phrases.last_one) if rep == n and n > 1 else self.phrases.count(rep)

    def _phase_words_fit(self, ex: Exercise) -> bool:
        """Whether every rep's words fit their phases: the count with the first phase's
        word, and each later word alone, each with a gap before the next phase.

        If any does not, the exercise is counted without its phase words, so the tempo
        holds: a rep that stretches to make room for "Twenty-two. Lift." breaks the rhythm
        the listener moves to. (Counts are never dropped; a count that outlasts its phase
        still stretches it.) Without a voice the short phase tones are always kept."""
        if not ex.phases or not self.options.voice:
            return True
        n = ex.reps or 1
        fits = True
        for rep in range(1, n + 1):
            count = self._count_text(rep, n)
            self.speech_len(count)  # asked either way, so spoken_texts() has both forms
            for i, (seconds, phase) in enumerate(zip(ex.tempo, ex.phases, strict=False)):
                word = sentence(phase)
                text = f"{count} {word}" if i == 0 else word
                if self.speech_len(text) + GAP > to_samples(seconds):
                    fits = False
        return fits

    def reps(self, ex: Exercise, ctx: _Ctx) -> None:
        """Count each rep at its start, say each phase's word at its start (when the
        words fit the tempo, see ``_phase_words_fit``); a phase stretches only when its
        count outlasts it. With ``hold``, each rep is held after its first phase."""
        n = ex.reps or 1
        phases = ex.phases if self._phase_words_fit(ex) else ()
        for rep in range(1, n + 1):
            last = rep == n and n > 1
            count = self._count_text(rep, n)
            for i, seconds in enumerate(ex.tempo):
                start = self.t
                word = sentence(phases[i]) if i < len(phases) else ""
                if i == 0:
                    tone = LAST_COUNT_TONE if last else None
                    self.say(f"{count} {word}" if word else count, "count", ctx, tone)
                elif word:
                    self.say(word, "phase", ctx)
                self.t = max(self.t, start + to_samples(seconds))
                if i == 0 and ex.hold is not None:
                    self.timed(ex.hold, ctx, countdown=False)

    def work(self, ex: Exercise, ctx: _Ctx) -> None:
        if ex.work is WorkKind.REPS:
            self.reps(ex, ctx)
        elif ex.work is WorkKind.HOLD:
            self.timed(_required(ex.hold, ex, "hold"), ctx)
        else:
            self.timed(_required(ex.duration, ex, "duration"), ctx)

    # -- the session ------------------------------------------------------------------

    def exercise(self, index: int, ex: Exercise, rnd: int, next_up: Exercise | None) -> None:
        """One exercise in one round, from its name to the end of its rest."""
        p = self.phrases
        ctx = _Ctx(exercise=index, round=rnd)
        self.say(sentence(ex.name), "name", ctx)
        for line in ex.cue:
            if line.strip():
                self.say(sentence(line), "cue", ctx)
        if self.options.explain and ex.why and ex.why.strip():
            self.say(sentence(ex.why), "why", ctx)
        if ex.sets > 1:
            self.say(p.sets_announcement(ex.sets), "plan", ctx)
        timed = ex.work is not WorkKind.REPS
        # Spoken numbers before reps would be taken for the rep count, so reps get
        # "get ready" instead; ticks sound nothing like the count's knock, so without a
        # voice reps get their 3-2-1 too.
        countdown = timed or not self.options.voice
        sides: tuple[str | None, ...] = ex.sides if ex.sides is not None else (None,)
        for set_no in range(1, ex.sets + 1):
            set_ctx = replace(ctx, set=set_no if ex.sets > 1 else None, side=sides[0])
            mandatory: list[_Say] = []
            if set_no == 1:
                minimum = ex.lead_in
            else:
                minimum = ex.set_rest
                if ex.set_rest > 0:
                    mandatory.append(_Say("rest", sentence(p.rest)))
                mandatory.append(_Say("set", p.set_announcement(set_no, ex.sets)))
            if sides[0] is not None and self.options.voice:
                # "first" only once: from the second set on, the side is simply named.
                said = p.side_first(sides[0]) if set_no == 1 else p.side_again(sides[0])
                mandatory.append(_Say("side", said))
            elif sides[0] is not None and set_no > 1:
                mandatory.append(_Say("switch", sound="switch"))  # back to the first side
            self.approach(minimum, mandatory, set_ctx, countdown=countdown, ready=True)
            self.work(ex, set_ctx)
            for side in sides[1:]:
                assert side is not None
                side_ctx = replace(set_ctx, side=side)
                self.ring("switch", "switch", side_ctx)
                self.say(p.switch_to(side), "side", side_ctx)
                # Reps have no 3-2-1, so after a switch "get ready" is their only warning.
                self.approach(ex.switch, (), side_ctx, countdown=countdown, ready=not timed)
                self.work(ex, side_ctx)
        if next_up is not None and ex.rest > 0:
            self.rest(ex.rest, next_up, ctx)

    def rest(self, seconds: float, next_up: Exercise, ctx: _Ctx) -> None:
        """The rest after an exercise: "Rest.", then what comes next, unless the rest is
        too short for a pause between that and the next name (``NEXT_UP_MIN_REST``)."""
        end = self.t + to_samples(seconds)
        self.say(sentence(self.phrases.rest), "rest", ctx)
        if seconds >= NEXT_UP_MIN_REST:
            self.say(self.phrases.next_exercise(next_up.name), "next-up", ctx)
        self.t = max(self.t, end)

    def session(self) -> CueScript:
        routine = self.routine
        p = self.phrases
        whole = _Ctx()
        self.say(sentence(routine.name), "title", whole)
        if routine.intro and routine.intro.strip():
            self.say(sentence(routine.intro), "intro", whole)
        starts: list[tuple[int, Exercise, int, int]] = []
        count = len(routine.exercises)
        for rnd in range(1, routine.rounds + 1):
            round_start = self.t
            if routine.rounds > 1:
                self.say(p.round_announcement(rnd, routine.rounds), "round", _Ctx(round=rnd))
            for index, ex in enumerate(routine.exercises):
                if index + 1 < count:
                    next_up: Exercise | None = routine.exercises[index + 1]
                elif rnd < routine.rounds:
                    next_up = routine.exercises[0]
                else:
                    next_up = None
                # A round's first chapter takes in the round's announcement (and the
                # session's title and intro); every other one starts at its name.
                first = 0 if rnd == 1 else round_start
                starts.append((first if index == 0 else self.t, ex, index, rnd))
                self.exercise(index, ex, rnd, next_up)
        if routine.outro and routine.outro.strip():
            self.say(sentence(routine.outro), "outro", whole)
        else:
            self.say(sentence(p.well_done), "end", whole)
        done = self.ring("done", "done", whole)
        length = done.end
        chapters = tuple(
            Chapter(
                title=ex.name.strip(),
                start=start,
                end=starts[k + 1][0] if k + 1 < len(starts) else length,
                exercise=index,
                round=rnd,
            )
            for k, (start, ex, index, rnd) in enumerate(starts)
        )
        return CueScript(
            routine_id=routine.id,
            routine_name=routine.name,
            length=length,
            chapters=chapters,
            cues=tuple(sorted(self.cues, key=lambda c: c.start)),
            language=p.language,
        )


def spoken_texts(routine: Routine, options: CompileOptions = CompileOptions()) -> list[str]:
    """Every phrase compiling ``routine`` may speak, whatever the phrase lengths turn out
    to be (call-outs that might be dropped included), each once, in order of first use.

    A speech engine can synthesize these up front; then the real compile finds them all.
    """
    asked: dict[str, None] = {}

    def record(text: str) -> int:
        asked[text] = None
        return estimate_speech_samples(text)

    compile_routine(routine, record, options=options)
    return list(asked)


def _required(value: float | None, ex: Exercise, key: str) -> float:
    if value is None:
        raise ValueError(f"exercise {ex.name!r} is {ex.work.value} work but has no {key}")
    return value


def compile_routine(
    routine: Routine,
    speech: SpeechTimer = estimate_speech_samples,
    chimes: ChimeTimer = sounds.chime_samples,
    options: CompileOptions = CompileOptions(),
) -> CueScript:
    """The routine's cue script; ``speech`` and ``chimes`` give each sound's length."""
    return _Timeline(routine, speech, chimes, options).session()


# -- checking the timing rules -----------------------------------------------------------

TIME_GUIDANCE_ROLES = frozenset({"callout", "countdown"})
"""The only cues allowed between a ``hold`` and its ``release`` chime (rule 2, exact holds)."""

WORK_ROLES = frozenset({"count", "phase", "hold", "release"})
"""Cues that are part of the work itself."""


def _describe(cue: Cue) -> str:
    what = repr(cue.text) if cue.type is CueType.SPEECH else f"[{cue.sound}]"
    return f"{cue.role or cue.type.value} {what} at {cue.at:.3f}s"


def _is_chime(cue: Cue, sound: str) -> bool:
    return cue.type is CueType.CHIME and cue.sound == sound


def check_script(script: CueScript, routine: Routine | None = None) -> list[str]:
    """Every broken timing rule of ``script``, as sentences; empty when all rules hold.

    Without ``routine`` the rules are checked from the script alone; with it, also that
    holds last exactly as written and that rule 6 (no screen needed) holds: every rep is
    counted, every rest, set, round and first side of a set announced, and every rest
    followed by what comes next. A script without any speech (compiled with
    ``voice=False``) is held to the same rules through its chimes (``TONES``): a side is
    its ``switch`` chime, a rest its ``rest`` chime, a set or round its ``set`` chime.
    """
    problems: list[str] = []
    voiced = any(c.type is CueType.SPEECH for c in script.cues)
    _check_order(script, problems)
    spans = _check_holds(script, problems)
    _check_sides(script, voiced, problems)
    _check_chapters(script, problems)
    _check_end(script, problems)
    if routine is not None:
        _check_against(script, routine, spans, voiced, problems)
    return problems


def _check_order(script: CueScript, problems: list[str]) -> None:
    cues = script.cues
    for k, cue in enumerate(cues):
        if cue.length <= 0:
            problems.append(f"cue {_describe(cue)} has no length")
        if cue.start < 0:
            problems.append(f"cue {_describe(cue)} starts before the session")
        if cue.type is CueType.SPEECH and not cue.text.strip():
            problems.append(f"speech cue at {cue.at:.3f}s has no text")
        if k == 0:
            continue
        before = cues[k - 1]
        if cue.start < before.start:
            problems.append(f"cues out of order: {_describe(cue)} after {_describe(before)}")
        elif before.end > cue.start:
            problems.append(
                f"{NO_OVERLAP}: {_describe(before)} still sounds when {_describe(cue)} starts"
            )
    if cues and script.length < max(c.end for c in cues):
        problems.append(f"the script's length {script.duration}s ends before its last cue")


def _check_holds(script: CueScript, problems: list[str]) -> list[int]:
    """Rule 2, exact holds; returns each hold's span in samples, in order."""
    spans: list[int] = []
    hold: Cue | None = None
    for cue in script.cues:
        if _is_chime(cue, "hold"):
            if hold is not None:
                problems.append(
                    f"{EXACT_HOLDS}: {_describe(cue)} inside the hold from {hold.at:.3f}s"
                )
            hold = cue
        elif _is_chime(cue, "release"):
            if hold is None:
                problems.append(f"{EXACT_HOLDS}: {_describe(cue)} without a hold before it")
            else:
                spans.append(cue.start - hold.start)
                if hold.end > cue.start:
                    problems.append(
                        f"{NO_OVERLAP}: hold chime at {hold.at:.3f}s runs into its release"
                    )
            hold = None
        elif hold is not None and cue.role not in TIME_GUIDANCE_ROLES:
            problems.append(
                f"{EXACT_HOLDS}: {_describe(cue)} is not time guidance but sits in a hold"
            )
    if hold is not None:
        problems.append(f"{EXACT_HOLDS}: the hold from {hold.at:.3f}s is never released")
    return spans


def _check_sides(script: CueScript, voiced: bool, problems: list[str]) -> None:
    """Rule 3, sides announced: between two sides of one set, a switch chime, then speech
    naming the side."""
    cues = script.cues
    last: dict[tuple[int | None, int | None, int | None], tuple[int, str | None]] = {}
    for k, cue in enumerate(cues):
        if cue.role not in WORK_ROLES or cue.exercise is None:
            continue
        key = (cue.round, cue.exercise, cue.set)
        previous = last.get(key)
        last[key] = (k, cue.side)
        if previous is None or previous[1] == cue.side:
            continue
        between = cues[previous[0] + 1 : k]
        switch = next((i for i, c in enumerate(between) if _is_chime(c, "switch")), None)
        named = switch is not None and (
            not voiced
            or any(
                c.type is CueType.SPEECH and c.role == "side" and c.side == cue.side
                for c in between[switch + 1 :]
            )
        )
        if not named:
            problems.append(
                f"{SIDES_ANNOUNCED}: side {cue.side!r} starts at {cue.at:.3f}s without a switch "
                "chime and then its name"
            )


def _check_chapters(script: CueScript, problems: list[str]) -> None:
    """Rule 4, named first: every exercise is named before its work and begins a chapter."""
    names: dict[tuple[int | None, int | None], Cue] = {}
    first_work: dict[tuple[int | None, int | None], Cue] = {}
    for cue in script.cues:
        key = (cue.exercise, cue.round)
        if cue.role == "name" and key not in names:
            names[key] = cue
        if cue.role in WORK_ROLES and key not in first_work:
            first_work[key] = cue
    _check_chapter_names(script, names, problems)
    titled = {(c.exercise, c.round) for c in script.chapters}
    for key, work in first_work.items():
        name = names.get(key)
        if key not in titled:
            problems.append(f"{NAMED_FIRST}: the work at {work.at:.3f}s has no chapter")
        if name is None or name.end > work.start:
            problems.append(
                f"{NAMED_FIRST}: the work at {work.at:.3f}s is not named before it starts"
            )


def _check_chapter_names(
    script: CueScript, names: dict[tuple[int | None, int | None], Cue], problems: list[str]
) -> None:
    """The chapters follow each other, each with its exercise's name cue inside it."""
    chapters = script.chapters
    for k, chapter in enumerate(chapters):
        label = f"chapter {chapter.title!r} (round {chapter.round})"
        if chapter.start > chapter.end:
            problems.append(f"{label} ends before it starts")
        if k + 1 < len(chapters) and chapter.end > chapters[k + 1].start:
            problems.append(f"{label} runs into the next chapter")
        name = names.get((chapter.exercise, chapter.round))
        if name is None:
            problems.append(f"{NAMED_FIRST}: {label} has no name cue")
            continue
        if name.type is CueType.SPEECH and name.text != sentence(chapter.title):
            problems.append(f"{NAMED_FIRST}: {label} is announced as {name.text!r}")
        if not chapter.start <= name.start < chapter.end:
            problems.append(f"{NAMED_FIRST}: the name of {label} is outside its chapter")
    if chapters and chapters[-1].end != script.length:
        problems.append("the last chapter does not end with the session")


def _check_end(script: CueScript, problems: list[str]) -> None:
    """Rule 5, end marked: a done chime follows the last piece of work, and nothing follows it."""
    done = [c for c in script.cues if _is_chime(c, "done")]
    if len(done) != 1:
        problems.append(f"{END_MARKED}: {len(done)} done chimes instead of one")
        return
    if script.cues[-1] is not done[0]:
        problems.append(f"{END_MARKED}: {_describe(script.cues[-1])} comes after the done chime")
    work_end = max((c.end for c in script.cues if c.role in WORK_ROLES), default=0)
    if work_end > done[0].start:
        problems.append("end marked (rule 5): the done chime starts before the last work has ended")


def _expected_spans(routine: Routine) -> list[int]:
    spans: list[int] = []
    for _ in range(routine.rounds):
        for ex in routine.exercises:
            if ex.work is WorkKind.REPS:
                per = [ex.hold or 0.0] * (ex.reps or 1) if ex.hold is not None else []
            else:
                per = [(ex.hold if ex.work is WorkKind.HOLD else ex.duration) or 0.0]
            repeats = ex.sets * (2 if ex.sides else 1)
            spans.extend(max(1, to_samples(s)) for s in per * repeats)
    return spans


def _check_against(
    script: CueScript, routine: Routine, spans: list[int], voiced: bool, problems: list[str]
) -> None:
    """Rules 2, 4 and 6 (exact holds, named first, no screen needed), measured against the
    routine the script was compiled from."""
    expected = _expected_spans(routine)
    if spans != expected:
        wrong = next(
            (k for k, (a, b) in enumerate(zip(spans, expected, strict=False)) if a != b),
            min(len(spans), len(expected)),
        )
        problems.append(
            f"{EXACT_HOLDS}: {len(spans)} holds where the routine has {len(expected)}, "
            f"or hold {wrong + 1} is not exact"
        )
    titles = [(c.title, c.exercise, c.round) for c in script.chapters]
    want = [
        (ex.name.strip(), i, rnd)
        for rnd in range(1, routine.rounds + 1)
        for i, ex in enumerate(routine.exercises)
    ]
    if titles != want:
        problems.append(
            "named first (rule 4): the chapters are not one per exercise and round, in order"
        )
    _check_announced(script, routine, voiced, problems)


_Key = tuple[int | None, int | None, int | None, str | None]
"""Where a cue belongs: (round, exercise, set, side)."""


def _check_announced(
    script: CueScript, routine: Routine, voiced: bool, problems: list[str]
) -> None:
    """Rule 6, no screen needed, with or without a voice: every rep is counted, and every
    set, side, rest, round and next exercise is announced (in words, or by its chime)."""
    cues = script.cues
    seen: dict[tuple[str, _Key], int] = {}
    for cue in cues:
        role = "switch" if _is_chime(cue, "switch") else cue.role
        key = (role, (cue.round, cue.exercise, cue.set, cue.side))
        seen[key] = seen.get(key, 0) + 1
    heard = _Heard(seen)
    total = len(routine.exercises) * routine.rounds
    for rnd in range(1, routine.rounds + 1):
        if routine.rounds > 1 and heard("round", rnd, None, None, None) != 1:
            problems.append(f"{NO_SCREEN}: round {rnd} is not announced")
        for i, ex in enumerate(routine.exercises):
            where = f"{ex.name!r} in round {rnd}"
            for set_no in range(1, ex.sets + 1):
                _check_set(heard, ex, (rnd, i, set_no), where, voiced, problems)
            if heard.anywhere("set", rnd, i) != ex.sets - 1:
                problems.append(f"{NO_SCREEN}: {where} does not announce each set after the first")
            last = (rnd - 1) * len(routine.exercises) + i + 1 == total
            if ex.rest > 0 and not last:
                _check_rest(cues, rnd, i, where, voiced and ex.rest >= NEXT_UP_MIN_REST, problems)


@dataclass(frozen=True)
class _Heard:
    """How many cues of each role the script has at each place."""

    seen: dict[tuple[str, _Key], int]

    def __call__(
        self, role: str, rnd: int | None, i: int | None, set_no: int | None, side: str | None
    ) -> int:
        return self.seen.get((role, (rnd, i, set_no, side)), 0)

    def anywhere(self, role: str, rnd: int, i: int) -> int:
        return sum(n for (r, key), n in self.seen.items() if r == role and key[:2] == (rnd, i))


def _check_set(
    heard: _Heard,
    ex: Exercise,
    at: tuple[int, int, int],
    where: str,
    voiced: bool,
    problems: list[str],
) -> None:
    """Rule 6 (no screen needed) for set ``at`` (round, exercise index, set number) of ``ex``."""
    rnd, i, set_no = at
    first_side = ex.sides[0] if ex.sides else None
    set_key = set_no if ex.sets > 1 else None
    if ex.work is WorkKind.REPS:
        for side in ex.sides or (None,):
            counted = heard("count", rnd, i, set_key, side)
            if counted != ex.reps:
                problems.append(
                    f"{NO_SCREEN}: {where} counts {counted} reps "
                    f"of {ex.reps} (set {set_no}, side {side})"
                )
    if set_no > 1:
        if heard("set", rnd, i, set_key, first_side) != 1:
            problems.append(f"{NO_SCREEN}: set {set_no} of {where} is not announced")
        if ex.set_rest > 0 and heard("rest", rnd, i, set_key, first_side) != 1:
            problems.append(
                f"{NO_SCREEN}: the rest before set {set_no} of {where} is not announced"
            )
    if first_side is not None:
        # Each set starts on the first side: named aloud, or (after the first set, without
        # a voice) the switch chime back to it.
        role = "side" if voiced else "switch"
        if (voiced or set_no > 1) and heard(role, rnd, i, set_key, first_side) != 1:
            problems.append(
                f"{NO_SCREEN}: set {set_no} of {where} does not say it starts on {first_side!r}"
            )


def _check_rest(
    cues: Sequence[Cue], rnd: int, i: int, where: str, next_up: bool, problems: list[str]
) -> None:
    """The rest after exercise ``i`` is announced, and then the next exercise is named:
    "Next up: ..." when ``next_up`` (a long enough rest, with a voice), else by its own
    name (or ``next`` chime) as the very next cue (a round's announcement aside)."""
    k = next(
        (
            k
            for k, c in enumerate(cues)
            if c.role == "rest" and (c.round, c.exercise, c.set) == (rnd, i, None)
        ),
        None,
    )
    if k is None:
        problems.append(f"{NO_SCREEN}: the rest after {where} is not announced")
        return
    after = next((c for c in cues[k + 1 :] if c.role != "round"), None)
    if after is None:
        said_next = False
    elif next_up:
        said_next = (after.role, after.exercise) == ("next-up", i)
    else:
        said_next = after.role in {"next-up", "name"}
    if not said_next:
        problems.append(f"{NO_SCREEN}: the rest after {where} does not say what comes next")
