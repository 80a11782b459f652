"""The core's public API under random input: success, or a ValueError naming the argument."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnviz
from rnnviz.core.optim import clip_gradients, make_optimizer, train_step

ARGS = ("cell", "input_size", "hidden_size", "output_size", "num_layers", "bidirectional",
        "activation", "readout", "init", "init_scale", "init_std", "bptt_truncate", "dtype",
        "seed")
WILD = st.one_of(st.none(), st.booleans(), st.integers(-5, 300), st.floats(allow_nan=True),
                 st.text(max_size=6), st.sampled_from(["rnn", "lstm", "gru", "tanh", "relu",
                                                       "last", "all", "xavier", "float32"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kwargs=st.dictionaries(st.sampled_from(ARGS), WILD, max_size=5))
def test_model_config_accepts_or_names_the_bad_argument(kwargs):
    try:
        cfg = rnnviz.ModelConfig(**kwargs)
    except ValueError as e:
        assert any(name in str(e) for name in kwargs), (kwargs, str(e))
        return
    if cfg.hidden_size * cfg.input_size <= 10_000:
        rnnviz.Model(cfg)  # a valid config always builds


def _array(shape, fill, kind):
    with np.errstate(all="ignore"):
        return np.full(shape, fill).astype(kind)


def arrays(max_dims=4):
    return st.builds(
        _array,
        st.lists(st.integers(0, 4), min_size=0, max_size=max_dims).map(tuple),
        st.one_of(st.integers(-3, 3), st.floats(allow_nan=True, allow_infinity=True)),
        st.sampled_from(["float64", "float32", "int64", "bool"]),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(X=arrays(), Y=arrays(3), mask=st.one_of(st.none(), arrays(3)),
       cell=st.sampled_from(["rnn", "lstm", "gru"]), readout=st.sampled_from(["last", "all"]),
       loss=st.sampled_from(["cross_entropy", "mse", "hinge"]))
def test_loss_and_grads_accepts_or_names_the_bad_argument(X, Y, mask, cell, readout, loss):
    cfg = rnnviz.ModelConfig(cell=cell, input_size=2, hidden_size=3, output_size=2,
                             readout=readout)
    model = rnnviz.Model(cfg)
    try:
        with np.errstate(all="ignore"):
            value, grads, trace = model.loss_and_grads(X, Y, loss=loss, mask=mask)
    except ValueError as e:
        assert any(n in str(e) for n in ("X", "Y", "mask", "loss")), str(e)
        return
    assert set(grads) == set(model.params)
    assert trace.hidden.shape[:2] == (X.shape[1], X.shape[0])


@settings(max_examples=100, deadline=None)
@given(lr=WILD, clip_norm=WILD, clip_value=WILD, name=st.sampled_from(["sgd", "adam", "x"]))
def test_optimiser_and_clipping_accept_or_name_the_bad_argument(lr, clip_norm, clip_value,
                                                                  name):
    cfg = rnnviz.ModelConfig(input_size=2, hidden_size=3, output_size=2)
    model = rnnviz.Model(cfg)
    X, Y = np.zeros((1, 3, 2)), np.zeros(1, int)
    try:
        opt = make_optimizer(name, lr)
        train_step(model, opt, X, Y, clip_norm=clip_norm, clip_value=clip_value)
    except ValueError as e:
        assert any(n in str(e) for n in ("optimizer", "lr", "clip_norm", "clip_value")), str(e)


def test_clip_rejects_booleans_and_negative_thresholds():
    for bad in (True, -1.0, 0, "1"):
        try:
            clip_gradients({"a": np.ones(2)}, clip_norm=bad)
        except ValueError as e:
            assert "clip_norm" in str(e)
        else:
            raise AssertionError(f"clip_norm={bad!r} accepted")
