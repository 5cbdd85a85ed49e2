"""``voicecoach pack``: the folder it writes, the folders it refuses, and that an error or
an interrupt leaves the destination as it was; the page's text escaped, its timeline."""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import mutagen.id3
import pytest
from helpers import run_main, unwritable_folder
from small_routines import SMALL, constant

from voicecoach.compile.compiler import compile_routine
from voicecoach.compile.cuescript import SAMPLE_RATE, CueScript
from voicecoach.compile.estimate import estimate_speech_samples
from voicecoach.errors import PackError
from voicecoach.pack.build import MARKER, MARKER_FORMAT, check_destination
from voicecoach.pack.content import PackItem, PackOptions
from voicecoach.pack.page import data_json, render_page
from voicecoach.pack.timeline import Kind, timeline
from voicecoach.routine.model import Exercise, Routine, WorkKind

PACK_FILES = [
    "chapters.json",
    "handout.html",
    "index.html",
    "session.cues.json",
    "session.mp3",
    "session.vtt",
]
BOUND = 240
"""Seconds a real pack may take in a subprocess here (a cold voice cache, a busy machine)."""


def listing(folder: Path) -> list[str]:
    """Every file under ``folder``, relative, sorted (the marker included)."""
    return sorted(
        (Path(root) / name).relative_to(folder).as_posix()
        for root, _, names in os.walk(folder)
        for name in names
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in listing(folder)}


# --- the page's text ----------------------------------------------------------------------

HOSTILE = Routine(
    id="hostile",
    name='Stretch </script><script>window.bad=1</script> & "more"',
    description="<b>not bold</b> <!-- & </style>",
    exercises=(
        Exercise(
            "Knee <hug>",
            WorkKind.HOLD,
            hold=5.0,
            cue=("Hug </h3> it & <i>hold</i>",),
            why="Why? </script>",
        ),
    ),
)


def item_of(routine: Routine, script: CueScript | None = None) -> PackItem:
    script = script or compile_routine(routine, estimate_speech_samples)
    return PackItem(routine=routine, script=script, audio_bytes=1000, weekly_target=4)


def test_every_routine_text_on_the_page_is_escaped() -> None:
    page = render_page(item_of(HOSTILE), "session.mp3", PackOptions())
    assert "Stretch &lt;/script&gt;&lt;script&gt;window.bad=1&lt;/script&gt; &amp;" in page
    assert "&lt;b&gt;not bold&lt;/b&gt; &lt;!-- &amp; &lt;/style&gt;" in page
    assert "Hug &lt;/h3&gt; it &amp; &lt;i&gt;hold&lt;/i&gt;" in page
    assert "Why? &lt;/script&gt;" in page
    # Exactly the page's own two scripts, and its one style sheet.
    assert page.count("<script") == 2
    assert page.count("</script>") == 2
    assert page.count("</style>") == 1


def test_the_data_blob_gives_back_every_text_and_cannot_end_its_element() -> None:
    item = item_of(HOSTILE)
    page = render_page(item, "session.mp3", PackOptions())
    found = re.search(r'<script type="application/json" id="session-data">(.*?)</script>', page)
    assert found is not None
    blob = found.group(1)
    assert "<" not in blob
    data = json.loads(blob)
    assert data["title"] == HOSTILE.name
    assert [c["title"] for c in data["chapters"]] == ["Knee <hug>"]
    spoken = [cue.text for cue in item.script.cues if cue.text]
    assert [c["text"] for c in data["captions"]] == [" ".join(t.split()) for t in spoken]
    assert data["duration"] == item.script.duration


def test_data_json_writes_every_angle_bracket_as_an_escape() -> None:
    text = data_json({"a": "</script><!-- <x>"})
    assert "<" not in text
    assert json.loads(text) == {"a": "</script><!-- <x>"}


def test_the_page_loads_nothing_from_anywhere_but_itself() -> None:
    page = render_page(item_of(SMALL), "session.mp3", PackOptions(url="https://example.org/p"))
    assert "default-src 'none'" in page
    assert re.findall(r"(?:https?:)?//[\w.-]+", page.replace("https://example.org/p", "")) == []


