"""Reminders: the calendar file read back with the icalendar library, its defaults, and the
command's handling of bad days, times and files."""

from __future__ import annotations

import math
import os
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from icalendar import Calendar

from voicecoach.compile.compiler import compile_routine
from voicecoach.errors import RoutineNotFound
from voicecoach.library import Library
from voicecoach.remind import (
    DAY_CODES,
    Reminder,
    default_days,
    first_start,
    ics_text,
    parse_days,
    parse_time,
)

CET = timezone(timedelta(hours=1))
NOW = datetime(2026, 12, 2, 18, 0, tzinfo=CET)  # a Wednesday
ROUTINE = "stretch-break"  # the `library` fixture's one routine


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def invoke(args: list[str], library: Library, now: datetime = NOW) -> Result:
    from voicecoach.cli import cli

    return CliRunner().invoke(cli, args, obj={"library": library, "clock": Clock(now)})


def event_of(path: Path) -> Any:
    calendar = Calendar.from_ical(path.read_bytes())
    (event,) = calendar.walk("VEVENT")
    return event


def session_minutes(library: Library) -> int:
    return math.ceil(compile_routine(library.load(ROUTINE)).duration / 60)


@pytest.mark.parametrize(
    ("target", "days"),
    [
        (1, "mon"),
        (2, "mon,thu"),
        (3, "mon,wed,fri"),
        (4, "mon,tue,thu,sat"),
        (5, "mon,tue,wed,fri,sat"),
        (6, "mon,tue,wed,thu,fri,sat"),
        (7, "mon,tue,wed,thu,fri,sat,sun"),
        (12, "mon,tue,wed,thu,fri,sat,sun"),
    ],
)
def test_default_days_spread_the_weekly_target_over_the_week(target: int, days: str) -> None:
    assert default_days(target) == parse_days(days)


def test_days_in_any_spelling_sorted_once_each() -> None:
    assert parse_days("sat, Mon,WED,friday,mo") == (0, 2, 4, 5)
    assert parse_days("SU") == (6,)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mon,wdn", "'wdn' is not a day; write days as mon, tue, wed, thu, fri, sat, sun"),
        ("mon,,fri", "no day between two commas"),
        ("", "no days given"),
    ],
)
def test_bad_days_say_what_to_write(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_days(text)


def test_times_on_the_24_hour_clock() -> None:
    assert parse_time("07:30") == time(7, 30)
    assert parse_time("7:05") == time(7, 5)
    assert parse_time("23:59") == time(23, 59)
    for bad in ("24:00", "07:60", "7", "7.30", "7:30pm", "07:3", "", "١٢:٣٠"):
        with pytest.raises(ValueError):
            parse_time(bad)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 12, 2, 7, 0, tzinfo=CET), date(2026, 12, 2)),  # Wed, before 07:30
        (datetime(2026, 12, 2, 7, 30, tzinfo=CET), date(2026, 12, 4)),  # Wed, at 07:30: Fri
        (datetime(2026, 12, 5, 9, 0, tzinfo=CET), date(2026, 12, 7)),  # Sat after: Mon
        (datetime(2026, 12, 31, 23, 0, tzinfo=CET), date(2027, 1, 1)),  # into the new year
    ],
)
def test_the_first_start_is_the_next_chosen_day_at_that_time(now: datetime, expected: date) -> None:
    start = first_start(now, parse_days("mon,wed,fri,sat"), time(7, 30))
    assert start == datetime.combine(expected, time(7, 30))
    assert start.tzinfo is None  # floating: the calendar's own local time


