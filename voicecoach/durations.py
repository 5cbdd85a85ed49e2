"""Lengths of time put into words: the one place seconds are formatted for people.

Three forms: a clock (``1:05``, ``1:02:05``) for listings, the status line and the
history; a duration as a routine gives it (``1 min 30 s``) for ``show``; and a span
(``4 h 3 min``) for the messages about limits. (Chapter marks in exported files have
their own fixed form, ``HH:MM:SS.mmm``: ``voicecoach.audio.export.timestamp``.)

Standard library only, so any stage may use it.
"""

from __future__ import annotations

import math


def format_clock(seconds: float, decimals: int = 0) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour), with ``decimals`` digits of the second."""
    scale = 10**decimals
    whole, fraction = divmod(round(max(0.0, seconds) * scale), scale)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return f"{text}.{fraction:0{decimals}d}" if decimals else text


def format_duration(seconds: float) -> str:
    """A duration as people say it: ``30 s``, ``2.5 s``, ``1 min``, ``1 min 30 s``."""
    minutes, secs = divmod(round(seconds, 2), 60)
    if minutes and not secs:
        return f"{minutes:g} min"
    if minutes:
        return f"{minutes:g} min {secs:g} s"
    return f"{secs:g} s"


def format_span(seconds: float) -> str:
    """A possibly huge length for a message: ``2.5 s``, ``45 s``, ``1 h 0 min 30 s``,
    ``4 h 3 min``, ``about 120 hours``, ``over a million hours`` (also for infinity)."""
    if not math.isfinite(seconds) or seconds >= 3600 * 10**6:
        return "over a million hours"
    if seconds >= 100 * 3600:
        return f"about {seconds / 3600:,.0f} hours"
    if seconds < 10 and seconds != round(seconds):
        return f"{seconds:g} s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h"] if hours else []
    if minutes or (hours and secs):
        parts.append(f"{minutes} min")
    if secs or not parts:
        parts.append(f"{secs} s")
    return " ".join(parts)


def format_span_up(seconds: float) -> str:
    """``format_span`` of ``seconds`` rounded up to the minute (so a length over a limit
    of 4 hours never reads as "4 h 0 min")."""
    if math.isfinite(seconds) and seconds < 100 * 3600:
        seconds = 60.0 * math.ceil(seconds / 60)
    return format_span(seconds)


__all__ = ["format_clock", "format_duration", "format_span", "format_span_up"]
