"""The printable handout, ``handout.html``: the routine on one or two sheets of A4 or
Letter for the fridge. Each exercise with its dosage in words, its cue and why; how long
the session takes and how often to do it; boxes to tick; a QR code to the hosted pack
when there is one. One file, its style inline, no request leaves it: it prints the same
from a USB stick as from a web server."""

from __future__ import annotations

import html

import segno

from voicecoach.pack.content import PackItem, PackOptions
from voicecoach.pack.words import dosage, how_often, printable, rounds_text, session_length
from voicecoach.routine.model import Exercise

MAX_BOXES = 14
"""Tick boxes drawn for the weekly target; a bigger target gets none (a row of 50 boxes
helps nobody)."""

STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
html { background: #fff; color: #111; }
body { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  margin: 0 auto; max-width: 46rem; padding: 1.5rem 1rem 3rem; }
header { display: flex; gap: 1rem; align-items: flex-start; justify-content: space-between;
  border-bottom: 2px solid #111; padding-bottom: .6rem; margin-bottom: .8rem; }
h1 { font-size: 1.7rem; line-height: 1.15; margin: 0 0 .35rem; }
.facts { margin: 0; font-size: 1.05rem; }
.facts b { font-weight: 700; }
.about, .before { margin: .35rem 0 0; }
.ticks { margin: .45rem 0 0; display: flex; flex-wrap: wrap; align-items: center; gap: .3rem; }
.ticks span.box { display: inline-block; width: 1.1rem; height: 1.1rem; border: 1.5px solid #111;
  border-radius: 3px; }
figure.qr { margin: 0; text-align: center; flex: none; width: 8.5rem; }
figure.qr svg { display: block; width: 100%; height: auto; }
figure.qr figcaption { font-size: .7rem; overflow-wrap: anywhere; color: #333; }
ol.exercises { list-style: none; counter-reset: ex; margin: 0; padding: 0; }
ol.exercises > li { counter-increment: ex; break-inside: avoid; page-break-inside: avoid;
  padding: .45rem 0 .45rem 2.2rem; border-bottom: 1px solid #bbb; position: relative; }
ol.exercises > li::before { content: counter(ex); position: absolute; left: 0; top: .45rem;
  width: 1.6rem; height: 1.6rem; border-radius: 50%; background: #111; color: #fff;
  font-weight: 700; text-align: center; line-height: 1.6rem; font-size: .9rem; }
h2 { font-size: 1.15rem; margin: 0; display: inline; }
.dosage { font-weight: 700; margin-left: .5rem; }
.dosage::before { content: "\\2014\\00a0"; font-weight: 400; }
.cue, .why { margin: .15rem 0 0; }
.why { color: #333; font-style: italic; }
.why b { font-style: normal; }
footer { margin-top: .8rem; font-size: .8rem; color: #333; }
@media screen and (max-width: 34rem) {
  header { flex-direction: column; }
  figure.qr { width: 7rem; }
}
@page { margin: 12mm 13mm; }
@media print {
  body { font-size: 10pt; line-height: 1.3; max-width: none; padding: 0; }
  h1 { font-size: 17pt; }
  h2 { font-size: 11pt; }
  .facts { font-size: 10.5pt; }
  figure.qr { width: 28mm; }
  ol.exercises > li { padding: 1.6mm 0 1.6mm 8mm; }
  ol.exercises > li::before { top: 1.6mm; width: 5.5mm; height: 5.5mm; line-height: 5.5mm;
    font-size: 8pt; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  footer { font-size: 8pt; }
}
"""


def _esc(text: str) -> str:
    return html.escape(printable(text), quote=True)


def _exercise(exercise: Exercise) -> str:
    name = _esc(exercise.name.strip())
    parts = ["<li>", f'<h2>{name}</h2><span class="dosage">{_esc(dosage(exercise))}</span>']
    if exercise.cue:
        parts.append(f'<p class="cue">{_esc(" ".join(line.strip() for line in exercise.cue))}</p>')
    if exercise.why:
        parts.append(f'<p class="why"><b>Why:</b> {_esc(exercise.why.strip())}</p>')
    parts.append("</li>")
    return "".join(parts)


def qr_svg(url: str) -> str:
    """An inline SVG of a QR code for ``url`` (a full-size code, never a Micro QR, which
    phone cameras do not read), drawn in the page so printing needs no network."""
    code = segno.make_qr(url, error="m", boost_error=False)
    svg: str = code.svg_inline(
        scale=1, border=4, omitsize=True, svgclass="qr-code", title="QR code"
    )
    return svg.replace("<svg ", '<svg role="img" aria-label="QR code" ', 1)


def _ticks(weekly_target: int) -> str:
    if not 1 <= weekly_target <= MAX_BOXES:
        return ""
    boxes = '<span class="box"></span>' * weekly_target
    return f'<p class="ticks" aria-hidden="true">This week:&nbsp;{boxes}</p>'


def render_handout(item: PackItem, options: PackOptions) -> str:
    """The handout of one routine, as a whole HTML document."""
    routine = item.routine
    facts = [
        f"<b>{_esc(session_length(item.script.duration).capitalize())}</b>",
        f"<b>{_esc(how_often(item.weekly_target))}</b>",
    ]
    rounds = rounds_text(routine.rounds)
    if rounds:
        facts.append(f"<b>{_esc(rounds)}</b>")
    count = len(routine.exercises)
    facts.append(f"{count} exercise{'' if count == 1 else 's'}")
    intro = []
    if routine.description:
        intro.append(f'<p class="about">{_esc(" ".join(routine.description.split()))}</p>')
    if routine.intro:
        before = _esc(" ".join(routine.intro.split()))
        intro.append(f'<p class="before"><b>Before you start:</b> {before}</p>')
    qr = ""
    if options.url:
        qr = (
            f'<figure class="qr">{qr_svg(options.url)}'
            f"<figcaption>{_esc(options.url)}</figcaption></figure>"
        )
    listen = f"The spoken session: {_esc(item.audio)}"
    if options.url:
        listen += f" (or scan the code: {_esc(options.url)})"
    return "".join(
        [
            "<!doctype html>\n",
            f'<html lang="{_esc(routine.language)}"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_esc(routine.name.strip())}: handout</title>",
            f"<style>{STYLE}</style></head><body>",
            "<header><div>",
            f"<h1>{_esc(routine.name.strip())}</h1>",
            f'<p class="facts">{" · ".join(facts)}</p>',
            *intro,
            _ticks(item.weekly_target),
            f"</div>{qr}</header>",
            '<main><ol class="exercises">',
            *(_exercise(exercise) for exercise in routine.exercises),
            "</ol></main>",
            f"<footer>{listen}.</footer>",
            "</body></html>\n",
        ]
    )


__all__ = ["qr_svg", "render_handout"]
