"""Export: formats, chapters read back by ffprobe, captions, and all-or-nothing writes."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mutagen.id3
import numpy as np
import pytest
import soundfile as sf
from helpers import unwritable_folder

from voicecoach.audio.export import (
    FORMATS,
    ExportTargets,
    audio_format,
    captions_vtt,
    check_targets,
    export_session,
    timestamp,
)
from voicecoach.audio.render import render
from voicecoach.audio.samples import Audio
from voicecoach.compile.cuescript import SAMPLE_RATE, Chapter, Cue, CueScript, CueType
from voicecoach.errors import ExportError

needs_ffprobe = pytest.mark.skipif(shutil.which("ffprobe") is None, reason="needs ffprobe")

SR = SAMPLE_RATE


def beep(length: int, freq: float) -> Audio:
    t = np.arange(length) / SR
    return (0.4 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def synthetic_script() -> CueScript:
    """Eight seconds, three chapters, speech and chimes: enough to check every output."""
    cues = (
        Cue(0, SR, CueType.SPEECH, text="First & <best>"),
        Cue(SR + 2205, 13230, CueType.CHIME, sound="hold"),
        Cue(3 * SR, SR // 2, CueType.SPEECH, text="Second\nline"),
        Cue(5 * SR, 13230, CueType.CHIME, sound="release"),
        Cue(6 * SR + 100, SR, CueType.SPEECH, text="Third"),
    )
    chapters = (
        Chapter("Cat-cow", 0, 3 * SR - 1000, 0),
        Chapter("Child's pose", 3 * SR - 1000, 6 * SR, 1),
        Chapter("Bird dog", 6 * SR, 8 * SR, 2),
    )
    return CueScript("synthetic", "Synthetic session", 8 * SR, chapters, cues)


SCRIPT = synthetic_script()


def speech(text: str) -> Audio:
    cue = next(c for c in SCRIPT.cues if c.text == text)
    return beep(cue.length, 300.0)


def chime(name: str) -> Audio:
    return beep(13230, 880.0)


def chunks(script: CueScript = SCRIPT) -> Iterator[Audio]:
    return render(script, speech, chime)


def ffprobe(path: Path) -> dict[str, Any]:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_chapters", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def folder_listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_timestamp_rounds_to_the_millisecond() -> None:
    assert timestamp(0) == "00:00:00.000"
    assert timestamp(SR * 3661 + 11) == "01:01:01.000"
    assert timestamp(SR * 3661 + 12) == "01:01:01.001"
    assert timestamp(SR * 59 + SR - 1) == "00:01:00.000"


def test_captions_are_webvtt_with_one_entry_per_speech_cue() -> None:
    assert captions_vtt(SCRIPT) == (
        "WEBVTT\n\n"
        "1\n00:00:00.000 --> 00:00:01.000\nFirst &amp; &lt;best&gt;\n\n"
        "2\n00:00:03.000 --> 00:00:03.500\nSecond line\n\n"
        "3\n00:00:06.005 --> 00:00:07.005\nThird\n"
    )


@pytest.mark.parametrize("name", ["a.txt", "a", "a.mp4", "a.wav.bak"])
def test_unknown_ending_names_the_supported_ones(name: str) -> None:
    with pytest.raises(
        ExportError, match=r"name the file with one of: \.wav, \.flac, \.ogg, \.mp3"
    ):
        audio_format(Path(name))


def test_endings_are_case_insensitive() -> None:
    assert audio_format(Path("SESSION.MP3")).format == "MP3"


def test_every_format_is_available_in_this_libsndfile() -> None:
    for fmt in FORMATS.values():
        assert fmt.format in sf.available_formats()
        assert fmt.subtype in sf.available_subtypes(fmt.format)


def test_targets_in_a_missing_folder_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="does not exist; create it first"):
        check_targets(ExportTargets(tmp_path / "nope" / "a.wav"))
    with pytest.raises(ExportError, match="does not exist"):
        check_targets(ExportTargets(tmp_path / "a.wav", captions=tmp_path / "nope" / "a.vtt"))


def test_a_folder_as_target_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "x.wav").mkdir()
    with pytest.raises(ExportError, match="is a folder"):
        check_targets(ExportTargets(tmp_path / "x.wav"))


def test_one_file_for_two_outputs_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="same file is given for two outputs"):
        check_targets(ExportTargets(tmp_path / "a.wav", tmp_path / "c.json", tmp_path / "c.json"))


def test_wav_holds_the_rendered_audio_sample_for_sample(tmp_path: Path) -> None:
    target = tmp_path / "s.wav"
    seen: list[int] = []
    export_session(SCRIPT, chunks(), ExportTargets(target), progress=seen.append)
    audio, rate = sf.read(target, dtype="float32")
    assert rate == SR
    assert sf.info(str(target)).subtype == "PCM_16"
    reference = np.concatenate(list(chunks()))
    assert len(audio) == SCRIPT.length == sum(seen)
    np.testing.assert_allclose(audio, reference, atol=1 / 32767)
    with sf.SoundFile(target) as written:
        assert (written.title, written.artist) == ("Synthetic session", "voicecoach")
    assert folder_listing(tmp_path) == ["s.wav"]


def test_side_files_are_written_with_the_audio(tmp_path: Path) -> None:
    targets = ExportTargets(tmp_path / "s.flac", tmp_path / "s.json", tmp_path / "s.vtt")
    export_session(SCRIPT, chunks(), targets)
    assert json.loads((tmp_path / "s.json").read_text()) == SCRIPT.to_dict()
    assert (tmp_path / "s.vtt").read_text() == captions_vtt(SCRIPT)
    assert folder_listing(tmp_path) == ["s.flac", "s.json", "s.vtt"]


def test_a_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        export_session(SCRIPT, chunks(), ExportTargets(tmp_path / "s.wav"))
    finally:
        os.umask(umask)
    assert (tmp_path / "s.wav").stat().st_mode & 0o777 == 0o644


@needs_ffprobe
@pytest.mark.parametrize("ending", [".mp3", ".ogg", ".flac"])
def test_chapters_and_title_read_back_with_ffprobe(tmp_path: Path, ending: str) -> None:
    target = tmp_path / f"s{ending}"
    export_session(SCRIPT, chunks(), ExportTargets(target))
    probe = ffprobe(target)
    chapters = probe["chapters"]
    assert [c["tags"]["title"] for c in chapters] == ["Cat-cow", "Child's pose", "Bird dog"]
    for found, chapter in zip(chapters, SCRIPT.chapters, strict=True):
        assert float(found["start_time"]) == pytest.approx(chapter.start / SR, abs=0.0011)
    duration = float(probe["format"]["duration"])
    # MP3 adds encoder padding: allow a few frames of 1,152 samples.
    assert duration == pytest.approx(SCRIPT.length / SR, abs=4 * 1152 / SR)
    tags = {k.lower(): v for k, v in probe["format"].get("tags", {}).items()}
    if ending == ".ogg":  # Vorbis comments sit on the stream, not the container
        tags = {k.lower(): v for k, v in streams_tags(target).items()}
    assert tags["title"] == "Synthetic session"


def streams_tags(path: Path) -> dict[str, str]:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    tags: dict[str, str] = json.loads(result.stdout)["streams"][0].get("tags", {})
    return tags


@needs_ffprobe
def test_mp3_chapter_ends_are_written(tmp_path: Path) -> None:
    target = tmp_path / "s.mp3"
    export_session(SCRIPT, chunks(), ExportTargets(target))
    ends = [float(c["end_time"]) for c in ffprobe(target)["chapters"]]
    assert ends == pytest.approx([c.end / SR for c in SCRIPT.chapters], abs=0.0011)


@needs_ffprobe
@pytest.mark.parametrize("ending", [".mp3", ".ogg"])
def test_many_chapters_keep_their_order(tmp_path: Path, ending: str) -> None:
    titles = ["Brücke", "Cat-cow", "A", "Knee to chest, both legs", "Über", "Pelvic tilt"] * 3
    step = SR // 2
    chapters = tuple(Chapter(title, i * step, (i + 1) * step, i) for i, title in enumerate(titles))
    script = CueScript("many", "Many", len(titles) * step, chapters, ())
    target = tmp_path / f"m{ending}"
    export_session(script, render(script, speech, chime), ExportTargets(target))
    found = ffprobe(target)["chapters"]
    assert [c["tags"]["title"] for c in found] == titles
    starts = [float(c["start_time"]) for c in found]
    assert starts == pytest.approx([c.start / SR for c in chapters], abs=0.0011)


def interrupted(after: int, error: BaseException) -> Iterator[Audio]:
    for index, chunk in enumerate(chunks()):
        if index == after:
            raise error
        yield chunk


@pytest.mark.parametrize("ending", [".wav", ".mp3", ".ogg", ".flac"])
@pytest.mark.parametrize("error", [KeyboardInterrupt(), RuntimeError("boom")])
def test_an_interrupted_export_leaves_the_old_files_whole(
    tmp_path: Path, ending: str, error: BaseException
) -> None:
    targets = ExportTargets(tmp_path / f"s{ending}", tmp_path / "s.json", tmp_path / "s.vtt")
    for path in targets.paths():
        path.write_bytes(b"previous " + path.name.encode())
    with pytest.raises(type(error)):
        export_session(SCRIPT, interrupted(20, error), targets)
    for path in targets.paths():
        assert path.read_bytes() == b"previous " + path.name.encode()
    assert folder_listing(tmp_path) == sorted(p.name for p in targets.paths())


def test_a_short_render_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    def short() -> Iterator[Audio]:
        yield np.zeros(1000, dtype=np.float32)

    with pytest.raises(ExportError, match="rendered 1000 samples, the script has"):
        export_session(SCRIPT, short(), ExportTargets(tmp_path / "s.wav"))
    assert folder_listing(tmp_path) == []


def test_replacing_keeps_the_old_files_mode(tmp_path: Path) -> None:
    target = tmp_path / "s.ogg"
    target.write_bytes(b"old")
    target.chmod(0o600)
    export_session(SCRIPT, chunks(), ExportTargets(target))
    assert target.stat().st_mode & 0o777 == 0o600
    assert sf.info(str(target)).frames == SCRIPT.length


def test_long_audio_is_written_in_small_slices(tmp_path: Path) -> None:
    """Ten minutes to OGG in 60-second chunks: one big write would crash libsndfile."""
    length = 10 * 60 * SR
    script = CueScript("long", "Long", length, (Chapter("All", 0, length, 0),), ())

    def big_chunks() -> Iterator[Audio]:
        for start in range(0, length, 60 * SR):
            yield beep(min(60 * SR, length - start), 220.0)

    export_session(script, big_chunks(), ExportTargets(tmp_path / "long.ogg"))
    assert sf.info(str(tmp_path / "long.ogg")).frames == length


# -- end to end: the real command, voice engine, chimes and encoders ----------------------

SMALL_ROUTINE = """\
version: 1
name: Small session
intro: Lie down and breathe.
defaults:
  lead_in: 2s
  rest: 3s
