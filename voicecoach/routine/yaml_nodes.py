"""Composing a routine file's YAML safely into a node tree, every refusal located.

Routine files come from other people, so the YAML is composed with PyYAML's safe parts
only: no anchors, aliases or custom tags, bounded depth and size. libyaml parses when it
is installed; the composing (and its checks) stays ours, and a file deep enough to hit
libyaml's own nesting limit is composed again by the pure-Python parser, so the message
is the same either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from yaml.composer import Composer
from yaml.error import MarkedYAMLError, YAMLError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from voicecoach.errors import InternalError, Problem, RoutineError
from voicecoach.routine.located import fail, line_col, position_in_text, problem
from voicecoach.routine.model import MAX_DEPTH, MAX_VALUES

_TAG = "tag:yaml.org,2002:"
STR_TAG, INT_TAG, FLOAT_TAG, BOOL_TAG, NULL_TAG = (
    _TAG + t for t in ("str", "int", "float", "bool", "null")
)
_SEQ, _MAP, _TIMESTAMP, _MERGE = (_TAG + t for t in ("seq", "map", "timestamp", "merge"))
_ALLOWED_TAGS: Final = frozenset(
    {STR_TAG, INT_TAG, FLOAT_TAG, BOOL_TAG, NULL_TAG, _SEQ, _MAP, _TIMESTAMP}
)
TEXT_LIKE_TAGS: Final = frozenset({STR_TAG, INT_TAG, FLOAT_TAG, BOOL_TAG, _TIMESTAMP})


class Rejected(ScalarNode):
    """Stands in for a node whose problem is already recorded (alias, custom tag)."""

    def __init__(self, start_mark: Any, end_mark: Any) -> None:
        super().__init__("!rejected", "", start_mark, end_mark)


class _TooMany(InternalError):
    def __init__(self, mark: Any) -> None:
        super().__init__("too many values")
        self.mark = mark


class _TooDeep(InternalError):
    def __init__(self, mark: Any) -> None:
        super().__init__("nested too deeply")
        self.mark = mark


class _AliasMarks(list[Any]):
    """Where the aliases are; each counts against ``MAX_VALUES``, like a value."""

    def __init__(self, composer: _RoutineComposer) -> None:
        super().__init__()
        self.composer = composer

    def append(self, mark: Any) -> None:
        self.composer.counted(mark)
        super().append(mark)


class _RoutineComposer(Composer):
    """PyYAML's composer with the hostile parts refused.

    Aliases and anchors are never expanded (so an alias bomb costs nothing), explicit tags
    outside the plain YAML types are refused, and nesting stops at ``MAX_DEPTH``. Each
    refusal is recorded as a located problem and composing goes on, so one run reports
    them all.
    """

    found: list[tuple[Any, str]]
    alias_marks: list[Any]
    anchor_marks: list[Any]
    depth: int

    def _start_checks(self) -> None:
        self.found = []
        self.alias_marks = _AliasMarks(self)
        self.anchor_marks = []
        self.depth = 0

    def refusals(self) -> list[tuple[Any, str]]:
        """Everything refused while composing; aliases and anchors once each, counted."""
        found = list(self.found)
        for marks, what, fix in (
            (self.alias_marks, "aliases (`*name`)", "write the value out"),
            (self.anchor_marks, "anchors (`&name`)", "remove them"),
        ):
            if marks:
                counted = f" ({len(marks)} in this file)" if len(marks) > 1 else ""
                found.append(
                    (marks[0], f"{what} are not allowed in a routine file{counted}; {fix}")
                )
        return found

    def counted(self, mark: Any = None) -> None:
        """Counts one more value (or alias); past ``MAX_VALUES`` composing stops."""
        events: Any = self
        self.values = getattr(self, "values", 0) + 1
        if self.values > MAX_VALUES:
            raise _TooMany(mark or events.peek_event().start_mark)

    def compose_scalar_node(self, anchor: Any) -> ScalarNode:
        self.counted()
        return super().compose_scalar_node(anchor)

    def compose_sequence_node(self, anchor: Any) -> SequenceNode:
        self.counted()
        return super().compose_sequence_node(anchor)

    def compose_mapping_node(self, anchor: Any) -> MappingNode:
        self.counted()
        return super().compose_mapping_node(anchor)

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        events: Any = self  # the parser half of the loader (pure Python or libyaml)
        if events.check_event(AliasEvent):
            event = events.get_event()
            self.alias_marks.append(event.start_mark)
            return Rejected(event.start_mark, event.end_mark)
        event = events.peek_event()
        if self.depth >= MAX_DEPTH:
            raise _TooDeep(event.start_mark)
        if getattr(event, "anchor", None) is not None:
            self.anchor_marks.append(event.start_mark)
            event.anchor = None
        self.depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        if node is not None and node.tag not in _ALLOWED_TAGS:
            if node.tag == _MERGE:
                message = "merge keys (`<<`) are not allowed in a routine file; write the keys out"
            else:
                shown = node.tag.replace(_TAG, "!!")
                message = f"the YAML tag `{shown}` is not allowed in a routine file; remove it"
            self.found.append((node.start_mark, message))
            return Rejected(node.start_mark, node.end_mark)
        return node


class _PyLoader(Reader, Scanner, Parser, _RoutineComposer, Resolver):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        _RoutineComposer.__init__(self)
        Resolver.__init__(self)
        self._start_checks()


_Loader: Callable[[str], Any] = _PyLoader
try:  # libyaml parses several times faster; the composing (and its checks) stays ours.
    from yaml._yaml import CParser

    class _CLoader(_RoutineComposer, CParser, Resolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _RoutineComposer.__init__(self)
            Resolver.__init__(self)
            self._start_checks()

    _Loader = _CLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    pass


def _syntax_problem(err: MarkedYAMLError, text: str, path: str) -> Problem:
    mark = err.problem_mark or err.context_mark
    line, column = line_col(mark)
    if "single document" in str(err.context):
        return problem(
            path, line, column, "a routine file holds one YAML document; remove this second one"
        )
    message = f"YAML syntax error: {err.problem or err.context or 'cannot parse'}"
    if err.context and err.problem and err.context_mark is not None:
        at_line, at_column = line_col(err.context_mark)
        message += f" ({err.context}, which starts at line {at_line}, column {at_column})"
    lines = text.splitlines()
    if 0 < line <= len(lines) and lines[line - 1][column - 1 : column] == "\t":
        message += "; indent with spaces, not tabs"
    elif "mapping values are not allowed" in message:
        message += "; check this line's indentation, or put text containing `: ` in quotes"
    return problem(path, line, column, message)


def _parser_too_deep(err: MarkedYAMLError) -> bool:
    """Whether a parser stopped at a nesting limit of its own (libyaml's, 1,000 levels since
    0.2.5): its scanner runs ahead of the composer, so it can get there first."""
    return "nesting depth" in f"{err.problem} {err.context}"


class _ParserTooDeep(InternalError):
    """libyaml stopped at its own nesting limit before the composer's check."""


