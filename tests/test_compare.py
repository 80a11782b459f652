"""rnnviz.lessons.cellrace and its figures: three runs in lockstep, fair, deterministic."""

from __future__ import annotations

import base64
import math
import time

import numpy as np
import pytest

from rnnviz.figures import cellrace_charts as fig
from rnnviz.lessons import cellrace as cmp
from rnnviz.train.recipes import configured

SMALL = cmp.CompareSettings(seq_len=6, hidden=4)  # fast: one epoch of three in ~0.2 s


def small(budget: int = 2, **kw) -> cmp.Comparison:
    return cmp.Comparison(cmp.CompareSettings(**({"seq_len": 6, "hidden": 4} | kw)), budget)


def _data(f) -> list[dict]:
    return f.to_dict()["data"]


def values(spec) -> np.ndarray:
    """A plotly array: a list, an array, or {"dtype", "bdata"[, "shape"]} base64 (flat)."""
    if isinstance(spec, dict):
        return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.dtype(spec["dtype"]))
    return np.asarray(spec)


def test_the_defaults_are_compare_cells_recipe_so_the_readme_numbers_apply():
    for cell in cmp.CELLS:
        init = "orthogonal" if cell == "rnn" else "xavier"
        want = configured("lstm-memory", cell=cell, seq_len=50, hidden=32, init=init, seed=0)
        assert cmp.cell_config(cmp.CompareSettings(), cell) == want
    c = cmp.Comparison()
    assert c.task.name == "adding" and c.settings.seq_len == 50 and c.budget == 8
    t = c.runs["rnn"].cfg.train
    assert (t.optimizer, t.lr, t.batch_size, t.clip, t.clip_threshold) == ("adam", 0.01, 32,
                                                                           "norm", 1.0)
    assert {r.cfg.model.hidden_size for r in c.runs.values()} == {32}


def test_the_three_runs_share_task_seed_and_batches():
    c = small()
    assert all(r.task is c.task for r in c.runs.values())
    assert [r.cfg.model.cell for r in c.runs.values()] == ["rnn", "lstm", "gru"]
    c.advance(seconds=0.0)
    states = [r._epoch_state for r in c.runs.values()]  # RNG at the start of the epoch
    assert states[0] == states[1] == states[2]  # the same shuffle, so the same mini-batches


@pytest.mark.parametrize("seconds", [0.0, 0.01, 0.05])
def test_advance_keeps_the_runs_in_lockstep(seconds):
    c = small(budget=2)
    while not c.finished:
        assert c.advance(seconds=seconds) >= 1
        batches = {r.batches for r in c.runs.values()}
        epochs = {r.epoch for r in c.runs.values()}
        assert len(batches) == 1 and len(epochs) == 1
    assert c.epoch == 2 and c.advance(seconds=seconds) == 0


def test_the_curves_do_not_depend_on_how_the_ticks_slice_the_training():
    a = small(budget=2)
    a.run_to_budget()
    b = small(budget=2)
    while not b.finished:
        b.advance(seconds=0.0)  # one round per tick
    d = small(budget=2)
    while not d.finished:
        d.advance(seconds=0.003)
    for cell in cmp.CELLS:
        ha = [r["test_loss"] for r in a.runs[cell].history]
        assert ha == [r["test_loss"] for r in b.runs[cell].history]
        assert ha == [r["test_loss"] for r in d.runs[cell].history]
        np.testing.assert_array_equal(a.grad_norms()[cell], b.grad_norms()[cell])
    assert a.rounds == b.rounds == d.rounds


def test_it_stops_at_the_budget_and_the_budget_changes_live():
    c = small(budget=1)
    assert not c.finished and c.progress == 0
    c.run_to_budget()
    assert c.finished and c.epoch == 1 and c.progress == 1
    assert c.advance(seconds=1.0) == 0
    c.step()
    assert c.epoch == 1  # Step does nothing past the budget
    c.set_budget(2)
    assert not c.finished
    c.step()
    assert {r.epoch for r in c.runs.values()} == {2} and c.finished


def test_step_trains_exactly_one_epoch_each():
    c = small(budget=5)
    c.step()
    assert {r.epoch for r in c.runs.values()} == {1}
    assert {len(r.history) for r in c.runs.values()} == {1}
    assert {r.batches for r in c.runs.values()} == {c.steps_per_epoch}


def test_the_progress_counts_batches_within_an_epoch():
    c = small(budget=2)
    while c.runs["rnn"].batches < c.steps_per_epoch // 2:
        c.advance(seconds=0.0)
    assert c.progress == pytest.approx(c.runs["rnn"].batches / (2 * c.steps_per_epoch))


