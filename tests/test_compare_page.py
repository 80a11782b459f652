"""pages/compare_cells.py through Streamlit's AppTest: loads, Play / Pause / Step / Reset, the
controls reset, the charts show the runs' numbers, presentation mode, no exception."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import numpy as np
from apptest import chart_specs
from streamlit.testing.v1 import AppTest

from rnnviz.lessons import cellrace as cmp
from rnnviz.ui import compare_live as live
from rnnviz.ui import state

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages/compare_cells.py")


def _app(comparison: cmp.Comparison | None = None, **session) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    if comparison is not None:
        at.session_state[live.COMPARISON] = comparison
    for k, v in session.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _small(budget: int = 50, **kw) -> cmp.Comparison:
    """Short sequences and 4 units: an epoch of all three takes a fraction of a second."""
    return cmp.Comparison(cmp.CompareSettings(**({"seq_len": 5, "hidden": 4} | kw)), budget)


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _specs(at: AppTest) -> list[dict]:
    return chart_specs(at)


def values(spec) -> np.ndarray:
    """A plotly array from a chart spec: a list, or {"dtype", "bdata"} base64 (flat)."""
    if isinstance(spec, dict):
        return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.dtype(spec["dtype"]))
    return np.asarray(spec)


def _cmp(at: AppTest) -> cmp.Comparison:
    return at.session_state[live.COMPARISON]


def _epochs(c: cmp.Comparison) -> set[int]:
    return {r.epoch for r in c.runs.values()}


def test_default_page_loads_with_three_networks_and_their_parameter_counts():
    at = _app()
    c = _cmp(at)
    assert c.settings == cmp.CompareSettings() and c.budget == cmp.DEFAULT_BUDGET
    assert "RNN vs LSTM vs GRU" in at.title[0].value
    assert [b.label for b in at.button] == ["Play", "Step", "Reset"]
    assert [m.label for m in at.metric] == ["RNN: test MSE", "LSTM: test MSE", "GRU: test MSE"]
    captions = " ".join(x.value for x in at.caption)
    assert "1,153 parameters" in captions and "4,513 parameters" in captions
    assert "3,425 parameters" in captions
    text = " ".join(m.value for m in at.markdown)
    assert "GRU has 1,088 fewer than the LSTM" in text
    assert len(chart_specs(at)) == 4
    assert next(s for s in at.slider if s.label == "Dependency length (steps)").value == 50
    assert next(s for s in at.slider if s.label == "Budget (epochs)").value == 8
    assert "train:run" not in at.session_state  # the Train page's run is left alone


def test_play_trains_all_three_equally_pause_stops_step_and_reset():
    at = _app(_small())
    _button(at, "Play").click().run()
    assert at.session_state[live.PLAYING] is True
    c = _cmp(at)
    for _ in range(6):
        at.run()  # fragment ticks
        assert len({r.batches for r in c.runs.values()}) == 1  # lockstep after every tick
    assert len(_epochs(c)) == 1 and c.epoch > 0
    assert [m.value for m in at.metric] == [f"{v:.3g}" for v in c.test_metrics().values()]
    assert f"Epoch {c.epoch} of 50" in at.get("progress")[0].proto.text
    best = min(c.test_losses(), key=c.test_losses().get)
    verdict = next(m.value for m in at.markdown if "lowest test MSE first" in m.value)
    assert verdict.split("first: ")[1].startswith(cmp.CELL_NAMES[best])
    _button(at, "Pause").click().run()
    assert at.session_state[live.PLAYING] is False
    batches = c.runs["lstm"].batches
    at.run()
    at.run()
    assert c.runs["lstm"].batches == batches  # paused: nothing trains
    epoch = c.epoch
    _button(at, "Step").click().run()
    assert _epochs(c) == {epoch + 1}
    _button(at, "Reset").click().run()
    fresh = _cmp(at)
    assert fresh is not c and fresh.epoch == 0 and fresh.settings == c.settings
    assert fresh.budget == 50
    assert any("Reset" in i.value for i in at.info)


def test_play_stops_at_the_budget():
    at = _app(_small(budget=1))
    _button(at, "Play").click().run()
    for _ in range(30):
        at.run()
        if not at.session_state[live.PLAYING]:
            break
    c = _cmp(at)
    assert at.session_state[live.PLAYING] is False and c.finished and _epochs(c) == {1}
    assert _button(at, "Play").disabled and _button(at, "Step").disabled
    next(s for s in at.slider if s.label == "Budget (epochs)").set_value(2).run()
    assert _cmp(at) is c and c.budget == 2 and not _button(at, "Play").disabled


def test_changing_the_dependency_length_resets_and_says_so():
    at = _app(_small())
    _button(at, "Step").click().run()
    old = _cmp(at)
    next(s for s in at.slider if s.label == "Dependency length (steps)").set_value(8).run()
    assert not at.exception
    c = _cmp(at)
    assert c is not old and c.epoch == 0 and c.settings.seq_len == 8 and c.task.seq_len == 8
    assert all(r.cfg.task.seq_len == 8 for r in c.runs.values())
    assert any("dependency length" in i.value and "epoch 0" in i.value for i in at.info)
    assert at.session_state[live.PLAYING] is False


def test_changing_the_task_hidden_size_or_seed_resets():
    at = _app(_small())
    at.selectbox[0].set_value("copy").run()
    assert _cmp(at).task.name == "copy" and not at.exception
    next(s for s in at.select_slider if s.label == "Hidden units (each)").set_value(8).run()
    assert {r.cfg.model.hidden_size for r in _cmp(at).runs.values()} == {8}
    at.number_input[0].set_value(3).run()
    assert {r.cfg.model.seed for r in _cmp(at).runs.values()} == {3}
    assert [m.label for m in at.metric][0] == "RNN: test accuracy"


def test_the_charts_show_the_runs_numbers():
    at = _app(_small())
    _button(at, "Step").click().run()
    _button(at, "Step").click().run()
    c = _cmp(at)
    loss, flow, forget, update = _specs(at)
    for d, (cell, r) in zip(loss["data"], c.runs.items(), strict=True):
        assert d["name"] == cmp.CELL_NAMES[cell]
        np.testing.assert_allclose(values(d["y"]), [h["test_loss"] for h in r.history],
                                   rtol=1e-6)
        np.testing.assert_array_equal(values(d["x"]), [1, 2])
    assert loss["layout"]["yaxis"]["type"] == "log"
    assert abs(loss["layout"]["shapes"][0]["y0"] - 1 / 6) < 1e-12  # the adding baseline
    assert flow["layout"]["yaxis"]["type"] == "log" and len(flow["data"]) == 3
    for d, cell in zip(flow["data"], cmp.CELLS, strict=True):
        np.testing.assert_allclose(values(d["y"]), c.runs[cell].probe_trace.grad_norm,
                                   rtol=1e-6)
    for spec, cell, gate in ((forget, "lstm", "forget"), (update, "gru", "update")):
        h = spec["data"][0]
        g = c.runs[cell].probe_trace.top[0].gates[gate][:, 0]  # (T, H)
        np.testing.assert_allclose(values(h["z"]).reshape(g.T.shape), g.T, rtol=1e-6)
        assert (h["zmin"], h["zmax"]) == (0, 1)
    colours = [[d["line"]["color"] for d in s["data"]] for s in (loss, flow)]
    assert colours[0] == colours[1] and len(set(colours[0])) == 3  # one colour per cell


def test_presentation_mode_draws_bigger():
    small_specs = _specs(_app(_small()))
    big_specs = _specs(_app(_small(), **{state.PRESENTATION: True}))
    for a, b in zip(small_specs, big_specs, strict=True):
        assert b["layout"]["height"] > a["layout"]["height"]


def test_widgets_follow_the_comparison_when_coming_back_to_the_page():
    at = _app(_small(budget=7, seq_len=12, hidden=16, seed=4))
    assert next(s for s in at.slider if s.label == "Dependency length (steps)").value == 12
    assert next(s for s in at.slider if s.label == "Budget (epochs)").value == 7
    assert at.select_slider[0].value == 16 and at.number_input[0].value == 4
    assert not at.info  # nothing was reset


def test_the_train_pages_play_does_not_play_this_page():
    at = _app(_small(), **{"train:playing": True})
    c = _cmp(at)
    at.run()
    assert c.runs["rnn"].batches == 0


def test_one_default_tick_trains_a_slice_of_an_epoch():
    at = _app()
    _button(at, "Play").click().run()
    t0 = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - t0
    train_ms, draw_ms = at.session_state[live.TICK_MS]
    print(f"default tick: {train_ms:.0f} ms training, {draw_ms:.0f} ms drawing, "
          f"{seconds * 1000:.0f} ms AppTest run")
    assert 0 < _cmp(at).runs["rnn"].batches < 63  # a slice of an epoch, not a whole one
