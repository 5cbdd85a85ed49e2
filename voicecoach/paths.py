"""Every folder voicecoach keeps the person's files in, worked out in this one place.

=================  ==============================  =====================================
folder             moved by                        default (Linux)
=================  ==============================  =====================================
config             ``VOICECOACH_CONFIG_DIR``       ``~/.config/voicecoach``: settings.toml
user routines      (the config folder)             ``~/.config/voicecoach/routines``
data               ``VOICECOACH_DATA_DIR``         ``~/.local/share/voicecoach``: history
cache              ``VOICECOACH_CACHE_DIR`` (its   ``~/.cache/voicecoach``
                   ``speech`` folder)
speech cache       ``VOICECOACH_CACHE_DIR``        ``~/.cache/voicecoach/speech``
openings           (the speech cache)              ``.../speech/openings``
=================  ==============================  =====================================

The defaults are platformdirs' user folders. The routines and chimes voicecoach ships are
package data, not the person's: ``voicecoach.resources``.

Standard library only, and strings rather than ``pathlib`` paths: the quick start
(``voicecoach.play.warmstart``) finds the openings before anything slow to import has loaded.
platformdirs is imported only where the folder is not the XDG rule followed here.
"""

from __future__ import annotations

import os
import sys

APP_NAME = "voicecoach"
CONFIG_DIR_ENV = "VOICECOACH_CONFIG_DIR"
DATA_DIR_ENV = "VOICECOACH_DATA_DIR"
CACHE_DIR_ENV = "VOICECOACH_CACHE_DIR"
OPENINGS = "openings"
"""The openings' folder inside the speech cache."""


def _override(name: str) -> str | None:
    value = os.environ.get(name)
    return os.path.expanduser(value) if value else None


def config_dir() -> str:
    """The folder holding settings.toml and the user's own routines."""
    override = _override(CONFIG_DIR_ENV)
    if override:
        return override
    import platformdirs

    return platformdirs.user_config_dir(APP_NAME, appauthor=False)


def user_routines_dir() -> str:
    """The user's own routines: ``routines`` in the config folder."""
    return os.path.join(config_dir(), "routines")


def user_data_dir() -> str:
    """The folder holding the session history."""
    override = _override(DATA_DIR_ENV)
    if override:
        return override
    import platformdirs

    return platformdirs.user_data_dir(APP_NAME, appauthor=False)


def user_cache_dir() -> str:
    """voicecoach's user cache folder, as platformdirs gives it. On Linux and the BSDs that
    is the XDG rule, followed here directly: importing platformdirs (and pathlib with it)
    would cost the quick start 30 ms. A test checks the two agree."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.expanduser("~/.cache")
        return os.path.join(base, APP_NAME)
    import platformdirs

    return platformdirs.user_cache_dir(APP_NAME, appauthor=False)


def speech_cache_dir() -> str:
    """The speech cache: ``$VOICECOACH_CACHE_DIR``, else the cache folder's ``speech``."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return override
    return os.path.join(user_cache_dir(), "speech")


def openings_dir() -> str:
    """Where openings are kept: beside the speech clips they are made of, so clearing the
    speech cache clears them too."""
    return os.path.join(speech_cache_dir(), OPENINGS)


__all__ = [
    "APP_NAME",
    "CACHE_DIR_ENV",
    "CONFIG_DIR_ENV",
    "DATA_DIR_ENV",
    "OPENINGS",
    "config_dir",
    "openings_dir",
    "speech_cache_dir",
    "user_cache_dir",
    "user_data_dir",
    "user_routines_dir",
]
