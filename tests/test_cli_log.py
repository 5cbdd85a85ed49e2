"""`voicecoach log`: a check-in for the last session, or a session done without voicecoach,
through the real entry point and its error boundary."""

from __future__ import annotations

import pytest
from helpers import run_main

from voicecoach.history import History, Session
from voicecoach.history_schema import LOGGED


def when(session: Session) -> str:
    return session.started_at.astimezone().strftime("%a %Y-%m-%d %H:%M")


def test_log_adds_to_the_last_session(capsys: pytest.CaptureFixture[str]) -> None:
    history = History()
    older = history.start("quick-start", "Quick start", 76.0)
    history.finish(older, True, 76.0, "Pelvic tilt")
    last = history.start("lower-back-essentials", "Lower back essentials", 842.0)
    history.finish(last, False, 200.0, "Bird dog")

    code, out, err = run_main(["log", "--pain", "3", "--effort", "6"], capsys)
    (session, before) = history.recent(2)
    assert (code, err) == (0, "")
    assert out == (
        f"Check-in recorded for Lower back essentials, {when(session)}: pain 3, effort 6.\n"
    )
    assert (session.id, session.pain, session.effort, session.note) == (last, 3, 6, None)
    assert (before.pain, before.effort) == (None, None)

    code, out, err = run_main(
        ["log", "--note", "  stiff   after\na long drive ", "--pain", "10"], capsys
    )
    (session,) = history.recent(1)
    assert (code, err) == (0, "")
    assert out == (
        f"Check-in recorded for Lower back essentials, {when(session)}: pain 10, effort 6.\n"
        "  note: stiff after a long drive\n"
    )
    assert (session.pain, session.effort, session.note) == (10, 6, "stiff after a long drive")
    assert len(history.recent(10)) == 2  # no new session


def test_log_new_records_a_completed_session_of_a_routine(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_main(["log", "--new", "quick-start", "--pain", "2"], capsys)
    (session,) = History().recent(5)
    assert (code, err) == (0, "")
    assert out == f"Recorded Quick start, {when(session)}: pain 2.\n"
    assert session.routine_id == "quick-start" and session.completed
    assert session.reached_seconds == session.total_seconds > 60
    assert session.ended_at is not None
    assert (session.ended_at - session.started_at).total_seconds() == pytest.approx(
        session.total_seconds, abs=1.0
    )
    assert (session.pain, session.effort, session.options) == (2, None, {LOGGED: True})
    assert History().week_count() == 1

    # Without a routine: the default one, with nothing else to say.
    code, out, err = run_main(["log", "--new"], capsys)
    latest = max(History().recent(5), key=lambda s: s.id)
    assert (code, err) == (0, "")
    assert out == f"Recorded Lower back essentials, {when(latest)}.\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["log"], "Error: give --pain, --effort or --note (or --new to record a session)\n"),
        (["log", "--pain", "11"], "is out of range: give a whole number from 0 to 10"),
        (["log", "--effort", "-1"], "is out of range: give a whole number from 0 to 10"),
        (["log", "--pain", "three"], "'three' is not a whole number"),
        (["log", "--note", "   "], "'   ' is empty: write a few words, in quotes"),
        (["log", "--note", "x" * 1001], "is 1,001 characters long; keep it to 1,000"),
        (["log", "quick-start", "--pain", "1"], "ROUTINE 'quick-start' goes with --new"),
    ],
)
def test_log_refuses_what_it_cannot_record(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(args, capsys)
    assert (code, out) == (2, "")
    assert message in err
    assert History().recent(5) == []


def test_log_without_any_session_says_how_to_record_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_main(["log", "--pain", "4"], capsys)
    assert (code, out) == (1, "")
    assert err == (
        "Error: no session in the history yet; `voicecoach log --new ROUTINE` records one "
        "done without voicecoach\n"
    )


def test_log_new_of_an_unknown_routine_records_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_main(["log", "--new", "no-such-routine", "--pain", "4"], capsys)
    assert (code, out) == (1, "")
    assert err.startswith("Error: ") and "no-such-routine" in err
    assert History().recent(5) == []
