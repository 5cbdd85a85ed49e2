"""Problems at a line and column: one-line messages, and where a character or a YAML mark is.

Every stage of loading (reading, composing, checking) reports through these, so each
problem reads ``PATH:LINE:COLUMN: message`` with the same counting of lines.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

from voicecoach.errors import Problem, RoutineError


def problem(path: str, line: int, column: int, message: str) -> Problem:
    """A problem whose message stays on one line, whatever text from the file it quotes."""
    return Problem(path, line, column, " ".join(message.splitlines()))


def clip(text: str, limit: int = 40) -> str:
    """Text from the file, short enough to quote in a message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def fail(path: str, message: str, line: int = 1, column: int = 1) -> NoReturn:
    raise RoutineError([problem(path, line, column, message)])


# YAML's line breaks, as its parsers count lines.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def position_in_text(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character index."""
    line, start = 1, 0
    for brk in _LINE_BREAK.finditer(text, 0, index):
        line, start = line + 1, brk.end()
    return line, index - start + 1


def line_col(mark: Any) -> tuple[int, int]:
    """1-based line and column of a YAML mark (the file's start when there is none)."""
    if mark is None:
        return 1, 1
    return int(mark.line) + 1, int(mark.column) + 1


__all__ = ["clip", "fail", "line_col", "position_in_text", "problem"]
