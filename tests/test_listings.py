"""The listings as JSON and CSV: each document against the real routines, settings,
history and voices it lists, and against its JSON Schema in docs/schemas/."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from helpers import Run

from voicecoach import listings
from voicecoach.compile.compiler import compile_routine
from voicecoach.compile.cuescript import to_seconds
from voicecoach.compile.estimate import estimate_speech_samples
from voicecoach.history import History, Session, history_path
from voicecoach.library import Library
from voicecoach.routine.load import load_routine
from voicecoach.settings import KEYS, read_settings, settings_path

SCHEMAS = Path(__file__).parent.parent / "docs" / "schemas"
EST = timezone(timedelta(hours=-5))
TRICKY = 'Knee \x1b[31mhug\x9b, \u202eevil\u2028 "quoted"'
"""A name with an escape sequence, a C1 control, a bidi override, a line separator,
a comma and quotes: what a shared routine file may hold."""


def schema(format_name: str) -> dict[str, Any]:
    name, version = format_name.split("/")
    loaded: dict[str, Any] = json.loads(
        (SCHEMAS / f"{name}-{version}.schema.json").read_text("utf-8")
    )
    return loaded


def checked(raw: bytes, format_name: str) -> dict[str, Any]:
    """The document in ``raw``: UTF-8, one JSON object, valid against its schema, with
    exactly the fields the schema documents, and only terminal-safe characters."""
    text = raw.decode("utf-8")
    assert text.endswith("}\n")
    assert not any(c in text for c in "\x1b\x9b\u202e\u2028\x7f")
    document: dict[str, Any] = json.loads(text)
    assert document["format"] == format_name
    assert next(iter(document)) == "format"
    contract = schema(format_name)
    jsonschema.Draft202012Validator.check_schema(contract)
    jsonschema.validate(document, contract, cls=jsonschema.Draft202012Validator)
    assert list(document) == list(contract["properties"])
    return document


def fields(contract: dict[str, Any], *path: str) -> list[str]:
    """The documented fields of a nested object (``items`` of an array)."""
    node = contract
    for step in path:
        node = node["properties"][step]
        if node.get("type") == "array":
            node = node["items"]
    return list(node["properties"])


# -- the JSON text --------------------------------------------------------------------------


def test_json_escapes_what_a_terminal_obeys_and_means_the_same() -> None:
    document = {"format": "x/1", "name": TRICKY, "path": "/tmp/r\udcffe.yaml", "n": [1.5]}
    raw = listings.to_json(document)
    text = raw.decode("utf-8")  # a lone surrogate (a non-UTF-8 file name) cannot break it
    assert "\\u001b[31m" in text and "\\u009b" in text and "\\u202e" in text
    assert "\\u2028" in text and "\\udcff" in text
    assert json.loads(text) == document
    assert raw == listings.to_json(dict(document))


def test_json_keeps_other_text_as_it_is() -> None:
    raw = listings.to_json({"name": "Rückendehnung · 腰"})
    assert "Rückendehnung · 腰".encode() in raw


# -- list ---------------------------------------------------------------------------------


@pytest.fixture
def full_library(library: Library, routine_file: Path, broken_file: Path) -> Library:
    """The test library plus a user routine that overrides the shipped one, one of its
    own with a hostile name, and a broken one."""
    text = routine_file.read_text("utf-8")
    (library.user_dir / "stretch-break.yaml").write_text(
        text.replace("name: Stretch break", "name: My stretch break"), "utf-8"
    )
    (library.user_dir / "odd-name.yaml").write_text(
        text.replace("name: Stretch break", f"name: {json.dumps(TRICKY)}"), "utf-8"
    )
    (library.user_dir / "broken.yaml").write_bytes(broken_file.read_bytes())
    return library


def test_list_json_lists_every_routine_as_the_library_does(full_library: Library) -> None:
    from click.testing import CliRunner

    from voicecoach.cli import cli

    result = CliRunner().invoke(cli, ["list", "--json"], obj={"library": full_library})
    assert result.exit_code == 0, result.stderr
    document = checked(result.stdout_bytes, listings.ROUTINES_FORMAT)
    assert document["user_dir"] == str(full_library.user_dir)
    entries = full_library.entries(estimate_speech_samples)
    routines = document["routines"]
    assert [r["id"] for r in routines] == [e.id for e in entries]
    assert [r["id"] for r in routines] == ["broken", "odd-name", "stretch-break"]
    for routine, entry in zip(routines, entries, strict=True):
        assert list(routine) == fields(schema(listings.ROUTINES_FORMAT), "routines")
        assert routine["name"] == entry.name
        assert routine["source"] == entry.source.value
        assert routine["path"] == str(entry.path)
        assert routine["exercises"] == entry.exercises
        assert routine["valid"] is (entry.problem is None)
        assert routine["problem"] == entry.problem
        if entry.length is not None:
            assert routine["duration"] == to_seconds(entry.length) > 0
    broken, odd, mine = routines
    assert broken["valid"] is False and broken["duration"] is None
    assert broken["problem"].startswith(str(full_library.user_dir / "broken.yaml"))
    assert odd["name"] == TRICKY
    assert mine == mine | {"name": "My stretch break", "source": "user", "overrides": True}
    assert mine["exercises"] == 3


# -- show ---------------------------------------------------------------------------------


def test_show_json_is_the_routine_with_its_defaults(run: Run, library: Library) -> None:
    result = run(["show", "stretch-break", "--json"])
    assert result.exit_code == 0, result.stderr
    document = checked(result.stdout_bytes, listings.ROUTINE_FORMAT)
    routine = load_routine(library.shipped_dir / "stretch-break.yaml")
    script = compile_routine(routine, estimate_speech_samples)
    assert document["id"] == routine.id == "stretch-break"
    assert document["name"] == routine.name
    assert document["intro"] == routine.intro and document["outro"] == routine.outro
    assert document["rounds"] == routine.rounds
    assert document["duration"] == script.duration
    assert document["path"] == str(library.shipped_dir / "stretch-break.yaml")
    exercises = document["exercises"]
    assert [e["name"] for e in exercises] == [e.name for e in routine.exercises]
    for shown, exercise in zip(exercises, routine.exercises, strict=True):
        assert list(shown) == fields(schema(listings.ROUTINE_FORMAT), "exercises")
        assert shown["work"] == exercise.work.value
        assert shown["cue"] == list(exercise.cue)
        assert shown["lead_in"] == exercise.lead_in == 2.0
        assert shown["rest"] == exercise.rest == 3.0
    tilt, hug, march = exercises
    assert (tilt["reps"], tilt["tempo"], tilt["phases"]) == (3, [2.0, 2.0], ["Press", "Arch"])
    assert (hug["hold"], hug["sides"], hug["sets"]) == (10.0, ["left", "right"], 2)
    assert (hug["set_rest"], hug["switch"]) == (4.0, 3.0)
    assert hug["why"] == "It gently stretches the muscles along the lower spine."
    assert hug["summary"] == "hold 10 s, each side, 2 sets"
    assert (march["work"], march["duration"], march["hold"]) == ("duration", 20.0, None)


def test_show_json_of_a_missing_routine_is_an_error_with_nothing_on_stdout(run: Run) -> None:
    result = run(["show", "no-such-routine", "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""


# -- history --------------------------------------------------------------------------------


@pytest.fixture
def past() -> History:
    """The real history the CLI reads, with a completed, a stopped and an unfinished
    session on chosen days of this week and last."""
    now = datetime.now().astimezone()
    moment = [now - timedelta(days=8)]
    recorded = History(history_path(), clock=lambda: moment[0])
    first = recorded.start("stretch-break", "Stretch break", 61.5)
    recorded.finish(first, completed=True, reached_seconds=61.5, chapter=None)
    moment[0] = now - timedelta(minutes=30)
    second = recorded.start("odd-name", TRICKY, 61.5)
    recorded.finish(second, completed=False, reached_seconds=20.25, chapter="=Knee, hug")
    moment[0] = now - timedelta(minutes=1)
    recorded.start("quick-start", "Quick start", 76.0)  # killed: no end
    return History(history_path())


def test_history_json_is_every_session_and_the_week(run: Run, past: History) -> None:
    result = run(["history", "--json", "--target", "1"])
    assert result.exit_code == 0, result.stderr
    document = checked(result.stdout_bytes, listings.HISTORY_FORMAT)
    assert document["path"] == str(history_path())
    now = datetime.fromisoformat(document["now"])
    assert (document["target"], document["streak"]) == (1, past.streak(1, now))
    assert document["this_week"] == past.week_count(now)
    sessions = document["sessions"]
    recent = past.recent(10)
    assert [s["id"] for s in sessions] == [s.id for s in recent]
    assert [s["outcome"] for s in sessions] == ["unfinished", "stopped", "completed"]
    for shown, session in zip(sessions, recent, strict=True):
        assert list(shown) == fields(schema(listings.HISTORY_FORMAT), "sessions")
        assert shown["routine"] == {"id": session.routine_id, "name": session.routine_name}
        assert datetime.fromisoformat(shown["started_at"]) == session.started_at
        ended = shown["ended_at"]
        assert (datetime.fromisoformat(ended) if ended else None) == session.ended_at
        assert (shown["reached"], shown["duration"]) == (
            session.reached_seconds,
            session.total_seconds,
        )
        assert (shown["pain"], shown["effort"], shown["note"]) == (None, None, None)
    assert sessions[1]["routine"]["name"] == TRICKY
    assert sessions[1]["chapter"] == "=Knee, hug"
    assert run(["history", "--json", "--limit", "1"]).stdout.count('"id": ') == 2


def test_history_times_are_in_the_zone_of_now(tmp_path: Path) -> None:
    moment = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
    recorded = History(tmp_path / "h.sqlite3", clock=lambda: moment)
    recorded.finish(recorded.start("a", "A", 10.0), True, 10.0, None)
    document = listings.history_document(recorded, None, 2, now=moment.astimezone(EST))
    assert document["now"] == "2026-11-30T07:00:00-05:00"
    assert document["sessions"][0]["started_at"] == "2026-11-30T07:00:00-05:00"
    assert (document["this_week"], document["streak"]) == (1, 0)


@dataclass(frozen=True)
class CheckedIn(Session):
    """A session with the check-in fields the history is to gain."""

    pain: int | None = None
    effort: int | None = None
    note: str | None = None


class CheckedInHistory(History):
    def recent(self, n: int = 10) -> list[Session]:
        return [
            CheckedIn(**{**vars(s), "pain": 3, "effort": 7, "note": "stiff\nafter\x1b"})
            for s in super().recent(n)
        ]


def test_history_carries_check_ins_once_sessions_have_them(past: History) -> None:
    with_check_ins = CheckedInHistory(history_path())
    raw = listings.to_json(listings.history_document(with_check_ins, None, 4))
    document = checked(raw, listings.HISTORY_FORMAT)
    assert {(s["pain"], s["effort"], s["note"]) for s in document["sessions"]} == {
        (3, 7, "stiff\nafter\x1b")
    }
    rows = list(csv.reader(io.StringIO(listings.history_csv(with_check_ins, 1).decode())))
    assert rows[1][-3:] == ["3", "7", "stiff\nafter\\u001b"]


def test_history_csv_is_a_header_and_a_row_a_session(run: Run, past: History) -> None:
    result = run(["history", "--csv"])
    assert result.exit_code == 0, result.stderr
    raw = result.stdout_bytes
    assert raw.startswith(b"id,routine_id,routine_name,started_at,")
    assert raw.endswith(b"\r\n") and b"\x1b" not in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert tuple(rows[0]) == listings.HISTORY_COLUMNS
    recent = past.recent(10)
    assert [int(row[0]) for row in rows[1:]] == [s.id for s in recent]
    by_column = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    unfinished, stopped, completed = by_column
    assert unfinished["ended_at"] == "" and unfinished["outcome"] == "unfinished"
    assert stopped["routine_name"] == 'Knee \\u001b[31mhug\\u009b, \\u202eevil\\u2028 "quoted"'
    assert stopped["chapter"] == "'=Knee, hug"  # never a formula in a spreadsheet
    assert (stopped["reached_seconds"], stopped["duration_seconds"]) == ("20.25", "61.5")
    assert completed == completed | {"routine_id": "stretch-break", "outcome": "completed"}
    for row, session in zip(by_column, recent, strict=True):
        assert datetime.fromisoformat(row["started_at"]) == session.started_at
    assert b'"Knee \\u001b[31mhug\\u009b, \\u202eevil\\u2028 ""quoted"""' in raw


