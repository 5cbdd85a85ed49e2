"""The report: figures from a real history, the page in a real browser, the CSV read back,
the command's files and errors."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from browser_env import Browser
from click.testing import CliRunner, Result
from helpers import unwritable_folder

from voicecoach.history import History, Session, history_path
from voicecoach.library import Library
from voicecoach.report import build_report, make_report, summary_lines
from voicecoach.report.html import render_html
from voicecoach.report.model import NO_END, STOPPED, Report, StopPlace
from voicecoach.report.table import COLUMNS, render_csv

CET = timezone(timedelta(hours=1))
NOW = datetime(2026, 12, 2, 18, 0, tzinfo=CET)
"""A Wednesday evening: the report's last week (from Monday 30 November) is under way."""
BACK = ("lower-back-essentials", "Lower back essentials", 600.0)
QUICK = ("quick-start", "Quick start", 300.0)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def at(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CET)


def play(
    history: History,
    clock: Clock,
    when: datetime,
    routine: tuple[str, str, float] = BACK,
    stopped: tuple[float, str | None] | None = None,
    ended: bool = True,
) -> int:
    """Record a session through the history's own calls, as a play does."""
    clock.now = when
    session = history.start(*routine)
    if ended:
        reached = routine[2] if stopped is None else stopped[0]
        clock.now = when + timedelta(seconds=reached)
        chapter = "Knee hug" if stopped is None else stopped[1]
        history.finish(session, stopped is None, reached, chapter)
    return session


def fill(history: History, clock: Clock) -> None:
    """Four weeks to report (from Monday 9 November) and two sessions outside them."""
    play(history, clock, at(8, 11, 23, 30))  # Sunday night, the week before: not reported
    play(history, clock, at(9, 11, 0, 30))  # 23:30 UTC on the Sunday, but Monday here
    play(history, clock, at(11, 11, 7, 30))
    play(history, clock, at(13, 11, 7, 30), stopped=(200.0, "Bird dog"))
    # the week of 16 November: nothing
    for day in (23, 24, 26):
        play(history, clock, at(day, 11, 7, 30))
    play(history, clock, at(28, 11, 9, 0), routine=QUICK)
    play(history, clock, at(30, 11, 7, 30))
    play(history, clock, at(1, 12, 7, 30), stopped=(120.0, "Cat-cow"))
    play(history, clock, at(2, 12, 10, 0), ended=False)  # killed: no end recorded
    play(history, clock, at(2, 12, 19, 0))  # after "now": not reported
    clock.now = NOW


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def history(tmp_path: Path, clock: Clock) -> History:
    made = History(tmp_path / "data" / "history.sqlite3", clock)
    fill(made, clock)
    return made


@pytest.fixture
def report(history: History) -> Report:
    return build_report(history, target=4, weeks=4)


def rated(report: Report, ratings: dict[int, tuple[int | None, int | None, str | None]]) -> Report:
    """The report with check-ins (pain, effort, note) on some of its sessions, by id."""

    def checked(session: Session) -> Session:
        pain, effort, note = ratings.get(session.id, (None, None, None))
        return replace(session, pain=pain, effort=effort, note=note)

    return make_report([checked(s) for s in report.sessions], report.target, 4, report.now)


# --- the figures ------------------------------------------------------------------------


def test_weeks_count_completed_and_stopped_sessions_in_the_time_zone_of_now(
    report: Report,
) -> None:
    assert [w.label for w in report.weeks] == ["2026-W46", "2026-W47", "2026-W48", "2026-W49"]
    assert [str(w.start) for w in report.weeks] == [
        "2026-11-09",
        "2026-11-16",
        "2026-11-23",
        "2026-11-30",
    ]
    assert [(w.completed, w.stopped) for w in report.weeks] == [(2, 1), (0, 0), (4, 0), (1, 2)]
    assert report.weeks_met == 1
    assert len(report.sessions) == 10
    assert report.sessions[0].started_at == at(9, 11, 0, 30)
    assert report.sessions[0].started_at.utcoffset() == timedelta(hours=1)


