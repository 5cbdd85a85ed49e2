"""Hypothesis strategies for hostile input shared by several test modules.

``huge_numbers`` writes numbers as a person, a script or an attacker might put them in a
routine file, a settings file or on the command line: thousands of digits, exponents far
past a float, ``nan`` and ``inf`` spelled every way, YAML 1.1's octal, hexadecimal and
base-60 forms, and the values at and just past each of voicecoach's limits.
"""

from __future__ import annotations

from hypothesis import strategies as st

from voicecoach.limits import MAX_COUNT, MAX_RATE, MIN_RATE
from voicecoach.routine.model import MAX_DURATION
from voicecoach.settings import MAX_LEAD_IN, MAX_WEEKLY_TARGET

_SIGN = st.sampled_from(["", "-", "+"])
_LENGTH = st.one_of(st.integers(1, 40), st.integers(300, 400), st.integers(4200, 6000))

# The edges of every limit: the value itself, just inside, just past.
_EDGES = [
    MAX_COUNT,
    MAX_DURATION,
    MAX_LEAD_IN,
    MIN_RATE,
    MAX_RATE,
    MAX_WEEKLY_TARGET,
    2**31,
    2**63,
    2**64,
    10**300,
    10**308,
]


def _edge_texts() -> list[str]:
    texts = ["0", "-0", "1", "0.0001", "1e-400"]
    for edge in _EDGES:
        for near in (edge - 1, edge, edge + 1):
            texts += [str(near), f"{near}.0", f"{near}.5"]
    texts += ["60m", "61m", "60m1s", "3600s", "3600.001", "59:59", "60:00", "60:01"]
    return texts


def _digits(draw: st.DrawFn) -> str:
    length = draw(_LENGTH)
    first = draw(st.sampled_from("123456789"))
    rest = draw(st.sampled_from(["0", "9", "1"])) * (length - 1)
    return first + rest


@st.composite
def _long_integer(draw: st.DrawFn) -> str:
    return draw(_SIGN) + _digits(draw)


@st.composite
def _long_decimal(draw: st.DrawFn) -> str:
    return f"{draw(_SIGN)}{_digits(draw)}.{_digits(draw)}"


@st.composite
def _exponent(draw: st.DrawFn) -> str:
    mantissa = draw(st.sampled_from(["1", "1.0", "9.99", "0.5", ".5"]))
    power = draw(st.one_of(st.integers(-400, 400), st.integers(-(10**6), 10**6)))
    marker = draw(st.sampled_from(["e", "E"]))
    return f"{draw(_SIGN)}{mantissa}{marker}{power:+d}"


_NOT_FINITE = st.sampled_from(
    [".nan", ".NaN", ".inf", "-.inf", "+.inf", ".Inf", "nan", "NaN", "inf", "-inf", "Infinity"]
)
_OTHER_BASES = ["017", "08", "0017", "00", "0o17", "0x1F", "0X10", "0b101", "1_000"]
_BASE_60 = ["1:30", "0:30", "1:30:00", "90:00", "1:30.5", "-1:30", "1:5", "1:75", "+0:01"]
_OTHER_FORMS = st.sampled_from([*_OTHER_BASES, *_BASE_60, "1_000_000_000_000"])


def huge_numbers() -> st.SearchStrategy[str]:
    """A number as text: huge, tiny, not finite, in another base, or at a limit."""
    return st.one_of(
        _long_integer(),
        _long_decimal(),
        _exponent(),
        _NOT_FINITE,
        _OTHER_FORMS,
        st.sampled_from(_edge_texts()),
        st.integers().map(str),
        st.floats(allow_nan=False).map(repr),
    )


__all__ = ["huge_numbers"]
