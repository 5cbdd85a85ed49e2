"""Text read from other people's files: whether it can be spoken, and how to show it.

Names, cues and keys come from routine files, settings files and the history; a voice
engine can say nothing for ``"..."`` or a zero-width space, and a terminal obeys a control
character (a newline, an escape sequence) printed inside a message. So spoken text must
hold a letter or a digit, and everything shown on a terminal goes through ``shown``.
"""

from __future__ import annotations

import unicodedata
from typing import Final

# What makes a terminal start a line, move the cursor or reorder text: C0 and C1 controls
# (categories Cc), the line and paragraph separators and the bidirectional overrides.
_BIDI_CONTROLS: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NAMED: Final = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def terminal_unsafe(char: str) -> bool:
    """What a terminal obeys or reorders rather than shows: the control characters, the
    line and paragraph separators and the bidirectional overrides."""
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI_CONTROLS


def shown(text: str) -> str:
    """``text`` safe to print on one line: control characters become escapes (``\\n``,
    ``\\x1b``, ``\\u2028``); the backslash itself is left as it is."""
    if not any(terminal_unsafe(char) for char in text):
        return text
    out = []
    for char in text:
        if not terminal_unsafe(char):
            out.append(char)
        elif char in _NAMED:
            out.append(_NAMED[char])
        elif ord(char) < 0x100:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(f"\\u{ord(char):04x}")
    return "".join(out)


def shown_lines(text: str) -> str:
    """Several lines made by voicecoach (a listing), each line made safe by ``shown``."""
    return "\n".join(shown(line) for line in text.split("\n"))


def speakable(text: str) -> bool:
    """Whether a voice has something to say: at least one letter or digit, in any script.

    Punctuation, symbols, spaces, zero-width and control characters alone say nothing.
    Marks (accents, vowel signs) count only with a letter, which they need anyway.
    """
    return any(unicodedata.category(char)[0] in "LN" for char in text)


__all__ = ["shown", "shown_lines", "speakable"]
