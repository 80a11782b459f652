"""The app in a real browser: served as the README serves it, opened in Debian's Chromium."""

from __future__ import annotations

import os

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, exceptions_on, served_app, wait_ready
from playwright.sync_api import sync_playwright

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: scripts/test.sh installs Debian's chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def app_url():
    with served_app() as url:
        yield url


def test_home_page_renders_our_numbers(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url)
    wait_ready(page)
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    assert exceptions_on(page) == []
    text = page.inner_text("body")
    assert "rnnviz" in text and "0.106" in text  # the corrected product from seed 000
    assert len(page.query_selector_all(".js-plotly-plot")) >= 2
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "home.png"), full_page=True)
    page.close()
