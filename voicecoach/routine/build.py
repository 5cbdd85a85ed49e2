"""From a checked node tree to a ``Routine``: defaults applied, kinds of work settled.

Each key's value is checked by ``routine.check``; here the values meet: an exercise's
own kind of work against its defaults', ``tempo`` against ``phases``, and the whole
session against the 4-hour and sound limits. Every problem is collected before
``RoutineError`` is raised with them all, sorted by position.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from yaml.nodes import MappingNode, Node, ScalarNode

from voicecoach.durations import format_span
from voicecoach.errors import Problem, RoutineError
from voicecoach.limits import MAX_ROUTINE_SECONDS, sound_problem
from voicecoach.routine.check import Checker, Entry, Invalid, describe
from voicecoach.routine.located import clip, line_col
from voicecoach.routine.model import (
    DEFAULT_KEYS,
    EXERCISE_KEYS,
    KIND_KEYS,
    MAX_PHASE_CHARS,
    REMIND_SECONDS,
    TOP_KEYS,
    Exercise,
    Routine,
    Wait,
    WorkKind,
    nominal_total,
)
from voicecoach.routine.yaml_nodes import NULL_TAG, Rejected

_Parse = Callable[[Checker, Node, str], Any]
_EXERCISE_PARSERS: Final[dict[str, _Parse]] = {
    "name": Checker.spoken,
    "cue": Checker.text_or_texts,
    "why": Checker.spoken,
    "hold": lambda c, n, label: c.seconds(n, label, work=True),
    "reps": Checker.count,
    "tempo": Checker.tempo,
    "phases": lambda c, n, label: c.texts(n, label, MAX_PHASE_CHARS),
    "duration": lambda c, n, label: c.seconds(n, label, work=True),
    "sides": Checker.sides,
    "sets": Checker.count,
    "set_rest": lambda c, n, label: c.seconds(n, label, work=False),
    "switch": lambda c, n, label: c.seconds(n, label, work=False),
    "lead_in": lambda c, n, label: c.seconds(n, label, work=False),
    "rest": lambda c, n, label: c.seconds(n, label, work=False),
    "wait": Checker.wait,
    "remind": lambda c, n, label: c.seconds(n, label, work=False),
}
_TOP_PARSERS: Final[dict[str, _Parse]] = {
    "version": Checker.version,
    "name": Checker.spoken,
    "description": Checker.text,
    "language": Checker.language,
    "intro": Checker.spoken,
    "outro": Checker.spoken,
    "rounds": Checker.count,
}


def _parse_entries(
    checker: Checker, entries: dict[str, Entry], parsers: dict[str, _Parse]
) -> tuple[dict[str, Any], set[str]]:
    """Typed values of the entries that parse, and the names of those that do not."""
    values: dict[str, Any] = {}
    broken: set[str] = set()
    for key, entry in entries.items():
        parse = parsers.get(key)
        if parse is None:
            continue
        try:
            values[key] = parse(checker, entry.value, f"`{key}`")
        except Invalid:
            broken.add(key)
    return values, broken


def _kind_conflict(checker: Checker, entries: dict[str, Entry]) -> bool:
    """Reports kinds of work that cannot go together; True if there was one."""
    present = sorted(
        (entries[k] for k in KIND_KEYS if k in entries),
        key=lambda e: line_col(e.key.start_mark),
    )
    names = [str(e.key.value) for e in present]
    if "duration" not in names or len(names) < 2:
        return False
    later = present[-1]
    others = [n for n in names if n != later.key.value]
    checker.add(
        later.key,
        f"`{later.key.value}` cannot be combined with `{others[0]}`: an exercise has one of "
        f"`hold`, `reps` or `duration` (or `reps` with `hold`)",
    )
    return True


@dataclass(frozen=True)
class _Defaults:
    values: dict[str, Any]
    entries: dict[str, Entry]
    broken: set[str]


def _exercise(checker: Checker, node: Node, number: int, defaults: _Defaults) -> Exercise | None:
    """One exercise from its node, with defaults applied; None if it has problems."""
    where = f"exercise {number}"
    if not isinstance(node, MappingNode):
        _not_an_exercise(checker, node, where)
        return None
    before = len(checker.problems)
    entries = checker.entries(node, EXERCISE_KEYS, "exercise")
    own, broken = _parse_entries(checker, entries, _EXERCISE_PARSERS)
    if "name" not in entries:
        checker.add(node, f"{where} needs a `name`")

    # The exercise's own kind of work wins: the defaults' hold, reps and duration only
    # apply to an exercise that sets none of them (a wait is a kind of its own).
    waits = own.get("wait", False) is not False
    own_kind = waits or any(k in entries for k in KIND_KEYS)

    def inherits(key: str) -> bool:
        return key not in entries and not (own_kind and key in KIND_KEYS)

    values = {k: v for k, v in defaults.values.items() if inherits(k)} | own
    unusable = broken | {k for k in defaults.broken if inherits(k)}
    if own_kind:
        kinds: frozenset[str] = frozenset(k for k in KIND_KEYS if k in entries)
        conflict = _kind_conflict(checker, entries)
        if waits and not conflict:
            kinds = _wait_kinds(checker, entries, kinds)
    else:
        kinds = frozenset(k for k in KIND_KEYS if k in defaults.entries)
        if not kinds and "wait" not in broken:
            called = f"{where} (`{clip(own['name'])}`)" if "name" in own else where
            checker.add(node, f"{called} needs one of `hold`, `reps` or `duration`")
    work = _WORK_BY_KINDS.get(kinds)  # None after a conflict, which is already reported
    if "remind" in entries and "wait" not in broken and not waits:
        checker.add(entries["remind"].key, "`remind` applies only to exercises with `wait`")

    timing = _rep_timing(checker, work, entries, values, "tempo" in unusable, waits)

    if work is None or unusable or len(checker.problems) > before:
        return None
    timing.update(
        (key, values[key])
        for key in ("cue", "why", "sides", "sets", "set_rest", "switch", "lead_in", "rest")
        if key in values
    )
    wait = None
    if waits:
        longest = None if own["wait"] is True else own["wait"]
        wait = Wait(longest, values.get("remind", REMIND_SECONDS))
        if work is WorkKind.WAIT and "lead_in" not in own:
            timing["lead_in"] = 0.0  # the wait is the time to get ready
    return Exercise(
        name=values["name"],
        work=work,
        hold=values["hold"] if "hold" in kinds else None,
        reps=values["reps"] if work is WorkKind.REPS else None,
        duration=values["duration"] if work is WorkKind.DURATION else None,
        wait=wait,
        **timing,
    )


def _wait_kinds(
    checker: Checker, entries: dict[str, Entry], kinds: frozenset[str]
) -> frozenset[str]:
    """The kinds of work an exercise with ``wait`` has: none (a step that waits) or
    ``reps`` (at the person's own pace); a timed kind beside it is reported."""
    timed = [k for k in ("hold", "duration") if k in kinds]
    if not timed:
        return kinds | {"wait"}
    checker.add(
        entries["wait"].key,
        f"`wait` cannot be combined with `{timed[0]}`: `{timed[0]}` is timed, `wait` lets "
        "the person go on when ready (alone, or with `reps` for reps at their own pace)",
    )
    return frozenset({"wait", *kinds})  # no kind of work: reported once, here


def _not_an_exercise(checker: Checker, node: Node, where: str) -> None:
    if isinstance(node, Rejected):
        return  # already reported
    if isinstance(node, ScalarNode) and node.tag == NULL_TAG:
        checker.add(node, f"{where} is empty; give it a `name` and its work")
    else:
        checker.add(
            node,
            f"{where} must be a mapping of keys such as `name:` and `hold:`, not {describe(node)}",
        )


def _rep_timing(
    checker: Checker,
    work: WorkKind | None,
    entries: dict[str, Entry],
    values: dict[str, Any],
    tempo_broken: bool,
    waits: bool = False,
) -> dict[str, Any]:
    """``tempo`` and ``phases`` of an exercise of ``work``: checked, and kept for reps
    that are counted (reps at the person's own pace have neither)."""
    if work in (WorkKind.HOLD, WorkKind.DURATION, WorkKind.WAIT):
        for key in ("tempo", "phases"):
            if key in entries:
                checker.add(entries[key].key, f"`{key}` applies only to exercises with `reps`")
    if work is WorkKind.REPS and waits:
        for key in ("tempo", "phases"):
            if key in entries:
                checker.add(
                    entries[key].key,
                    f"`{key}` does not apply to reps at your own pace (`wait`): nothing is counted",
                )
        return {}
    if work is not WorkKind.REPS:
        return {}
    tempo = values.get("tempo", (3.0,))
    phases = values.get("phases", ())  # never a default: texts have none
    if phases and not tempo_broken and len(phases) != len(tempo):
        if "tempo" in entries:
            origin = ""
        elif "tempo" in values:
            origin = " (from `defaults`)"
        else:
            origin = " (the default, 3s a rep)"
        checker.add(
            entries["phases"].value,
            f"`phases` has {_count(len(phases), 'item')} but `tempo` has {len(tempo)}{origin}; "
            f"give one phase per tempo entry",
        )
    return {"tempo": tempo, "phases": phases}


_WORK_BY_KINDS: Final = {
    frozenset({"hold"}): WorkKind.HOLD,
    frozenset({"reps"}): WorkKind.REPS,
    frozenset({"reps", "hold"}): WorkKind.REPS,
    frozenset({"duration"}): WorkKind.DURATION,
    frozenset({"wait"}): WorkKind.WAIT,
    frozenset({"wait", "reps"}): WorkKind.REPS,
}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _defaults(checker: Checker, node: Node | None) -> _Defaults:
    """The routine's ``defaults`` (none when ``node`` is None)."""
    if isinstance(node, MappingNode):
        entries = checker.entries(node, DEFAULT_KEYS, "defaults")
        values, broken = _parse_entries(checker, entries, _EXERCISE_PARSERS)
        if _kind_conflict(checker, entries):
            broken |= set(KIND_KEYS)
        return _Defaults(values, entries, broken)
    if node is not None and not isinstance(node, Rejected):
        checker.add(node, f"`defaults` must be a mapping of exercise keys, not {describe(node)}")
    return _Defaults({}, {}, set())


def _exercises(
    checker: Checker, entry: Entry | None, defaults: _Defaults
) -> tuple[list[Exercise], list[tuple[int, Node]]]:
    """The usable exercises, and each one's number and node."""
    exercises: list[Exercise] = []
    nodes: list[tuple[int, Node]] = []
    if entry is None:
        return exercises, nodes
    try:
        items = checker.sequence(entry.value, "`exercises`", "a list of exercises")
    except Invalid:
        items = []
    for number, item in enumerate(items, start=1):
        exercise = _exercise(checker, item, number, defaults)
        if exercise is not None:
            exercises.append(exercise)
            nodes.append((number, item))
    return exercises, nodes


def build_routine(checker: Checker, root: Node, routine_id: str) -> Routine:
    """The routine in the root node; raises RoutineError with every problem recorded."""
    if not isinstance(root, MappingNode):
        if not isinstance(root, Rejected):
            checker.add(
                root,
                f"the top level must be a mapping of keys such as `name:` and `exercises:`, "
                f"not {describe(root)}",
            )
        raise RoutineError(_sorted(checker.problems))
    entries = checker.entries(root, TOP_KEYS, "top")
    top, broken = _parse_entries(checker, entries, _TOP_PARSERS)
    if "name" not in entries:
        checker.add(root, "the routine needs a `name`, the title spoken at the start")
    if "exercises" not in entries:
        checker.add(root, "the routine needs `exercises`, a list of at least one exercise")

    defaults = _defaults(checker, entries["defaults"].value if "defaults" in entries else None)
    exercises, nodes = _exercises(checker, entries.get("exercises"), defaults)

    rounds = top.get("rounds", 1)
    if exercises and "rounds" not in broken:
        _check_sounds(checker, entries["exercises"].key, exercises, nodes, rounds)
        # Checked even when some exercises are broken: the rest may already be too long.
        total = nominal_total(tuple(exercises), rounds)
        if total > MAX_ROUTINE_SECONDS:
            per_round = f" ({rounds} rounds of {format_span(total / rounds)})"
            checker.add(
                entries["exercises"].key,
                f"the routine runs {format_span(total)} without speech"
                f"{per_round if rounds > 1 else ''}, more than the 4-hour limit",
            )

    if checker.problems:
        raise RoutineError(_sorted(checker.problems))
    return Routine(
        exercises_at=line_col(entries["exercises"].key.start_mark),
        id=routine_id,
        name=top["name"],
        exercises=tuple(exercises),
        description=top.get("description"),
        language=top.get("language", "en"),
        intro=top.get("intro"),
        outro=top.get("outro"),
        rounds=rounds,
    )


def _check_sounds(
    checker: Checker,
    key: Node,
    exercises: list[Exercise],
    nodes: list[tuple[int, Node]],
    rounds: int,
) -> None:
    """Refuses a session that could hold more than ``MAX_CUES`` sounds, at the exercise
    that makes most of them (or at `exercises` when no one exercise is to blame)."""
    found = sound_problem(exercises, rounds, [number for number, _ in nodes])
    if found is not None:
        blamed, message = found
        checker.add(key if blamed is None else nodes[blamed][1], message)


def _sorted(problems: list[Problem]) -> list[Problem]:
    unique = dict.fromkeys(problems)
    return sorted(unique, key=lambda p: (p.line, p.column))


__all__ = ["build_routine"]
