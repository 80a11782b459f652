"""The keyboard on every training page, in a real browser: Space = Play / Pause, Right arrow =
Step, R = Reset (rnnviz/ui/js/keys.js, drawn by Player.buttons), never while typing in a
text field or moving a slider; the Keys popover lists them."""

from __future__ import annotations

import time

import pytest
from browser import ROOT, exceptions_on, served_app, shot, wait_ready
from test_browser import LIVE, epoch, live_state, paused_epoch

from rnnviz.ui import sitemap

pytestmark = pytest.mark.browser

# every page that draws a Player's row
TRAINING = [p.url for p in sitemap.PAGES if ".buttons(" in (ROOT / p.file).read_text()]

# Every button click in the page, by its widget's class (st-key-<key>), into window.__pressed;
# and every keydown listener keys.js adds to the window, counted in window.__keyListeners.
RECORD = """
window.__pressed = [];
document.addEventListener("click", (e) => {
  const b = e.target instanceof Element && e.target.closest("button");
  if (!b) return;
  const box = b.closest('[class*="st-key-"]');
  window.__pressed.push(box ? box.className.match(/st-key-\\S+/)[0] : b.innerText);
}, true);
window.__keyListeners = 0;
const add = EventTarget.prototype.addEventListener;
EventTarget.prototype.addEventListener = function (type, fn, options) {
  if (this === window && type === "keydown" && String(fn).includes("__rnnvizPlayers")) {
    window.__keyListeners += 1;
  }
  return add.call(this, type, fn, options);
};
"""
SCROLLED = "() => document.querySelector('[data-testid=\"stMain\"]').scrollTop"


@pytest.fixture(scope="module")
def app_url():
    with served_app() as url:
        yield url


def new_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_init_script(RECORD)
    return context.new_page()


def ready(page, path: str) -> None:
    """The page is drawn, its live view shows and its keys listen."""
    wait_ready(page)
    page.wait_for_selector(".rnnviz-metric", timeout=30_000)
    page.wait_for_function("k => window.__rnnvizPlayers && window.__rnnvizPlayers.has(k)",
                           arg=f"{path}:play", timeout=30_000)


def press(page, key: str) -> list[str]:
    """Press `key`; the buttons it clicked (keys.js clicks at once, in the keydown)."""
    page.evaluate("() => { window.__pressed = []; }")
    page.keyboard.press(key)
    return page.evaluate("() => window.__pressed")


