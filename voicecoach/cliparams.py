"""The command line's value types: every number and name an option takes, checked in full.

Each refuses what its option can never mean as a usage error (exit 2) that quotes the
value short and printable: a number with hundreds of digits, ``nan`` or ``inf`` where a
level or a factor belongs, an empty voice. click's own ``IntRange`` and ``FloatRange``
let ``nan`` through and quote a 5,000-digit value in full.
"""

from __future__ import annotations

import math
from typing import Any

import click

from voicecoach.text import shown

MAX_HISTORY_LIMIT = 1_000_000
"""The most sessions ``history --limit`` shows (a history holds far fewer)."""

_MAX_DIGITS = 12  # more digits than any option's range allows


def quoted(value: object, limit: int = 40) -> str:
    """A value from the command line, quoted for a message: printable, and short."""
    text = shown(str(value))
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


class _Base(click.ParamType):  # type: ignore[type-arg, unused-ignore]  # generic in new click
    def fail_value(
        self, what: str, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Any:
        self.fail(f"{quoted(value)} {what}", param, ctx)


class Count(_Base):
    """A whole number from ``low`` to ``high``."""

    name = "integer"

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value).strip().replace("_", "")
            if not (text.isascii() and text.lstrip("+-").isdecimal()):  # not "١٢"
                self.fail_value("is not a whole number", value, param, ctx)
            if len(text.lstrip("+-")) > _MAX_DIGITS:
                number = -(10**_MAX_DIGITS) if text.startswith("-") else 10**_MAX_DIGITS
            else:
                number = int(text)
        if not self.low <= number <= self.high:
            self.fail_value(
                f"is out of range: give a whole number from {self.low:,} to {self.high:,}",
                value,
                param,
                ctx,
            )
        return number


class Level(_Base):
    """A loudness: above 0 (or from 0 with ``zero=True``) up to 1.0."""

    name = "float"

    def __init__(self, *, zero: bool = False) -> None:
        self.zero = zero

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        level = _finite(self, value, param, ctx)
        if not (0.0 <= level <= 1.0) or (level == 0.0 and not self.zero):
            least = "0" if self.zero else "above 0"
            self.fail_value(f"is out of range: give {least} up to 1.0", value, param, ctx)
        return level


class Factor(_Base):
    """A factor above 0, such as 0.5 or 1.5."""

    name = "float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        factor = _finite(self, value, param, ctx)
        if factor <= 0:
            self.fail_value("is not a factor above 0, such as 0.5 or 1.5", value, param, ctx)
        return factor


def _finite(
    kind: _Base, value: Any, param: click.Parameter | None, ctx: click.Context | None
) -> float:
    try:
        if isinstance(value, str) and not value.isascii():
            raise ValueError("digits other than 0-9")  # float() reads "٠.٥"; no one means it
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        kind.fail_value("is not a number", value, param, ctx)
    if not math.isfinite(number):
        kind.fail_value("is not a finite number", value, param, ctx)
    return number


class Seconds(_Base):
    """A number of seconds, or a duration as in routine files (``45s``, ``1m``, ``1m30s``,
    ``1:30``), within ``[low, high]`` (above ``low`` when ``low_open``)."""

    name = "seconds"

    def __init__(self, low: float, high: float, *, low_open: bool = False) -> None:
        self.low, self.high, self.low_open = low, high, low_open

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from voicecoach.routine.model import parse_duration

        try:
            seconds = parse_duration(value)
        except ValueError:
            self.fail_value(
                "is not a number of seconds or a duration like 45s or 1m30s", value, param, ctx
            )
        least = "more than" if self.low_open else "at least"
        if seconds < self.low or (self.low_open and seconds == self.low) or seconds > self.high:
            self.fail_value(
                f"is out of range: give {least} {self.low:g} and at most {self.high:g} seconds",
                value,
                param,
                ctx,
            )
        return seconds


class Name(_Base):
    """Text that names something (a voice, a language): not blank."""

    name = "text"

    def __init__(self, what: str) -> None:
        self.what = what

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = str(value)
        if not text.strip():
            self.fail_value(f"is empty: give {self.what}", value, param, ctx)
        return text


__all__ = ["MAX_HISTORY_LIMIT", "Count", "Factor", "Level", "Name", "Seconds", "quoted"]
