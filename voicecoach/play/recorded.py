"""A prepared session played aloud and recorded in the history: what ``voicecoach play``
does once its options are parsed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voicecoach.audio.session import PreparedSession
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
) -> PlayResult:
    """Play ``session`` (of the routine named ``routine``) and record it in the history,
    as stopped where it got to if it is stopped (see ``history.record_play``).
    ``launch`` and ``made_from`` are the quick start's (see ``play.live.play``);
    ``warn`` is told what kept the history from recording the session; ``verbose`` says
    what of the desktop (media keys, staying awake) could not be had."""
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
    )
