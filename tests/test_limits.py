"""Limits on hostile input: numbers past a limit, sessions that explode after loading, text
that cannot be spoken, control characters in messages and YAML 1.1's number forms."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import run_main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import huge_numbers

from voicecoach.compile.compiler import CompileOptions, compile_routine
from voicecoach.compile.overrides import Overrides, apply_overrides
from voicecoach.errors import RoutineError, SettingsError, VoicecoachError
from voicecoach.library import Library
from voicecoach.limits import MAX_COUNT, sound_bound
from voicecoach.routine.load import load_routine
from voicecoach.routine.model import (
    MAX_FILE_BYTES,
    MAX_VALUES,
    Exercise,
    Routine,
    Wait,
    WorkKind,
)
from voicecoach.settings import SettingsFileError, parse_settings
from voicecoach.text import shown, speakable

SHIPPED = Path(__file__).parent.parent / "routines"
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
CPU_SECONDS = 2.0  # for work the design keeps well under a second: generous on 2 busy cores


def check(tmp_path: Path, text: str, name: str = "r.yaml") -> Routine:
    """What `validate` does with a file holding ``text``: load, compile, check the limits."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return Library(tmp_path / "none", tmp_path / "none").check(str(path))


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(RoutineError) as err:
        check(tmp_path, text)
    return [f"{p.line}:{p.column}: {p.message}" for p in err.value.problems]


def cpu_seconds(action: Callable[[], object]) -> float:
    start = time.process_time()
    with contextlib.suppress(VoicecoachError):
        action()
    return time.process_time() - start


def one(body: str) -> str:
    return "name: R\nexercises:\n  - name: E\n" + "".join(
        f"    {line}\n" for line in body.split("\n")
    )


# --- routines whose size explodes after loading ------------------------------------------


def test_ten_million_reps_in_69_bytes_are_refused_at_once(tmp_path: Path) -> None:
    text = "name: a\nexercises:\n  - name: b\n    reps: 10000000\n    tempo: 0.001\n"
    assert len(text) < 70
    assert cpu_seconds(lambda: check(tmp_path, text)) < CPU_SECONDS
    assert problems(tmp_path, text) == ["4:11: `reps` must be at most 10,000, not `10000000`"]


def test_a_million_tiny_sets_are_refused(tmp_path: Path) -> None:
    text = one("hold: 0.001\nsets: 1000000\nset_rest: 0")
    assert problems(tmp_path, text) == ["5:11: `sets` must be at most 10,000, not `1000000`"]


def test_the_bound_on_sounds_is_checked_before_compiling(tmp_path: Path) -> None:
    text = one("hold: 0.001\nsets: 1100\nset_rest: 0")
    assert problems(tmp_path, text) == [
        "3:5: the session would hold up to 11,007 sounds (counts, phrases and chimes), more "
        "than the limit of 10,000 (exercise 1, `E`, makes up to 11,003); lower `sets`"
    ]


SAYING = "Breathe in and out, slowly and calmly, and let the shoulders drop. " * 6


def test_speech_counts_toward_the_four_hours(tmp_path: Path) -> None:
    # 600 one-second holds and their pauses are 2 h 40 min, but each one's cue takes half
    # a minute to say: the compiled session is far longer than 4 hours.
    item = f"  - {{name: Hold, cue: '{SAYING.strip()}', hold: 1}}\n"
    (message,) = problems(tmp_path, "name: R\nexercises:\n" + item * 600)
    assert message.startswith("2:1: the session runs ")
    assert "with its speech and chimes, more than the 4-hour limit" in message


def test_exactly_four_hours_of_holds_is_too_long_with_its_speech(tmp_path: Path) -> None:
    text = "name: R\nrounds: 4\nexercises:\n  - {name: Sit, hold: 60m, lead_in: 0, rest: 0}\n"
    (message,) = problems(tmp_path, text)
    assert message.startswith("3:1: the session runs 4 h 1 min with its speech and chimes")


@pytest.mark.parametrize("voice", [True, False])
@pytest.mark.parametrize("explain", [True, False])
def test_the_bound_holds_for_every_shipped_routine(voice: bool, explain: bool) -> None:
    options = CompileOptions(explain=explain, voice=voice)
    for path in sorted(SHIPPED.glob("*.yaml")):
        routine = load_routine(path)
        cues = len(compile_routine(routine, options=options).cues)
        assert cues <= sound_bound(routine.exercises, routine.rounds), path.name


