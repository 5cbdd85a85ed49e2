"""The session page, ``index.html``: one self-contained file that plays the session on a
phone or a computer, offline.

Everything is inside it: the style (``page.css``), a small hand-written script
(``page.js``), the timeline picture (an inline SVG) and the data the script needs (one JSON
blob: chapters and captions, in seconds). Its Content-Security-Policy lets it load nothing
but its own audio, so no request can leave it. Without a script it still plays, with the
browser's own controls. Every text from the routine is escaped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from html import escape
from importlib import resources
from typing import Any

from voicecoach.compile.cuescript import CueScript, CueType, to_seconds
from voicecoach.describe import describe_pauses, describe_work
from voicecoach.durations import format_clock
from voicecoach.pack.content import HANDOUT, PAGE, PackItem, PackOptions
from voicecoach.pack.timeline import legend_html, timeline, timeline_svg

ARTIST = "voicecoach"
CSP = (
    "default-src 'none'; media-src 'self' file: data: blob:; img-src data:; "
    "style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
)
"""Only the page's own audio may load: no font, image, script or connection from elsewhere."""


@cache
def _asset(name: str) -> str:
    return resources.files("voicecoach.pack").joinpath(name).read_text(encoding="utf-8")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def page_data(item: PackItem) -> dict[str, Any]:
    """What the page's script reads: times in seconds, texts as they are (the script
    sets them as text, never as markup)."""
    script = item.script
    return {
        "title": script.routine_name,
        "artist": ARTIST,
        "duration": to_seconds(script.length),
        "chapters": [
            {
                "title": chapter.title,
                "start": to_seconds(chapter.start),
                "end": to_seconds(chapter.end),
                "exercise": chapter.exercise,
                "round": chapter.round,
            }
            for chapter in script.chapters
        ],
        "captions": [
            {
                "text": " ".join(cue.text.split()),
                "start": to_seconds(cue.start),
                "end": to_seconds(cue.end),
            }
            for cue in script.cues
            if cue.type is CueType.SPEECH
        ],
    }


def data_json(data: object) -> str:
    """JSON that can sit inside a ``<script>`` element: every ``<`` written as ``\\u003c``,
    so no ``</script>`` or ``<!--`` in a routine's text can end or upset the element."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def _icon(path: str, name: str = "") -> str:
    return (
        f'<svg class="icon {name}" viewBox="0 0 24 24" aria-hidden="true" focusable="false">'
        f'<path d="{path}"/></svg>'
    )


_BACK = _icon("M6 5h2v14H6zM20 5v14L9 12z")
_PLAY = _icon("M7 4v16l13-8z", "play-icon")
_PAUSE = _icon("M6 4h4v16H6zM14 4h4v16h-4z", "pause-icon")
_NEXT = _icon("M16 5h2v14h-2zM4 5v14l11-7z")


def _button(name: str, label: str, icons: str, word: str, main: bool = False) -> str:
    kind = "control main" if main else "control"
    word_id = f' id="{name}-word"' if main else ""
    return (
        f'<button type="button" id="{name}" class="{kind}" aria-label="{label}">{icons}'
        f'<span class="control-word"{word_id}>{word}</span></button>'
    )


def _controls(script: CueScript) -> str:
    total = format_clock(script.duration)
    back = _button("back", "Back: to the start of this exercise, or the one before", _BACK, "Back")
    play = _button("play", "Play", _PLAY + _PAUSE, "Play", main=True)
    forward = _button("next", "Next exercise", _NEXT, "Next")
    return (
        f'<div class="controls">{back}{play}{forward}</div>\n<div class="seek">'
        '<label for="position" class="hidden-label">Position in the session</label>'
        f'<input type="range" id="position" min="0" max="{to_seconds(script.length)}" '
        f'step="1" value="0" aria-valuetext="0:00 of {total}">'
        f'<output id="clock" for="position">0:00 / {total}</output></div>'
    )


def _chapter_list(item: PackItem) -> str:
    script, routine = item.script, item.routine
    rounds = max((chapter.round for chapter in script.chapters), default=1)
    entries = []
    for number, chapter in enumerate(script.chapters):
        exercise = routine.exercises[chapter.exercise]
        title = f"{chapter.exercise + 1}. {chapter.title}"
        if rounds > 1:
            title += f" (round {chapter.round} of {rounds})"
        entries.append(
            f'<li><button type="button" class="chapter" data-index="{number}">'
            f'<span class="chapter-title">{escape(title)}</span>'
            f'<span class="chapter-at">{format_clock(to_seconds(chapter.start))}</span>'
            f'<span class="chapter-dose">{escape(describe_work(exercise))}</span>'
            "</button></li>"
        )
    return f'<ol id="chapters" class="chapters">{"".join(entries)}</ol>'


def _exercises(item: PackItem) -> str:
    routine = item.routine
    articles = []
    last = len(routine.exercises) - 1
    for index, exercise in enumerate(routine.exercises):
        lines = [
            f"<h3>{escape(f'{index + 1}. {exercise.name}')}</h3>",
            f'<p class="dose">{escape(describe_work(exercise))}</p>',
        ]
        cue = " ".join(" ".join(exercise.cue).split())
        if cue:
            lines.append(f"<p><strong>How:</strong> {escape(cue)}</p>")
        if exercise.why and exercise.why.strip():
            lines.append(f"<p><strong>Why:</strong> {escape(' '.join(exercise.why.split()))}</p>")
        pauses = describe_pauses(exercise, last=index == last)
        if pauses:
            lines.append(f'<p class="pauses">Pauses: {escape(pauses)}</p>')
        articles.append(f'<article class="exercise">{"".join(lines)}</article>')
    return "".join(articles)


def _summary(item: PackItem) -> str:
    routine, script = item.routine, item.script
    parts = [_plural(len(routine.exercises), "exercise")]
    if routine.rounds > 1:
        parts.append(_plural(routine.rounds, "round"))
    parts.append(f"{format_clock(script.duration)} in all")
    parts.append(f"aim for {_plural(item.weekly_target, 'session')} a week")
    return ", ".join(parts)


def _head(title: str, language: str) -> str:
    return f"""<!doctype html>
