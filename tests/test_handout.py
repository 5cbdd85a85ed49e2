"""The printable handout: printed to PDF by headless Chromium and read back with poppler's
``pdftotext`` and ``pdfinfo``, for every shipped routine on A4 and on Letter."""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import segno
from browser_env import Browser
from pack_items import SHIPPED, hostile_item, item

from voicecoach.pack.content import PackItem, PackOptions
from voicecoach.pack.handout import MAX_BOXES, qr_svg, render_handout
from voicecoach.pack.words import dosage, how_often, session_length

URL = "https://clinic.example/packs/lower-back/"
POPPLER_SECONDS = 30
PAPER_POINTS = {"A4": (595.92, 841.92), "Letter": (612.0, 792.0)}


def poppler(*args: str) -> str:
    return subprocess.run(
        args, capture_output=True, text=True, check=True, timeout=POPPLER_SECONDS
    ).stdout


def squeezed(text: str) -> str:
    """Text without any whitespace: a line broken anywhere still matches."""
    return re.sub(r"\s+", "", text)


def printed(browser: Browser, pack_item: PackItem, folder: Path, paper: str) -> Path:
    page = folder / "handout.html"
    page.write_text(render_handout(pack_item, PackOptions(url=URL)), encoding="utf-8")
    browser.open(page, size=(1024, 768))
    assert browser.network_requests() == []
    assert browser.console_errors() == []
    return browser.print_pdf(folder / f"handout-{paper}.pdf", paper)


@pytest.mark.browser
@pytest.mark.parametrize("paper", ["A4", "Letter"])
@pytest.mark.parametrize("routine_id", SHIPPED)
def test_every_exercise_and_its_dosage_print_on_at_most_two_pages(
    browser: Browser, tmp_path: Path, routine_id: str, paper: str
) -> None:
    pack_item = item(routine_id, target=4)
    pdf = printed(browser, pack_item, tmp_path, paper)
    info = poppler("pdfinfo", str(pdf))
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert 1 <= pages <= 2
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.MULTILINE)
    assert size is not None
    assert (float(size[1]), float(size[2])) == pytest.approx(PAPER_POINTS[paper], abs=1)
    text = squeezed(poppler("pdftotext", "-enc", "UTF-8", str(pdf), "-"))
    routine = pack_item.routine
    assert squeezed(routine.name) in text
    assert squeezed(session_length(pack_item.script.duration).capitalize()) in text
    assert "4timesaweek" in text
    for exercise in routine.exercises:
        assert squeezed(exercise.name) in text, exercise.name
        assert squeezed(f"{exercise.name}—{dosage(exercise)}") in text, exercise.name
        for line in exercise.cue:
            assert squeezed(line) in text
        if exercise.why:
            assert squeezed(exercise.why) in text


@pytest.mark.browser
def test_the_handout_reads_on_a_phone_without_scrolling_sideways(
    browser: Browser, tmp_path: Path
) -> None:
    page = tmp_path / "handout.html"
    page.write_text(render_handout(item("back-care-13"), PackOptions(url=URL)), encoding="utf-8")
    browser.open(page)
    assert browser.run("return document.documentElement.scrollWidth") <= 390
    font = browser.run("return parseFloat(getComputedStyle(document.body).fontSize)")
    assert font >= 16
    assert browser.run("return document.querySelectorAll('ol.exercises > li').length") == 14


@pytest.mark.browser
def test_markup_in_a_routine_prints_as_text(browser: Browser, tmp_path: Path) -> None:
    hostile = hostile_item()
    page = tmp_path / "handout.html"
    page.write_text(render_handout(hostile, PackOptions(url=URL + '"><script>x()</script>')))
    browser.open(page, size=(1024, 768))
    assert browser.run("return document.title") == f"{hostile.routine.name}: handout"
    assert browser.run("return document.scripts.length + document.images.length") == 0
    assert browser.run("return document.querySelector('h1').textContent") == hostile.routine.name
    names = browser.run(
        "return [...document.querySelectorAll('h2')].map(function (h) { return h.textContent; })"
    )
    assert names == [exercise.name for exercise in hostile.routine.exercises]
    assert browser.console_errors() == []
    text = squeezed(poppler("pdftotext", str(browser.print_pdf(tmp_path / "h.pdf")), "-"))
    assert squeezed("</li></ol><img src=x onerror=alert(1)>") in text
    assert squeezed('<i>Hold</i> & "squeeze"') in text


