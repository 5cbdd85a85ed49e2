"""`voicecoach log`: a check-in recorded afterwards, for the last session or for a session
done without voicecoach."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from voicecoach.cliparams import Count, current_library, quoted, routine_argument
from voicecoach.errors import HistoryError
from voicecoach.text import shown

if TYPE_CHECKING:
    from voicecoach.history import History

MAX_NOTE = 1000
"""The longest note, in characters: a few sentences for the physiotherapist."""


class NoteText(click.ParamType):  # type: ignore[type-arg, unused-ignore]  # generic in new click
    """A note: some text, at most MAX_NOTE characters."""

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = " ".join(str(value).split())
        if not text:
            self.fail(f"{quoted(value)} is empty: write a few words, in quotes", param, ctx)
        if len(text) > MAX_NOTE:
            self.fail(f"is {len(text):,} characters long; keep it to {MAX_NOTE:,}", param, ctx)
        return text


@click.command("log")
@routine_argument(required=False)
@click.option(
    "--pain", type=Count(0, 10), metavar="N", help="How your back feels: 0 (no pain) to 10."
)
@click.option("--effort", type=Count(0, 10), metavar="N", help="How hard it was: 0 (easy) to 10.")
@click.option("--note", type=NoteText(), metavar="TEXT", help="A few words on how it went.")
@click.option(
    "--new",
    is_flag=True,
    help="Record a session of ROUTINE (default: the default routine) done without "
    "voicecoach, completed now.",
)
def log_command(
    routine: str | None, pain: int | None, effort: int | None, note: str | None, new: bool
) -> None:
    """Record a check-in for your last session, or a session done without voicecoach.

    Without --new, the values go to the last session in `voicecoach history` (replacing
    any given before); with --new, a completed session of ROUTINE is recorded now, which
    counts for this week like one played. `voicecoach play` asks the same on a terminal.

    \b
    Examples:
        voicecoach log --pain 3 --effort 6
        voicecoach log --note "stiff after a long drive"
        voicecoach log --new lower-back-essentials --pain 2
    """
    from voicecoach.history import History

    if routine is not None and not new:
        raise click.UsageError(
            f"ROUTINE {quoted(routine)} goes with --new, which records a session of it; "
            "without --new, log adds to your last session"
        )
    if not new and pain is None and effort is None and note is None:
        raise click.UsageError("give --pain, --effort or --note (or --new to record a session)")
    history = History()
    if new:
        session_id = _record_new(history, routine, (pain, effort, note))
    else:
        last = history.recent(1)
        if not last:
            raise HistoryError(
                "no session in the history yet; `voicecoach log --new ROUTINE` records one "
                "done without voicecoach"
            )
        session_id = last[0].id
        history.check_in(session_id, pain, effort, note)
    _tell(history, session_id, "Recorded" if new else "Check-in recorded for")


def _record_new(
    history: History, routine: str | None, check_in: tuple[int | None, int | None, str | None]
) -> int:
    from voicecoach.cliparams import command_settings
    from voicecoach.compile.compiler import compile_routine
    from voicecoach.compile.estimate import estimate_speech_samples
    from voicecoach.history_schema import LOGGED
    from voicecoach.library import DEFAULT_ROUTINE

    named = routine or command_settings().default_routine or DEFAULT_ROUTINE
    loaded = current_library().load(named)
    script = compile_routine(loaded, estimate_speech_samples)
    return history.add_done(
        script.routine_id, script.routine_name, script.duration, check_in, {LOGGED: True}
    )


def _tell(history: History, session_id: int, what: str) -> None:
    from voicecoach.history import scores

    session = next((s for s in history.recent(50) if s.id == session_id), None)
    if session is None:  # removed meanwhile by hand: nothing to show
        return
    started = session.started_at.astimezone().strftime("%a %Y-%m-%d %H:%M")
    given = scores(session.pain, session.effort, ": ")
    click.echo(shown(f"{what} {session.routine_name}, {started}{given}."))
    if session.note:
        click.echo(shown(f"  note: {session.note}"))
