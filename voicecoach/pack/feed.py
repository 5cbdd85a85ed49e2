"""The podcast feed, ``feed.xml``, and each session's JSON chapters: a pack put on any web
server becomes a podcast, so any podcast app gives lock-screen play, headset buttons,
chapter skipping and offline download.

RSS 2.0 with Apple's iTunes tags and the Podcasting 2.0 namespace (``podcast:chapters``,
``podcast:transcript``); one episode per routine packed. Pure functions of the pack's
content: the same routines give the same bytes, so a feed rebuilt unchanged does not make
podcast apps fetch anything again."""

from __future__ import annotations

import hashlib
import html
import json
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any, Final

from voicecoach.compile.cuescript import to_seconds
from voicecoach.pack.content import PackItem, PackOptions
from voicecoach.pack.words import dosage, printable, session_length

ITUNES: Final = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST: Final = "https://podcastindex.org/namespace/1.0"
ATOM: Final = "http://www.w3.org/2005/Atom"
CHAPTERS_VERSION: Final = "1.2.0"
CHAPTERS_TYPE: Final = "application/json+chapters"
CAPTIONS_TYPE: Final = "text/vtt"
AUDIO_TYPE: Final = "audio/mpeg"
DEFAULT_PUBLISHED: Final = datetime(2026, 1, 1, tzinfo=timezone.utc)
"""The date episodes carry when the caller gives none: a fixed one, so a feed is a pure
function of its routines. The pack command passes its own (the routines' newest change)."""
CATEGORY: Final = "Health & Fitness"

for _prefix, _uri in (("itunes", ITUNES), ("podcast", PODCAST), ("atom", ATOM)):
    ET.register_namespace(_prefix, _uri)


def _q(namespace: str, tag: str) -> str:
    return f"{{{namespace}}}{tag}"


def _add(
    parent: ET.Element, tag: str, text: str | None = None, attributes: dict[str, str] | None = None
) -> ET.Element:
    """A child element; ElementTree escapes its text and attributes, and ``printable``
    drops what XML cannot hold at all."""
    element = ET.SubElement(parent, tag, {k: printable(v) for k, v in (attributes or {}).items()})
    if text is not None:
        element.text = printable(text)
    return element


def file_url(feed_url: str, item: PackItem, name: str) -> str:
    """The address of one of ``item``'s files, from the feed's own address (the pack's
    root is the folder ``feed.xml`` is in)."""
    return urllib.parse.urljoin(feed_url, urllib.parse.quote(item.href(name), safe="/"))


def episode_guid(item: PackItem) -> str:
    """An episode's id: its routine's id and a digest of what it says and how long it
    lasts, so it stays the same across runs and changes when the session does."""
    digest = hashlib.sha256(item.script.to_json().encode("utf-8")).hexdigest()[:20]
    return f"voicecoach:{item.routine.id}:{digest}"


def _summary(item: PackItem) -> str:
    """An episode's text: the routine's description, its length, its exercises and
    their dosages."""
    routine = item.routine
    lines = [" ".join(routine.description.split())] if routine.description else []
    lines.append(f"{session_length(item.script.duration).capitalize()}.")
    lines += [f"{n}. {ex.name.strip()} ({dosage(ex)})" for n, ex in enumerate(routine.exercises, 1)]
    return "\n".join(lines)


def _html_text(text: str) -> str:
    """Text inside an HTML element (quotes need no escaping there)."""
    return html.escape(text, quote=False)


def _summary_html(item: PackItem) -> str:
    """The same as HTML, for the ``description`` podcast apps show as a page (each piece
    of routine text escaped here, the whole escaped again by the XML writer)."""
    routine = item.routine
    parts = (
        [f"<p>{_html_text(' '.join(routine.description.split()))}</p>"]
        if routine.description
        else []
    )
    parts.append(f"<p>{_html_text(session_length(item.script.duration).capitalize())}.</p><ol>")
    parts += [
        f"<li>{_html_text(f'{ex.name.strip()} ({dosage(ex)})')}</li>" for ex in routine.exercises
    ]
    parts.append("</ol>")
    return "".join(parts)


def _channel_title(items: Sequence[PackItem]) -> str:
    names = [item.routine.name.strip() for item in items]
    if len(names) == 1:
        return names[0]
    return f"Exercise sessions: {', '.join(names[:-1])} and {names[-1]}"


