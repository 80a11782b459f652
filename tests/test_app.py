"""Every page through Streamlit's AppTest: loads, controls act, no exception."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def run_app(path: str = "app.py") -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_home_shows_seed000_and_a_live_network():
    at = run_app()
    assert any("0.106" in i.value and "0.097" in i.value for i in at.info)
    charts = at.get("plotly_chart")
    assert len(charts) == 2
    caption = at.caption[0].value
    assert "RNN" in caption


def test_home_w_hh_scale_changes_the_gradient_flow():
    at = run_app()
    ratio = {}
    for scale in (0.5, 2.5):
        next(s for s in at.slider if s.label == "W_hh scale").set_value(scale).run()
        assert not at.exception
        ratio[scale] = _ratio(at.caption[0].value)
    assert ratio[0.5] < 1e-2 and ratio[2.5] > 10  # tanh saturation tames the growth


def _ratio(caption: str) -> float:
    return float(caption.split("||dL/dh_T|| = ")[1].split(". ")[0])


def test_home_cell_choice():
    at = run_app()
    next(s for s in at.selectbox if s.label == "Cell").set_value("lstm").run()
    assert not at.exception and "LSTM" in at.caption[0].value
    assert np.isfinite(_ratio(at.caption[0].value))
