"""A JSON Schema of routine format version 1, for completion and checks in editors.

Editors that speak the YAML language server read it to complete keys, show each key's
meaning on hover and flag mistakes as you type. It states the file's *structure* (keys,
types, ranges of plain numbers, the allowed combinations of `hold`, `reps` and `duration`)
exactly as the loader checks it; a test keeps the two in agreement.

What it cannot state, and the loader still checks: that `phases` has as many entries as
`tempo`, that a duration written as text is at most an hour, that two side labels differ
in more than letter case, that spoken text holds a letter or a digit and at most 500
characters, the limits on a whole routine (4 hours, 10,000 sounds, 20,000 YAML values),
that numbers are written in plain decimal (YAML 1.1 reads `017` as octal), and YAML-level
problems (duplicate keys, tags, encodings). `voicecoach validate` reports those.

The schema declares draft 2020-12 but uses only keywords that draft 7 also knows, since
editors' validators still mostly implement draft 7. Shared parts are written out in place
rather than referenced, so every key carries its own description on hover.
"""

from __future__ import annotations

import json
from typing import Any

from voicecoach.compile.phrases import SUPPORTED_LANGUAGES
from voicecoach.limits import MAX_COUNT
from voicecoach.routine.model import DEFAULT_KEYS, EXERCISE_KEYS, KIND_KEYS, MAX_DURATION, TOP_KEYS

Schema = dict[str, Any]

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# A duration as text, as the loader reads it after trimming spaces: a plain number of
# seconds, or minutes and/or seconds with units (`1m30s`, `1m 30s`, `90s`), in any case,
# with an optional sign.
_NUM = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_ZERO = r"(?:0+(?:\.0*)?|\.0+)"


def _units(num: str) -> str:
    return rf"(?:{num}\s*[mM](?:\s*{num}\s*[sS])?|{num}\s*[sS])"


# Minutes and seconds (`1:30`, `0:05.5`); YAML 1.2 reads them as text, YAML 1.1 as a
# base-60 number: the loader reads both as minutes and seconds.
_CLOCK = r"[0-9]+:[0-5][0-9](?:\.[0-9]*)?"
_ZERO_CLOCK = r"0+:00(?:\.0*)?"

# Pauses may be 0, and a negative zero (`-0`, `-0s`) is 0 too; work must be longer than 0,
# which for text means at least one digit that is not 0.
PAUSE_TEXT = (
    rf"^\s*(?:\+?{_NUM}|-{_ZERO}|\+?\s*{_units(_NUM)}|-\s*{_units(_ZERO)}"
    rf"|\+?{_CLOCK}|-{_ZERO_CLOCK})\s*$"
)
WORK_TEXT = rf"^(?=[^1-9]*[1-9])\s*(?:\+?{_NUM}|\+?\s*{_units(_NUM)}|\+?{_CLOCK})\s*$"

_EXERCISE_HELP: dict[str, str] = {
    "name": "Spoken before the exercise starts; also the chapter title.",
    "cue": "How to do it: a sentence, or a list of sentences. Spoken after the name, "
    "before the lead-in.",
    "why": "Why it helps. Shown by `voicecoach show`; spoken only when explanations are "
    "asked for (`--explain`).",
    "hold": "The work is one timed hold (a stretch or a position), e.g. `30s`. With "
    "`reps`: each rep is held at its top for this long.",
    "reps": "The work is repetitions, counted aloud.",
    "tempo": "With `reps`: seconds per rep, or a list with the seconds of each phase of a "
    "rep. Default 3s.",
    "phases": "With `reps`: the words spoken at each phase of a rep, one per `tempo` "
    "entry, e.g. [Lift, Lower].",
    "duration": "The work is a timed activity that is not counted (foam rolling, "
    "marching), e.g. `2m`.",
    "sides": "`true` to do the work once per side (left, then right), or a list of two "
    "side labels in order. Default false.",
    "sets": "How many times the work (all sides) is done. Default 1.",
    "set_rest": "Pause between sets. Default 10s.",
    "switch": "Time given to change sides. Default 5s.",
    "lead_in": "Time to get into position after the cue, before the work starts. Default 5s.",
    "rest": "Rest after this exercise, before the next one is announced; none after the "
    "last. Default 10s.",
    "wait": "Wait for the person to press play before going on: `true`, or the longest "
    "wait (e.g. `2m`), after which the session goes on by itself. Alone it is a step "
    "such as fetching a band; with `reps` the reps are done at the person's own pace. "
    "An export gives the wait its longest (1 minute for `true`).",
    "remind": "With `wait`: how often a gentle reminder is said while waiting; `0` for "
    "silence. Default 30s.",
}

