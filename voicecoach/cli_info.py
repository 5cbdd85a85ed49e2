"""The commands that show what voicecoach knows about you: ``config`` (the settings in
effect), ``history`` (the sessions played) and ``voices`` (the voices installed), each also
as a versioned JSON document (``listings``)."""

from __future__ import annotations

import click

from voicecoach import listings
from voicecoach.cliparams import MAX_HISTORY_LIMIT, Count, command_settings, json_option
from voicecoach.errors import SettingsError
from voicecoach.text import shown


@click.command("config")
@click.option("--init", "init", is_flag=True, help="Write a commented settings file.")
@json_option("voicecoach.config/1")
def config_command(init: bool, as_json: bool) -> None:
    """Show the settings file and every setting in effect, with where it comes from.

    \b
    Example:
        voicecoach config --init     # then edit the file it names
        voicecoach config --json
    """
    from voicecoach import settings

    if init and as_json:
        raise click.UsageError("--init and --json cannot be used together")
    if as_json:
        click.echo(listings.to_json(listings.config_document(settings.read_settings())), nl=False)
        return
    if init:
        path = settings.init_settings()
        click.echo(f"Wrote {path}")
        click.echo("Edit it, then run `voicecoach config` to check it.")
        return
    for line in settings.describe(settings.read_settings()):
        click.echo(shown(line))


@click.command("history")
@click.option(
    "--limit",
    type=Count(1, MAX_HISTORY_LIMIT),
    default=None,
    help="How many recent sessions to show [default: 10; with --json or --csv, all].",
)
@click.option(
    "--target",
    type=Count(1, 50),
    default=None,
    help="Completed sessions a week to aim for (default: the weekly_target setting, 4).",
)
@json_option("voicecoach.history/1")
@click.option("--csv", "as_csv", is_flag=True, help="Print the sessions as CSV, for spreadsheets.")
def history_command(limit: int | None, target: int | None, as_json: bool, as_csv: bool) -> None:
    """Show recent sessions, this week's count against your target, and your streak.

    \b
    Examples:
        voicecoach history --limit 20 --target 5
        voicecoach history --csv > sessions.csv
    """
    from voicecoach import history

    if as_json and as_csv:
        raise click.UsageError("--json and --csv cannot be used together")
    if target is None:
        target = command_settings().weekly_target
    past = history.History()
    if as_csv:
        click.echo(listings.history_csv(past, limit), nl=False)
        return
    if as_json:
        click.echo(listings.to_json(listings.history_document(past, limit, target)), nl=False)
        return
    for line in history.report(past, limit=10 if limit is None else limit, target=target):
        click.echo(shown(line))


@click.command("voices")
@click.option(
    "--language",
    metavar="CODE",
    help="Only voices speaking this language, e.g. en, en-us, de.",
)
@json_option("voicecoach.voices/1")
def voices_command(language: str | None, as_json: bool) -> None:
    """List the installed voices of both engines: engine, id, name and language.

    Any of id, name or language picks a voice, as the `voice` setting (see `voicecoach
    config`) or a command's --voice option: piper:NAME for a Piper (neural) voice,
    espeak:ID or a plain id for espeak-ng. A path to a Piper .onnx file (or a folder of
    them) works too.

    \b
    Examples:
        voicecoach voices
        voicecoach voices --language en
    """
    from voicecoach.audio.engines import all_voices
    from voicecoach.audio.voice_engine import voice_table

    voices = all_voices(language)
    if not voices:
        raise SettingsError(
            f"no installed voice speaks {language!r}: `voicecoach voices` lists them all"
        )
    if as_json:
        click.echo(listings.to_json(listings.voices_document(voices, language)), nl=False)
        return
    for line in voice_table(voices):
        click.echo(shown(line))
