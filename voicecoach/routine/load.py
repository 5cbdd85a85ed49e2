"""The routine format (version 1): typed, frozen data, and loading with located errors.

Routine files come from other people, so loading never trusts them: the YAML is composed
into a node tree (safe loader, no anchors, aliases or custom tags, bounded depth and
size) and every key and value is checked against its node, so each problem is reported
as ``PATH:LINE:COLUMN: message`` at the key or value that causes it. All problems in a
file are collected and raised together as one :class:`RoutineError`.
"""

from __future__ import annotations

import codecs
import difflib
import enum
import functools
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final, NoReturn

from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.error import MarkedYAMLError, YAMLError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from voicecoach.compile.phrases import is_supported, supported_list
from voicecoach.durations import format_span
from voicecoach.errors import (
    FileTooLargeError,
    InternalError,
    Problem,
    RoutineError,
    RoutineNotFound,
    UnusableFileError,
)
from voicecoach.files import read_regular
from voicecoach.limits import MAX_COUNT, MAX_CUES, MAX_ROUTINE_SECONDS, sound_problem
from voicecoach.text import speakable


class WorkKind(str, enum.Enum):
    HOLD = "hold"
    REPS = "reps"
    DURATION = "duration"


@dataclass(frozen=True)
class Exercise:
    """One exercise; every duration is in seconds, defaults already applied.

    ``work`` is the kind of work. With ``REPS``, ``hold`` (if set) is the hold at the top
    of each rep. ``sides`` is ``None`` or the two side labels, in order.
    """

    name: str
    work: WorkKind
    cue: tuple[str, ...] = ()
    why: str | None = None
    hold: float | None = None
    reps: int | None = None
    tempo: tuple[float, ...] = (3.0,)
    phases: tuple[str, ...] = ()
    duration: float | None = None
    sides: tuple[str, str] | None = None
    sets: int = 1
    set_rest: float = 10.0
    switch: float = 5.0
    lead_in: float = 5.0
    rest: float = 10.0


@dataclass(frozen=True)
class Routine:
    """A whole routine. ``id`` is the file's stem; ``source`` the file it came from."""

    id: str
    name: str
    exercises: tuple[Exercise, ...]
    description: str | None = None
    language: str = "en"
    intro: str | None = None
    outro: str | None = None
    rounds: int = 1
    source: Path | None = None
    exercises_at: tuple[int, int] = field(default=(1, 1), compare=False, repr=False)
    """Line and column of the ``exercises`` key, where session-wide problems are shown."""


# --- limits and vocabulary of the format ------------------------------------------------

SUPPORTED_VERSIONS: Final = (1,)
MAX_FILE_BYTES: Final = 1024 * 1024
MAX_DURATION: Final = 3600.0
# A routine needs four levels (top, exercise list, exercise, tempo list); anything far
# deeper is hostile, and stopping early keeps the composer's recursion shallow.
MAX_DEPTH: Final = 32
MAX_VALUES: Final = 20_000
"""YAML values (keys, texts, numbers, lists, mappings) a routine file may hold. A 4-hour
routine of 200 exercises needs about 2,000; composing stops at the limit, so a 1 MiB file
of tiny values cannot keep ``validate`` busy for seconds."""
MAX_SPOKEN_CHARS: Final = 500
"""The longest text a voice says in one go (a name, a cue line, a why): half a minute."""
MAX_PHASE_CHARS: Final = 60
"""The longest phase word: it is said with every rep's count, so its length multiplies."""
_MAX_GUESSES: Final = 200
"""Unknown keys a file gets a "did you mean" for; past them (a file of 9,000 unknown keys)
each is still reported, with the list of allowed keys, so `validate` stays under a second."""
_MAX_DIGITS: Final = 12  # a number written with more digits is over every limit
_TOO_LARGE: Final = 10**_MAX_DIGITS

