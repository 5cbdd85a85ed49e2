"""The README's "Command line" section documents every command, argument and option.

Each command needs a heading ``### `voicecoach NAME ...` `` with its arguments; each option
must appear in that command's part of the section, and the group's own options before the
first command.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from voicecoach.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"
HEADING = re.compile(r"^### `voicecoach ([a-z-]+)([^`]*)`\s*$", re.MULTILINE)


def cli_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Command line\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def command_sections() -> dict[str, tuple[str, str]]:
    """Each documented command: (the rest of its heading, the text of its part)."""
    section = cli_section()
    headings = list(HEADING.finditer(section))
    out: dict[str, tuple[str, str]] = {}
    for here, after in zip(headings, [*headings[1:], None], strict=True):
        body = section[here.end() : after.start() if after else len(section)]
        out[here.group(1)] = (here.group(2), body)
    return out


def option_names(params: list[click.Parameter]) -> list[str]:
    names: list[str] = []
    for param in params:
        if isinstance(param, click.Option) and param.name != "help":
            names += [*param.opts, *param.secondary_opts]
    return names


def mentioned(option: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_its_own_part(name: str) -> None:
    sections = command_sections()
    assert name in sections, f"README: add a `### \\`voicecoach {name} ...\\`` part"
    heading, body = sections[name]
    command = cli.commands[name]
    for param in command.params:
        if isinstance(param, click.Argument):
            assert param.human_readable_name in heading
    for option in option_names(command.params):
        assert mentioned(option, heading + body), f"README: document {option} of {name}"
    assert f"voicecoach {name}" in body, f"README: give an example of `voicecoach {name}`"


def test_the_groups_own_options_are_documented() -> None:
    section = cli_section()
    intro = section[: HEADING.search(section).start()]  # type: ignore[union-attr]
    for option in option_names(cli.params):
        assert mentioned(option, intro), f"README: document {option} of voicecoach itself"


def test_every_documented_command_and_option_exists() -> None:
    for name, (heading, _) in command_sections().items():
        assert name in cli.commands, f"README documents `voicecoach {name}`, which does not exist"
        for option in re.findall(r"--?[a-z][a-z-]*", heading):
            assert option in option_names(cli.commands[name].params)


def test_the_checks_catch_a_missing_option() -> None:
    assert mentioned("--json", "with `--json` on stdout")
    assert not mentioned("--json", "with `--jsonl` on stdout")
    assert not mentioned("-o", "the --output option")