def compose(text: str, path: str) -> tuple[Node | None, list[Problem]]:
    try:
        return _compose_with(_Loader, text, path)
    except _ParserTooDeep:
        # The same check, and so the same located message, whichever libyaml is installed:
        # the pure-Python parser reads no further ahead than the composer asks.
        return _compose_with(_PyLoader, text, path)


def _compose_with(
    make: Callable[[str], Any], text: str, path: str
) -> tuple[Node | None, list[Problem]]:
    loader = make(text)
    try:
        node = loader.get_single_node()
    except _TooDeep as err:
        line, column = line_col(err.mark)
        fail(path, f"the YAML is nested more than {MAX_DEPTH} levels deep", line, column)
    except RecursionError:
        fail(path, f"the YAML is nested more than {MAX_DEPTH} levels deep")
    except _TooMany as err:
        line, column = line_col(err.mark)
        fail(
            path,
            f"the file holds more than {MAX_VALUES:,} YAML values (keys, texts and numbers); "
            f"split the routine into shorter ones",
            line,
            column,
        )
    except MarkedYAMLError as err:
        if make is not _PyLoader and _parser_too_deep(err):
            raise _ParserTooDeep from None
        raise RoutineError([_syntax_problem(err, text, path)]) from None
    except ReaderError as err:
        line, column = position_in_text(text, min(err.position, len(text)))
        fail(path, f"YAML cannot read this file: {err.reason}", line, column)
    except YAMLError as err:
        fail(path, f"YAML syntax error: {err}")
    finally:
        loader.dispose()
    found = [problem(path, *line_col(mark), message) for mark, message in loader.refusals()]
    return node, found


__all__ = [
    "BOOL_TAG",
    "FLOAT_TAG",
    "INT_TAG",
    "NULL_TAG",
    "STR_TAG",
    "TEXT_LIKE_TAGS",
    "Rejected",
    "compose",
]
