"""The app in a real browser: served as the README serves it, opened in Debian's Chromium."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from browser import exceptions_on, served_app, shot, wait_ready

from rnnviz.live import frames

pytestmark = pytest.mark.browser

PAGES = {"": "Lecture presets", "train": "Train a recurrent network",
         "watch": "Watch the lecturer",
         "cell": "step", "unrolled": "nrolled", "gradients": "Gradient lab",
         "compare": "LSTM", "sentiment": "Sentiment", "generate": "Generate",
         "seq2seq": "Encoder-decoder", "about": "About / sources"}


@pytest.mark.parametrize("path", list(PAGES))
def test_deep_link_on_a_fresh_server(browser, path):
    """Each page as the very first request of a newly started server."""
    with served_app() as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(f"{url}/{path}")
        page.wait_for_function("t => document.body.innerText.includes(t)", arg=PAGES[path],
                               timeout=30_000)
        wait_ready(page)
        assert exceptions_on(page) == []
        assert PAGES[path] in page.inner_text("body")
        assert "Page not found" not in page.inner_text("body")
        shot(page, path or "home")
        page.close()


def epoch(page) -> int:
    """The Epoch number on the Train or Watch page (drawn by the live or follow element);
    -1 while none is shown."""
    value = page.locator(".rnnviz-metric").filter(has_text="Epoch").first.locator(
        ".rnnviz-metric-value")
    if value.count() == 0:
        return -1
    found = re.search(r"\d+", value.inner_text().replace(",", ""))  # "3" or "3 of 8"
    return int(found.group()) if found else -1


watched_epoch = epoch


LIVE = ".rnnviz-live"  # the Train page's live element (rnnviz/ui/livechart.py)


def live_state(page) -> dict:
    """What the live element shows: the frame's seq and whether it says the run plays,
    whether a poll is in flight, and the URL of the session's frame file."""
    return page.evaluate(f"""() => {{ const b = document.querySelector('{LIVE}');
        return b ? {{seq: Number(b.dataset.seq || 0), playing: b.dataset.playing,
                    polling: b.dataset.polling, url: b.__url}} : null; }}""")


def frame_file(page) -> Path:
    """The session's frame file on disk (the server writes it; same machine)."""

    return frames.STATIC / live_state(page)["url"].removeprefix("app/static/")


def paused_epoch(page, timeout_ms: int = 20_000) -> int:
    """The Epoch number once the page shows a frame that says the run is paused, no poll
    is in flight, and the server's frame file says paused too and is no newer than it.
    A Pause that does not stop the trainer fails here: its frames keep saying playing."""
    page.wait_for_function(f"""() => {{ const b = document.querySelector('{LIVE}');
        return b && b.dataset.playing === 'false' && b.dataset.polling !== 'true'; }}""",
                           timeout=timeout_ms)
    seq, frame = frames.unpack(frame_file(page).read_bytes())
    assert not frame["playing"], "the server's frame says the run still plays"
    assert seq <= live_state(page)["seq"], "a newer frame than the page shows"
    return epoch(page)




def chart_data(page, index: int = 0) -> str:
    """The index-th chart's traces, waiting while Streamlit swaps the chart element."""
    handle = page.wait_for_function(
        """i => { const el = document.querySelectorAll('.js-plotly-plot')[i];
                  return el && el.data ? JSON.stringify(el.data) : null; }""",
        arg=index, timeout=10_000)
    return handle.json_value()


def test_train_play_trains_and_pause_stops(browser):
    with served_app() as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(f"{url}/train?preset=sine")
        wait_ready(page)
        page.wait_for_selector(".js-plotly-plot", timeout=30_000)
        page.wait_for_selector(".rnnviz-metric", timeout=10_000)
        assert epoch(page) == 0
        before = chart_data(page)
        page.get_by_role("button", name="Play", exact=True).click()
        deadline = time.monotonic() + 20
        while epoch(page) < 3 and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert epoch(page) >= 3, "Play did not make the epoch counter rise"
        assert chart_data(page) != before, "the learning curves did not change"
        # the charts are updated in place (Plotly.react), never thrown away and remounted
        page.evaluate("() => { window.__charts = Array.from("
                      "document.querySelectorAll('.js-plotly-plot')); }")
        start = epoch(page)
        while epoch(page) < start + 3 and time.monotonic() < deadline + 20:
            page.wait_for_timeout(250)
        assert epoch(page) >= start + 3
        same = page.evaluate("() => window.__charts.map(el => el.isConnected)")
        assert same and all(same), "a chart was remounted while playing"
        buttons = page.evaluate("() => Array.from(document.querySelectorAll("
                                "'.js-plotly-plot .modebar-btn')).map(b => b.dataset.title)")
        assert "Download plot as a PNG" in buttons  # figures export through Plotly's button
        assert not any("Share" in b for b in buttons if b), "an upload-to-cloud button"
        shot(page, "train-playing")
        page.get_by_role("button", name="Pause", exact=True).click()
        wait_ready(page)
        paused_at = paused_epoch(page)  # the server's frame says paused, at this epoch
        assert frames.unpack(frame_file(page).read_bytes())[1]["epoch"] == paused_at
        assert exceptions_on(page) == []
        page.close()


