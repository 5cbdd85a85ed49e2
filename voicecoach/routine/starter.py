"""`voicecoach new NAME`: a commented starter routine to make one's own.

The starter shows every main key with a comment saying what it does, and one exercise of
each common shape: a hold, counted reps with phases, and a stretch done on each side. It
is a valid routine as written, so `voicecoach play NAME` works before any edit.

Beside it goes ``routine.schema.json`` (what `voicecoach schema` prints), which the first
line of the starter names for editors that speak the YAML language server: they then
complete keys and flag mistakes while the file is edited. It is rewritten each time, so
it follows the installed version of voicecoach.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from voicecoach.errors import VoicecoachError, literal
from voicecoach.routine.model import ID_PATTERN
from voicecoach.routine.schema import schema_json
from voicecoach.settings import write_file_atomic

SCHEMA_FILE = "routine.schema.json"
_TITLE = "@TITLE@"
_ID = "@ID@"

TEMPLATE = f"""\
# yaml-language-server: $schema={SCHEMA_FILE}
#
# A voicecoach routine, yours to change. Lines that start with # are comments.
# Check it with `voicecoach validate {_ID}`, read it with `voicecoach show {_ID}`,
# hear it with `voicecoach play {_ID}`.
#
# Durations are seconds (30, 2.5) or text such as 30s, 1m or 1m30s.

# Version of the routine format; leave it at 1.
version: 1
# The title, spoken as the session starts.
name: {_TITLE}
# Shown by `voicecoach list` and `voicecoach show`; never spoken.
description: A starter routine to make my own.
# Language of the text (en, de or es): picks the voice and the built-in words (counts, "rest").
language: en
# Spoken after the title, before the first exercise.
intro: Lie on your back on a mat and breathe slowly. Stop if anything hurts.
# Spoken after the last exercise.
outro: That is all for today. Roll onto your side before you sit up.
# How many times to go through the whole list of exercises.
rounds: 1

# Timings that every exercise gets unless it sets its own.
defaults:
  # Time to get into position after the cue, before the work starts.
  lead_in: 5s
  # Rest after each exercise, before the next one is announced.
  rest: 10s
  # Time to change sides, in exercises done on each side.
  switch: 5s
  # Pause between sets, in exercises done more than once.
  set_rest: 10s

# The exercises, in order. Each has a name and one kind of work: `hold` (a timed
# position), `reps` (repetitions, counted aloud), `duration` (a timed activity that
# is not counted, such as marching on the spot: `duration: 1m`) or `wait`.
exercises:
  # A wait: the session stops until you press play (a headset button, a media key or
  # space), or goes on by itself after the longest wait given (`wait: true` waits for
  # play). Alongside `reps`, the reps are done at your own pace instead of counted.
  - name: Get your mat
    cue: Roll out your mat and lie down on your back.
    wait: 2m
    # A reminder every so often while waiting; 0 waits in silence.
    remind: 30s
    rest: 0

  # A hold: a chime marks its start and another its end.
  - name: Knees to chest
    # How to do it, spoken after the name: one sentence, or a list of them.
    cue: Hug both knees in toward your chest and let your shoulders relax.
    # Why it helps: shown by `voicecoach show`, spoken only with explanations on.
    why: It gently lengthens the muscles along the lower back.
    hold: 30s

  # Reps: `tempo` gives the seconds of each phase of one rep, and `phases` the word
  # spoken at each (one per `tempo` entry). Add `hold: 2s` to pause at the top of each.
  - name: Glute bridge
    cue:
      - Feet flat and hip-width apart, arms by your sides.
      - Lift your hips on up, lower them slowly on down.
    why: Strong glutes share the work the lower back would otherwise do alone.
    reps: 8
    tempo: [2s, 3s]
    phases: [Up, Down]

  # Each side in turn: `sides: true` means left, then right, or name the two sides
  # yourself, for example `sides: [left leg, right leg]`.
  - name: Lying twist
    cue: Let both knees fall to one side and turn your head the other way.
    hold: 20s
    sides: true
    # Do the whole exercise, both sides, this many times.
    sets: 2
    # This exercise's own lead-in, in place of the one under `defaults`.
    lead_in: 8s
"""


class StarterError(VoicecoachError):
    """The name is not a routine id, or a routine of that name exists."""


FORCE = {"force": "force=True"}
"""What a StarterError calls replacing a routine that exists (the command line: --force)."""


@dataclass(frozen=True)
class Written:
    """What `new` wrote: the routine, and the schema file beside it."""

    path: Path
    schema_path: Path


def title_for(routine_id: str) -> str:
    """A spoken title from an id: ``evening-stretch`` → ``Evening stretch``."""
    words = routine_id.replace("-", " ").split()
    return " ".join(words).capitalize() if words else routine_id


def starter_text(routine_id: str) -> str:
    """The starter routine for ``routine_id``, as its file holds it."""
    title = title_for(routine_id)
    if yaml.safe_load(f"name: {title}") != {"name": title}:
        title = json.dumps(title)  # would read as a number or true/false: quote it
    return TEMPLATE.replace(_TITLE, title).replace(_ID, routine_id)


def check_id(name: str) -> str:
    """``name`` if it is a routine id; otherwise an error suggesting one."""
    if ID_PATTERN.fullmatch(name):
        return name
    stem = re.sub(r"\.ya?ml$", "", name, flags=re.IGNORECASE)
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    message = (
        f'"{name}" is not a routine id: use lower-case letters, digits and hyphens, '
        "starting with a letter or digit"
    )
    if slug and slug != name:
        message += f', such as "{slug}"'
    raise StarterError(message)


def write_starter(name: str, folder: Path, *, force: bool = False) -> Written:
    """Write the starter routine ``folder/NAME.yaml``; refuses to replace one unless forced."""
    routine_id = check_id(name)
    path = folder / f"{routine_id}.yaml"
    other = folder / f"{routine_id}.yml"
    if not force:
        for existing in (path, other):
            # lexists: a dangling link counts as taken, and a name too long is no OSError here
            if os.path.lexists(existing):
                raise StarterError(
                    template=literal(f"{existing} already exists; edit it, pick another name, ")
                    + "or add {force} to replace it with a fresh starter",
                    names=FORCE,
                )
    schema_path = folder / SCHEMA_FILE
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StarterError(
            f"cannot create the routine folder {folder}: {err.strerror or err}"
        ) from None
    try:
        write_file_atomic(path, starter_text(routine_id), replace=force)
        write_file_atomic(schema_path, schema_json(), replace=True)
    except FileExistsError:
        raise StarterError(
            template=literal(f"{path} already exists; ") + "add {force} to replace it",
            names=FORCE,
        ) from None
    except OSError as err:
        raise StarterError(
            f"cannot write {path}: {err.strerror or err}; check that the folder is writable"
        ) from None
    return Written(path, schema_path)