def test_parameter_counts_gru_fewer_than_lstm_as_seed_002_says():
    c = cmp.Comparison()
    p = c.num_params()
    D, H, O = 2, 32, 1  # adding problem: (value, marker) in, the sum out
    head = H * O + O
    assert p["rnn"] == D * H + H * H + H + head == 1153
    assert p["lstm"] == 4 * (D * H + H * H + H) + head == 4513
    assert p["gru"] == 3 * (D * H + H * H + H) + H + head == 3425  # + b_hn (PyTorch's GRU)
    assert p["gru"] < p["lstm"]
    assert c.gate_blocks() == {"rnn": 1, "lstm": 4, "gru": 3}
    text = cmp.notes(c)["params"]
    assert "LSTM 4,513" in text and "GRU 3,425" in text and "1,088 fewer" in text
    assert "24% fewer" in text


def test_gates_are_the_probe_traces_and_the_memory_unit_is_their_product():
    c = small(budget=1, seq_len=12)
    c.step()
    for cell, name in (("lstm", "forget"), ("gru", "update")):
        g = c.gate(cell)
        assert g.shape == (12, 4)
        np.testing.assert_array_equal(g, c.runs[cell].probe_trace.top[0].gates[name][:, 0])
        assert np.all((g > 0) & (g < 1))
        m = c.memory_unit(cell)
        s = c.marks()[0]
        kept = np.prod(g[s + 1:], axis=0)
        assert m["unit"] == int(np.argmax(kept)) and m["steps"] == 12 - 1 - s
        assert m["kept"] == pytest.approx(kept.max(), rel=1e-9)
    X = c.runs["rnn"].probe.X[0]
    assert c.marks() == [int(t) for t in np.flatnonzero(X[:, 1])]
    assert len(c.marks()) == 2 and c.marks()[0] < 6 <= c.marks()[1]


def test_at_epoch_0_the_orthogonal_rnn_passes_the_gradient_back_best():
    """The page says so: gated cells start with gates near 0.5."""
    c = cmp.Comparison()
    reach = c.gradient_reach()
    assert reach["rnn"] > 100 * max(reach["lstm"], reach["gru"])
    for cell in ("lstm", "gru"):
        assert abs(float(c.gate(cell).mean()) - 0.5) < 0.15


def test_gradient_reach_is_first_over_last_grad_norm():
    c = small()
    for cell, g in c.grad_norms().items():
        np.testing.assert_array_equal(g, c.runs[cell].probe_trace.grad_norm)
        assert c.gradient_reach()[cell] == pytest.approx(g[0] / g[-1])


def test_copy_task_compares_too():
    c = small(budget=1, task="copy")
    assert c.task.name == "copy" and c.marks() == [0]
    base, meaning = c.baseline()
    assert base == pytest.approx(math.log(4)) and "4 symbols" in meaning
    c.step()
    assert all(0 <= v <= 1 for v in c.test_metrics().values())
    assert "the symbol's step" in cmp.notes(c)["gates"]
    assert cmp.notes(c)["verdict"].startswith("**After 1 epoch**")
    assert "ln 4 = 1.386" in cmp.task_note(c) and "next 4 steps" in cmp.task_note(c)
    assert "0.167" in cmp.task_note(small())


def test_bad_settings_are_refused():
    for bad in ({"seq_len": 4}, {"seq_len": 201}, {"task": "sine"}, {"hidden": 0},
                {"seed": -1}, {"seq_len": 5.5}):
        with pytest.raises(ValueError):
            cmp.CompareSettings(**bad)


def test_with_settings_builds_new_runs_and_keeps_the_budget():
    c = small(budget=3)
    c.step()
    d = cmp.with_settings(c, seq_len=9)
    assert d.budget == 3 and d.epoch == 0 and d.settings.seq_len == 9 and d.task.seq_len == 9


# -- figures ------------------------------------------------------------------------------
def test_loss_race_draws_each_runs_test_loss_and_the_baseline():
    c = small(budget=3)
    c.step()
    c.step()
    f = fig.loss_race({k: r.history_frame() for k, r in c.runs.items()}, c.budget,
                      c.task.baselines)
    data, line = _data(f)[:3], _data(f)[3]
    assert [d["name"] for d in data] == ["RNN", "LSTM", "GRU"]
    for d, (cell, r) in zip(data, c.runs.items(), strict=True):
        np.testing.assert_allclose(values(d["y"]), [h["test_loss"] for h in r.history], rtol=1e-6)
        assert list(values(d["x"])) == [1, 2]
        assert d["line"]["color"] == fig.CELL_COLOURS[cell]
    lay = f.to_dict()["layout"]
    assert lay["yaxis"]["type"] == "log" and lay["xaxis"]["range"][1] >= 3
    np.testing.assert_allclose(values(line["y"]), 1 / 6, rtol=1e-6)  # the adding baseline
    assert "0.167" in line["name"] and line["line"]["dash"] == "dash"


