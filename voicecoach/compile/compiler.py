"""The compiler: a Routine becomes a cue script, every sound placed to the sample.

The session is one timeline built with a cursor, for a listener lying on the floor with
closed eyes. Each exercise is named, explained, given a lead-in that ends exactly where
the work starts, then worked: reps counted to the tempo, holds and timed work framed by
``hold`` and ``release`` chimes exactly the given time apart. Speech that must be heard
(names, sides, counts) pushes the timeline; call-outs that merely help (halfway, seconds
left, countdowns, "get ready") are placed only where they fit, so nothing ever overlaps.

Every compiled session keeps the timing rules (no overlap, exact holds, sides announced,
named first, end marked, no screen needed); ``voicecoach.compile.rules`` states them and
checks them. Placing each cue where it fits is ``voicecoach.compile.placement``'s job.

Roles of the cues (``Cue.role``): ``title``, ``intro``, ``round``, ``name``, ``cue``,
``why``, ``plan``, ``side``, ``get-ready``, ``countdown``, ``hold``, ``release``,
``callout``, ``count``, ``phase``, ``switch``, ``set``, ``rest``, ``next-up``, ``end``,
``outro``, ``done``; a wait step adds ``own-pace``, ``wait``, ``reminder`` and ``go``.

A wait (``Exercise.wait``) is a span the session holds for the person: its prompt, then
silence with a reminder every ``remind`` seconds, then the ``next`` chime (``go``). Live
play (``CompileOptions.live``) says "press play" and goes on at the span's end as soon as
play is pressed; everywhere else the span lasts the longest wait (``Wait.timed``) and the
prompt gives that time and says to pause the player for longer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from voicecoach.audio import sounds
from voicecoach.compile.cuescript import Chapter, CueScript, WaitSpan, to_samples
from voicecoach.compile.estimate import estimate_speech_samples
from voicecoach.compile.phrases import phrases_for, sentence
from voicecoach.compile.placement import GAP, SECOND, Ctx, Placer, Say, Wanted
from voicecoach.routine.model import Exercise, Routine, WorkKind

SpeechTimer = Callable[[str], int]
"""Phrase text -> its spoken length in samples."""

ChimeTimer = Callable[[str], int]
"""Chime name -> its length in samples."""

NEXT_UP_MIN_REST = 6.0
"""A rest says "Next up: ..." only if it lasts at least this many seconds. In a shorter
rest the next exercise's name follows "Rest." at once anyway, and saying it twice in a row
("Next up: Knee to chest. Knee to chest.") sounds like a stutter."""


@dataclass(frozen=True)
class CompileOptions:
    """How to compile: ``explain`` also speaks each exercise's ``why``; ``voice=False``
    gives a session of chimes only (see ``placement.TONES``); ``live`` is for play, where
    a wait waits for the person to press play rather than for its time."""

    explain: bool = False
    voice: bool = True
    live: bool = False


LAST_COUNT_TONE = "last"
"""Without a voice, the last rep of several is counted with this tone ("Last one")."""


class _Timeline(Placer):
    """The session, from its title to its ``done`` chime, placed cue by cue."""

    def __init__(
        self,
        routine: Routine,
        speech: SpeechTimer,
        chimes: ChimeTimer,
        options: CompileOptions,
    ) -> None:
        super().__init__(phrases_for(routine.language), speech, chimes, options.voice)
        self.routine = routine
        self.options = options
        self.waits: list[WaitSpan] = []

    # -- work -------------------------------------------------------------------------

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

    def reps(self, ex: Exercise, ctx: Ctx) -> None:
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

    def wait(self, ex: Exercise, ctx: Ctx) -> None:
        """Work that waits for the person: reps at their own pace are announced, then the
        prompt, the span with its reminders, and the ``go`` chime."""
        assert ex.wait is not None
        p = self.phrases
        if ex.work is WorkKind.REPS:
            self.say(p.own_pace_announcement(ex.reps or 1), "own-pace", ctx)
        seconds = ex.wait.timed
        if self.options.live:
            prompt = sentence(p.press_play)
        else:
            prompt = f"{p.time_left(max(1, round(seconds)))} {sentence(p.pause_if_longer)}"
        self.say(prompt, "wait", ctx)
        start = self.t
        end = start + max(1, to_samples(seconds))
        every = to_samples(ex.wait.remind)
        wanted: list[Wanted] = []
        if every > 0:
            for at in range(start + every, end, every):
                left = round((end - at) / SECOND)
                text = sentence(p.press_play) if self.options.live else p.time_left(max(1, left))
                wanted.append(Wanted(len(wanted), at, text, "reminder"))
        self.fill(start, end, wanted, ctx)
        self.t = end
        self.ring("next", "go", ctx)
        self.waits.append(
            WaitSpan(
                start,
                end,
                open=ex.wait.longest is None,
                exercise=ctx.exercise or 0,
                round=ctx.round or 1,
                side=ctx.side,
                set=ctx.set,
            )
        )

    def work(self, ex: Exercise, ctx: Ctx) -> None:
        if ex.wait is not None:
            self.wait(ex, ctx)
        elif ex.work is WorkKind.REPS:
            self.reps(ex, ctx)
        elif ex.work is WorkKind.HOLD:
            self.timed(_required(ex.hold, ex, "hold"), ctx)
        else:
            self.timed(_required(ex.duration, ex, "duration"), ctx)

    # -- the session ------------------------------------------------------------------

    def exercise(self, index: int, ex: Exercise, rnd: int, next_up: Exercise | None) -> None:
        """One exercise in one round, from its name to the end of its rest."""
        p = self.phrases
        ctx = Ctx(exercise=index, round=rnd)
        self.say(sentence(ex.name), "name", ctx)
        for line in ex.cue:
            if line.strip():
                self.say(sentence(line), "cue", ctx)
        if self.options.explain and ex.why and ex.why.strip():
            self.say(sentence(ex.why), "why", ctx)
        if ex.sets > 1:
            self.say(p.sets_announcement(ex.sets), "plan", ctx)
        timed = ex.work is not WorkKind.REPS and ex.wait is None
        # Spoken numbers before reps would be taken for the rep count, so reps get
        # "get ready" instead; ticks sound nothing like the count's knock, so without a
        # voice reps get their 3-2-1 too. A wait starts when the person is ready: no 3-2-1.
        countdown = (timed or not self.options.voice) and ex.wait is None
        sides: tuple[str | None, ...] = ex.sides if ex.sides is not None else (None,)
        for set_no in range(1, ex.sets + 1):
            set_ctx = replace(ctx, set=set_no if ex.sets > 1 else None, side=sides[0])
            mandatory: list[Say] = []
            if set_no == 1:
                minimum = ex.lead_in
            else:
                minimum = ex.set_rest
                if ex.set_rest > 0:
                    mandatory.append(Say("rest", sentence(p.rest)))
                mandatory.append(Say("set", p.set_announcement(set_no, ex.sets)))
            if sides[0] is not None and self.options.voice:
                # "first" only once: from the second set on, the side is simply named.
                said = p.side_first(sides[0]) if set_no == 1 else p.side_again(sides[0])
                mandatory.append(Say("side", said))
            elif sides[0] is not None and set_no > 1:
                mandatory.append(Say("switch", sound="switch"))  # back to the first side
            ready = ex.work is not WorkKind.WAIT
            self.approach(minimum, mandatory, set_ctx, countdown=countdown, ready=ready)
            self.work(ex, set_ctx)
            for side in sides[1:]:
                assert side is not None
                side_ctx = replace(set_ctx, side=side)
                self.ring("switch", "switch", side_ctx)
                self.say(p.switch_to(side), "side", side_ctx)
                # Reps have no 3-2-1, so after a switch "get ready" is their only warning.
                ready = not timed and ex.work is not WorkKind.WAIT
                self.approach(ex.switch, (), side_ctx, countdown=countdown, ready=ready)
                self.work(ex, side_ctx)
        if next_up is not None and ex.rest > 0:
            self.rest(ex.rest, next_up, ctx)

    def rest(self, seconds: float, next_up: Exercise, ctx: Ctx) -> None:
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
        whole = Ctx()
        self.say(sentence(routine.name), "title", whole)
        if routine.intro and routine.intro.strip():
            self.say(sentence(routine.intro), "intro", whole)
        starts: list[tuple[int, Exercise, int, int]] = []
        count = len(routine.exercises)
        for rnd in range(1, routine.rounds + 1):
            round_start = self.t
            if routine.rounds > 1:
                self.say(p.round_announcement(rnd, routine.rounds), "round", Ctx(round=rnd))
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
            waits=tuple(self.waits),
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