class Tags(HTMLParser):
    """The tags and the text of a page, as an HTML parser reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def tags_of(page: str) -> Tags:
    tags = Tags()
    tags.feed(page)
    tags.close()
    return tags


def test_routine_text_is_escaped_and_the_page_asks_for_nothing() -> None:
    hostile = hostile_item()
    page = render_handout(hostile, PackOptions(url=URL))
    tags = tags_of(page)
    assert set(tags.tags) <= {
        "html", "head", "meta", "title", "style", "body", "header", "div", "h1", "p", "b",
        "span", "figure", "svg", "path", "figcaption", "main", "ol", "li", "h2", "footer",
    }  # fmt: skip
    assert tags.tags.count("h2") == len(hostile.routine.exercises)
    assert not [name for name, _ in tags.attributes if name in ("src", "href", "srcset")]
    assert "url(" not in page and "@import" not in page
    text = "".join(tags.text)
    assert hostile.routine.name in text
    assert "Because 1 < 2 && 3 > 2" in text


def test_the_print_stylesheet_sets_the_margins_and_leaves_the_paper_to_the_printer() -> None:
    page = render_handout(item("quick-start"), PackOptions())
    assert "@page { margin:" in page and "@media print" in page
    assert "size:" not in page.split("@page", 1)[1].split("}", 1)[0]
    assert "break-inside: avoid" in page


def qr_matrix_drawn(svg: str) -> list[list[int]]:
    """The modules the SVG path draws (segno's path: moves, and horizontal runs of dark
    modules along the middle of each row), read back as rows of 0 and 1."""
    size = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)[1])  # type: ignore[index]
    path = re.search(r' d="([^"]+)"', svg)[1]  # type: ignore[index]
    grid = [[0] * size for _ in range(size)]
    x = y = 0.0
    for command, first, second in re.findall(r"([MmHh])(-?[\d.]+)(?:[ ,](-?[\d.]+))?", path):
        if command == "M":
            x, y = float(first), float(second)
        elif command == "m":
            x, y = x + float(first), y + float(second)
        else:
            end = float(first) if command == "H" else x + float(first)
            for column in range(int(x), int(end)):
                grid[int(y)][column] = 1
            x = end
    return grid


def test_the_qr_code_drawn_is_the_code_of_the_url() -> None:
    """No QR decoder is installed, so this reads the code back from the drawing and checks
    it is the one segno makes for the URL, a full QR code (phone cameras skip Micro QR)."""
    page = render_handout(item("lower-back-essentials"), PackOptions(url=URL))
    [svg] = re.findall(r"<svg.*?</svg>", page, re.DOTALL)
    assert svg == qr_svg(URL)
    drawn = qr_matrix_drawn(svg)
    expected = segno.make(URL, micro=False, error="m", boost_error=False)
    assert not expected.is_micro
    border = 4
    assert [row[border:-border] for row in drawn[border:-border]] == [
        list(row) for row in expected.matrix
    ]
    other = segno.make(URL + "x", micro=False, error="m", boost_error=False)
    assert [row[border:-border] for row in drawn[border:-border]] != [
        list(row) for row in other.matrix
    ]
    assert f"<figcaption>{URL}</figcaption>" in page


def test_without_a_url_there_is_no_qr_code() -> None:
    page = render_handout(item("quick-start"), PackOptions())
    assert "<svg" not in page and "scan the code" not in page


@pytest.mark.parametrize(("target", "boxes"), [(1, 1), (4, 4), (MAX_BOXES, MAX_BOXES), (30, 0)])
def test_a_box_to_tick_for_each_session_of_the_week(target: int, boxes: int) -> None:
    page = render_handout(item("quick-start", target=target), PackOptions())
    assert page.count('<span class="box"></span>') == boxes
    assert how_often(target) in page
