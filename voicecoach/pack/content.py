"""What every part of a pack is made from: one ``PackItem`` per routine packed (its routine,
its compiled cue script and the names of its files in the pack) and the ``PackOptions`` the
command was given. The page, the handout and the feed are pure functions of these."""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.compile.cuescript import CueScript
from voicecoach.routine.model import Routine

AUDIO = "session.mp3"
CAPTIONS = "session.vtt"
CUES = "session.cues.json"
CHAPTERS = "chapters.json"
PAGE = "index.html"
HANDOUT = "handout.html"
FEED = "feed.xml"


@dataclass(frozen=True)
class PackItem:
    """One routine in a pack. ``folder`` is where its files are, relative to the pack's
    root, with "/" between parts: "" when the pack holds one routine, its id when it holds
    several. ``audio_bytes`` is the size of its MP3 (the feed's enclosure length)."""

    routine: Routine
    script: CueScript
    audio_bytes: int
    weekly_target: int
    folder: str = ""
    audio: str = AUDIO
    captions: str = CAPTIONS
    cues: str = CUES
    chapters: str = CHAPTERS

    def href(self, name: str) -> str:
        """The path of one of its files from the pack's root."""
        return f"{self.folder}/{name}" if self.folder else name


@dataclass(frozen=True)
class PackOptions:
    """``url``: where the pack will be hosted (the handout's QR code points there);
    ``feed_url``: the feed's own address (``feed.xml`` is written only with it);
    ``single_file``: the page carries the audio inside it, so one file can be sent."""

    url: str | None = None
    feed_url: str | None = None
    single_file: bool = False