exercises:
  - name: Pelvic tilt
    reps: 2
    tempo: [2s, 2s]
    phases: [Tilt, Release]
  - name: Knee hug
    cue: Hug one knee to your chest.
    hold: 20s
    sides: true
    switch: 3s
"""


@pytest.fixture
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Private cache, config and data folders for the voicecoach processes of one test."""
    home = tmp_path_factory.mktemp("home")
    env = dict(os.environ)
    for name in ("CACHE", "CONFIG", "DATA", "STATE"):
        env[f"XDG_{name}_HOME"] = str(home / name.lower())
    env.pop("VOICECOACH_CACHE_DIR", None)
    return env


def voicecoach(
    args: Sequence[str], env: dict[str, str], timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """The real command with its real error boundary, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "voicecoach", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def small_routine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("routines") / "small-session.yaml"
    path.write_text(SMALL_ROUTINE, encoding="utf-8")
    return path


@dataclass(frozen=True)
class Exported:
    """One real export of the small routine, with its cue JSON and captions."""

    folder: Path
    audio: Path
    script: dict[str, Any]
    captions: str


def export_small(folder: Path, ending: str, routine: Path, env: dict[str, str]) -> Exported:
    audio = folder / f"small{ending}"
    cues, captions = folder / "small.json", folder / "small.vtt"
    result = voicecoach(
        [
            "export",
            str(routine),
            "-o",
            str(audio),
            "--cues",
            str(cues),
            "--captions",
            str(captions),
        ],
        env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    return Exported(folder, audio, json.loads(cues.read_text()), captions.read_text())


@pytest.fixture(scope="module")
def small_wav(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    folder = tmp_path_factory.mktemp("wav")
    routine = folder / "small-session.yaml"
    routine.write_text(SMALL_ROUTINE, encoding="utf-8")
    env = dict(os.environ, XDG_CACHE_HOME=str(folder / "cache"))
    env["XDG_CONFIG_HOME"] = str(folder / "config")
    env["XDG_DATA_HOME"] = str(folder / "data")
    return export_small(folder, ".wav", routine, env)


def samples_of(item: dict[str, Any]) -> tuple[int, int]:
    start = round(item["at"] * SR)
    return start, start + round(item["duration"] * SR)


@pytest.mark.engine
def test_wav_length_equals_the_script(small_wav: Exported) -> None:
    info = sf.info(str(small_wav.audio))
    assert (info.samplerate, info.channels, info.subtype) == (SR, 1, "PCM_16")
    assert info.frames == round(small_wav.script["duration"] * SR)


@pytest.mark.engine
def test_every_chime_is_in_the_wav_at_its_cue_time(small_wav: Exported) -> None:
    from voicecoach.audio.sounds import load_chime

    audio, _ = sf.read(small_wav.audio, dtype="float32")
    chimes = [c for c in small_wav.script["cues"] if c["type"] == "chime"]
    assert {c["sound"] for c in chimes} >= {"hold", "release", "switch", "done"}
    search = SR // 20  # look 50 ms either side of where the script puts it
    for cue in chimes:
        reference = np.asarray(load_chime(cue["sound"]), dtype=np.float32)
        start, _ = samples_of(cue)
        lo = max(0, start - search)
        window = audio[lo : start + len(reference) + search]
        score = np.correlate(window, reference, mode="valid")
        found = lo + int(np.argmax(score))
        assert abs(found - start) <= SR // 1000, (cue, found - start)


@pytest.mark.engine
def test_speech_sounds_where_the_script_speaks(small_wav: Exported) -> None:
    audio, _ = sf.read(small_wav.audio, dtype="float32")
    spoken = [c for c in small_wav.script["cues"] if c["type"] == "speech"]
    assert len(spoken) > 10
    for cue in spoken:
        start, end = samples_of(cue)
        clip = audio[start:end]
        rms_db = 10 * np.log10(np.mean(clip.astype(np.float64) ** 2))
        assert rms_db > -40, (cue["text"], rms_db)


@pytest.mark.engine
def test_holds_are_silent_between_call_outs(small_wav: Exported) -> None:
    audio, _ = sf.read(small_wav.audio, dtype="int16")
    cues = small_wav.script["cues"]
    holds = [i for i, c in enumerate(cues) if c.get("sound") == "hold"]
    assert len(holds) == 2  # one per side
    for index in holds:
        release = next(j for j in range(index + 1, len(cues)) if cues[j].get("sound") == "release")
        inside = cues[index : release + 1]
        assert all(c["type"] == "chime" or c["role"] in {"callout", "countdown"} for c in inside)
        for before, after in itertools.pairwise(inside):
            gap_start, gap_end = samples_of(before)[1], samples_of(after)[0]
            assert gap_end > gap_start
            assert not audio[gap_start:gap_end].any(), (before, after)
        span = samples_of(cues[release])[0] - samples_of(cues[index])[0]
        assert span == 20 * SR


@pytest.mark.engine
def test_silence_everywhere_the_script_is_silent(small_wav: Exported) -> None:
    audio, _ = sf.read(small_wav.audio, dtype="int16")
    covered = np.zeros(len(audio), dtype=bool)
    for cue in small_wav.script["cues"]:
        start, end = samples_of(cue)
        covered[start:end] = True
    assert not audio[~covered].any()


@pytest.mark.engine
def test_captions_have_one_entry_per_speech_cue(small_wav: Exported) -> None:
    blocks = small_wav.captions.strip("\n").split("\n\n")
    assert blocks[0] == "WEBVTT"
    spoken = [c for c in small_wav.script["cues"] if c["type"] == "speech"]
    assert len(blocks) - 1 == len(spoken)
    for index, (block, cue) in enumerate(zip(blocks[1:], spoken, strict=True), start=1):
        number, timing, text = block.split("\n")
        assert number == str(index)
        begin, arrow, end = timing.split(" ")
        assert arrow == "-->"
        assert begin == timestamp(samples_of(cue)[0])
        assert end == timestamp(samples_of(cue)[1])
        assert text == cue["text"]


@pytest.mark.engine
def test_cues_json_equals_the_script_command(small_wav: Exported, cli_env: dict[str, str]) -> None:
    env = dict(cli_env, XDG_CACHE_HOME=str(small_wav.folder / "cache"))
    result = voicecoach(["script", str(small_wav.folder / "small-session.yaml"), "--json"], env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == small_wav.script


@pytest.mark.engine
@needs_ffprobe
@pytest.mark.parametrize("ending", [".mp3", ".ogg", ".flac"])
def test_real_exports_carry_their_chapters(
    tmp_path: Path, ending: str, small_routine: Path, cli_env: dict[str, str]
) -> None:
    exported = export_small(tmp_path, ending, small_routine, cli_env)
    probe = ffprobe(exported.audio)
    chapters = exported.script["chapters"]
    assert [c["tags"]["title"] for c in probe["chapters"]] == [c["title"] for c in chapters]
    assert [c["title"] for c in chapters] == ["Pelvic tilt", "Knee hug"]
    frame = 1152 / SR
    for found, chapter in zip(probe["chapters"], chapters, strict=True):
        assert float(found["start_time"]) == pytest.approx(chapter["start"], abs=frame)
    duration = float(probe["format"]["duration"])
    assert duration == pytest.approx(exported.script["duration"], abs=4 * frame)
    assert folder_listing(tmp_path) == sorted([exported.audio.name, "small.json", "small.vtt"])


@pytest.mark.engine
@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "status"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)],
    ids=["ctrl-c", "terminate", "hang-up"],
)
def test_interrupting_an_export_leaves_the_old_file(
    tmp_path: Path, cli_env: dict[str, str], signum: signal.Signals, status: int
) -> None:
    target = tmp_path / "session.mp3"
    target.write_bytes(b"the previous session")
    proc = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "export", "lower-back-essentials", "-o", str(target)],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with proc:  # killed and its pipes closed if the test fails
        try:
            deadline = time.monotonic() + 120
            while not list(tmp_path.glob(".session.mp3.*.part")) and proc.poll() is None:
                assert time.monotonic() < deadline, "the export never started writing"
                time.sleep(0.01)
            assert proc.poll() is None, "the export finished before it could be interrupted"
            proc.send_signal(signum)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    assert out == ""
    assert proc.returncode == status, err
    assert "Traceback" not in err
    assert target.read_bytes() == b"the previous session"
    assert folder_listing(tmp_path) == ["session.mp3"]


@pytest.mark.parametrize(
    ("make_target", "message"),
    [
        (lambda tmp: tmp / "missing" / "s.wav", "does not exist; create it first"),
        (lambda tmp: tmp, "is a folder; give a file name inside it"),
        (lambda tmp: tmp / "s.aiff", "name the file with one of: .wav, .flac, .ogg, .mp3"),
        (lambda tmp: unwritable_folder(tmp) / "s.wav", "permission denied"),
        (lambda tmp: proc_folder() / "s.wav", "takes no new files; choose another folder"),
    ],
    ids=["missing-folder", "folder", "unknown-format", "unwritable", "procfs"],
)
def test_bad_targets_exit_1_with_one_error_line(
    tmp_path: Path,
    cli_env: dict[str, str],
    make_target: Callable[[Path], Path],
    message: str,
    small_routine: Path,
) -> None:
    target = make_target(tmp_path)
    result = voicecoach(["export", str(small_routine), "-o", str(target)], cli_env, timeout=60)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert message in lines[0]


def proc_folder() -> Path:
    """A folder that exists but refuses every new file with ENOENT, even for root."""
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs procfs")
    return Path("/proc/self")


@needs_ffprobe
def test_more_chapters_than_one_id3_table_holds_read_back_in_order(tmp_path: Path) -> None:
    # ID3's CTOC lists 255 entries; 600 chapters go into nested tables of contents.
    count = 600
    step = SR // 10
    titles = [f"Exercise {n}" + "!" * (n % 7) for n in range(count)]
    chapters = tuple(Chapter(title, i * step, (i + 1) * step, i) for i, title in enumerate(titles))
    script = CueScript("many", "Many", count * step, chapters, ())
    target = tmp_path / "many.mp3"
    export_session(script, render(script, speech, chime), ExportTargets(target))
    found = ffprobe(target)["chapters"]
    assert [c["tags"]["title"] for c in found] == titles
    id3: Any = mutagen.id3  # untyped
    tags = id3.ID3(target)
    tables = {frame.element_id: frame for frame in tags.getall("CTOC")}
    top = [t for t in tables.values() if t.flags & id3.CTOCFlags.TOP_LEVEL]
    assert len(top) == 1
    listed = [chap for name in top[0].child_element_ids for chap in tables[name].child_element_ids]
    assert [tags[f"CHAP:{chap}"].sub_frames["TIT2"].text[0] for chap in listed] == titles
    assert all(len(t.child_element_ids) <= 255 for t in tables.values())


def test_chapters_past_what_mp3_can_list_are_refused_before_encoding(tmp_path: Path) -> None:
    count = 255 * 255 + 1
    chapters = tuple(Chapter("C", i, i + 1, i) for i in range(count))
    script = CueScript("huge", "Huge", count, chapters, ())

    def never() -> Iterator[Audio]:
        raise AssertionError("nothing may be rendered")
        yield  # pragma: no cover

    with pytest.raises(ExportError, match=r"65,026 chapters are more than an MP3 file can list"):
        export_session(script, never(), ExportTargets(tmp_path / "huge.mp3"))
    assert folder_listing(tmp_path) == []


@needs_ffprobe
def test_an_export_times_each_wait_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through the CLI, chimes only: the wait gets its longest, the note says so, the cue
    script marks it, and ffprobe reads a file exactly as long as the script."""
    from helpers import run_main

    routine = tmp_path / "band.yaml"
    routine.write_text(
        "name: Band\nexercises:\n  - name: Get your band\n    wait: 20s\n    rest: 0\n"
        "  - name: Stretch\n    hold: 5s\n"
    )
    target, cues = tmp_path / "band.flac", tmp_path / "band.json"
    code, _, err = run_main(
        ["export", str(routine), "-o", str(target), "--cues", str(cues), "--no-voice"], capsys
    )
    assert code == 0, err
    assert "Note: `Get your band` waits for play when played live; this export gives it 20 s" in err
    data = json.loads(cues.read_text())
    (wait,) = data["waits"]
    assert wait["duration"] == 20.0 and wait["longest"] == 20.0 and wait["until"] == "play"
    go = [c for c in data["cues"] if c.get("role") == "go"]
    assert [round(c["at"] - wait["at"], 6) for c in go] == [20.0]
    probed = float(ffprobe(target)["format"]["duration"])
    assert abs(probed - data["duration"]) < 0.01