_SECONDS = st.sampled_from([0.001, 0.5, 1.0, 3.0, 14.0, 15.0, 30.0, 50.0, 61.0, 150.0])


@st.composite
def exercises(draw: st.DrawFn) -> Exercise:
    work = draw(st.sampled_from(list(WorkKind)))
    reps = draw(st.integers(1, 12)) if work is WorkKind.REPS else None
    waits = work is WorkKind.WAIT or (work is WorkKind.REPS and draw(st.booleans()))
    wait = (
        Wait(
            draw(st.sampled_from([None, 0.5, 30.0, 150.0])), draw(st.sampled_from([0.0, 1.0, 30.0]))
        )
        if waits
        else None
    )
    tempo = tuple(draw(st.lists(_SECONDS, min_size=1, max_size=3)))
    phases = tuple(f"phase {n}" for n in range(len(tempo))) if draw(st.booleans()) else ()
    hold = draw(_SECONDS) if work is WorkKind.HOLD or (not waits and draw(st.booleans())) else None
    return Exercise(
        name=draw(st.sampled_from(["Squat", "A long exercise name with words"])),
        work=work,
        cue=tuple(draw(st.lists(st.just("Breathe."), max_size=2))),
        why=draw(st.sampled_from([None, "It helps."])),
        hold=hold if work is not WorkKind.DURATION else None,
        reps=reps,
        tempo=tempo if wait is None else (3.0,),
        phases=phases if work is WorkKind.REPS and wait is None else (),
        duration=draw(_SECONDS) if work is WorkKind.DURATION else None,
        sides=draw(st.sampled_from([None, ("left", "right")])),
        sets=draw(st.integers(1, 3)),
        set_rest=draw(st.sampled_from([0.0, 5.0])),
        switch=draw(st.sampled_from([0.0, 5.0])),
        lead_in=draw(st.sampled_from([0.0, 5.0])),
        rest=draw(st.sampled_from([0.0, 3.0, 10.0])),
        wait=wait,
    )


@PROPERTY
@given(
    items=st.lists(exercises(), min_size=1, max_size=4),
    rounds=st.integers(1, 3),
    voice=st.booleans(),
    explain=st.booleans(),
)
def test_the_bound_is_never_below_the_compiled_count(
    items: list[Exercise], rounds: int, voice: bool, explain: bool
) -> None:
    routine = Routine("r", "R", tuple(items), intro="Hello.", rounds=rounds)
    script = compile_routine(routine, options=CompileOptions(explain=explain, voice=voice))
    assert len(script.cues) <= sound_bound(routine.exercises, routine.rounds)


def test_overrides_are_held_to_the_same_limits() -> None:
    squat = Exercise("Squat", WorkKind.REPS, reps=10, tempo=(0.1,))
    routine = Routine("squats", "Squats", (squat,))
    with pytest.raises(SettingsError, match=r"up to 10,0\d\d sounds .*; lower reps"):
        apply_overrides(routine, Overrides(reps=MAX_COUNT))
    told = Exercise("Told", WorkKind.HOLD, cue=(SAYING.strip(),), hold=1.0)
    with pytest.raises(SettingsError, match=r"with its speech and chimes.*; lower rounds"):
        apply_overrides(Routine("told", "Told", (told,)), Overrides(rounds=600))
    started = time.process_time()
    with pytest.raises(SettingsError, match="; lower rounds"):
        apply_overrides(routine, Overrides(rounds=MAX_COUNT))
    assert time.process_time() - started < CPU_SECONDS
    with pytest.raises(SettingsError, match="from 1 to 10,000"):
        Overrides(rounds=MAX_COUNT + 1)


