"""Core behaviour: the trace, determinism, masks, optimisers, clipping, initialisers, errors."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_batch

import rnnviz
from rnnviz.core.analysis import jacobian_bound, set_spectral_radius, spectral_radius
from rnnviz.core.optim import clip_gradients, global_norm, make_optimizer, train_step


def cfg_(**kw):
    base = dict(cell="rnn", input_size=3, hidden_size=4, output_size=2, seed=0)
    return rnnviz.ModelConfig(**(base | kw))


def test_public_api_of_the_design():
    cfg = rnnviz.ModelConfig(cell="rnn", input_size=3, hidden_size=4, output_size=2,
                             num_layers=1, bidirectional=False, activation="tanh",
                             readout="last", init="xavier", seed=0)
    model = rnnviz.Model(cfg)
    assert list(model.params) == ["W_xh", "W_hh", "b_h", "W_hy", "b_y"]
    shapes = {k: v.shape for k, v in model.params.items()}
    assert shapes == {"W_xh": (3, 4), "W_hh": (4, 4), "b_h": (4,), "W_hy": (4, 2), "b_y": (2,)}
    X, Y = make_batch(cfg, "cross_entropy", B=5, T=7)
    loss, grads, trace = model.loss_and_grads(X, Y, loss="cross_entropy")
    assert np.isfinite(loss) and set(grads) == set(model.params)
    assert trace.hidden.shape == (7, 5, 4)
    assert trace.dh.shape == (7, 5, 4)
    assert trace.grad_norm.shape == (7,)
    np.testing.assert_allclose(trace.grad_norm, np.linalg.norm(trace.dh.reshape(7, -1), axis=1))


@pytest.mark.parametrize("cell,gates", [("lstm", 4), ("gru", 3)])
def test_trace_records_gates_cell_state_and_per_param_norms(cell, gates):
    cfg = cfg_(cell=cell, num_layers=2, bidirectional=True, readout="all")
    X, Y = make_batch(cfg, "cross_entropy", 2, 6)
    _, grads, tr = rnnviz.Model(cfg).loss_and_grads(X, Y)
    assert len(tr.layers) == 2 and len(tr.layers[0]) == 2
    lt = tr.layers[1][1]
    assert len(lt.gates) == gates and all(g.shape == (6, 2, 4) for g in lt.gates.values())
    assert (lt.c is not None) == (cell == "lstm")
    assert lt.pre.shape == (6, 2, gates * 4)
    assert tr.hidden.shape == (6, 2, 8) and tr.outputs.shape == (2, 6, 2)
    assert tr.loss_per_sample.shape == (2,)
    for k, g in grads.items():
        assert tr.param_grad_norm[k] == pytest.approx(np.linalg.norm(g))
    for v in lt.gates.values():
        assert v.min() >= -1 and v.max() <= 1


def test_reverse_direction_is_time_ordered():
    """The reverse chain's state at t = 0 has read the whole sequence."""
    cfg = cfg_(bidirectional=True)
    m = rnnviz.Model(cfg)
    X = np.random.default_rng(0).standard_normal((1, 5, 3))
    tr = m.trace(X)
    X2 = X.copy()
    X2[0, 4] += 1.0  # change the last input only
    tr2 = m.trace(X2)
    rev, rev2 = tr.top[1].h, tr2.top[1].h
    assert np.all(rev[:, 0] != rev2[:, 0])  # every reverse state saw step 4
    np.testing.assert_array_equal(tr.top[0].h[:4], tr2.top[0].h[:4])  # forward did not


