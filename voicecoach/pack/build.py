"""Writing a pack: each routine's session exported (MP3 with chapters, cues, captions)
into a temp folder beside the destination, the parts (``pack.parts``) written beside
them, then the whole folder put in place at once (``folders.FolderStaging``). An error or
Ctrl-C leaves the destination as it was, and no temp folder.

A destination that exists must be a folder that is empty or a pack written before: its
marker file (``MARKER``) lists the files it wrote, and a folder holding anything else is
refused, so replacing a pack never removes a file someone put there."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from voicecoach.audio.export import ExportTargets, Progress, write_session
from voicecoach.audio.session import PreparedSession
from voicecoach.errors import PackError, UnusableFileError
from voicecoach.files import read_regular
from voicecoach.folders import FolderStaging
from voicecoach.pack.content import PackItem, PackOptions
from voicecoach.pack.parts import Part, parts
from voicecoach.routine.model import Routine

MARKER = ".voicecoach-pack"
"""The file in every pack that says it is one, and which files it holds."""
MARKER_FORMAT = "voicecoach.pack/1"
_MARKER_BYTES = 1 << 20
_LISTED = 5
"""How many stray files an error names."""

Prepare = Callable[[Routine], PreparedSession]
"""A routine made ready to render (its phrases synthesized, its script compiled)."""


def _files_under(folder: Path) -> list[str]:
    """Every entry under ``folder`` that is not a folder, as "/"-joined relative paths
    (links not followed)."""
    found: list[str] = []
    for root, dirs, names in os.walk(folder):
        base = Path(root).relative_to(folder)
        for name in names + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            found.append((base / name).as_posix())
    return sorted(found)


def _listed_files(folder: Path) -> set[str] | None:
    """The files a pack's marker lists; None when the marker is missing or not ours."""
    try:
        marker = json.loads(read_regular(folder / MARKER, _MARKER_BYTES))
    except (OSError, UnusableFileError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("format") != MARKER_FORMAT:
        return None
    files = marker.get("files")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return set(files)


def _names(paths: Sequence[str]) -> str:
    shown = ", ".join(paths[:_LISTED])
    return shown + (f" and {len(paths) - _LISTED} more" if len(paths) > _LISTED else "")


def check_destination(target: Path) -> Path:
    """The folder a pack goes to, checked before any work: a new folder in one that
    exists, or an existing folder that is empty or holds a pack and nothing else. A link
    is followed (the pack goes where it points). Returns the absolute path."""
    target = Path(os.path.abspath(target))
    if os.path.islink(target):
        target = Path(os.path.realpath(target))
    if target.exists() and not target.is_dir():
        raise PackError(f"{target} is a file; give a folder for the pack (a new one is made)")
    parent = target.parent
    if not parent.is_dir():
        raise PackError(f"{target}: the folder {parent} does not exist; create it first")
    here = Path(os.path.realpath(os.getcwd()))
    if target == here or target in here.parents:
        raise PackError(f"{target} holds the current folder; give another folder for the pack")
    if not target.exists():
        return target
    try:
        top = sorted(os.listdir(target))
        listed = _listed_files(target) if top else None
        # Only a pack is looked through (someone's home folder is refused at a glance).
        present = _files_under(target) if listed is not None else top
    except OSError as err:
        raise PackError(f"{target}: cannot read the folder: {err.strerror or err}") from err
    if not present:
        return target
    if listed is None:
        raise PackError(
            f"{target} is a folder with files in it ({_names(present)}) and no pack; "
            "give a new or empty folder, or one a pack was written to"
        )
    strays = [path for path in present if path != MARKER and path not in listed]
    if strays:
        raise PackError(
            f"{target} holds files the pack there did not write ({_names(strays)}); "
            "move them away first"
        )
    return target


def _check_ids(routines: Sequence[Routine]) -> None:
    seen: set[str] = set()
    for routine in routines:
        if routine.id in seen:
            raise PackError(f"the routine {routine.id} is given twice; give each routine once")
        seen.add(routine.id)


def _relative(name: str) -> Path:
    """A part's path, refused if it would leave the pack."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or ".." in path.parts or name != path.as_posix():
        raise ValueError(f"a pack's part gave the path {name!r}, which is not inside the pack")
    return Path(*path.parts)


def _write_parts(
    folder: Path, every: Sequence[Part], items: Sequence[PackItem], options: PackOptions
) -> list[str]:
    written: list[str] = []
    taken = set(_files_under(folder))
    for part in every:
        files: Mapping[str, bytes] = part(items, options)
        for name, data in files.items():
            if name in taken:
                raise ValueError(f"two parts of a pack both write {name}")
            taken.add(name)
            path = folder / _relative(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "xb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            written.append(name)
    return written


def _write_marker(folder: Path, routines: Sequence[str]) -> None:
    files = [name for name in _files_under(folder) if name != MARKER]
    text = json.dumps({"format": MARKER_FORMAT, "routines": list(routines), "files": files})
    (folder / MARKER).write_text(text + "\n", encoding="utf-8")


def _export(
    session: PreparedSession, folder: Path, item: PackItem, progress: Progress | None
) -> int:
    """The session's MP3, cues and captions in ``folder``; returns the MP3's size."""
    folder.mkdir(parents=True, exist_ok=True)
    targets = ExportTargets(folder / item.audio, folder / item.cues, folder / item.captions)
    write_session(session, targets, progress)
    return (folder / item.audio).stat().st_size


def write_pack(
    routines: Sequence[Routine],
    prepare: Prepare,
    target: Path,
    options: PackOptions,
    weekly_target: int,
    progress: Progress | None = None,
) -> list[PackItem]:
    """Write the pack of ``routines`` to the folder ``target`` (see the module's
    docstring); returns its items. The folder is checked, and its temp folder made, before
    any routine is prepared, so a destination that cannot be had costs no synthesis.
    ``progress`` is told the samples of each chunk encoded."""
    target = check_destination(target)
    _check_ids(routines)
    several = len(routines) > 1
    try:
        staging = FolderStaging(target, MARKER)
        with staging as folder:
            sessions = [prepare(routine) for routine in routines]
            items: list[PackItem] = []
            for routine, session in zip(routines, sessions, strict=True):
                item = PackItem(
                    routine=routine,
                    script=session.script,
                    audio_bytes=0,
                    weekly_target=weekly_target,
                    folder=routine.id if several else "",
                )
                size = _export(session, folder / item.folder, item, progress)
                items.append(replace(item, audio_bytes=size))

            def audio(item: PackItem) -> bytes:
                return (folder / _relative(item.href(item.audio))).read_bytes()

            _write_parts(folder, parts(audio), items, options)
            _write_marker(folder, [item.routine.id for item in items])
            check_destination(target)  # nothing put there meanwhile is lost
            staging.commit()
    except OSError as err:
        raise PackError(_describe(target, err)) from err
    return items


def _describe(target: Path, err: OSError) -> str:
    if isinstance(err, PermissionError):
        return f"{target}: permission denied; choose a folder you can write to"
    if isinstance(err, FileNotFoundError) and target.parent.is_dir() and not target.exists():
        return f"{target}: the folder {target.parent} takes no new files; choose another folder"
    return f"{target}: cannot write the pack: {err.strerror or err}"


__all__ = ["MARKER", "MARKER_FORMAT", "Prepare", "check_destination", "write_pack"]
