"""The JSON Schema agrees with the loader: on shipped routines, fixtures and random routines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voicecoach.cli import main
from voicecoach.errors import RoutineError
from voicecoach.routine.load import load_routine_text
from voicecoach.routine.model import DEFAULT_KEYS, EXERCISE_KEYS, TOP_KEYS
from voicecoach.routine.schema import routine_schema, schema_json

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"

VALIDATOR = jsonschema.Draft202012Validator(routine_schema())

# Invalid fixtures whose problems are structural: keys, types, ranges of plain numbers,
# kinds of work. The schema must reject each.
STRUCTURAL = (
    "bad-defaults",
    "bad-durations",
    "bad-language",
    "bad-sides",
    "bad-version",
    "blank-strings",
    "comments-only",
    "defaults-not-a-mapping",
    "empty",
    "empty-exercises",
    "exercise-items",
    "exercises-not-a-list",
    "many-problems",
    "missing-required",
    "top-level-list",
    "top-level-scalar",
    "unknown-keys",
    "unsupported-language",
    "work-kinds",
    "wrong-types",
)
# Invalid fixtures a JSON Schema cannot judge, and why.
NOT_STRUCTURAL = {
    "Bad_Name": "the id comes from the file name",
    "phases-mismatch": "the count of phases against the count of tempo entries",
    "too-long": "the 4-hour limit on the whole routine",
    "duplicate-keys": "YAML-level: JSON has no duplicate keys",
    "anchor-reuse": "YAML-level: anchors and aliases",
    "alias-bomb": "YAML-level: alias expansion",
    "deep-nesting": "YAML-level: nesting depth",
    "deep-block-nesting": "YAML-level: nesting depth",
    "non-string-keys": "YAML-level: keys that are not text",
    "python-tag": "YAML-level: tags",
    "two-documents": "YAML-level: several documents",
    "bad-indentation": "YAML syntax",
    "tab-indent": "YAML syntax",
    "unterminated-quote": "YAML syntax",
    "whitespace-only": "YAML syntax",
    "binary-junk": "encoding",
    "control-character": "encoding",
    "latin1": "encoding",
    "nul-byte": "encoding",
    "utf16": "encoding",
}


def document(path: Path) -> Any:
    return yaml.safe_load(path.read_bytes())


class PlainDumper(yaml.SafeDumper):
    """Writes a value shared by two keys twice, rather than as an anchor and an alias."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def as_yaml(doc: Any) -> str:
    return yaml.dump(doc, Dumper=PlainDumper, allow_unicode=True, sort_keys=False)


def loads(doc: Any) -> bool:
    """Whether the loader accepts ``doc`` written out as YAML."""
    text = as_yaml(doc)
    try:
        load_routine_text(text, "generated.yaml", "generated")
    except RoutineError:
        return False
    return True


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = routine_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_it_names_exactly_the_loaders_keys() -> None:
    schema = routine_schema()
    top = schema["properties"]
    assert tuple(top) == TOP_KEYS
    assert tuple(top["exercises"]["items"]["properties"]) == EXERCISE_KEYS
    assert tuple(top["defaults"]["properties"]) == DEFAULT_KEYS
    assert schema["additionalProperties"] is False
    assert top["exercises"]["items"]["additionalProperties"] is False
    assert top["defaults"]["additionalProperties"] is False


def test_every_key_has_a_description() -> None:
    schema = routine_schema()
    objects = [
        schema,
        schema["properties"]["exercises"]["items"],
        schema["properties"]["defaults"],
    ]
    for obj in objects:
        for key, value in obj["properties"].items():
            assert len(value.get("description", "")) > 10, key


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "routines").glob("*.yaml")) + sorted((DATA / "valid").glob("*.yaml")),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_it_accepts_every_shipped_routine_and_valid_fixture(path: Path) -> None:
    errors = [e.message for e in VALIDATOR.iter_errors(document(path))]
    assert errors == []


def test_there_are_shipped_routines_to_check() -> None:
    assert len(list((ROOT / "routines").glob("*.yaml"))) >= 3


@pytest.mark.parametrize("name", STRUCTURAL)
def test_it_rejects_the_structurally_invalid_fixtures(name: str) -> None:
    assert not VALIDATOR.is_valid(document(DATA / "invalid" / f"{name}.yaml"))