<html lang="{escape(language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="generator" content="{ARTIST}">
<title>{escape(title)}</title>
<style>{_asset("page.css")}</style>
</head>"""


def _takeaway(item: PackItem, options: PackOptions) -> str:
    """Links to the files beside the page: the handout to print, and the audio to keep.
    None for a page sent on its own (``single_file``), which has nothing beside it."""
    if options.single_file:
        return ""
    return (
        f'<p class="takeaway"><a href="{HANDOUT}">Print the handout</a>'
        f' · <a href="{escape(item.audio)}" download>Download the audio (MP3)</a></p>'
    )


def render_page(item: PackItem, audio_src: str, options: PackOptions) -> str:
    """The session page of ``item``, playing ``audio_src`` (the MP3 beside it, or a
    ``data:`` URI that carries it, for ``options.single_file``)."""
    routine, script = item.routine, item.script
    spans = timeline(routine, script)
    description = ""
    if routine.description and routine.description.strip():
        description = f'<p class="description">{escape(" ".join(routine.description.split()))}</p>'
    intro = ""
    if routine.intro and routine.intro.strip():
        intro = f'<p class="intro">{escape(" ".join(routine.intro.split()))}</p>'
    return f"""{_head(f"{script.routine_name} · {ARTIST}", routine.language)}
<body>
<header class="top">
<h1>{escape(script.routine_name)}</h1>
<p class="summary">{escape(_summary(item))}</p>
{description}
</header>
<main>
<section class="player" aria-label="Player">
<audio id="audio" controls preload="auto" src="{escape(audio_src)}"></audio>
<p class="now" id="now">{escape(script.routine_name)}</p>
<p class="caption" id="caption" aria-live="polite" aria-atomic="true"></p>
<div class="scripted-only">{_controls(script)}</div>
<figure class="timeline">
{timeline_svg(routine, script, spans)}
<figcaption>{legend_html(spans)}</figcaption>
</figure>
<p class="keys scripted-only">Keys: space plays and pauses, n goes to the next exercise,
b goes back, the arrows move by ten seconds.</p>
</section>
<section aria-labelledby="chapters-heading">
<h2 id="chapters-heading">Chapters</h2>
{_chapter_list(item)}
</section>
<section aria-labelledby="exercises-heading">
<h2 id="exercises-heading">The exercises</h2>
{intro}
{_exercises(item)}
</section>
</main>
<footer>{_takeaway(item, options)}
<p>Made with {ARTIST}. This page needs no network and no account.</p></footer>
<script type="application/json" id="session-data">{data_json(page_data(item))}</script>
<script>{_asset("page.js")}</script>
</body>
</html>
"""


def render_index(items: Sequence[PackItem], options: PackOptions) -> str:
    """The root page of a pack of several routines: a link to each one's page."""
    entries = []
    for item in items:
        summary = _summary(item)
        description = item.routine.description or ""
        entries.append(
            f'<li><a class="session-link" href="{escape(item.href(PAGE))}">'
            f'<span class="chapter-title">{escape(item.script.routine_name)}</span>'
            f'<span class="chapter-dose">{escape(summary)}</span></a>'
            f'<p class="description">{escape(" ".join(description.split()))}</p></li>'
        )
    feed = ""
    if options.feed_url:
        feed = (
            f'<p class="feed">In a podcast app, subscribe to <code>{escape(options.feed_url)}'
            "</code>: every session becomes an episode, with its chapters.</p>"
        )
    return f"""{_head(f"Sessions · {ARTIST}", "en")}
<body>
<header class="top"><h1>Sessions</h1>
<p class="summary">{escape(_plural(len(items), "session"))}; each page plays offline.</p>
</header>
<main><ul class="sessions">{"".join(entries)}</ul>{feed}</main>
<footer><p>Made with {ARTIST}. These pages need no network and no account.</p></footer>
</body>
</html>
"""


__all__ = ["CSP", "data_json", "page_data", "render_index", "render_page"]
