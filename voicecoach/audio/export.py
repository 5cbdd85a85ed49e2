"""Export: a rendered session written as an audio file with chapters, cues and captions.

Every output is written to a temp file beside its target, finished (tags, fsync), and only
then renamed over the target, all outputs together (``files.Staging``): an export that
fails or is interrupted leaves whatever was at the targets before, and no temp files.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mutagen.flac
import mutagen.id3
import mutagen.oggvorbis
import numpy as np
import soundfile as sf
from mutagen import MutagenError

from voicecoach.audio.mp3 import Mp3Error, Mp3Writer
from voicecoach.audio.render import read_ahead
from voicecoach.audio.session import PreparedSession
from voicecoach.compile.cuescript import SAMPLE_RATE, CueScript, CueType
from voicecoach.errors import ExportError, UnusableFileError
from voicecoach.files import Staging, check_target, write_problem

#: Frames per write to an encoder: one huge write of long audio segfaults libsndfile's
#: OGG encoder, while 4,096-frame writes are safe.
WRITE_FRAMES = 4096
#: Frames per rendered chunk, and per write of PCM (WAV, FLAC), which has no encoder to
#: upset: larger writes keep soundfile's per-call cost low.
RENDER_FRAMES = 65536

ARTIST = "voicecoach"

Progress = Callable[[int], None]

# mutagen's tag classes carry no annotations; use them through ``Any`` rather than
# silencing every call.
_id3: Any = mutagen.id3
_flac: Any = mutagen.flac
_ogg: Any = mutagen.oggvorbis


@dataclass(frozen=True)
class AudioFormat:
    """How one file ending is written: libsndfile format and subtype (MP3 is written by
    LAME through ``audio.mp3``, see there why), and chapter style."""

    extension: str
    format: str
    subtype: str
    chapters: str  # "id3", "vorbis" or "" (none)
    write_frames: int = WRITE_FRAMES


FORMATS: dict[str, AudioFormat] = {
    ".wav": AudioFormat(".wav", "WAV", "PCM_16", "", RENDER_FRAMES),
    ".flac": AudioFormat(".flac", "FLAC", "PCM_16", "vorbis", RENDER_FRAMES),
    ".ogg": AudioFormat(".ogg", "OGG", "VORBIS", "vorbis"),
    ".mp3": AudioFormat(".mp3", "MP3", "MPEG_LAYER_III", "id3", RENDER_FRAMES),
}


@dataclass(frozen=True)
class ExportTargets:
    """Where an export goes: the audio file, and optionally the cue JSON and captions."""

    audio: Path
    cues: Path | None = None
    captions: Path | None = None

    def paths(self) -> list[Path]:
        return [p for p in (self.audio, self.cues, self.captions) if p is not None]


def audio_format(path: Path) -> AudioFormat:
    """The format for ``path``'s ending, or an ExportError naming the supported ones."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        supported = ", ".join(FORMATS)
        ending = f"'{path.suffix}'" if path.suffix else "no ending"
        raise ExportError(
            f"{path}: cannot export to {ending}; name the file with one of: {supported}"
        )
    if fmt.format != "MP3" and fmt.format not in sf.available_formats():
        raise ExportError(
            f"{path}: this libsndfile cannot write {fmt.format}; install soundfile 0.12 or later"
        )
    return fmt


def check_targets(targets: ExportTargets, inputs: Iterable[tuple[Path, str]] = ()) -> AudioFormat:
    """Reject bad targets before any audio is made: folders, devices, FIFOs, symlink
    loops, names too long, permissions, format, and a target that is one of the files the
    export reads (``inputs``: each path with what it is, such as "the routine file"),
    which it would overwrite.

    Each folder is probed by creating (and removing) a temp file there, the same way the
    export writes, so the answer holds where permission bits do not tell (root, read-only
    mounts).
    """
    read = {_identity(path): what for path, what in inputs}
    seen: set[Path] = set()
    for path in targets.paths():
        try:
            check_target(path)
        except UnusableFileError as err:
            if err.reason == "is a folder":
                raise ExportError(f"{path} is a folder; give a file name inside it") from None
            raise
        identity = _identity(path)
        if identity in read:
            raise ExportError(
                f"{path} is {read[identity]}, which this export reads; write to another file"
            )
        if identity in seen:
            raise ExportError(f"{path}: the same file is given for two outputs")
        seen.add(identity)
    fmt = audio_format(targets.audio)
    for folder in dict.fromkeys(path.parent for path in targets.paths()):
        _probe_folder(folder, next(p for p in targets.paths() if p.parent == folder))
    return fmt


def _identity(path: Path) -> Path:
    """The same for two names of one file: its real path (hard links aside)."""
    return Path(os.path.realpath(path))


