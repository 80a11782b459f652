"""Retake the README's screenshots (docs/*.png) from a freshly served app.

    .venv/bin/python scripts/readme_shots.py

Serves the app as scripts/run.sh does (tests/browser.served_app), opens each view in
Debian's headless Chromium, trains where the picture needs a trained run (Play, wait for
the epoch, Pause) and writes the PNGs the README shows.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import CHROMIUM, CHROMIUM_ARGS, served_app, wait_ready  # noqa: E402

DOCS = ROOT / "docs"
WIDTH = 1400


def epoch(page) -> int:
    value = page.locator(".rnnviz-metric").filter(has_text="Epoch").first.locator(
        ".rnnviz-metric-value")
    found = re.search(r"\d+", value.inner_text().replace(",", "")) if value.count() else None
    return int(found.group()) if found else -1


def train_to(page, epochs: int, timeout_s: float = 120) -> None:
    """Press Play, wait until the epoch reaches `epochs`, press Pause and wait for the
    paused frame."""
    page.get_by_role("button", name="Play", exact=True).click()
    deadline = time.monotonic() + timeout_s
    while epoch(page) < epochs:
        if time.monotonic() > deadline:
            raise TimeoutError(f"epoch {epoch(page)} < {epochs} after {timeout_s} s")
        page.wait_for_timeout(200)  # a poll interval inside the deadline loop
    page.get_by_role("button", name="Pause", exact=True).click()
    page.wait_for_function("""() => { const b = document.querySelector('.rnnviz-live');
        return b && b.dataset.playing === 'false' && b.dataset.polling !== 'true'; }""",
                           timeout=30_000)
    wait_ready(page)


def open_view(browser, url: str, height: int):
    page = browser.new_page(viewport={"width": WIDTH, "height": height})
    page.goto(url)
    wait_ready(page)
    page.wait_for_timeout(500)  # let Plotly finish its first layout before the picture
    return page


SHOTS = {  # file -> (path and query, epochs to train first, window height in px)
    "train": ("train?preset=sine", 40, 1000),
    "home": ("", 0, 1000),
    "cell": ("cell?t=2", 0, 1000),
    "unrolled": ("unrolled", 0, 1000),
    "encdec": ("seq2seq?seq_len=8", 12, 2600),  # Streamlit scrolls inside the page: a tall
}  # window shows the whole page


def main(names: list[str]) -> None:
    with served_app() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name in names or list(SHOTS):
            path, epochs, height = SHOTS[name]
            page = open_view(browser, f"{url}/{path}", height)
            if epochs:
                page.wait_for_selector(".rnnviz-metric", timeout=30_000)
                train_to(page, epochs)
                page.wait_for_timeout(500)
            page.screenshot(path=str(DOCS / f"{name}.png"))
            print(f"docs/{name}.png")
            page.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
