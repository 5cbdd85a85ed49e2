"""The routine format as data: the durations it reads, and what importing it costs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from voicecoach.routine.model import parse_duration


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (30, 30.0),
        (2.5, 2.5),
        ("30", 30.0),
        ("2.5", 2.5),
        ("30s", 30.0),
        ("1m", 60.0),
        ("1m30s", 90.0),
        ("90s", 90.0),
        ("1m 30s", 90.0),
        (" 1 m 30 s ", 90.0),
        ("1.5m", 90.0),
        ("0.5s", 0.5),
        ("0", 0.0),
        ("-5s", -5.0),
        (-1, -1.0),
        ("2M", 120.0),
    ],
)
def test_parse_duration_accepts_every_form(value: object, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        None,
        "",
        "s",
        "m",
        "30 seconds",
        "1h",
        "1s30m",
        "thirty",
        "1m30",
        "--5",
        "1e3",
        "nan",
        "inf",
        float("nan"),
        float("inf"),
        [30],
        {"s": 30},
        10**400,
        "1" * 100,
    ],
)
def test_parse_duration_rejects_anything_else(value: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(value)


def test_the_model_imports_no_yaml() -> None:
    """A duration or an id from the settings or the command line costs no YAML import."""
    code = (
        "import sys, voicecoach.routine.model; print(sorted(m for m in sys.modules if 'yaml' in m))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert out.stdout.strip() == "[]"
