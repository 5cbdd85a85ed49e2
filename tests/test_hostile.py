"""Hostile input and failing outputs: foreign digits in numbers, an export to a full disk.

Python's ``int`` and ``float`` read Arabic-Indic, Devanagari or full-width digits, and
regular expressions' ``\\d`` matches them, so such a value used to pass in some places
(``--reps ١٢``, ``hold: '١٢s'``) and fail in others (``reps: ١٢``). Only 0-9 count.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from helpers import bounded
from hypothesis import given, settings
from hypothesis import strategies as st

from voicecoach.cliparams import Count, Factor, Level, Seconds
from voicecoach.errors import RoutineError
from voicecoach.routine.load import load_routine
from voicecoach.routine.model import parse_duration

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


@contextlib.contextmanager
def full_disk() -> Iterator[Path]:
    """A 64 KiB tmpfs filled to the last block (root only; skipped where mount is refused)."""
    folder = Path(tempfile.mkdtemp())
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except OSError:
        folder.rmdir()
        pytest.skip("no mount command")
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip("mounting a tmpfs is not permitted here")
    try:
        with contextlib.suppress(OSError), (folder / "filler").open("wb", buffering=0) as filler:
            while True:
                filler.write(b"x" * 512)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], timeout=30, check=False)
        folder.rmdir()


@pytest.mark.parametrize("ending", ["wav", "flac", "ogg", "mp3"])
def test_an_export_to_a_full_disk_says_so_and_leaves_nothing(ending: str, tmp_path: Path) -> None:
    routine = tmp_path / "tiny.yaml"
    routine.write_text("version: 1\nname: Tiny\nexercises:\n  - name: A\n    hold: 20s\n")
    env = dict(os.environ)
    for name in ("CACHE", "CONFIG", "DATA"):
        env[f"VOICECOACH_{name}_DIR"] = str(tmp_path / name.lower())
    with full_disk() as disk:
        target = disk / f"s.{ending}"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "voicecoach",
                "export",
                str(routine),
                "--no-voice",
                "-o",
                str(target),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        left = sorted(p.name for p in disk.iterdir())
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"Error: {target}: "), lines[0]
    assert "full" in lines[0] or "No space left" in lines[0], lines[0]
    assert "System error" not in lines[0]
    assert left == ["filler"]


def test_thousands_of_unknown_keys_are_each_reported_and_only_the_first_get_a_guess(
    tmp_path: Path,
) -> None:
    path = tmp_path / "keys.yaml"
    lines = "".join(f"    hold{i}: 1\n" for i in range(9000))
    path.write_text(f"version: 1\nname: T\nexercises:\n  - name: A\n    hold: 1\n{lines}")
    with pytest.raises(RoutineError) as caught:
        bounded(lambda: load_routine(path), 30.0)
    problems = str(caught.value).splitlines()
    assert len(problems) == 9000
    assert problems[0] == f"{path}:6:5: unknown key `hold0`; did you mean `hold`?"
    assert problems[199].endswith("unknown key `hold199`; did you mean `hold`?")
    assert problems[200].startswith(f"{path}:206:5: unknown key `hold200`; the keys allowed")
    assert problems[-1].startswith(f"{path}:9005:5: unknown key `hold8999`; the keys allowed")
