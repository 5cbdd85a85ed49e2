"""The command line: parses options and calls the library; no real work lives here.

``main`` is the one error boundary: every exception a command lets through becomes its exit
status and message here, nowhere else.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from typing import TYPE_CHECKING, Any, NoReturn

import click

from voicecoach import listings
from voicecoach.cli_info import config_command, history_command, voices_command
from voicecoach.cli_log import log_command
from voicecoach.cli_pack import pack
from voicecoach.cli_report import remind_command, report_command
from voicecoach.cliparams import (
    OPTIONS,
    command_settings,
    current_library,
    export_targets,
    json_option,
    routine_argument,
    session_options,
)
from voicecoach.compile.compiler import compile_routine
from voicecoach.compile.estimate import estimate_speech_samples
from voicecoach.describe import describe_routine, format_entries, format_timeline
from voicecoach.errors import (
    ExitCode,
    RoutineError,
    RoutineNotFound,
    StdoutError,
    VoicecoachError,
)
from voicecoach.files import ensure_standard_streams, guard_stdout
from voicecoach.text import shown, shown_lines

if TYPE_CHECKING:
    from voicecoach.audio.export import ExportTargets
    from voicecoach.compile.overrides import SessionOptions
    from voicecoach.play.warmstart import Launch
    from voicecoach.routine.model import Routine


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


def note(message: str) -> None:
    click.echo(shown(f"Note: {message}"), err=True)


def session_routine(routine: str, options: SessionOptions) -> Routine:
    """The routine named on the command line, adapted by the session's overrides."""
    from voicecoach.audio.session import load_routine

    return load_routine(current_library(), routine, options, note, OPTIONS)


@cli.command("list")
@json_option("voicecoach.routines/1")
def list_command(as_json: bool) -> None:
    """List the routines you can play.

    Shows each routine's id, name, length and exercise count. Your own routines
    live in the folder named at the end of the list; one there overrides a shipped
    routine of the same id. A broken one is listed with its first error.

    \b
    Example:
        voicecoach list
        voicecoach list --json
    """
    library = current_library()
    entries = library.entries(estimate_speech_samples)
    if as_json:
        click.echo(
            listings.to_json(listings.routines_document(entries, library.user_dir)), nl=False
        )
        return
    click.echo(
        shown_lines(format_entries(entries, library.user_dir)),
        nl=False,
    )


@cli.command()
@routine_argument()
@json_option("voicecoach.routine/1")
def show(routine: str, as_json: bool) -> None:
    """Describe a routine in words.

    Each exercise of ROUTINE with its timing, cue and why, and the total length.
    ROUTINE is a routine id (see `voicecoach list`) or the path to a routine file.

    \b
    Example:
        voicecoach show lower-back-stretches
        voicecoach show lower-back-stretches --json
    """
    loaded = current_library().load(routine)
    script = compile_routine(loaded, estimate_speech_samples)
    if as_json:
        click.echo(listings.to_json(listings.routine_document(loaded, script)), nl=False)
        return
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
    from voicecoach.audio.session import measured_script

    loaded = session_routine(routine, options)
    measure = options.voiced and not estimate
    compiled = measured_script(loaded, options, note) if measure else None
    if compiled is None:
        compiled = compile_routine(loaded, estimate_speech_samples, options=options.compile_options)
    click.echo(compiled.to_json() if as_json else shown_lines(format_timeline(compiled)), nl=False)


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
            for line in err.lines(OPTIONS):
                click.echo(shown(line), err=True)
        else:
            click.echo(shown(f"{target}: ok"))
    if failed:
        raise click.exceptions.Exit(ExitCode.ERROR)


@cli.command()
@routine_argument()
@export_targets
@session_options
def export(routine: str, targets: ExportTargets, options: SessionOptions) -> None:
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
    from voicecoach.audio.export import check_targets, write_session
    from voicecoach.audio.session import export_inputs, prepare
    from voicecoach.describe import wait_notes

    check_targets(targets, export_inputs(current_library(), routine))
    session = prepare(session_routine(routine, options), options)
    length = session.script.length
    for wait in wait_notes(session.script):
        click.echo(f"Note: {wait}", err=True)
    if sys.stderr.isatty():
        with click.progressbar(length=length, label="Exporting", file=sys.stderr) as bar:
            write_session(session, targets, progress=bar.update)
    else:
        write_session(session, targets)


