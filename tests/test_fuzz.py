"""Fuzz every page with random control values (AppTest): no exception, no non-finite numbers
shown as if valid. Seeded, so a failure replays exactly: the assertion message names the
page, the step and the actions that led there."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
from apptest import component_data
from streamlit.testing.v1 import AppTest

from rnnviz.ui import sitemap

ROOT = Path(__file__).resolve().parents[1]
PAGES = [p.file for p in sitemap.PAGES if p.url not in ("watch", "about")]  # no controls
ACTIONS_PER_PAGE = 26  # 9 pages x 26 = 234 random actions
HOSTILE_TEXT = ["", " ", "not at all good", "<script>alert(1)</script>", "🙂🙃 émoji ünïcode",
                "x" * 3000, "zorp blarg", "0", "NaN", "hello", "\n\n", "' OR 1=1 --"]
SKIP_LABELS = ("Presentation mode",)


def widgets(at: AppTest) -> list:
    found = []
    for kind in ("selectbox", "slider", "select_slider", "number_input", "toggle", "radio",
                 "checkbox", "text_input", "text_area", "button"):
        for w in at.get(kind):
            if getattr(w, "label", "") in SKIP_LABELS or getattr(w, "disabled", False):
                continue
            found.append((kind, w))
    return found


def act(rng: random.Random, kind: str, w) -> str:
    """Give one widget a random valid value; return a description for the failure message."""
    if kind in ("selectbox", "radio", "select_slider"):
        value = rng.choice(list(w.options))  # formatted labels; AppTest maps them back
        if kind == "select_slider":  # ours show numbers: the label parses back to the value
            value = _number(value)
        else:
            value = _raw(w, value)
            if value is None:
                return f"skipped {kind} {getattr(w, 'label', '')!r}"
        w.set_value(value)
    elif kind in ("slider", "number_input"):
        lo, hi = w.min, w.max
        if isinstance(w.value, (list, tuple)):
            return "skipped a range slider"
        if isinstance(lo, int) and isinstance(hi, int) and isinstance(w.value, int):
            value = rng.choice([lo, hi, rng.randint(lo, min(hi, lo + 60))])
        else:
            value = rng.choice([lo, hi, lo + (hi - lo) * rng.random()])
            step = getattr(w, "step", None)
            if step:
                value = min(hi, lo + round((value - lo) / step) * step)
        w.set_value(value)
    elif kind in ("toggle", "checkbox"):
        value = not w.value
        w.set_value(value)
    elif kind in ("text_input", "text_area"):
        value = rng.choice(HOSTILE_TEXT)
        w.set_value(value)
    else:
        w.click()
        value = "click"
    return f"{kind} {getattr(w, 'label', '')!r} = {str(value)[:30]!r}"


def _raw(w, label: str):
    """The option value behind a label when the test can find it, else None (skip).

    AppTest accepts a label when format_func raises on it or returns it unchanged; a
    format_func that maps labels to something else (e.g. "lstm" -> "LSTM") needs the raw
    value, tried here as the lower-case label.
    """
    for candidate in (label, label.lower()):
        try:
            shown = w.format_func(candidate)
        except Exception:  # noqa: BLE001 - AppTest then falls back to the label itself
            if candidate == label:
                return label
            continue
        if shown == label:
            return candidate
    return None


def _number(label: str):
    try:
        return float(label)
    except ValueError:
        return label


def shown_numbers_are_finite(at: AppTest) -> list[str]:
    """st.metric numbers, and the Train page's status row (drawn by its live element)."""
    shown = [(m.label, m.value) for m in at.metric]
    for d in map(json.loads, component_data(at)):
        if "live" in d:
            shown += [tuple(item) for item in d["frame"]["status"]]
    bad = []
    for label, value in shown:
        first = str(value).strip().lower().split(" ")[0]
        try:
            if not math.isfinite(float(first)):  # "nan", "inf", "-inf", "nan %", ...
                bad.append(f"metric {label!r} shows {value!r}")
        except ValueError:
            pass  # words ("negative", "–") are fine
    return bad


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_random_controls_never_break_a_page(page):
    rng = random.Random(f"rnnviz-fuzz-{page}")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(page).run()
    history = []
    for step in range(ACTIONS_PER_PAGE):
        assert not at.exception, f"{page} after {history}: {at.exception}"
        candidates = widgets(at)
        if not candidates:
            break
        kind, w = rng.choice(candidates)
        history.append(act(rng, kind, w))
        try:
            at.run()
        except Exception as e:  # noqa: BLE001 - report the actions that led here
            raise AssertionError(f"{page} step {step} after {history}: {e!r}") from e
        assert not at.exception, f"{page} step {step} after {history}: {at.exception}"
        bad = shown_numbers_are_finite(at)
        assert not bad, f"{page} step {step} after {history}: {bad}"
    done = [h for h in history if not h.startswith("skipped")]
    print(page, len(done), "actions:", "; ".join(done))
    assert len(done) >= 0.75 * ACTIONS_PER_PAGE, f"{page}: too few real actions: {history}"
