"""Lengths of time in words (``format_clock`` and ``format_duration`` are tested in
test_describe, where they are read)."""

from __future__ import annotations

import math

import pytest

from voicecoach.durations import format_clock, format_span, format_span_up


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (2.5, "2.5 s"),
        (45, "45 s"),
        (45.4, "45 s"),
        (90, "1 min 30 s"),
        (3600, "1 h"),
        (3630, "1 h 0 min 30 s"),
        (4 * 3600 + 180, "4 h 3 min"),
        (120 * 3600, "about 120 hours"),
        (math.inf, "over a million hours"),
        (math.nan, "over a million hours"),
    ],
)
def test_a_span_for_a_message(seconds: float, text: str) -> None:
    assert format_span(seconds) == text


def test_a_span_over_a_limit_is_rounded_up_to_the_minute() -> None:
    assert format_span_up(4 * 3600 + 1) == "4 h 1 min"
    assert format_span_up(math.inf) == "over a million hours"


def test_the_status_clock_shows_hours_past_an_hour() -> None:
    assert format_clock(3725) == "1:02:05"
    assert format_clock(-3) == "0:00"
