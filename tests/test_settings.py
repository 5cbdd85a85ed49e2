"""Settings: defaults, a valid file, located errors for broken files, `config` output."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import bounded, run_main

from voicecoach.errors import SettingsError
from voicecoach.settings import (
    KEYS,
    Settings,
    SettingsFileError,
    check_value,
    init_settings,
    load_settings,
    parse_settings,
    read_settings,
    settings_path,
    template,
    write_file_atomic,
)


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv("VOICECOACH_CONFIG_DIR", str(folder))
    return folder


def problems_of(text: str, path: str = "s.toml") -> list[str]:
    with pytest.raises(SettingsFileError) as caught:
        parse_settings(text.encode(), Path(path))
    return caught.value.lines()


def test_no_file_means_defaults(config_dir: Path) -> None:
    loaded = read_settings()
    assert loaded.path == config_dir / "settings.toml"
    assert not loaded.exists
    assert loaded.settings == Settings()
    assert loaded.settings.weekly_target == 4
    assert all(loaded.source(key) == "default" for key in KEYS)


def test_env_moves_the_config_dir(config_dir: Path) -> None:
    assert settings_path() == config_dir / "settings.toml"


def test_a_full_file_is_read_with_types(config_dir: Path) -> None:
    config_dir.mkdir()
    (config_dir / "settings.toml").write_text(
        'voice = "gmw/en-us"\nrate = 150\nvolume = 0.8\nchime_volume = 1\n'
        'lead_in = "1m30s"\ndefault_routine = "hip-openers"\nweekly_target = 5\n'
        "explain = true\ncheck_in = false\n"
    )
    settings = load_settings()
    assert settings == Settings(
        voice="gmw/en-us",
        rate=150,
        volume=0.8,
        chime_volume=1.0,
        lead_in=90.0,
        default_routine="hip-openers",
        weekly_target=5,
        explain=True,
        check_in=False,
    )
    assert isinstance(settings.chime_volume, float)
    assert read_settings().from_file == frozenset(KEYS)


def test_only_the_keys_in_the_file_come_from_it(tmp_path: Path) -> None:
    loaded = parse_settings(b"rate = 120\nlead_in = 0\n", tmp_path / "s.toml")
    assert loaded.settings == Settings(rate=120, lead_in=0.0)
    assert loaded.source("rate") == "file"
    assert loaded.source("lead_in") == "file"
    assert loaded.source("volume") == "default"


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    loaded = parse_settings("\ufeffrate = 120\n".encode(), tmp_path / "s.toml")
    assert loaded.settings.rate == 120


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rate = 1000", "s.toml:1:8: `rate` must be between 50 and 500 words per minute"),
        ("rate = 150.5", "s.toml:1:8: `rate` must be a whole number of words per minute"),
        ("rate = true", "s.toml:1:8: `rate` must be a whole number of words per minute"),
        ("volume = 1.5", "s.toml:1:10: `volume` must be above 0 and at most 1.0 (full)"),
        ("volume = -0.1", "s.toml:1:10: `volume` must be above 0 and at most 1.0 (full)"),
        (  # in the library's words; the command line names its option (see below)
            "volume = 0.0",
            "s.toml:1:10: `volume` must be above 0 and at most 1.0 (full); for chimes without "
            "a voice, play or export with no_voice=True",
        ),
        (
            "volume = 0",
            "s.toml:1:10: `volume` must be above 0 and at most 1.0 (full); for "
            "chimes without a voice, play or export with no_voice=True",
        ),
        ('volume = "loud"', "s.toml:1:10: `volume` must be a number above 0.0 and at most 1.0"),
        ('chime_volume = "loud"', "s.toml:1:16: `chime_volume` must be a number from 0.0 to 1.0"),
        ("lead_in = -1", "s.toml:1:11: `lead_in` must be 0 seconds or more"),
        ("lead_in = 601", "s.toml:1:11: `lead_in` must be at most 600 seconds"),
        (
            'lead_in = "soon"',
            's.toml:1:11: `lead_in` "soon" is not a duration; write it like "5s", "1m" or "1m30s"',
        ),
        (
            "lead_in = nan",
            's.toml:1:11: `lead_in` must be a number of seconds or a duration like "5s"',
        ),
        ("lead_in = '-2s'", "s.toml:1:11: `lead_in` must be 0 seconds or more"),
        (
            "lead_in = '2h'",
            's.toml:1:11: `lead_in` "2h" is not a duration; write it like "5s", "1m" or "1m30s"',
        ),
        ('voice = ""', "s.toml:1:9: `voice` must not be empty; remove the line to use the default"),
        ("voice = 3", "s.toml:1:9: `voice` must be a string in quotes"),
        ("default_routine = []", "s.toml:1:19: `default_routine` must be a string in quotes"),
        (
            "weekly_target = 0",
            "s.toml:1:17: `weekly_target` must be between 1 and 50 sessions a week",
        ),
        ("weekly_target = 2.0", "s.toml:1:17: `weekly_target` must be a whole number of sessions"),
        ('explain = "yes"', "s.toml:1:11: `explain` must be true or false (no quotes)"),
        ("explain = 1", "s.toml:1:11: `explain` must be true or false (no quotes)"),
        ('  "rate"   =   10', "s.toml:1:16: `rate` must be between 50 and 500 words per minute"),
        ("[rate]\nx = 1", "s.toml:1:1: `rate` must be a whole number of words per minute"),
        ("rate.x = 1", "s.toml:1:1: `rate` must be a whole number of words per minute"),
    ],
)
def test_a_wrong_value_is_located(text: str, expected: str) -> None:
    assert problems_of(text) == [expected]


def test_an_unknown_key_suggests_the_closest() -> None:
    assert problems_of("# mine\nvoise = 'x'\n") == [
        "s.toml:2:1: unknown setting `voise`; did you mean `voice`?"
    ]
    assert problems_of("weekly = 3\n") == [
        "s.toml:1:1: unknown setting `weekly`; did you mean `weekly_target`?"
    ]
    assert problems_of("colour = 3\n") == [
        "s.toml:1:1: unknown setting `colour`; known settings: voice, rate, volume, "
        "chime_volume, lead_in, default_routine, weekly_target, explain, check_in"
    ]


def test_every_problem_is_reported_in_file_order() -> None:
    text = "explain = 1\n\nrate = 5\n  volum = 0.5\nvoice = 'ok'\n"
    assert problems_of(text) == [
        "s.toml:1:11: `explain` must be true or false (no quotes)",
        "s.toml:3:8: `rate` must be between 50 and 500 words per minute",
        "s.toml:4:3: unknown setting `volum`; did you mean `volume`?",
    ]


@pytest.mark.parametrize(
    "text",
    ["a = " + "[" * 5000 + "]" * 5000 + "\n", "a = " + "{b = " * 3000 + "1" + "}" * 3000 + "\n"],
    ids=["arrays", "inline-tables"],
)
def test_deeply_nested_values_are_a_located_problem(text: str) -> None:
    assert problems_of(text) == [
        "s.toml:1:1: not valid TOML for settings: values nested too deeply"
    ]


def test_thousands_of_unknown_keys_are_counted_quickly() -> None:
    text = "".join(f"k{i} = 1\n" for i in range(60_000)) + "rate = 5\n"
    lines = bounded(lambda: problems_of(text), 10.0)
    assert len(lines) == 22
    assert lines[0].startswith("s.toml:1:1: unknown setting `k0`;")
    assert lines[20] == (
        "s.toml:21:1: 59,980 more unknown settings; known settings: voice, rate, volume, "
        "chime_volume, lead_in, default_routine, weekly_target, explain, check_in"
    )
    assert lines[21] == "s.toml:60001:8: `rate` must be between 50 and 500 words per minute"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rate = 120\nvoice = en\n", "s.toml:2:9: not valid TOML: invalid value"),
        (
            "rate 120\n",
            "s.toml:1:6: not valid TOML: expected '=' after a key in a key/value pair",
        ),
        ("rate = 120\nrate = 130\n", "s.toml:2:11: not valid TOML: cannot overwrite a value"),
        (
            'voice = "en\n',
            "s.toml:1:12: not valid TOML: illegal character '\\n'",
        ),
        (
            "rate = 120\nvolume = ",
            "s.toml:2:10: not valid TOML: invalid value at the end of the file",
        ),
        (
            'rate = 120\nvoice = """abc\n\n',
            "s.toml:2:15: not valid TOML: unterminated string at the end of the file",
        ),
    ],
)
def test_a_syntax_error_is_located(text: str, expected: str) -> None:
    assert problems_of(text) == [expected]


