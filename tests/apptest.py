"""Opening pages with Streamlit's AppTest, shared by the page tests."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def open_app(page: str | None = None, query: dict | None = None,
             session: dict | None = None) -> AppTest:
    """app.py (navigation and all), optionally switched to `page`; fails on any exception."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    for k, v in (session or {}).items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def open_page(page: str, **session) -> AppTest:
    """One page file on its own, with session state set first; fails on any exception."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    for k, v in session.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def component_data(at: AppTest) -> list[str]:
    """The data of each rnnviz.livechart element on the page (not the plotly.js preload)."""
    return [json.loads(e.proto.json) for e in at.get("bidi_component")
            if e.proto.component_name == "rnnviz.livechart"
            and not e.proto.id.endswith("rnnviz_preload")]


def chart_specs(at: AppTest) -> list[dict]:
    """The figures on the page, in page order: rnnviz.livechart components, JSON-decoded;
    a live element (the Train page) gives the charts of the frame it carries, row by row;
    a follow element (the Watch page), whose charts the browser fetches itself, gives none."""
    specs = []
    for d in map(json.loads, component_data(at)):
        if "live" in d:
            specs += [d["frame"]["charts"][k] for row in d["frame"]["rows"] for k in row]
        elif "follow" not in d:
            specs.append(d)
    return specs


def live_element(at: AppTest) -> dict:
    """The page's live element (ui/player.py): {"live": url, "playing", "every", "frame"}."""
    return next(d for d in map(json.loads, component_data(at)) if "live" in d)


def live_frame(at: AppTest) -> dict:
    """The frame the page's script drew (rnnviz.live.feed): status, charts, task..."""
    return live_element(at)["frame"]


def metric(at: AppTest, label: str) -> str:
    """A number of the page's status row (drawn by its live element)."""
    return dict(live_frame(at)["status"])[label]


def wait_until(cond, timeout: float = 30.0) -> bool:
    """Poll `cond` until it holds or `timeout` seconds have passed; its last value."""
    import time

    deadline = time.monotonic() + timeout
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.02)
    return bool(cond())


def trainer_passes(n: int = 3, timeout: float = 20.0) -> None:
    """Wait until every training thread of this process has looked at its feeds n more
    times: a paused run that is still untouched then was left alone, whatever the load."""
    from rnnviz.live import feed

    for t in list(feed.Trainer.every):
        assert t.wait_passes(n, timeout), "a training thread made no passes"
