"""The report in a few lines for the terminal (``voicecoach report`` without a file)."""

from __future__ import annotations

from voicecoach.report.model import COMPLETED, NO_END, STOPPED, Report
from voicecoach.report.svg import day_text, span_text

SHOWN_WEEKS = 12
"""The most weeks whose counts the summary lists (the page and the CSV show them all)."""


def _average(values: list[int]) -> str:
    return f"{sum(values) / len(values):.1f}"


def summary_lines(report: Report) -> list[str]:
    weeks = len(report.weeks)
    lines = [
        f"Report: {span_text(report.first_day, report.last_day)} ({weeks} "
        f"week{'s' if weeks != 1 else ''})",
        f"Target met: {report.weeks_met} of {weeks} weeks ({report.target} a week)",
        "Completed:  "
        + " ".join(str(w.completed) for w in report.weeks[-SHOWN_WEEKS:])
        + f" a week, from the week of {day_text(report.weeks[-SHOWN_WEEKS:][0].start)}",
    ]
    stopped = report.count(STOPPED) + report.count(NO_END)
    lines.append(f"Sessions:   {report.count(COMPLETED)} completed, {stopped} stopped early")
    if report.stops:
        top = report.stops[0]
        lines.append(f"Most stops: {top.routine_name}, {top.place} ({top.count})")
    for key in ("pain", "effort"):
        values = [getattr(r, key) for r in report.ratings if getattr(r, key) is not None]
        if len(values) == 1:
            lines.append(f"{key.capitalize() + ':':<11} {values[0]} (rated once)")
        elif values:
            half = len(values) // 2
            lines.append(
                f"{key.capitalize() + ':':<11} average {_average(values)} over "
                f"{len(values)} ratings; {_average(values[:half])} in the first half, "
                f"{_average(values[half:])} in the second"
            )
    lines.append(f"Minutes:    {report.minutes:.0f} in {len(report.sessions)} sessions")
    lines.append("Write the full report with -o report.html (or report.csv for a spreadsheet).")
    return lines
