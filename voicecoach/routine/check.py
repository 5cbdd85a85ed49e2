"""Checking a routine's node tree: each value comes back typed, or its problem is recorded.

``Checker`` walks the nodes ``yaml_nodes.compose`` made, one value at a time, and
records every problem at the key or value that causes it, so one run reports them all;
``routine.build`` puts the checked values together into a ``Routine``.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, NoReturn

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from voicecoach.compile.phrases import is_supported, supported_list
from voicecoach.errors import InternalError, Problem
from voicecoach.limits import MAX_COUNT
from voicecoach.routine.located import clip, line_col, problem
from voicecoach.routine.model import (
    DURATION_HINT,
    EXERCISE_KEYS,
    HOURS_TEXT,
    MAX_DURATION,
    MAX_SPOKEN_CHARS,
    SUPPORTED_VERSIONS,
    TOP_KEYS,
    parse_duration,
)
from voicecoach.routine.yaml_nodes import (
    BOOL_TAG,
    FLOAT_TAG,
    INT_TAG,
    NULL_TAG,
    STR_TAG,
    TEXT_LIKE_TAGS,
    Rejected,
)
from voicecoach.text import speakable

_MAX_GUESSES: Final = 200
"""Unknown keys a file gets a "did you mean" for; past them (a file of 9,000 unknown keys)
each is still reported, with the list of allowed keys, so `validate` stays under a second."""
_MAX_DIGITS: Final = 12  # a number written with more digits is over every limit
_TOO_LARGE: Final = 10**_MAX_DIGITS
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]+)*")


class Invalid(InternalError):
    """A value was wrong; its problem is already recorded."""


_CONSTRUCT = SafeConstructor()


def describe(node: Node) -> str:
    """How a message names a node: its kind, or its text quoted as the file has it."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == NULL_TAG:
        return "an empty value"
    text = clip(str(node.value))
    if isinstance(node, ScalarNode) and node.style in ("'", '"'):
        return f"the quoted text `{node.style}{text}{node.style}`"
    return f"`{text}`"


@dataclass(frozen=True)
class Entry:
    """A key as it stands in a mapping: its key node and its value node."""

    key: ScalarNode
    value: Node


