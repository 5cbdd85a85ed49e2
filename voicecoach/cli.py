"""The command line: parses options and calls the library; no real work lives here."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

import click
from click.shell_completion import CompletionItem

from voicecoach.audio.speech import VoiceSettings
from voicecoach.cliparams import MAX_HISTORY_LIMIT, Count, Factor, Level, Name, Seconds
from voicecoach.compile.compiler import SpeechTimer, compile_routine
from voicecoach.compile.estimate import estimate_speech_samples
from voicecoach.describe import describe_routine, format_entries, format_timeline
from voicecoach.errors import (
    ExitCode,
    OverrideError,
    RoutineError,
    RoutineNotFound,
    SettingsError,
    StdoutError,
    VoicecoachError,
)
from voicecoach.files import ensure_standard_streams, guard_stdout
from voicecoach.library import Library, looks_like_path
from voicecoach.limits import MAX_RATE, MIN_RATE, RATE_TEXT, VOLUME_TEXT
from voicecoach.signals import exit_on_termination, exit_status
from voicecoach.text import shown, shown_lines

if TYPE_CHECKING:
    from voicecoach.audio.render import Session
    from voicecoach.compile.cuescript import CueScript
    from voicecoach.compile.overrides import SessionOptions
    from voicecoach.play.warmstart import Launch
    from voicecoach.routine.model import Routine

FC = TypeVar("FC", bound=Callable[..., Any])

OPTIONS: dict[str, str] = {
    "hold": "--hold",
    "hold_scale": "--hold-scale",
    "reps": "--reps",
    "rest": "--rest",
    "rounds": "--rounds",
    "lead_in": "--lead-in",
    "chime_gain": "--chime-volume",
}
"""The option that sets each session value, for the library's messages (OverrideError)."""


class VoicecoachGroup(click.Group):
    """The command group; a reader that stops early (``voicecoach script x | head``) ends
    the run quietly with exit 0 instead of a broken-pipe error, and SIGTERM or SIGHUP
    with the signal's status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _silence_stdout()
            raise click.exceptions.Exit(ExitCode.OK) from None
        except KeyboardInterrupt as interrupt:
            status = exit_status(interrupt)
            if status is None:
                raise
            # SIGTERM or SIGHUP, unwound as Ctrl-C (a play recorded where it stopped):
            # leave quietly with its status, as the signal itself would.
            raise click.exceptions.Exit(status) from None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:  # --version and --help print while parsing
            return super().parse_args(ctx, args)
        except BrokenPipeError:
            _silence_stdout()
            raise click.exceptions.Exit(ExitCode.OK) from None


@click.group(cls=VoicecoachGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="voicecoach")
@click.option("--debug", is_flag=True, help="Show a traceback for unexpected errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Voice-guided exercise routines you can follow with your eyes closed.

    \b
    Example:
        voicecoach play lower-back-essentials
    """
    ctx.ensure_object(dict)["debug"] = debug


# --- shared helpers and option decorators ------------------------------------------------


def current_library(ctx: click.Context | None = None) -> Library:
    """The routine library: ``obj["library"]`` when the caller set one (tests), else the
    shipped folder plus the user's."""
    ctx = ctx or click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    library = obj.get("library") if isinstance(obj, dict) else None
    return library if isinstance(library, Library) else Library.default()


def speech_timer() -> SpeechTimer:
    """The estimated phrase lengths: for listings, and for scripts when asked or when no
    voice engine is installed (``script`` and ``export`` otherwise measure the real voice)."""
    return estimate_speech_samples