def test_where_sessions_stopped_and_what_was_done(report: Report) -> None:
    assert report.count(STOPPED) == 2
    assert report.count(NO_END) == 1
    assert report.stops == (
        StopPlace("Lower back essentials", "Bird dog", True, 1),
        StopPlace("Lower back essentials", "Cat-cow", True, 1),
        StopPlace("Lower back essentials", None, False, 1),
    )
    assert report.stops[2].place == "unknown (no end recorded)"
    back, quick = report.routines
    assert (back.routine_id, back.sessions, back.completed) == ("lower-back-essentials", 9, 6)
    assert back.minutes == pytest.approx(6 * 10 + 200 / 60 + 120 / 60)
    assert (quick.routine_id, quick.sessions, quick.completed, quick.minutes) == (
        "quick-start",
        1,
        1,
        5.0,
    )
    assert report.minutes == pytest.approx(back.minutes + 5.0)


def test_pain_and_effort_average_per_week(report: Report) -> None:
    ids = [s.id for s in report.sessions]
    checked = rated(report, {ids[0]: (6, 5, None), ids[1]: (4, None, None), ids[4]: (3, 7, None)})
    assert [(w.pain, w.effort) for w in checked.weeks] == [
        (5.0, 5.0),
        (None, None),
        (3.0, 7.0),
        (None, None),
    ]
    assert [(r.pain, r.effort) for r in checked.ratings] == [(6, 5), (4, None), (3, 7)]


def test_with_system_time_summer_sessions_keep_their_summer_clock(tmp_path: Path) -> None:
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Berlin"  # summer time (+02:00) ended on 25 October 2026
    time.tzset()
    try:
        clock = Clock(datetime(2026, 10, 19, 0, 30).astimezone())  # a Monday, 00:30 CEST
        history = History(tmp_path / "h.sqlite3", clock)
        play(history, clock, clock.now)
        now = datetime(2026, 11, 4, 12, 0).astimezone()  # CET, a fixed +01:00 offset
        assert now.utcoffset() == timedelta(hours=1)
        shown = build_report(history, target=1, weeks=3, now=now, system_time=True)
        (session,) = shown.sessions
        assert session.started_at.isoformat() == "2026-10-19T00:30:00+02:00"
        assert [w.completed for w in shown.weeks] == [1, 0, 0]
        fixed = build_report(history, target=1, weeks=3, now=now)
        assert fixed.sessions == ()  # 23:30 on the Sunday before, at +01:00
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time.tzset()


def test_an_empty_history_still_reports_every_week(tmp_path: Path, clock: Clock) -> None:
    empty = build_report(History(tmp_path / "h.sqlite3", clock), target=3, weeks=12)
    assert len(empty.weeks) == 12
    assert empty.weeks[-1].start.isoformat() == "2026-11-30"
    assert empty.sessions == () and empty.weeks_met == 0
    assert "<svg" in render_html(empty)
    assert render_csv(empty) == ",".join(COLUMNS) + "\r\n"


def test_the_same_history_and_clock_give_the_same_bytes(history: History) -> None:
    first = build_report(history, target=4, weeks=4)
    again = build_report(history, target=4, weeks=4)
    assert render_html(first) == render_html(again)
    assert render_csv(first) == render_csv(again)
    assert render_html(build_report(history, target=5, weeks=4)) != render_html(first)


def test_the_summary_says_the_figures(report: Report) -> None:
    lines = summary_lines(report)
    assert lines[0] == "Report: 9 Nov to 6 Dec 2026 (4 weeks)"
    assert "Target met: 1 of 4 weeks (4 a week)" in lines
    assert "Completed:  2 0 4 1 a week, from the week of 9 Nov" in lines
    assert "Sessions:   7 completed, 3 stopped early" in lines
    assert "Most stops: Lower back essentials, Bird dog (1)" in lines
    assert "Minutes:    70 in 10 sessions" in lines


def test_the_summary_lists_the_last_twelve_weeks(history: History) -> None:
    lines = summary_lines(build_report(history, target=4, weeks=20))
    assert "Completed:  0 0 0 0 0 0 0 1 2 0 4 1 a week, from the week of 14 Sep" in lines


# --- the CSV ----------------------------------------------------------------------------


