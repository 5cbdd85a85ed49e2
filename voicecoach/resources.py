"""Where the shipped routines and chimes live, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """The folder of shipped data ``name`` (``routines`` or ``sounds``).

    A wheel carries them inside the package (``voicecoach/_data``); a checkout or an
    editable install has them at the top of the project.
    """
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    return _PACKAGE / "_data" / name
