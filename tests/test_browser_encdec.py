"""The encoder-decoder page in a real browser: Play trains it to high held-out accuracy at
T = 5, Pause leaves a paused frame, and at T = 10 the late outputs fail first (measured by
the page's own per-position chart). Screenshots in test-output/screenshots/seq2seq-*.png."""

from __future__ import annotations

import re
import time

import pytest
from browser import exceptions_on, served_app, shot, wait_ready
from test_browser import LIVE, epoch, paused_epoch

pytestmark = pytest.mark.browser
SEQ = "Held-out sequences right (generating)"


def value(page, label: str) -> float | None:
    """A status number of the live element, as a fraction for percentages (None: '–')."""
    box = page.locator(".rnnviz-metric").filter(has_text=label).first
    text = box.locator(".rnnviz-metric-value").inner_text()
    found = re.search(r"[\d.]+", text)
    if not found:
        return None
    return float(found.group()) / (100 if "%" in text else 1)


def play_until(page, check, what: str, seconds: float) -> None:
    """Play (unless it plays already) until check() holds, or fail after `seconds`."""
    if page.get_by_role("button", name="Play", exact=True).count():
        page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(f"() => (document.querySelector('{LIVE}') || {{dataset: {{}}}})"
                           ".dataset.playing === 'true'", timeout=30_000)
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    assert check(), what


def pause(page) -> int:
    page.get_by_role("button", name="Pause", exact=True).click()
    wait_ready(page)
    return paused_epoch(page)


def bars(page) -> list[float]:
    """The per-position accuracy bars as the page draws them (Plotly's own data)."""
    return page.evaluate("""() => {
        const gd = Array.from(document.querySelectorAll('.js-plotly-plot')).find(g =>
            ((g.layout || {}).title || {}).text?.startsWith('Accuracy per output, epoch'));
        return gd ? Array.from(gd._fullData[0].y) : [];  // decoded from the typed array
    }""")


def test_play_to_high_accuracy_at_five_then_the_late_outputs_fail_at_ten(browser):
    with served_app() as url:
        page = browser.new_page(viewport={"width": 1400, "height": 2600})
        page.goto(f"{url}/seq2seq")
        wait_ready(page)
        page.wait_for_selector(".js-plotly-plot", timeout=30_000)
        assert epoch(page) == 0 and value(page, SEQ) is None
        play_until(page, lambda: epoch(page) >= 2, "Play did not make the epoch rise", 60)
        shot(page, "seq2seq-playing")
        play_until(page, lambda: (value(page, SEQ) or 0) >= 0.95,
                   "T = 5 did not reach 95% held-out sequences right", 240)
        stopped = pause(page)
        page.wait_for_timeout(500)
        assert epoch(page) == stopped and (value(page, SEQ) or 0) >= 0.95
        assert "Held-out pairs" in page.locator(".rnnviz-live-task").inner_text()
        shot(page, "seq2seq-t5-trained")

        length = page.locator(".st-key-seq2seq-seq_len").get_by_role("slider")
        length.focus()  # the same session: T = 5's result stays on the length chart
        for key in ("End", "ArrowLeft", "ArrowLeft"):  # 12, 11, 10: each a new run
            page.keyboard.press(key)
            wait_ready(page)
        page.wait_for_function("() => document.body.innerText.includes('10 tokens in, 10 out')",
                               timeout=30_000)
        wait_ready(page)
        assert epoch(page) == 0
        play_until(page, lambda: epoch(page) >= 12, "T = 10 did not train 12 epochs", 300)
        pause(page)
        page.wait_for_timeout(500)
        acc = bars(page)
        assert len(acc) == 10, acc
        # measured, not assumed: reversal's last outputs recall the first inputs, furthest
        # back through the bottleneck
        assert sum(acc[5:]) < sum(acc[:5]), acc
        assert min(range(10), key=acc.__getitem__) >= 5, acc
        text = page.locator(".rnnviz-live-task").inner_text()
        assert re.search(r"weakest output is y(6|7|8|9|10) ", text), text
        lengths = page.evaluate("""() => {
            const gd = Array.from(document.querySelectorAll('.js-plotly-plot')).find(g =>
                ((g.layout || {}).title || {}).text?.startsWith('Accuracy against length'));
            return Array.from(gd._fullData[0].x);
        }""")
        assert 5 in lengths and 10 in lengths, lengths
        shot(page, "seq2seq-t10")
        assert exceptions_on(page) == []
        page.close()