def _complete_routine(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    if looks_like_path(incomplete) or incomplete.startswith((".", "~")):
        return [CompletionItem(incomplete, type="file")]
    ids = [i for i in current_library(ctx).ids() if i.startswith(incomplete)]
    return [CompletionItem(i) for i in ids] or [CompletionItem(incomplete, type="file")]


def routine_argument(required: bool = True) -> Callable[[FC], FC]:
    """The ROUTINE argument: an id, completed in the shell, or a path to a routine file."""
    return click.argument("routine", required=required, shell_complete=_complete_routine)


def voice_settings(
    voice: str | None = None, rate: int | None = None, volume: float | None = None
) -> VoiceSettings:
    """The voice to speak with: each option given on the command line, else the settings
    file's value, else the engine's default."""
    from voicecoach import settings

    saved = settings.load_settings()
    return VoiceSettings(
        voice=voice if voice is not None else saved.voice,
        rate=rate if rate is not None else saved.rate,
        volume=volume if volume is not None else saved.volume,
    )


def voice_options(func: FC) -> FC:
    """--voice, --rate and --volume, handed to the command as one ``voice_settings``
    argument (a VoiceSettings, see ``voice_settings``)."""

    @click.option(
        "--voice",
        metavar="VOICE",
        type=Name("a voice id, name or language (see `voicecoach voices`)"),
        help="Voice to speak with: an id, name or language from `voicecoach voices`.",
    )
    @click.option(
        "--rate",
        type=Count(MIN_RATE, MAX_RATE),
        help=f"Speaking rate, {RATE_TEXT}.",
    )
    @click.option(
        "--volume",
        type=Level(),
        help=f"Loudness of the voice, {VOLUME_TEXT}.",
    )
    @functools.wraps(func)
    def wrapper(
        *args: Any, voice: str | None, rate: int | None, volume: float | None, **kwargs: Any
    ) -> Any:
        kwargs["voice_settings"] = voice_settings(voice, rate, volume)
        return func(*args, **kwargs)

    return cast(FC, wrapper)


def session_options(func: FC) -> FC:
    """The options of every session (``play``, ``export``, ``script``): timing overrides,
    --explain, --no-voice, --chime-volume and the voice options, handed to the command as
    one ``options`` argument (a ``voicecoach.compile.overrides.SessionOptions``). The settings
    file gives the defaults (lead_in, explain, chime_volume, voice, rate, volume); an
    option on the command line wins."""
    from voicecoach.limits import MAX_COUNT
    from voicecoach.routine.model import MAX_DURATION
    from voicecoach.settings import MAX_LEAD_IN

    @click.option(
        "--hold",
        type=Seconds(0.0, MAX_DURATION, low_open=True),
        metavar="SECONDS",
        help="Hold every held stretch or position this long (not the pause at the top of a "
        "rep, not timed activities); also 45s, 1m.",
    )
    @click.option(
        "--hold-scale",
        type=Factor(),
        metavar="FACTOR",
        help="Multiply those holds by FACTOR, e.g. 0.5 (half as long) or 1.5.",
    )
    @click.option(
        "--reps",
        type=Count(1, MAX_COUNT),
        metavar="N",
        help="Do N reps in every exercise counted in reps.",
    )
    @click.option(
        "--rest",
        type=Seconds(0.0, MAX_DURATION),
        metavar="SECONDS",
        help="Rest this long after each exercise and between sets (0: none).",
    )
    @click.option(
        "--rounds",
        type=Count(1, MAX_COUNT),
        metavar="N",
        help="Go through the whole routine N times.",
    )
    @click.option(
        "--lead-in",
        type=Seconds(0.0, MAX_LEAD_IN),
        metavar="SECONDS",
        help="Time to get into position before each exercise's work "
        "(default: the lead_in setting, else the routine's own).",
    )
    @click.option(
        "--explain/--no-explain",
        default=None,
        help="Also speak why each exercise helps (default: the explain setting).",
    )
    @click.option(
        "--no-voice",
        is_flag=True,
        help="Chimes and tones only: nothing is spoken and no voice engine is needed.",
    )
    @click.option(
        "--chime-volume",
        type=Level(),
        metavar="V",
        help="Loudness of the chimes, above 0 up to 1.0 (default: the chime_volume setting).",
    )
    @functools.wraps(func)
    def wrapper(
        *args: Any,
        hold: float | None,
        hold_scale: float | None,
        reps: int | None,
        rest: float | None,
        rounds: int | None,
        lead_in: float | None,
        explain: bool | None,
        no_voice: bool,
        chime_volume: float | None,
        voice_settings: VoiceSettings,
        **kwargs: Any,
    ) -> Any:
        from click.core import ParameterSource

        from voicecoach.compile.compiler import CompileOptions
        from voicecoach.compile.overrides import Overrides, SessionOptions
        from voicecoach.settings import load_settings

        ctx = click.get_current_context()
        if no_voice:
            given = [
                f"--{name.replace('_', '-')}"
                for name in ("voice", "rate", "volume", "explain")
                if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE
            ]
            if given:
                raise click.UsageError(
                    f"--no-voice speaks nothing, so {' and '.join(given)} cannot go with it"
                )
        saved = load_settings()
        try:
            overrides = Overrides(
                hold=hold,
                hold_scale=hold_scale,
                reps=reps,
                rest=rest,
                rounds=rounds,
                lead_in=lead_in if lead_in is not None else saved.lead_in,
            )
        except OverrideError as err:
            raise click.UsageError(err.named(OPTIONS)) from None
        kwargs["options"] = SessionOptions(
            overrides=overrides,
            compile_options=CompileOptions(
                explain=saved.explain if explain is None else explain, voice=not no_voice
            ),
            voice=voice_settings,
            chime_gain=saved.chime_volume if chime_volume is None else chime_volume,
        )
        return func(*args, **kwargs)

    return voice_options(cast(FC, wrapper))


def session_routine(routine: str, options: SessionOptions) -> Routine:
    """The routine named on the command line, adapted by the session's overrides, with a
    note on stderr for each override that changes nothing in it."""
    from voicecoach.compile.overrides import apply_overrides, unused_overrides

    loaded = current_library().load(routine)
    for note in unused_overrides(loaded, options.overrides, OPTIONS):
        click.echo(shown(f"Note: {note}"), err=True)
    return apply_overrides(loaded, options.overrides)


def prepare(routine: Routine, options: SessionOptions) -> Session:
    """The session ready to render: real phrase lengths from the voice engine, or no
    engine at all without a voice."""
    from voicecoach.audio.render import prepare_session
    from voicecoach.audio.speech import Speech

    speech = Speech(options.voice) if options.voiced else None
    return prepare_session(routine, speech, options.compile_options, chime_gain=options.chime_gain)


# --- routines: list, show, script, validate ----------------------------------------------


@cli.command("list")
def list_command() -> None:
    """List the routines you can play.

    Shows each routine's id, name, length and exercise count. Your own routines
    live in the folder named at the end of the list; one there overrides a shipped
    routine of the same id. A broken one is listed with its first error.

    \b
    Example:
        voicecoach list
    """
    library = current_library()
    click.echo(
        shown_lines(format_entries(library.entries(speech_timer()), library.user_dir)), nl=False
    )


@cli.command()
@routine_argument()
def show(routine: str) -> None:
    """Describe a routine in words.

    Each exercise of ROUTINE with its timing, cue and why, and the total length.
    ROUTINE is a routine id (see `voicecoach list`) or the path to a routine file.

    \b
    Example:
        voicecoach show lower-back-stretches
    """
    loaded = current_library().load(routine)
    script = compile_routine(loaded, speech_timer())
    click.echo(shown_lines(describe_routine(loaded, script)), nl=False)


@cli.command()
@routine_argument()
@click.option(
    "--json", "as_json", is_flag=True, help="Print the cue script as JSON (voicecoach.cues/1)."
)
@click.option(
    "--estimate",
    is_flag=True,
    help="Time phrases by an estimate instead of the voice engine (faster, not exact).",
)
@session_options
def script(routine: str, as_json: bool, estimate: bool, options: SessionOptions) -> None:
    """Print a routine's timed cue script.

    Every phrase and chime of ROUTINE with the time it starts, as minutes:seconds
    from the start of the session, grouped by exercise. With --json, the script in
    the documented voicecoach.cues/1 format. Phrases are timed by the voice engine,
    so the script matches `play` and `export` to the sample; with --estimate (or
    when no voice engine is installed) their lengths are estimated. The timing and
    sound options change the session as they do for `play`.

    \b
    Examples:
        voicecoach script quick-start
        voicecoach script lower-back-essentials --json > cues.json
        voicecoach script quick-start --hold-scale 1.5 --rounds 2
    """
    loaded = session_routine(routine, options)
    measure = options.voiced and not estimate
    compiled = measured_script(loaded, options) if measure else None
    if compiled is None:
        compiled = compile_routine(loaded, speech_timer(), options=options.compile_options)
    click.echo(compiled.to_json() if as_json else shown_lines(format_timeline(compiled)), nl=False)


def measured_script(routine: Routine, options: SessionOptions) -> CueScript | None:
    """The script timed by the voice engine; None, with a note, when there is no engine."""
    from voicecoach.errors import VoiceEngineError

    try:
        return prepare(routine, options).script
    except VoiceEngineError as err:
        click.echo(shown(f"Note: {err}"), err=True)
        click.echo("Note: phrase lengths are estimated instead.", err=True)
        return None


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...", type=click.Path())
def validate(paths: tuple[str, ...]) -> None:
    """Check routine files; exit 0 when all are valid.

    Prints "PATH: ok" for each valid file, and every problem in the others as
    "PATH:LINE:COLUMN: message" on stderr. A folder means each .yaml/.yml file in it;
    a routine id means that routine.

    \b
    Example:
        voicecoach validate my-stretches.yaml ~/.config/voicecoach/routines
    """
    library = current_library()
    failed = False
    for target in library.expand(paths):
        try:
            library.check(target)
        except (RoutineError, RoutineNotFound) as err:
            failed = True
            for line in err.lines():
                click.echo(shown(line), err=True)
        else:
            click.echo(shown(f"{target}: ok"))
    if failed:
        raise click.exceptions.Exit(ExitCode.ERROR)


@cli.command("config")
@click.option("--init", "init", is_flag=True, help="Write a commented settings file.")
def config_command(init: bool) -> None:
    """Show the settings file and every setting in effect, with where it comes from.

    \b
    Example:
        voicecoach config --init     # then edit the file it names
    """
    from voicecoach import settings

    if init:
        path = settings.init_settings()
        click.echo(f"Wrote {path}")
        click.echo("Edit it, then run `voicecoach config` to check it.")
        return
    for line in settings.describe(settings.read_settings()):
        click.echo(shown(line))


@cli.command("history")
@click.option(
    "--limit",
    type=Count(1, MAX_HISTORY_LIMIT),
    default=10,
    show_default=True,
    help="How many recent sessions to show.",
)
@click.option(
    "--target",
    type=Count(1, 50),
    default=None,
    help="Completed sessions a week to aim for (default: the weekly_target setting, 4).",
)
def history_command(limit: int, target: int | None) -> None:
    """Show recent sessions, this week's count against your target, and your streak.

    \b
    Example:
        voicecoach history --limit 20 --target 5
    """
    from voicecoach import history, settings

    if target is None:
        target = settings.load_settings().weekly_target
    for line in history.report(history.History(), limit=limit, target=target):
        click.echo(shown(line))


# --- voices ------------------------------------------------------------------------------


@cli.command("voices")
@click.option(
    "--language",
    metavar="CODE",
    help="Only voices speaking this language, e.g. en, en-us, de.",
)
def voices_command(language: str | None) -> None:
    """List the installed voices: id, name and language.

    Any of the three picks a voice, as the `voice` setting (see `voicecoach config`) or a
    command's --voice option.

    \b
    Examples:
        voicecoach voices
        voicecoach voices --language en
    """
    from voicecoach.audio.speech import list_voices

    voices = list_voices(language)
    if not voices:
        raise SettingsError(
            f"no installed voice speaks {language!r}: `voicecoach voices` lists them all"
        )
    id_width = max(len(v.id) for v in voices)
    name_width = max(len(v.name) for v in voices)
    for v in voices:
        line = f"{v.id:<{id_width}}  {v.name:<{name_width}}  {', '.join(v.languages)}"
        click.echo(shown(line.rstrip()))


# --- export ------------------------------------------------------------------------------


@cli.command()
@routine_argument()
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(),
    help="The audio file to write; its ending picks the format: .wav, .flac, .ogg, .mp3.",
)
@click.option("--cues", type=click.Path(), help="Also write the cue script as JSON.")
@click.option("--captions", type=click.Path(), help="Also write WebVTT captions of the speech.")
@session_options
def export(
    routine: str,
    output: str,
    cues: str | None,
    captions: str | None,
    options: SessionOptions,
) -> None:
    """Write the guided session of ROUTINE as an audio file, to play anywhere.

    MP3, OGG and FLAC files get a chapter per exercise; WAV files have none. The file
    appears only when it is complete: an error or Ctrl-C leaves what was there before.
    --cues writes the cue script (as `script --json`) and --captions the spoken text,
    both timed to the sample with the audio. The timing and sound options change the
    session as they do for `play`; each overrides the settings file.

    \b
    Examples:
        voicecoach export lower-back-essentials -o back.mp3
        voicecoach export quick-start -o quick.ogg --cues quick.json --captions quick.vtt
        voicecoach export quick-start -o quiet.mp3 --no-voice --rounds 3
    """
    from pathlib import Path

    from voicecoach.audio.export import ExportTargets, check_targets, write_session
    from voicecoach.settings import settings_path

    targets = ExportTargets(
        Path(output),
        Path(cues) if cues is not None else None,
        Path(captions) if captions is not None else None,
    )
    # Outputs must not overwrite what the export reads.
    inputs = [(settings_path(), "the settings file")]
    with contextlib.suppress(VoicecoachError):  # a routine not found is said below
        inputs.append((current_library().resolve(routine), "the routine file"))
    check_targets(targets, inputs)
    session = prepare(session_routine(routine, options), options)
    length = session.script.length
    if sys.stderr.isatty():
        with click.progressbar(length=length, label="Exporting", file=sys.stderr) as bar:
            write_session(session, targets, progress=bar.update)
    else:
        write_session(session, targets)