def test_no_voice_export_of_a_huge_routine_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    routine = tmp_path / "huge.yaml"
    routine.write_text(one("reps: 100000\ntempo: 0.1"), encoding="utf-8")  # once a 33-hour WAV
    target = tmp_path / "out.wav"
    code, _, err = run_main(["export", str(routine), "-o", str(target), "--no-voice"], capsys)
    assert (code, err) == (1, f"{routine}:4:11: `reps` must be at most 10,000, not `100000`\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["huge.yaml"]


# --- validate on nasty files under 1 MiB ---------------------------------------------------


def _fill(head: str, item: str, tail: str = "") -> str:
    room = MAX_FILE_BYTES - 100 - len(head.encode()) - len(tail.encode())
    return head + item * (room // len(item.encode())) + tail


NASTY: dict[str, Callable[[], str]] = {
    "tiny exercises": lambda: _fill("name: a\nexercises:\n", "- {name: a, hold: 1}\n"),
    "tiny block exercises": lambda: _fill("name: a\nexercises:\n", "  - name: a\n    hold: 1\n"),
    "a flat tempo list": lambda: _fill(one("reps: 1") + "    tempo: [", "1,", "1]\n"),
    "a 1 MiB name": lambda: _fill("name: ", "ab ", "\nexercises:\n  - {name: b, hold: 1}\n"),
    "a 1 MiB cue": lambda: _fill(one("hold: 1") + "    cue: ", "Breathe, slowly. ", "\n"),
    "a long list of cues": lambda: _fill(one("hold: 1") + "    cue: [", "Breathe in. ", "y]\n"),
    "distinct cues": lambda: (
        one("hold: 1\ncue:")
        + "".join(f"      - Line number {n} of the cue, said slowly.\n" for n in range(9900))
    ),
    "comments": lambda: _fill("name: a\nexercises:\n  - {name: b, hold: 1}\n", "# note\n"),
    "a 1 MiB number": lambda: _fill(one("hold: 1") + "    sets: ", "9", "\n"),
    "a 1 MiB fraction": lambda: _fill(one("lead_in: 0") + "    hold: 1.", "9", "\n"),
    "unknown keys": lambda: one("hold: 1") + "".join(f"    hodl{n}: 1\n" for n in range(60000)),
    "broken exercises": lambda: _fill("name: a\nexercises:\n", "- {name: a, hold: -1}\n"),
    "duplicate keys": lambda: _fill("name: a\nexercises:\n  - {name: b, hold: 1}\n", "name: a\n"),
    "aliases": lambda: _fill(
        "name: &a a\nexercises:\n  - {name: b, hold: 1}\nx: [", "*a, ", "*a]\n"
    ),
    "nested lists": lambda: _fill(
        "name: a\nexercises:\n  - {name: b, hold: 1}\nx: [", "[" * 30 + "]" * 30 + ",", "1]\n"
    ),
    "counts at the limit": lambda: one("reps: 4990\ntempo: [0.001, 0.001]\nphases: [up, down]"),
    "long phase words": lambda: one(
        f"reps: 4990\ntempo: [1, 1]\nphases: [{'up ' * 19}, {'d' * 60}]"
    ),
    "long cue lines": lambda: (
        one("hold: 1\ncue:") + "".join(f"      - '{n} {'word ' * 97}'\n" for n in range(2000))
    ),
    "exercises at the bound": lambda: (
        "name: a\nexercises:\n"
        + "".join(f"  - {{name: Move {n}, hold: 1, lead_in: 0, rest: 0}}\n" for n in range(1900))
    ),
    "long names at the bound": lambda: (
        "name: a\nexercises:\n"
        + "".join(
            f"  - {{name: Move {n} {'word ' * 150}, hold: 1, lead_in: 0, rest: 0}}\n"
            for n in range(1250)
        )
    ),
    "escapes": lambda: _fill('name: "', "\\x07\\u200b", '"\nexercises:\n  - {name: b, hold: 1}\n'),
}


@pytest.mark.timeout(300)
def test_validate_stays_fast_and_small_on_nasty_files(tmp_path: Path) -> None:
    worst_cpu, worst_peak = (0.0, ""), (0, "")
    for name, make in NASTY.items():
        text = make()
        assert len(text.encode()) <= MAX_FILE_BYTES, name
        path = tmp_path / "nasty.yaml"
        path.write_text(text, encoding="utf-8")
        validate = functools.partial(Library(tmp_path / "none", tmp_path).check, str(path))
        cpu = cpu_seconds(validate)
        tracemalloc.start()
        try:
            cpu_seconds(validate)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        worst_cpu = max(worst_cpu, (cpu, name))
        worst_peak = max(worst_peak, (peak, name))
        assert cpu < CPU_SECONDS, f"{name}: {cpu:.2f} s"
        assert peak < 200 * 1024 * 1024, f"{name}: {peak / 1e6:.0f} MB"
    print(f"worst: {worst_cpu[0]:.2f} s CPU ({worst_cpu[1]}), {worst_peak[0] / 1e6:.1f} MB")


def test_more_values_than_the_limit_is_a_located_error(tmp_path: Path) -> None:
    text = "name: a\nexercises:\n" + "- {name: a, hold: 1}\n" * (MAX_VALUES // 5 + 10)
    (message,) = problems(tmp_path, text)
    assert message.endswith(
        "the file holds more than 20,000 YAML values (keys, texts and "
        "numbers); split the routine into shorter ones"
    )
    assert message.startswith("4002:")


# --- numbers past a limit anywhere ----------------------------------------------------------

ROUTINE_NUMBERS = {
    "version": "version: {}\nname: R\nexercises:\n  - {{name: E, hold: 1}}\n",
    "rounds": "name: R\nrounds: {}\nexercises:\n  - {{name: E, hold: 1}}\n",
    "reps": one("reps: {}"),
    "sets": one("hold: 1\nsets: {}"),
    "hold": one("hold: {}"),
    "rep hold": one("reps: 2\nhold: {}"),
    "duration": one("duration: {}"),
    "tempo": one("reps: 2\ntempo: {}"),
    "tempo item": one("reps: 2\ntempo: [1, {}]"),
    "set_rest": one("hold: 1\nsets: 2\nset_rest: {}"),
    "switch": one("hold: 1\nsides: true\nswitch: {}"),
    "lead_in": one("hold: 1\nlead_in: {}"),
    "rest": "name: R\nexercises:\n  - {{name: E, hold: 1, rest: {}}}\n  - {{name: F, hold: 1}}\n",
    "default": "name: R\ndefaults: {{rest: {}}}\nexercises:\n  - {{name: E, hold: 1}}\n",
}


@PROPERTY
@given(field=st.sampled_from(sorted(ROUTINE_NUMBERS)), number=huge_numbers(), quoted=st.booleans())
def test_any_number_in_a_routine_is_valid_or_a_located_error(
    tmp_path_factory: pytest.TempPathFactory, field: str, number: str, quoted: bool
) -> None:
    value = f'"{number}"' if quoted else number
    text = ROUTINE_NUMBERS[field].format(value)
    folder = tmp_path_factory.mktemp("n")
    started = time.process_time()
    try:
        routine = check(folder, text)
    except RoutineError as err:
        lines = text.split("\n")
        for problem in err.problems:
            assert problem.path == str(folder / "r.yaml")
            assert 1 <= problem.line <= len(lines)
            assert "\n" not in problem.message
    else:
        assert sum(1 for _ in routine.exercises) > 0
    assert time.process_time() - started < CPU_SECONDS


NUMERIC_OPTIONS = [
    ["script", "quick-start", "--estimate", "--hold"],
    ["script", "quick-start", "--estimate", "--hold-scale"],
    ["script", "quick-start", "--estimate", "--reps"],
    ["script", "quick-start", "--estimate", "--rest"],
    ["script", "quick-start", "--estimate", "--rounds"],
    ["script", "quick-start", "--estimate", "--lead-in"],
    ["script", "quick-start", "--estimate", "--rate"],
    ["script", "quick-start", "--estimate", "--volume"],
    ["script", "quick-start", "--estimate", "--chime-volume"],
    ["history", "--limit"],
    ["history", "--target"],
]


@PROPERTY
@given(option=st.sampled_from(NUMERIC_OPTIONS), number=huge_numbers())
def test_any_number_for_an_option_is_used_or_a_usage_error(
    capsys: pytest.CaptureFixture[str], option: list[str], number: str
) -> None:
    started = time.process_time()
    code, _, err = run_main([*option, number], capsys)
    assert time.process_time() - started < 3 * CPU_SECONDS
    assert "internal error" not in err and "Traceback" not in err
    if code == 2:
        assert err.splitlines()[-1].startswith(f"Error: Invalid value for '{option[-1]}': ")
        assert len(err.splitlines()[-1]) < 200
    else:
        # a value in range that makes the session too long is the library's error
        assert code in (0, 1), err
        assert code == 0 or (err.startswith("Error: ") and len(err.splitlines()) == 1)


SETTINGS_NUMBERS = ["rate", "volume", "chime_volume", "lead_in", "weekly_target"]


@PROPERTY
@given(key=st.sampled_from(SETTINGS_NUMBERS), number=huge_numbers(), quoted=st.booleans())
def test_any_number_in_the_settings_is_valid_or_a_located_error(
    key: str, number: str, quoted: bool
) -> None:
    text = f"explain = false\n{key} = {f'{number!r}' if quoted else number}\n"
    try:
        loaded = parse_settings(text, Path("settings.toml"))
    except SettingsFileError as err:
        for problem in err.problems:
            assert problem.line in (1, 2, 3)
            assert "\n" not in problem.message
    else:
        assert key in loaded.from_file


def test_history_limit_past_64_bits_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(["history", "--limit", str(2**64)], capsys)
    assert code == 2
    assert err.splitlines()[-1] == (
        "Error: Invalid value for '--limit': '18446744073709551616' is out of range: give a "
        "whole number from 1 to 1,000,000"
    )


@pytest.mark.parametrize("option", ["--volume", "--chime-volume"])
def test_nan_levels_are_usage_errors(option: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(["script", "quick-start", "--estimate", option, "nan"], capsys)
    assert (code, err.splitlines()[-1]) == (
        2,
        f"Error: Invalid value for '{option}': 'nan' is not a finite number",
    )


def test_an_empty_voice_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(["script", "quick-start", "--voice", ""], capsys)
    assert code == 2
    assert err.splitlines()[-1].startswith("Error: Invalid value for '--voice': '' is empty")


# --- YAML 1.1's number forms -------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "key", "seconds"),
    [
        ("hold: 1:30", "hold", 90.0),
        ("rest: 0:30", "rest", 30.0),
        ("lead_in: '0:05'", "lead_in", 5.0),
        ("switch: 0:02.5", "switch", 2.5),
        ("set_rest: 1:00", "set_rest", 60.0),
    ],
)
def test_minutes_and_seconds_work_in_every_duration(
    tmp_path: Path, line: str, key: str, seconds: float
) -> None:
    routine = check(
        tmp_path,
        one(
            f"hold: 5\nsets: 2\nsides: true\n{line}".replace(
                "hold: 5\n", "" if key == "hold" else "hold: 5\n"
            )
        )
        + "  - {name: F, hold: 1}\n",
    )
    assert getattr(routine.exercises[0], key) == seconds


def test_minutes_and_seconds_in_a_tempo(tmp_path: Path) -> None:
    assert check(tmp_path, one("reps: 2\ntempo: [0:02, 0:01.5]")).exercises[0].tempo == (2, 1.5)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "reps: 017",
            "`reps` `017` has a leading zero, which YAML 1.1 reads as an octal number; write `17`",
        ),
        (
            "hold: 017",
            "`hold` `017` has a leading zero, which YAML 1.1 reads as an octal number; write `17`",
        ),
        ("reps: 0x10", "`reps` must be a plain decimal number, not `0x10`"),
        ("reps: 0o17", "`reps` must be a whole number of at least 1, not `0o17`"),  # text
        ("reps: 0b11", "`reps` must be a plain decimal number, not `0b11`"),
        ("reps: 1:30", "`reps` must be a plain whole number, not the base-60 `1:30`"),
        (
            "hold: 1:30:00",
            "`hold` must be a duration such as `30s`, `1m`, `1m30s` or `1:30`, not `1:30:00`",
        ),
        (
            "hold: 1:75",
            "`hold` must be a duration such as `30s`, `1m`, `1m30s` or `1:30`, not `1:75`",
        ),
        ("hold: 61:00", "`hold` must be at most 1 hour, not `61:00`"),
    ],
)
def test_other_ways_of_writing_numbers_are_refused(tmp_path: Path, line: str, message: str) -> None:
    assert problems(tmp_path, one(line)) == [f"4:{line.index(':') + 7}: {message}"]


