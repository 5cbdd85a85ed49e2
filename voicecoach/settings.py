"""User settings: the defaults a person always wants, kept in one small TOML file.

The file lives at ``user_config_dir("voicecoach")/settings.toml``; the environment variable
``VOICECOACH_CONFIG_DIR`` moves the whole config folder (settings and user routines), which
keeps tests and portable setups away from the real one. A broken file is reported with
every problem located as ``PATH:LINE:COLUMN: message``, like a broken routine.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

from voicecoach import files, paths
from voicecoach.errors import InternalError, Problem, SettingsError, UnusableFileError
from voicecoach.files import read_regular
from voicecoach.limits import (
    HINT_NAMES,
    MAX_RATE,
    MIN_RATE,
    RATE_TEXT,
    SILENT_VOICE_HINT,
    VOLUME_TEXT,
    rate_ok,
    volume_ok,
)
from voicecoach.routine.model import parse_duration

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

APP_NAME = paths.APP_NAME
CONFIG_DIR_ENV = paths.CONFIG_DIR_ENV
SETTINGS_FILE = "settings.toml"

MAX_LEAD_IN = 600.0
MAX_WEEKLY_TARGET = 50
MAX_SETTINGS_BYTES = 1024 * 1024
"""A settings file larger than this is refused unread (a real one is under 2 KB)."""
MAX_UNKNOWN_KEYS = 20
"""Unknown keys reported one by one; past this, one line counts the rest (each is a search)."""


def config_dir() -> Path:
    """The folder holding settings.toml and the user's own routines (``voicecoach.paths``)."""
    return Path(paths.config_dir())


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILE


@dataclass(frozen=True)
class Settings:
    """Defaults for play, export and script; ``None`` means "not set, use the usual"."""

    voice: str | None = None
    rate: int | None = None
    volume: float = 1.0
    chime_volume: float = 1.0
    lead_in: float | None = None
    default_routine: str | None = None
    weekly_target: int = 4
    explain: bool = False
    check_in: bool = True


KEYS: tuple[str, ...] = tuple(f.name for f in fields(Settings))

# What each key means, shown in the file `config --init` writes and by `config`.
_HELP: dict[str, str] = {
    "voice": "Voice to speak with: a name or id from `voicecoach voices` (piper:NAME for a\n"
    "Piper voice), or a Piper .onnx file or a folder of them.",
    "rate": f"Speaking rate, {RATE_TEXT}.",
    "volume": "Loudness of the voice, above 0.0 up to 1.0 (full); for no voice at all,\n"
    "play or export with --no-voice.",
    "chime_volume": "Loudness of the chimes, from 0.0 (silent) to 1.0 (full).",
    "lead_in": "Seconds to get into position before each exercise's work starts\n"
    '(replaces every routine\'s own lead-in). A number or a duration like "5s".',
    "default_routine": "Routine that `voicecoach play` plays when none is named:\n"
    "an id from `voicecoach list`, or a path to a routine file.",
    "weekly_target": "Completed sessions a week you aim for; `voicecoach history` counts\n"
    "your streak of weeks that met it. Four to six a week is the usual advice.",
    "explain": "Also speak each exercise's `why` (true or false).",
    "check_in": "After `voicecoach play` on a terminal, ask how your back feels and how\n"
    "hard the session was, each from 0 to 10 (true or false; `play --no-check-in` once).",
}

# How `config` shows a key that is not set.
_UNSET: dict[str, str] = {
    "voice": "(the engine's default voice)",
    "rate": "(the engine's default rate)",
    "lead_in": "(each routine's own)",
    "default_routine": "(the built-in default)",
}

# The example values the commented file shows for keys whose default is "not set".
_EXAMPLE: dict[str, str] = {
    "voice": '"English (Great Britain)"',
    "rate": "160",
    "lead_in": '"5s"',
    "default_routine": '"lower-back-essentials"',
}


def _seconds(value: object) -> float:
    """A duration written as in routine files: seconds (``8``, ``2.5``) or ``"1m30s"``."""
    try:
        seconds = parse_duration(value)
    except ValueError:
        if isinstance(value, str):
            raise ValueError(
                f'"{value}" is not a duration; write it like "5s", "1m" or "1m30s"'
            ) from None
        raise ValueError('must be a number of seconds or a duration like "5s"') from None
    if seconds < 0:
        raise ValueError("must be 0 seconds or more")
    if seconds > MAX_LEAD_IN:
        raise ValueError(f"must be at most {MAX_LEAD_IN:g} seconds")
    return seconds


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string in quotes")
    if not value.strip():
        raise ValueError("must not be empty; remove the line to use the default")
    return value


