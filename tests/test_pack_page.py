"""The session page in a real browser: a real pack (espeak-ng, a real MP3) opened from
its file in headless Chromium at a phone's size, with and without ``--single-file``. It
loads nothing from the network and logs no error; its audio lasts as long as the cue
script; a tapped chapter moves the audio to its start; the caption is the cue being said."""

from __future__ import annotations

import itertools
import json
import os
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser_env import Browser, emulate_phone
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

pytestmark = [pytest.mark.browser, pytest.mark.engine]

FRAME = 1152 / 22050
"""One MP3 frame, in seconds."""
BOUND = 300

ROUTINE = """\
version: 1
name: Page & "check"
description: "Shown, never run: </script><script>window.bad = 1</script> & <b>not bold</b>."
intro: Lie on your back.
defaults:
  lead_in: 2s
  rest: 3s
  switch: 2s
exercises:
  - name: Pelvic tilt
    cue: Press your back down.
    why: "It warms up the back <i>gently</i>."
    reps: 2
    tempo: [2s, 2s]
  - name: Knee hug
    cue: Hug one knee.
    hold: 5s
    sides: true
  - name: Bridge
    hold: 4s
    sets: 2
    set_rest: 3s
  - name: Marching
    duration: 4s
"""


@dataclass(frozen=True)
class Pack:
    """One real pack of the routine above: its page and its cue script."""

    page: Path
    script: dict[str, Any]

    @property
    def captions(self) -> list[dict[str, Any]]:
        return [cue for cue in self.script["cues"] if cue["type"] == "speech"]


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory, speech_cache: Path) -> dict[str, Pack]:
    """The routine packed twice, as a folder and with --single-file."""
    folder = tmp_path_factory.mktemp("page")
    routine = folder / "page-check.yaml"
    routine.write_text(ROUTINE, encoding="utf-8")
    env = dict(os.environ)
    for name in ("CONFIG", "DATA", "STATE"):
        env[f"XDG_{name}_HOME"] = str(folder / name.lower())
    env["VOICECOACH_CACHE_DIR"] = str(speech_cache)
    for name in ("VOICECOACH_CONFIG_DIR", "VOICECOACH_DATA_DIR"):
        env.pop(name, None)
    made: dict[str, Pack] = {}
    for mode, extra in (("folder", []), ("single-file", ["--single-file"])):
        target = folder / mode
        done = subprocess.run(
            [sys.executable, "-m", "voicecoach", "pack", str(routine), "-o", str(target), *extra],
            env=env,
            capture_output=True,
            text=True,
            timeout=BOUND,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        script = json.loads((target / "session.cues.json").read_text(encoding="utf-8"))
        made[mode] = Pack(target / "index.html", script)
    return made


@pytest.fixture(params=["folder", "single-file"])
def pack(request: pytest.FixtureRequest, packs: dict[str, Pack]) -> Pack:
    return packs[request.param]


def opened(browser: Browser, pack: Pack) -> Browser:
    """The page loaded at a phone's size, its audio's length known."""
    emulate_phone(browser)
    browser.open(pack.page)
    browser.wait_for("document.getElementById('audio').readyState >= 1")
    return browser


def at(browser: Browser, seconds: float) -> None:
    """Move the audio itself (as the lock screen does) and wait for the seek to land."""
    browser.run(
        "const a = document.getElementById('audio'); a.pause(); a.currentTime = arguments[0];",
        seconds,
    )
    browser.wait_for(
        "!document.getElementById('audio').seeking && "
        "Math.abs(document.getElementById('audio').currentTime - arguments[0]) < 1e-3",
        seconds,
    )


def caption(browser: Browser) -> tuple[str, bool]:
    """The caption's text, and whether it is shown as being said now (not dimmed)."""
    text, said = browser.run(
        "const c = document.getElementById('caption');"
        "return [c.textContent, c.classList.contains('said')];"
    )
    return str(text), not said


def test_the_page_plays_offline_with_no_request_and_no_error(browser: Browser, pack: Pack) -> None:
    opened(browser, pack)
    browser.run("document.getElementById('play').click();")
    browser.wait_for("document.getElementById('audio').currentTime > 0.3")
    browser.run("document.getElementById('audio').pause();")
    assert browser.network_requests() == []
    assert browser.console_errors() == []
    assert browser.run("return window.bad === undefined")
    assert browser.run("return document.querySelector('h1').textContent") == 'Page & "check"'
    assert browser.run("return document.querySelector('.description').textContent") == (
        "Shown, never run: </script><script>window.bad = 1</script> & <b>not bold</b>."
    )


def test_the_audio_lasts_as_long_as_the_cue_script(browser: Browser, pack: Pack) -> None:
    opened(browser, pack)
    duration = browser.run("return document.getElementById('audio').duration")
    assert duration == pytest.approx(pack.script["duration"], abs=FRAME)


def test_tapping_chapter_3_moves_the_audio_to_its_start(browser: Browser, pack: Pack) -> None:
    opened(browser, pack)
    browser.run(
        "window.seeks = []; const a = document.getElementById('audio');"
        "a.addEventListener('seeking', () => window.seeks.push(a.currentTime));"
    )
    third = pack.script["chapters"][2]
    button = browser.driver.find_elements(By.CSS_SELECTOR, "#chapters .chapter")[2]
    button.click()  # a real click, scrolled into view as a tap would be
    browser.wait_for("window.seeks.length > 0")
    assert browser.run("return window.seeks[0]") == pytest.approx(third["start"], abs=1e-3)
    browser.wait_for("!document.getElementById('audio').paused")  # a tap also plays
    browser.run("document.getElementById('audio').pause();")
    assert button.get_attribute("aria-current") == "step"
    assert browser.run("return navigator.mediaSession.metadata.title") == third["title"]
    now = browser.run("return document.getElementById('now').textContent")
    assert now == f"Exercise 3: {third['title']}"


def test_the_caption_is_the_cue_being_said(browser: Browser, pack: Pack) -> None:
    opened(browser, pack)
    cues = pack.captions
    for cue in (cues[1], cues[len(cues) // 2], cues[-1]):
        at(browser, cue["at"] + cue["duration"] / 2)
        assert caption(browser) == (" ".join(cue["text"].split()), True)
    # In the silence after a cue (a hold), its words stay, dimmed.
    gaps = [
        (before, after)
        for before, after in itertools.pairwise(cues)
        if after["at"] - (before["at"] + before["duration"]) > 1.0
    ]
    before, _ = gaps[0]
    at(browser, before["at"] + before["duration"] + 0.5)
    assert caption(browser) == (" ".join(before["text"].split()), False)


def test_keys_and_buttons_move_by_chapter_in_focus_order(browser: Browser, pack: Pack) -> None:
    opened(browser, pack)
    chapters = pack.script["chapters"]
    at(browser, chapters[1]["start"] + 0.5)
    body = browser.driver.find_element(By.TAG_NAME, "body")
    body.send_keys("n")
    browser.wait_for(
        "Math.abs(document.getElementById('audio').currentTime - arguments[0]) < 1e-3",
        chapters[2]["start"],
    )
    at(browser, chapters[2]["start"] + 0.5)
    browser.run("document.getElementById('back').click();")  # within 3 s: the one before
    browser.wait_for(
        "Math.abs(document.getElementById('audio').currentTime - arguments[0]) < 1e-3",
        chapters[1]["start"],
    )
    browser.run("document.activeElement.blur(); window.scrollTo(0, 0);")
    order = []
    for _ in range(5):
        ActionChains(browser.driver).send_keys(Keys.TAB).perform()
        order.append(browser.run("const e = document.activeElement; return e.id || e.className;"))
    assert order == ["back", "play", "next", "position", "chapter"]
    labels = browser.run(
        "return ['back', 'play', 'next', 'position'].map(id => {"
        "const e = document.getElementById(id);"
        "return e.getAttribute('aria-label') || (e.labels[0] && e.labels[0].textContent); });"
    )
    assert all(labels), labels
    assert (
        browser.run("return document.getElementById('caption').getAttribute('aria-live')")
        == "polite"
    )


def test_dark_mode_has_its_own_colours(browser: Browser, pack: Pack) -> None:
    background = "return getComputedStyle(document.body).backgroundColor"
    opened(browser, pack)
    light = browser.run(background)
    browser.driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
    )
    try:
        dark = browser.run(background)
    finally:
        browser.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    assert (light, dark) == ("rgb(251, 250, 247)", "rgb(21, 23, 26)")


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_a_screenshot_at_phone_size_is_kept(
    browser: Browser,
    pack: Pack,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> None:
    opened(browser, pack)
    cue = pack.captions[len(pack.captions) // 2]
    at(browser, cue["at"] + 0.1)
    name = request.node.callspec.id
    shot = browser.screenshot(
        tmp_path_factory.getbasetemp() / "screenshots" / f"pack-page-{name}.png"
    )
    assert png_size(shot) == (390, 844)


def test_a_pack_of_several_lists_each_session_and_each_page_plays(
    browser: Browser, tmp_path: Path, packs: dict[str, Pack]
) -> None:
    target = tmp_path / "clinic"
    routine = packs["folder"].page.parent.parent / "page-check.yaml"
    feed = "https://example.org/clinic/feed.xml"
    command = [sys.executable, "-m", "voicecoach", "pack", str(routine), "quick-start"]
    done = subprocess.run(
        [*command, "--no-voice", "-o", str(target), "--feed-url", feed],
        capture_output=True,
        text=True,
        timeout=BOUND,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    emulate_phone(browser)
    browser.open(target / "index.html")
    links = browser.run("return [...document.querySelectorAll('a.session-link')].map(a => a.href)")
    assert links == [
        (target / "page-check" / "index.html").as_uri(),
        (target / "quick-start" / "index.html").as_uri(),
    ]
    assert feed in browser.run("return document.body.textContent")
    browser.driver.find_elements(By.CSS_SELECTOR, "a.session-link")[1].click()
    browser.wait_for(
        "document.getElementById('audio') && document.getElementById('audio').readyState >= 1"
    )
    script = json.loads((target / "quick-start" / "session.cues.json").read_text(encoding="utf-8"))
    duration = browser.run("return document.getElementById('audio').duration")
    assert duration == pytest.approx(script["duration"], abs=FRAME)
    assert browser.network_requests() == []
    assert browser.console_errors() == []