# --- play --------------------------------------------------------------------------------


@cli.command()
@routine_argument(required=False)
@session_options
def play(routine: str | None, options: SessionOptions) -> None:
    """Play a routine aloud, hands-free; with no ROUTINE, the default one.

    The session opens with a moment of silence, then runs by itself: what you hear is
    what `voicecoach export` writes, sample for sample. From the second run of the same
    command, its first seconds, kept from the last run, start at once. On a terminal,
    space pauses and resumes (with a chime and a moment to get back into position), n
    skips to the next exercise, b goes back to the start of this one and q quits; Ctrl-C
    stops at once.
    A status line shows the exercise, side, set and time left. The timing options
    adapt the routine for today (--hold, --hold-scale, --reps, --rest, --rounds,
    --lead-in); --no-voice plays chimes and tones only; --explain also says why each
    exercise helps. Each overrides the settings file. No sound device? Export the
    session instead.

    \b
    Examples:
        voicecoach play
        voicecoach play quick-start --rate 150
        voicecoach play lower-back-essentials --hold 20s --reps 6 --rest 5
    """
    from voicecoach.history import History, record_play
    from voicecoach.library import DEFAULT_ROUTINE
    from voicecoach.play.player import play as play_session
    from voicecoach.settings import load_settings, settings_path

    named = routine or load_settings().default_routine or DEFAULT_ROUTINE
    session = prepare(session_routine(named, options), options)
    # What the session was made from, for the quick start's stored opening: the settings,
    # and every file the routine's name could lead to.
    made_from = [settings_path(), *current_library().candidates(named)]
    record_play(
        History(),
        session.script,
        lambda: play_session(
            session.script,
            session.speech,
            session.chime,
            voice_gain=session.voice_gain,
            chime_gain=session.chime_gain,
            routine=named,
            launch=_launch(),
            made_from=made_from,
        ),
        warn=lambda message: click.echo(shown(f"Warning: {message}"), err=True),
    )