def test_every_invalid_fixture_is_sorted_into_one_list() -> None:
    names = {p.stem for p in (DATA / "invalid").glob("*.yaml")}
    assert names == set(STRUCTURAL) | set(NOT_STRUCTURAL)
    assert not set(STRUCTURAL) & set(NOT_STRUCTURAL)


@pytest.mark.parametrize(
    ("value", "work", "valid"),
    [
        ("30s", True, True),
        ("1m", True, True),
        ("1m30s", True, True),
        (" 1M 30S ", True, True),
        ("90s", True, True),
        ("45", True, True),
        ("+5", True, True),
        (".5s", True, True),
        ("2.5", True, True),
        ("0m5s", True, True),
        ("0s", True, False),
        ("0", True, False),
        ("0.0m0s", True, False),
        ("-0", True, False),
        ("-5", True, False),
        ("1h", True, False),
        ("5 sec", True, False),
        ("m", True, False),
        ("", True, False),
        ("0", False, True),
        ("0s", False, True),
        ("-0", False, True),
        ("-0.0", False, True),
        ("-5s", False, False),
        ("-0s", False, True),
        ("- 0m 0s", False, True),
        ("-0s", True, False),
        ("+5s", True, True),
        ("+ 1m", True, True),
        ("- 1m", False, False),
        ("-1", False, False),
        ("30s", False, True),
        ("1:30", True, True),
        ("0:30", False, True),
        ("0:05.5", True, True),
        ("0:00", True, False),
        ("0:00", False, True),
        ("-0:00", False, True),
        ("-0:30", False, False),
        ("1:75", True, False),
        ("1:30:00", True, False),
        (0, True, False),
        (0, False, True),
        (3600, True, True),
        (3600.5, True, False),
        (-1, False, False),
        (True, True, False),
    ],
)
def test_durations_agree_with_the_loader(value: object, work: bool, valid: bool) -> None:
    key = "hold" if work else "rest"
    doc = {"name": "D", "exercises": [{"name": "E", "hold": 10, key: value}]}
    assert VALIDATOR.is_valid(doc) is valid
    assert loads(doc) is valid


def test_the_schema_command_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["schema"])
    out, err = capsys.readouterr()
    assert (exited.value.code, err) == (0, "")
    assert out == schema_json()
    assert json.loads(out) == routine_schema()


# -- random routines: schema-valid exactly when loader-valid -------------------------------
#
# Each routine is drawn with a level of noise: none (every value and combination valid),
# or a chance at each choice of something wrong: a bad value, a missing or unknown key, a
# forbidden combination of kinds of work, a wrong shape. Values stay small enough that no
# routine nears the 4-hour limit, phases always come with a tempo of the same length, and
# side labels differ in more than case: those rules are beyond a JSON Schema.

GOOD_TEXT = st.one_of(
    st.sampled_from(["Knee hug", "Bridge", "  Padded  ", "Étirement", "Lift"]),
    st.integers(0, 99),
    st.booleans(),
)
BAD_TEXT = st.sampled_from(["", "   ", None, ["a list"], {"a": "map"}])

WORK_TEXTS = ["30s", "0.5m", "0m5s", "20", " 12 ", "+7", ".5s", "5.s", "10S", "2.5", "1M", "+ 5s"]
ZERO_TEXTS = ["0", "0s", "0m", "0m0s", "-0", ".0s", "0.0", "-0s", "- 0m0s", "+0s"]
BAD_TEXTS = ["-5", "-1s", "- 1m", "1h", "abc", "", " ", "m", "s", "-", "5x", "1 m 30", "30 sec"]
BAD_TEXTS += ["--5", "+-5s", "-+0s"]
GOOD_WORK = st.one_of(
    st.integers(1, 30),
    st.floats(0.25, 30, allow_nan=False),
    st.sampled_from(WORK_TEXTS),
    st.builds(lambda s: f"0m{s}s", st.integers(1, 30)),
)
GOOD_PAUSE = st.one_of(GOOD_WORK, st.sampled_from([0, 0.0, *ZERO_TEXTS]))
BAD_PAUSE: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(BAD_TEXTS),
    st.integers(-30, -1),
    st.sampled_from([True, False, None, [], {}, 3601, 5000.5]),
)
BAD_WORK = st.one_of(BAD_PAUSE, st.sampled_from([0, 0.0, "0s", "-0", "0m0s"]))
GOOD_COUNT = st.integers(1, 3)
BAD_COUNT: st.SearchStrategy[Any] = st.sampled_from([0, -1, 2.5, "3", True, None, []])
GOOD_SIDES = st.sampled_from([True, False, ["left", "right"], ["up", "down"], ["a", 2]])
BAD_SIDES = st.sampled_from([["left"], ["a", "b", "c"], ["left", "left"], [], 2, "left", None])
GOOD_LANGUAGE = st.sampled_from(["en", "de", "en-GB", " es ", "de-AT", "es-419"])
BAD_LANGUAGE = st.sampled_from(["English", "e", "EN", "", 12, None, "en_GB", "fr", "pt-BR", "end"])