# Every polled frame is unpacked 0.5 s late (its JSON text held back), so a poll that began
# before a click on Pause finishes after that click's rerun sent the newer frame inline.
SLOW_UNPACK = """
const text = Response.prototype.text;
Response.prototype.text = async function () {
  const t = await text.call(this);
  await new Promise((resolve) => setTimeout(resolve, 500));
  return t;
};
"""


def test_paused_page_shows_the_run_as_it_stopped_not_an_older_polled_frame(browser):
    with served_app() as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1100})
        context.add_init_script(SLOW_UNPACK)
        page = context.new_page()
        page.goto(f"{url}/train")  # the default preset: tens of epochs a second
        wait_ready(page)
        page.wait_for_selector(".js-plotly-plot", timeout=30_000)
        page.get_by_role("button", name="Play", exact=True).click()
        deadline = time.monotonic() + 30
        while epoch(page) < 40 and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        page.get_by_role("button", name="Pause", exact=True).click()
        wait_ready(page)
        paused_epoch(page)  # the poll that was in flight has been unpacked by now
        titles = page.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
                               ".map(gd => ((gd.layout || {}).title || {}).text || '')")
        flow = [t for t in titles if t.startswith("Gradient flowing back, epoch ")]
        assert flow, titles
        shown = int(re.search(r"epoch (\d+)", flow[0]).group(1))
        # the per-epoch charts are rebuilt at most once a second while playing; paused, the
        # page's own frame shows them at the epoch the run stopped at
        assert shown == epoch(page) >= 40, (shown, epoch(page))
        assert exceptions_on(page) == []
        context.close()


@pytest.mark.parametrize("path, task_text", [
    ("compare", "The three runs"), ("sentiment", "The training log"),
    ("generate", "A sample from the model now"), ("seq2seq", "Held-out pairs")])
def test_every_training_page_plays_live_through_the_one_controller(browser, path, task_text):
    """Compare, Sentiment, Generate and Encoder-decoder play as the Train page does: the
    training thread trains, the live element redraws its frames, Pause stops it; their task
    views show."""
    with served_app() as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(f"{url}/{path}")
        wait_ready(page)
        page.wait_for_selector(".js-plotly-plot", timeout=30_000)
        assert epoch(page) == 0
        page.get_by_role("button", name="Play", exact=True).click()
        page.wait_for_function(  # the polled frames move the Epoch number on
            f"""() => {{ const b = document.querySelector('{LIVE}');
                return b && b.dataset.playing === 'true' && b.dataset.polling === 'true'; }}""",
            timeout=30_000)
        deadline = time.monotonic() + 60
        while epoch(page) < 2 and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert epoch(page) >= 2, "Play did not make the epoch counter rise"
        if path == "compare":  # its notes follow the training: the page reran by itself
            page.wait_for_selector("text=lowest test MSE first", timeout=30_000)
        shot(page, f"{path}-playing")
        if page.get_by_role("button", name="Pause", exact=True).count():
            page.get_by_role("button", name="Pause", exact=True).click()
            wait_ready(page)
        paused_epoch(page)
        assert task_text in page.locator(".rnnviz-live-task").inner_text()
        assert exceptions_on(page) == []
        page.close()


def test_saved_run_uploads_and_a_bad_file_is_refused(browser, tmp_path):
    """A run saved by the CLI loads into the Train page; garbage gets a message."""
    from rnnviz.train.recipes import configured, train
    from rnnviz.train.runfile import save

    good = save(train(configured("sine"), 3), tmp_path / "run")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 definitely not a zip archive")
    with served_app() as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(f"{url}/train")
        wait_ready(page)
        page.get_by_text("Save, export, load").click()
        upload = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
        upload.set_input_files(str(bad))
        page.wait_for_selector("text=not an rnnviz run", timeout=20_000)
        assert epoch(page) == 0  # the current run is untouched
        upload.set_input_files(str(good))
        page.wait_for_selector("text=Loaded run.npz", timeout=20_000)
        wait_ready(page)
        assert epoch(page) == 3
        assert "Time series" in page.inner_text("body")
        assert exceptions_on(page) == []
        page.close()


