"""pages/gradient_lab.py through Streamlit's AppTest: loads, every control acts, no exception."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
from apptest import chart_specs, open_app, open_page
from streamlit.testing.v1 import AppTest

from rnnviz.lessons import gradlab as lab

ROOT = Path(__file__).resolve().parents[1]
PAGE = "pages/gradient_lab.py"
REGISTERED = PAGE in (ROOT / "app.py").read_text()  # registered in app.py's navigation?


def page(**session) -> AppTest:
    """The lab, through app.py's navigation once it is registered there, else on its own."""
    return open_app(PAGE, session=session) if REGISTERED else open_page(PAGE, **session)


class Charts(dict):
    """Plotly specs by title; a lookup matches the start of a title."""

    def __getitem__(self, prefix: str) -> dict:
        return next(v for k, v in self.items() if k.startswith(prefix))

    def __contains__(self, prefix) -> bool:
        return any(k.startswith(prefix) for k in self)


def charts(at) -> Charts:
    specs = chart_specs(at)
    return Charts((spec["layout"]["title"]["text"], spec) for spec in specs)


def values(spec) -> np.ndarray:
    if isinstance(spec, dict):
        return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.dtype(spec["dtype"]))
    return np.asarray(spec, dtype=np.float64)


def trace(spec: dict, prefix: str) -> dict | None:
    return next((d for d in spec["data"] if d.get("name", "").startswith(prefix)), None)


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label))


FLOW = "How much gradient reaches k steps back"


def test_default_page_shows_the_real_pass_and_checks_the_seed():
    at = page()
    specs = charts(at)
    assert len(specs) == 7
    f = lab.measure(lab.LabSettings())
    y = values(trace(specs[FLOW], "measured")["y"])
    np.testing.assert_allclose(y, f.ratio, rtol=2e-7)  # sent as float32 (7 digits)
    k1 = lab.steps_below(f.ratio, 1e-2)
    assert metric(at, "Steps back until") == str(k1)
    notes = [w.value for w in (*at.warning, *at.success)]
    assert any(f"falls below 1% after **{k1} steps**" in n for n in notes)
    assert trace(specs[FLOW], "bound") is not None
    eig = specs["Eigenvalues of W_hh"]
    assert sum(len(values(d["x"])) for d in eig["data"][1:]) == 32
    assert "Truncated BPTT: how far back the gradient reaches" in specs
    assert any("diverged at step" in m.value for m in at.markdown)
    assert not at.error


def test_each_control_acts():
    at = page()
    before = charts(at)[FLOW]
    at.slider(key="lab_T").set_value(30).run()
    assert len(values(trace(charts(at)[FLOW], "measured")["y"])) == 30
    at.selectbox(key="lab_init").set_value("orthogonal").run()
    at.radio(key="lab_mode").set_value("radius").run()
    at.slider(key="lab_value").set_value(0.5).run()
    assert metric(at, "Spectral radius") == "0.5"
    assert charts(at)["Vanishing or exploding"]["layout"]["xaxis"]["title"]["text"].startswith(
        "spectral radius")
    at.select_slider(key="lab_xs").set_value(0.001).run()
    assert any("within" in s.value for s in at.success)  # 0.5^k: below 1% after 7 steps
    at.select_slider(key="lab_H").set_value(8).run()
    eig = charts(at)["Eigenvalues of W_hh"]
    assert sum(len(values(d["x"])) for d in eig["data"][1:]) == 8
    y0 = values(trace(charts(at)[FLOW], "measured")["y"])
    np.testing.assert_allclose(y0[:11], 0.5 ** np.arange(11), rtol=1e-3)  # seed-free here
    re0 = np.sort(np.concatenate([values(d["x"]) for d in eig["data"][1:]]))
    at.number_input(key="lab_seed").set_value(5).run()  # ... but W_hh is another matrix
    eig = charts(at)["Eigenvalues of W_hh"]
    assert not np.allclose(np.sort(np.concatenate([values(d["x"]) for d in eig["data"][1:]])),
                           re0)
    at.radio(key="lab_act").set_value("sigmoid").run()
    assert metric(at, "Mean act") != "1.00"
    at.radio(key="lab_cell").set_value("lstm").run()
    specs = charts(at)
    assert trace(specs[FLOW], "bound") is None  # the vanilla bound is not drawn for LSTM
    assert "Eigenvalues of W_hh, g block" in specs
    assert at.radio(key="lab_act").disabled
    at.select_slider(key="lab_clip").set_value(5.0).run()
    norm = charts(at)["Gradient norm before clipping"]
    assert trace(norm, "clip threshold 5") is not None
    assert not at.exception
    assert values(trace(before, "measured")["y"]).shape == (100,)


def test_extreme_settings_show_overflow_not_an_exception():
    at = page()
    at.slider(key="lab_T").set_value(400).run()
    at.slider(key="lab_value").set_value(3.0).run()
    at.radio(key="lab_act").set_value("relu").run()
    assert not at.exception
    assert any("overflow" in e.value for e in at.error)
    assert metric(at, "‖dL/dh_1‖") == "overflow"
    y = values(trace(charts(at)[FLOW], "measured")["y"]).astype(np.float64)
    assert not np.any(np.isinf(y)) and np.isnan(y[-1])  # the overflowed step is a gap


def test_presentation_mode_enlarges_the_figures():
    small = charts(page())[FLOW]["layout"]["font"]["size"]
    big = charts(page(presentation=True))[FLOW]["layout"]["font"]["size"]
    assert big > small
