"""What a pack holds besides each routine's audio, cues and captions (which the export
writes): a list of parts, each a function from the pack's items and options to the files
it adds, by their path in the pack ("/" between parts). A new kind of file is one more
entry in ``PARTS``; ``build`` writes whatever they return, refusing paths that leave the
pack or are claimed twice."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone

from voicecoach.pack.content import FEED, HANDOUT, PAGE, PackItem, PackOptions
from voicecoach.pack.feed import chapters_json, render_feed
from voicecoach.pack.handout import render_handout
from voicecoach.pack.page import render_index, render_page

Part = Callable[[Sequence[PackItem], PackOptions], Mapping[str, bytes]]
Audio = Callable[[PackItem], bytes]
"""An item's MP3, as written into the pack (``build`` reads it back for ``--single-file``)."""

ItemRenderer = Callable[[PackItem, PackOptions], str]


def per_item(name: Callable[[PackItem], str], render: ItemRenderer) -> Part:
    """A part that writes one file into each routine's folder: ``name(item)`` is the
    file's name there, ``render`` its text."""

    def part(items: Sequence[PackItem], options: PackOptions) -> Mapping[str, bytes]:
        return {item.href(name(item)): render(item, options).encode("utf-8") for item in items}

    return part


def data_uri(mp3: bytes) -> str:
    """The audio inside a URI, for a page that must carry it."""
    return "data:audio/mpeg;base64," + base64.b64encode(mp3).decode("ascii")


def pages(audio: Audio) -> Part:
    """Each routine's session page in its folder, and with several routines a page at the
    root that lists them. A page plays the MP3 beside it, or carries it (``single_file``)."""

    def part(items: Sequence[PackItem], options: PackOptions) -> Mapping[str, bytes]:
        files: dict[str, bytes] = {}
        for item in items:
            source = data_uri(audio(item)) if options.single_file else item.audio
            files[item.href(PAGE)] = render_page(item, source, options).encode("utf-8")
        if len(items) > 1 or any(item.folder for item in items):
            files[PAGE] = render_index(items, options).encode("utf-8")
        return files

    return part


def written(items: Sequence[PackItem]) -> datetime | None:
    """When the newest of the routines packed was last changed: the date of their episodes
    (None when none has a file), so packing unchanged routines gives the same feed."""
    stamps = []
    for item in items:
        if item.routine.source is not None:
            try:
                stamps.append(item.routine.source.stat().st_mtime)
            except OSError:
                continue
    return datetime.fromtimestamp(int(max(stamps)), timezone.utc) if stamps else None


def feed(items: Sequence[PackItem], options: PackOptions) -> Mapping[str, bytes]:
    """``feed.xml`` at the pack's root, one episode a routine, when the feed has an address."""
    if options.feed_url is None:
        return {}
    return {FEED: render_feed(items, options, published=written(items)).encode("utf-8")}


def parts(audio: Audio) -> tuple[Part, ...]:
    """Every part of a pack, in the order they are written."""
    return (
        pages(audio),
        per_item(lambda item: HANDOUT, render_handout),
        per_item(lambda item: item.chapters, lambda item, _options: chapters_json(item)),
        feed,
    )


__all__ = ["Audio", "Part", "data_uri", "feed", "pages", "parts", "per_item", "written"]