def _launch() -> Launch | None:
    """The quick start's launch, handed down by ``main`` (``obj["launch"]``), if any."""
    obj = click.get_current_context().find_root().obj
    launch: Launch | None = obj.get("launch") if isinstance(obj, dict) else None
    return launch


@cli.command("schema")
def schema_command() -> None:
    """Print a JSON Schema of the routine format, for completion and checks in editors.

    \b
    Example:
        voicecoach schema > ~/.config/voicecoach/routines/routine.schema.json
    """
    from voicecoach.routine.schema import schema_json

    click.echo(schema_json(), nl=False)


@cli.command("new")
@click.argument("name")
@click.option("--force", is_flag=True, help="Replace a routine of that name in your folder.")
def new_command(name: str, force: bool) -> None:
    """Write a commented starter routine NAME.yaml into your routine folder.

    It plays as written; edit it to make it yours. NAME is the routine's id: lower-case
    letters, digits and hyphens.

    \b
    Example:
        voicecoach new evening-stretch
    """
    from voicecoach.routine.starter import write_starter

    library = current_library()
    written = write_starter(name, library.user_dir, force=force)
    click.echo(f"Wrote {written.path}")
    if any((library.shipped_dir / f"{name}{suffix}").exists() for suffix in (".yaml", ".yml")):
        click.echo(f"A routine {name} also ships with voicecoach; yours now takes its place.")
    click.echo(f"Edit it, then hear it with `voicecoach play {name}`.")