# --- text that cannot be spoken ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "label"),
    [
        ('name: "..."\nexercises:\n  - {name: E, hold: 1}\n', "1:7", "`name`"),
        (one("hold: 1") + '    cue: "?!"\n', "5:10", "`cue`"),
        (one("hold: 1") + '    cue: [Breathe., "\\u200b\\u200d"]\n', "5:21", "`cue` item 2"),
        (one("hold: 1") + '    why: "—"\n', "5:10", "`why`"),
        (one("reps: 2\ntempo: [1, 1]") + '    phases: [Up, "!"]\n', "6:18", "`phases` item 2"),
        (one("hold: 1") + '    sides: ["<", ">"]\n', "5:13", "`sides` item 1"),
        ('name: R\nintro: "…"\nexercises:\n  - {name: E, hold: 1}\n', "2:8", "`intro`"),
        ('name: R\noutro: "\\t\\x01"\nexercises:\n  - {name: E, hold: 1}\n', "2:8", "`outro`"),
        ('name: R\nexercises:\n  - {name: "-*-", hold: 1}\n', "3:12", "`name`"),
    ],
)
def test_text_that_cannot_be_spoken_is_a_located_error(
    tmp_path: Path, text: str, where: str, label: str
) -> None:
    found = problems(tmp_path, text)
    assert any(p.startswith(f"{where}: {label} has nothing a voice can say") for p in found), found


