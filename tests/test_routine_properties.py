"""Property tests of the routine loader.

Random valid routines, written out as YAML in several styles, load to exactly the routine
the format promises; random broken, garbled and hostile files are either valid or rejected
with located problems, and never with any other exception.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voicecoach.compile.phrases import SUPPORTED_LANGUAGES
from voicecoach.errors import RoutineError
from voicecoach.limits import MAX_CUES, sound_bound
from voicecoach.routine.load import load_routine_text
from voicecoach.routine.model import EXERCISE_KEYS, TOP_KEYS, Exercise, Routine, WorkKind
from voicecoach.text import speakable

DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's is many times faster
PATH = "random.yaml"
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
ROUTINE_ID = "random-routine"
FOUR_HOURS = 4 * 3600.0
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text as authors write it: no control characters or line separators, nothing to strip,
# something a voice can say.
TEXT = (
    st.text(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
        min_size=1,
        max_size=24,
    )
    .map(str.strip)
    .filter(speakable)
)
# A supported language, alone or with region or script subtags (`es-419`, `de-AT`).
LANGUAGE = st.builds(
    str.__add__,
    st.sampled_from(SUPPORTED_LANGUAGES),
    st.from_regex(r"(-[A-Za-z0-9]{1,8}){0,2}", fullmatch=True),
)


@st.composite
def durations(draw: st.DrawFn, low: int, high: int) -> tuple[object, float]:
    """A duration in any form the format allows, and its seconds (quarter seconds)."""
    quarters = draw(st.integers(low * 4, high * 4))
    seconds = quarters / 4
    minutes, rest = divmod(seconds, 60)
    forms: list[object] = [seconds, f"{seconds:g}", f"{seconds:g}s"]
    if seconds == int(seconds):
        forms.append(int(seconds))
    if minutes:
        forms += [f"{int(minutes)}m{rest:g}s", f"{int(minutes)}m {rest:g}s"]
        if not rest:
            forms.append(f"{int(minutes)}m")
    return forms[draw(st.integers(0, len(forms) - 1))], seconds


# Strategies are built once: building them inside each draw costs more than the drawing.
WORK = durations(1, 3600)
SHORT = durations(1, 10)
PAUSE = durations(0, 60)
KINDS = st.sampled_from([("hold",), ("reps",), ("duration",), ("reps", "hold")])
PAUSES = ("set_rest", "switch", "lead_in", "rest")
PAUSE_KEYS = st.sets(st.sampled_from(PAUSES))
SIDES = st.one_of(
    st.booleans(),
    st.lists(TEXT, min_size=2, max_size=2).filter(
        lambda pair: pair[0].casefold() != pair[1].casefold()
    ),
)
CUE = st.one_of(TEXT, st.lists(TEXT, min_size=1, max_size=3))
PHASES = {n: st.lists(TEXT, min_size=n, max_size=n) for n in (1, 2, 3)}


@st.composite
def kind_values(draw: st.DrawFn, kind: tuple[str, ...]) -> tuple[dict[str, object], dict[str, Any]]:
    """YAML values and expected values for one kind of work."""
    data: dict[str, object] = {}
    expected: dict[str, Any] = {}
    if "reps" in kind:
        data["reps"] = expected["reps"] = draw(st.integers(1, 12))
    if "hold" in kind:
        data["hold"], expected["hold"] = draw(SHORT if "reps" in kind else WORK)
    if "duration" in kind:
        data["duration"], expected["duration"] = draw(WORK)
    return data, expected


@st.composite
def timing_values(draw: st.DrawFn) -> tuple[dict[str, object], dict[str, Any]]:
    """Some of the timing keys every kind of work shares."""
    data: dict[str, object] = {}
    expected: dict[str, Any] = {}
    for key in sorted(draw(PAUSE_KEYS)):
        data[key], expected[key] = draw(PAUSE)
    if draw(st.booleans()):
        data["sets"] = expected["sets"] = draw(st.integers(1, 3))
    if draw(st.booleans()):
        sides = draw(SIDES)
        data["sides"] = sides
        expected["sides"] = (
            tuple(sides) if isinstance(sides, list) else (("left", "right") if sides else None)
        )
    return data, expected


@st.composite
def tempos(draw: st.DrawFn) -> tuple[object, tuple[float, ...]]:
    if draw(st.booleans()):
        value, seconds = draw(SHORT)
        return value, (seconds,)
    pairs = draw(TEMPO_LISTS)
    return [value for value, _ in pairs], tuple(seconds for _, seconds in pairs)


TEMPO_LISTS = st.lists(SHORT, min_size=1, max_size=3)
TIMING = timing_values()
KIND_VALUES = {
    kind: kind_values(kind) for kind in [(), ("hold",), ("reps",), ("duration",), ("reps", "hold")]
}
TEMPO = tempos()
MAYBE_KIND = st.one_of(st.just(()), KINDS)


@dataclass
class Case:
    """A routine as data for YAML and the Routine (or length) the loader must give."""

    data: dict[str, Any]
    expected: Routine
    one_round: float = 0.0
    mappings: list[dict[str, Any]] = field(default_factory=list)

    def length(self, rounds: int) -> float:
        """Seconds without speech over ``rounds``; no rest after the very last exercise."""
        return rounds * self.one_round - self.expected.exercises[-1].rest


def nominal(exercise: Exercise) -> float:
    """Seconds of one exercise without speech, as the format defines them (rest included)."""
    sides = 2 if exercise.sides else 1
    if exercise.work is WorkKind.HOLD:
        work = exercise.hold or 0.0
    elif exercise.work is WorkKind.DURATION:
        work = exercise.duration or 0.0
    else:
        work = (exercise.reps or 0) * (sum(exercise.tempo) + (exercise.hold or 0.0))
    one_set = sides * work + (sides - 1) * exercise.switch
    return (
        exercise.lead_in
        + exercise.sets * one_set
        + (exercise.sets - 1) * exercise.set_rest
        + exercise.rest
    )


# A flat list of draws, one a key, each modelling one loading rule: split up, the rules
# would no longer read side by side with the outcome they predict.
@st.composite
def cases(draw: st.DrawFn) -> Case:  # noqa: C901, PLR0912, PLR0915
    defaults_data, defaults_expected = draw(TIMING)
    default_kind: tuple[str, ...] = draw(MAYBE_KIND)
    kind_data, kind_expected = draw(KIND_VALUES[default_kind])
    defaults_data |= kind_data
    default_tempo: tuple[float, ...] | None = None
    if draw(st.booleans()):
        defaults_data["tempo"], default_tempo = draw(TEMPO)

    exercises_data: list[dict[str, Any]] = []
    exercises: list[Exercise] = []
    for _ in range(draw(st.integers(1, 4))):
        data: dict[str, Any] = {"name": draw(TEXT)}
        own_kind: tuple[str, ...] = draw(MAYBE_KIND if default_kind else KINDS)
        own_kind_data, own_kind_expected = draw(KIND_VALUES[own_kind])
        data |= own_kind_data
        kind = own_kind or default_kind
        values = dict(own_kind_expected if own_kind else kind_expected)
        timing_data, timing_expected = draw(TIMING)
        data |= timing_data
        values |= defaults_expected | timing_expected
        if draw(st.booleans()):
            cue = draw(CUE)
            data["cue"] = cue
            values["cue"] = tuple(cue) if isinstance(cue, list) else (cue,)
        if draw(st.booleans()):
            data["why"] = values["why"] = draw(TEXT)
        if "reps" in kind:
            tempo = default_tempo or (3.0,)
            if draw(st.booleans()):
                data["tempo"], tempo = draw(TEMPO)
            values["tempo"] = tempo
            if draw(st.booleans()):
                phases = draw(PHASES[len(tempo)])
                data["phases"] = phases
                values["phases"] = tuple(phases)
            work = WorkKind.REPS
        else:
            work = WorkKind.HOLD if kind == ("hold",) else WorkKind.DURATION
        exercises_data.append(data)
        exercises.append(Exercise(name=data["name"], work=work, **values))

    top: dict[str, Any] = {"name": draw(TEXT), "exercises": exercises_data}
    routine_values: dict[str, Any] = {}
    for key in ("description", "intro", "outro"):
        if draw(st.booleans()):
            top[key] = routine_values[key] = draw(TEXT)
    if draw(st.booleans()):
        top["language"] = routine_values["language"] = draw(LANGUAGE)
    if draw(st.booleans()):
        top["rounds"] = routine_values["rounds"] = draw(st.integers(1, 3))
    if draw(st.booleans()):
        top["version"] = 1
    empty_defaults = draw(st.booleans())
    if defaults_data or empty_defaults:
        top["defaults"] = defaults_data
    expected = Routine(
        id=ROUTINE_ID,
        name=top["name"],
        exercises=tuple(exercises),
        **routine_values,
    )
    one_round = sum(nominal(e) for e in exercises)
    mappings = [top, defaults_data, *exercises_data]
    return Case(top, expected, one_round, mappings)


@st.composite
def dumped(draw: st.DrawFn, data: object) -> str:
    """``data`` written as YAML in one of the styles people use."""
    return yaml.dump(
        data,
        Dumper=DUMPER,
        allow_unicode=draw(st.booleans()),
        default_flow_style=draw(st.sampled_from([False, None, True])),
        sort_keys=draw(st.booleans()),
        indent=draw(st.integers(2, 6)),
        width=draw(st.sampled_from([40, 80, 1000])),
    )


def outcome(source: str | bytes) -> Routine | RoutineError:
    """Loads ``source``; any exception but RoutineError fails the test."""
    try:
        return load_routine_text(source, PATH, ROUTINE_ID)
    except RoutineError as err:
        return err


def assert_located(source: str | bytes, result: Routine | RoutineError) -> None:
    """Every problem names the file and a real position, in file order."""
    if isinstance(result, Routine):
        return
    assert result.problems
    text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
    last_line = len(LINE_BREAK.findall(text)) + 2
    positions = [(p.line, p.column) for p in result.problems]
    assert positions == sorted(positions)
    for problem in result.problems:
        assert problem.path == PATH
        assert 1 <= problem.line <= last_line
        assert problem.column >= 1
        assert problem.message.strip()
        assert len(str(problem).splitlines()) == 1, "one problem, one line"
        assert str(problem).startswith(f"{PATH}:{problem.line}:{problem.column}: ")


# --- valid routines ------------------------------------------------------------------------


@SETTINGS
@given(data=st.data())
def test_random_valid_routines_load_to_the_expected_routine(data: st.DataObject) -> None:
    case = data.draw(cases())
    text = data.draw(dumped(case.data))
    encoding = data.draw(st.sampled_from(["text", "utf-8", "utf-8 with a BOM"]))
    if encoding == "text":
        result = outcome(text)
    else:
        bom = b"\xef\xbb\xbf" if encoding == "utf-8 with a BOM" else b""
        result = outcome(bom + text.encode("utf-8"))
    too_many = sound_bound(case.expected.exercises, case.expected.rounds) > MAX_CUES
    if case.length(case.expected.rounds) <= FOUR_HOURS and not too_many:
        assert result == case.expected
    elif case.length(case.expected.rounds) <= FOUR_HOURS:
        assert isinstance(result, RoutineError)
        assert all("more than the limit of 10,000" in p.message for p in result.problems)
    else:
        assert isinstance(result, RoutineError)
        assert len(result.problems) == 1 + too_many
        (problem,) = [p for p in result.problems if p.message.startswith("the routine runs ")]
        assert problem.message.endswith(", more than the 4-hour limit")


@SETTINGS
@given(data=st.data())
def test_the_four_hour_limit_is_reported_at_the_exercises_key(data: st.DataObject) -> None:
    case = data.draw(cases())
    rounds = data.draw(st.integers(1, 300))
    case.data["rounds"] = rounds
    text = data.draw(dumped(case.data))
    result = outcome(text)
    too_many = sound_bound(case.expected.exercises, rounds) > MAX_CUES
    if case.length(rounds) <= FOUR_HOURS and not too_many:
        assert result == replace(case.expected, rounds=rounds)
    elif case.length(rounds) <= FOUR_HOURS:
        assert isinstance(result, RoutineError)
        assert all("more than the limit of 10,000" in p.message for p in result.problems)
    else:
        assert isinstance(result, RoutineError)
        assert len(result.problems) == 1 + too_many
        (problem,) = [p for p in result.problems if p.message.startswith("the routine runs ")]
        assert problem.message.endswith(", more than the 4-hour limit")
        line = text.split("\n")[problem.line - 1]
        assert line[problem.column - 1 :].startswith("exercises:")


# --- broken and hostile files ---------------------------------------------------------------


@SETTINGS
@given(source=st.binary(max_size=2000))
def test_random_bytes_never_escape_as_another_exception(source: bytes) -> None:
    assert_located(source, outcome(source))


YAML_ISH = st.text(
    st.sampled_from([*"abnmehold:-[]{},#&*!|>'\"?%@` \t\n0123456789.s\\", "\x00", "é"]),
    max_size=300,
)


@SETTINGS
@given(source=st.one_of(st.text(max_size=500), YAML_ISH))
def test_random_text_never_escapes_as_another_exception(source: str) -> None:
    assert_located(source, outcome(source))


@SETTINGS
@given(data=st.data())
def test_truncated_routines_are_valid_or_located(data: st.DataObject) -> None:
    text = data.draw(dumped(data.draw(cases()).data))
    cut = data.draw(st.integers(0, len(text)))
    as_bytes = data.draw(st.booleans())
    source: str | bytes = text.encode("utf-8")[:cut] if as_bytes else text[:cut]
    assert_located(source, outcome(source))


EDITS = st.sampled_from(["delete", "insert", "duplicate line", "drop line", "indent", "dedent"])


@SETTINGS
@given(data=st.data())
def test_mangled_routines_are_valid_or_located(data: st.DataObject) -> None:
    text = data.draw(dumped(data.draw(cases()).data))
    for _ in range(data.draw(st.integers(1, 4))):
        lines = text.split("\n")
        at = data.draw(st.integers(0, max(len(text) - 1, 0)))
        row = data.draw(st.integers(0, len(lines) - 1))
        edit = data.draw(EDITS)
        if edit == "delete":
            text = text[:at] + text[at + 1 :]
        elif edit == "insert":
            text = text[:at] + data.draw(YAML_ISH.filter(bool)) + text[at:]
        elif edit == "duplicate line":
            lines.insert(row, lines[row])
            text = "\n".join(lines)
        elif edit == "drop line":
            del lines[row]
            text = "\n".join(lines)
        elif edit == "indent":
            lines[row] = "  " + lines[row]
            text = "\n".join(lines)
        else:
            lines[row] = lines[row][2:]
            text = "\n".join(lines)
    assert_located(text, outcome(text))


KEY_TYPO = st.text(st.sampled_from("abcdeilmnoprstuvwxyz_-"), min_size=1, max_size=12)


@SETTINGS
@given(data=st.data())
def test_misspelt_keys_are_named_in_a_located_problem(data: st.DataObject) -> None:
    case = data.draw(cases())
    mapping = data.draw(st.sampled_from([m for m in case.mappings if m]))
    key = data.draw(st.sampled_from(sorted(mapping)))
    typo = data.draw(KEY_TYPO.filter(lambda k: k not in mapping))
    mapping[typo] = mapping.pop(key)
    text = data.draw(dumped(case.data))
    result = outcome(text)
    assert_located(text, result)
    known = TOP_KEYS if mapping is case.data else EXERCISE_KEYS
    if typo not in known:
        assert isinstance(result, RoutineError)
        assert any(f"`{typo}`" in p.message for p in result.problems)


ANY_VALUE = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**30), 10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=20),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@SETTINGS
@given(data=st.data())
def test_values_of_the_wrong_type_are_valid_or_located(data: st.DataObject) -> None:
    case = data.draw(cases())
    for _ in range(data.draw(st.integers(1, 3))):
        mapping = data.draw(st.sampled_from([m for m in case.mappings if m]))
        key = data.draw(st.sampled_from(sorted(mapping)))
        mapping[key] = data.draw(ANY_VALUE)
    text = data.draw(dumped(case.data))
    result = outcome(text)
    assert_located(text, result)
    if isinstance(result, Routine):
        for exercise in result.exercises:
            timings = [exercise.hold, exercise.duration, *exercise.tempo]
            assert all(t is None or 0 < t <= 3600 for t in timings)
            pauses = [exercise.rest, exercise.switch, exercise.lead_in, exercise.set_rest]
            assert all(0 <= t <= 3600 and math.isfinite(t) for t in pauses)
