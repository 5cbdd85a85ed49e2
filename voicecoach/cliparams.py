"""The command line's options: the value types every number and name takes, checked in
full, and the option groups several commands share (``routine_argument``, ``voice_options``,
``session_options``), each handing the command one value built from them.

Each value type refuses what its option can never mean as a usage error (exit 2) that quotes the
value short and printable: a number with hundreds of digits, ``nan`` or ``inf`` where a
level or a factor belongs, an empty voice. click's own ``IntRange`` and ``FloatRange``
let ``nan`` through and quote a 5,000-digit value in full.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click
from click.shell_completion import CompletionItem

from voicecoach.limits import MAX_RATE, MIN_RATE, RATE_TEXT, VOLUME_TEXT
from voicecoach.text import shown

if TYPE_CHECKING:
    from voicecoach.audio.speech import VoiceSettings
    from voicecoach.library import Library
    from voicecoach.settings import Settings

FC = TypeVar("FC", bound=Callable[..., Any])

MAX_HISTORY_LIMIT = 1_000_000
"""The most sessions ``history --limit`` shows (a history holds far fewer)."""

_MAX_DIGITS = 12  # more digits than any option's range allows


def quoted(value: object, limit: int = 40) -> str:
    """A value from the command line, quoted for a message: printable, and short."""
    text = shown(str(value))
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


class _Base(click.ParamType):  # type: ignore[type-arg, unused-ignore]  # generic in new click
    def fail_value(
        self, what: str, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Any:
        self.fail(f"{quoted(value)} {what}", param, ctx)


class Count(_Base):
    """A whole number from ``low`` to ``high``."""

    name = "integer"

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value).strip().replace("_", "")
            if not (text.isascii() and text.lstrip("+-").isdecimal()):  # not "١٢"
                self.fail_value("is not a whole number", value, param, ctx)
            if len(text.lstrip("+-")) > _MAX_DIGITS:
                number = -(10**_MAX_DIGITS) if text.startswith("-") else 10**_MAX_DIGITS
            else:
                number = int(text)
        if not self.low <= number <= self.high:
            self.fail_value(
                f"is out of range: give a whole number from {self.low:,} to {self.high:,}",
                value,
                param,
                ctx,
            )
        return number


class Level(_Base):
    """A loudness: above 0 (or from 0 with ``zero=True``) up to 1.0."""

    name = "float"

    def __init__(self, *, zero: bool = False) -> None:
        self.zero = zero

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        level = _finite(self, value, param, ctx)
        if not (0.0 <= level <= 1.0) or (level == 0.0 and not self.zero):
            least = "0" if self.zero else "above 0"
            self.fail_value(f"is out of range: give {least} up to 1.0", value, param, ctx)
        return level


class Factor(_Base):
    """A factor above 0, such as 0.5 or 1.5."""

    name = "float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        factor = _finite(self, value, param, ctx)
        if factor <= 0:
            self.fail_value("is not a factor above 0, such as 0.5 or 1.5", value, param, ctx)
        return factor


def _finite(
    kind: _Base, value: Any, param: click.Parameter | None, ctx: click.Context | None
) -> float:
    try:
        if isinstance(value, str) and not value.isascii():
            raise ValueError("digits other than 0-9")  # float() reads "٠.٥"; no one means it
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        kind.fail_value("is not a number", value, param, ctx)
    if not math.isfinite(number):
        kind.fail_value("is not a finite number", value, param, ctx)
    return number


class Seconds(_Base):
    """A number of seconds, or a duration as in routine files (``45s``, ``1m``, ``1m30s``,
    ``1:30``), within ``[low, high]`` (above ``low`` when ``low_open``)."""

    name = "seconds"

    def __init__(self, low: float, high: float, *, low_open: bool = False) -> None:
        self.low, self.high, self.low_open = low, high, low_open

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from voicecoach.routine.model import parse_duration

        try:
            seconds = parse_duration(value)
        except ValueError:
            self.fail_value(
                "is not a number of seconds or a duration like 45s or 1m30s", value, param, ctx
            )
        least = "more than" if self.low_open else "at least"
        if seconds < self.low or (self.low_open and seconds == self.low) or seconds > self.high:
            self.fail_value(
                f"is out of range: give {least} {self.low:g} and at most {self.high:g} seconds",
                value,
                param,
                ctx,
            )
        return seconds


class Name(_Base):
    """Text that names something (a voice, a language): not blank."""

    name = "text"

    def __init__(self, what: str) -> None:
        self.what = what

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = str(value)
        if not text.strip():
            self.fail_value(f"is empty: give {self.what}", value, param, ctx)
        return text


OPTIONS: Mapping[str, str] = {
    "hold": "--hold",
    "hold_scale": "--hold-scale",
    "reps": "--reps",
    "rest": "--rest",
    "rounds": "--rounds",
    "lead_in": "--lead-in",
    "chime_gain": "--chime-volume",
    "voice": "--voice",
    "force": "--force",
    "no_voice": "--no-voice",
}
"""The option that sets each value a library message names (``VoicecoachError.named``)."""


def current_library(ctx: click.Context | None = None) -> Library:
    """The routine library: ``obj["library"]`` when the caller set one (tests), else the
    shipped folder plus the user's."""
    from voicecoach.library import Library

    ctx = ctx or click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    library = obj.get("library") if isinstance(obj, dict) else None
    return library if isinstance(library, Library) else Library.default()


