"""The gradient lab's numbers: bounds, M. Sharma's 0.5^k, the sweep, truncation, clipping."""

from __future__ import annotations

import base64
from dataclasses import replace

import numpy as np
import pytest

from rnnviz.core.analysis import reference_curve, spectral_radius
from rnnviz.core.network import Model
from rnnviz.figures import gradlab_charts as fl
from rnnviz.lessons import gradlab as lab
from rnnviz.train.recipes import configured, train

TOL = 1e-9  # relative slack for round-off in the inequalities


def values(spec) -> np.ndarray:
    """A plotly array from a figure dict: a list, or {"dtype", "bdata"} base64."""
    if isinstance(spec, dict):
        return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.dtype(spec["dtype"]))
    return np.asarray(spec, dtype=np.float64)


def trace_by_name(fig, prefix: str) -> dict:
    return next(d for d in fig.to_dict()["data"] if d.get("name", "").startswith(prefix))


@pytest.mark.parametrize("s", [
    lab.LabSettings(),
    lab.LabSettings(T=60, hidden=8, init="orthogonal", value=1.7, input_scale=3.0, seed=1),
    lab.LabSettings(T=150, hidden=16, init="normal", mode="radius", value=0.9, seed=2),
    lab.LabSettings(T=40, hidden=4, init="identity", value=2.5, input_scale=0.01, seed=3),
    lab.LabSettings(T=80, hidden=64, init="xavier", mode="radius", value=1.2, seed=4),
    lab.LabSettings(T=50, hidden=32, activation="relu", value=1.3, seed=5),
    lab.LabSettings(T=50, hidden=8, activation="sigmoid", value=3.0, seed=6),
])
def test_measured_gradient_lies_under_the_plotted_bound(s):
    f = lab.measure(s)
    assert f.overflow is None
    assert np.all(f.ratio <= f.jac_prod * (1 + TOL))  # ||dL/dh_{T-k}|| <= ||J-product|| ||g_T||
    assert np.all(f.jac_prod <= f.bound * (1 + TOL))  # ||J-product|| <= (||W|| max act')^k
    steps = np.cumprod(np.nan_to_num(f.jac, nan=1.0))  # product of the per-step norms
    assert np.all(f.jac_prod <= steps * (1 + TOL)) and np.all(f.jac[1:] <= f.factor * (1 + TOL))
    # and the figure draws exactly these numbers: measured under bound, point by point
    fig = fl.gradient_vs_distance(f.ratio, f.jac_prod, f.bound, lab.references(s.T))
    measured = values(trace_by_name(fig, "measured")["y"])
    bound = values(trace_by_name(fig, "bound")["y"])
    np.testing.assert_allclose(measured, f.ratio, rtol=1e-12)
    np.testing.assert_allclose(bound, f.factor ** np.arange(s.T), rtol=1e-9)
    assert np.all(measured <= bound * (1 + TOL))


def test_half_orthogonal_with_small_inputs_follows_half_to_the_k():
    """Seed 000's 0.5^k: tanh RNN, W_hh = 0.5 x orthogonal, small inputs, readout last."""
    for mode in lab.MODES:  # orthogonal: scale 0.5 and spectral radius 0.5 are the same W_hh
        s = lab.LabSettings(T=40, init="orthogonal", mode=mode, value=0.5, input_scale=0.001)
        f = lab.measure(s)
        want = reference_curve(0.5, 10)
        got = f.ratio[:11]
        assert np.all(got / want < 2) and np.all(got / want > 0.5)
        np.testing.assert_allclose(f.rho, 0.5, rtol=1e-9)
        assert lab.steps_below(f.ratio, 1e-2) == lab.steps_below(reference_curve(0.5, 39), 1e-2)
        kind, text = lab.claim_check(f)
        assert kind == "success" and "within" in text


def test_default_settings_report_and_check_the_seed_claim():
    f = lab.measure(lab.LabSettings())
    k1 = lab.steps_below(f.ratio, 1e-2)
    assert k1 is not None and f.ratio[k1] < 1e-2 <= f.ratio[1:k1].min()
    kind, text = lab.claim_check(f)
    assert f"after **{k1} steps**" in text
    assert kind == ("success" if 5 <= k1 <= 10 else "warning")


def test_sweep_is_monotone_below_the_edge_and_crosses_one_near_one():
    s = lab.LabSettings(T=100, hidden=32, init="orthogonal", input_scale=0.01)
    sw = lab.sweep(s)
    e = lab.edge(sw)
    assert 0.95 <= e <= 1.1
    np.testing.assert_allclose(sw.rho, sw.values, rtol=1e-9)  # orthogonal: radius = scale
    below, above = sw.ratio[sw.values < e], sw.ratio[sw.values > e]
    assert np.all(np.diff(np.log(below)) > 0) and below[0] < 1e-50
    assert np.all(above > 1) and above[-1] > 1e3
    rank = np.argsort(np.argsort(np.log(sw.ratio)))
    assert np.corrcoef(rank, np.arange(len(rank)))[0, 1] > 0.9  # monotone-ish overall
    # radius mode on a non-orthogonal W_hh: the edge is still at spectral radius ~1
    sw2 = lab.sweep(replace(s, init="xavier", mode="radius"))
    assert 0.95 <= lab.edge(sw2) <= 1.1
    assert lab.rho_one(sw2) == 1.0 and "crosses 1" in lab.sweep_note(sw2)


