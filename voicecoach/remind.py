"""Reminders: an iCalendar file with one event that repeats every week on the chosen days,
with an alarm, for any calendar (phones, Thunderbird, Outlook) to import.

Times are floating (RFC 5545 "local time" with no time zone): 07:30 stays 07:30 in the
calendar's own time zone, through clock changes and travel, which is what a morning
routine wants, and every calendar imports it without a VTIMEZONE to understand. The event
starts on the first chosen day after ``now``, at that time, and lasts the routine's
session (DTEND, which every calendar reads). Its UID is a hash of what the reminder is
(days, time, routine, length, alarm), so the same reminder written again is the same event
to a calendar, and DTSTAMP is ``now``: the file is the same bytes for the same inputs.

Days by default follow the weekly target, spread evenly over the week from Monday:
day ``floor(i * 7 / target)`` for each ``i`` below the target (1: mon; 2: mon, thu;
3: mon, wed, fri; 4: mon, tue, thu, sat; 5: mon, tue, wed, fri, sat; 6: mon to sat;
7 or more: every day).
"""

from __future__ import annotations

import hashlib
import math
import re
import shlex
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from icalendar import Alarm, Calendar, Event

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAYS = {
    **{name: n for n, name in enumerate(DAY_NAMES)},
    **{name: n for n, name in enumerate(_FULL)},
    **{code.lower(): n for n, code in enumerate(DAY_CODES)},
}
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")
MAX_BEFORE = 120
"""The most minutes before the session the alarm may sound."""
PRODID = "-//voicecoach//reminder//EN"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse_days(text: str) -> tuple[int, ...]:
    """``mon,wed,fri`` as weekday numbers (Monday 0), sorted, each once; full names and
    two-letter codes too, in any case. A ValueError names what is wrong."""
    days: set[int] = set()
    for part in text.split(","):
        name = part.strip().lower()
        if not name:
            raise ValueError(
                "no day between two commas; give days like mon,wed,fri"
                if "," in text
                else "no days given; give days like mon,wed,fri"
            )
        if name not in _DAYS:
            shown = part.strip()[:20]
            raise ValueError(
                f"{shown!r} is not a day; write days as {', '.join(DAY_NAMES)}, separated by commas"
            )
        days.add(_DAYS[name])
    return tuple(sorted(days))


def parse_time(text: str) -> time:
    """``07:30`` (24-hour clock, hours and minutes) as a time; a ValueError otherwise."""
    found = _TIME.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"{text[:20]!r} is not a time; write it as HH:MM on the 24-hour clock")
    hour, minute = int(found.group(1)), int(found.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(
            f"{text.strip()!r} is not a time of day; hours go from 00 to 23, minutes from 00 to 59"
        )
    return time(hour, minute)


def default_days(target: int) -> tuple[int, ...]:
    """``target`` days spread evenly over the week from Monday (every day from 7 up)."""
    if target < 1:
        raise ValueError("target must be at least 1")
    count = min(target, 7)
    return tuple(math.floor(i * 7 / count) for i in range(count))


def day_list(days: tuple[int, ...]) -> str:
    """``mon,wed,fri``: as ``--days`` takes them."""
    return ",".join(DAY_NAMES[day] for day in days)


def first_start(now: datetime, days: tuple[int, ...], at: time) -> datetime:
    """The first chosen day at ``at`` later than ``now`` on now's own wall clock, floating."""
    local = now.replace(tzinfo=None)
    for ahead in range(8):
        day = local.date() + timedelta(days=ahead)
        start = datetime.combine(day, at)
        if day.weekday() in days and start > local:
            return start
    raise ValueError("no days given")


@dataclass(frozen=True)
class Reminder:
    """A weekly reminder to play ``routine`` (as ``voicecoach play`` takes it: an id or a
    path), named ``routine_name``, ``minutes`` long, on ``days`` at ``at``; the alarm
    sounds ``before`` minutes ahead (0: at the start)."""

    days: tuple[int, ...]
    at: time
    routine: str
    routine_name: str
    minutes: int
    before: int = 5

    def __post_init__(self) -> None:
        if not self.days or any(not 0 <= day <= 6 for day in self.days):
            raise ValueError("days must be weekday numbers from 0 (Monday) to 6")
        if self.minutes < 1:
            raise ValueError("minutes must be at least 1")
        if not 0 <= self.before <= MAX_BEFORE:
            raise ValueError(f"before must be from 0 to {MAX_BEFORE} minutes")

    @property
    def command(self) -> str:
        return f"voicecoach play {shlex.quote(self.routine)}"

    @property
    def uid(self) -> str:
        """The same for the same reminder, whenever and wherever it is written."""
        content = "\n".join(
            [
                day_list(self.days),
                self.at.strftime("%H:%M"),
                self.routine,
                self.routine_name,
                str(self.minutes),
                str(self.before),
            ]
        )
        return f"{hashlib.sha256(content.encode('utf-8')).hexdigest()[:32]}@voicecoach"


def _minutes(count: int) -> str:
    return f"{count} minute{'' if count == 1 else 's'}"


def calendar(reminder: Reminder, now: datetime) -> Calendar:
    """The calendar holding the reminder's one repeating event, as of ``now``."""
    start = first_start(now, reminder.days, reminder.at)
    stamp = (now if now.tzinfo is not None else now.astimezone()).astimezone(timezone.utc)
    event = Event()
    event.add("uid", reminder.uid)
    event.add("dtstamp", stamp.replace(microsecond=0))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=reminder.minutes))
    event.add("rrule", {"freq": "weekly", "byday": [DAY_CODES[day] for day in reminder.days]})
    event.add("summary", f"voicecoach: {reminder.routine_name}")
    event.add(
        "description",
        f"Time for {reminder.routine_name} (about {_minutes(reminder.minutes)}).\n"
        f"Start it with: {reminder.command}\n"
        "Afterwards, `voicecoach history` shows your week.",
    )
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    when = "now" if reminder.before == 0 else f"in {_minutes(reminder.before)}"
    alarm.add("description", f"{reminder.routine_name} {when}: {reminder.command}")
    alarm.add("trigger", timedelta(minutes=-reminder.before))
    event.add_component(alarm)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add_component(event)
    return cal


def ics_text(reminder: Reminder, now: datetime) -> str:
    return str(calendar(reminder, now).to_ical().decode("utf-8"))


def describe(reminder: Reminder, now: datetime) -> str:
    """One line saying what the file holds."""
    start = first_start(now, reminder.days, reminder.at)
    names = [DAY_NAMES[day].capitalize() for day in reminder.days]
    days = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    alarm = "at the start" if reminder.before == 0 else f"{_minutes(reminder.before)} before"
    return (
        f"{reminder.routine_name} ({_minutes(reminder.minutes)}) every {days} at "
        f"{reminder.at:%H:%M}, from {DAY_NAMES[start.weekday()].capitalize()} {start.day} "
        f"{MONTHS[start.month - 1]} {start.year}, "
        f"with an alarm {alarm}"
    )