@pytest.mark.parametrize("name", ["Кошка", "猫のポーズ", "١٢", "Ü", "ठीक", "3"])
def test_text_in_any_script_can_be_spoken(tmp_path: Path, name: str) -> None:
    assert speakable(name)
    check(tmp_path, f'name: "{name}"\nexercises:\n  - {{name: "{name}", hold: 1}}\n')


def test_a_text_too_long_to_say_in_one_go_is_refused(tmp_path: Path) -> None:
    (message,) = problems(tmp_path, one("hold: 1") + "    cue: " + "word " * 300 + "\n")
    assert message == (
        "5:10: `cue` is 1,499 characters long; it may have at most 500 (split it into a list "
        "of shorter lines)"
    )
    check(tmp_path, one("hold: 1") + "    cue: " + "word " * 100 + "\n")  # 499 characters
    (message,) = problems(tmp_path, one("reps: 2\ntempo: [2, 2]\nphases: [Up, " + "d" * 61 + "]"))
    assert message == (
        "6:18: `phases` item 2 is 61 characters long; it may have at most 60 (a phase is a "
        "word or two said with each rep)"
    )


# --- control characters in messages and listings ----------------------------------------------


def test_shown_escapes_what_a_terminal_would_obey() -> None:
    assert (
        shown("a\nb\rc\td\x1b[31m\x85\u2028\u202e") == "a\\nb\\rc\\td\\x1b[31m\\x85\\u2028\\u202e"
    )
    assert shown("Brücke — 猫\u200d") == "Brücke — 猫\u200d"


