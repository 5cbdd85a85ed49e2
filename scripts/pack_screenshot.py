"""Make the README's picture of a session page, ``docs/pack-page.png``: a real pack of a
shipped routine (real voice, real MP3), opened in the tests' headless Chromium at a phone's
size and shown partway through, as a person sees it while the session plays.

    .venv/bin/python scripts/pack_screenshot.py [ROUTINE] [--at SECONDS] [--out PATH]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import browser_env  # noqa: E402  (the tests' browser, shared on purpose)

BOUND = 600
"""Seconds a pack may take (the voice synthesizes every phrase on a cold cache)."""


def build(routine: str, folder: Path) -> Path:
    """A real pack of ``routine`` in ``folder``; returns its page."""
    subprocess.run(
        [sys.executable, "-m", "voicecoach", "pack", routine, "-o", str(folder)],
        check=True,
        timeout=BOUND,
        stdin=subprocess.DEVNULL,
    )
    return folder / "index.html"


def shoot(page: Path, at: float, out: Path, profile: Path) -> float:
    """A picture of ``page`` at ``at`` seconds into its session; returns the page's load
    time in seconds (navigation start to the load event)."""
    browser = browser_env.start_browser(profile)
    try:
        browser_env.emulate_phone(browser)
        browser.open(page)
        browser.wait_for("document.getElementById('audio').readyState >= 1")
        browser.run(f"document.getElementById('audio').currentTime = {at};")
        browser.wait_for(f"Math.abs(document.getElementById('audio').currentTime - {at}) < 0.5")
        browser.wait_for("document.getElementById('caption').textContent.length > 0")
        time.sleep(0.3)  # the seek's repaint
        browser.screenshot(out)
        timing = browser.run(
            "const t = performance.getEntriesByType('navigation')[0];"
            "return t.loadEventEnd - t.startTime;"
        )
        return float(timing) / 1000
    finally:
        browser.driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("routine", nargs="?", default="lower-back-essentials")
    parser.add_argument("--at", type=float, default=100.0, help="seconds into the session")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "pack-page.png")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="voicecoach-shot-") as temp:
        page = build(args.routine, Path(temp) / "pack")
        loaded = shoot(page, args.at, args.out, Path(temp) / "profile")
    print(f"Wrote {args.out} (the page loaded in {loaded * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
