"""Loading a routine file: bounded reading, decoding, and every problem located.

Routine files come from other people, so loading never trusts them: only a small regular
file is read, its bytes must be UTF-8 text, the YAML is composed safely
(``routine.yaml_nodes``) and every key and value is checked against its node
(``routine.check``, ``routine.build``), so each problem is reported as
``PATH:LINE:COLUMN: message`` at the key or value that causes it. All problems in a
file are collected and raised together as one :class:`RoutineError`.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Final

from yaml.nodes import ScalarNode
from yaml.reader import Reader

from voicecoach.errors import (
    FileTooLargeError,
    Problem,
    RoutineNotFound,
    UnusableFileError,
)
from voicecoach.files import read_regular
from voicecoach.routine.build import build_routine
from voicecoach.routine.check import Checker
from voicecoach.routine.located import clip, fail, position_in_text, problem
from voicecoach.routine.model import ID_PATTERN, MAX_FILE_BYTES, Routine
from voicecoach.routine.yaml_nodes import NULL_TAG, compose

# --- reading bytes and text -------------------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing anything that is not a small regular file."""
    shown = str(path)
    try:
        return read_regular(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise RoutineNotFound(f"no routine file at {shown}") from None
    except FileTooLargeError as err:
        fail(shown, _too_big(err.size))
    except UnusableFileError as err:
        if err.reason == "is a folder":
            fail(shown, "this is a folder, not a routine file")
        if err.reason == "is a symlink loop":
            fail(shown, "a symlink loop, not a routine file")
        fail(shown, f"{err.reason.removeprefix('is ')}; a routine is a YAML text file")
    except PermissionError:
        fail(shown, "cannot read the file: permission denied")
    except OSError as err:
        fail(shown, f"cannot read the file: {err.strerror or err}")
    except ValueError:  # a NUL in the name, which no file system allows
        fail(shown, "not a valid file name")


def _too_big(size: int) -> str:
    return (
        f"the file is too large ({size:,} bytes); a routine file may be at most 1 MiB "
        f"({MAX_FILE_BYTES:,} bytes)"
    )


def _position_in_bytes(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a byte offset."""
    prefix = data[:offset].removeprefix(codecs.BOM_UTF8)
    text = prefix.decode("utf-8", "replace")
    return position_in_text(text, len(text))


_WIDE_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _decode(data: bytes, path: str) -> str:
    """UTF-8 text (a BOM is fine), or a located error for binary data or other encodings."""
    if len(data) > MAX_FILE_BYTES:
        fail(path, _too_big(len(data)))
    for bom, name in _WIDE_BOMS:
        if data.startswith(bom):
            fail(path, f"the file is encoded as {name}; save it as UTF-8")
    nul = data.find(b"\0")
    if nul >= 0:
        line, column = _position_in_bytes(data, nul)
        fail(path, "binary data (a NUL byte); a routine must be a UTF-8 text file", line, column)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line, column = _position_in_bytes(data, err.start)
        fail(
            path,
            f"not valid UTF-8 (byte 0x{data[err.start]:02x}); save the file as UTF-8",
            line,
            column,
        )


def _check_text(text: str, path: str) -> str:
    """The text without a BOM; a located error for characters YAML does not allow."""
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        fail(path, _too_big(len(text.encode("utf-8", "surrogatepass"))))
    text = text.removeprefix("\ufeff")
    bad = Reader.NON_PRINTABLE.search(text)
    if bad is not None:
        line, column = position_in_text(text, bad.start())
        char = bad.group()
        if char == "\0":
            message = "binary data (a NUL byte); a routine must be a UTF-8 text file"
        else:
            message = f"character U+{ord(char):04X} is not allowed in a YAML file; remove it"
        fail(path, message, line, column)
    if not text.strip():
        fail(path, "the file is empty; a routine needs at least a `name` and `exercises`")
    return text


def _id_problem(routine_id: str, path: str) -> Problem | None:
    if ID_PATTERN.fullmatch(routine_id):
        return None
    message = (
        f"routine id `{clip(routine_id)}` (from the file name) may use only lower-case letters, "
        f"digits and hyphens"
    )
    ascii_id = unicodedata.normalize("NFKD", routine_id).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_id.lower()).strip("-")
    if slug:
        message += f"; rename the file to `{slug}.yaml`"
    return problem(path, 1, 1, message)


# --- public API ---------------------------------------------------------------------------


def load_routine_text(text: str | bytes, path: str, routine_id: str) -> Routine:
    """A routine from file contents; ``path`` only labels the problems.

    Raises RoutineError listing every problem, each located at its line and column.
    """
    if isinstance(text, bytes):
        text = _decode(text, path)
    text = _check_text(text, path)
    root, found = compose(text, path)
    if root is None or (isinstance(root, ScalarNode) and root.tag == NULL_TAG and not root.value):
        fail(path, "the file is empty; a routine needs at least a `name` and `exercises`")
    checker = Checker(path)
    id_problem = _id_problem(routine_id, path)
    if id_problem is not None:
        checker.problems.append(id_problem)
    checker.problems.extend(found)
    return build_routine(checker, root, routine_id)


def load_routine(path: Path, routine_id: str | None = None) -> Routine:
    """The routine in ``path``; its id is the file's stem unless ``routine_id`` is given.

    Raises RoutineNotFound if there is no such file, RoutineError for anything else.
    """
    path = Path(path)
    data = _read_bytes(path)
    routine = load_routine_text(data, str(path), routine_id or path.stem)
    return replace(routine, source=path)


__all__ = ["load_routine", "load_routine_text"]