_TOP_HELP: dict[str, str] = {
    "version": "Format version. Only 1 exists.",
    "name": "The routine's title, spoken at the start.",
    "description": "Shown by `voicecoach list` and `show`; not spoken.",
    "language": "Language of the text: "
    + ", ".join(f"`{code}`" for code in SUPPORTED_LANGUAGES)
    + ", or one with a region such as `es-MX`. Picks the voice and the built-in phrases. "
    "Default en.",
    "intro": "Spoken after the title, before the first exercise.",
    "outro": "Spoken after the last exercise.",
    "rounds": "How many times the whole exercise list is done. Default 1.",
    "defaults": "Defaults for the exercises' timing keys; an exercise's own value wins. "
    "A kind of work here (`hold`, `reps` or `duration`) applies to exercises that set none.",
    "exercises": "The exercises, in order; at least one.",
}


def _text(description: str) -> Schema:
    """Text; the loader also reads a plain number or true/false as its words."""
    return {
        "description": description,
        "anyOf": [
            {"type": "string", "pattern": r"\S"},
            {"type": ["number", "boolean"]},
        ],
    }


def _texts(description: str) -> Schema:
    return {
        "description": description,
        "type": "array",
        "minItems": 1,
        "items": _text("One line of text."),
    }


def _count(description: str) -> Schema:
    return {"description": description, "type": "integer", "minimum": 1, "maximum": MAX_COUNT}


def _duration(description: str, *, work: bool) -> Schema:
    number: Schema = {"type": "number", "maximum": MAX_DURATION}
    number["exclusiveMinimum" if work else "minimum"] = 0
    text: Schema = {"type": "string", "pattern": WORK_TEXT if work else PAUSE_TEXT}
    examples = ["30s", "1m", "1m30s", 45] if work else ["10s", "0", "1m"]
    return {"description": description, "anyOf": [number, text], "examples": examples}


def _exercise_value(key: str) -> Schema:
    help_text = _EXERCISE_HELP[key]
    if key == "name":
        return _text(help_text)
    if key == "why":
        return _text(help_text)
    if key == "cue":
        return {"description": help_text, "anyOf": [_text("One sentence."), _texts("Lines.")]}
    if key in ("hold", "duration"):
        return _duration(help_text, work=True)
    if key in ("reps", "sets"):
        return _count(help_text)
    if key == "tempo":
        step = "Seconds of one rep, or of one phase of a rep."
        return {
            "description": help_text,
            "anyOf": [
                _duration(step, work=True),
                {
                    "type": "array",
                    "minItems": 1,
                    "items": _duration(step, work=True),
                },
            ],
        }
    if key == "phases":
        return _texts(help_text)
    if key == "wait":
        return {
            "description": help_text,
            "anyOf": [{"type": "boolean"}, _duration(help_text, work=True)],
        }
    if key == "sides":
        return {
            "description": help_text,
            "anyOf": [
                {"type": "boolean"},
                {
                    "type": "array",
                    "minItems": 2,
                    "maxItems": 2,
                    "uniqueItems": True,
                    "items": _text("A side's label, spoken when that side starts."),
                },
            ],
        }
    return _duration(help_text, work=False)


def _has_any(keys: tuple[str, ...]) -> Schema:
    return {"anyOf": [{"required": [k]} for k in keys]}