def test_a_settings_key_with_a_newline_cannot_forge_a_line(
    config_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = config_home / "voicecoach"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "settings.toml").write_text('"x\\nError: forged" = 1\n', encoding="utf-8")
    code, _, err = run_main(["config"], capsys)
    assert code == 1
    assert len(err.splitlines()) == 1
    assert "unknown setting `x\\nError: forged`" in err


def test_names_from_a_routine_file_are_escaped_in_listings(
    user_routines: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = '"Evil\\nError: forged \\x1b[2J"'
    (user_routines / "evil.yaml").write_text(
        f"name: {evil}\nexercises:\n  - {{name: {evil}, hold: 1}}\n", encoding="utf-8"
    )
    for command in (["list"], ["show", "evil"], ["script", "evil", "--estimate"]):
        code, out, err = run_main(command, capsys)
        assert code == 0, err
        assert "\x1b" not in out
        assert not any(line.startswith("Error: forged") for line in out.splitlines())
        assert "Evil\\nError: forged \\x1b[2J" in out


def test_routine_dataclass_equality_ignores_where_exercises_stand(tmp_path: Path) -> None:
    routine = check(tmp_path, "\n\nname: R\nexercises:\n  - {name: E, hold: 1}\n")
    assert routine.exercises_at == (4, 1)
    assert routine == dataclasses.replace(routine, exercises_at=(1, 1))


def test_a_session_is_checked_again_before_it_is_rendered() -> None:
    from voicecoach.audio.session import prepare_session

    # Four hours of holds exactly: within the loader's check, but the chimes around them
    # make the session longer, so nothing is rendered even without a voice.
    sit = Exercise("Sit", WorkKind.HOLD, hold=3600.0, lead_in=0.0, rest=0.0)
    routine = Routine("sit", "Sit", (sit,), rounds=4, source=Path("sit.yaml"))
    with pytest.raises(RoutineError, match=r"^sit.yaml:1:1: the session runs 4 h 1 min"):
        prepare_session(routine, None)