def _probe_folder(folder: Path, path: Path) -> None:
    if not folder.exists():
        raise ExportError(f"{path}: the folder {folder} does not exist; create it first")
    if not folder.is_dir():
        raise ExportError(f"{path}: {folder} is not a folder")
    with Staging(durable=False) as probe:  # an interrupt mid-probe leaves no file either
        try:
            probe.new(path)
        except OSError as err:
            raise ExportError(write_problem(path, err)) from err


def timestamp(samples: int) -> str:
    """``HH:MM:SS.mmm`` for a sample position (WebVTT and Vorbis chapter marks)."""
    millis = (samples * 1000 + SAMPLE_RATE // 2) // SAMPLE_RATE
    seconds, ms = divmod(millis, 1000)
    minutes, sec = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours:02d}:{minute:02d}:{sec:02d}.{ms:03d}"


def _millis(samples: int) -> int:
    return (samples * 1000 + SAMPLE_RATE // 2) // SAMPLE_RATE


def captions_vtt(script: CueScript) -> str:
    """WebVTT captions: one entry per speech cue, timed as in the script."""
    lines = ["WEBVTT", ""]
    number = 0
    for cue in script.cues:
        if cue.type is not CueType.SPEECH:
            continue
        number += 1
        text = " ".join(cue.text.split())
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        lines += [str(number), f"{timestamp(cue.start)} --> {timestamp(cue.end)}", text, ""]
    return "\n".join(lines)


def _chapter_ids(script: CueScript) -> list[str]:
    """Element ids that keep the CHAP frames in chapter order in the file.

    mutagen writes frames sorted by their size, then by id (its issue #506), and some
    readers (ffmpeg 5) list chapters in file order. Padding each id so that every CHAP
    frame has the same size leaves the zero-padded number to decide the order.
    """
    sizes = [len(chapter.title.encode("utf-8")) for chapter in script.chapters]
    widest = max(sizes, default=0)
    digits = max(4, len(str(len(sizes))))
    return [f"chp{index:0{digits}d}" + "_" * (widest - size) for index, size in enumerate(sizes)]


CTOC_ENTRIES = 255
"""An ID3 table of contents lists at most 255 entries (its count is one byte)."""


def check_chapters(fmt: AudioFormat, script: CueScript) -> None:
    """Refuses, before anything is encoded, chapters the format cannot hold."""
    most = CTOC_ENTRIES * CTOC_ENTRIES
    if fmt.chapters == "id3" and len(script.chapters) > most:
        raise ExportError(
            f"{len(script.chapters):,} chapters are more than an MP3 file can list ({most:,}); "
            f"export to .ogg or .flac instead"
        )


def _tables_of_contents(script: CueScript, ids: list[str]) -> list[Any]:
    """The CTOC frames for the chapters: one table for up to 255, else a top table of
    tables of 255 chapters each (ID3's nested tables of contents), which holds 65,025,
    more than a session's ``MAX_CUES`` sounds can make chapters."""
    flags = _id3.CTOCFlags.TOP_LEVEL | _id3.CTOCFlags.ORDERED
    title = [_id3.TIT2(encoding=3, text=script.routine_name)]
    if len(ids) <= CTOC_ENTRIES:
        return [_id3.CTOC(element_id="toc", flags=flags, child_element_ids=ids, sub_frames=title)]
    groups = [ids[at : at + CTOC_ENTRIES] for at in range(0, len(ids), CTOC_ENTRIES)]
    names = [f"toc{number:03d}" for number in range(1, len(groups) + 1)]
    tables = [_id3.CTOC(element_id="toc", flags=flags, child_element_ids=names, sub_frames=title)]
    for number, (name, group) in enumerate(zip(names, groups, strict=True)):
        first = number * CTOC_ENTRIES + 1
        part = _id3.TIT2(encoding=3, text=f"Chapters {first} to {first + len(group) - 1}")
        tables.append(
            _id3.CTOC(
                element_id=name,
                flags=_id3.CTOCFlags.ORDERED,
                child_element_ids=group,
                sub_frames=[part],
            )
        )
    return tables


def _tag_id3(path: Path, script: CueScript) -> None:
    tags = _id3.ID3()
    tags.add(_id3.TIT2(encoding=3, text=script.routine_name))
    tags.add(_id3.TPE1(encoding=3, text=ARTIST))
    tags.add(_id3.TSSE(encoding=3, text=ARTIST))
    ids = _chapter_ids(script)
    if script.chapters:
        for table in _tables_of_contents(script, ids):
            tags.add(table)
    for element_id, chapter in zip(ids, script.chapters, strict=True):
        tags.add(
            _id3.CHAP(
                element_id=element_id,
                start_time=_millis(chapter.start),
                end_time=_millis(chapter.end),
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=[_id3.TIT2(encoding=3, text=chapter.title)],
            )
        )
    tags.save(path, v2_version=4)


def _tag_vorbis(path: Path, fmt: AudioFormat, script: CueScript) -> None:
    audio = _flac.FLAC(path) if fmt.format == "FLAC" else _ogg.OggVorbis(path)
    audio["TITLE"] = script.routine_name
    audio["ARTIST"] = ARTIST
    for number, chapter in enumerate(script.chapters, start=1):
        audio[f"CHAPTER{number:03d}"] = timestamp(chapter.start)
        audio[f"CHAPTER{number:03d}NAME"] = chapter.title
    audio.save()


def _tag(path: Path, fmt: AudioFormat, script: CueScript) -> None:
    """Title and chapter marks; WAV carries its title in the file itself and no chapters."""
    if fmt.chapters == "id3":
        _tag_id3(path, script)
    elif fmt.chapters == "vorbis":
        _tag_vorbis(path, fmt, script)


def _pcm16(chunk: np.ndarray) -> np.ndarray:
    """16-bit samples, rounded as libsndfile rounds, for the whole chunk at once."""
    data: np.ndarray = np.rint(chunk * np.float32(32767)).astype(np.int16)
    return data


def _write_audio(
    path: Path,
    fmt: AudioFormat,
    script: CueScript,
    chunks: Iterable[np.ndarray],
    progress: Progress | None,
) -> int:
    """Write the chunks in slices of the format's ``write_frames``; returns the frames written."""
    if fmt.format == "MP3":
        return _write_mp3(path, chunks, progress)
    written = 0
    with sf.SoundFile(
        path, "w", samplerate=SAMPLE_RATE, channels=1, format=fmt.format, subtype=fmt.subtype
    ) as out:
        if fmt.format == "WAV":
            out.title = script.routine_name
            out.artist = ARTIST
        for chunk in chunks:
            data = _pcm16(chunk) if fmt.subtype == "PCM_16" else chunk
            step = fmt.write_frames
            for offset in range(0, len(data), step):
                out.write(data[offset : offset + step])
            written += len(chunk)
            if progress is not None:
                progress(len(chunk))
    return written


def _write_mp3(path: Path, chunks: Iterable[np.ndarray], progress: Progress | None) -> int:
    written = 0
    with open(path, "w+b") as out:
        writer = Mp3Writer(out, SAMPLE_RATE)
        for chunk in chunks:
            writer.write(_pcm16(chunk))
            written += len(chunk)
            if progress is not None:
                progress(len(chunk))
        writer.finish()
    return written


def export_session(
    script: CueScript,
    chunks: Iterable[np.ndarray],
    targets: ExportTargets,
    progress: Progress | None = None,
) -> None:
    """Write the rendered ``chunks`` of ``script`` and its side files, all or nothing.

    ``progress`` is told how many samples each chunk held. On any error, and on Ctrl-C
    (re-raised), every temp file is removed and the targets keep their old contents.
    """
    try:
        fmt = check_targets(targets)
        check_chapters(fmt, script)
        _export(script, chunks, targets, fmt, progress)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:  # stop a renderer running ahead, also on error
            close()


def write_session(
    session: PreparedSession, targets: ExportTargets, progress: Progress | None = None
) -> None:
    """Export a prepared session: rendered in large chunks on a thread, encoded meanwhile."""
    export_session(
        session.script, read_ahead(session.chunks(chunk=RENDER_FRAMES)), targets, progress
    )


def _export(
    script: CueScript,
    chunks: Iterable[np.ndarray],
    targets: ExportTargets,
    fmt: AudioFormat,
    progress: Progress | None,
) -> None:
    current = targets.audio
    try:
        with Staging() as stage:
            temp = Path(stage.new(targets.audio))
            written = _write_audio(temp, fmt, script, chunks, progress)
            if written != script.length:
                raise ExportError(
                    f"{targets.audio}: rendered {written} samples, the script has {script.length}"
                )
            _tag(temp, fmt, script)
            if targets.cues is not None:
                current = targets.cues
                Path(stage.new(targets.cues)).write_text(script.to_json(), encoding="utf-8")
            if targets.captions is not None:
                current = targets.captions
                Path(stage.new(targets.captions)).write_text(captions_vtt(script), encoding="utf-8")
            current = targets.audio
            stage.commit()
    except OSError as err:
        raise ExportError(write_problem(current, err)) from err
    except (sf.SoundFileError, MutagenError, Mp3Error) as err:
        raise ExportError(
            f"{targets.audio}: cannot write the audio: {_why(targets.audio, err)}"
        ) from err


def _why(path: Path, err: Exception) -> str:
    """libsndfile says only "System error." for a full disk, and names the temporary file."""
    try:
        full = os.statvfs(path.parent).f_bavail == 0
    except OSError:
        full = False
    if full:
        return f"the disk holding {path.parent} is full; free some space or choose another folder"
    return str(err)
