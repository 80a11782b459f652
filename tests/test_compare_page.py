"""pages/compare_cells.py through Streamlit's AppTest: loads, Play / Pause / Step / Reset, the
controls reset, the charts show the runs' numbers, presentation mode, no exception."""

from __future__ import annotations

import base64
import threading
from pathlib import Path

import numpy as np
from apptest import chart_specs, live_frame, metric, trainer_passes, wait_until
from streamlit.testing.v1 import AppTest

from rnnviz.lessons import cellrace as cmp
from rnnviz.live import feed
from rnnviz.ui import state

RUN, PLAYING, LOCK = "compare:run", "compare:playing", "compare:lock"

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages/compare_cells.py")


def _app(comparison: cmp.Comparison | None = None, **session) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    if comparison is not None:
        at.session_state[RUN] = comparison
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
    return at.session_state[RUN]


def _labels(at: AppTest) -> list[str]:
    return [label for label, _ in live_frame(at)["status"]]


def _runs_table(at: AppTest) -> dict:
    return next(t["table"] for t in live_frame(at)["task"] if t["title"].startswith("The three"))


def _epochs(c: cmp.Comparison) -> set[int]:
    return {r.epoch for r in c.runs.values()}


def test_default_page_loads_with_three_networks_and_their_parameter_counts():
    at = _app()
    c = _cmp(at)
    assert c.settings == cmp.CompareSettings() and c.budget == cmp.DEFAULT_BUDGET
    assert "RNN vs LSTM vs GRU" in at.title[0].value
    assert [b.label for b in at.button] == ["Play", "Step", "Reset"]
    assert _labels(at) == ["RNN: test MSE", "LSTM: test MSE", "GRU: test MSE", "Epoch"]
    runs = _runs_table(at)
    assert runs["columns"][:3] == ["cell", "epoch", "parameters"]
    assert [row[2] for row in runs["rows"]] == ["1,153", "4,513", "3,425"]
    text = " ".join(m.value for m in at.markdown)
    assert "GRU has 1,088 fewer than the LSTM" in text
    assert len(chart_specs(at)) == 4
    assert next(s for s in at.slider if s.label == "Dependency length (steps)").value == 50
    assert next(s for s in at.slider if s.label == "Budget (epochs)").value == 8
    assert "train:run" not in at.session_state  # the Train page's run is left alone


def test_play_trains_all_three_equally_pause_stops_step_and_reset():
    at = _app(_small())
    _button(at, "Play").click().run()
    assert at.session_state[PLAYING] is True
    c = _cmp(at)
    for k in range(1, 4):  # the training thread trains them; between its turns ...
        assert wait_until(lambda k=k: c.epoch >= k), "the training thread did not train"
        with at.session_state[LOCK]:
            assert len({r.batches for r in c.runs.values()}) == 1  # ... all in lockstep
    _button(at, "Pause").click().run()
    assert len(_epochs(c)) == 1 and c.epoch > 0
    values = [v for _, v in live_frame(at)["status"][:3]]
    assert values == [f"{v:.3g}" for v in c.test_metrics().values()]
    assert metric(at, "Epoch") == f"{c.epoch} of 50"
    best = min(c.test_losses(), key=c.test_losses().get)
    verdict = next(m.value for m in at.markdown if "lowest test MSE first" in m.value)
    assert verdict.split("first: ")[1].startswith(cmp.CELL_NAMES[best])
    assert at.session_state[PLAYING] is False
    batches = c.runs["lstm"].batches
    trainer_passes()
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
    c = _cmp(at)
    _button(at, "Play").click().run()
    assert wait_until(lambda: c.finished), "the budget was not reached"
    at.run()  # as the live element asks when the frame says the run stopped
    assert at.session_state[PLAYING] is False and c.finished and _epochs(c) == {1}
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
    assert at.session_state[PLAYING] is False


def test_changing_the_task_hidden_size_or_seed_resets():
    at = _app(_small())
    at.selectbox[0].set_value("copy").run()
    assert _cmp(at).task.name == "copy" and not at.exception
    next(s for s in at.select_slider if s.label == "Hidden units (each)").set_value(8).run()
    assert {r.cfg.model.hidden_size for r in _cmp(at).runs.values()} == {8}
    at.number_input[0].set_value(3).run()
    assert {r.cfg.model.seed for r in _cmp(at).runs.values()} == {3}
    assert _labels(at)[0] == "RNN: test accuracy"


def test_the_charts_show_the_runs_numbers():
    at = _app(_small())
    _button(at, "Step").click().run()
    _button(at, "Step").click().run()
    c = _cmp(at)
    loss, flow, forget, update = _specs(at)
    for d, (cell, r) in zip(loss["data"][:3], c.runs.items(), strict=True):
        assert d["name"] == cmp.CELL_NAMES[cell]
        np.testing.assert_allclose(values(d["y"]), [h["test_loss"] for h in r.history],
                                   rtol=1e-6)
        np.testing.assert_array_equal(values(d["x"]), [1, 2])
    assert loss["layout"]["yaxis"]["type"] == "log"
    np.testing.assert_allclose(values(loss["data"][3]["y"]), 1 / 6, rtol=1e-6)  # baseline
    assert flow["layout"]["yaxis"]["type"] == "log" and len(flow["data"]) == 3
    for d, cell in zip(flow["data"], cmp.CELLS, strict=True):
        np.testing.assert_allclose(values(d["y"]), c.runs[cell].probe_trace.grad_norm,
                                   rtol=1e-6)
    for spec, cell, gate in ((forget, "lstm", "forget"), (update, "gru", "update")):
        h = spec["data"][0]
        g = c.runs[cell].probe_trace.top[0].gates[gate][:, 0]  # (T, H)
        np.testing.assert_allclose(values(h["z"]).reshape(g.T.shape), g.T, rtol=1e-6)
        assert (h["zmin"], h["zmax"]) == (0, 1)
    colours = [[d["line"]["color"] for d in s["data"][:3]] for s in (loss, flow)]
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


def test_one_turn_of_the_training_thread_trains_a_slice_of_an_epoch():
    c = cmp.Comparison()  # the page's default: 63 batches an epoch
    f = feed.Feed(c, threading.RLock(), scene=cmp.RaceScene())
    f.play()
    assert f.turn(feed.BUDGET)
    assert 0 < c.runs["rnn"].batches < c.steps_per_epoch  # a slice, not a whole epoch
    assert len({r.batches for r in c.runs.values()}) == 1
    f.pause()
