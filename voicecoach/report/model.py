"""The figures of a report, computed once from the history: the page, the CSV file and the
text summary are pure functions of a ``Report``.

A report covers whole ISO weeks (Monday to Sunday), the last of them the week of ``now``,
in the time zone of ``now``, as ``voicecoach history`` counts them. A session counts for
the week it started in; only sessions started up to ``now`` are in it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo

from voicecoach.history import History, Session, week_start

DEFAULT_WEEKS = 8
MAX_WEEKS = 104
"""Two years of weeks: more bars than that would not fit a printed page."""

COMPLETED = "completed"
STOPPED = "stopped"
NO_END = "no end recorded"


def outcome(session: Session) -> str:
    """How a session ended, in the words the report uses."""
    if session.completed:
        return COMPLETED
    return STOPPED if session.finished else NO_END


def minutes(session: Session) -> float:
    """Minutes of the session done: all of it when completed, else as far as it got."""
    seconds = session.total_seconds if session.completed else session.reached_seconds
    return max(0.0, seconds) / 60.0


def iso_week(day: date) -> str:
    """``2026-W49``: the ISO week a day falls in."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass(frozen=True)
class Week:
    """One ISO week: sessions completed and stopped (ended early, or with no end recorded),
    and the average pain and effort rated after its sessions (None: none rated)."""

    start: date
    completed: int
    stopped: int
    pain: float | None
    effort: float | None

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def label(self) -> str:
        return iso_week(self.start)

    @property
    def sessions(self) -> int:
        return self.completed + self.stopped


@dataclass(frozen=True)
class StopPlace:
    """Where sessions of one routine stopped early: the chapter (exercise) they were in.
    ``ended`` is False for sessions whose end was never recorded (the process was killed),
    whose place is unknown; an ended one without a chapter stopped before the first."""

    routine_name: str
    chapter: str | None
    ended: bool
    count: int

    @property
    def place(self) -> str:
        if not self.ended:
            return "unknown (no end recorded)"
        return self.chapter if self.chapter is not None else "before the first exercise"


@dataclass(frozen=True)
class RoutineTotal:
    routine_id: str
    routine_name: str
    sessions: int
    completed: int
    minutes: float


@dataclass(frozen=True)
class Rating:
    """The pain and effort (0 to 10) rated after one session, at the time it started."""

    when: datetime
    pain: int | None
    effort: int | None


@dataclass(frozen=True)
class Report:
    """Everything a report shows. ``sessions`` are oldest first, their times in the time
    zone of ``now``."""

    now: datetime
    target: int
    weeks: tuple[Week, ...]
    sessions: tuple[Session, ...]
    stops: tuple[StopPlace, ...]
    routines: tuple[RoutineTotal, ...]
    ratings: tuple[Rating, ...]

    @property
    def first_day(self) -> date:
        return self.weeks[0].start

    @property
    def last_day(self) -> date:
        return self.weeks[-1].end

    @property
    def start(self) -> datetime:
        """Midnight at the start of the first week."""
        return datetime.combine(self.first_day, time(0), tzinfo=self.now.tzinfo)

    @property
    def end(self) -> datetime:
        """Midnight at the end of the last week."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), tzinfo=self.now.tzinfo)

    def count(self, kind: str) -> int:
        return sum(1 for session in self.sessions if outcome(session) == kind)

    @property
    def weeks_met(self) -> int:
        """Weeks whose completed sessions reached the target."""
        return sum(1 for week in self.weeks if week.completed >= self.target)

    @property
    def minutes(self) -> float:
        return sum(total.minutes for total in self.routines)


def build_report(
    history: History,
    target: int,
    weeks: int = DEFAULT_WEEKS,
    now: datetime | None = None,
    system_time: bool = False,
) -> Report:
    """The report of the last ``weeks`` ISO weeks up to ``now`` (the history's clock);
    ``system_time``: see ``make_report``."""
    now = history._now(now)
    first = week_start(now) - timedelta(days=7 * (weeks - 1))
    # A day's margin, then each session placed by its date in now's time zone.
    since = datetime.combine(first - timedelta(days=1), time(0), tzinfo=now.tzinfo)
    found = history.started_between(since, now)
    return make_report(found, target, weeks, now, system_time)


def make_report(
    sessions: list[Session], target: int, weeks: int, now: datetime, system_time: bool = False
) -> Report:
    """The report of ``sessions`` (any order) over the last ``weeks`` ISO weeks to ``now``.

    Each time is shown in now's time zone; with ``system_time``, in the computer's local
    time as it was at that moment, so that a session at 07:30 in summer still shows 07:30
    in a winter's report (``now`` from ``astimezone()`` has a fixed offset, without the
    daylight-saving rules).
    """
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"weeks must be from 1 to {MAX_WEEKS}")
    if target < 1:
        raise ValueError("target must be at least 1")
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    first = week_start(now) - timedelta(days=7 * (weeks - 1))
    zone = None if system_time else now.tzinfo
    local = [_local(session, zone) for session in sessions]
    shown = sorted(
        (s for s in local if first <= s.started_at.date() and s.started_at <= now),
        key=lambda s: (s.started_at, s.id),
    )
    starts = [first + timedelta(days=7 * n) for n in range(weeks)]
    return Report(
        now=now,
        target=target,
        weeks=tuple(_week(start, shown) for start in starts),
        sessions=tuple(shown),
        stops=_stops(shown),
        routines=_routines(shown),
        ratings=tuple(
            Rating(s.started_at, s.pain, s.effort)
            for s in shown
            if s.pain is not None or s.effort is not None
        ),
    )


def _local(session: Session, zone: tzinfo | None) -> Session:
    """The session with its times in ``zone`` (None: the computer's, as it was then)."""
    ended = session.ended_at.astimezone(zone) if session.ended_at is not None else None
    return replace(session, started_at=session.started_at.astimezone(zone), ended_at=ended)


def _week(start: date, sessions: list[Session]) -> Week:
    within = [s for s in sessions if week_start(s.started_at) == start]
    done = sum(1 for s in within if s.completed)
    return Week(
        start=start,
        completed=done,
        stopped=len(within) - done,
        pain=_mean([s.pain for s in within if s.pain is not None]),
        effort=_mean([s.effort for s in within if s.effort is not None]),
    )


def _stops(sessions: list[Session]) -> tuple[StopPlace, ...]:
    """Places sessions stopped at, the most frequent first (then by routine and chapter)."""
    counts = Counter(
        (s.routine_name, s.chapter if s.finished else None, s.finished)
        for s in sessions
        if not s.completed
    )
    places = [StopPlace(name, chapter, ended, n) for (name, chapter, ended), n in counts.items()]
    places.sort(key=lambda p: (-p.count, p.routine_name, not p.ended, p.chapter or ""))
    return tuple(places)


def _routines(sessions: list[Session]) -> tuple[RoutineTotal, ...]:
    """Each routine done, the most sessions first; its name as most recently recorded."""
    by_id: dict[str, list[Session]] = {}
    for session in sessions:
        by_id.setdefault(session.routine_id, []).append(session)
    totals = [
        RoutineTotal(
            routine_id=routine_id,
            routine_name=done[-1].routine_name,
            sessions=len(done),
            completed=sum(1 for s in done if s.completed),
            minutes=sum(minutes(s) for s in done),
        )
        for routine_id, done in by_id.items()
    ]
    totals.sort(key=lambda t: (-t.sessions, t.routine_id))
    return tuple(totals)
