"""Weight gradients multiplied out chunk by chunk on a second core (core/background.py)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_batch

import rnnviz
from rnnviz.core import layer
from rnnviz.core.fast import background


@pytest.fixture
def chunked(monkeypatch):
    """Every shape chunked (the real threshold is for big shapes only), worker on."""
    monkeypatch.setattr(background, "ENABLED", True)
    monkeypatch.setattr(layer, "CHUNK_MIN_FLOP", 0.0)


def grads_of(cfg, X, Y, loss="cross_entropy", **kw):
    return rnnviz.Model(cfg).loss_and_grads(X, Y, loss=loss, **kw)[1]


@pytest.mark.parametrize("T", [4, 5, 9, 25, 200])
def test_chunks_cover_every_step_once_the_first_the_smallest(chunked, T):
    chunks = layer.grad_chunks(T, 32, 27, 256, 256)
    assert chunks[0][0] == 0 and chunks[-1][1] == T
    assert all(b == a2 for (_, b), (a2, _) in zip(chunks, chunks[1:], strict=False))
    sizes = [b - a for a, b in chunks]
    assert min(sizes) >= 1 and sizes[0] == min(sizes)


def test_small_shapes_and_one_core_keep_one_gemm(monkeypatch):
    assert layer.grad_chunks(25, 32, 27, 64, 64) is None  # below CHUNK_MIN_FLOP
    monkeypatch.setattr(background, "ENABLED", False)
    assert layer.grad_chunks(200, 32, 27, 256, 256) is None


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_chunked_gradients_equal_the_one_gemm_gradients(monkeypatch, cell):
    cfg = rnnviz.ModelConfig(cell=cell, input_size=3, hidden_size=5, output_size=4,
                             num_layers=2, bidirectional=True, readout="all", bptt_truncate=3,
                             dtype="float64")
    X, Y = make_batch(cfg, "cross_entropy", 4, 9)
    mask = np.ones((4, 9), bool)
    mask[1, 6:] = False
    one = grads_of(cfg, X, Y, mask=mask)
    monkeypatch.setattr(background, "ENABLED", True)
    monkeypatch.setattr(layer, "CHUNK_MIN_FLOP", 0.0)
    many = grads_of(cfg, X, Y, mask=mask)
    assert one.keys() == many.keys()
    for k in one:  # sums in another order: equal to rounding
        np.testing.assert_allclose(many[k], one[k], rtol=1e-12, atol=1e-14, err_msg=k)


def test_same_numbers_whether_the_worker_or_the_pass_itself_multiplies(chunked):
    """A second session training meanwhile has the worker: the pass does its chunks itself,
    with the same BLAS calls, so the gradients are the same bit for bit."""
    cfg = rnnviz.ModelConfig(cell="lstm", input_size=3, hidden_size=6, output_size=3,
                             readout="all", dtype="float32")
    X, Y = make_batch(cfg, "cross_entropy", 8, 12)
    on_worker = grads_of(cfg, X, Y)
    assert background._worker.claim()  # taken by "another session"
    try:
        lane = background.Lane()
        assert not lane.claimed
        by_itself = grads_of(cfg, X, Y)
    finally:
        background._worker.release()
    for k in on_worker:
        np.testing.assert_array_equal(by_itself[k], on_worker[k], err_msg=k)


def test_the_workspace_still_reuses_its_arrays(chunked):
    """The jobs let go of the arrays they read, so the next pass gets them back."""
    cfg = rnnviz.ModelConfig(cell="rnn", input_size=3, hidden_size=6, output_size=3,
                             readout="all")
    m = rnnviz.Model(cfg)
    X, Y = make_batch(cfg, "cross_entropy", 4, 10)

    def address():
        _, _, tr = m.loss_and_grads(X, Y, record=False)
        return tr.top[0].h.__array_interface__["data"][0], tr.loss

    first = address()
    assert address() == first


def test_a_job_hands_its_error_to_whoever_waits():
    with background.Lane() as lane:
        job = lane.submit(lambda: np.ones((2, 3)) @ np.ones((2, 3)))
        with pytest.raises(ValueError):
            job.result()


@pytest.mark.parametrize(("env", "single"), [
    ({"OPENBLAS_NUM_THREADS": "1"}, True), ({"OMP_NUM_THREADS": "1"}, True),
    ({"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "1"}, False), ({}, False)])
def test_the_worker_is_for_single_threaded_blas_only(monkeypatch, env, single):
    """With BLAS on several threads OpenBLAS splits the big products itself."""
    for name in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert (background._blas_threads_env() == "1") is single
