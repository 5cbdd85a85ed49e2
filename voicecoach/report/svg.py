"""The report's two charts as inline SVG, drawn here: sessions per week against the target
(one bar per ISO week) and pain and effort over the same weeks.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that says in words
what it shows, and a ``<title>`` on every bar and point (a tooltip on screen). Colours are
told apart by shape and line style too, so a black-and-white print reads the same.
Numbers are written with fixed decimals, so the same report is the same bytes.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from html import escape

from voicecoach.report.model import Rating, Report, Week

WIDTH = 720
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 28, 46
PLOT_W = WIDTH - LEFT - RIGHT
PLOT_H = HEIGHT - TOP - BOTTOM
MAX_LABELS = 13
"""At most this many week labels under a chart; with more weeks, every second (third...)."""
RATING_MAX = 10

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def num(value: float) -> str:
    """A coordinate: at most one decimal, no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def day_text(day: date) -> str:
    """``6 Oct``, in English whatever the locale."""
    return f"{day.day} {MONTHS[day.month - 1]}"


def span_text(first: date, last: date) -> str:
    """``6 Oct to 30 Nov 2026`` (the first year too when it differs)."""
    start = day_text(first) + (f" {first.year}" if first.year != last.year else "")
    return f"{start} to {day_text(last)} {last.year}"


def _y(value: float, top: float) -> float:
    return TOP + PLOT_H - value / top * PLOT_H


def _open(name: str, title: str, desc: str) -> list[str]:
    return [
        f'<svg class="chart" id="{name}-chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}"'
        f' aria-labelledby="{name}-title {name}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{name}-title">{escape(title)}</title>',
        f'<desc id="{name}-desc">{escape(desc)}</desc>',
    ]


def _y_axis(top: int, step: int) -> list[str]:
    out = []
    for value in range(0, top + 1, step):
        y = num(_y(value, top))
        out.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}"/>')
        out.append(f'<text class="tick" x="{LEFT - 6}" y="{y}" dy="0.35em">{value}</text>')
    return out


def _week_labels(weeks: tuple[Week, ...], centre: list[float]) -> list[str]:
    every = math.ceil(len(weeks) / MAX_LABELS)
    out = []
    for index, (week, x) in enumerate(zip(weeks, centre, strict=True)):
        if index % every:
            continue
        out.append(
            f'<text class="week-label" x="{num(x)}" y="{HEIGHT - BOTTOM + 16}">'
            f'{day_text(week.start)}<tspan x="{num(x)}" dy="14">W{week.start.isocalendar()[1]}'
            "</tspan></text>"
        )
    return out


def _sessions(count: int) -> str:
    return f"{count} session{'' if count == 1 else 's'}"


def week_words(week: Week, target: int) -> str:
    met = "target met" if week.completed >= target else f"target {target} not met"
    return (
        f"Week {week.label} ({day_text(week.start)} to {day_text(week.end)}): "
        f"{week.completed} completed, {week.stopped} stopped; {met}"
    )