def test_a_run_that_diverges_while_playing_stops_and_says_why(browser):
    """The training thread stops a diverged run; the page reruns by itself (the live
    element's trigger), so Play is disabled and the message shows, with no click."""
    with served_app() as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(f"{url}/train?preset=exploding&lr=10&scale=4")
        wait_ready(page)
        page.get_by_role("button", name="Play", exact=True).click()
        page.wait_for_selector("text=Lower the learning rate", timeout=30_000)
        wait_ready(page)
        play = page.get_by_role("button", name="Play", exact=True)
        assert play.count() == 1 and play.is_disabled()
        assert "diverged at epoch" in page.inner_text("body")
        shot(page, "train-diverged")
        assert exceptions_on(page) == []
        page.close()


def test_downloads_while_playing_are_whole_runs(browser, tmp_path):
    """History CSV and run file, asked for while the training thread trains the run."""
    import pandas as pd

    from rnnviz.train import runfile as runio

    with served_app() as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
        page.goto(f"{url}/train?preset=sine")
        wait_ready(page)
        page.get_by_role("button", name="Play", exact=True).click()
        wait_ready(page)
        deadline = time.monotonic() + 20
        while epoch(page) < 3 and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        page.get_by_text("Save, export, load").click()
        with page.expect_download() as got:
            page.get_by_role("button", name="History (CSV)").click()
        history = pd.read_csv(got.value.path())
        assert len(history) >= 3 and list(history["epoch"]) == list(range(1, len(history) + 1))
        with page.expect_download() as got:
            page.get_by_role("button", name="Run file (.npz, same as the CLI's)").click()
        saved = runio.from_bytes(Path(got.value.path()).read_bytes())
        assert saved.epoch >= len(history) and saved.task.name == "sine"
        assert len(saved.history) == saved.epoch
        page.get_by_role("button", name="Pause", exact=True).click()
        wait_ready(page)
        assert exceptions_on(page) == []
        page.close()


def test_closing_the_tab_stops_its_training(browser):
    """The training thread pauses a session whose browser has gone: its frame file stops
    changing, and its last frame says the run no longer plays."""
    folder = frames.STATIC / "live"
    with served_app() as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(f"{url}/train?preset=sine")
        wait_ready(page)
        started = time.time()
        page.get_by_role("button", name="Play", exact=True).click()
        deadline = time.monotonic() + 20
        while epoch(page) < 2 and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        files = [p for p in folder.glob("*.gz") if p.stat().st_mtime > started]
        assert len(files) == 1, files  # this session's frame file, being written
        seq, frame = frames.unpack(files[0].read_bytes())
        assert frame["playing"]
        page.close()  # the tab goes: its websocket closes
        deadline = time.monotonic() + 15
        while frame["playing"] and time.monotonic() < deadline:
            time.sleep(0.2)
            seq, frame = frames.unpack(files[0].read_bytes())
        assert not frame["playing"], "the run kept training after its tab closed"
        clock = browser.new_page(viewport={"width": 1400, "height": 1100})
        clock.goto(f"{url}/train?preset=hello-world")  # another run: the trainer's rounds
        wait_ready(clock)
        clock.get_by_role("button", name="Play", exact=True).click()
        clock.wait_for_function(f"() => Number((document.querySelector('{LIVE}') || "
                                "{dataset: {}}).dataset.seq || 0) > 0", timeout=20_000)
        first = live_state(clock)["seq"]
        clock.wait_for_function(f"s => Number(document.querySelector('{LIVE}').dataset.seq)"
                                " >= s + 5", arg=first, timeout=30_000)
        assert frames.unpack(files[0].read_bytes())[0] == seq  # no frame since
        clock.close()


def test_two_sessions_train_different_runs_without_seeing_each_other(browser):
    with served_app() as url:
        pages = {}
        for preset in ("sine", "hello-world"):
            ctx = browser.new_context(viewport={"width": 1400, "height": 1100})
            page = ctx.new_page()
            page.goto(f"{url}/train?preset={preset}")
            wait_ready(page)
            page.get_by_role("button", name="Play", exact=True).click()
            pages[preset] = page
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline and min(epoch(p) for p in pages.values()) < 3:
            pages["sine"].wait_for_timeout(300)
        for page in pages.values():
            page.get_by_role("button", name="Pause", exact=True).click()
            wait_ready(page)
        sine, hello = pages["sine"].inner_text("body"), pages["hello-world"].inner_text("body")
        assert "Time series" in sine and "Character" not in sine
        assert "Character" in hello and "Time series" not in hello
        assert epoch(pages["sine"]) >= 3 and epoch(pages["hello-world"]) >= 3
        # the Pause run's own frame can be drawn a moment after the script finished (one CI
        # run read 68, then 73): read the epoch once the page shows the paused frame
        hello_epochs = paused_epoch(pages["hello-world"])
        pages["sine"].get_by_role("button", name="Reset", exact=True).click()  # reset one
        deadline = time.monotonic() + 10
        while epoch(pages["sine"]) != 0 and time.monotonic() < deadline:
            pages["sine"].wait_for_timeout(200)
        assert epoch(pages["sine"]) == 0
        assert epoch(pages["hello-world"]) == hello_epochs  # paused, and not reset
        for page in pages.values():
            assert exceptions_on(page) == []
            page.context.close()