TOP_KEYS: Final = (
    "version",
    "name",
    "description",
    "language",
    "intro",
    "outro",
    "rounds",
    "defaults",
    "exercises",
)
EXERCISE_KEYS: Final = (
    "name",
    "cue",
    "why",
    "hold",
    "reps",
    "tempo",
    "phases",
    "duration",
    "sides",
    "sets",
    "set_rest",
    "switch",
    "lead_in",
    "rest",
)
# What describes one exercise alone; ``defaults`` may set every other exercise key.
_EXERCISE_ONLY_KEYS: Final = ("name", "cue", "why", "phases")
DEFAULT_KEYS: Final = tuple(key for key in EXERCISE_KEYS if key not in _EXERCISE_ONLY_KEYS)
KIND_KEYS: Final = ("hold", "reps", "duration")

ID_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9-]*")
"""A routine's id, its file's stem: lower-case letters, digits and hyphens (the
library, ``new`` and the loader all hold ids to it)."""
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]+)*")
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"  # ASCII digits only: each pattern is re.ASCII
_SECONDS_TEXT = re.compile(rf"[+-]?{_NUMBER}", re.ASCII)
_UNITS_TEXT = re.compile(
    rf"(?P<sign>[+-]?)\s*(?:(?P<m>{_NUMBER})\s*m)?\s*(?:(?P<s>{_NUMBER})\s*s)?",
    re.IGNORECASE | re.ASCII,
)
_HOURS_TEXT = re.compile(rf"\s*{_NUMBER}\s*h.*", re.IGNORECASE | re.ASCII)
_DURATION_HINT = "a duration such as `30s`, `1m`, `1m30s` or `1:30`"
_CLOCK_TEXT = re.compile(r"(?P<sign>[+-]?)(?P<m>\d+):(?P<s>[0-5]\d(?:\.\d*)?)", re.ASCII)

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
_SEQ, _MAP, _TIMESTAMP, _MERGE = (_TAG + t for t in ("seq", "map", "timestamp", "merge"))
_ALLOWED_TAGS: Final = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL, _SEQ, _MAP, _TIMESTAMP})
_TEXT_LIKE_TAGS: Final = frozenset({_STR, _INT, _FLOAT, _BOOL, _TIMESTAMP})


def parse_duration(value: object) -> float:
    """Seconds in a duration: a number (``30``, ``2.5``) or text (``30s``, ``1m``, ``1m30s``,
    or minutes and seconds as ``1:30``, ``0:05.5``).

    Raises ValueError for anything else, booleans and non-finite numbers included. Range
    checks are left to the caller, which knows whether 0 is allowed.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 40:
            raise ValueError("not a duration: text too long")
        clock = _CLOCK_TEXT.fullmatch(text)
        if _SECONDS_TEXT.fullmatch(text):
            seconds = float(text)
        elif clock is not None:
            seconds = 60.0 * float(clock["m"]) + float(clock["s"])
            if clock["sign"] == "-":
                seconds = -seconds
        else:
            units = _UNITS_TEXT.fullmatch(text)
            if units is None or (units["m"] is None and units["s"] is None):
                raise ValueError(f"not a duration: {value!r}")
            seconds = 60.0 * float(units["m"] or 0) + float(units["s"] or 0)
            if units["sign"] == "-":
                seconds = -seconds
    else:
        try:
            seconds = float(value)
        except OverflowError as err:
            raise ValueError(f"duration too large: {value!r}") from err
    if not math.isfinite(seconds):
        raise ValueError(f"not a finite duration: {value!r}")
    return seconds


# --- reading bytes and text -------------------------------------------------------------


def _problem(path: str, line: int, column: int, message: str) -> Problem:
    """A problem whose message stays on one line, whatever text from the file it quotes."""
    return Problem(path, line, column, " ".join(message.splitlines()))


def _clip(text: str, limit: int = 40) -> str:
    """Text from the file, short enough to quote in a message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fail(path: str, message: str, line: int = 1, column: int = 1) -> NoReturn:
    raise RoutineError([_problem(path, line, column, message)])


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing anything that is not a small regular file."""
    shown = str(path)
    try:
        return read_regular(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise RoutineNotFound(f"no routine file at {shown}") from None
    except FileTooLargeError as err:
        _fail(shown, _too_big(err.size))
    except UnusableFileError as err:
        if err.reason == "is a folder":
            _fail(shown, "this is a folder, not a routine file")
        if err.reason == "is a symlink loop":
            _fail(shown, "a symlink loop, not a routine file")
        _fail(shown, f"{err.reason.removeprefix('is ')}; a routine is a YAML text file")
    except PermissionError:
        _fail(shown, "cannot read the file: permission denied")
    except OSError as err:
        _fail(shown, f"cannot read the file: {err.strerror or err}")
    except ValueError:  # a NUL in the name, which no file system allows
        _fail(shown, "not a valid file name")


def _too_big(size: int) -> str:
    return (
        f"the file is too large ({size:,} bytes); a routine file may be at most 1 MiB "
        f"({MAX_FILE_BYTES:,} bytes)"
    )


# YAML's line breaks, as its parsers count lines.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _position_in_bytes(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a byte offset."""
    prefix = data[:offset].removeprefix(codecs.BOM_UTF8)
    text = prefix.decode("utf-8", "replace")
    return _position_in_text(text, len(text))


