"""The report as one HTML file a person can send or print for their physiotherapist.

Offline by construction: the style is inline, the charts are inline SVG, there is no
script, no font, no image and no link to fetch, so it opens the same anywhere, years
later. The print stylesheet sets A4 pages, keeps each chart and table row whole, and
repeats table headers across pages. Everything quoted from the history (routine names,
exercises, notes) is escaped.
"""

from __future__ import annotations

from html import escape

from voicecoach.report import svg
from voicecoach.report.model import COMPLETED, NO_END, STOPPED, Report, minutes, outcome
from voicecoach.report.svg import day_text, span_text

STYLE = """
:root { color-scheme: light; --ink: #1a1a1a; --soft: #5c5c5c; --line: #d0d0d0;
  --done: #1f5f99; --stop: #9fc3e6; --pain: #b3410e; --effort: #1f5f99; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: #fff; margin: 0 auto; padding: 16px; max-width: 60rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .5rem; border-bottom: 1px solid var(--line); }
p, ul { margin: .4rem 0; }
.meta { color: var(--soft); margin: 0 0 1rem; }
.figures { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; padding: 0; list-style: none; }
.figures li { min-width: 9rem; }
.figures b { display: block; font-size: 1.4rem; }
figure { margin: .5rem 0; }
figcaption { color: var(--soft); font-size: .9rem; }
.chart { width: 100%; height: auto; display: block; }
.chart text { font: 11px system-ui, sans-serif; fill: var(--ink); }
.chart .tick { text-anchor: end; fill: var(--soft); }
.chart .week-label, .chart .count { text-anchor: middle; }
.chart .week-label { fill: var(--soft); }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .week-line { stroke: var(--line); stroke-width: 1; stroke-dasharray: 2 3; }
.chart .bar { fill: var(--done); }
.chart .stopped { fill: url(#hatch); stroke: var(--done); stroke-width: 1; }
.chart .hatch-ground { fill: #fff; }
.chart .hatch-line { stroke: var(--done); stroke-width: 2; }
.chart .target { stroke: var(--ink); stroke-width: 2; stroke-dasharray: 6 4; }
.chart .target-label { text-anchor: end; font-weight: 600; }
.chart .pain-line { fill: none; stroke: var(--pain); stroke-width: 2; }
.chart .effort-line { fill: none; stroke: var(--effort); stroke-width: 2;
  stroke-dasharray: 6 4; }
.chart .pain-point { fill: var(--pain); }
.chart .effort-point { fill: #fff; stroke: var(--effort); stroke-width: 2; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { background: #f3f3f3; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n, td.k { white-space: nowrap; }
.empty { color: var(--soft); font-style: italic; }
footer { margin-top: 2rem; color: var(--soft); font-size: .85rem; }
@media (max-width: 40rem) { .chart text { font-size: 17px; } }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h2 { break-after: avoid; }
  figure, tr, .figures { break-inside: avoid; }
  thead { display: table-header-group; }
  .table-wrap { overflow: visible; }
  th { background: none; border-bottom: 1.5px solid var(--ink); }
}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _one(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


NUMBER, KEY, TEXT = "n", "k", ""
"""A column of numbers (right-aligned), of short values kept on one line, of text."""


def _table(head: list[tuple[str, str]], rows: list[list[str]], caption: str) -> str:
    """A table; ``head`` gives each column's name and kind (NUMBER, KEY, TEXT).
    ``rows`` hold HTML already escaped."""
    cells = "".join(f'<th scope="col"{f" class={n}" if n else ""}>{_e(h)}</th>' for h, n in head)
    body = []
    for row in rows:
        tds = "".join(
            f"<td{f' class={n}' if n else ''}>{cell}</td>"
            for (_, n), cell in zip(head, row, strict=True)
        )
        body.append(f"<tr>{tds}</tr>")
    return (
        f'<div class="table-wrap"><table><caption class="sr">{_e(caption)}</caption>'
        f"<thead><tr>{cells}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _figures(report: Report) -> str:
    items = [
        (f"{report.weeks_met} of {len(report.weeks)}", "weeks met the target"),
        (str(report.count(COMPLETED)), "sessions completed"),
        (str(report.count(STOPPED) + report.count(NO_END)), "sessions stopped early"),
        (f"{report.minutes:.0f}", "minutes of exercise"),
    ]
    lis = "".join(f"<li><b>{_e(value)}</b>{_e(what)}</li>" for value, what in items)
    return f'<ul class="figures">{lis}</ul>'


def _weeks_section(report: Report) -> str:
    rows = [
        [
            _e(week.label),
            _e(f"{day_text(week.start)} to {day_text(week.end)}"),
            str(week.completed),
            str(week.stopped),
            "yes" if week.completed >= report.target else "no",
            _one(week.pain),
            _one(week.effort),
        ]
        for week in report.weeks
    ]
    head = [
        ("Week", KEY),
        ("Days", KEY),
        ("Completed", NUMBER),
        ("Stopped", NUMBER),
        ("Target met", TEXT),
        ("Pain (avg)", NUMBER),
        ("Effort (avg)", NUMBER),
    ]
    return (
        "<h2>Sessions per week</h2>"
        f"<figure>{svg.sessions_chart(report)}<figcaption>Solid bars: completed sessions; "
        f"hatched: stopped early. Dashed line: the target of {report.target} a week."
        "</figcaption></figure>" + _table(head, rows, "Sessions per week")
    )


def _stops_section(report: Report) -> str:
    completed, stopped, no_end = (report.count(k) for k in (COMPLETED, STOPPED, NO_END))
    text = f"{completed} completed, {stopped} stopped early"
    if no_end:
        text += f", {no_end} with no end recorded (the program was closed or killed)"
    out = f"<h2>Completed and stopped</h2><p>{_e(text)}.</p>"
    if not report.stops:
        return out + '<p class="empty">No session stopped early in these weeks.</p>'
    rows = [[_e(p.routine_name), _e(p.place), str(p.count)] for p in report.stops]
    head = [("Routine", TEXT), ("Stopped in", TEXT), ("Times", NUMBER)]
    return out + "<h3>Where sessions stopped</h3>" + _table(head, rows, "Where sessions stopped")


def _ratings_section(report: Report) -> str:
    out = "<h2>Pain and effort</h2>"
    if not report.ratings:
        return out + (
            '<p class="empty">No pain or effort was rated after the sessions of these weeks.</p>'
        )
    return out + (
        f"<figure>{svg.ratings_chart(report)}<figcaption>Rated from 0 (no pain; very easy) "
        "to 10 (worst pain; hardest effort) after each session. Solid line and dots: pain; "
        "dashed line and squares: effort.</figcaption></figure>"
    )


def _routines_section(report: Report) -> str:
    out = "<h2>Routines</h2>"
    if not report.routines:
        return out + '<p class="empty">No sessions in these weeks.</p>'
    rows = [
        [
            _e(t.routine_name),
            _e(t.routine_id),
            str(t.sessions),
            str(t.completed),
            f"{t.minutes:.0f}",
        ]
        for t in report.routines
    ]
    rows.append(["<b>All</b>", "", str(len(report.sessions)), str(report.count(COMPLETED))])
    rows[-1].append(f"<b>{report.minutes:.0f}</b>")
    head = [
        ("Routine", TEXT),
        ("Id", TEXT),
        ("Sessions", NUMBER),
        ("Completed", NUMBER),
        ("Minutes", NUMBER),
    ]
    return out + _table(head, rows, "Routines done")


def _sessions_section(report: Report) -> str:
    if not report.sessions:
        return ""
    rows = []
    for s in report.sessions:
        how = outcome(s)
        if how == STOPPED and s.chapter:
            how = f"stopped in {s.chapter}"
        rows.append(
            [
                _e(f"{day_text(s.started_at.date())} {s.started_at:%H:%M}"),
                _e(s.routine_name),
                _e(how),
                f"{minutes(s):.0f}",
                "" if s.pain is None else str(s.pain),
                "" if s.effort is None else str(s.effort),
                _e(s.note or ""),
            ]
        )
    head = [
        ("Started", KEY),
        ("Routine", TEXT),
        ("How it ended", TEXT),
        ("Minutes", NUMBER),
        ("Pain", NUMBER),
        ("Effort", NUMBER),
        ("Note", TEXT),
    ]
    return "<h2>Every session</h2>" + _table(head, rows, "Every session")


def render_html(report: Report) -> str:
    """The whole page."""
    span = span_text(report.first_day, report.last_day)
    weeks = len(report.weeks)
    made = f"{day_text(report.now.date())} {report.now.year} {report.now:%H:%M}"
    title = f"Exercise report: {span}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="voicecoach">',
        f"<title>{_e(title)}</title>",
        f"<style>{STYLE}.sr {{ position: absolute; left: -9999px; }}</style></head><body>",
        f"<header><h1>{_e(title)}</h1>",
        f'<p class="meta">The last {weeks} week{"s" if weeks != 1 else ""} (Monday to '
        f"Sunday), against a target of {report.target} completed sessions a week.</p>",
        "</header><main>",
        _figures(report),
        _weeks_section(report),
        _stops_section(report),
        _ratings_section(report),
        _routines_section(report),
        _sessions_section(report),
        "</main>",
        f"<footer>Made by voicecoach on {_e(made)} from the session history kept on this "
        "computer.</footer>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
