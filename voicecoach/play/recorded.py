"""A prepared session played aloud and recorded in the history: what ``voicecoach play``
does once its options are parsed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voicecoach.audio.session import PreparedSession
    from voicecoach.compile.overrides import SessionOptions
    from voicecoach.history_schema import OptionValue
    from voicecoach.play.player import PlayResult
    from voicecoach.play.warmstart import Launch


def play_recorded(
    session: PreparedSession,
    routine: str,
    *,
    launch: Launch | None,
    made_from: Sequence[Path],
    warn: Callable[[str], None],
    verbose: bool = False,
    options: SessionOptions | None = None,
    recorded: Callable[[int], None] | None = None,
) -> PlayResult:
    """Play ``session`` (of the routine named ``routine``) and record it in the history,
    as stopped where it got to if it is stopped (see ``history.record_play``).
    ``launch`` and ``made_from`` are the quick start's (see ``play.live.play``);
    ``warn`` is told what kept the history from recording the session; ``verbose`` says
    what of the desktop (media keys, staying awake) could not be had. The history keeps
    the ``options`` the session is played with; ``recorded`` is told the session's id in
    the history once a session that ended normally is recorded there."""
    from voicecoach.history import History, record_play
    from voicecoach.play.live import play

    return record_play(
        History(),
        session.script,
        lambda: play(
            session.script,
            session.speech,
            session.chime,
            voice_gain=session.voice_gain,
            chime_gain=session.chime_gain,
            routine=routine,
            launch=launch,
            made_from=made_from,
            verbose=verbose,
        ),
        warn=warn,
        options=None if options is None else played_options(options, session.voice),
        recorded=recorded,
    )


def played_options(options: SessionOptions, voice: str | None) -> dict[str, OptionValue]:
    """What the history keeps of a session's options: each override given, whether the
    why was said, the voice that spoke (``voice``) with its rate and volume, or none, and
    the chimes' loudness."""
    kept: dict[str, OptionValue] = {
        name: getattr(options.overrides, name) for name in options.overrides.given()
    }
    if options.voiced:
        kept["voice"] = voice or "default"
        if options.voice.rate is not None:
            kept["rate"] = options.voice.rate
        kept["volume"] = options.voice.volume
        kept["explain"] = options.compile_options.explain
    else:
        kept["no_voice"] = True
    kept["chime_volume"] = options.chime_gain
    return kept