def test_same_config_and_seed_is_bit_identical():
    cfg = cfg_(cell="lstm", num_layers=2, bidirectional=True)
    X, Y = make_batch(cfg, "cross_entropy", 4, 6)
    runs = []
    for _ in range(2):
        m = rnnviz.Model(cfg)
        opt = make_optimizer("adam", 0.01)
        for _ in range(5):
            train_step(m, opt, X, Y, clip_norm=1.0)
        runs.append(m.params)
    for k in runs[0]:
        assert np.array_equal(runs[0][k], runs[1][k]), k
    other = rnnviz.Model(cfg_(cell="lstm", num_layers=2, bidirectional=True, seed=1))
    assert not np.array_equal(other.params["W_hh"], rnnviz.Model(cfg).params["W_hh"])


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("readout", ["last", "all"])
def test_padding_changes_neither_loss_nor_gradients(cell, readout):
    cfg = cfg_(cell=cell, bidirectional=True, readout=readout)
    m = rnnviz.Model(cfg)
    rng = np.random.default_rng(1)
    short = rng.standard_normal((1, 3, 3))
    y = np.array([1]) if readout == "last" else np.array([[0, 1, 1]])
    loss1, g1, _ = m.loss_and_grads(short, y)
    padded = np.concatenate([short, rng.standard_normal((1, 2, 3)) * 5], axis=1)
    y2 = y if readout == "last" else np.array([[0, 1, 1, 0, 0]])
    mask = np.array([[True, True, True, False, False]])
    loss2, g2, tr = m.loss_and_grads(padded, y2, mask=mask)
    assert loss2 == pytest.approx(loss1, abs=1e-14)
    for k in g1:
        np.testing.assert_allclose(g2[k], g1[k], atol=1e-14, err_msg=k)
    fwd = tr.top[0]  # padded steps carry h_2 forward unchanged
    np.testing.assert_array_equal(fwd.h[3], fwd.h[2])
    if readout == "all":  # no loss at padded steps, so no gradient arrives there
        assert np.all(fwd.dh[3:] == 0)


def test_optimizers_reduce_a_loss():
    cfg = cfg_(cell="gru", readout="all")
    X, Y = make_batch(cfg, "cross_entropy", 8, 6)
    for name, lr in (("sgd", 1.0), ("momentum", 0.2), ("adam", 0.05)):
        m = rnnviz.Model(cfg)
        opt = make_optimizer(name, lr)
        first = train_step(m, opt, X, Y)[0]
        for _ in range(60):
            last = train_step(m, opt, X, Y)[0]
        assert last < 0.6 * first, name


def test_adam_first_step_moves_every_weight_by_lr():
    cfg = cfg_()
    m = rnnviz.Model(cfg)
    before = {k: v.copy() for k, v in m.params.items()}
    X, Y = make_batch(cfg, "cross_entropy", 4, 5)
    opt = make_optimizer("adam", 1e-3)
    train_step(m, opt, X, Y)
    step = np.abs(m.params["W_hh"] - before["W_hh"])
    np.testing.assert_allclose(step, 1e-3, rtol=1e-3)  # Adam's first step is lr * sign(g)


def _textbook_adam(params, grads_seq, lr, b1=0.9, b2=0.999, eps=1e-8):
    """Adam parameter by parameter, as Kingma & Ba write it (the reference)."""
    p = {k: v.copy() for k, v in params.items()}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(a) for k, a in p.items()}
    for t, grads in enumerate(grads_seq, start=1):
        for k, g in grads.items():
            m[k] = b1 * m[k] + (1 - b1) * g
            v[k] = b2 * v[k] + (1 - b2) * g * g
            p[k] -= lr * np.sqrt(1 - b2**t) / (1 - b1**t) * m[k] / (np.sqrt(v[k]) + eps)
    return p


def test_adam_flat_update_matches_the_textbook_and_survives_save_and_load():
    rng = np.random.default_rng(3)
    shapes = {"W_xh": (3, 4), "W_hh": (4, 4), "b_h": (4,), "W_hy": (4, 2), "b_y": (2,)}
    params = {k: rng.standard_normal(s) for k, s in shapes.items()}
    grads_seq = [{k: rng.standard_normal(s) for k, s in shapes.items()} for _ in range(6)]
    want = _textbook_adam(params, grads_seq, lr=0.01)
    ours = {k: v.copy() for k, v in params.items()}
    opt = make_optimizer("adam", 0.01)
    for grads in grads_seq[:3]:
        opt.step(ours, grads)
    assert opt.state["m"]["W_hh"].shape == (4, 4)  # per-parameter state, as saved to files
    resumed = make_optimizer("adam", 0.01)  # a run file: state arrays and step count
    resumed.load_state_arrays({k: a.copy() for k, a in opt.state_arrays().items()}, opt.t)
    for grads in grads_seq[3:]:
        resumed.step(ours, grads)
    for k in shapes:
        np.testing.assert_allclose(ours[k], want[k], rtol=1e-12, atol=1e-15, err_msg=k)


def test_clip_by_global_norm_reports_before_and_after():
    g = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    rep = clip_gradients(g, clip_norm=1.0)
    assert rep["norm_before"] == pytest.approx(5.0) and rep["clipped"]
    assert global_norm(g) == pytest.approx(1.0) and rep["norm_after"] == pytest.approx(1.0)
    np.testing.assert_allclose(g["a"], [0.6, 0.0])
    rep = clip_gradients({"a": np.array([0.1])}, clip_norm=1.0)
    assert not rep["clipped"] and rep["norm_after"] == rep["norm_before"]


