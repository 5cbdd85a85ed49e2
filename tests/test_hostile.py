"""Numbers written with digits other than 0-9, wherever voicecoach reads a number.

Python's ``int`` and ``float`` read Arabic-Indic, Devanagari or full-width digits, and
regular expressions' ``\\d`` matches them, so such a value used to pass in some places
(``--reps ١٢``, ``hold: '١٢s'``) and fail in others (``reps: ١٢``). Only 0-9 count.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import click
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voicecoach.cliparams import Count, Factor, Level, Seconds
from voicecoach.errors import RoutineError
from voicecoach.routine import load_routine, parse_duration

OTHER_DIGITS = st.characters(categories=["Nd"]).filter(lambda c: not c.isascii())
"""A decimal digit that is not 0-9: ``٣``, ``३``, ``３``, ..."""


@st.composite
def foreign_numbers(draw: st.DrawFn) -> str:
    """A number or duration in which at least one digit is not 0-9."""
    digits = draw(st.lists(st.sampled_from("0123456789") | OTHER_DIGITS, min_size=1, max_size=4))
    at = draw(st.integers(0, len(digits) - 1))
    digits[at] = draw(OTHER_DIGITS)
    number = "".join(digits)
    form = draw(st.sampled_from(["{}", "{}s", "{}m", "1m{}s", "0:{}", "{}.5", " {} "]))
    return form.format(number)


@settings(max_examples=200, deadline=None)
@given(foreign_numbers())
def test_a_duration_with_other_digits_is_refused(text: str) -> None:
    assert any(unicodedata.category(c) == "Nd" and not c.isascii() for c in text)
    with pytest.raises(ValueError):
        parse_duration(text)


@settings(max_examples=200, deadline=None)
@given(foreign_numbers(), st.sampled_from(["count", "level", "factor", "seconds"]))
def test_an_option_with_other_digits_is_a_usage_error(text: str, kind: str) -> None:
    param = {
        "count": Count(1, 10**6),
        "level": Level(),
        "factor": Factor(),
        "seconds": Seconds(0.0, 10**6),
    }[kind]
    with pytest.raises(click.BadParameter):
        param.convert(text, None, None)


@pytest.mark.parametrize("key", ["hold", "rest", "lead_in", "duration"])
def test_a_routine_duration_with_other_digits_is_located(key: str, tmp_path: Path) -> None:
    work = "" if key in ("hold", "duration") else "    hold: 5s\n"
    path = tmp_path / "r.yaml"
    path.write_text(
        f"version: 1\nname: T\nexercises:\n  - name: A\n{work}    {key}: '١٢s'\n",
        encoding="utf-8",
    )
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    line = 5 + (work != "")
    assert str(caught.value).startswith(f"{path}:{line}:")
    assert "'١٢s'" in str(caught.value)


def test_ascii_digits_still_work() -> None:
    assert parse_duration("1m30s") == 90.0
    assert parse_duration("1:30") == 90.0
    assert Count(1, 100).convert(" 12 ", None, None) == 12
    assert Level().convert("0.5", None, None) == 0.5