# --- the timeline ---------------------------------------------------------------------------


def test_holds_run_from_their_chime_to_the_release_and_second_sides_are_marked() -> None:
    script = compile_routine(SMALL, constant(1.0))
    spans = timeline(SMALL, script)
    holds = [s for s in spans if s.kind is Kind.HOLD]
    chimes = [c for c in script.cues if c.role in ("hold", "release") and c.exercise == 1]
    assert [(s.start, s.end) for s in holds] == [
        (chimes[0].start, chimes[1].end),
        (chimes[2].start, chimes[3].end),
    ]
    assert holds[1].end - holds[1].start >= 20 * SAMPLE_RATE
    assert [s.second_side for s in holds] == [False, True]
    kinds = [s.kind for s in spans]
    assert kinds == [Kind.WORK, Kind.REST, Kind.HOLD, Kind.SWITCH, Kind.HOLD]
    for before, after in itertools.pairwise(spans):
        assert before.start < before.end <= after.start
    reps = spans[0]
    counts = [c for c in script.cues if c.role == "count"]
    assert reps.start == counts[0].start
    rest = next(c for c in script.cues if c.role == "rest")
    assert (reps.end, spans[1].start, spans[1].end) == (
        rest.start,
        rest.start,
        script.chapters[0].end,
    )


# --- where a pack may go ----------------------------------------------------------------------


def test_a_new_or_empty_folder_is_a_destination(tmp_path: Path) -> None:
    assert check_destination(tmp_path / "new") == tmp_path / "new"
    (tmp_path / "empty").mkdir()
    assert check_destination(tmp_path / "empty") == tmp_path / "empty"


def write_marker(folder: Path, files: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text(json.dumps({"format": MARKER_FORMAT, "files": files}))
    for name in files:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(name)


def test_a_previous_pack_is_a_destination_unless_someone_added_a_file(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    write_marker(pack, ["index.html", "a/session.mp3"])
    assert check_destination(pack) == pack
    (pack / "a" / "notes.txt").write_text("mine")
    with pytest.raises(
        PackError, match=r"holds files the pack there did not write \(a/notes.txt\)"
    ):
        check_destination(pack)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "file", "is a file; give a folder for the pack"),
        (lambda tmp: tmp / "missing" / "pack", "does not exist; create it first"),
        (lambda tmp: tmp / "other", r"is a folder with files in it \(x.txt\) and no pack"),
        (lambda tmp: tmp / "forged", "and no pack"),
    ],
    ids=["file", "missing-parent", "not-a-pack", "forged-marker"],
)
def test_other_destinations_are_refused(tmp_path: Path, make: object, message: str) -> None:
    (tmp_path / "file").write_text("x")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.txt").write_text("x")
    (tmp_path / "forged").mkdir()
    (tmp_path / "forged" / MARKER).write_text('{"format": "something else", "files": []}')
    with pytest.raises(PackError, match=message):
        check_destination(make(tmp_path))  # type: ignore[operator]


def test_the_current_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inside = tmp_path / "here"
    inside.mkdir()
    monkeypatch.chdir(inside)
    for target in (inside, tmp_path):
        with pytest.raises(PackError, match="holds the current folder"):
            check_destination(target)


# --- the command, without a voice (no engine: chimes only, real MP3) ----------------------------


