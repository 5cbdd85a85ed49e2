"""Pack items made from real routines (the shipped ones and hostile ones written as YAML),
compiled by the real compiler with the speech estimator: no voice and no audio needed for
the handout and the feed, which read only the routine and its cue script."""

from __future__ import annotations

from pathlib import Path

from voicecoach.compile.compiler import compile_routine
from voicecoach.pack.content import PackItem
from voicecoach.resources import shipped_dir
from voicecoach.routine.load import load_routine, load_routine_text

SHIPPED = sorted(path.stem for path in shipped_dir("routines").glob("*.yaml"))

HOSTILE_YAML = """\
version: 1
name: 'Tom & Jerry''s <b>"best"</b> </title><script>alert(1)</script>'
description: 'Fish & chips < salad > "nothing" ]]> --> <!-- &amp;'
intro: 'Say "<hello>" & go'
exercises:
  - name: '<i>Hold</i> & "squeeze" ''now'''
    cue:
      - 'Press <hard> & hold'
      - '</li></ol><img src=x onerror=alert(1)>'
    why: 'Because 1 < 2 && 3 > 2'
    hold: 20s
    sides: true
  - name: 'Reps ]]> & more'
    reps: 5
"""


def item(
    routine_id: str, folder: str = "", audio_bytes: int = 123_456, target: int = 4
) -> PackItem:
    """The pack item of a shipped routine."""
    routine = load_routine(shipped_dir("routines") / f"{routine_id}.yaml")
    return PackItem(routine, compile_routine(routine), audio_bytes, target, folder=folder)


def hostile_item(folder: str = "", audio_bytes: int = 4_321) -> PackItem:
    """A routine whose every text is full of markup and XML's special characters."""
    routine = load_routine_text(HOSTILE_YAML, "hostile.yaml", "hostile")
    return PackItem(routine, compile_routine(routine), audio_bytes, 3, folder=folder)


def audio_file(folder: Path, pack_item: PackItem) -> Path:
    """A file of ``pack_item.audio_bytes`` bytes where the pack puts its MP3."""
    path = folder / pack_item.href(pack_item.audio)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xfb" + bytes(pack_item.audio_bytes - 2))
    return path