def test_clip_by_value_like_seed003():
    g = {"a": np.array([-3.0, 0.5, 2.0, 0.0])}
    rep = clip_gradients(g, clip_value=1.0)
    np.testing.assert_array_equal(g["a"], [-1.0, 0.5, 1.0, 0.0])
    assert rep["clipped"] and rep["fraction"] == 0.5
    assert rep["norm_before"] == pytest.approx(np.sqrt(9 + 0.25 + 4))


def test_nonfinite_gradients_leave_params_untouched():
    cfg = cfg_(init_scale=1.0)
    m = rnnviz.Model(cfg)
    before = {k: v.copy() for k, v in m.params.items()}
    m.params["W_hy"][0, 0] = np.inf
    X, Y = make_batch(cfg, "cross_entropy", 2, 3)
    loss, tr = train_step(m, make_optimizer("sgd", 0.1), X, Y)
    assert not np.isfinite(loss) or not np.isfinite(tr.clip["norm_before"])
    m.params["W_hy"][0, 0] = before["W_hy"][0, 0]
    for k in before:
        np.testing.assert_array_equal(m.params[k], before[k])


@pytest.mark.parametrize("init", ["xavier", "orthogonal", "identity", "normal", "randn1000"])
def test_initialisers(init):
    cfg = cfg_(cell="lstm", hidden_size=16, input_size=8, init=init, init_std=0.05)
    W = rnnviz.Model(cfg).params["W_hh"]  # (16, 64): four gate blocks
    blk = W[:, :16]
    if init == "orthogonal":
        np.testing.assert_allclose(blk.T @ blk, np.eye(16), atol=1e-12)
    elif init == "identity":
        np.testing.assert_array_equal(blk, np.eye(16))
    elif init == "randn1000":
        assert 0.0005 < W.std() < 0.002  # randn / 1000
    elif init == "normal":
        assert 0.03 < W.std() < 0.07
    else:
        assert W.std() == pytest.approx(np.sqrt(2 / 32), rel=0.2)


def test_init_scale_sets_the_spectral_radius():
    for scale in (0.5, 1.0, 2.0):
        m = rnnviz.Model(cfg_(init="orthogonal", init_scale=scale, hidden_size=10))
        assert spectral_radius(m.params["W_hh"]) == pytest.approx(scale)
    m = rnnviz.Model(cfg_(hidden_size=10))
    set_spectral_radius(m, 1.7)
    assert spectral_radius(m.params["W_hh"]) == pytest.approx(1.7)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_jacobians_match_the_recorded_gradient_flow(cell):
    """dL/dh_t = dL/dh_{T-1} (J_{T-1} ... J_{t+1}) for readout last; the norms obey it."""
    cfg = cfg_(cell=cell, hidden_size=5, init_scale=1.5)
    m = rnnviz.Model(cfg)
    X, Y = make_batch(cfg, "cross_entropy", 1, 8)
    _, _, tr = m.loss_and_grads(X, Y)
    lt = tr.top[0]
    J = lt.jacobians(0)
    S = J.shape[1]
    g = np.zeros(S)
    g[:5] = lt.dh[-1, 0]
    for t in range(7, 0, -1):
        g = g @ J[t]
        np.testing.assert_allclose(g[:5], lt.dh[t - 1, 0], atol=1e-12)
    prod = lt.jac_prod_norm(0)
    assert prod[-1] == 1.0
    assert np.all(tr.grad_norm <= tr.grad_norm[-1] * prod * (1 + 1e-9))
    if cell == "rnn":  # the bound ||W_hh|| max|act'| per step
        bound = jacobian_bound(m.params["W_hh"], "tanh", 7)[::-1]
        assert np.all(prod <= bound * (1 + 1e-9))
        assert np.all(lt.jac_norm(0) <= np.linalg.norm(m.params["W_hh"], 2) + 1e-12)