def test_series_csv_upload_good_and_bad(browser, tmp_path):
    good = tmp_path / "temps.csv"
    good.write_text("day,temp\n" + "\n".join(f"{i},{10 + (i % 7)}" for i in range(120)))
    bad = tmp_path / "nan.csv"
    bad.write_text("temp\n1\n2\nnan\n" + "\n".join("3" for _ in range(40)))
    with served_app() as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(f"{url}/train?preset=sine")
        wait_ready(page)
        page.wait_for_selector(".js-plotly-plot", timeout=30_000)  # the page is drawn
        upload = page.locator('[data-testid="stFileUploaderDropzoneInput"]').first
        upload.set_input_files(str(bad))
        # first the uploader shows the file (it reached the server), then the page's answer
        page.wait_for_selector("text=nan.csv", timeout=45_000)
        page.wait_for_selector("text=NaN or infinite", timeout=45_000)
        wait_ready(page)
        assert "sine wave" in page.inner_text("body")  # still the sine run
        upload.set_input_files(str(good))
        page.wait_for_selector("text=Forecasting column", timeout=45_000)
        assert "forecast your series" in page.inner_text("body")
        assert exceptions_on(page) == []
        page.close()


def test_students_follow_the_lecturers_run_read_only(browser):
    """Follow the lecturer: Share on the Train page, students watch it live at /watch."""
    with served_app() as url:
        lecturer = browser.new_context(viewport={"width": 1400, "height": 1100}).new_page()
        lecturer.goto(f"{url}/train?preset=sine")
        wait_ready(lecturer)
        student = browser.new_context(viewport={"width": 1400, "height": 1100}).new_page()
        ranges = {}  # the Range header of every frame request, by page
        for name, page in (("lecturer", lecturer), ("student", student)):
            page.on("request", lambda r, name=name: ranges.setdefault(name, set()).add(
                r.headers.get("range")) if "/app/static/" in r.url and ".gz" in r.url else None)
        student.goto(f"{url}/watch")
        wait_ready(student)
        student.wait_for_selector("text=Nothing is shared right now", timeout=20_000)
        lecturer.get_by_text("Share with the class").click()
        wait_ready(lecturer)
        lecturer.get_by_role("button", name="Play", exact=True).click()
        student.wait_for_selector(".js-plotly-plot", timeout=30_000)
        deadline = time.monotonic() + 25
        while watched_epoch(student) < 3 and time.monotonic() < deadline:
            student.wait_for_timeout(250)
        assert watched_epoch(student) >= 3, "the student's page did not follow the training"
        assert "training now" in student.inner_text("body")
        assert student.locator(".rnnviz-follow .rnnviz-chart").count() == 8  # all sine charts
        seen = set()  # the charts change while the student watches: a live view
        for _ in range(6):
            seen.add(student.evaluate(  # the traces' data (typed arrays arrive as bdata)
                "() => JSON.stringify(document.querySelector('.js-plotly-plot').data)"))
            student.wait_for_timeout(400)
        assert len(seen) > 1, "the student's learning curves did not change while playing"
        assert student.get_by_role("button", name="Play", exact=True).count() == 0  # read-only
        # frames are asked for as a byte range: a frame file replaced by a larger one while
        # the server sends it then ends short (and is skipped) instead of breaking off
        assert ranges == {"lecturer": {"bytes=0-"}, "student": {"bytes=0-"}}, ranges
        lecturer.get_by_role("button", name="Pause", exact=True).click()
        wait_ready(lecturer)
        paused_at = paused_epoch(lecturer)
        student.wait_for_selector("text=paused", timeout=10_000)
        deadline = time.monotonic() + 15  # the board's last frame reaches the student
        while watched_epoch(student) != paused_at and time.monotonic() < deadline:
            student.wait_for_timeout(250)
        assert watched_epoch(student) == paused_at
        deadline = time.monotonic() + 15  # the count refreshes once a second, on a rerun
        while "1 watching now" not in lecturer.inner_text("body") and time.monotonic() < deadline:
            lecturer.get_by_role("button", name="Step", exact=True).click()
            wait_ready(lecturer)
            lecturer.wait_for_timeout(1100)
        assert "1 watching now" in lecturer.inner_text("body")
        shot(student, "watch")
        lecturer.get_by_text("Share with the class").click()  # stop sharing
        wait_ready(lecturer)
        student.wait_for_selector("text=Nothing is shared right now", timeout=10_000)
        assert exceptions_on(student) == [] and exceptions_on(lecturer) == []