def _position_in_text(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character index."""
    line, start = 1, 0
    for brk in _LINE_BREAK.finditer(text, 0, index):
        line, start = line + 1, brk.end()
    return line, index - start + 1


_WIDE_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _decode(data: bytes, path: str) -> str:
    """UTF-8 text (a BOM is fine), or a located error for binary data or other encodings."""
    if len(data) > MAX_FILE_BYTES:
        _fail(path, _too_big(len(data)))
    for bom, name in _WIDE_BOMS:
        if data.startswith(bom):
            _fail(path, f"the file is encoded as {name}; save it as UTF-8")
    nul = data.find(b"\0")
    if nul >= 0:
        line, column = _position_in_bytes(data, nul)
        _fail(path, "binary data (a NUL byte); a routine must be a UTF-8 text file", line, column)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line, column = _position_in_bytes(data, err.start)
        _fail(
            path,
            f"not valid UTF-8 (byte 0x{data[err.start]:02x}); save the file as UTF-8",
            line,
            column,
        )


def _check_text(text: str, path: str) -> str:
    """The text without a BOM; a located error for characters YAML does not allow."""
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        _fail(path, _too_big(len(text.encode("utf-8", "surrogatepass"))))
    text = text.removeprefix("\ufeff")
    bad = Reader.NON_PRINTABLE.search(text)
    if bad is not None:
        line, column = _position_in_text(text, bad.start())
        char = bad.group()
        if char == "\0":
            message = "binary data (a NUL byte); a routine must be a UTF-8 text file"
        else:
            message = f"character U+{ord(char):04X} is not allowed in a YAML file; remove it"
        _fail(path, message, line, column)
    if not text.strip():
        _fail(path, "the file is empty; a routine needs at least a `name` and `exercises`")
    return text


# --- composing YAML safely ----------------------------------------------------------------


class _Rejected(ScalarNode):
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
            return _Rejected(event.start_mark, event.end_mark)
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
            return _Rejected(node.start_mark, node.end_mark)
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


def _line_col(mark: Any) -> tuple[int, int]:
    if mark is None:
        return 1, 1
    return int(mark.line) + 1, int(mark.column) + 1


def _syntax_problem(err: MarkedYAMLError, text: str, path: str) -> Problem:
    mark = err.problem_mark or err.context_mark
    line, column = _line_col(mark)
    if "single document" in str(err.context):
        return _problem(
            path, line, column, "a routine file holds one YAML document; remove this second one"
        )
    message = f"YAML syntax error: {err.problem or err.context or 'cannot parse'}"
    if err.context and err.problem and err.context_mark is not None:
        at_line, at_column = _line_col(err.context_mark)
        message += f" ({err.context}, which starts at line {at_line}, column {at_column})"
    lines = text.splitlines()
    if 0 < line <= len(lines) and lines[line - 1][column - 1 : column] == "\t":
        message += "; indent with spaces, not tabs"
    elif "mapping values are not allowed" in message:
        message += "; check this line's indentation, or put text containing `: ` in quotes"
    return _problem(path, line, column, message)


def _parser_too_deep(err: MarkedYAMLError) -> bool:
    """Whether a parser stopped at a nesting limit of its own (libyaml's, 1,000 levels since
    0.2.5): its scanner runs ahead of the composer, so it can get there first."""
    return "nesting depth" in f"{err.problem} {err.context}"


class _ParserTooDeep(InternalError):
    """libyaml stopped at its own nesting limit before the composer's check."""


def _compose(text: str, path: str) -> tuple[Node | None, list[Problem]]:
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
        line, column = _line_col(err.mark)
        _fail(path, f"the YAML is nested more than {MAX_DEPTH} levels deep", line, column)
    except RecursionError:
        _fail(path, f"the YAML is nested more than {MAX_DEPTH} levels deep")
    except _TooMany as err:
        line, column = _line_col(err.mark)
        _fail(
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
        line, column = _position_in_text(text, min(err.position, len(text)))
        _fail(path, f"YAML cannot read this file: {err.reason}", line, column)
    except YAMLError as err:
        _fail(path, f"YAML syntax error: {err}")
    finally:
        loader.dispose()
    found = [_problem(path, *_line_col(mark), message) for mark, message in loader.refusals()]
    return node, found


# --- checking the node tree ---------------------------------------------------------------


class _Invalid(InternalError):
    """A value was wrong; its problem is already recorded."""


_CONSTRUCT = SafeConstructor()


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == _NULL:
        return "an empty value"
    text = _clip(str(node.value))
    if isinstance(node, ScalarNode) and node.style in ("'", '"'):
        return f"the quoted text `{node.style}{text}{node.style}`"
    return f"`{text}`"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@dataclass(frozen=True)
class _Entry:
    """A key as it stands in a mapping: its key node and its value node."""

    key: ScalarNode
    value: Node


class _Checker:
    """Walks the node tree, collecting problems; values come back typed or raise _Invalid."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.guesses = _MAX_GUESSES  # "did you mean" searches left: each costs ~0.3 ms

    def add(self, node_or_mark: Any, message: str) -> None:
        mark = getattr(node_or_mark, "start_mark", node_or_mark)
        self.problems.append(_problem(self.path, *_line_col(mark), message))

    def invalid(self, node: Node, message: str) -> NoReturn:
        self.add(node, message)
        raise _Invalid

    # mappings and keys

    def entries(
        self, mapping: MappingNode, known: tuple[str, ...], where: str
    ) -> dict[str, _Entry]:
        """The mapping's known keys; unknown, duplicate and malformed keys are reported."""
        found: dict[str, _Entry] = {}
        seen: dict[str, ScalarNode] = {}
        for key_node, value_node in mapping.value:
            if isinstance(key_node, _Rejected):
                continue
            if not isinstance(key_node, ScalarNode):
                self.add(key_node, f"a key must be plain text, not {_describe(key_node)}")
                continue
            key = str(key_node.value)
            if not key.strip():
                self.add(key_node, "a key is missing before the `:`")
                continue
            if key in seen:
                first_line = _line_col(seen[key].start_mark)[0]
                self.add(
                    key_node,
                    f"duplicate key `{_clip(key)}`; it is already set on line {first_line}",
                )
                continue
            seen[key] = key_node
            if key not in known:
                self.add(key_node, _unknown_key(key, known, where, guess=self.guesses > 0))
                self.guesses -= 1
                continue
            found[key] = _Entry(key_node, value_node)
        return found

    # scalars

    def _scalar(self, node: Node, label: str, expected: str) -> ScalarNode:
        if isinstance(node, _Rejected):
            raise _Invalid
        if not isinstance(node, ScalarNode):
            self.invalid(node, f"{label} must be {expected}, not {_describe(node)}")
        if node.tag == _NULL:
            self.invalid(node, f"{label} has no value; it must be {expected}")
        return node

    def text(self, node: Node, label: str) -> str:
        scalar = self._scalar(node, label, "text")
        if scalar.tag not in _TEXT_LIKE_TAGS:
            self.invalid(node, f"{label} must be text, not {_describe(node)}")
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
                f"{label} has nothing a voice can say ({_describe(node)} holds no letter or "
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
        if isinstance(node, _Rejected):
            raise _Invalid
        if not isinstance(node, SequenceNode):
            if isinstance(node, ScalarNode) and node.tag == _NULL:
                self.invalid(node, f"{label} has no value; it must be {expected}")
            self.invalid(node, f"{label} must be {expected}, not {_describe(node)}")
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
            except _Invalid:
                bad = True
        if bad:
            raise _Invalid
        return tuple(values)

    def count(self, node: Node, label: str) -> int:
        expected = "a whole number of at least 1"
        scalar = self._scalar(node, label, expected)
        if scalar.tag != _INT:
            self.invalid(node, f"{label} must be {expected}, not {_describe(node)}")
        value = self._int(scalar, label)
        if value < 1:
            self.invalid(node, f"{label} must be at least 1, not {_describe(node)}")
        if value > MAX_COUNT:
            self.invalid(node, f"{label} must be at most {MAX_COUNT:,}, not {_describe(node)}")
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
                node, f"{label} must be a plain whole number, not the base-60 {_describe(node)}"
            )
        if digits[:2].lower() in ("0x", "0b", "0o"):
            self.invalid(node, f"{label} must be a plain decimal number, not {_describe(node)}")
        if node.tag == _INT and len(digits) > 1 and digits.startswith("0"):
            plain = digits.lstrip("0") or "0"
            self.invalid(
                node,
                f"{label} {_describe(node)} has a leading zero, which YAML 1.1 reads as an "
                f"octal number; write `{_clip(plain)}`",
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
            self.invalid(node, f"{label} is not a number that can be read: {_describe(node)}")

    def seconds(self, node: Node, label: str, *, work: bool) -> float:
        """A duration; work must take longer than 0, pauses may be 0; none over an hour."""
        scalar = self._scalar(node, label, _DURATION_HINT)
        value: object
        if ":" in str(scalar.value) and scalar.tag in (_INT, _FLOAT, _STR):
            value = str(scalar.value)  # `1:30` as minutes and seconds, whatever YAML made of it
        elif scalar.tag == _INT:
            value = self._int(scalar, label)
        elif scalar.tag == _FLOAT:
            value = float(_CONSTRUCT.construct_yaml_float(scalar))
            if math.isinf(value) and "inf" not in str(scalar.value).lower():  # `9` * 400
                self.invalid(node, f"{label} must be at most 1 hour, not {_describe(node)}")
        elif scalar.tag == _STR:
            value = str(scalar.value)
        else:
            self.invalid(node, f"{label} must be {_DURATION_HINT}, not {_describe(node)}")
        try:
            seconds = parse_duration(value)
        except ValueError:
            hint = "; write an hour as `60m`" if _HOURS_TEXT.fullmatch(str(value)) else ""
            self.invalid(node, f"{label} must be {_DURATION_HINT}, not {_describe(node)}{hint}")
        if work and seconds <= 0:
            self.invalid(node, f"{label} must be longer than 0 seconds, not {_describe(node)}")
        if seconds < 0:
            self.invalid(node, f"{label} must be 0 seconds or more, not {_describe(node)}")
        if seconds > MAX_DURATION:
            self.invalid(node, f"{label} must be at most 1 hour, not {_describe(node)}")
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
                    node, f"{label} must name two different sides, not `{_clip(labels[0])}` twice"
                )
            return labels[0], labels[1]
        scalar = self._scalar(node, label, expected)
        if scalar.tag != _BOOL:
            self.invalid(node, f"{label} must be {expected}, not {_describe(node)}")
        return ("left", "right") if _CONSTRUCT.construct_yaml_bool(scalar) else None

    def version(self, node: Node, label: str) -> int:
        supported = ", ".join(str(v) for v in SUPPORTED_VERSIONS)
        scalar = self._scalar(node, label, f"a version number (supported: {supported})")
        if scalar.tag != _INT:
            self.invalid(
                node,
                f"{label} must be a version number (supported: {supported}), not {_describe(node)}",
            )
        value = self._int(scalar, label)
        if value not in SUPPORTED_VERSIONS:
            shown = value if abs(value) < _TOO_LARGE else _describe(node)
            self.invalid(node, f"{label} {shown} is not supported; supported versions: {supported}")
        return value

    def language(self, node: Node, label: str) -> str:
        value = self.text(node, label)
        if not _LANGUAGE.fullmatch(value):
            self.invalid(
                node, f"{label} must be a language tag such as `en` or `de`, not {_describe(node)}"
            )
        if not is_supported(value):
            self.invalid(
                node,
                f"{label} {_describe(node)} is not supported; "
                f"supported languages: {supported_list()}",
            )
        return value


def _unknown_key(key: str, known: tuple[str, ...], where: str, *, guess: bool = True) -> str:
    """The message for an unknown key, pointing to where it belongs or what was meant."""
    normal = key.strip().lower().replace("-", "_").replace(" ", "_")
    key = _clip(key)
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


# --- from checked nodes to a Routine -------------------------------------------------------

_Parse = Callable[[_Checker, Node, str], Any]
_EXERCISE_PARSERS: Final[dict[str, _Parse]] = {
    "name": _Checker.spoken,
    "cue": _Checker.text_or_texts,
    "why": _Checker.spoken,
    "hold": lambda c, n, label: c.seconds(n, label, work=True),
    "reps": _Checker.count,
    "tempo": _Checker.tempo,
    "phases": lambda c, n, label: c.texts(n, label, MAX_PHASE_CHARS),
    "duration": lambda c, n, label: c.seconds(n, label, work=True),
    "sides": _Checker.sides,
    "sets": _Checker.count,
    "set_rest": lambda c, n, label: c.seconds(n, label, work=False),
    "switch": lambda c, n, label: c.seconds(n, label, work=False),
    "lead_in": lambda c, n, label: c.seconds(n, label, work=False),
    "rest": lambda c, n, label: c.seconds(n, label, work=False),
}
_TOP_PARSERS: Final[dict[str, _Parse]] = {
    "version": _Checker.version,
    "name": _Checker.spoken,
    "description": _Checker.text,
    "language": _Checker.language,
    "intro": _Checker.spoken,
    "outro": _Checker.spoken,
    "rounds": _Checker.count,
}


def _parse_entries(
    checker: _Checker, entries: dict[str, _Entry], parsers: dict[str, _Parse]
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
        except _Invalid:
            broken.add(key)
    return values, broken


def _kind_conflict(checker: _Checker, entries: dict[str, _Entry]) -> bool:
    """Reports kinds of work that cannot go together; True if there was one."""
    present = sorted(
        (entries[k] for k in KIND_KEYS if k in entries),
        key=lambda e: _line_col(e.key.start_mark),
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
    entries: dict[str, _Entry]
    broken: set[str]


def _exercise(checker: _Checker, node: Node, number: int, defaults: _Defaults) -> Exercise | None:
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
    # apply to an exercise that sets none of them.
    own_kind = any(k in entries for k in KIND_KEYS)

    def inherits(key: str) -> bool:
        return key not in entries and not (own_kind and key in KIND_KEYS)

    values = {k: v for k, v in defaults.values.items() if inherits(k)} | own
    unusable = broken | {k for k in defaults.broken if inherits(k)}
    if own_kind:
        kinds = frozenset(k for k in KIND_KEYS if k in entries)
        _kind_conflict(checker, entries)
    else:
        kinds = frozenset(k for k in KIND_KEYS if k in defaults.entries)
        if not kinds:
            called = f"{where} (`{_clip(own['name'])}`)" if "name" in own else where
            checker.add(node, f"{called} needs one of `hold`, `reps` or `duration`")
    work = _WORK_BY_KINDS.get(kinds)  # None after a conflict, which is already reported

    timing = _rep_timing(checker, work, entries, values, "tempo" in unusable)

    if work is None or unusable or len(checker.problems) > before:
        return None
    timing.update(
        (key, values[key])
        for key in ("cue", "why", "sides", "sets", "set_rest", "switch", "lead_in", "rest")
        if key in values
    )
    return Exercise(
        name=values["name"],
        work=work,
        hold=values["hold"] if "hold" in kinds else None,
        reps=values["reps"] if work is WorkKind.REPS else None,
        duration=values["duration"] if work is WorkKind.DURATION else None,
        **timing,
    )


def _not_an_exercise(checker: _Checker, node: Node, where: str) -> None:
    if isinstance(node, _Rejected):
        return  # already reported
    if isinstance(node, ScalarNode) and node.tag == _NULL:
        checker.add(node, f"{where} is empty; give it a `name` and its work")
    else:
        checker.add(
            node,
            f"{where} must be a mapping of keys such as `name:` and `hold:`, not {_describe(node)}",
        )


def _rep_timing(
    checker: _Checker,
    work: WorkKind | None,
    entries: dict[str, _Entry],
    values: dict[str, Any],
    tempo_broken: bool,
) -> dict[str, Any]:
    """``tempo`` and ``phases`` of an exercise of ``work``: checked, and kept for reps."""
    if work in (WorkKind.HOLD, WorkKind.DURATION):
        for key in ("tempo", "phases"):
            if key in entries:
                checker.add(entries[key].key, f"`{key}` applies only to exercises with `reps`")
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
}


def _work_seconds(exercise: Exercise) -> float:
    """Nominal seconds of one side's work: no speech, just the timed part."""
    if exercise.work is WorkKind.HOLD:
        return exercise.hold or 0.0
    if exercise.work is WorkKind.DURATION:
        return exercise.duration or 0.0
    per_rep = sum(exercise.tempo) + (exercise.hold or 0.0)
    return _as_float(exercise.reps or 0) * per_rep


def _as_float(count: int) -> float:
    """A count as a float; counts too big for one are infinitely long anyway."""
    return float(count) if count < 10**300 else math.inf


def nominal_seconds(routine: Routine) -> float:
    """The routine's length without speech: work, switches, lead-ins, set rests and rests.

    Rests follow every exercise except the very last one of the session, so the rest after
    a round's last exercise counts when another round follows.
    """
    return _nominal(routine.exercises, routine.rounds)


def _nominal(exercises: tuple[Exercise, ...], rounds: int) -> float:
    one_round = 0.0
    for ex in exercises:
        sides = 2 if ex.sides else 1
        per_set = sides * _work_seconds(ex) + (sides - 1) * ex.switch
        sets = _as_float(ex.sets)
        one_round += ex.lead_in + sets * per_set + (sets - 1) * ex.set_rest + ex.rest
    total = _as_float(rounds) * one_round - (exercises[-1].rest if exercises else 0.0)
    return math.inf if math.isnan(total) else total  # an endless count times a zero pause


def _defaults(checker: _Checker, node: Node | None) -> _Defaults:
    """The routine's ``defaults`` (none when ``node`` is None)."""
    if isinstance(node, MappingNode):
        entries = checker.entries(node, DEFAULT_KEYS, "defaults")
        values, broken = _parse_entries(checker, entries, _EXERCISE_PARSERS)
        if _kind_conflict(checker, entries):
            broken |= set(KIND_KEYS)
        return _Defaults(values, entries, broken)
    if node is not None and not isinstance(node, _Rejected):
        checker.add(node, f"`defaults` must be a mapping of exercise keys, not {_describe(node)}")
    return _Defaults({}, {}, set())


def _exercises(
    checker: _Checker, entry: _Entry | None, defaults: _Defaults
) -> tuple[list[Exercise], list[tuple[int, Node]]]:
    """The usable exercises, and each one's number and node."""
    exercises: list[Exercise] = []
    nodes: list[tuple[int, Node]] = []
    if entry is None:
        return exercises, nodes
    try:
        items = checker.sequence(entry.value, "`exercises`", "a list of exercises")
    except _Invalid:
        items = []
    for number, item in enumerate(items, start=1):
        exercise = _exercise(checker, item, number, defaults)
        if exercise is not None:
            exercises.append(exercise)
            nodes.append((number, item))
    return exercises, nodes


def _routine(checker: _Checker, root: Node, routine_id: str) -> Routine:
    """The routine in the root node; raises RoutineError with every problem recorded."""
    if not isinstance(root, MappingNode):
        if not isinstance(root, _Rejected):
            checker.add(
                root,
                f"the top level must be a mapping of keys such as `name:` and `exercises:`, "
                f"not {_describe(root)}",
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
        total = _nominal(tuple(exercises), rounds)
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
        exercises_at=_line_col(entries["exercises"].key.start_mark),
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
    checker: _Checker,
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


def _id_problem(routine_id: str, path: str) -> Problem | None:
    if ID_PATTERN.fullmatch(routine_id):
        return None
    message = (
        f"routine id `{_clip(routine_id)}` (from the file name) may use only lower-case letters, "
        f"digits and hyphens"
    )
    ascii_id = unicodedata.normalize("NFKD", routine_id).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_id.lower()).strip("-")
    if slug:
        message += f"; rename the file to `{slug}.yaml`"
    return _problem(path, 1, 1, message)


# --- public API ---------------------------------------------------------------------------


def load_routine_text(text: str | bytes, path: str, routine_id: str) -> Routine:
    """A routine from file contents; ``path`` only labels the problems.

    Raises RoutineError listing every problem, each located at its line and column.
    """
    if isinstance(text, bytes):
        text = _decode(text, path)
    text = _check_text(text, path)
    root, found = _compose(text, path)
    if root is None or (isinstance(root, ScalarNode) and root.tag == _NULL and not root.value):
        _fail(path, "the file is empty; a routine needs at least a `name` and `exercises`")
    checker = _Checker(path)
    id_problem = _id_problem(routine_id, path)
    if id_problem is not None:
        checker.problems.append(id_problem)
    checker.problems.extend(found)
    return _routine(checker, root, routine_id)


def load_routine(path: Path, routine_id: str | None = None) -> Routine:
    """The routine in ``path``; its id is the file's stem unless ``routine_id`` is given.

    Raises RoutineNotFound if there is no such file, RoutineError for anything else.
    """
    path = Path(path)
    data = _read_bytes(path)
    routine = load_routine_text(data, str(path), routine_id or path.stem)
    return replace(routine, source=path)


__all__ = [
    "DEFAULT_KEYS",
    "EXERCISE_KEYS",
    "ID_PATTERN",
    "MAX_COUNT",
    "MAX_CUES",
    "MAX_DURATION",
    "MAX_FILE_BYTES",
    "MAX_PHASE_CHARS",
    "MAX_ROUTINE_SECONDS",
    "MAX_SPOKEN_CHARS",
    "MAX_VALUES",
    "SUPPORTED_VERSIONS",
    "TOP_KEYS",
    "Exercise",
    "Routine",
    "WorkKind",
    "load_routine",
    "load_routine_text",
    "nominal_seconds",
    "parse_duration",
]
