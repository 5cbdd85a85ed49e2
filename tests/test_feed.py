"""The podcast feed and the JSON chapters, read back by a real feed parser (feedparser) and
checked against the Podcasting 2.0 chapters format."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import feedparser  # type: ignore[import-untyped]  # no stubs, no py.typed
import jsonschema
import pytest
from pack_items import SHIPPED, audio_file, hostile_item, item

from voicecoach.compile.compiler import compile_routine
from voicecoach.compile.cuescript import to_samples, to_seconds
from voicecoach.pack.content import PackItem, PackOptions
from voicecoach.pack.feed import ITUNES, PODCAST, chapters_json, episode_guid, render_feed

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "pack" / "podcast-chapters.schema.json").read_text()
)
FEED_URL = "https://clinic.example/packs/back/feed.xml"
BASE = "https://clinic.example/packs/back/"


def parsed(feed: str) -> Any:
    result = feedparser.parse(feed)
    assert not result.bozo, result.get("bozo_exception")
    return result


def several(tmp_path: Path) -> list[PackItem]:
    """Every shipped routine in its own folder, each with an MP3-sized file written there,
    of a different size."""
    items = []
    for number, routine_id in enumerate(SHIPPED):
        made = item(routine_id, folder=routine_id, audio_bytes=10_000 + 777 * number)
        size = audio_file(tmp_path, made).stat().st_size
        items.append(replace(made, audio_bytes=size))
    return items


def test_several_routines_are_several_episodes_of_one_feed(tmp_path: Path) -> None:
    items = several(tmp_path)
    feed = parsed(render_feed(items, PackOptions(feed_url=FEED_URL)))
    assert feed.version == "rss20"
    assert feed.feed.title.startswith("Exercise sessions: ")
    for pack_item in items:
        assert pack_item.routine.name in feed.feed.title
    assert feed.feed.author == "voicecoach"
    assert len(feed.entries) == len(SHIPPED) == 4
    for entry, pack_item in zip(feed.entries, items, strict=True):
        assert entry.title == pack_item.routine.name
        [enclosure] = entry.enclosures
        assert enclosure.href == f"{BASE}{pack_item.routine.id}/session.mp3"
        on_disk = (tmp_path / pack_item.routine.id / "session.mp3").stat().st_size
        assert int(enclosure.length) == on_disk
        assert enclosure.type == "audio/mpeg"
        assert int(entry.itunes_duration) == round(pack_item.script.duration)
        assert entry.podcast_chapters == {
            "url": f"{BASE}{pack_item.routine.id}/chapters.json",
            "type": "application/json+chapters",
        }
        assert entry.podcast_transcript["url"] == f"{BASE}{pack_item.routine.id}/session.vtt"
        assert entry.podcast_transcript["type"] == "text/vtt"
        assert entry.podcast_transcript["language"] == "en"
        assert entry.id == episode_guid(pack_item)
        assert entry.guidislink is False
        for exercise in pack_item.routine.exercises:
            assert exercise.name in entry.summary
    assert len({entry.id for entry in feed.entries}) == 4


def test_one_routine_at_the_packs_root_is_a_feed_of_one_episode() -> None:
    pack_item = item("lower-back-essentials", audio_bytes=2_345_678)
    options = PackOptions(url="https://clinic.example/packs/back/", feed_url=FEED_URL)
    feed = parsed(render_feed([pack_item], options))
    assert feed.feed.title == "Lower back essentials"
    assert feed.feed.link == "https://clinic.example/packs/back/"
    assert feed.feed.language == "en"
    assert feed.feed.subtitle.startswith("Seven gentle floor moves")
    [entry] = feed.entries
    assert entry.enclosures[0].href == f"{BASE}session.mp3"
    assert entry.enclosures[0].length == "2345678"
    assert entry.podcast_chapters["url"] == f"{BASE}chapters.json"
    assert entry.podcast_transcript["url"] == f"{BASE}session.vtt"


def test_the_itunes_tags_podcast_apps_require() -> None:
    pack_item = item("quick-start")
    feed = render_feed([pack_item], PackOptions(feed_url=FEED_URL), image_url=f"{BASE}art.png")
    channel = ET.fromstring(feed).find("channel")
    assert channel is not None
    assert channel.findtext(f"{{{ITUNES}}}explicit") == "false"
    assert channel.findtext(f"{{{ITUNES}}}author") == "voicecoach"
    category = channel.find(f"{{{ITUNES}}}category")
    assert category is not None and category.get("text") == "Health & Fitness"
    image = channel.find(f"{{{ITUNES}}}image")
    assert image is not None and image.get("href") == f"{BASE}art.png"
    episode = channel.find("item")
    assert episode is not None
    assert episode.findtext(f"{{{ITUNES}}}explicit") == "false"
    assert episode.findtext(f"{{{ITUNES}}}summary", "").startswith(
        pack_item.routine.description or ""
    )
    transcript = episode.find(f"{{{PODCAST}}}transcript")
    assert transcript is not None and transcript.get("rel") == "captions"


def test_the_same_routines_give_the_same_bytes_and_a_changed_session_a_new_guid(
    tmp_path: Path,
) -> None:
    options = PackOptions(feed_url=FEED_URL)
    first = render_feed(several(tmp_path), options)
    again = render_feed(several(tmp_path), options)
    assert first == again
    pack_item = item("quick-start")
    slower = replace(
        pack_item, script=compile_routine(pack_item.routine, speech=lambda text: to_samples(2.5))
    )
    assert episode_guid(slower) != episode_guid(pack_item)
    assert episode_guid(slower).startswith("voicecoach:quick-start:")


def test_episodes_are_dated_as_told_and_never_by_the_clock() -> None:
    pack_item = item("quick-start")
    when = datetime(2026, 11, 30, 9, 15, tzinfo=timezone(timedelta(hours=1)))
    feed = parsed(render_feed([pack_item], PackOptions(feed_url=FEED_URL), published=when))
    assert feed.entries[0].published == "Mon, 30 Nov 2026 08:15:00 +0000"
    undated = parsed(render_feed([pack_item], PackOptions(feed_url=FEED_URL)))
    assert undated.entries[0].published == "Thu, 01 Jan 2026 00:00:00 +0000"


def test_markup_and_xml_specials_in_a_routine_stay_text() -> None:
    hostile = hostile_item(folder="odd")
    feed = render_feed([hostile], PackOptions(feed_url=FEED_URL))
    tree = ET.fromstring(feed)  # well-formed
    assert tree.find(".//script") is None and tree.find(".//b") is None
    channel = tree.find("channel")
    assert channel is not None
    assert channel.findtext("title") == hostile.routine.name
    episode = channel.find("item")
    assert episode is not None
    assert episode.findtext("title") == hostile.routine.name
    summary = episode.findtext(f"{{{ITUNES}}}summary", "")
    assert "<i>Hold</i> & \"squeeze\" 'now'" in summary
    # The HTML description escapes the routine's text once more: it reads as text.
    description = episode.findtext("description", "")
    assert '&lt;i&gt;Hold&lt;/i&gt; &amp; "squeeze"' in description
    assert "<i>" not in description
    entry = parsed(feed).entries[0]
    assert entry.title == hostile.routine.name
    assert entry.enclosures[0].href == f"{BASE}odd/session.mp3"


def test_control_characters_xml_cannot_hold_are_left_out() -> None:
    pack_item = item("quick-start")
    odd = replace(pack_item, routine=replace(pack_item.routine, name="Bell\x07 and\x1b[31m red"))
    feed = render_feed([odd], PackOptions(feed_url=FEED_URL))
    assert parsed(feed).feed.title == "Bell and[31m red"


def test_a_feed_needs_its_address_and_a_routine() -> None:
    with pytest.raises(ValueError, match="feed_url"):
        render_feed([item("quick-start")], PackOptions())
    with pytest.raises(ValueError, match="at least one"):
        render_feed([], PackOptions(feed_url=FEED_URL))


@pytest.mark.parametrize("routine_id", SHIPPED)
def test_the_chapters_are_the_sessions_in_the_podcasting_format(routine_id: str) -> None:
    pack_item = item(routine_id)
    document = json.loads(chapters_json(pack_item))
    jsonschema.validate(document, SCHEMA)
    assert document["version"] == "1.2.0"
    assert document["title"] == pack_item.routine.name
    chapters = document["chapters"]
    script = pack_item.script
    assert [c["title"] for c in chapters] == [c.title for c in script.chapters]
    assert [c["startTime"] for c in chapters] == [to_seconds(c.start) for c in script.chapters]
    assert chapters[0]["startTime"] == 0
    assert all(type(c["startTime"]) is float for c in chapters)
    starts = [c["startTime"] for c in chapters]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert chapters[-1]["endTime"] == pytest.approx(script.duration)


def test_the_schema_refuses_what_the_format_does_not_allow() -> None:
    good = json.loads(chapters_json(item("quick-start")))
    for broken in (
        {key: value for key, value in good.items() if key != "version"},
        {**good, "version": 1.2},
        {**good, "chapters": [{"title": "no start"}]},
        {**good, "chapters": [{"startTime": "0:00", "title": "text time"}]},
        {**good, "chapters": [{"start_time": 0}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, SCHEMA)


def test_chapters_of_several_rounds_say_their_round() -> None:
    pack_item = item("quick-start")
    routine = replace(pack_item.routine, rounds=2)
    twice = replace(pack_item, routine=routine, script=compile_routine(routine))
    document = json.loads(chapters_json(twice))
    jsonschema.validate(document, SCHEMA)
    titles = [c["title"] for c in document["chapters"]]
    assert titles == [
        "Pelvic tilt (round 1 of 2)",
        "Knee to chest (round 1 of 2)",
        "Pelvic tilt (round 2 of 2)",
        "Knee to chest (round 2 of 2)",
    ]
