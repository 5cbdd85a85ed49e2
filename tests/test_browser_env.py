"""The browser the page tests use sees what they claim to check: a request that leaves the
page, and an error in its console."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_env import Browser

pytestmark = pytest.mark.browser


def test_a_request_that_leaves_the_page_and_a_console_error_are_seen(
    browser: Browser, tmp_path: Path
) -> None:
    page = tmp_path / "page.html"
    (tmp_path / "local.css").write_text("body { color: black }")
    page.write_text(
        "<!doctype html><html><head><link rel=stylesheet href=local.css>"
        '<link rel=stylesheet href="http://127.0.0.1:9/remote.css"></head>'
        '<body><p id="p">x</p><script>document.getElementById("p").textContent = "ran";'
        "undefinedFunction();</script></body></html>"
    )
    browser.open(page)
    assert browser.wait_for("document.getElementById('p').textContent === 'ran'")
    assert browser.network_requests() == ["http://127.0.0.1:9/remote.css"]
    assert any("undefinedFunction" in error for error in browser.console_errors())


def test_a_quiet_page_has_nothing_to_report(browser: Browser, tmp_path: Path) -> None:
    page = tmp_path / "quiet.html"
    page.write_text("<!doctype html><title>q</title><p>quiet</p>")
    browser.open(page)
    assert browser.run("return document.title") == "q"
    assert browser.network_requests() == []
    assert browser.console_errors() == []
    shot = browser.screenshot(tmp_path / "shot.png")
    assert shot.read_bytes().startswith(b"\x89PNG")
    pdf = browser.print_pdf(tmp_path / "quiet.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
