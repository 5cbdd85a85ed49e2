"""The timing rules as checks: ``check_script`` finds every rule a cue script breaks.

Every compiled session keeps these rules (the routine format's contract, "What a session
sounds like" in docs/routine-format.md); each of ``check_script``'s messages starts with
the name of the rule it breaks:

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
   A wait is announced as it starts and ends on its ``next`` chime (``go``), and holds
   nothing but its reminders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voicecoach.compile.compiler import NEXT_UP_MIN_REST
from voicecoach.compile.cuescript import Cue, CueScript, CueType, to_samples, to_seconds
from voicecoach.compile.phrases import sentence
from voicecoach.routine.model import Exercise, Routine, WorkKind

# The rules' names, which start check_script's messages; each keeps its number in the list
# above (and in docs/architecture.md, "The timing rules").
NO_OVERLAP = "no overlap (rule 1)"
EXACT_HOLDS = "exact holds (rule 2)"
SIDES_ANNOUNCED = "sides announced (rule 3)"
NAMED_FIRST = "named first (rule 4)"
END_MARKED = "end marked (rule 5)"
NO_SCREEN = "no screen needed (rule 6)"

TIME_GUIDANCE_ROLES = frozenset({"callout", "countdown"})
"""The only cues allowed between a ``hold`` and its ``release`` chime (exact holds)."""

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
    holds last exactly as written and that no screen is needed: every rep is counted,
    every rest, set, round and first side of a set announced, and every rest followed by
    what comes next. A script without any speech (compiled with ``voice=False``) is held
    to the same rules through its chimes (``placement.TONES``): a side is its ``switch``
    chime, a rest its ``rest`` chime, a set or round its ``set`` chime.
    """
    problems: list[str] = []
    voiced = any(c.type is CueType.SPEECH for c in script.cues)
    _check_order(script, problems)
    spans = _check_holds(script, problems)
    _check_sides(script, voiced, problems)
    _check_chapters(script, problems)
    _check_end(script, problems)
    _check_waits(script, problems)
    if routine is not None:
        _check_against(script, routine, spans, voiced, problems)
    return problems


def _check_waits(script: CueScript, problems: list[str]) -> None:
    """No screen needed, for each wait: a prompt ends just before it, only reminders
    inside it, and its ``go`` chime at its end."""
    for wait in script.waits:
        where = f"the wait at {to_seconds(wait.start):.3f}s"
        before = [c for c in script.cues if c.end <= wait.start]
        if not before or before[-1].role != "wait":
            problems.append(f"{NO_SCREEN}: {where} is not announced")
        inside = [c for c in script.cues if wait.start <= c.start < wait.end]
        for cue in inside:
            if cue.role != "reminder":
                problems.append(f"{NO_SCREEN}: {_describe(cue)} sits in {where}")
        if not any(c.start == wait.end and c.role == "go" for c in script.cues):
            problems.append(f"{NO_SCREEN}: {where} does not end on its chime")


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
    """Exact holds; returns each hold's span in samples, in order."""
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
    """Sides announced: between two sides of one set, a switch chime, then speech
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
    """Named first: every exercise is named before its work and begins a chapter."""
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
    """End marked: a done chime follows the last piece of work, and nothing follows it."""
    done = [c for c in script.cues if _is_chime(c, "done")]
    if len(done) != 1:
        problems.append(f"{END_MARKED}: {len(done)} done chimes instead of one")
        return
    if script.cues[-1] is not done[0]:
        problems.append(f"{END_MARKED}: {_describe(script.cues[-1])} comes after the done chime")
    work_end = max((c.end for c in script.cues if c.role in WORK_ROLES), default=0)
    if work_end > done[0].start:
        problems.append(f"{END_MARKED}: the done chime starts before the last work has ended")


def _expected_spans(routine: Routine) -> list[int]:
    spans: list[int] = []
    for _ in range(routine.rounds):
        for ex in routine.exercises:
            if ex.wait is not None:
                per = []  # a wait has no hold
            elif ex.work is WorkKind.REPS:
                per = [ex.hold or 0.0] * (ex.reps or 1) if ex.hold is not None else []
            else:
                per = [(ex.hold if ex.work is WorkKind.HOLD else ex.duration) or 0.0]
            repeats = ex.sets * (2 if ex.sides else 1)
            spans.extend(max(1, to_samples(s)) for s in per * repeats)
    return spans


def _check_against(
    script: CueScript, routine: Routine, spans: list[int], voiced: bool, problems: list[str]
) -> None:
    """Exact holds, named first and no screen needed, measured against the routine the
    script was compiled from."""
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
        problems.append(f"{NAMED_FIRST}: the chapters are not one per exercise and round, in order")
    _check_announced(script, routine, voiced, problems)


_Key = tuple[int | None, int | None, int | None, str | None]
"""Where a cue belongs: (round, exercise, set, side)."""


def _check_announced(
    script: CueScript, routine: Routine, voiced: bool, problems: list[str]
) -> None:
    """No screen needed, with or without a voice: every rep is counted, and every
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
    """No screen needed, for set ``at`` (round, exercise index, set number) of ``ex``."""
    rnd, i, set_no = at
    first_side = ex.sides[0] if ex.sides else None
    set_key = set_no if ex.sets > 1 else None
    if ex.wait is not None:
        for side in ex.sides or (None,):
            if heard("go", rnd, i, set_key, side) != 1:
                problems.append(
                    f"{NO_SCREEN}: {where} does not mark the end of its wait "
                    f"(set {set_no}, side {side})"
                )
    elif ex.work is WorkKind.REPS:
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