def test_csv_has_one_row_per_session_and_reads_back(report: Report) -> None:
    ids = [s.id for s in report.sessions]
    note = 'Stiff, "very" stiff\nbetter after'
    text = render_csv(rated(report, {ids[2]: (7, 8, note)}))
    assert text.count("\r\n") == 11  # the header and 10 rows, each ended by CRLF
    assert '"Stiff, ""very"" stiff\nbetter after"' in text  # quoted, quotes doubled
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == COLUMNS
    body = [dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]]
    assert len(body) == 10
    first = body[0]
    assert first["date"] == "2026-11-09" and first["week"] == "2026-W46"
    assert first["started_at"] == "2026-11-09T00:30:00+01:00"
    assert first["ended_at"] == "2026-11-09T00:40:00+01:00"
    assert (first["outcome"], first["minutes"], first["length_minutes"]) == (
        "completed",
        "10.0",
        "10.0",
    )
    assert (body[2]["outcome"], body[2]["stopped_in"], body[2]["minutes"]) == (
        "stopped",
        "Bird dog",
        "3.3",
    )
    assert (body[2]["pain"], body[2]["effort"], body[2]["note"]) == ("7", "8", note)
    assert (body[-1]["outcome"], body[-1]["ended_at"], body[-1]["stopped_in"]) == (
        "no end recorded",
        "",
        "",
    )
    assert [r["routine_id"] for r in body].count("quick-start") == 1


# --- the page in a browser -------------------------------------------------------------


def bars(browser: Browser) -> list[dict[str, float]]:
    return list(
        browser.run(
            "return [...document.querySelectorAll('#sessions-chart rect.bar')].map(r => {"
            " const b = r.getBBox(); return {y: b.y, height: b.height,"
            " n: Number(r.dataset.completed)}; });"
        )
    )


@pytest.mark.browser
@pytest.mark.parametrize("weeks", [4, 13, 52])
def test_the_page_opens_offline_with_one_bar_a_week(
    browser: Browser, history: History, tmp_path: Path, weeks: int
) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(build_report(history, target=4, weeks=weeks)), "utf-8")
    browser.open(page)
    assert browser.wait_for("document.readyState === 'complete'")
    found = bars(browser)
    assert len(found) == weeks
    assert [bar["n"] for bar in found[-4:]] == [2, 0, 4, 1]
    assert browser.console_errors() == []
    assert browser.network_requests() == []
    # Heights are proportional, and a week that met the target reaches the target line.
    unit = found[-4]["height"] / 2
    assert [round(bar["height"] / unit, 3) for bar in found[-4:]] == [2, 0, 4, 1]
    target_y = browser.run(
        "return document.querySelector('#sessions-chart line.target').getBBox().y;"
    )
    assert found[-2]["y"] == pytest.approx(target_y, abs=0.2)
    titled = browser.run(
        "const svg = document.getElementById('sessions-chart');"
        " return [svg.getAttribute('role'), svg.querySelector(':scope > title').textContent,"
        " svg.querySelector(':scope > desc').textContent];"
    )
    assert titled[0] == "img" and titled[1] == "Sessions per week"
    assert f"in each of the {weeks} weeks" in titled[2]


@pytest.mark.browser
def test_the_ratings_chart_has_a_point_per_rating_and_the_page_prints_on_a4(
    browser: Browser, report: Report, tmp_path: Path
) -> None:
    ids = [s.id for s in report.sessions]
    checked = rated(report, {ids[0]: (6, 5, None), ids[3]: (4, None, None), ids[8]: (2, 3, None)})
    page = tmp_path / "report.html"
    page.write_text(render_html(checked), "utf-8")
    browser.open(page, size=(1024, 768))
    counts = browser.run(
        "const c = document.getElementById('ratings-chart');"
        " return [c.querySelectorAll(':scope > circle.pain-point').length,"
        " c.querySelectorAll(':scope > rect.effort-point').length,"
        " c.querySelectorAll('polyline').length];"
    )
    assert counts == [3, 2, 2]
    xs = browser.run(
        "return [...document.querySelectorAll('#ratings-chart > circle.pain-point')]"
        ".map(c => c.cx.baseVal.value);"
    )
    assert xs == sorted(xs) and len(set(xs)) == 3
    assert browser.console_errors() == [] and browser.network_requests() == []
    pdf = browser.print_pdf(tmp_path / "report.pdf")
    if shutil.which("pdfinfo") is None:
        pytest.fail("no pdfinfo: run `make system-tests` (poppler-utils)")
    info = subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    assert "(A4)" in info, info
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    assert "Sessions per week" in text and "Pain and effort" in text


@pytest.mark.browser
def test_text_from_the_history_is_shown_as_text(
    browser: Browser, tmp_path: Path, clock: Clock
) -> None:
    history = History(tmp_path / "h.sqlite3", clock)
    evil = ("evil", '<script>document.title="owned"</script> & <b>co</b>', 60.0)
    play(history, clock, at(1, 12, 8, 0), routine=evil, stopped=(5.0, "</td><img src=x>"))
    clock.now = NOW
    page = tmp_path / "report.html"
    page.write_text(render_html(build_report(history, target=2, weeks=2)), "utf-8")
    browser.open(page)
    assert browser.run("return document.querySelectorAll('script, img').length;") == 0
    assert "co" not in browser.run(
        "return [...document.querySelectorAll('b')].map(b => b.textContent);"
    )
    assert browser.run("return document.title;").startswith("Exercise report")
    assert evil[1] in browser.run("return document.body.innerText;")
    assert browser.console_errors() == [] and browser.network_requests() == []


