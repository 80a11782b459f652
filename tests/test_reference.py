"""The fast core (rnnviz.Model) against the plain reference (rnnviz/core/reference.py).

One layer, one direction, float64: loss, every gradient, h_t and dL/dh_t must agree to 1e-12
for random shapes, every cell, readout, loss and (vanilla RNN) activation. The reference is
itself checked against centred finite differences, so the two are tied to the math, not only
to each other.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnviz
from rnnviz.core import reference as ref
from rnnviz.core.fast import background
from rnnviz.core.layer import grad_chunks

# Elementwise: |core - ref| <= atol + rtol |ref| for every entry (np.testing.assert_allclose).
# The atol matters where an entry is ~0 by cancellation: there the two rounding orders may
# differ by ~1e-16 while rtol * |ref| is smaller still.
RTOL = ATOL = 1e-12

CASES = [(c, r, lo, a) for c, r, lo, a in itertools.product(
    ("rnn", "lstm", "gru"), ("last", "all"), ("cross_entropy", "mse"),
    ("tanh", "relu", "sigmoid")) if c == "rnn" or a == "tanh"]


def make_model(cell, readout, activation, D, H, O, rng, scale=0.6):
    """A float64 Model with every parameter (biases too) drawn at random."""
    cfg = rnnviz.ModelConfig(cell=cell, input_size=D, hidden_size=H, output_size=O,
                             readout=readout, activation=activation, dtype="float64",
                             seed=int(rng.integers(2**31)))
    model = rnnviz.Model(cfg)
    for p in model.params.values():  # in place: the model reads these arrays
        p[...] = rng.standard_normal(p.shape) * scale
    return model


def make_data(readout, loss, B, T, D, O, rng):
    X = rng.standard_normal((B, T, D))
    if loss == "cross_entropy":
        Y = rng.integers(0, O, (B,) if readout == "last" else (B, T))
    else:
        Y = rng.standard_normal((B, O) if readout == "last" else (B, T, O))
    return X, Y


def both(model, X, Y, loss):
    """(core, reference): each (loss, grads, hs (T, B, H), dhs (T, B, H))."""
    cfg = model.cfg
    value, grads, trace = model.loss_and_grads(X, Y, loss=loss)
    core = (value, grads, trace.hidden.copy(), trace.dh.copy())
    params = {k: v.copy() for k, v in model.params.items()}
    return core, ref.loss_and_grads(cfg.cell, params, X, Y, loss, cfg.readout, cfg.activation)


def assert_same(core, reference, stats=None):
    """Loss, every gradient (same names, same order), h_t and dL/dh_t agree to 1e-12."""
    (L, g, hs, dhs), (L_ref, g_ref, hs_ref, dhs_ref) = core, reference
    assert list(g) == list(g_ref), "the reference must return every parameter's gradient"
    pairs = {"loss": (np.asarray(L), np.asarray(L_ref)), "h": (hs, hs_ref),
             "dh": (dhs, dhs_ref)} | {k: (g[k], g_ref[k]) for k in g}
    for name, (a, b) in pairs.items():
        assert a.shape == b.shape, name
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=name)
        if stats is not None:
            diff = float(np.max(np.abs(a - b), initial=0.0))
            stats["abs"] = max(stats.get("abs", 0.0), diff)
            rel = float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))
            stats["rel"] = max(stats.get("rel", 0.0), rel)


@pytest.mark.parametrize("cell,readout,loss,activation", CASES)
def test_core_equals_reference_on_random_shapes(cell, readout, loss, activation):
    rng = np.random.default_rng(CASES.index((cell, readout, loss, activation)))
    stats: dict = {}
    for _ in range(12):
        B, T, D, H, O = (int(rng.integers(1, hi)) for hi in (6, 13, 7, 9, 6))
        model = make_model(cell, readout, activation, D, H, O, rng)
        for _ in range(2):  # a second pass on the same model reuses its buffers
            X, Y = make_data(readout, loss, B, T, D, O, rng)
            assert_same(*both(model, X, Y, loss), stats)
    assert stats["rel"] <= RTOL  # norm-relative, for the record: ~1e-15 in practice


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(CASES), B=st.integers(1, 4), T=st.integers(1, 10),
       D=st.integers(1, 5), H=st.integers(1, 7), O=st.integers(1, 5),
       seed=st.integers(0, 2**32 - 1))
def test_core_equals_reference_property(case, B, T, D, H, O, seed):
    cell, readout, loss, activation = case
    rng = np.random.default_rng(seed)
    model = make_model(cell, readout, activation, D, H, O, rng)
    X, Y = make_data(readout, loss, B, T, D, O, rng)
    assert_same(*both(model, X, Y, loss))


@pytest.mark.parametrize("cell,H", [("rnn", 128), ("lstm", 64), ("gru", 64)])
def test_core_equals_reference_with_the_background_worker(cell, H, monkeypatch):
    """Shapes big enough that the core splits the weight gradients into chunks of steps
    (layer.grad_chunks) and, where it can, multiplies them on its worker thread."""
    monkeypatch.setattr(background, "ENABLED", True)
    rng = np.random.default_rng(3)
    B, T, D, O = 32, 64, H, 5
    G = {"rnn": 1, "lstm": 4, "gru": 3}[cell] * H
    assert grad_chunks(T, B, D, H, G), "the shapes must take the chunked path"
    model = make_model(cell, "all", "tanh", D, H, O, rng, scale=0.1)
    X, Y = make_data("all", "cross_entropy", B, T, D, O, rng)
    assert_same(*both(model, X, Y, "cross_entropy"))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_the_check_compares_every_gradient_and_dh(cell):
    """Corrupting any one gradient (or dL/dh_t, h_t, the loss) by 1e-10 fails the check,
    and a reference missing a parameter's gradient fails it too."""
    rng = np.random.default_rng(1)
    model = make_model(cell, "all", "tanh", 3, 4, 2, rng)
    X, Y = make_data("all", "mse", 2, 5, 3, 2, rng)
    core, (L, g, hs, dhs) = both(model, X, Y, "mse")
    assert_same(core, (L, g, hs, dhs))
    assert list(g) == list(model.params)
    for k in g:
        bad = {**g, k: g[k] + 1e-10 * (np.arange(g[k].size) == 0).reshape(g[k].shape)}
        with pytest.raises(AssertionError):
            assert_same(core, (L, bad, hs, dhs))
        with pytest.raises(AssertionError):
            assert_same(core, (L, {j: v for j, v in g.items() if j != k}, hs, dhs))
    for bad in ((L + 1e-10, g, hs, dhs), (L, g, hs + 1e-10, dhs), (L, g, hs, dhs + 1e-10)):
        with pytest.raises(AssertionError):
            assert_same(core, bad)


@pytest.mark.parametrize("cell,readout,loss,activation", CASES)
def test_reference_passes_centred_finite_differences(cell, readout, loss, activation):
    rng = np.random.default_rng(7)
    B, T, D, H, O = 2, 4, 3, 3, 3
    params = {k: v.copy() for k, v in make_model(cell, readout, activation, D, H, O,
                                                  rng).params.items()}
    X, Y = make_data(readout, loss, B, T, D, O, rng)

    def f():
        return ref.loss_and_grads(cell, params, X, Y, loss, readout, activation)[0]

    _, grads, _, _ = ref.loss_and_grads(cell, params, X, Y, loss, readout, activation)
    assert list(grads) == list(params)
    eps = 1e-6
    for k, p in params.items():
        num = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = f()
            p[idx] = old - eps
            down = f()
            p[idx] = old
            num[idx] = (up - down) / (2 * eps)
        err = np.linalg.norm(grads[k] - num) / max(np.linalg.norm(grads[k]) +
                                                   np.linalg.norm(num), 1e-300)
        assert err < 1e-7, f"{k}: relative error {err:.2e}"