class Checker:
    """Walks the node tree, collecting problems; values come back typed or raise Invalid."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.guesses = _MAX_GUESSES  # "did you mean" searches left: each costs ~0.3 ms

    def add(self, node_or_mark: Any, message: str) -> None:
        mark = getattr(node_or_mark, "start_mark", node_or_mark)
        self.problems.append(problem(self.path, *line_col(mark), message))

    def invalid(self, node: Node, message: str) -> NoReturn:
        self.add(node, message)
        raise Invalid

    # mappings and keys

    def entries(self, mapping: MappingNode, known: tuple[str, ...], where: str) -> dict[str, Entry]:
        """The mapping's known keys; unknown, duplicate and malformed keys are reported."""
        found: dict[str, Entry] = {}
        seen: dict[str, ScalarNode] = {}
        for key_node, value_node in mapping.value:
            if isinstance(key_node, Rejected):
                continue
            if not isinstance(key_node, ScalarNode):
                self.add(key_node, f"a key must be plain text, not {describe(key_node)}")
                continue
            key = str(key_node.value)
            if not key.strip():
                self.add(key_node, "a key is missing before the `:`")
                continue
            if key in seen:
                first_line = line_col(seen[key].start_mark)[0]
                self.add(
                    key_node,
                    f"duplicate key `{clip(key)}`; it is already set on line {first_line}",
                )
                continue
            seen[key] = key_node
            if key not in known:
                self.add(key_node, _unknown_key(key, known, where, guess=self.guesses > 0))
                self.guesses -= 1
                continue
            found[key] = Entry(key_node, value_node)
        return found

    # scalars

    def _scalar(self, node: Node, label: str, expected: str) -> ScalarNode:
        if isinstance(node, Rejected):
            raise Invalid
        if not isinstance(node, ScalarNode):
            self.invalid(node, f"{label} must be {expected}, not {describe(node)}")
        if node.tag == NULL_TAG:
            self.invalid(node, f"{label} has no value; it must be {expected}")
        return node

    def text(self, node: Node, label: str) -> str:
        scalar = self._scalar(node, label, "text")
        if scalar.tag not in TEXT_LIKE_TAGS:
            self.invalid(node, f"{label} must be text, not {describe(node)}")
        value = str(scalar.value).strip()
        if not value:
            self.invalid(node, f"{label} is blank; write some text or remove it")
        return value

    def spoken(self, node: Node, label: str, limit: int = MAX_SPOKEN_CHARS) -> str:
        """Text a voice will say: it must hold a letter or a digit, and not go on and on."""
        value = self.text(node, label)
        if not speakable(value):
            self.invalid(
                node,
                f"{label} has nothing a voice can say ({describe(node)} holds no letter or "
                f"digit); write it in words",
            )
        if len(value) > limit:
            fix = (
                "split it into a list of shorter lines"
                if limit == MAX_SPOKEN_CHARS
                else "a phase is a word or two said with each rep"
            )
            self.invalid(
                node,
                f"{label} is {len(value):,} characters long; it may have at most {limit:,} ({fix})",
            )
        return value

    def texts(self, node: Node, label: str, limit: int = MAX_SPOKEN_CHARS) -> tuple[str, ...]:
        """A non-empty list of spoken texts."""
        items = self.sequence(node, label, "a list of texts")
        return self.each(items, lambda item, n: self.spoken(item, f"{label} item {n}", limit))

    def text_or_texts(self, node: Node, label: str) -> tuple[str, ...]:
        if isinstance(node, SequenceNode):
            return self.texts(node, label)
        return (self.spoken(node, label),)

    def sequence(self, node: Node, label: str, expected: str) -> list[Node]:
        if isinstance(node, Rejected):
            raise Invalid
        if not isinstance(node, SequenceNode):
            if isinstance(node, ScalarNode) and node.tag == NULL_TAG:
                self.invalid(node, f"{label} has no value; it must be {expected}")
            self.invalid(node, f"{label} must be {expected}, not {describe(node)}")
        if not node.value:
            self.invalid(node, f"{label} is an empty list; it must be {expected}")
        return list(node.value)

    def each(self, items: list[Node], parse: Callable[[Node, int], Any]) -> tuple[Any, ...]:
        """Parses every item, reporting all bad ones before giving up."""
        values: list[Any] = []
        bad = False
        for number, item in enumerate(items, start=1):
            try:
                values.append(parse(item, number))
            except Invalid:
                bad = True
        if bad:
            raise Invalid
        return tuple(values)

    def count(self, node: Node, label: str) -> int:
        expected = "a whole number of at least 1"
        scalar = self._scalar(node, label, expected)
        if scalar.tag != INT_TAG:
            self.invalid(node, f"{label} must be {expected}, not {describe(node)}")
        value = self._int(scalar, label)
        if value < 1:
            self.invalid(node, f"{label} must be at least 1, not {describe(node)}")
        if value > MAX_COUNT:
            self.invalid(node, f"{label} must be at most {MAX_COUNT:,}, not {describe(node)}")
        return value

    def _plain_number(self, node: ScalarNode, label: str) -> None:
        """Refuses YAML 1.1's other ways of writing a whole number: octal (``017`` is 15
        there, 17 in YAML 1.2), hexadecimal, binary and base 60 (``1:30`` is 90 there, text
        in YAML 1.2). Each means something else to some reader, so numbers are decimal;
        a duration may be written ``M:SS`` (see ``parse_duration``), read as such."""
        text = str(node.value).replace("_", "")
        digits = text.lstrip("+-")
        if ":" in text:
            self.invalid(
                node, f"{label} must be a plain whole number, not the base-60 {describe(node)}"
            )
        if digits[:2].lower() in ("0x", "0b", "0o"):
            self.invalid(node, f"{label} must be a plain decimal number, not {describe(node)}")
        if node.tag == INT_TAG and len(digits) > 1 and digits.startswith("0"):
            plain = digits.lstrip("0") or "0"
            self.invalid(
                node,
                f"{label} {describe(node)} has a leading zero, which YAML 1.1 reads as an "
                f"octal number; write `{clip(plain)}`",
            )

    def _int(self, node: ScalarNode, label: str) -> int:
        self._plain_number(node, label)
        text = str(node.value).replace("_", "")
        if len(text.lstrip("+-")) > _MAX_DIGITS:
            # Over every limit; the caller's range check says which, quoting the text.
            return -_TOO_LARGE if text.startswith("-") else _TOO_LARGE
        try:
            return int(_CONSTRUCT.construct_yaml_int(node))
        except (ValueError, OverflowError):
            self.invalid(node, f"{label} is not a number that can be read: {describe(node)}")

    def seconds(self, node: Node, label: str, *, work: bool) -> float:
        """A duration; work must take longer than 0, pauses may be 0; none over an hour."""
        scalar = self._scalar(node, label, DURATION_HINT)
        value: object
        if ":" in str(scalar.value) and scalar.tag in (INT_TAG, FLOAT_TAG, STR_TAG):
            value = str(scalar.value)  # `1:30` as minutes and seconds, whatever YAML made of it
        elif scalar.tag == INT_TAG:
            value = self._int(scalar, label)
        elif scalar.tag == FLOAT_TAG:
            value = float(_CONSTRUCT.construct_yaml_float(scalar))
            if math.isinf(value) and "inf" not in str(scalar.value).lower():  # `9` * 400
                self.invalid(node, f"{label} must be at most 1 hour, not {describe(node)}")
        elif scalar.tag == STR_TAG:
            value = str(scalar.value)
        else:
            self.invalid(node, f"{label} must be {DURATION_HINT}, not {describe(node)}")
        try:
            seconds = parse_duration(value)
        except ValueError:
            hint = "; write an hour as `60m`" if HOURS_TEXT.fullmatch(str(value)) else ""
            self.invalid(node, f"{label} must be {DURATION_HINT}, not {describe(node)}{hint}")
        if work and seconds <= 0:
            self.invalid(node, f"{label} must be longer than 0 seconds, not {describe(node)}")
        if seconds < 0:
            self.invalid(node, f"{label} must be 0 seconds or more, not {describe(node)}")
        if seconds > MAX_DURATION:
            self.invalid(node, f"{label} must be at most 1 hour, not {describe(node)}")
        return seconds

    def tempo(self, node: Node, label: str) -> tuple[float, ...]:
        if isinstance(node, SequenceNode):
            items = self.sequence(node, label, "a duration or a list of durations")
            return self.each(
                items, lambda item, n: self.seconds(item, f"{label} item {n}", work=True)
            )
        return (self.seconds(node, label, work=True),)

    def sides(self, node: Node, label: str) -> tuple[str, str] | None:
        expected = "`true`, `false` or a list of two side labels"
        if isinstance(node, SequenceNode):
            labels = self.texts(node, label)
            if len(labels) != 2:
                self.invalid(node, f"{label} must list exactly two side labels, not {len(labels)}")
            if labels[0].casefold() == labels[1].casefold():
                self.invalid(
                    node, f"{label} must name two different sides, not `{clip(labels[0])}` twice"
                )
            return labels[0], labels[1]
        scalar = self._scalar(node, label, expected)
        if scalar.tag != BOOL_TAG:
            self.invalid(node, f"{label} must be {expected}, not {describe(node)}")
        return ("left", "right") if _CONSTRUCT.construct_yaml_bool(scalar) else None

    def wait(self, node: Node, label: str) -> float | bool:
        """``true`` (wait as long as it takes), ``false`` (no wait) or the longest wait."""
        expected = f"`true`, `false` or the longest wait, {DURATION_HINT}"
        if isinstance(node, ScalarNode) and node.tag == BOOL_TAG:
            return bool(_CONSTRUCT.construct_yaml_bool(node))
        if not isinstance(node, ScalarNode) or node.tag not in (INT_TAG, FLOAT_TAG, STR_TAG):
            self.invalid(node, f"{label} must be {expected}, not {describe(node)}")
        if node.tag == STR_TAG and ":" not in str(node.value):
            try:
                parse_duration(str(node.value))
            except ValueError:
                self.invalid(node, f"{label} must be {expected}, not {describe(node)}")
        return self.seconds(node, label, work=True)

    def version(self, node: Node, label: str) -> int:
        supported = ", ".join(str(v) for v in SUPPORTED_VERSIONS)
        scalar = self._scalar(node, label, f"a version number (supported: {supported})")
        if scalar.tag != INT_TAG:
            self.invalid(
                node,
                f"{label} must be a version number (supported: {supported}), not {describe(node)}",
            )
        value = self._int(scalar, label)
        if value not in SUPPORTED_VERSIONS:
            shown = value if abs(value) < _TOO_LARGE else describe(node)
            self.invalid(node, f"{label} {shown} is not supported; supported versions: {supported}")
        return value

    def language(self, node: Node, label: str) -> str:
        value = self.text(node, label)
        if not _LANGUAGE.fullmatch(value):
            self.invalid(
                node, f"{label} must be a language tag such as `en` or `de`, not {describe(node)}"
            )
        if not is_supported(value):
            self.invalid(
                node,
                f"{label} {describe(node)} is not supported; "
                f"supported languages: {supported_list()}",
            )
        return value


