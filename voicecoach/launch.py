"""The ``voicecoach`` command's entry point: for ``play``, the output stream opens and a
stored opening starts sounding first (``warmstart``), then the command line loads and runs
(``cli``), with the launch handed down to the player."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs the quick start
if TYPE_CHECKING:
    from voicecoach.play.warmstart import Launch


def main() -> None:
    """Run the command line: the entry point, which sets up SIGTERM and SIGHUP for the whole
    run (``signals.exit_on_termination``, entered here only). ``cli.main`` is the error
    boundary; this only sees a Ctrl-C that comes before it is ready, from the first import
    on (a Ctrl-C while Python loads this module is a traceback), and leaves as it would."""
    argv = sys.argv[1:]
    launch: Launch | None = None
    try:
        from voicecoach import files
        from voicecoach.play import warmstart

        files.ensure_standard_streams()  # before anything opens a file: see its docstring
        launch = warmstart.begin(argv)
        # Only now: importing signal costs the quick start 4 ms. Until here SIGTERM ends the
        # process the default way, which also ends its sound.
        from voicecoach.signals import exit_on_termination

        with exit_on_termination():
            from voicecoach.cli import main as cli_main

            cli_main(argv, launch=launch)
    except KeyboardInterrupt as interrupt:  # while the command line was still loading
        from voicecoach.signals import exit_interrupted

        exit_interrupted(interrupt)
    finally:
        if launch is not None:
            launch.close()
