"""pages/unrolled_view.py through Streamlit's AppTest: loads, every pattern, the walk, odd runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from apptest import chart_specs
from streamlit.testing.v1 import AppTest

from rnnviz.train import settings as cf
from rnnviz.train.run import TrainingRun
from rnnviz.ui import state

ROOT = Path(__file__).resolve().parents[1]
WALK = "Walk through the passes (forward, then backward)"


def _app(run: TrainingRun | None = None, **session) -> AppTest:
    """The page inside app.py's navigation (it links to another page)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if run is not None:
        at.session_state["train:run"] = run
        at.session_state[state.CFG] = run.cfg
    for k, v in session.items():
        at.session_state[k] = v
    at.run()
    at.switch_page("pages/unrolled_view.py").run()
    assert not at.exception, at.exception
    return at


def _spec(at: AppTest) -> dict:
    charts = chart_specs(at)
    assert len(charts) == 1
    return charts[0]


def _preset(name: str, **overrides) -> TrainingRun:
    cfg = cf.preset_config(name)
    for key, value in overrides.items():
        cfg = cf.with_value(cfg, cf.BY_KEY[key], value)
    return TrainingRun(cfg)


def test_loads_with_the_default_run_and_its_own_pattern():
    at = _app()
    run = at.session_state["train:run"]
    assert at.radio[0].value == ("many-to-one" if run.model.cfg.readout == "last"
                                 else "many-to-many")
    spec = _spec(at)
    assert "complete" in spec["layout"]["title"]["subtitle"]["text"]
    assert any("probe pass" in c.value for c in at.caption)
    assert any("Orange arrows" in m.value for m in at.markdown)


def test_every_pattern_renders():
    at = _app(_preset("hello-world"))
    notes = set()
    for pattern in ("many-to-one", "many-to-many", "one-to-many"):
        at.radio[0].set_value(pattern).run()
        assert not at.exception, at.exception
        spec = _spec(at)
        assert pattern in spec["layout"]["title"]["text"]
        notes.add(at.caption[0].value)
    assert len(notes) == 3  # each pattern says how its numbers were computed


def test_the_walk_slider_moves_through_both_passes():
    at = _app(_preset("hello-world"))
    slider = next(s for s in at.slider if s.label == WALK)
    assert slider.value == slider.max == 20  # T = 10: 10 forward + 10 backward phases
    slider.set_value(0).run()
    assert "Before the forward pass" in _spec(at)["layout"]["title"]["subtitle"]["text"]
    next(s for s in at.slider if s.label == WALK).set_value(4).run()
    assert "step 4 of 10" in _spec(at)["layout"]["title"]["subtitle"]["text"]
    next(s for s in at.slider if s.label == WALK).set_value(13).run()
    assert not at.exception
    assert "Backward pass" in _spec(at)["layout"]["title"]["subtitle"]["text"]


def test_bidirectional_two_layer_lstm_in_every_pattern_and_sample():
    run = _preset("sentiment-modern", layers=2, bidir=True, cell="lstm", hidden=16)
    at = _app(run)
    for pattern in ("many-to-one", "many-to-many", "one-to-many"):
        at.radio[0].set_value(pattern).run()
        assert not at.exception, at.exception
        ticks = _spec(at)["layout"]["yaxis"]["ticktext"]
        assert ticks[1:5] == ["layer 1 ←", "layer 1 →", "layer 2 ←", "layer 2 →"]
    at.selectbox[0].set_value(at.selectbox[0].options.index(at.selectbox[0].options[-1])).run()
    assert not at.exception
    slider = next(s for s in at.slider if s.label == WALK)
    assert slider.max == 2 * 2 * run.probe.lengths[-1]  # layer by layer, both passes


def test_presentation_mode_is_bigger():
    small = _spec(_app(_preset("hello-world")))
    big = _spec(_app(_preset("hello-world"), presentation=True))
    assert big["layout"]["font"]["size"] > small["layout"]["font"]["size"]
    assert big["layout"]["height"] > small["layout"]["height"]


def test_a_diverged_run_and_a_run_without_gradients_render():
    run = _preset("exploding")
    run.diverged = True
    run.status = "diverged at epoch 3 (gradient norm inf)"
    at = _app(run)
    assert any("diverged at epoch 3" in w.value for w in at.warning)
    run = _preset("sine")
    pb = run.probe
    run.probe_trace = run.model.trace(pb.X, mask=pb.mask)  # forward only: no dL/dh_t
    at = _app(run)
    assert not at.info  # the page computes the backward pass itself
    polys = [t for t in _spec(at)["data"] if t.get("fill") == "toself"]
    assert polys and np.isfinite(run.probe_trace.hidden).all()
