"""The unrolled-network figure and its data prep (rnnviz.lessons.unrolling): structure, numbers."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from rnnviz.core.losses import softmax
from rnnviz.figures.diagram import (
    MAX_STEPS,
    UNITS,
    grad_widths,
    shown_steps,
    unrolled_figure,
    walk_phases,
    walk_status,
)
from rnnviz.lessons.unrolling import (
    PATTERNS,
    _with_readout,
    default_pattern,
    from_trace,
    sample_label,
    unroll,
)
from rnnviz.train import settings as cf
from rnnviz.train.run import TrainingRun


def _run(preset: str, **overrides) -> TrainingRun:
    cfg = cf.preset_config(preset)
    for key, value in overrides.items():
        cfg = cf.with_value(cfg, cf.BY_KEY[key], value)
    return TrainingRun(cfg)


def _random(L, nd, T, H, seed=0):
    rng = np.random.default_rng(seed)
    h = np.tanh(rng.standard_normal((L, nd, T, H))).astype(np.float32)
    g = np.exp(3 * rng.standard_normal((L, nd, T))).astype(np.float32)
    return h, g


def _trace(fig, name):
    return [tr for tr in fig.data if tr.name == name]


def _cells(fig):
    """The hover points, one per drawn cell."""
    return [tr for tr in fig.data if tr.type == "scatter" and tr.hovertext is not None
            and str(tr.hovertext[0]).startswith("<b>t = ")][0]


def _count(traces) -> int:
    return sum(len(tr.x) for tr in traces)


def _polygons(fig):
    """Gradient arrows: (centre x, centre y, thickness) of each polygon, in drawing order."""
    tr = [t for t in fig.data if t.type == "scatter" and t.fill == "toself"]
    if not tr:
        return np.zeros((0, 3))
    x, y = np.asarray(tr[0].x, float), np.asarray(tr[0].y, float)
    x, y = x.reshape(-1, 9)[:, :8], y.reshape(-1, 9)[:, :8]
    return np.stack([x.mean(axis=1), (y[:, 0] + y[:, 6]) / 2, y[:, 0] - y[:, 6]], axis=1)


# -- figure structure ---------------------------------------------------------------------
@pytest.mark.parametrize("L,nd,T", [(1, 1, 5), (2, 1, 7), (1, 2, 4), (3, 2, 6)])
def test_one_cell_per_step_layer_and_direction(L, nd, T):
    h, g = _random(L, nd, T, 12)
    fig = unrolled_figure(h, g)
    assert len(_cells(fig).x) == T * L * nd
    z = np.asarray(fig.data[0].z, float)  # the lit unit squares
    assert np.isfinite(z).sum() == T * L * nd * min(12, UNITS)
    assert len(_polygons(fig)) == T * L * nd  # one gradient arrow into every cell
    ticks = fig.layout.yaxis.ticktext
    assert ticks[0] == "x_t" and ticks[-1] == "y_t" and len(ticks) == L * nd + 2
    if nd == 2:
        first = "layer 1" if L > 1 else "h_t"
        assert f"{first} →" in ticks and f"{first} ←" in ticks
        assert _trace(fig, "h_t = [h→_t ; h←_t] (one pair)")


@pytest.mark.parametrize("pattern,n_x,n_y", [("many-to-one", 6, 1), ("many-to-many", 6, 6),
                                             ("one-to-many", 1, 6)])
def test_inputs_and_outputs_follow_the_pattern(pattern, n_x, n_y):
    h, g = _random(1, 1, 6, 4)
    fig = unrolled_figure(h, g, pattern=pattern)
    assert _count(_trace(fig, "input x_t")) == n_x
    assert _count(_trace(fig, "output y_t")) == n_y
    ys = [tr for tr in fig.data if tr.name == "output y_t"][0]
    if pattern == "many-to-one":
        assert list(ys.x) == [5]  # only the last step


def test_same_w_hh_is_said_and_the_colour_scale_is_fixed_and_diverging():
    h, g = _random(1, 1, 5, 3)
    fig = unrolled_figure(h * 0.01, g)  # tiny values keep the [-1, 1] range
    names = " ".join(str(tr.name) for tr in fig.data)
    assert "same W_hh" in names
    hm = fig.data[0]
    assert (hm.zmin, hm.zmax, hm.zmid) == (-1.0, 1.0, 0.0)
    scale = [c for _, c in hm.colorscale]
    assert scale[0] == "rgb(5,48,97)" and scale[-1] == "rgb(103,0,31)"  # RdBu_r, explicit stops


def test_arrow_thickness_is_monotone_in_the_gradient_norm():
    rng = np.random.default_rng(3)
    T = 30
    g = (10.0 ** rng.uniform(-9, 2, size=(1, 1, T))).astype(np.float32)
    g[0, 0, 4] = 0.0  # a zero gradient (e.g. truncated BPTT) still gets an arrow
    h, _ = _random(1, 1, T, 4)
    poly = _polygons(unrolled_figure(h, g))
    width = poly[np.argsort(poly[:, 0]), 2]  # left to right: t = 1 .. T
    order = np.argsort(g[0, 0], kind="stable")
    assert np.all(np.diff(width[order]) >= -1e-6)
    assert width[4] == width.min() and width[np.argmax(g[0, 0])] == width.max()
    # the widths function itself: strictly monotone inside the scale, clipped outside
    x = np.array([0, 1e-12, 1e-6, 1e-3, 1e-1, 1, 10, np.inf])
    w = grad_widths(x, 0.1, 1.0)
    assert np.all(np.diff(w) >= 0) and w[-1] == 1.0 and w[0] == 0.1
    assert np.all(np.diff(w[3:7]) > 0)
    w = grad_widths(np.array([1e-4, 1e-3, 1e-2, 1e-1]), 0.0, 1.0)  # log scale: equal ratios,
    np.testing.assert_allclose(np.diff(w), np.diff(w)[0])  # equal steps in thickness


def test_hover_shows_the_recorded_numbers():
    run = _run("hello-world")
    u = unroll(run.model, run.task, run.probe, 0, trace=run.probe_trace)
    fig = unrolled_figure(**u.figure_kwargs(), pattern=u.pattern)
    lt = run.probe_trace.layers[0][0]
    cells = _cells(fig)
    for t in (0, 4, 9):
        text = str(cells.hovertext[t])
        norm_h = np.linalg.norm(lt.h[t, 0])
        norm_g = np.linalg.norm(lt.dh[t, 0])
        assert f"<b>t = {t + 1}</b>" in text
        assert f"‖h_t‖ = {norm_h:.3f}" in text
        assert f"‖dL/dh_t‖ = {norm_g:.3g}" in text
        assert f"{lt.h[t, 0, 0]:+.2f}" in text  # the first unit's value
        assert f"x_t = {run.probe.tokens[0][t]}" in text
    grads = [tr for tr in fig.data if tr.hovertemplate and "flowing back" in tr.hovertemplate]
    assert f"‖dL/dh_1‖ = {np.linalg.norm(lt.dh[0, 0]):.3g}" in list(grads[0].hovertext)
    p = softmax(run.probe_trace.outputs[0, 3][None])[0]
    assert f"(p = {p.max():.2f})" in u.y_hover[3]


def test_walk_lights_the_forward_pass_then_reveals_the_gradients():
    L, nd, T = 1, 1, 6
    h, g = _random(L, nd, T, 4)
    nf, nb = walk_phases(L, nd, T)
    assert (nf, nb) == (T, T)
    lit = lambda f: np.isfinite(np.asarray(f.data[0].z, float)).any(axis=0)[::2]  # noqa: E731
    f0 = unrolled_figure(h, g, walk=0)
    assert not lit(f0).any() and len(_polygons(f0)) == 0
    f3 = unrolled_figure(h, g, walk=3)
    assert lit(f3).tolist() == [True] * 3 + [False] * 3
    assert _count(_trace(f3, "output y_t")) == 3  # y_t waits for h_t
    assert len(_polygons(f3)) == 0
    fb = unrolled_figure(h, g, walk=nf + 2)
    poly = _polygons(fb)
    assert lit(fb).all() and len(poly) == 2
    cols = np.floor(poly[:, 0])  # an arrow into column i sits in the gap i .. i + 1
    assert sorted(cols.tolist()) == [4.0, 5.0]  # dL/dh_6 and dL/dh_5 come first
    assert "Backward pass" in walk_status(nf + 2, L, nd, T)
    assert len(_polygons(unrolled_figure(h, g, walk=nf + nb))) == T


def test_bidirectional_walk_goes_layer_by_layer_and_reverse_runs_right_to_left():
    L, nd, T = 2, 2, 4
    h, g = _random(L, nd, T, 3)
    nf, _ = walk_phases(L, nd, T)
    assert nf == L * T
    z = np.asarray(unrolled_figure(h, g, walk=1).data[0].z, float)
    lit_cells = np.argwhere(np.isfinite(z))
    cols = sorted({c // 2 for _, c in lit_cells})
    assert cols == [0, 3]  # forward has read step 1, reverse has read step T
    assert "layer 1" in walk_status(1, L, nd, T)


def test_bidirectional_many_to_one_reads_both_final_states():
    h, g = _random(1, 2, 5, 3)
    fig = unrolled_figure(h, g, pattern="many-to-one", final_state_readout=True)
    assert _trace(fig, "final reverse state h←_1 → y_T")
    assert _count(_trace(fig, "output y_t")) == 1


def test_long_sequences_are_downsampled_and_small():
    h, g = _random(1, 1, 400, 256)
    t0 = time.perf_counter()
    fig = unrolled_figure(h, g)
    ms = (time.perf_counter() - t0) * 1e3
    assert len(_cells(fig).x) == MAX_STEPS
    assert "showing 40 of 400 steps" in fig.layout.title.text
    assert list(shown_steps(400, 40)[[0, -1]]) == [0, 399]
    size = len(fig.to_json())
    print(f"T=400, H=256: {ms:.1f} ms, {size / 1e3:.0f} kB of JSON")
    assert size < 200_000
    assert _trace(fig, "h_t → … → (steps not drawn)")


def test_compact_mode_drops_the_legend_and_big_mode_grows_the_font():
    h, g = _random(2, 2, 50, 64)
    unrolled_figure(h, g, compact=True)  # warm-up
    times = []
    for _ in range(15):
        t0 = time.perf_counter()
        fig = unrolled_figure(h, g, compact=True)
        times.append((time.perf_counter() - t0) * 1e3)
    size = len(fig.to_json())
    print(f"compact T=50, H=64, 2 layers, bidirectional: median {np.median(times):.1f} ms, "
          f"min {min(times):.1f} ms, {size / 1e3:.0f} kB of JSON")
    assert len(_cells(fig).x) == 50 * 4 and not fig.layout.showlegend
    big = unrolled_figure(h, g, big=True)
    assert big.layout.font.size > fig.layout.font.size


def test_non_finite_numbers_do_not_break_the_figure():
    h, g = _random(1, 1, 5, 3)
    h[0, 0, 2] = np.nan
    g[0, 0, 1], g[0, 0, 3] = np.inf, np.nan
    fig = unrolled_figure(h, g)
    assert len(_polygons(fig)) == 5
    json.loads(fig.to_json())
    fig = unrolled_figure(h, None)  # no backward pass recorded: no gradient arrows
    assert len(_polygons(fig)) == 0


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="h must have shape"):
        unrolled_figure(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="grad must have shape"):
        unrolled_figure(np.zeros((1, 1, 3, 2)), np.zeros(3))


# -- data prep: every number from the model -----------------------------------------------
def test_default_pattern_uses_the_runs_own_probe_record():
    assert default_pattern("last") == "many-to-one" and default_pattern("all") == "many-to-many"
    run = _run("hello-world")
    u = unroll(run.model, run.task, run.probe, 0, trace=run.probe_trace)
    assert u.pattern == "many-to-many"
    np.testing.assert_array_equal(u.h[0, 0], run.probe_trace.layers[0][0].h[:, 0]
                                  .astype(np.float32))
    assert u.loss == pytest.approx(run.probe_trace.loss)
    assert u.h.dtype == np.float32 and u.grad.dtype == np.float64  # gradients may pass 3e38


def test_many_to_one_of_a_per_step_model_is_the_last_steps_loss():
    run = _run("hello-world")
    pb = run.probe
    u = unroll(run.model, run.task, pb, 0, "many-to-one")
    out, _ = run.model.forward(pb.X)  # (B, T, O): this model reads out every step
    p = softmax(out[:, -1])
    want = -np.mean(np.log(p[np.arange(pb.size), pb.Y[:, -1]]))
    assert u.loss == pytest.approx(want)
    assert u.y_labels[:-1] == [None] * (u.T - 1) and u.y_labels[-1] is not None
    assert u.grad[0, 0, -1] > 0


def test_many_to_many_of_a_sentiment_model_repeats_the_label():
    run = _run("sentiment-modern")
    pb = run.probe
    u = unroll(run.model, run.task, pb, 1, "many-to-many")
    assert pb.lengths[1] == u.T and all(lab is not None for lab in u.y_labels)
    assert "sequence's target at every step" in u.note
    # the loss: mean cross-entropy over every real step of every sample, the label repeated
    view = _with_readout(run.model, "all")
    out, _ = view.forward(pb.X, mask=pb.mask)
    p = softmax(out)
    ce = -np.log(np.take_along_axis(p, np.repeat(pb.Y[:, None], pb.X.shape[1], 1)[..., None],
                                    axis=-1)[..., 0])
    assert u.loss == pytest.approx((ce * pb.mask).sum() / pb.mask.sum())
    assert run.model.cfg.readout == "last"  # the run's model is untouched


def test_one_to_many_character_model_feeds_its_predictions_back():
    run = _run("hello-world")
    for _ in range(30):
        run.step()
    u = unroll(run.model, run.task, run.probe, 0, "one-to-many")
    assert u.x_fed_back and u.x_labels[0] == run.probe.tokens[0][0]
    assert u.x_labels[1:] == u.y_labels[:-1]  # each prediction is the next input
    # the hidden states are those of step-by-step generation
    V = run.task.input_size
    x = np.zeros((1, 1, V))
    x[0, 0, run.task.char_to_idx[run.task.text[0]]] = 1
    state = None
    for t in range(u.T):
        out, state = run.model.forward(x, h0=state)
        np.testing.assert_allclose(u.h[0, 0, t], state[0, 0], atol=1e-6)
        x = np.zeros((1, 1, V))
        x[0, 0, out[0, -1].argmax()] = 1
    fig = unrolled_figure(**u.figure_kwargs(), pattern=u.pattern)
    assert _count(_trace(fig, "x_t = the previous output, fed back")) == u.T - 1


def test_one_to_many_otherwise_runs_on_zeros():
    run = _run("vanishing", seq_len=12)
    u = unroll(run.model, run.task, run.probe, 0, "one-to-many")
    assert u.x_labels[0] is not None and u.x_labels[1:] == [None] * (u.T - 1)
    X = np.zeros_like(run.probe.X)
    X[:, 0] = run.probe.X[:, 0]
    tr = run.model.trace(X)
    np.testing.assert_allclose(u.h[0, 0], tr.layers[0][0].h[:, 0], atol=1e-6)
    assert "zero vectors" in u.note
    bi = _run("hello-world", bidir=True)
    ub = unroll(bi.model, bi.task, bi.probe, 0, "one-to-many")
    assert not ub.x_fed_back and "reverse chain cannot generate" in ub.note


@pytest.mark.parametrize("pattern", PATTERNS)
def test_stacked_bidirectional_lstm_in_every_pattern(pattern):
    run = _run("sentiment-modern", layers=2, bidir=True, cell="lstm", hidden=16)
    u = unroll(run.model, run.task, run.probe, 0, pattern, run.probe_trace)
    assert u.h.shape == (2, 2, run.probe.lengths[0], 16)
    assert u.grad.shape == (2, 2, u.T) and np.all(np.isfinite(u.grad))
    assert u.final_state_readout == (pattern == "many-to-one")
    fig = unrolled_figure(**u.figure_kwargs(), pattern=pattern)
    assert len(_cells(fig).x) == u.T * 4


def test_relu_sets_the_colour_range_from_the_data_and_sample_labels():
    run = _run("exploding")
    u = unroll(run.model, run.task, run.probe, 0)
    assert u.hmax == pytest.approx(float(np.abs(u.h).max()), rel=1e-5)
    assert unrolled_figure(**u.figure_kwargs()).data[0].zmax == pytest.approx(u.hmax)
    sent = _run("sentiment-modern")
    assert sample_label(sent.probe, 0).startswith("1: ")
    assert "<pad>" not in sample_label(sent.probe, 0)
    assert sample_label(_run("hello-world").probe, 0) == "1: hello␣worl"
    with pytest.raises(ValueError, match="sample"):
        from_trace(sent.probe_trace, sent.probe, 9)