_HAS_KIND = _has_any(KIND_KEYS)
_WAITS: Schema = {"required": ["wait"], "properties": {"wait": {"not": {"const": False}}}}
"""An exercise that waits for the person: a kind of work of its own (or reps at their own
pace), so it takes no kind of work from `defaults`."""
_HAS_KIND_OR_WAIT: Schema = {"anyOf": [*_HAS_KIND["anyOf"], _WAITS]}
# `duration` goes with nothing else; `reps` with `hold` means a hold at the top of each rep.
_NO_KIND_CONFLICT: Schema = {
    "not": {"anyOf": [{"required": ["duration", k]} for k in ("hold", "reps")]}
}
_NO_REP_KEYS: Schema = {"not": _has_any(("tempo", "phases"))}
_HOLD_OR_DURATION_ONLY: Schema = {
    "anyOf": [{"required": ["hold"]}, {"required": ["duration"]}],
    "not": {"required": ["reps"]},
}


def _exercise() -> Schema:
    return {
        "type": "object",
        "description": "One exercise: a `name` and its kind of work: `hold`, `reps` (with an "
        "optional `hold` per rep), `duration` or `wait`.",
        "required": ["name"],
        "additionalProperties": False,
        "properties": {key: _exercise_value(key) for key in EXERCISE_KEYS},
        "allOf": [
            _NO_KIND_CONFLICT,
            # `tempo` and `phases` belong to counted reps only.
            {"if": _HOLD_OR_DURATION_ONLY, "then": _NO_REP_KEYS},
            # A wait goes alone or with `reps` (at the person's own pace, not counted).
            {"if": _WAITS, "then": {"not": _has_any(("hold", "duration", "tempo", "phases"))}},
            {"if": {"not": _WAITS}, "then": {"not": {"required": ["remind"]}}},
        ],
    }


def _defaults() -> Schema:
    return {
        "type": "object",
        "description": _TOP_HELP["defaults"],
        "additionalProperties": False,
        "properties": {key: _exercise_value(key) for key in DEFAULT_KEYS},
        "allOf": [_NO_KIND_CONFLICT],
    }


def routine_schema() -> Schema:
    """The schema of one routine file (format version 1)."""
    top: dict[str, Schema] = {
        "version": {"description": _TOP_HELP["version"], "type": "integer", "enum": [1]},
        "name": _text(_TOP_HELP["name"]),
        "description": _text(_TOP_HELP["description"]),
        "language": {
            "description": _TOP_HELP["language"],
            "type": "string",
            # A supported language, with any region or script subtags (`de-AT`, `es-419`).
            "pattern": rf"^\s*(?:{'|'.join(SUPPORTED_LANGUAGES)})(?:-[A-Za-z0-9]+)*\s*$",
            "examples": ["en", "de", "es"],
        },
        "intro": _text(_TOP_HELP["intro"]),
        "outro": _text(_TOP_HELP["outro"]),
        "rounds": _count(_TOP_HELP["rounds"]),
        "defaults": _defaults(),
        "exercises": {
            "description": _TOP_HELP["exercises"],
            "type": "array",
            "minItems": 1,
            "items": _exercise(),
        },
    }
    assert tuple(top) == TOP_KEYS
    defaults_kind: Schema = {"required": ["defaults"], "properties": {"defaults": _HAS_KIND}}
    defaults_hold_or_duration: Schema = {
        "required": ["defaults"],
        "properties": {"defaults": _HOLD_OR_DURATION_ONLY},
    }
    own_kind_missing: Schema = {"not": _HAS_KIND_OR_WAIT}
    return {
        "$schema": DIALECT,
        "title": "voicecoach routine (format version 1)",
        "description": "A voice-guided exercise routine for voicecoach. Durations are seconds "
        "(30, 2.5) or text such as 30s, 1m, 1m30s.",
        "type": "object",
        "required": ["name", "exercises"],
        "additionalProperties": False,
        "properties": top,
        "allOf": [
            # Without a kind of work in `defaults`, every exercise names its own.
            {
                "if": {"not": defaults_kind},
                "then": {"properties": {"exercises": {"items": _HAS_KIND_OR_WAIT}}},
            },
            # Exercises that take a hold or a duration from `defaults` have no reps to pace.
            {
                "if": defaults_hold_or_duration,
                "then": {
                    "properties": {
                        "exercises": {"items": {"if": own_kind_missing, "then": _NO_REP_KEYS}}
                    }
                },
            },
        ],
    }


def schema_json() -> str:
    """The schema as `voicecoach schema` prints it."""
    return json.dumps(routine_schema(), indent=2, ensure_ascii=False) + "\n"
