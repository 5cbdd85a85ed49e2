"""The chime set: names and exact lengths (the compiler times cues with these)."""

from __future__ import annotations

from voicecoach.cuescript import to_samples

# Each WAV in sounds/ is exactly this long; tests keep the files and this table equal.
CHIME_SECONDS: dict[str, float] = {
    "hold": 0.6,
    "release": 0.6,
    "switch": 0.9,
    "done": 1.6,
    "tick": 0.12,
    "next": 0.5,
}


def chime_samples(name: str) -> int:
    """Length of chime ``name`` in samples."""
    return to_samples(CHIME_SECONDS[name])
