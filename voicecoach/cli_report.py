"""The commands that help a person keep at it: ``report`` (the history for a
physiotherapist) and ``remind`` (a weekly calendar reminder). They parse options and call
``voicecoach.report`` and ``voicecoach.remind``.

The clock is ``obj["clock"]`` when the caller set one (tests), else the computer's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path
from typing import Any

import click

from voicecoach.cliparams import Count, Name, command_settings, current_library
from voicecoach.report.model import DEFAULT_WEEKS, MAX_WEEKS
from voicecoach.text import shown


def _clock() -> Callable[[], datetime] | None:
    obj = click.get_current_context().find_root().obj
    clock: Callable[[], datetime] | None = obj.get("clock") if isinstance(obj, dict) else None
    return clock


def _now() -> datetime:
    clock = _clock()
    now = clock() if clock is not None else datetime.now()
    return now if now.tzinfo is not None else now.astimezone()


@click.command("report")
@click.option(
    "--weeks",
    type=Count(1, MAX_WEEKS),
    default=DEFAULT_WEEKS,
    show_default=True,
    help="How many weeks back, this one included (Monday to Sunday).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=True, path_type=Path),
    metavar="FILE",
    help="Write the report to FILE: .html (a page to read or print) or .csv.",
)
@click.option(
    "--target",
    type=Count(1, 50),
    default=None,
    help="Completed sessions a week to aim for (default: the weekly_target setting, 4).",
)
def report_command(weeks: int, output: Path | None, target: int | None) -> None:
    """Report the last weeks of sessions, for you and your physiotherapist.

    Sessions per week against your weekly target (a chart), completed and stopped
    sessions and where they stopped, pain and effort over time (a chart), and the
    routines done with their minutes. A .html file is one page that works offline and
    prints on A4; a .csv file has one row per session, for a spreadsheet. Without -o,
    a short summary is printed.

    \b
    Examples:
        voicecoach report -o report.html
        voicecoach report --weeks 12 -o sessions.csv
    """
    from voicecoach.history import History
    from voicecoach.report import build_report, summary_lines, write_report
    from voicecoach.report.output import check_output, report_format

    if output is not None:
        report_format(output)
        check_output(output)
    if target is None:
        target = command_settings().weekly_target
    # The computer's own clock: each session in the local time it had then (summer time).
    report = build_report(History(), target, weeks, now=_now(), system_time=_clock() is None)
    if output is None:
        for line in summary_lines(report):
            click.echo(shown(line))
        return
    write_report(report, output)
    click.echo(f"Wrote {shown(str(output))}")


class DaysType(click.ParamType):  # type: ignore[type-arg, unused-ignore]  # generic in new click
    name = "days"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from voicecoach.remind import parse_days

        if isinstance(value, tuple):
            return value
        try:
            return parse_days(str(value))
        except ValueError as err:
            self.fail(shown(str(err)), param, ctx)


class TimeType(click.ParamType):  # type: ignore[type-arg, unused-ignore]  # generic in new click
    name = "time"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from voicecoach.remind import parse_time

        if isinstance(value, time):
            return value
        try:
            return parse_time(str(value))
        except ValueError as err:
            self.fail(shown(str(err)), param, ctx)


@click.command("remind")
@click.option(
    "--days",
    type=DaysType(),
    default=None,
    metavar="DAYS",
    help="Days of the week, e.g. mon,wed,fri,sat (default: spread over the week by the "
    "weekly_target setting: 4 gives mon,tue,thu,sat).",
)
@click.option("--at", "at", type=TimeType(), required=True, metavar="HH:MM", help="Start time.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=True, path_type=Path),
    required=True,
    metavar="FILE",
    help="The calendar file to write (.ics).",
)
@click.option(
    "--routine",
    type=Name("a routine id or file"),
    metavar="ROUTINE",
    default=None,
    help="The routine to remind of: an id or a file (default: the one `play` plays).",
)
@click.option(
    "--before",
    type=Count(0, 120),
    default=5,
    show_default=True,
    metavar="MINUTES",
    help="Minutes before the start that the alarm sounds (0: at the start).",
)
def remind_command(
    days: tuple[int, ...] | None, at: time, output: Path, routine: str | None, before: int
) -> None:
    """Write a calendar file with a weekly reminder to exercise, and an alarm.

    Import the file into any calendar (phone, Thunderbird, Outlook, Google Calendar):
    one event repeating every week on DAYS at HH:MM, as long as the routine's session,
    saying which routine and the command that plays it. The time is the calendar's own
    local time, so 07:30 stays 07:30 after a clock change.

    \b
    Examples:
        voicecoach remind --at 07:30 -o back-care.ics
        voicecoach remind --days mon,wed,fri,sat --at 18:00 -o evening.ics --routine quick-start
    """
    from voicecoach.compile.compiler import compile_routine
    from voicecoach.errors import ReportError
    from voicecoach.library import DEFAULT_ROUTINE
    from voicecoach.remind import Reminder, default_days, describe, ics_text
    from voicecoach.report.output import check_output, write_output

    if output.suffix.lower() != ".ics":
        raise ReportError(
            f"{output}: name the calendar file ending in .ics, so that calendars know it"
        )
    check_output(output)
    if days is None:
        days = default_days(command_settings().weekly_target)
    named = routine or command_settings().default_routine or DEFAULT_ROUTINE
    loaded = current_library().load(named)
    length = compile_routine(loaded).duration  # with estimated speech, as `list` shows it
    reminder = Reminder(
        days=days,
        at=at,
        routine=named,
        routine_name=loaded.name,
        minutes=max(1, math.ceil(length / 60)),
        before=before,
    )
    now = _now()
    write_output(output, ics_text(reminder, now))
    click.echo(f"Wrote {shown(str(output))}: {shown(describe(reminder, now))}")