def _episode(
    channel: ET.Element, item: PackItem, number: int, feed_url: str, published: datetime
) -> None:
    routine = item.routine
    summary = _summary(item)
    episode = _add(channel, "item")
    _add(episode, "title", routine.name.strip())
    _add(episode, "description", _summary_html(item))
    _add(episode, "guid", episode_guid(item), {"isPermaLink": "false"})
    _add(episode, "pubDate", format_datetime(published))
    enclosure = {
        "url": file_url(feed_url, item, item.audio),
        "length": str(item.audio_bytes),
        "type": AUDIO_TYPE,
    }
    _add(episode, "enclosure", None, enclosure)
    _add(episode, _q(ITUNES, "title"), routine.name.strip())
    _add(episode, _q(ITUNES, "summary"), summary)
    _add(episode, _q(ITUNES, "duration"), str(round(item.script.duration)))
    _add(episode, _q(ITUNES, "episode"), str(number))
    _add(episode, _q(ITUNES, "episodeType"), "full")
    _add(episode, _q(ITUNES, "explicit"), "false")
    chapters = {"url": file_url(feed_url, item, item.chapters), "type": CHAPTERS_TYPE}
    _add(episode, _q(PODCAST, "chapters"), None, chapters)
    transcript = {
        "url": file_url(feed_url, item, item.captions),
        "type": CAPTIONS_TYPE,
        "language": routine.language,
        "rel": "captions",
    }
    _add(episode, _q(PODCAST, "transcript"), None, transcript)


def render_feed(
    items: Sequence[PackItem],
    options: PackOptions,
    *,
    title: str | None = None,
    author: str = "voicecoach",
    image_url: str | None = None,
    published: datetime | None = None,
) -> str:
    """The RSS 2.0 feed of the pack at ``options.feed_url``: one episode per item, in
    order. ``published`` (default: a fixed date) dates every episode and the feed."""
    if options.feed_url is None:
        raise ValueError("a feed needs its own address (feed_url)")
    if not items:
        raise ValueError("a feed needs at least one routine")
    feed_url = options.feed_url
    when = (published or DEFAULT_PUBLISHED).astimezone(timezone.utc)
    name = title if title is not None else _channel_title(items)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = _add(rss, "channel")
    _add(channel, "title", name)
    _add(channel, "link", options.url or urllib.parse.urljoin(feed_url, "./"))
    if len(items) == 1 and items[0].routine.description:
        about = " ".join((items[0].routine.description or "").split())
    else:
        about = (
            f"Guided exercise sessions, spoken: {', '.join(i.routine.name.strip() for i in items)}."
        )
    _add(channel, "description", about)
    _add(channel, "language", items[0].routine.language)
    _add(channel, "generator", "voicecoach")
    _add(channel, "lastBuildDate", format_datetime(when))
    self_link = {"href": feed_url, "rel": "self", "type": "application/rss+xml"}
    _add(channel, _q(ATOM, "link"), None, self_link)
    _add(channel, _q(ITUNES, "author"), author)
    _add(channel, _q(ITUNES, "summary"), about)
    _add(channel, _q(ITUNES, "type"), "episodic")
    _add(channel, _q(ITUNES, "explicit"), "false")
    _add(channel, _q(ITUNES, "category"), None, {"text": CATEGORY})
    if image_url:
        _add(channel, _q(ITUNES, "image"), None, {"href": image_url})
    for number, item in enumerate(items, 1):
        _episode(channel, item, number, feed_url, when)
    ET.indent(rss)
    body = ET.tostring(rss, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def chapters_json(item: PackItem) -> str:
    """The session's chapters as a Podcasting 2.0 JSON chapters document: one chapter
    per exercise (and round), its start and end in seconds."""
    rounds = item.routine.rounds
    chapters: list[dict[str, Any]] = []
    for chapter in item.script.chapters:
        title = chapter.title
        if rounds > 1:
            title = f"{title} (round {chapter.round} of {rounds})"
        chapters.append(
            {
                "startTime": to_seconds(chapter.start),
                "endTime": to_seconds(chapter.end),
                "title": printable(title),
            }
        )
    document = {
        "version": CHAPTERS_VERSION,
        "title": printable(item.routine.name.strip()),
        "chapters": chapters,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


__all__ = ["chapters_json", "episode_guid", "file_url", "render_feed"]