VALID_KINDS = [("hold",), ("reps",), ("reps", "hold"), ("duration",)]
CONFLICTS = [("hold", "duration"), ("reps", "duration"), ("reps", "hold", "duration")]
TIMING = ("sides", "sets", "set_rest", "switch", "lead_in", "rest")


class Noise:
    """Decides, choice by choice, whether to draw something wrong (never at level 0)."""

    def __init__(self, draw: st.DrawFn, level: int) -> None:
        self.draw = draw
        self.level = level

    def bad(self) -> bool:
        return self.level > 0 and self.draw(st.integers(0, self.level - 1)) == 0

    def pick(self, good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> Any:
        return self.draw(bad) if self.bad() else self.draw(good)

    def maybe(self, chance: int) -> bool:
        """True one time in ``chance``."""
        return self.draw(st.integers(0, chance - 1)) == 0


def kinds_of_work(noise: Noise, *, may_omit: bool) -> dict[str, Any]:
    options = VALID_KINDS + ([()] if may_omit else [])
    if noise.bad():
        options = [*VALID_KINDS, (), *CONFLICTS]
    kinds = noise.draw(st.sampled_from(options))
    return {
        kind: noise.pick(GOOD_COUNT, BAD_COUNT)
        if kind == "reps"
        else noise.pick(GOOD_WORK, BAD_WORK)
        for kind in kinds
    }


def timing(noise: Noise) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in TIMING:
        if noise.maybe(3):
            if key == "sides":
                out[key] = noise.pick(GOOD_SIDES, BAD_SIDES)
            elif key == "sets":
                out[key] = noise.pick(GOOD_COUNT, BAD_COUNT)
            else:
                out[key] = noise.pick(GOOD_PAUSE, BAD_PAUSE)
    return out


GOOD_WAIT = st.one_of(st.booleans(), GOOD_WORK)
BAD_WAIT: st.SearchStrategy[Any] = st.sampled_from(["soon", 0, "0s", -5, None, [], "true"])


def tempo(noise: Noise, count: int) -> Any:
    entries = [noise.pick(GOOD_WORK, BAD_WORK) for _ in range(count)]
    return entries[0] if count == 1 and noise.maybe(2) else entries


def waiting(noise: Noise, exercise: dict[str, Any]) -> dict[str, Any]:
    """`wait` and `remind`: where they fit (a wait alone or with plain reps, a reminder
    with a wait) unless this draw is a broken one, which may put them anywhere."""
    out: dict[str, Any] = {}
    fits = not exercise.keys() & {"hold", "duration", "tempo", "phases"}
    if noise.bad():
        if noise.maybe(3):
            out["wait"] = noise.pick(GOOD_WAIT, BAD_WAIT)
        if noise.maybe(4):
            out["remind"] = noise.pick(GOOD_PAUSE, BAD_PAUSE)
    elif fits and noise.maybe(4):
        out["wait"] = noise.draw(GOOD_WAIT)
        if out["wait"] is not False and noise.maybe(2):
            out["remind"] = noise.draw(GOOD_PAUSE)
    return out


def an_exercise(noise: Noise, defaults: dict[str, Any] | None) -> Any:
    if noise.bad() and noise.maybe(4):
        return noise.draw(st.sampled_from(["Knee hug", None, ["Bridge", 10], 5]))
    inherited = set(defaults or {}) & {"hold", "reps", "duration"}
    out: dict[str, Any] = {}
    if not (noise.bad() and noise.maybe(2)):
        out["name"] = noise.pick(GOOD_TEXT, BAD_TEXT)
    if noise.maybe(2):
        if noise.maybe(2):
            out["cue"] = noise.pick(GOOD_TEXT, BAD_TEXT)
        else:
            out["cue"] = [
                noise.pick(GOOD_TEXT, BAD_TEXT) for _ in range(noise.draw(st.integers(1, 2)))
            ]
            if noise.bad():
                out["cue"] = []
    if noise.maybe(3):
        out["why"] = noise.pick(GOOD_TEXT, BAD_TEXT)
    out |= kinds_of_work(noise, may_omit=bool(inherited))
    counted = "reps" in out or (not out.keys() & {"hold", "duration"} and "reps" in inherited)
    if (counted or noise.bad()) and noise.maybe(2):
        count = noise.draw(st.integers(1, 3))
        out["tempo"] = tempo(noise, count)
        if noise.maybe(2):
            out["phases"] = [noise.pick(GOOD_TEXT, BAD_TEXT) for _ in range(count)]
    elif noise.bad() and noise.maybe(3):
        out["phases"] = noise.draw(st.sampled_from(["Open", [], None]))
    out |= waiting(noise, out)
    out |= timing(noise)
    if noise.bad() and noise.maybe(3):
        out[noise.draw(st.sampled_from(["holdd", "rounds", "lead-in", "colour"]))] = 1
    return out


def some_defaults(noise: Noise) -> Any:
    if noise.bad() and noise.maybe(3):
        return noise.draw(st.sampled_from([[], "20s", None]))
    out = kinds_of_work(noise, may_omit=True) if noise.maybe(2) else {}
    if noise.maybe(4):
        out["tempo"] = tempo(noise, noise.draw(st.integers(1, 2)))
    out |= timing(noise)
    if noise.bad() and noise.maybe(3):
        out[noise.draw(st.sampled_from(["name", "phases", "cue", "rounds"]))] = "x"
    return out


# One draw a key of the format, good or broken: a flat list, read against the schema.
@st.composite
def routine_dicts(draw: st.DrawFn) -> Any:  # noqa: C901
    noise = Noise(draw, draw(st.sampled_from([0, 0, 12, 4])))
    if noise.bad() and noise.maybe(6):
        return draw(st.sampled_from([None, [], "text", 3, [{"name": "x", "hold": 5}]]))
    doc: dict[str, Any] = {}
    if noise.maybe(4):
        doc["version"] = noise.pick(st.just(1), st.sampled_from([2, "1", 0, True, None]))
    if not (noise.bad() and noise.maybe(3)):
        doc["name"] = noise.pick(GOOD_TEXT, BAD_TEXT)
    for key in ("description", "intro", "outro"):
        if noise.maybe(4):
            doc[key] = noise.pick(GOOD_TEXT, BAD_TEXT)
    if noise.maybe(4):
        doc["language"] = noise.pick(GOOD_LANGUAGE, BAD_LANGUAGE)
    if noise.maybe(4):
        doc["rounds"] = noise.pick(st.integers(1, 2), BAD_COUNT)
    defaults = None
    if noise.maybe(2):
        doc["defaults"] = defaults = some_defaults(noise)
    if not isinstance(defaults, dict):
        defaults = None
    if not (noise.bad() and noise.maybe(3)):
        count = draw(st.integers(1, 3))
        doc["exercises"] = [an_exercise(noise, defaults) for _ in range(count)]
    if noise.bad() and noise.maybe(3):
        doc["exercises"] = draw(st.sampled_from([[], {"Knee hug": {"hold": 5}}, "Knee hug", None]))
    if noise.bad() and noise.maybe(4):
        doc[draw(st.sampled_from(["hold", "descripton", "exercise"]))] = "30s"
    return doc


@given(routine_dicts())
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_schema_valid_exactly_when_loader_valid(doc: Any) -> None:
    by_schema = VALIDATOR.is_valid(doc)
    by_loader = loads(doc)
    assert by_schema == by_loader, (
        f"schema says {by_schema}, loader says {by_loader}:\n"
        + as_yaml(doc)
        + "\n".join(e.message for e in VALIDATOR.iter_errors(doc))
    )


def test_the_generator_makes_both_valid_and_invalid_routines() -> None:
    """Guards the property above against a generator that only ever makes one side."""
    outcomes: list[bool] = []

    @given(routine_dicts())
    @settings(
        max_examples=300,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],  # drawing is slow on a busy machine
    )
    def collect(doc: Any) -> None:
        outcomes.append(VALIDATOR.is_valid(doc))

    collect()
    assert outcomes.count(True) >= 60
    assert outcomes.count(False) >= 60