def main(argv: list[str] | None = None, launch: Launch | None = None) -> None:
    """Entry point and the one error boundary: user errors exit 1, Ctrl-C exits 130.

    SIGTERM and SIGHUP (a closed terminal) unwind like Ctrl-C, so an export removes its
    temp files, the sound stops and a play is recorded as stopped, then exit with the
    signal's usual status. Output that cannot be written (stdout on a full disk) is an
    error of its own; a reader that stops early (a closed pipe) ends the run quietly.
    ``launch`` is the quick start's (``warmstart.begin``), handed to ``play`` as
    ``obj["launch"]``.
    """
    ensure_standard_streams()
    guard_stdout()
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    with exit_on_termination():
        _run(argv, debug, launch)


def _run(argv: list[str] | None, debug: bool, launch: Launch | None = None) -> None:
    try:
        code = cli.main(
            args=argv,
            prog_name="voicecoach",
            standalone_mode=False,
            obj={"launch": launch} if launch is not None else None,
        )
        sys.stdout.flush()  # here, not at exit, where a failure would be a traceback
    except VoicecoachError as err:
        if isinstance(err, OverrideError):  # the library names values, the CLI its options
            err = SettingsError(err.named(OPTIONS))
        for line in err.lines():
            click.echo(shown(line), err=True)
        sys.exit(ExitCode.ERROR)
    except (KeyboardInterrupt, click.exceptions.Abort) as interrupt:
        status = exit_status(interrupt)
        if status is not None:  # SIGTERM or SIGHUP: leave quietly, as those signals do
            sys.exit(status)
        click.echo("Interrupted.", err=True)
        sys.exit(ExitCode.CTRL_C)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        vars(exc)["message"] = shown(exc.message)  # a value quoted from the command line
        exc.show()
        sys.exit(ExitCode.USAGE if isinstance(exc, click.UsageError) else ExitCode.ERROR)
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(ExitCode.OK)
    except StdoutError as err:
        _silence_stdout()
        click.echo(
            f"Error: cannot write to standard output ({err.strerror or err}); "
            "send it to a file or a terminal that can take it",
            err=True,
        )
        sys.exit(ExitCode.ERROR)
    except Exception:  # a bug: say so plainly, with the traceback only on request
        _internal_error(debug)
    sys.exit(code if isinstance(code, int) else ExitCode.OK)


def _silence_stdout() -> None:
    """Point stdout at devnull so the interpreter's final flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _internal_error(debug: bool) -> NoReturn:
    if debug:
        traceback.print_exc()
    else:
        click.echo(
            "Error: unexpected internal error; run again with --debug for details.",
            err=True,
        )
    sys.exit(ExitCode.ERROR)