# --- the command ------------------------------------------------------------------------


def invoke(args: list[str], library: Library, clock: Clock) -> Result:
    from voicecoach.cli import cli

    return CliRunner().invoke(cli, args, obj={"library": library, "clock": clock})


@pytest.fixture
def recorded(clock: Clock) -> History:
    """The history the command reads (``VOICECOACH_DATA_DIR``, set for every test)."""
    made = History(history_path(), clock)
    fill(made, clock)
    return made


def test_report_writes_html_and_csv_by_the_ending(
    recorded: History, library: Library, clock: Clock, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    page, table = out / "r.html", out / "r.CSV"
    result = invoke(["report", "--weeks", "4", "-o", str(page)], library, clock)
    assert (result.exit_code, result.output) == (0, f"Wrote {page}\n")
    assert page.read_text("utf-8") == render_html(build_report(recorded, 4, 4))
    result = invoke(["report", "--weeks", "4", "-o", str(table), "--target", "2"], library, clock)
    assert result.exit_code == 0
    assert table.read_bytes() == render_csv(build_report(recorded, 2, 4)).encode("utf-8")
    assert sorted(os.listdir(out)) == ["r.CSV", "r.html"]  # no temp file left


def test_report_without_a_file_prints_the_summary(
    recorded: History, library: Library, clock: Clock
) -> None:
    result = invoke(["report", "--weeks", "4"], library, clock)
    assert result.exit_code == 0
    assert result.output.splitlines() == summary_lines(build_report(recorded, 4, 4))


def test_report_target_follows_the_setting(
    recorded: History, library: Library, clock: Clock, config_home: Path
) -> None:
    (config_home / "voicecoach").mkdir(exist_ok=True)
    (config_home / "voicecoach" / "settings.toml").write_text("weekly_target = 2\n")
    result = invoke(["report", "--weeks", "4"], library, clock)
    assert "Target met: 2 of 4 weeks (2 a week)" in result.output.splitlines()


def test_report_on_the_computers_clock_through_the_entry_point(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from helpers import run_main

    History(history_path()).start(*BACK)  # now, on the real clock: no end recorded yet
    code, out, err = run_main(["report", "--weeks", "1", "-o", str(tmp_path / "r.csv")], capsys)
    assert (code, out, err) == (0, f"Wrote {tmp_path / 'r.csv'}\n", "")
    rows = list(csv.reader(io.StringIO((tmp_path / "r.csv").read_text("utf-8"), newline="")))
    assert len(rows) == 2 and rows[1][7] == "no end recorded"


@pytest.mark.parametrize(
    ("make_target", "message"),
    [
        (lambda tmp: tmp / "r.pdf", "cannot write a report with '.pdf'; name the file ending in"),
        (lambda tmp: tmp / "report", "cannot write a report with no ending"),
        (lambda tmp: tmp / "missing" / "r.html", "does not exist; create it first"),
        (lambda tmp: tmp / "folder.html", "is a folder; give a file name inside it"),
        (lambda tmp: unwritable_folder(tmp) / "r.html", "permission denied"),
    ],
    ids=["pdf", "no-ending", "missing-folder", "folder", "unwritable"],
)
def test_bad_outputs_exit_1_with_one_error_line_and_no_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make_target: Callable[[Path], Path],
    message: str,
) -> None:
    from helpers import run_main

    (tmp_path / "folder.html").mkdir()
    before = sorted(os.listdir(tmp_path))
    target = make_target(tmp_path)
    code, out, err = run_main(["report", "-o", str(target)], capsys)
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    assert message in lines[0]
    assert sorted(os.listdir(tmp_path)) == before


@pytest.mark.parametrize("weeks", ["0", "105", "x"])
def test_bad_weeks_are_usage_errors(
    weeks: str, library: Library, clock: Clock, tmp_path: Path
) -> None:
    result = invoke(["report", "--weeks", weeks, "-o", str(tmp_path / "r.html")], library, clock)
    assert result.exit_code == 2
    assert "--weeks" in result.output
    assert not (tmp_path / "r.html").exists()
