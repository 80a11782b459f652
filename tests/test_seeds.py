"""The seeds' numbers, computed by our code."""

from __future__ import annotations

import numpy as np
import pytest

import rnnviz
from rnnviz.lessons.worked_examples import keras_one_unit, run_example, sharma_three_units, slips


def test_seed000_worked_example_h1_h2():
    steps = run_example(sharma_three_units())
    np.testing.assert_array_equal(np.round(steps[0]["h"], 2), [0.42, 0.29, 0.38])
    np.testing.assert_array_equal(np.round(steps[1]["h"], 2), [0.24, 0.63, 0.73])


def test_seed000_printed_slip_is_found():
    """The seed prints 0.096 and 0.081 in W_hh @ h_1; the products are 0.106 and 0.097."""
    ex = sharma_three_units()
    steps = run_example(ex)
    hw = steps[1]["h_W_hh"]
    np.testing.assert_array_equal(np.round(hw, 3), [0.106, 0.200, 0.097])
    found = {(s["t"], s["term"], s["unit"]) for s in slips(ex, steps)}
    assert (2, "h_W_hh", 0) in found and (2, "h_W_hh", 2) in found
    assert (2, "h_W_hh", 1) not in found  # 0.199 vs 0.200 is rounding of h_1, not a slip
    assert not [s for s in slips(ex, steps) if s["t"] == 1]  # step 1 matches the seed


def test_seed000_example_equals_a_model_forward():
    """The step-through page's numbers are the network's own forward pass."""
    ex = sharma_three_units()
    cfg = rnnviz.ModelConfig(cell="rnn", input_size=2, hidden_size=3, output_size=1,
                             readout="all")
    m = rnnviz.Model(cfg)
    m.params["W_xh"][:] = ex.W_xh
    m.params["W_hh"][:] = ex.W_hh
    m.params["b_h"][:] = ex.b_h
    tr = m.trace(ex.xs[None])
    np.testing.assert_allclose(tr.hidden[:, 0], np.stack([s["h"] for s in run_example(ex)]))


def test_seed002_scalar_example():
    (step,) = run_example(keras_one_unit())
    assert step["x_W_xh"][0] == pytest.approx(0.4)
    assert step["h_W_hh"][0] == pytest.approx(0.05)
    assert step["pre"][0] == pytest.approx(0.45)
    assert round(float(step["h"][0]), 2) == 0.42


def _factor_network(factor: float, T: int, H: int = 8):
    """A tanh RNN whose per-step Jacobian is ~factor * orthogonal: W_hh = factor Q, x tiny."""
    cfg = rnnviz.ModelConfig(cell="rnn", input_size=1, hidden_size=H, output_size=1,
                             init="orthogonal", init_scale=factor, seed=0)
    m = rnnviz.Model(cfg)
    X = np.full((1, T, 1), 1e-9)
    _, _, tr = m.loss_and_grads(X, np.zeros((1, 1)), loss="mse")
    return m, tr


@pytest.mark.parametrize("factor", [0.5, 2.0])
@pytest.mark.parametrize("k", [10, 20])
def test_seed000_vanishing_and_exploding_arithmetic(factor, k):
    """0.5^10 = 0.00098, 0.5^20 = 9.5e-7, 2^10 = 1024, 2^20 = 1048576, as measured."""
    T = 25
    _, tr = _factor_network(factor, T)
    g = tr.grad_norm
    ratio = g[T - 1 - k] / g[T - 1]
    assert ratio == pytest.approx(factor**k, rel=1e-3)
    assert tr.top[0].jac_prod_norm()[T - 1 - k] == pytest.approx(factor**k, rel=1e-3)


def test_seed001_pattern_shapes():
    """Many-to-one gives (B, O); many-to-many gives (B, T, O)."""
    X = np.zeros((2, 5, 3))
    for readout, shape in (("last", (2, 4)), ("all", (2, 5, 4))):
        cfg = rnnviz.ModelConfig(input_size=3, hidden_size=6, output_size=4, readout=readout)
        out, h_n = rnnviz.Model(cfg).forward(X)
        assert out.shape == shape and h_n.shape == (1, 2, 6)


def test_seed002_gru_has_fewer_parameters_than_lstm():
    sizes = {}
    for cell in ("rnn", "lstm", "gru"):
        cfg = rnnviz.ModelConfig(cell=cell, input_size=10, hidden_size=32, output_size=2)
        sizes[cell] = rnnviz.Model(cfg).num_params
    assert sizes["rnn"] < sizes["gru"] < sizes["lstm"]
    assert sizes["lstm"] == 4 * (10 * 32 + 32 * 32 + 32) + 32 * 2 + 2