def test_sweep_uses_real_passes_of_the_same_network():
    s = lab.LabSettings(T=30, hidden=8, seed=3)
    sw = lab.sweep(s, values=[0.5, 1.0, 2.0])
    for v, r in zip(sw.values, sw.ratio, strict=True):
        f = lab.measure(replace(s, value=float(v)))
        np.testing.assert_allclose(r, f.end_ratio, rtol=1e-12)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_truncation_is_exact_inside_the_window_and_zero_beyond(cell):
    s = lab.LabSettings(T=60, hidden=8, cell=cell, seed=1)
    curves = lab.truncation(s)
    full = curves[None]
    assert np.all(full > 0)
    for k in lab.TRUNCATIONS:
        np.testing.assert_allclose(curves[k][:k], full[:k], rtol=1e-12)  # distances 0..k-1
        assert np.all(curves[k][k:] == 0.0)  # exactly zero, not small


def test_truncation_with_readout_all_differs_from_full_outside_the_last_chunk():
    """What truly holds: only the last chunk equals full BPTT when every step has a loss;
    earlier chunks keep their own losses' gradient (nonzero) but lose the later ones."""
    s = lab.LabSettings(T=30, hidden=6, seed=2)
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((1, 30, lab.INPUT_SIZE)), rng.standard_normal((1, 30, 1))
    out = {}
    for k in (None, 10):
        m = Model(replace(s.model_config(k), readout="all"))
        m.params.update(lab.build(s).params)
        out[k] = m.loss_and_grads(X, Y, loss="mse")[2].grad_norm
    np.testing.assert_allclose(out[10][20:], out[None][20:], rtol=1e-12)
    assert np.all(out[10][:20] > 0) and not np.allclose(out[10][:20], out[None][:20])


def test_clipping_demo_unclipped_diverges_clipped_stays_finite():
    demo = lab.clipping_demo(steps=60, clip_at=1.0)
    plain, clipped = demo.norm
    assert demo.diverged_at[plain] is not None and "diverged at step" in demo.status[plain]
    assert demo.diverged_at[clipped] is None and "finite" in demo.status[clipped]
    assert np.all(np.isfinite(demo.loss[clipped])) and np.all(np.isfinite(demo.norm[clipped]))
    n = demo.diverged_at[plain]
    assert np.nanmax(demo.norm[plain][: n - 1]) > 1e3 * np.median(demo.norm[clipped])
    assert np.all(np.isnan(demo.loss[plain][n:]))  # nothing recorded after divergence
    # the same start as the Train page's run of the preset, which diverges in epoch 1 too
    run = train(configured("exploding"), 1)
    assert run.status.startswith("diverged at epoch 1")
    again = lab.clipping_demo(steps=10, clip_at=1.0)  # deterministic: the same first steps
    np.testing.assert_array_equal(again.norm[clipped], demo.norm[clipped][:10])


def test_overflow_is_reported_in_words_never_plotted():
    s = lab.LabSettings(T=400, activation="relu", value=3.0)
    f = lab.measure(s)
    assert f.overflow and "overflow" in f.overflow and f.first_bad is not None
    assert lab.fmt(f.end_ratio) == "overflow"
    fig = fl.gradient_vs_distance(f.ratio, f.jac_prod, f.bound, lab.references(s.T),
                                  lab.seed_marks(), f.first_bad)
    for d in fig.to_dict()["data"]:
        y = values(d["y"]).astype(np.float64)
        assert not np.any(np.isinf(y)) and not np.any(y <= 0)  # gaps (NaN) only
    assert any("overflow" in a["text"] for a in fig.to_dict()["layout"]["annotations"])
    # beyond every slider: the forward pass itself overflows
    f = lab.measure(lab.LabSettings(T=400, activation="relu", init="identity", value=10.0))
    assert "forward pass" in f.overflow and lab.claim_check(f)[0] == "error"
    sw = lab.sweep(lab.LabSettings(T=400, activation="relu", init="identity"),
                   values=[0.5, 10.0])
    assert np.isfinite(sw.ratio[0]) and not np.isfinite(sw.ratio[1])
    fig = fl.sweep_figure(sw.values, sw.ratio, 1.0, "W_hh scale", 400)
    assert any("overflow" in a["text"] for a in fig.to_dict()["layout"]["annotations"])


def test_gated_cells_have_no_vanilla_bound():
    for cell in ("lstm", "gru"):
        f = lab.measure(lab.LabSettings(T=50, cell=cell))
        assert f.bound is None and f.factor is None
        assert np.all(f.ratio <= f.jac_prod * (1 + TOL))  # the Jacobian product still bounds
        assert "untrained " + cell.upper() in lab.claim_check(f, cell)[1]
        fig = fl.gradient_vs_distance(f.ratio, f.jac_prod, None, lab.references(50))
        assert not any(d["name"].startswith("bound") for d in fig.to_dict()["data"])


def test_seed_marks_are_computed():
    labels = [m[2] for m in lab.seed_marks()]
    assert labels == ["0.5^10 = 0.00098", "0.5^20 = 9.5e-07", "2^10 = 1,024",
                      "2^20 = 1,048,576"]


def test_average_factor_tends_to_the_spectral_radius_when_linear():
    s = lab.LabSettings(T=200, init="xavier", mode="radius", value=0.8, input_scale=0.001)
    f = lab.measure(s)
    assert abs(f.rate[-1] - 0.8) < 0.05 and f.act_slope > 0.999
    assert spectral_radius(lab.block(lab.build(s))) == pytest.approx(0.8)