def pack(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return run_main(["pack", "--no-voice", *args], capsys)


def test_one_routine_makes_a_folder_with_its_page_audio_cues_and_captions(
    tmp_path: Path, routine_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "pack"
    code, out, err = pack([str(routine_file), "-o", str(target)], capsys)
    assert (code, out, err) == (0, f"Wrote {target}\n", "")
    assert listing(target) == sorted([MARKER, *PACK_FILES])
    assert os.listdir(tmp_path) == ["pack"]
    marker = json.loads((target / MARKER).read_text())
    assert marker == {"format": MARKER_FORMAT, "routines": ["stretch-break"], "files": PACK_FILES}
    cues = json.loads((target / "session.cues.json").read_text())
    page = (target / "index.html").read_text()
    assert '<audio id="audio" controls preload="auto" src="session.mp3">' in page
    assert '<a href="handout.html">' in page and '<a href="session.mp3" download>' in page
    id3: Any = mutagen.id3  # untyped
    chapters = id3.ID3(target / "session.mp3").getall("CHAP")
    assert len(chapters) == len(cues["chapters"]) == 3
    assert (target / "session.vtt").read_text().startswith("WEBVTT")


def test_several_routines_get_a_folder_each_and_a_page_that_lists_them(
    tmp_path: Path, routine_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "clinic"
    code, _, err = pack([str(routine_file), "quick-start", "-o", str(target)], capsys)
    assert (code, err) == (0, "")
    expected = [
        f"{folder}/{name}" for folder in ("quick-start", "stretch-break") for name in PACK_FILES
    ]
    assert listing(target) == sorted([MARKER, "index.html", *expected])
    root = (target / "index.html").read_text()
    assert root.index('href="stretch-break/index.html"') < root.index(
        'href="quick-start/index.html"'
    )


def test_a_feed_url_adds_a_feed_whose_episodes_are_the_files_packed(
    tmp_path: Path, routine_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import feedparser  # type: ignore[import-untyped]

    target = tmp_path / "clinic"
    url = "https://example.org/back/feed.xml"
    args = [str(routine_file), "quick-start", "-o", str(target), "--feed-url", url]
    assert pack(args, capsys)[0] == 0
    assert "feed.xml" in listing(target)
    feed = feedparser.parse((target / "feed.xml").read_bytes())
    assert not feed.bozo
    episodes = {entry.title: entry for entry in feed.entries}
    assert len(episodes) == 2
    for folder in ("stretch-break", "quick-start"):
        cues = json.loads((target / folder / "session.cues.json").read_text())
        (enclosure,) = episodes[cues["routine"]["name"]].enclosures
        assert enclosure.href == f"https://example.org/back/{folder}/session.mp3"
        assert int(enclosure.length) == (target / folder / "session.mp3").stat().st_size
        assert enclosure.type == "audio/mpeg"
        chapters = json.loads((target / folder / "chapters.json").read_text())
        assert [c["title"] for c in chapters["chapters"]] == [c["title"] for c in cues["chapters"]]


def test_single_file_puts_the_audio_inside_the_page(
    tmp_path: Path, routine_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import base64

    target = tmp_path / "pack"
    assert pack([str(routine_file), "-o", str(target), "--single-file"], capsys)[0] == 0
    page = (target / "index.html").read_text()
    found = re.search(r'src="data:audio/mpeg;base64,([A-Za-z0-9+/=]+)"', page)
    assert found is not None
    assert base64.b64decode(found.group(1)) == (target / "session.mp3").read_bytes()
    assert 'href="handout.html"' not in page  # sent on its own: nothing beside it to link


def test_a_pack_replaces_the_pack_before_it_whole(
    tmp_path: Path, routine_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "pack"
    assert pack([str(routine_file), "quick-start", "-o", str(target)], capsys)[0] == 0
    target.chmod(0o750)
    assert pack(["quick-start", "-o", str(target)], capsys)[0] == 0
    assert listing(target) == sorted([MARKER, *PACK_FILES])
    assert json.loads((target / MARKER).read_text())["routines"] == ["quick-start"]
    assert target.stat().st_mode & 0o777 == 0o750
    assert os.listdir(tmp_path) == ["pack"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["zzzz"], 'Error: no routine "zzzz".'),
        (["quick-start", "quick-start"], "Error: the routine quick-start is given twice"),
    ],
    ids=["unknown", "twice"],
)
def test_a_routine_that_cannot_be_packed_leaves_no_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = pack([*args, "-o", str(tmp_path / "pack")], capsys)
    assert (code, out) == (1, "")
    assert err.startswith(message) and err.count("\n") == 1, err
    assert os.listdir(tmp_path) == []


def test_a_broken_routine_says_where_and_leaves_no_folder(
    tmp_path: Path, broken_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = pack([str(broken_file), "-o", str(tmp_path / "pack")], capsys)
    assert (code, out) == (1, "")
    assert err.splitlines()[0].startswith(f"{broken_file}:4:5: exercise 1")
    assert "Traceback" not in err
    assert os.listdir(tmp_path) == []


def test_an_unwritable_folder_is_one_error_line(
    tmp_path: Path, routine_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = unwritable_folder(tmp_path) / "pack"
    code, out, err = pack([str(routine_file), "-o", str(target)], capsys)
    assert (code, out) == (1, "")
    assert err == f"Error: {target}: permission denied; choose a folder you can write to\n"


def test_a_folder_of_other_files_is_refused_and_left_alone(
    tmp_path: Path, routine_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "photos"
    target.mkdir()
    (target / "cat.jpg").write_bytes(b"cat")
    code, out, err = pack([str(routine_file), "-o", str(target)], capsys)
    assert (code, out) == (1, "")
    assert err == (
        f"Error: {target} is a folder with files in it (cat.jpg) and no pack; give a new or "
        "empty folder, or one a pack was written to\n"
    )
    assert snapshot(target) == {"cat.jpg": b"cat"}
    assert os.listdir(tmp_path) == ["photos"]


def test_a_file_is_refused(
    tmp_path: Path, routine_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "pack"
    target.write_text("mine")
    code, _, err = pack([str(routine_file), "-o", str(target)], capsys)
    assert code == 1
    assert err == f"Error: {target} is a file; give a folder for the pack (a new one is made)\n"
    assert target.read_text() == "mine"


def test_an_address_that_is_not_one_is_a_usage_error(
    tmp_path: Path, routine_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = pack([str(routine_file), "-o", str(tmp_path / "p"), "--url", "example"], capsys)
    assert code == 2
    assert "Error: Invalid value for '--url': 'example' is not a web address" in err
    assert os.listdir(tmp_path) == []


# --- interrupted, in a real process -----------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Private cache, config and data folders for the voicecoach processes of one test."""
    home = tmp_path_factory.mktemp("home")
    env = dict(os.environ)
    for name in ("CACHE", "CONFIG", "DATA", "STATE"):
        env[f"XDG_{name}_HOME"] = str(home / name.lower())
    env.pop("VOICECOACH_CACHE_DIR", None)
    env.pop("VOICECOACH_CONFIG_DIR", None)
    env.pop("VOICECOACH_DATA_DIR", None)
    return env


@pytest.mark.engine
@pytest.mark.slow
def test_ctrl_c_mid_pack_leaves_the_previous_pack_and_no_temp_folder(
    tmp_path: Path, routine_file: Path, cli_env: dict[str, str]
) -> None:
    parent = tmp_path / "out"
    parent.mkdir()
    target = parent / "pack"
    command = [sys.executable, "-m", "voicecoach", "pack"]
    first = subprocess.run(
        [*command, str(routine_file), "--no-voice", "-o", str(target)],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=BOUND,
        check=False,
    )
    assert first.returncode == 0, first.stderr
    before = snapshot(target)
    proc = subprocess.Popen(
        [*command, "lower-back-essentials", "-o", str(target)],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with proc:  # killed and its pipes closed if the test fails
        try:
            deadline = time.monotonic() + BOUND
            # Interrupted while its MP3 is being encoded inside the temp folder.
            while not list(parent.glob(".pack.vc*.part/.session.mp3.vc*.part")):
                assert proc.poll() is None, proc.communicate(timeout=10)
                assert time.monotonic() < deadline, "the pack never began its MP3"
                time.sleep(0.01)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    assert (proc.returncode, out) == (130, ""), err
    assert err.endswith("Interrupted.\n") and "Traceback" not in err
    assert snapshot(target) == before
    assert os.listdir(parent) == ["pack"]