def test_text_that_is_not_utf8_is_located() -> None:
    with pytest.raises(SettingsFileError) as caught:
        parse_settings(b'rate = 120\nvoice = "caf\xe9"\n', Path("s.toml"))
    assert caught.value.lines() == ["s.toml:2:13: not UTF-8 text; save the file as UTF-8"]


def test_an_unreadable_file_says_what_to_do(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = config_dir / "settings.toml"
    path.parent.mkdir(parents=True)
    path.write_text("voice = 'en'\n")

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", refuse)  # root reads any file
    try:
        with pytest.raises(SettingsError) as caught:
            load_settings()
    finally:
        monkeypatch.undo()
    assert str(caught.value) == (
        f"cannot read the settings file {path}: Permission denied; "
        "fix its permissions or move it aside"
    )


@pytest.mark.parametrize(
    ("make", "what"),
    [
        (lambda path: path.mkdir(), "is a folder"),
        (os.mkfifo, "is not a regular file (a FIFO)"),
        (lambda path: path.symlink_to("/dev/zero"), "is not a regular file (a character device)"),
        (lambda path: path.symlink_to(path), "is a symlink loop"),
    ],
    ids=["folder", "fifo", "dev-zero", "loop"],
)
def test_a_settings_file_that_is_not_a_regular_file_is_refused_unread(
    config_dir: Path, make: Callable[[Path], object], what: str
) -> None:
    path = config_dir / "settings.toml"
    path.parent.mkdir(parents=True)
    make(path)
    with pytest.raises(SettingsError) as caught:
        bounded(load_settings)
    assert str(caught.value) == (
        f"cannot read the settings file {path}: it {what}; move it aside "
        "(`voicecoach config --init` writes a new one)"
    )


def test_check_value_validates_one_override() -> None:
    assert check_value("volume", 1) == 1.0
    assert check_value("lead_in", "2m") == 120.0
    assert check_value("lead_in", "1M 5S") == 65.0
    assert check_value("lead_in", 0) == 0.0
    with pytest.raises(SettingsError, match=r"^rate must be between 50 and 500"):
        check_value("rate", 10)
    with pytest.raises(SettingsError, match="did you mean `volume`"):
        check_value("volumes", 1)


def test_the_template_means_the_defaults() -> None:
    loaded = parse_settings(template(), Path("settings.toml"))
    assert loaded.settings == Settings()
    assert loaded.from_file == frozenset()


def test_the_template_shows_every_key_and_its_examples_are_valid() -> None:
    setting_line = re.compile(r"^# (\w+) = ")
    lines = template().splitlines()
    shown = [m.group(1) for line in lines if (m := setting_line.match(line))]
    assert shown == list(KEYS)
    uncommented = "\n".join(line[2:] if setting_line.match(line) else line for line in lines)
    loaded = parse_settings(uncommented, Path("settings.toml"))
    assert loaded.from_file == frozenset(KEYS)
    assert loaded.settings.weekly_target == Settings().weekly_target


def test_init_writes_once_and_never_replaces(config_dir: Path) -> None:
    path = init_settings()
    assert path == config_dir / "settings.toml"
    assert path.read_text() == template()
    path.write_text("rate = 120\n")
    with pytest.raises(SettingsError, match="already exists"):
        init_settings()
    assert path.read_text() == "rate = 120\n"
    assert sorted(p.name for p in config_dir.iterdir()) == ["settings.toml"]


def test_atomic_write_without_replace_leaves_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(FileExistsError):
        write_file_atomic(target, "new", replace=False)
    assert target.read_text() == "old"
    write_file_atomic(target, "new", replace=True)
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_config_shows_defaults_and_the_missing_file(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(["config"], capsys)
    assert (code, err) == (0, "")
    path = config_dir / "settings.toml"
    assert out == (
        f"Settings file: {path} (not found; `voicecoach config --init` writes one)\n"
        "\n"
        "voice            (the engine's default voice)  default\n"
        "rate             (the engine's default rate)   default\n"
        "volume           1.0                           default\n"
        "chime_volume     1.0                           default\n"
        "lead_in          (each routine's own)          default\n"
        "default_routine  (the built-in default)        default\n"
        "weekly_target    4                             default\n"
        "explain          false                         default\n"
        "check_in         true                          default\n"
    )


def test_config_shows_what_the_file_sets(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir.mkdir()
    (config_dir / "settings.toml").write_text(
        "rate = 140\nlead_in = '8s'\nexplain = true\ncheck_in = false\n"
    )
    code, out, err = run_main(["config"], capsys)
    assert (code, err) == (0, "")
    assert out == (
        f"Settings file: {config_dir / 'settings.toml'} (exists)\n"
        "\n"
        "voice            (the engine's default voice)  default\n"
        "rate             140                           file\n"
        "volume           1.0                           default\n"
        "chime_volume     1.0                           default\n"
        "lead_in          8.0                           file\n"
        "default_routine  (the built-in default)        default\n"
        "weekly_target    4                             default\n"
        "explain          true                          file\n"
        "check_in         false                         file\n"
    )


def test_config_reports_a_broken_file_with_locations(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir.mkdir()
    path = config_dir / "settings.toml"
    path.write_text("rate = 140\nratee = 3\nvolume = 2\n")
    code, out, err = run_main(["config"], capsys)
    assert (code, out) == (1, "")
    assert err == (
        f"{path}:2:1: unknown setting `ratee`; did you mean `rate`?\n"
        f"{path}:3:10: `volume` must be above 0 and at most 1.0 (full)\n"
    )


def test_a_silent_voice_volume_is_a_located_error_in_config(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``volume = 0.0`` was accepted here, then failed every voiced command without a
    location: now `config` points at it, and so does every command that reads the file."""
    config_dir.mkdir()
    path = config_dir / "settings.toml"
    path.write_text("volume = 0.0\n")
    expected = (
        f"{path}:1:10: `volume` must be above 0 and at most 1.0 (full); for chimes without a "
        "voice, play or export with --no-voice\n"
    )
    assert run_main(["config"], capsys) == (1, "", expected)
    assert run_main(["script", "quick-start"], capsys) == (1, "", expected)


def test_silent_chimes_are_a_setting() -> None:
    assert parse_settings(b"chime_volume = 0.0\n", Path("s.toml")).settings.chime_volume == 0.0


def test_the_voice_limits_are_the_engines() -> None:
    """The settings file, the options and the engine take their limits from one place."""
    from voicecoach import limits
    from voicecoach.audio.voice_engine import VoiceSettings

    for volume in (limits.MAX_VOLUME, 0.01):
        assert VoiceSettings(volume=volume).volume == volume
        assert parse_settings(f"volume = {volume}".encode(), Path("s")).settings.volume == volume
    for rate in (limits.MIN_RATE, limits.MAX_RATE):
        assert VoiceSettings(rate=rate).rate == rate
        assert parse_settings(f"rate = {rate}".encode(), Path("s")).settings.rate == rate
    for rate in (limits.MIN_RATE - 1, limits.MAX_RATE + 1):
        with pytest.raises(SettingsError):
            VoiceSettings(rate=rate)
        assert problems_of(f"rate = {rate}") != []
    with pytest.raises(SettingsError, match=r"above 0 and at most 1\.0"):
        VoiceSettings(volume=0.0)


def test_config_init_writes_the_file_then_refuses(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_dir / "settings.toml"
    code, out, err = run_main(["config", "--init"], capsys)
    assert (code, err) == (0, "")
    assert out == f"Wrote {path}\nEdit it, then run `voicecoach config` to check it.\n"
    assert path.read_text() == template()
    code, out, err = run_main(["config", "--init"], capsys)
    assert (code, out) == (1, "")
    assert err == (
        f"Error: {path} already exists; edit it, or move it aside and run "
        "`voicecoach config --init` again\n"
    )
