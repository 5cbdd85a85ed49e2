"""``voicecoach pack``: the command that writes a session pack (``voicecoach.pack``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

from voicecoach.cliparams import OPTIONS, command_settings, current_library, session_options
from voicecoach.text import shown

if TYPE_CHECKING:
    from voicecoach.audio.session import PreparedSession
    from voicecoach.compile.overrides import SessionOptions
    from voicecoach.routine.model import Routine


class Url(click.ParamType):  # type: ignore[type-arg, unused-ignore]  # generic in new click
    """An absolute http or https address."""

    name = "url"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = str(value).strip()
        try:
            parts = urlsplit(text)
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            from voicecoach.cliparams import quoted

            self.fail(f"{quoted(value)} is not a web address: give one such as https://...")
        return text


def _note(message: str) -> None:
    click.echo(shown(f"Note: {message}"), err=True)


class _Bar:
    """A progress bar on a terminal, over the audio of every routine, begun once all are
    prepared (when their length is known)."""

    def __init__(self) -> None:
        self.total = 0
        self.bar: Any = None

    def prepared(self, session: PreparedSession) -> None:
        self.total += session.script.length

    def update(self, samples: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=self.total, label="Packing", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(samples)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@click.command("pack")
@click.argument("routines", nargs=-1, required=True, metavar="ROUTINE...")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(),
    metavar="DIR",
    help="The folder to write: a new one, an empty one, or a pack written before.",
)
@click.option("--url", type=Url(), help="Where the pack will be put on the web.")
@click.option("--feed-url", type=Url(), help="The address of the podcast feed, feed.xml.")
@click.option(
    "--single-file", is_flag=True, help="The page carries the audio, so one file can be sent."
)
@session_options
def pack(
    routines: tuple[str, ...],
    output: str,
    url: str | None,
    feed_url: str | None,
    single_file: bool,
    options: SessionOptions,
) -> None:
    """Write a folder to take the session of each ROUTINE away: a page that plays it.

    DIR gets index.html, a page that plays the session offline on a phone or a computer
    (large controls, chapters, captions, a timeline), with session.mp3 (chapters),
    session.vtt (captions) and session.cues.json beside it. Several routines get a
    folder each, named by id, and a page at the top that lists them. --single-file puts
    the audio inside each page, so one file can be sent. The folder appears only when it
    is complete: an error or Ctrl-C leaves what was there. The timing and sound options
    change the session as they do for `export`.

    \b
    Examples:
        voicecoach pack lower-back-essentials -o back-pack
        voicecoach pack quick-start lower-back-stretches -o clinic --url https://example.org/p
    """
    from voicecoach.audio.session import load_routine, prepare
    from voicecoach.describe import wait_notes
    from voicecoach.pack.build import check_destination, write_pack
    from voicecoach.pack.content import PackOptions

    target = check_destination(Path(output))
    library = current_library()
    loaded = [load_routine(library, name, options, _note, OPTIONS) for name in routines]
    bar = _Bar()

    def ready(routine: Routine) -> PreparedSession:
        session = prepare(routine, options)
        for wait in wait_notes(session.script):
            _note(wait)
        bar.prepared(session)
        return session

    try:
        write_pack(
            loaded,
            ready,
            target,
            PackOptions(url=url, feed_url=feed_url, single_file=single_file),
            weekly_target=command_settings().weekly_target,
            progress=bar.update if sys.stderr.isatty() else None,
        )
    finally:
        bar.close()
    click.echo(shown(f"Wrote {target}"))