def until(check, what: str, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while not (value := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert value, what
    return value


def plays(page) -> None:
    page.wait_for_function(f"() => (document.querySelector('{LIVE}') || {{dataset: {{}}}})"
                           ".dataset.playing === 'true'", timeout=30_000)


def text_field(page):
    """A field to type in: a text box or text area, else a select box's search field."""
    for selector in ('textarea, input[type="text"]:not([role="combobox"])',
                     'input[role="combobox"]'):
        fields = page.locator(selector).filter(visible=True)
        if fields.count():
            return fields.first
    raise AssertionError("no text field on this page")


def test_the_training_pages_are_found():
    assert {"train", "compare", "sentiment", "generate", "seq2seq"} <= set(TRAINING), TRAINING


@pytest.mark.parametrize("path", TRAINING)
def test_space_plays_and_pauses_right_arrow_steps_r_resets(browser, app_url, path):
    page = new_page(browser)
    page.goto(f"{app_url}/{path}")
    ready(page, path)
    assert epoch(page) == 0
    own = {what: f"st-key-{path}-{what}" for what in ("play", "pause", "step", "reset")}

    page.get_by_role("button", name="Keys").click()  # the popover lists the keys
    body = page.locator('[data-testid="stPopoverBody"]')
    body.wait_for(timeout=10_000)
    listed = body.inner_text()
    assert "Space" in listed and "Right arrow" in listed and "Reset" in listed, listed
    shot(page, f"keys-{path}")
    page.keyboard.press("Escape")
    body.wait_for(state="hidden", timeout=10_000)

    page.locator("h1").first.click()  # focus on the page itself: Space would scroll it
    assert press(page, " ") == [own["play"]]
    plays(page)
    page.wait_for_selector(f".{own['pause']} button", timeout=30_000)
    assert page.evaluate(SCROLLED) == 0, "Space scrolled the page"
    until(lambda: epoch(page) >= 1, "Space did not make the epoch counter rise", 60)

    assert press(page, " ") == [own["pause"]]
    wait_ready(page)
    paused_at = paused_epoch(page)
    page.wait_for_selector(f".{own['play']} button", timeout=30_000)

    assert press(page, "ArrowRight") == [own["step"]]  # once: one listener after reruns
    until(lambda: epoch(page) != paused_at, "Right arrow did not step")
    wait_ready(page)
    assert epoch(page) == paused_at + 1
    assert live_state(page)["playing"] == "false"

    assert press(page, "R") == [own["reset"]]
    until(lambda: epoch(page) == 0, "R did not reset the epoch to 0")
    wait_ready(page)

    field = text_field(page)  # typing "r", a space and the Right arrow only types
    field.click()
    typed = [press(page, k) for k in ("r", " ", "r", "ArrowRight", " ")]
    assert typed == [[]] * 5, typed
    assert "r r" in field.input_value()
    assert live_state(page)["playing"] == "false" and epoch(page) == 0
    page.keyboard.press("Escape")

    assert page.evaluate("() => window.__keyListeners") == 1
    page.evaluate("() => { document.activeElement.blur(); }")  # the page scrolls at all
    page.locator("h1").first.click()
    page.keyboard.press("PageDown")
    page.wait_for_function(f"() => ({SCROLLED})() > 0", timeout=10_000)
    assert exceptions_on(page) == []
    page.context.close()


def test_right_arrow_on_a_slider_moves_the_slider_not_the_run(browser, app_url):
    page = new_page(browser)
    page.goto(f"{app_url}/generate")
    ready(page, "generate")
    slider = page.locator('input[type="range"]').filter(visible=True).first
    before = slider.input_value()
    slider.focus()
    assert press(page, "ArrowRight") == []
    page.wait_for_function("([el, v]) => el.value !== v", arg=[slider.element_handle(), before],
                           timeout=10_000)
    wait_ready(page)
    assert epoch(page) == 0 and live_state(page)["playing"] == "false"
    assert exceptions_on(page) == []
    page.context.close()


def test_one_listener_across_reruns_and_pages_and_only_the_shown_player(browser, app_url):
    """Steps rerun the page, the navigation swaps pages in the same tab: still one
    listener, and a key clicks only the shown page's player."""
    page = new_page(browser)
    page.goto(f"{app_url}/train?preset=sine")
    ready(page, "train")
    for n in (1, 2, 3):
        assert press(page, "ArrowRight") == ["st-key-train-step"]
        until(lambda n=n: epoch(page) == n, f"step {n}")
        wait_ready(page)
    page.get_by_role("link", name="RNN vs LSTM vs GRU").click()
    ready(page, "compare")
    page.wait_for_function("() => !document.querySelector('.st-key-train-step')")
    assert press(page, "ArrowRight") == ["st-key-compare-step"]
    until(lambda: epoch(page) == 1, "the Compare page did not step")
    wait_ready(page)
    page.get_by_role("link", name="Train (live)").click()
    ready(page, "train")
    page.wait_for_function("() => !document.querySelector('.st-key-compare-step')")
    until(lambda: epoch(page) == 3, "the Train page's run came back")
    assert press(page, "ArrowRight") == ["st-key-train-step"]
    until(lambda: epoch(page) == 4, "the Train page did not step")
    assert page.evaluate("() => window.__keyListeners") == 1
    assert exceptions_on(page) == []
    page.context.close()
