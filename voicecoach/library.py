"""Finding routines by id or path, and listing them (their text is in ``describe``).

A ROUTINE argument is either a path to a file or an id. An id only ever resolves inside
the two routine folders (the user's first, then the shipped one), so a name typed on the
command line can never reach a file anywhere else.
"""

from __future__ import annotations

import difflib
import enum
import errno
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from voicecoach import paths, resources
from voicecoach.compile.compiler import SpeechTimer, compile_routine
from voicecoach.compile.estimate import estimate_speech_samples
from voicecoach.errors import RoutineError, RoutineNotFound
from voicecoach.limits import check_compiled
from voicecoach.routine.load import load_routine
from voicecoach.routine.model import ID_PATTERN, Routine

DEFAULT_ROUTINE = "lower-back-essentials"
SUFFIXES = (".yaml", ".yml")


def user_routines_dir() -> Path:
    """The user's own routine folder: ``routines`` in the config folder, so
    ``~/.config/voicecoach/routines`` on Linux unless ``VOICECOACH_CONFIG_DIR`` moves it."""
    return Path(paths.user_routines_dir())


def _is_file(path: Path) -> bool:
    """``Path.is_file`` that says no, rather than raising, for a name too long to exist."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _present(path: Path) -> bool:
    """Whether something other than a folder is at ``path``: a file, and also a FIFO, a
    device, a symlink loop or a dangling link, which the loader then refuses saying what
    it is. A name too long for the file system is simply not found."""
    try:
        return not stat.S_ISDIR(os.stat(path).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return os.path.islink(path)
    except OSError as err:
        return err.errno != errno.ENAMETOOLONG
    except ValueError:
        return False


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def looks_like_path(routine: str) -> bool:
    """Whether a ROUTINE argument means a file rather than an id."""
    separators = {os.sep, "/"} | ({os.altsep} if os.altsep else set())
    return (
        any(sep in routine for sep in separators)
        or routine.lower().endswith(SUFFIXES)
        or _is_file(Path(routine))
    )


class Source(str, enum.Enum):
    SHIPPED = "shipped"
    USER = "user"


@dataclass(frozen=True)
class Entry:
    """One routine as ``list`` shows it; ``problem`` (the first error) marks an invalid one."""

    id: str
    path: Path
    source: Source
    overrides: bool = False
    name: str | None = None
    length: int | None = None
    exercises: int | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Library:
    """The shipped routine folder and the user's; injectable so tests use temp folders."""

    shipped_dir: Path
    user_dir: Path

    @classmethod
    def default(cls) -> Library:
        return cls(resources.shipped_dir("routines"), user_routines_dir())

    def _folders(self) -> tuple[tuple[Source, Path], ...]:
        return ((Source.USER, self.user_dir), (Source.SHIPPED, self.shipped_dir))

    def resolve(self, routine: str) -> Path:
        """The file a ROUTINE argument names; raises RoutineNotFound with a hint."""
        if looks_like_path(routine):
            path = Path(routine).expanduser()
            if _is_dir(path):
                raise RoutineNotFound(
                    f"{routine} is a folder; give a routine file (.yaml or .yml) inside it"
                )
            if not _present(path):
                raise RoutineNotFound(f"no such routine file: {routine}")
            return path
        if ID_PATTERN.fullmatch(routine):
            for _, folder in self._folders():
                found = _find(folder, routine)
                if found is not None:
                    return found
        raise RoutineNotFound(self._not_found(routine))

    def candidates(self, routine: str) -> list[Path]:
        """Every file whose presence decides where a ROUTINE argument leads, in the order
        ``resolve`` looks: the argument as a path, then for an id each folder's files."""
        as_path = [Path(routine).expanduser().absolute()]
        if looks_like_path(routine) or not ID_PATTERN.fullmatch(routine):
            return as_path
        return as_path + [
            folder / f"{routine}{suffix}" for _, folder in self._folders() for suffix in SUFFIXES
        ]

    def routine_id(self, routine: str) -> str | None:
        """The id a ROUTINE argument gives its routine; ``None`` lets the loader use the stem."""
        return None if looks_like_path(routine) else routine

    def load(self, routine: str) -> Routine:
        """Resolve and load a ROUTINE argument; raises RoutineNotFound or RoutineError.

        The routine is also compiled with estimated phrase lengths, so one whose session
        runs past the limits with its speech (see ``voicecoach.limits``) is refused here,
        before any voice is started."""
        loaded = load_routine(self.resolve(routine), self.routine_id(routine))
        check_compiled(compile_routine(loaded), loaded)
        return loaded

    def check(self, routine: str) -> Routine:
        """Load and compile, so that a routine that passes will also play."""
        return self.load(routine)

    def ids(self) -> list[str]:
        """Every id in both folders, sorted (for completion and did-you-mean)."""
        found: set[str] = set()
        for _, folder in self._folders():
            found.update(_scan(folder)[0])
        return sorted(found)

    def entries(self, speech: SpeechTimer = estimate_speech_samples) -> list[Entry]:
        """Every routine, the user's overriding shipped ones of the same id.

        ``speech`` times each phrase: the estimator, or the voice engine's measured length.
        A broken user file shows up as an invalid entry instead of breaking the list.
        """
        shipped, _ = _scan(self.shipped_dir)
        user, misnamed = _scan(self.user_dir)
        out: list[Entry] = []
        for routine_id in sorted(shipped.keys() | user.keys()):
            if routine_id in user:
                entry = Entry(routine_id, user[routine_id], Source.USER, routine_id in shipped)
                folder = self.user_dir
            else:
                entry = Entry(routine_id, shipped[routine_id], Source.SHIPPED)
                folder = self.shipped_dir
            out.append(_measure(entry, folder, speech))
        for path in misnamed:
            problem = (
                f"Error: {path.name} cannot be played by name: rename it to lower-case "
                "letters, digits and hyphens"
            )
            out.append(Entry(path.name, path, Source.USER, problem=problem))
        return out

    def expand(self, targets: Iterable[str]) -> list[str]:
        """Targets with each folder replaced by the routine files in it, sorted.

        An empty folder stays as it is, so that checking it reports the problem.
        """
        out: list[str] = []
        for target in targets:
            by_id, misnamed = _scan(Path(target)) if _is_dir(Path(target)) else ({}, [])
            out.extend(sorted(str(f) for f in [*by_id.values(), *misnamed]) or [target])
        return out

    def _not_found(self, routine: str) -> str:
        hint = "Run `voicecoach list` to see them all, or give the path to a routine file."
        ids = self.ids()
        wanted = re.sub(r"[\s_]+", "-", routine.strip().lower())
        close = [i for i in ids if wanted and i.startswith(wanted)]
        close += [m for m in difflib.get_close_matches(wanted, ids, n=3) if m not in close]
        if close:
            names = " or ".join(f'"{c}"' for c in close[:3])
            return f'no routine "{routine}"; did you mean {names}? {hint}'
        return f'no routine "{routine}". {hint}'