def test_the_file_has_a_weekly_rule_an_alarm_and_floating_times(
    library: Library, tmp_path: Path
) -> None:
    target = tmp_path / "back-care.ics"
    args = ["--days", "mon,wed,fri,sat", "--at", "07:30", "-o", str(target)]
    result = invoke(["remind", *args, "--routine", ROUTINE], library)
    assert result.exit_code == 0, result.output
    minutes = session_minutes(library)
    assert result.output == (
        f"Wrote {target}: Stretch break ({minutes} minutes) every Mon, Wed, Fri and Sat at "
        "07:30, from Fri 4 Dec 2026, with an alarm 5 minutes before\n"
    )
    calendar = Calendar.from_ical(target.read_bytes())
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    event = event_of(target)
    rule = event["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["MO", "WE", "FR", "SA"]
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == datetime(2026, 12, 4, 7, 30) and start.tzinfo is None
    assert DAY_CODES[start.weekday()] in rule["BYDAY"]
    assert end - start == timedelta(minutes=minutes)
    assert event.decoded("DTSTAMP") == datetime(2026, 12, 2, 17, 0, tzinfo=timezone.utc)
    assert "Stretch break" in str(event["SUMMARY"])
    assert f"voicecoach play {ROUTINE}" in str(event["DESCRIPTION"])
    (alarm,) = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY" and str(alarm["DESCRIPTION"])
    assert alarm.decoded("TRIGGER") == timedelta(minutes=-5)
    text = target.read_bytes()
    assert b"\r\n" in text and b"\n" not in text.replace(b"\r\n", b"")  # RFC 5545 line ends


def test_defaults_follow_the_weekly_target_and_the_default_routine(
    library: Library, tmp_path: Path, config_home: Path
) -> None:
    settings = config_home / "voicecoach" / "settings.toml"
    settings.parent.mkdir(exist_ok=True)
    settings.write_text(f'weekly_target = 3\ndefault_routine = "{ROUTINE}"\n')
    target = tmp_path / "r.ics"
    result = invoke(["remind", "--at", "18:15", "-o", str(target), "--before", "0"], library)
    assert result.exit_code == 0, result.output
    event = event_of(target)
    assert event["RRULE"]["BYDAY"] == ["MO", "WE", "FR"]
    assert event.decoded("DTSTART") == datetime(2026, 12, 2, 18, 15)  # today, still ahead
    assert f"voicecoach play {ROUTINE}" in str(event["DESCRIPTION"])
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(0)


def test_the_same_reminder_is_the_same_bytes_and_the_same_uid(
    library: Library, tmp_path: Path
) -> None:
    args = ["remind", "--at", "07:30", "--routine", ROUTINE, "-o"]
    first, again, later = tmp_path / "1.ics", tmp_path / "2.ics", tmp_path / "3.ics"
    invoke([*args, str(first)], library)
    invoke([*args, str(again)], library)
    invoke([*args, str(later)], library, now=NOW + timedelta(days=9))
    assert first.read_bytes() == again.read_bytes()
    assert event_of(first)["UID"] == event_of(later)["UID"]  # written later: the same event
    assert event_of(first).decoded("DTSTART") != event_of(later).decoded("DTSTART")
    other = Reminder((0,), time(7, 30), ROUTINE, "Stretch break", 10)
    changed = Reminder((0,), time(7, 45), ROUTINE, "Stretch break", 10)
    assert other.uid != changed.uid
    assert ics_text(other, NOW) == ics_text(other, NOW)


def test_a_routine_path_is_quoted_in_the_command(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "my routines"
    folder.mkdir()
    routine = folder / "stretch.yaml"
    routine.write_bytes(library.resolve(ROUTINE).read_bytes())
    target = tmp_path / "r.ics"
    result = invoke(
        ["remind", "--at", "07:30", "--routine", str(routine), "-o", str(target)], library
    )
    assert result.exit_code == 0, result.output
    assert f"voicecoach play '{routine}'" in str(event_of(target)["DESCRIPTION"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "mon,funday"], "Invalid value for '--days': 'funday' is not a day"),
        (["--days", "mon,,fri"], "no day between two commas"),
        (["--at", "25:00"], "Invalid value for '--at': '25:00' is not a time of day"),
        (["--at", "7pm"], "'7pm' is not a time; write it as HH:MM on the 24-hour clock"),
        (["--before", "500"], "Invalid value for '--before'"),
        (["--routine", " "], "Invalid value for '--routine': ' ' is empty"),
    ],
)
def test_bad_input_is_a_usage_error(
    library: Library, tmp_path: Path, args: list[str], message: str
) -> None:
    target = tmp_path / "r.ics"
    base = {"--at": "07:30", "--routine": ROUTINE}
    for name, value in zip(args[::2], args[1::2], strict=True):
        base[name] = value
    flat = [part for pair in base.items() for part in pair]
    result = invoke(["remind", *flat, "-o", str(target)], library)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not target.exists()


def test_a_missing_time_is_a_usage_error(library: Library, tmp_path: Path) -> None:
    result = invoke(["remind", "-o", str(tmp_path / "r.ics")], library)
    assert result.exit_code == 2
    assert "Missing option '--at'" in result.output


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("r.txt", "name the calendar file ending in .ics"),
        ("missing/r.ics", "does not exist; create it first"),
        ("folder.ics", "is a folder; give a file name inside it"),
    ],
)
def test_bad_files_exit_1_with_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, message: str
) -> None:
    from helpers import run_main

    (tmp_path / "folder.ics").mkdir()
    before = sorted(os.listdir(tmp_path))
    code, out, err = run_main(["remind", "--at", "07:30", "-o", str(tmp_path / name)], capsys)
    assert (code, out) == (1, "")
    assert len(err.splitlines()) == 1 and err.startswith("Error: ") and message in err, err
    assert sorted(os.listdir(tmp_path)) == before


def test_an_unknown_routine_is_an_error(library: Library, tmp_path: Path) -> None:
    target = tmp_path / "r.ics"
    result = invoke(["remind", "--at", "07:30", "--routine", "nope", "-o", str(target)], library)
    assert result.exit_code == 1
    assert isinstance(result.exception, RoutineNotFound)
    assert not target.exists()
