"""BPTT against centred finite differences: every cell, depth, direction, readout, loss."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_batch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnviz
from rnnviz.core.gradcheck import check_gradients

TOL = 1e-6


def assert_grads_match(cfg, loss="cross_entropy", B=2, T=5, seed=0, mask=None, h0=None):
    model = rnnviz.Model(cfg)
    X, Y = make_batch(cfg, loss, B, T, seed)
    errors = check_gradients(model, X, Y, loss, h0=h0, mask=mask)
    worst = max(errors, key=errors.get)
    assert errors[worst] < TOL, f"{worst}: relative error {errors[worst]:.2e}"
    return errors


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("readout", ["last", "all"])
def test_cells_layers_directions_readouts(cell, num_layers, bidirectional, readout):
    cfg = rnnviz.ModelConfig(cell=cell, input_size=3, hidden_size=3, output_size=2,
                             num_layers=num_layers, bidirectional=bidirectional,
                             readout=readout, seed=7)
    assert_grads_match(cfg, "cross_entropy", T=4)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("readout", ["last", "all"])
def test_mse(cell, readout):
    cfg = rnnviz.ModelConfig(cell=cell, input_size=2, hidden_size=4, output_size=3,
                             num_layers=2, bidirectional=True, readout=readout, seed=3)
    assert_grads_match(cfg, "mse")


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_activations(activation, loss):
    cfg = rnnviz.ModelConfig(cell="rnn", input_size=3, hidden_size=5, output_size=2,
                             num_layers=2, activation=activation, readout="all", seed=11)
    assert_grads_match(cfg, loss, T=6)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("readout", ["last", "all"])
def test_truncated_bptt_is_the_gradient_of_the_truncated_objective(cell, k, readout):
    cfg = rnnviz.ModelConfig(cell=cell, input_size=2, hidden_size=3, output_size=2,
                             num_layers=2, bidirectional=True, readout=readout,
                             bptt_truncate=k, seed=5)
    assert_grads_match(cfg, "cross_entropy", T=7)


def test_truncation_changes_the_gradient():
    """The truncated gradient is a different number, not the full one relabelled."""
    cfg = rnnviz.ModelConfig(cell="rnn", input_size=2, hidden_size=3, output_size=2, seed=5)
    X, Y = make_batch(cfg, "cross_entropy", 2, 8)
    _, full, _ = rnnviz.Model(cfg).loss_and_grads(X, Y)
    cfg.bptt_truncate = 2
    _, trunc, tr = rnnviz.Model(cfg).loss_and_grads(X, Y)
    assert not np.allclose(full["W_hh"], trunc["W_hh"])
    # readout "last": with k = 2 the gradient reaches exactly 2 steps back from the end
    assert np.all(tr.grad_norm[-2:] > 0) and np.all(tr.grad_norm[:-2] == 0)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("readout", ["last", "all"])
def test_masked_padding_and_initial_state(cell, readout):
    cfg = rnnviz.ModelConfig(cell=cell, input_size=2, hidden_size=3, output_size=2,
                             bidirectional=True, readout=readout, seed=2)
    mask = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], bool)
    rng = np.random.default_rng(4)
    h0 = rng.standard_normal((2, 2, 3))
    if cell == "lstm":
        h0 = (h0, rng.standard_normal((2, 2, 3)))
    assert_grads_match(cfg, "cross_entropy", mask=mask, h0=h0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cell=st.sampled_from(["rnn", "lstm", "gru"]),
    D=st.integers(1, 3), H=st.integers(1, 4), O=st.integers(1, 3),
    B=st.integers(1, 3), T=st.integers(1, 6), layers=st.integers(1, 2),
    bidirectional=st.booleans(), readout=st.sampled_from(["last", "all"]),
    loss=st.sampled_from(["cross_entropy", "mse"]),
    activation=st.sampled_from(["tanh", "sigmoid"]),
    k=st.sampled_from([None, 1, 2]), seed=st.integers(0, 2**31),
)
def test_property_random_shapes(cell, D, H, O, B, T, layers, bidirectional, readout, loss,
                                activation, k, seed):
    cfg = rnnviz.ModelConfig(cell=cell, input_size=D, hidden_size=H, output_size=O,
                             num_layers=layers, bidirectional=bidirectional, readout=readout,
                             activation=activation, bptt_truncate=k, seed=seed % 1000)
    assert_grads_match(cfg, loss, B=B, T=T, seed=seed)