def _scan(folder: Path) -> tuple[dict[str, Path], list[Path]]:
    """Routine files in a folder by id (``.yaml`` before ``.yml``), and misnamed ones."""
    try:
        files = sorted(
            p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES and not p.is_dir()
        )
    except OSError:
        return {}, []
    by_id: dict[str, Path] = {}
    misnamed: list[Path] = []
    for suffix in SUFFIXES:
        for path in files:
            if path.suffix.lower() != suffix:
                continue
            if not ID_PATTERN.fullmatch(path.stem):
                misnamed.append(path)
            else:
                by_id.setdefault(path.stem, path)
    return by_id, misnamed


def _find(folder: Path, routine_id: str) -> Path | None:
    """The file for an id in one folder, refusing a link that leads out of it."""
    for suffix in SUFFIXES:
        candidate = folder / f"{routine_id}{suffix}"
        if _present(candidate):
            real = Path(os.path.realpath(candidate))  # no error for a loop: the loader says
            if real.parent != Path(os.path.realpath(folder)):
                raise RoutineNotFound(
                    f'routine "{routine_id}" in {folder} links to {real}, outside that '
                    "folder; give its path instead"
                )
            return real
    return None


def _measure(entry: Entry, folder: Path, speech: SpeechTimer) -> Entry:
    try:
        path = _find(folder, entry.id) or entry.path
        routine = load_routine(path, entry.id)
        script = compile_routine(routine, speech)
        check_compiled(script, routine)
    except (RoutineError, RoutineNotFound) as err:
        return Entry(entry.id, entry.path, entry.source, entry.overrides, problem=err.lines()[0])
    return Entry(
        entry.id,
        entry.path,
        entry.source,
        entry.overrides,
        name=routine.name,
        length=script.length,
        exercises=len(routine.exercises),
    )