def _rate(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number of words per minute")
    if not rate_ok(value):
        raise ValueError(f"must be between {MIN_RATE} and {MAX_RATE} words per minute")
    return value


def _level(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a number from 0.0 to 1.0")
    if not 0.0 <= value <= 1.0:  # compared before float(): an int may be too large for one
        raise ValueError("must be from 0.0 (silent) to 1.0 (full)")
    return float(value)


class _Remedied(InternalError, ValueError):
    """A value's problem whose remedy names what a session sets: ``template`` over
    ``HINT_NAMES`` (the command line gives its options instead)."""

    def __init__(self, template: str) -> None:
        self.template = template
        super().__init__(template.format_map(HINT_NAMES))


def _volume(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a number above 0.0 and at most 1.0")
    if not 0.0 <= value <= 1.0:  # compared before float(): an int may be too large for one
        raise ValueError(f"must be {VOLUME_TEXT}")
    if not volume_ok(float(value)):
        raise _Remedied(f"must be {VOLUME_TEXT}; {SILENT_VOICE_HINT}")
    return float(value)


def _target(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number of sessions")
    if not 1 <= value <= MAX_WEEKLY_TARGET:
        raise ValueError(f"must be between 1 and {MAX_WEEKLY_TARGET} sessions a week")
    return value


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false (no quotes)")
    return value


_CHECK: dict[str, Callable[[object], object]] = {
    "voice": _text,
    "rate": _rate,
    "volume": _volume,
    "chime_volume": _level,
    "lead_in": _seconds,
    "default_routine": _text,
    "weekly_target": _target,
    "explain": _flag,
    "check_in": _flag,
}


def check_value(key: str, value: object) -> object:
    """Validate one setting's value (also for command-line overrides); raises SettingsError."""
    if key not in _CHECK:
        raise SettingsError(_unknown_key_message(key))
    try:
        return _CHECK[key](value)
    except _Remedied as err:
        raise SettingsError(template=f"{key} {err.template}", names=HINT_NAMES) from None
    except ValueError as err:
        raise SettingsError(f"{key} {err}") from None


class SettingsFileError(SettingsError):
    """A settings file with located problems; each is printed as ``PATH:LINE:COLUMN: ...``."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self, names: Mapping[str, str] | None = None) -> list[str]:
        return [p.named(names) for p in self.problems]


@dataclass(frozen=True)
class LoadedSettings:
    """The settings in effect, and where each came from (for `voicecoach config`)."""

    settings: Settings
    path: Path
    exists: bool
    from_file: frozenset[str]

    def source(self, key: str) -> str:
        return "file" if key in self.from_file else "default"


def load_settings(path: Path | None = None) -> Settings:
    """The settings in effect: the file's values over the defaults; no file means defaults."""
    return read_settings(path).settings


def read_settings(path: Path | None = None) -> LoadedSettings:
    """Read and validate the settings file; raises SettingsError naming every problem."""
    path = settings_path() if path is None else path
    try:
        data = read_regular(path, MAX_SETTINGS_BYTES)
    except FileNotFoundError:
        return LoadedSettings(Settings(), path, exists=False, from_file=frozenset())
    except UnusableFileError as err:
        raise SettingsError(
            f"cannot read the settings file {err.path}: it {err.reason}; move it aside "
            "(`voicecoach config --init` writes a new one)"
        ) from None
    except OSError as err:
        raise SettingsError(
            f"cannot read the settings file {path}: {err.strerror or err}; "
            "fix its permissions or move it aside"
        ) from None
    return parse_settings(data, path)


def parse_settings(data: bytes | str, path: Path) -> LoadedSettings:
    """Validate settings text; ``path`` is only used to locate problems."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            line = data[: err.start].count(b"\n") + 1
            column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
            raise SettingsFileError(
                [Problem(str(path), line, column, "not UTF-8 text; save the file as UTF-8")]
            ) from None
    else:
        text = data
    text = text.removeprefix("\ufeff")
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SettingsFileError([_syntax_problem(err, text, path)]) from None
    except ValueError:  # a number with more digits than Python reads (4,300)
        raise SettingsFileError([_too_many_digits(text, path)]) from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise SettingsFileError(
            [Problem(str(path), 1, 1, "not valid TOML for settings: values nested too deeply")]
        ) from None

    problems: list[Problem] = []
    values: dict[str, object] = {}
    unknown = [key for key in table if key not in _CHECK]
    for key in unknown[:MAX_UNKNOWN_KEYS]:
        line, column = _locate(text, key, value_column=False)
        problems.append(Problem(str(path), line, column, _unknown_key_message(key)))
    if len(unknown) > MAX_UNKNOWN_KEYS:
        line, column = _locate(text, unknown[MAX_UNKNOWN_KEYS], value_column=False)
        rest = len(unknown) - MAX_UNKNOWN_KEYS
        message = f"{rest:,} more unknown settings; known settings: {', '.join(KEYS)}"
        problems.append(Problem(str(path), line, column, message))
    for key, value in table.items():
        if key not in _CHECK:
            continue
        try:
            values[key] = _CHECK[key](value)
        except ValueError as err:
            line, column = _locate(text, key, value_column=True)
            problems.append(_value_problem(Problem(str(path), line, column, ""), key, err))
    if problems:
        problems.sort(key=lambda p: (p.line, p.column))
        raise SettingsFileError(problems)
    settings = Settings(**values)  # type: ignore[arg-type]  # each value checked above
    return LoadedSettings(settings, path, exists=True, from_file=frozenset(values))


def _value_problem(where: Problem, key: str, err: ValueError) -> Problem:
    """The problem with ``key``'s value, at ``where``."""
    if isinstance(err, _Remedied):  # its remedy names what the caller sets
        return replace(where, message=f"`{key}` {err.template}", names=HINT_NAMES)
    return replace(where, message=f"`{key}` {err}")


def _too_many_digits(text: str, path: Path) -> Problem:
    found = re.search(r"\d{100,}", text)
    offset = found.start() if found else 0
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Problem(str(path), line, column, "this number has far too many digits; remove it")


def _unknown_key_message(key: str) -> str:
    close = difflib.get_close_matches(key, KEYS, n=1, cutoff=0.6)
    if close:
        return f"unknown setting `{key}`; did you mean `{close[0]}`?"
    return f"unknown setting `{key}`; known settings: {', '.join(KEYS)}"


_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


def _syntax_problem(err: tomllib.TOMLDecodeError, text: str, path: Path) -> Problem:
    """tomllib puts the place in its message: turn it into a located problem."""
    message = str(err)
    found = _TOML_AT.search(message)
    if found:
        line, column = int(found.group(1)), int(found.group(2))
        message = message[: found.start()]
    elif _TOML_AT_END.search(message):
        lines = text.split("\n")
        while len(lines) > 1 and not lines[-1].strip():
            lines.pop()
        line, column = len(lines), len(lines[-1]) + 1
        message = _TOML_AT_END.sub("", message) + " at the end of the file"
    else:
        line, column = 1, 1
    message = message[:1].lower() + message[1:]
    return Problem(str(path), line, column, f"not valid TOML: {message}")


def _locate(text: str, key: str, *, value_column: bool) -> tuple[int, int]:
    """Line and column of a top-level key (or of its value): TOML parsers keep no positions."""
    name = re.escape(key)
    assignment = re.compile(rf"""^(\s*)(?:{name}|"{name}"|'{name}')\s*(=|\.)\s*""")
    header = re.compile(rf"""^(\s*)\[\s*(?:{name}|"{name}"|'{name}')\s*[\].]""")
    for number, line in enumerate(text.split("\n"), start=1):
        match = assignment.match(line)
        if match:
            if value_column and match.group(2) == "=":
                return number, match.end() + 1
            return number, len(match.group(1)) + 1
        match = header.match(line)
        if match:
            return number, len(match.group(1)) + 1
    return 1, 1


def _format_value(key: str, value: object) -> str:
    if value is None:
        return _UNSET[key]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def describe(loaded: LoadedSettings) -> list[str]:
    """The lines `voicecoach config` prints: the file, then each setting and its source."""
    state = "exists" if loaded.exists else "not found; `voicecoach config --init` writes one"
    out = [f"Settings file: {loaded.path} ({state})", ""]
    width = max(len(k) for k in KEYS)
    shown = {k: _format_value(k, getattr(loaded.settings, k)) for k in KEYS}
    value_width = max(len(v) for v in shown.values())
    for key in KEYS:
        out.append(f"{key:<{width}}  {shown[key]:<{value_width}}  {loaded.source(key)}")
    return out


def template() -> str:
    """The commented settings file `config --init` writes: every setting, all commented out.

    Leaving every line commented keeps the file meaning "the defaults" until the person
    chooses otherwise, so a later version's better defaults still reach them.
    """
    out = [
        "# voicecoach settings. Remove the `#` in front of a setting to change it;",
        "# `voicecoach config` shows what is in effect. Options on the command line",
        "# (for example `voicecoach play --rate 150`) override these for one session.",
    ]
    for key in KEYS:
        out.append("")
        out.extend(f"# {line}" for line in _HELP[key].split("\n"))
        default = getattr(Settings(), key)
        example = _EXAMPLE[key] if default is None else _format_value(key, default)
        out.append(f"# {key} = {example}")
    return "\n".join(out) + "\n"


def init_settings(path: Path | None = None) -> Path:
    """Write the commented settings file; refuses to replace one that exists."""
    path = settings_path() if path is None else path
    if path.exists():
        raise SettingsError(
            f"{path} already exists; edit it, or move it aside and run "
            "`voicecoach config --init` again"
        )
    try:
        write_file_atomic(path, template(), replace=False)
    except FileExistsError:
        raise SettingsError(f"{path} already exists; edit it instead") from None
    except OSError as err:
        raise SettingsError(f"cannot write {path}: {err.strerror or err}") from None
    return path


def write_file_atomic(path: Path, text: str, *, replace: bool) -> None:
    """Write ``text`` so that ``path`` is either the whole new file or what was there before.

    With ``replace=False`` an existing file is never touched (FileExistsError), even if one
    appears while writing: the finished temporary file is hard-linked into place, which
    fails atomically when the name is taken.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    files.write_atomic(path, text.encode("utf-8"), replace=replace)
