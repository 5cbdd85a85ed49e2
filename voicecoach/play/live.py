"""A session played on this computer: the player wired to the sound device, the
terminal, the media player on the session bus and the request to stay awake, each
released when play ends in any way (completed, ``q``, Ctrl-C, SIGTERM, a device lost)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from voicecoach.audio.samples import Audio, Pcm
from voicecoach.compile.cuescript import SAMPLE_RATE, CueScript, CueType
from voicecoach.compile.phrases import sentence
from voicecoach.errors import VoicecoachError
from voicecoach.play.ahead import to_pcm
from voicecoach.play.controls import Commands, MergedControls
from voicecoach.play.keys import StatusLine
from voicecoach.play.mpris import MprisPlayer, now_at
from voicecoach.play.outcome import Output, PlayResult, open_output
from voicecoach.play.player import (
    CHUNK,
    PAUSE_CHIME,
    PAUSE_GAIN,
    RESUME_CHIME,
    ClipSource,
    Player,
    Spoken,
    Watch,
)
from voicecoach.play.position import unnamed_landing

if TYPE_CHECKING:
    from pathlib import Path

    from voicecoach.play.warmstart import Launch

PAUSED = "Paused"


def player_sounds(
    script: CueScript,
    speech: ClipSource,
    chime: ClipSource,
    voice_gain: float = 1.0,
    chime_gain: float = 1.0,
) -> Spoken:
    """The player's own sounds, made now (through the speech cache) rather than
    mid-session: the soft pause chime, "Paused", and the names a skip may have to say.
    A session without a voice has the chime only."""

    def pcm(audio: Audio, gain: float) -> Pcm:
        return to_pcm(np.asarray(audio, dtype=np.float32) * np.float32(gain))

    def said(text: str) -> Pcm | None:
        try:
            return pcm(speech(text), voice_gain)
        except VoicecoachError:  # no voice, or none that works: the chime says enough
            return None

    voiced = any(cue.type is CueType.SPEECH for cue in script.cues)
    # A name is said as the session says it (its name cue's text, "Pelvic tilt."), so a
    # skip sounds the very clip the export has there; a neural voice says "Pelvic tilt"
    # without its full stop differently.
    spoken_as = {
        c.title: next(
            (q.text for q in script.cues if q.role == "name" and q.exercise == c.exercise),
            sentence(c.title),
        )
        for c in script.chapters
        if voiced and unnamed_landing(script, c.start)
    }
    names = tuple(
        (title, p) for title in sorted(spoken_as) if (p := said(spoken_as[title])) is not None
    )
    pause_cue = pcm(chime(PAUSE_CHIME), chime_gain * PAUSE_GAIN)
    return Spoken(pause_cue, said(PAUSED) if voiced else None, names)


def _watcher(media: MprisPlayer, script: CueScript) -> Watch:
    def watch(position: int, paused: bool, jumps: int) -> None:
        media.publish(now_at(script, position, paused, jumps))

    return watch


def _tell(screen: IO[str], media: MprisPlayer | None, awake: list[str]) -> None:
    """For --verbose: what play could and could not reach on D-Bus."""
    lines = [
        f"Media keys and headset buttons: {media.name} on the session bus"
        if media is not None
        else "Media keys and headset buttons: no session bus (D-Bus), so not this time",
        f"Staying awake: asked {' and '.join(awake)}"
        if awake
        else "Staying awake: nobody to ask (no screensaver or logind on D-Bus)",
    ]
    with contextlib.suppress(OSError, ValueError):
        screen.write("".join(f"{line}\n" for line in lines))
        screen.flush()


def _warn(screen: IO[str], status: StatusLine | None, message: str) -> None:
    """A warning line during play, above the status line (which the next tick redraws)."""
    if status is not None:
        status.clear()
    with contextlib.suppress(OSError, ValueError):  # a terminal that went away
        screen.write(f"Warning: {message}\n")
        screen.flush()


def play(
    script: CueScript,
    speech: ClipSource,
    chime: ClipSource,
    *,
    voice_gain: float = 1.0,
    chime_gain: float = 1.0,
    stdin: IO[Any] | None = None,
    stderr: IO[str] | None = None,
    output: Output | None = None,
    routine: str | None = None,
    launch: Launch | None = None,
    made_from: Sequence[Path] = (),
    verbose: bool = False,
) -> PlayResult:
    """Play ``script`` aloud, rendered as an export would be, with controls on a terminal.

    Keys (when stdin is a terminal in the foreground): space pauses and resumes, ``n``
    skips to the next exercise, ``b`` goes back to the start of this one, ``q`` quits.
    ``routine`` is the routine as the user named it, for the hint to export instead.
    ``launch`` is the quick start's (``warmstart.begin``): its stream, when it opened one
    to play the stored opening, is the one the session plays through; the opening
    played is stored for the next run of the command unless it was that one, with the
    files in ``made_from`` it depends on. ``output`` replaces the sound device (tests).
    While it plays, voicecoach is a media player on the session bus (``mpris``: headset
    buttons, media keys, ``playerctl``) and asks the computer not to idle-sleep
    (``inhibit``); ``verbose`` says when either cannot be had.
    Raises AudioDeviceError when there is no usable sound device (AudioDeviceLost, with
    ``.result``, when it fails after some of the session has played), and
    PlaybackInterrupted (a KeyboardInterrupt) on Ctrl-C, after stopping the sound and
    restoring the terminal.
    """
    from voicecoach.audio.render import render
    from voicecoach.play import keys, warmstart
    from voicecoach.play.inhibit import stay_awake

    stdin = sys.stdin if stdin is None else stdin
    stderr = sys.stderr if stderr is None else stderr
    named = routine or script.routine_id
    opening: bytes | None = None
    keep_opening = None
    if launch is not None:
        key, files = launch.key, [str(path) for path in made_from]

        def keep_opening(samples: bytes, lead: int) -> None:
            warmstart.save(key, samples, SAMPLE_RATE, files, lead=lead)

    def source(start: int) -> Iterator[Audio]:
        return render(
            script,
            speech,
            chime,
            start=start,
            chunk=CHUNK,
            voice_gain=voice_gain,
            chime_gain=chime_gain,
        )

    resume = to_pcm(np.asarray(chime(RESUME_CHIME), dtype=np.float32) * np.float32(chime_gain))
    spoken = player_sounds(script, speech, chime, voice_gain, chime_gain)
    interactive = keys.in_foreground(stdin)
    show_status = keys.in_foreground(stderr)
    with contextlib.ExitStack() as stack:
        screen = stack.enter_context(keys.quiet_stderr_fd(stderr))
        device: Output | None = output
        if device is None and launch is not None:
            device, opening = launch.take()
        if device is not None:
            stack.callback(device.close)
        terminal = None
        if interactive:
            terminal = stack.enter_context(keys.TerminalControls(stdin.fileno()))
        commands = Commands()
        stack.callback(commands.close)
        media = MprisPlayer.start(commands.post, now_at(script, 0, False))
        if media is not None:
            stack.callback(media.stop)
        awake = stack.enter_context(stay_awake())
        if verbose:
            _tell(screen, media, awake.taken)
        status = keys.StatusLine(screen) if show_status else None
        if status is not None:
            if interactive:
                screen.write("space: pause/resume   n: next exercise   b: back   q: quit\n")
            stack.callback(status.clear)
        player = Player(
            script,
            source,
            device,
            connect=lambda feed: open_output(feed, named),
            resume_cue=resume,
            controls=MergedControls(commands, terminal),
            status=status,
            routine=named,
            opening=opening,
            keep_opening=keep_opening,
            warn=lambda message: _warn(screen, status, message),
            spoken=spoken,
            watch=None if media is None else _watcher(media, script),
        )
        return player.run()