@cli.command()
@routine_argument(required=False)
@session_options
@click.option(
    "--verbose", is_flag=True, help="Say whether media keys and staying awake could be had."
)
@click.option(
    "--check-in/--no-check-in",
    default=None,
    help="Ask how your back feels and how hard it was, at the end (default: the "
    "check_in setting; only on a terminal).",
)
def play(
    routine: str | None, options: SessionOptions, verbose: bool, check_in: bool | None
) -> None:
    """Play a routine aloud, hands-free; with no ROUTINE, the default one.

    The session opens with a moment of silence, then runs by itself: what you hear is
    what `voicecoach export` writes, sample for sample. From the second run of the same
    command, its first seconds, kept from the last run, start at once. On a terminal,
    space pauses and resumes (with a chime and a moment to get back into position), n
    skips to the next exercise, b goes back to the start of this one and q quits; Ctrl-C
    stops at once. Headset buttons and media keys do the same (voicecoach is a media
    player on D-Bus while it plays: `playerctl -p voicecoach pause`), and the computer
    is asked not to sleep; --verbose says if either could not be had. At the end it
    asks, by voice and on screen, how your back feels and how hard the session was
    (a key from 0 to 9, or 10; Enter skips): see `voicecoach log`.
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
    from voicecoach import checkin
    from voicecoach.audio.session import made_from, prepare
    from voicecoach.library import DEFAULT_ROUTINE
    from voicecoach.play.recorded import play_recorded

    named = routine or command_settings().default_routine or DEFAULT_ROUTINE
    loaded = session_routine(named, options)
    asking = checkin.wanted(command_settings().check_in if check_in is None else check_in)
    ask = checkin.questions(loaded.language) if asking else ()
    session = prepare(loaded, options.live(), also_say=ask)
    recorded: list[int] = []
    play_recorded(
        session,
        named,
        launch=_launch(),
        made_from=made_from(current_library(), named),
        warn=_warn,
        verbose=verbose,
        options=options,
        recorded=recorded.append,
    )
    if asking and recorded:  # a session that ended normally, and is in the history
        checkin.check_in(session, recorded[0], _warn)


def _warn(message: str) -> None:
    click.echo(shown(f"Warning: {message}"), err=True)


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


cli.add_command(config_command)
cli.add_command(history_command)
cli.add_command(voices_command)
cli.add_command(report_command)
cli.add_command(remind_command)
cli.add_command(pack)
cli.add_command(log_command)


def main(argv: list[str] | None = None, launch: Launch | None = None) -> None:
    """Run the command line and exit: the one error boundary. User errors exit 1 with their
    message, usage errors 2, Ctrl-C 130 with "Interrupted.".

    SIGTERM and SIGHUP (a closed terminal) unwind like Ctrl-C (``voicecoach.signals``, set
    up by the entry point, ``launch.main``), so an export removes its temp files, the sound
    stops and a play is recorded as stopped; then they exit with the signal's usual status.
    Output that cannot be written (stdout on a full disk) is an error of its own; a reader
    that stops early (a closed pipe) ends the run quietly. ``launch`` is the quick start's
    (``warmstart.begin``), handed to ``play`` as ``obj["launch"]``.
    """
    ensure_standard_streams()
    guard_stdout()
    args = sys.argv[1:] if argv is None else argv
    try:
        code = _invoke(args, launch)
        sys.stdout.flush()  # here, not at exit, where a failure would be a traceback
    except VoicecoachError as err:
        for line in err.lines(OPTIONS):  # the library names values, the CLI its options
            click.echo(shown(line), err=True)
        sys.exit(ExitCode.ERROR)
    except (KeyboardInterrupt, click.exceptions.Abort) as interrupt:
        from voicecoach.signals import exit_interrupted

        exit_interrupted(interrupt)
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
        _internal_error("--debug" in args)
    sys.exit(code if isinstance(code, int) else ExitCode.OK)


COMPLETE_VAR = "_VOICECOACH_COMPLETE"
"""Set by the shell's completion script (``eval "$(_VOICECOACH_COMPLETE=bash_source ...)"``)."""


def _invoke(args: list[str], launch: Launch | None) -> Any:
    """Parse ``args`` and run the command, letting every exception through to ``main``
    (``cli.main`` would turn some into exit codes of its own: Ctrl-C into "Aborted!",
    a closed pipe into exit 1)."""
    instruction = os.environ.get(COMPLETE_VAR)
    if instruction:
        from click.shell_completion import shell_complete

        return shell_complete(cli, {}, "voicecoach", COMPLETE_VAR, instruction)
    obj = {"launch": launch} if launch is not None else None
    with cli.make_context("voicecoach", list(args), obj=obj) as ctx:
        return cli.invoke(ctx)


def _launch() -> Launch | None:
    """The quick start's launch, handed down by ``main`` (``obj["launch"]``), if any."""
    obj = click.get_current_context().find_root().obj
    launch: Launch | None = obj.get("launch") if isinstance(obj, dict) else None
    return launch


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