def _unknown_key(key: str, known: tuple[str, ...], where: str, *, guess: bool = True) -> str:
    """The message for an unknown key, pointing to where it belongs or what was meant."""
    normal = key.strip().lower().replace("-", "_").replace(" ", "_")
    key = clip(key)
    if normal in known:
        return f"unknown key `{key}`; did you mean `{normal}`?"
    if where == "top" and normal in EXERCISE_KEYS:
        return (
            f"`{key}` is an exercise key; put it under an exercise, or under `defaults` "
            f"to apply it to every exercise"
        )
    if where == "exercise" and normal in TOP_KEYS:
        return f"`{key}` is a top-level key; it cannot be set on one exercise"
    if where == "defaults" and normal in EXERCISE_KEYS:
        return f"`{key}` cannot have a default; set it on each exercise"
    if where == "defaults" and normal in TOP_KEYS:
        return f"`{key}` is a top-level key; move it out of `defaults`"
    close = difflib.get_close_matches(normal, known, n=1, cutoff=0.6) if guess else []
    if close:
        return f"unknown key `{key}`; did you mean `{close[0]}`?"
    return f"unknown key `{key}`; the keys allowed here are {_listed(known)}"


@functools.lru_cache(maxsize=8)
def _listed(known: tuple[str, ...]) -> str:
    return ", ".join(f"`{k}`" for k in known)


__all__ = ["Checker", "Entry", "Invalid", "describe"]
