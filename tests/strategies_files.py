"""Hypothesis strategies for paths that are not regular files, and for the places a
voicecoach command reads or writes one.

A ``Bad`` is a kind of thing to put where a file is expected (a FIFO, ``/dev/zero``,
``/dev/full``, a folder, a symlink loop, a dangling symlink, a name too long for any file
system, a path under a regular file). A ``Case`` is a command line with one of its files
replaced by such a thing: the routine it reads (by path or by id), the settings file, the
history, or an output (the audio, ``--cues``, ``--captions``, a starter routine, a new
settings file).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

KINDS = ("fifo", "dev-zero", "dev-full", "folder", "loop", "dangling", "overlong", "under-file")
FIXED_NAME_KINDS = ("fifo", "dev-zero", "dev-full", "folder", "loop", "under-file")
"""What can be put at a path whose name is fixed (the settings file, the history)."""


@dataclass(frozen=True)
class Bad:
    kind: str

    def make(self, at: Path) -> Path:
        """Put this kind of thing at ``at`` (or, for a name that cannot exist, beside it);
        returns the path to give the command."""
        at.parent.mkdir(parents=True, exist_ok=True)
        if self.kind == "fifo":
            os.mkfifo(at)
        elif self.kind == "dev-zero":
            at.symlink_to("/dev/zero")
        elif self.kind == "dev-full":
            at.symlink_to("/dev/full")
        elif self.kind == "folder":
            at.mkdir()
        elif self.kind == "loop":
            at.symlink_to(at.name)
        elif self.kind == "dangling":
            at.symlink_to(at.with_name("nothing-here"))
        elif self.kind == "overlong":
            return at.with_name("x" * 300 + at.suffix)
        elif self.kind == "under-file":
            if any(at.parent.iterdir()):  # a folder in use: a regular file beside
                plain = at.parent / "plain-file"
                plain.write_text("a regular file\n")
                return plain / at.name
            at.parent.rmdir()  # a fresh folder: a regular file in its place
            at.parent.write_text("a regular file where a folder should be\n")
        else:
            raise ValueError(self.kind)
        return at


@dataclass(frozen=True)
class Layout:
    """One test's folders: routines and outputs in ``work``, and voicecoach's own."""

    root: Path

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def config(self) -> Path:
        return self.root / "config"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def env(self, base: dict[str, str]) -> dict[str, str]:
        return dict(
            base,
            VOICECOACH_CONFIG_DIR=str(self.config),
            VOICECOACH_DATA_DIR=str(self.data),
            HOME=str(self.root / "home"),
        )


Argv = Callable[[Layout, Bad], list[str]]


@dataclass(frozen=True)
class Case:
    """A command line (made for a layout) with one of its files replaced by ``bad``."""

    role: str
    argv: Argv
    bad: Bad

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        return f"Case({self.role!r}, {self.bad.kind!r})"


def _routine_path(layout: Layout, bad: Bad) -> str:
    return str(bad.make(layout.work / "routine.yaml"))


def _user_routine(layout: Layout, bad: Bad) -> str:
    bad.make(layout.config / "routines" / "mine.yaml")
    return "mine"


def _settings(layout: Layout, bad: Bad) -> None:
    bad.make(layout.config / "settings.toml")


def _history(layout: Layout, bad: Bad) -> None:
    bad.make(layout.data / "history.sqlite3")


def _out(layout: Layout) -> str:
    return str(layout.work / "out.wav")


def _quiet_export(*extra: str) -> list[str]:
    return ["export", "quick-start", *extra, "--no-voice"]


READS: dict[str, Argv] = {
    "validate PATH": lambda lay, bad: ["validate", _routine_path(lay, bad)],
    "show PATH": lambda lay, bad: ["show", _routine_path(lay, bad)],
    "script PATH": lambda lay, bad: ["script", _routine_path(lay, bad), "--estimate"],
    "export PATH": lambda lay, bad: [
        "export",
        _routine_path(lay, bad),
        "-o",
        _out(lay),
        "--no-voice",
    ],
    "play PATH": lambda lay, bad: ["play", _routine_path(lay, bad), "--no-voice"],
    "show ID": lambda lay, bad: ["show", _user_routine(lay, bad)],
    "validate ID": lambda lay, bad: ["validate", _user_routine(lay, bad)],
}
SETTINGS_READS: dict[str, list[str]] = {
    "config": ["config"],
    "history": ["history"],
    "script": ["script", "quick-start", "--estimate"],
    "export": _quiet_export("-o", "OUT"),
    "play": ["play", "quick-start", "--no-voice"],
}
WRITES: dict[str, Argv] = {
    "export -o": lambda lay, bad: _quiet_export("-o", str(bad.make(lay.work / "out.wav"))),
    "export --cues": lambda lay, bad: _quiet_export(
        "-o", _out(lay), "--cues", str(bad.make(lay.work / "cues.json"))
    ),
    "export --captions": lambda lay, bad: _quiet_export(
        "-o", _out(lay), "--captions", str(bad.make(lay.work / "captions.vtt"))
    ),
}


def _with_settings(argv: list[str]) -> Argv:
    def build(lay: Layout, bad: Bad) -> list[str]:
        _settings(lay, bad)
        return [_out(lay) if arg == "OUT" else arg for arg in argv]

    return build


def _with_history(lay: Layout, bad: Bad) -> list[str]:
    _history(lay, bad)
    return ["history"]


def _new_routine(lay: Layout, bad: Bad) -> list[str]:
    bad.make(lay.config / "routines" / "evening.yaml")
    return ["new", "evening", "--force"]


def _init_settings(lay: Layout, bad: Bad) -> list[str]:
    _settings(lay, bad)
    return ["config", "--init"]


def bads(kinds: tuple[str, ...] = KINDS) -> st.SearchStrategy[Bad]:
    return st.sampled_from(kinds).map(Bad)


def cases() -> st.SearchStrategy[Case]:
    """Every command that reads or writes a file, with that file made bad."""
    path_kinds = tuple(k for k in KINDS if k not in ("overlong",))
    return st.one_of(
        st.builds(
            lambda name, bad: Case(f"reads {name}", READS[name], bad),
            st.sampled_from(sorted(READS)),
            bads(),
        ),
        st.builds(
            lambda name, bad: Case(
                f"settings for {name}", _with_settings(SETTINGS_READS[name]), bad
            ),
            st.sampled_from(sorted(SETTINGS_READS)),
            bads(FIXED_NAME_KINDS),
        ),
        st.builds(lambda bad: Case("history", _with_history, bad), bads(FIXED_NAME_KINDS)),
        st.builds(
            lambda name, bad: Case(f"writes {name}", WRITES[name], bad),
            st.sampled_from(sorted(WRITES)),
            bads(),
        ),
        st.builds(lambda bad: Case("new", _new_routine, bad), bads(path_kinds)),
        st.builds(lambda bad: Case("config --init", _init_settings, bad), bads(FIXED_NAME_KINDS)),
    )
