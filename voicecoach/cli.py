"""The command line: parses options and calls the library; no real work lives here."""

from __future__ import annotations

import sys
import traceback

import click

from voicecoach.errors import ExitCode, VoicecoachError


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
    ctx.obj = {"debug": debug}


def main(argv: list[str] | None = None) -> None:
    """Entry point and the one error boundary: user errors exit 1, Ctrl-C exits 130."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        code = cli.main(args=argv, prog_name="voicecoach", standalone_mode=False)
    except VoicecoachError as err:
        for line in err.lines():
            click.echo(line, err=True)
        sys.exit(ExitCode.ERROR)
    except (KeyboardInterrupt, click.exceptions.Abort):
        click.echo("Interrupted.", err=True)
        sys.exit(ExitCode.CTRL_C)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(ExitCode.OK)
    except Exception:  # a bug: say so plainly, with the traceback only on request
        if debug:
            traceback.print_exc()
        else:
            click.echo(
                "Error: unexpected internal error; run again with --debug for details.",
                err=True,
            )
        sys.exit(ExitCode.ERROR)
    sys.exit(code if isinstance(code, int) else ExitCode.OK)