def test_loss_race_before_the_first_epoch_says_so():
    c = small()
    f = fig.loss_race({k: r.history_frame() for k, r in c.runs.items()}, c.budget)
    assert _data(f) == [] and "press Play" in f.to_dict()["layout"]["annotations"][0]["text"]


def test_gradient_flow_is_one_log_plot_with_one_colour_per_cell():
    c = small()
    f = fig.grad_flow_compare(c.grad_norms())
    data = _data(f)
    assert f.to_dict()["layout"]["yaxis"]["type"] == "log"
    for d, cell in zip(data, cmp.CELLS, strict=True):
        assert d["name"] == fig.CELL_NAMES[cell] and d["line"]["color"] == fig.CELL_COLOURS[cell]
        np.testing.assert_allclose(values(d["y"]), c.grad_norms()[cell], rtol=1e-6)
        assert list(values(d["x"])) == list(range(1, 7))
    assert len({fig.CELL_COLOURS[k] for k in cmp.CELLS}) == 3


def test_gate_heatmap_is_unit_by_time_on_a_fixed_0_to_1_scale():
    c = small()
    g = c.gate("lstm")
    f = fig.gate_heatmap(g, "lstm", "forget", c.marks())
    h = _data(f)[0]
    assert h["zmin"] == 0 and h["zmax"] == 1 and h["colorscale"]
    np.testing.assert_allclose(values(h["z"]).reshape(g.T.shape), g.T, rtol=1e-6)  # (H, T)
    assert h["z"]["shape"] in ("4, 6", [4, 6])  # (H, T)
    notes = f.to_dict()["layout"]["annotations"]
    assert [a["x"] for a in notes] == [t + 1 for t in c.marks()]
    assert "LSTM forget gate f<sub>t</sub>" in f.to_dict()["layout"]["title"]["text"]


def test_presentation_mode_makes_figures_bigger():
    c = small()
    small_fig = fig.grad_flow_compare(c.grad_norms()).to_dict()
    big_fig = fig.grad_flow_compare(c.grad_norms(), big=True).to_dict()
    assert big_fig["layout"]["height"] > small_fig["layout"]["height"]
    assert big_fig["data"][0]["line"]["width"] > small_fig["data"][0]["line"]["width"]


# -- the page's default comparison, trained to its budget ------------------------------
@pytest.mark.slow
def test_default_comparison_lstm_and_gru_beat_the_rnn_at_length_50():
    c = cmp.Comparison()  # what the page opens with: adding problem, length 50, 8 epochs
    t0 = time.perf_counter()
    while not c.finished:  # as the page's Play does, one tick after another
        c.advance(seconds=0.2)
    seconds = time.perf_counter() - t0
    final = c.test_losses()
    print(f"adding problem, length 50, {c.epoch} epochs, seed 0: test MSE "
          + ", ".join(f"{cmp.CELL_NAMES[k]} {v:.4g}" for k, v in final.items())
          + f" (baseline {c.baseline()[0]:.3f}); {seconds:.1f} s")
    print("gradient reach ||dL/dh_1|| / ||dL/dh_50||:", c.gradient_reach())
    print("memory units:", {k: c.memory_unit(k) for k in ("lstm", "gru")})
    assert c.epoch == cmp.DEFAULT_BUDGET and not any(r.diverged for r in c.runs.values())
    assert final["rnn"] > 0.1  # the vanilla RNN stays near the baseline 0.167
    assert min(final["lstm"], final["gru"]) < 0.1 * final["rnn"]  # a gated cell remembers
    assert c.gradient_reach()["rnn"] < 1e-3 < c.gradient_reach()["lstm"]  # it turned around
    h = c.runs["rnn"].probe_trace.hidden
    assert np.mean(1 - h**2) < 0.7  # the RNN's tanh units saturate (0.94 at epoch 0)
    for cell in ("lstm", "gru"):  # a unit holds its gate near 1 from the first mark on
        assert c.memory_unit(cell)["mean"] > 0.9 and c.memory_unit(cell)["kept"] > 0.05


def test_training_waits_for_the_lock_so_two_script_threads_cannot_interleave():
    """Streamlit's fast reruns may start a button's callback while the last tick still
    trains; the second caller waits for the first instead of training the runs at once."""
    import threading

    c = small(budget=3)
    held, order = threading.Event(), []

    def tick():
        with c.lock:
            held.set()
            time.sleep(0.3)  # a slow tick: a Step that did not wait would end first
            c.advance(seconds=0.0)
            order.append("tick")

    th = threading.Thread(target=tick)
    th.start()
    assert held.wait(timeout=20)
    c.step()  # as the Step button's callback
    order.append("step")
    th.join(timeout=20)
    assert order == ["tick", "step"]
    assert {r.epoch for r in c.runs.values()} == {1}
    assert len({r.batches for r in c.runs.values()}) == 1