def test_an_empty_history_is_a_header_or_no_sessions(run: Run) -> None:
    header = ",".join(listings.HISTORY_COLUMNS) + "\r\n"
    assert run(["history", "--csv"]).stdout_bytes == header.encode()
    document = checked(run(["history", "--json"]).stdout_bytes, listings.HISTORY_FORMAT)
    assert (document["sessions"], document["this_week"], document["streak"]) == ([], 0, 0)


def test_json_and_csv_together_are_a_usage_error(run: Run) -> None:
    result = run(["history", "--json", "--csv"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.endswith("Error: --json and --csv cannot be used together\n")


def test_a_damaged_history_is_an_error_with_nothing_on_stdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from helpers import run_main

    history_path().parent.mkdir(parents=True)
    history_path().write_bytes(b"this is not a database" * 100)
    for flag in ("--json", "--csv"):
        code, out, err = run_main(["history", flag], capsys)
        assert (code, out) == (1, "")
        assert err.startswith(f"Error: the history database at {history_path()} is damaged")


# -- config ---------------------------------------------------------------------------------


def test_config_json_is_every_setting_and_its_source(run: Run) -> None:
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text('rate = 150\nexplain = true\nvoice = "gmw/de"\n', "utf-8")
    result = run(["config", "--json"])
    assert result.exit_code == 0, result.stderr
    document = checked(result.stdout_bytes, listings.CONFIG_FORMAT)
    loaded = read_settings()
    assert (document["path"], document["exists"]) == (str(settings_path()), True)
    assert list(document["settings"]) == list(KEYS)
    for key in KEYS:
        assert document["settings"][key] == {
            "value": getattr(loaded.settings, key),
            "source": loaded.source(key),
        }
    assert document["settings"]["rate"] == {"value": 150, "source": "file"}
    assert document["settings"]["weekly_target"] == {"value": 4, "source": "default"}
    assert document["settings"]["lead_in"] == {"value": None, "source": "default"}


def test_config_json_without_a_file_is_the_defaults(run: Run) -> None:
    document = checked(run(["config", "--json"]).stdout_bytes, listings.CONFIG_FORMAT)
    assert document["exists"] is False
    assert {s["source"] for s in document["settings"].values()} == {"default"}


def test_config_json_of_a_broken_file_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    from helpers import run_main

    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text("rate = 9999\n", "utf-8")
    code, out, err = run_main(["config", "--json"], capsys)
    assert (code, out) == (1, "")
    assert err.startswith(f"{settings_path()}:1:8: ")


def test_config_json_with_init_is_a_usage_error(run: Run) -> None:
    result = run(["config", "--json", "--init"])
    assert result.exit_code == 2
    assert result.stderr.endswith("Error: --init and --json cannot be used together\n")
    assert not settings_path().exists()


# -- voices ---------------------------------------------------------------------------------


def test_voices_json_lists_the_installed_voices(run: Run) -> None:
    from voicecoach.audio.engines import all_voices

    result = run(["voices", "--json"])
    assert result.exit_code == 0, result.stderr
    document = checked(result.stdout_bytes, listings.VOICES_FORMAT)
    voices = all_voices()
    assert document["language"] is None
    assert [(v["engine"], v["id"], v["name"]) for v in document["voices"]] == [
        (v.engine, v.id, v.name) for v in voices
    ]
    assert [v["languages"] for v in document["voices"]] == [list(v.languages) for v in voices]
    espeak = [v for v in document["voices"] if v["engine"] == "espeak-ng"]
    assert len(espeak) > 50
    assert {"id": "gmw/de", "name": "German"}.items() <= next(
        v for v in espeak if v["id"] == "gmw/de"
    ).items()


def test_voices_json_of_a_language(run: Run) -> None:
    document = checked(
        run(["voices", "--json", "--language", "de"]).stdout_bytes, listings.VOICES_FORMAT
    )
    assert document["language"] == "de"
    assert document["voices"] and all(
        any(lang.startswith("de") for lang in v["languages"]) for v in document["voices"]
    )
    result = run(["voices", "--json", "--language", "xx-nowhere"])
    assert (result.exit_code, result.stdout) == (1, "")


# -- the real command -----------------------------------------------------------------------


def test_the_command_writes_utf8_json_whatever_the_locale(user_routines: Path) -> None:
    """Through the entry point, with an ASCII locale: the bytes are still UTF-8, the same
    on every run."""
    text = (Path(__file__).parent / "data" / "cli" / "stretch-break.yaml").read_text("utf-8")
    (user_routines / "dehnung.yaml").write_text(
        text.replace("name: Stretch break", "name: Rückendehnung"), "utf-8"
    )
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "ascii"}
    env.pop("PYTHONUTF8", None)
    outputs = [
        subprocess.run(
            [sys.executable, "-m", "voicecoach", "list", "--json"],
            env=env,
            capture_output=True,
            timeout=60,
            check=True,
        ).stdout
        for _ in range(2)
    ]
    assert outputs[0] == outputs[1]
    document = checked(outputs[0], listings.ROUTINES_FORMAT)
    assert "Rückendehnung".encode() in outputs[0]
    assert {"id": "dehnung", "name": "Rückendehnung", "source": "user"}.items() <= next(
        r for r in document["routines"] if r["id"] == "dehnung"
    ).items()
