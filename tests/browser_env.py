"""A real browser for the tests of pages voicecoach writes (the pack's page and handout,
the report): Debian's headless Chromium driven by selenium through chromedriver, at a
phone's window size, with its console and every request it makes recorded.

``make system-tests`` installs ``chromium`` and ``chromium-driver``."""

from __future__ import annotations

import base64
import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PHONE = (390, 844)
"""A phone's window, in CSS pixels."""
BOUND_SECONDS = 30
"""How long a page may take to load, or a script to answer."""
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:", "chrome:", "devtools:")


@dataclass
class Browser:
    """One headless Chromium for the test run; ``open`` starts each page afresh."""

    driver: Any
    _seen: list[dict[str, Any]] = field(default_factory=list)

    def open(self, page: Path, size: tuple[int, int] = PHONE) -> None:
        """Load ``page`` from its file, at ``size``, with the logs of earlier pages cleared."""
        self.driver.set_window_size(*size)
        self._drain()
        self._seen.clear()
        self.driver.get_log("browser")  # read, so cleared
        self.driver.get(page.resolve().as_uri())

    def run(self, script: str, *args: Any) -> Any:
        """The value of ``script`` (a function body: ``return ...``) run in the page."""
        return self.driver.execute_script(script, *args)

    def wait_for(self, condition: str, *args: Any, timeout: float = BOUND_SECONDS) -> Any:
        """The first truthy value of the JavaScript expression ``condition``, polled; a
        TimeoutError if it stays falsy for ``timeout`` seconds."""
        from selenium.webdriver.support.ui import WebDriverWait

        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(
                lambda driver: driver.execute_script(f"return ({condition});", *args)
            )
        except WebDriverException as err:
            raise TimeoutError(f"never true in {timeout} s: {condition}") from err

    def network_requests(self) -> list[str]:
        """Every URL the page asked for that is not local (a file beside it, inline data)."""
        self._drain()
        urls = []
        for entry in self._seen:
            message = entry.get("message", {})
            if message.get("method") == "Network.requestWillBeSent":
                url = str(message["params"]["request"]["url"])
                if not url.startswith(LOCAL_SCHEMES):
                    urls.append(url)
        return urls

    def console_errors(self) -> list[str]:
        """What the page wrote to its console as errors (and uncaught exceptions)."""
        return [
            str(entry.get("message"))
            for entry in self.driver.get_log("browser")
            if entry.get("level") == "SEVERE"
        ]

    def screenshot(self, target: Path) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(self.driver.get_screenshot_as_png())
        return target

    def print_pdf(self, target: Path, paper: str = "A4") -> Path:
        """The page printed as Chromium prints it (its print stylesheet), without the
        browser's own header and footer, on A4 or Letter paper."""
        width, height = {"A4": (8.27, 11.69), "Letter": (8.5, 11.0)}[paper]
        printed = self.driver.execute_cdp_cmd(
            "Page.printToPDF",
            {
                "paperWidth": width,
                "paperHeight": height,
                "printBackground": True,
                "displayHeaderFooter": False,
                "preferCSSPageSize": True,
            },
        )
        target.write_bytes(base64.b64decode(printed["data"]))
        return target

    def _drain(self) -> None:
        for entry in self.driver.get_log("performance"):
            self._seen.append(json.loads(entry["message"]))


def start_browser(profile: Path) -> Browser:
    """Headless Chromium with a fresh profile; audio may start without a tap."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail("no Chromium: run `make system-tests` (chromium, chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={PHONE[0]},{PHONE[1]}",
        f"--user-data-dir={profile}",
        "--autoplay-policy=no-user-gesture-required",
        "--mute-audio",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(BOUND_SECONDS)
    driver.set_script_timeout(BOUND_SECONDS)
    driver.execute_cdp_cmd("Network.enable", {})
    return Browser(driver)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for the whole run (it takes a second or two to start)."""
    profile = Path(tempfile.mkdtemp(prefix="voicecoach-chromium-"))
    started = start_browser(profile)
    try:
        yield started
    finally:
        started.driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def emulate_phone(browser: Browser, size: tuple[int, int] = PHONE) -> None:
    """Make the page's own viewport ``size`` exactly (a window of that size leaves less,
    after its frame), as a phone's screen in CSS pixels at one device pixel each."""
    width, height = size
    browser.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True},
    )