def test_float32_mode():
    cfg = cfg_(dtype="float32", cell="lstm")
    m = rnnviz.Model(cfg)
    X, Y = make_batch(cfg, "cross_entropy", 3, 4)
    _, grads, tr = m.loss_and_grads(X, Y)
    assert all(g.dtype == np.float32 for g in grads.values())
    assert tr.hidden.dtype == np.float32
    m64 = rnnviz.Model(cfg_(cell="lstm"))
    _, g64, _ = m64.loss_and_grads(X, Y)
    np.testing.assert_allclose(grads["W_hh"], g64["W_hh"], rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("kwargs,word", [
    (dict(cell="transformer"), "cell"), (dict(hidden_size=0), "hidden_size"),
    (dict(num_layers=2.5), "num_layers"), (dict(readout="first"), "readout"),
    (dict(init="he"), "init"), (dict(init_scale=-1.0), "init_scale"),
    (dict(bptt_truncate=0), "bptt_truncate"), (dict(activation="gelu"), "activation"),
    (dict(dtype="float16"), "dtype"),
])
def test_bad_config_names_the_argument(kwargs, word):
    with pytest.raises(ValueError, match=word):
        cfg_(**kwargs)


def test_bad_arrays_name_the_argument():
    m = rnnviz.Model(cfg_())
    X = np.zeros((2, 3, 3))
    with pytest.raises(ValueError, match="X must have shape"):
        m.loss_and_grads(np.zeros((2, 3, 5)), np.zeros(2, int))
    with pytest.raises(ValueError, match="finite"):
        m.loss_and_grads(np.full((2, 3, 3), np.nan), np.zeros(2, int))
    with pytest.raises(ValueError, match="Y must"):
        m.loss_and_grads(X, np.array([0, 2]))
    with pytest.raises(ValueError, match="mask"):
        m.loss_and_grads(X, np.zeros(2, int), mask=np.ones((3, 3), bool))
    with pytest.raises(ValueError, match="h0"):
        m.loss_and_grads(X, np.zeros(2, int), h0=np.zeros((2, 5)))
    with pytest.raises(ValueError, match="loss"):
        m.loss_and_grads(X, np.zeros(2, int), loss="hinge")


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_workspace_never_overwrites_a_trace_still_held(cell):
    """The next pass reuses the big arrays of the last one only once its Trace is dropped."""
    cfg = cfg_(cell=cell, num_layers=2, bidirectional=True, readout="all")
    m = rnnviz.Model(cfg)
    X, Y = make_batch(cfg, "cross_entropy", 3, 5)
    _, _, kept = m.loss_and_grads(X, Y)
    arrays = {"x": kept.x, "outputs": kept.outputs, "hidden": kept.hidden, "dh": kept.dh,
              "pre": kept.top[1].pre, **{k: v for k, v in kept.top[0].gates.items()}}
    before = {k: v.copy() for k, v in arrays.items()}
    X2, Y2 = make_batch(cfg, "cross_entropy", 3, 5, seed=1)
    for _ in range(2):
        m.loss_and_grads(X2, Y2)
        m.trace(X2)
    for k, v in arrays.items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)


def test_workspace_reuses_the_arrays_of_a_dropped_trace():
    cfg = cfg_(cell="lstm", readout="all")
    m = rnnviz.Model(cfg)
    X, Y = make_batch(cfg, "cross_entropy", 3, 5)

    def address():
        _, _, tr = m.loss_and_grads(X, Y, record=False)
        return tr.top[0].h.__array_interface__["data"][0], tr.loss

    first, loss = address()
    assert address() == (first, loss)


def test_release_buffers_keeps_the_numbers():
    cfg = cfg_(cell="gru", readout="all")
    m = rnnviz.Model(cfg)
    X, Y = make_batch(cfg, "cross_entropy", 3, 5)
    loss, grads, _ = m.loss_and_grads(X, Y)
    m.release_buffers()
    loss2, grads2, _ = m.loss_and_grads(X, Y)
    assert loss2 == loss and all(np.array_equal(grads[k], grads2[k]) for k in grads)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gates_are_sigmoid_and_tanh_of_the_recorded_pre_activations_bit_for_bit(cell, dtype):
    """The one-tanh gate form (tanh(z/2)/2 + 1/2) equals activations.sigmoid exactly."""
    from rnnviz.core import make_cell
    from rnnviz.core.activations import sigmoid

    cfg = cfg_(cell=cell, input_size=3, hidden_size=6, dtype=dtype, init_scale=3.0)
    X = np.random.default_rng(0).standard_normal((4, 7, 3)) * np.array([0.0, 1.0, 40.0])
    lt = rnnviz.Model(cfg).trace(X).top[0]
    H = 6
    for k, name in enumerate(make_cell(cell).gate_names):
        z = lt.pre[:, :, k * H : (k + 1) * H]
        want = np.tanh(z) if name in ("cell", "candidate") else sigmoid(z.copy())
        np.testing.assert_array_equal(lt.gates[name], want, err_msg=name)