def sessions_chart(report: Report) -> str:
    """One bar per week: completed sessions, with the stopped ones stacked above in a
    lighter, hatched fill; a dashed line at the weekly target."""
    weeks = report.weeks
    highest = max([report.target, *(week.sessions for week in weeks)])
    step = max(1, math.ceil(highest / 5))
    top = (highest // step + 1) * step
    slot = PLOT_W / len(weeks)
    desc = (
        f"Sessions in each of the {len(weeks)} weeks from "
        f"{span_text(report.first_day, report.last_day)}, against a target of "
        f"{_sessions(report.target)} a week; the target was met in {report.weeks_met} of "
        f"{len(weeks)} weeks. " + ". ".join(week_words(w, report.target) for w in weeks) + "."
    )
    out = _open("sessions", "Sessions per week", desc)
    out.append(
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse"'
        ' patternTransform="rotate(45)"><rect width="6" height="6" class="hatch-ground"/>'
        '<line x1="0" y1="0" x2="0" y2="6" class="hatch-line"/></pattern></defs>'
    )
    out.extend(_y_axis(top, step))
    centres: list[float] = []
    for index, week in enumerate(weeks):
        x = LEFT + index * slot + slot * 0.18
        width = slot * 0.64
        centres.append(x + width / 2)
        done_h = week.completed / top * PLOT_H
        done_y = TOP + PLOT_H - done_h
        out.append(f'<g class="week" data-week="{week.label}">')
        out.append(f"<title>{escape(week_words(week, report.target))}</title>")
        out.append(
            f'<rect class="bar" x="{num(x)}" y="{num(done_y)}" width="{num(width)}"'
            f' height="{num(done_h)}" data-completed="{week.completed}"/>'
        )
        if week.stopped:
            stop_h = week.stopped / top * PLOT_H
            out.append(
                f'<rect class="stopped" x="{num(x)}" y="{num(done_y - stop_h)}"'
                f' width="{num(width)}" height="{num(stop_h)}" data-stopped="{week.stopped}"/>'
            )
        if week.sessions and len(weeks) <= 26:
            label_y = _y(week.sessions, top) - 4
            out.append(
                f'<text class="count" x="{num(x + width / 2)}" y="{num(label_y)}">'
                f"{week.completed}{f' + {week.stopped}' if week.stopped else ''}</text>"
            )
        out.append("</g>")
    target_y = num(_y(report.target, top))
    out.append(
        f'<line class="target" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{target_y}" y2="{target_y}"/>'
    )
    out.append(
        f'<text class="target-label" x="{WIDTH - RIGHT}" y="{target_y}" dy="-5">'
        f"target {report.target} a week</text>"
    )
    out.extend(_week_labels(weeks, centres))
    out.append("</svg>")
    return "\n".join(out)


def _rating_words(rating: Rating) -> str:
    when = rating.when
    said = [f"{day_text(when.date())} {when:%H:%M}"]
    if rating.pain is not None:
        said.append(f"pain {rating.pain}")
    if rating.effort is not None:
        said.append(f"effort {rating.effort}")
    return ": ".join([said[0], ", ".join(said[1:])])


def _trend(ratings: tuple[Rating, ...], key: str) -> str:
    values = [getattr(r, key) for r in ratings if getattr(r, key) is not None]
    if not values:
        return f"no {key} rated"
    if len(values) == 1:
        return f"{key} rated once, {values[0]}"
    return (
        f"{key} rated {len(values)} times, first {values[0]}, last {values[-1]}, "
        f"lowest {min(values)}, highest {max(values)}"
    )


def ratings_chart(report: Report) -> str:
    """Pain (solid line, round points) and effort (dashed line, square points), 0 to 10,
    each rating placed at the time of its session on the weeks of the report."""
    start, end = report.start, report.end
    span = (end - start).total_seconds()

    def x_of(moment: datetime) -> float:
        return LEFT + (moment - start).total_seconds() / span * PLOT_W

    desc = (
        f"Pain and effort from 0 to 10, rated after sessions from "
        f"{span_text(report.first_day, report.last_day)}: "
        f"{_trend(report.ratings, 'pain')}; {_trend(report.ratings, 'effort')}."
    )
    out = _open("ratings", "Pain and effort after each session", desc)
    out.extend(_y_axis(RATING_MAX, 2))
    slot = PLOT_W / len(report.weeks)
    for index in range(1, len(report.weeks)):
        at = num(LEFT + index * slot)
        out.append(f'<line class="week-line" x1="{at}" x2="{at}" y1="{TOP}" y2="{TOP + PLOT_H}"/>')
    centres = [LEFT + (index + 0.5) * slot for index in range(len(report.weeks))]
    out.extend(_week_labels(report.weeks, centres))
    for key in ("pain", "effort"):
        points = [
            (x_of(r.when), _y(getattr(r, key), RATING_MAX), r)
            for r in report.ratings
            if getattr(r, key) is not None
        ]
        if len(points) > 1:
            line = " ".join(f"{num(x)},{num(y)}" for x, y, _ in points)
            out.append(f'<polyline class="{key}-line" points="{line}"/>')
        for x, y, rating in points:
            words = escape(_rating_words(rating))
            if key == "pain":
                out.append(
                    f'<circle class="pain-point" cx="{num(x)}" cy="{num(y)}" r="4">'
                    f"<title>{words}</title></circle>"
                )
            else:
                out.append(
                    f'<rect class="effort-point" x="{num(x - 3.5)}" y="{num(y - 3.5)}"'
                    f' width="7" height="7"><title>{words}</title></rect>'
                )
    legend_x = WIDTH - RIGHT - 170
    out.append(
        f'<g class="legend" transform="translate({legend_x} 10)">'
        '<line class="pain-line" x1="0" x2="22" y1="0" y2="0"/>'
        '<circle class="pain-point" cx="11" cy="0" r="4"/>'
        '<text x="28" y="0" dy="0.35em">pain</text>'
        '<line class="effort-line" x1="80" x2="102" y1="0" y2="0"/>'
        '<rect class="effort-point" x="87.5" y="-3.5" width="7" height="7"/>'
        '<text x="108" y="0" dy="0.35em">effort</text></g>'
    )
    out.append("</svg>")
    return "\n".join(out)