def command_settings() -> Settings:
    """The settings file's values, read once per command however many options need them."""
    from voicecoach.settings import Settings, load_settings

    meta = click.get_current_context().meta  # one dict, shared by the whole command line
    saved = meta.get("voicecoach.settings")
    if not isinstance(saved, Settings):
        saved = meta["voicecoach.settings"] = load_settings()
    return saved


def _complete_routine(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    from voicecoach.library import looks_like_path

    if looks_like_path(incomplete) or incomplete.startswith((".", "~")):
        return [CompletionItem(incomplete, type="file")]
    ids = [i for i in current_library(ctx).ids() if i.startswith(incomplete)]
    return [CompletionItem(i) for i in ids] or [CompletionItem(incomplete, type="file")]


def routine_argument(required: bool = True) -> Callable[[FC], FC]:
    """The ROUTINE argument: an id, completed in the shell, or a path to a routine file."""
    return click.argument("routine", required=required, shell_complete=_complete_routine)


def json_option(document: str) -> Callable[[FC], FC]:
    """``--json``: the listing as the JSON document ``document`` (docs/json-output.md)."""
    return click.option(
        "--json", "as_json", is_flag=True, help=f"Print the listing as JSON ({document})."
    )


def export_targets(func: FC) -> FC:
    """-o/--output, --cues and --captions, handed to the command as one ``targets``
    argument (a ``voicecoach.audio.export.ExportTargets``)."""

    @click.option(
        "-o",
        "--output",
        required=True,
        type=click.Path(),
        help="The audio file to write; its ending picks the format: .wav, .flac, .ogg, .mp3.",
    )
    @click.option("--cues", type=click.Path(), help="Also write the cue script as JSON.")
    @click.option("--captions", type=click.Path(), help="Also write WebVTT captions of the speech.")
    @functools.wraps(func)
    def wrapper(
        *args: Any, output: str, cues: str | None, captions: str | None, **kwargs: Any
    ) -> Any:
        from pathlib import Path

        from voicecoach.audio.export import ExportTargets

        kwargs["targets"] = ExportTargets(
            Path(output),
            Path(cues) if cues is not None else None,
            Path(captions) if captions is not None else None,
        )
        return func(*args, **kwargs)

    return cast(FC, wrapper)


def voice_options(func: FC) -> FC:
    """--voice, --rate and --volume, handed to the command as one ``voice_settings``
    argument (a VoiceSettings: each option given, else the settings file's value)."""

    @click.option(
        "--voice",
        metavar="VOICE",
        type=Name("a voice id, name or language (see `voicecoach voices`)"),
        help="Voice to speak with: an id, name or language from `voicecoach voices` "
        "(piper:NAME for a Piper voice), or a Piper .onnx file.",
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
        from voicecoach.audio.session import voice_settings

        kwargs["voice_settings"] = voice_settings(command_settings(), voice, rate, volume)
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
        from voicecoach.errors import OverrideError

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
        saved = command_settings()
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


__all__ = [
    "MAX_HISTORY_LIMIT",
    "OPTIONS",
    "Count",
    "Factor",
    "Level",
    "Name",
    "Seconds",
    "command_settings",
    "current_library",
    "export_targets",
    "json_option",
    "quoted",
    "routine_argument",
    "session_options",
    "voice_options",
]
