"""The ``voicecoach`` command's entry point: for ``play``, the output stream opens and a
stored opening starts sounding first (``warmstart``), then the command line loads and runs
(``cli``), with the launch handed down to the player."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs the quick start
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from voicecoach.play.warmstart import Launch


def raising_again(previous: Callable[[Any], object]) -> Callable[[Any], None]:
    """A ``sys.unraisablehook`` for the run. A Ctrl-C (or SIGTERM, SIGHUP: see ``signals``)
    raises KeyboardInterrupt wherever the main thread is; when that is a callback Python
    cannot raise from (a weak reference's, such as the one an import lock leaves, or a
    ``__del__``), Python drops it with an "Exception ignored" message and the session plays
    on. This hook delivers it again, as the same signal, so it is raised at the next
    ordinary line instead. It is delivered from a thread: delivered here it would be raised
    inside this hook, which Python drops too (and a thread cannot run before this hook
    gives up the interpreter lock). Anything else goes to the ``previous`` hook."""

    def hook(unraisable: Any) -> None:
        exc = unraisable.exc_value
        if isinstance(exc, KeyboardInterrupt):
            import _thread

            signum = getattr(exc, "signum", None)
            _thread.start_new_thread(_thread.interrupt_main, () if signum is None else (signum,))
            return
        previous(unraisable)

    return hook


def main() -> None:
    """Run the command line: the entry point, which sets up SIGTERM and SIGHUP for the whole
    run (``signals.exit_on_termination``, entered here only). ``cli.main`` is the error
    boundary; this only sees a Ctrl-C that comes before it is ready, from the first import
    on (a Ctrl-C while Python loads this module is a traceback), and leaves as it would."""
    argv = sys.argv[1:]
    launch: Launch | None = None
    previous_hook = sys.unraisablehook
    sys.unraisablehook = raising_again(previous_hook)
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
        try:
            if launch is not None:
                launch.close()
        finally:
            sys.unraisablehook = previous_hook
