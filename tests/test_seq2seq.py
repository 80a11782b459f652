"""The encoder-decoder core (rnnviz.core.seq2seq) and its tasks (rnnviz.tasks.transduction)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.core.config import ModelConfig
from rnnviz.core.gradcheck import check_gradients, relative_error
from rnnviz.core.seq2seq import Seq2Seq
from rnnviz.tasks import DigitsTask, ReverseTask, make_task
from rnnviz.tasks.transduction import position_accuracy, sequence_accuracy, split_sequences

TOL = 1e-6


def model(cell="lstm", V_in=4, V_out=3, H=3, seed=2, **kw) -> Seq2Seq:
    return Seq2Seq(ModelConfig(cell=cell, input_size=V_in, hidden_size=H, output_size=V_out,
                               seed=seed, **kw))


def pair(B=2, T=5, U=4, V_in=4, V_out=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, V_in, (B, T)), rng.integers(0, V_out, (B, U))


def numerical(m: Seq2Seq, X, Y, teacher: bool, eps=1e-5) -> dict:
    """Centred differences of m.loss in the given mode, every parameter element."""
    out = {}
    for name, p in m.params.items():
        g = np.zeros_like(p)
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            up = m.loss(X, Y, teacher=teacher)
            flat[i] = old - eps
            down = m.loss(X, Y, teacher=teacher)
            flat[i] = old
            gflat[i] = (up - down) / (2 * eps)
        out[name] = g
    return out


# --- gradients --------------------------------------------------------------------------
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("T,U", [(5, 4), (1, 3), (3, 1)])
def test_teacher_forced_bptt_matches_finite_differences(cell, T, U):
    m = model(cell)
    X, Y = pair(T=T, U=U)
    errors = check_gradients(m, X, Y)  # the same check as every other cell (gradcheck.py)
    assert set(errors) == set(m.params)
    worst = max(errors, key=errors.get)
    assert errors[worst] < TOL, f"{worst}: relative error {errors[worst]:.2e}"


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_generating_bptt_matches_finite_differences(cell):
    """Fed-back argmax tokens are constants of the loss: BPTT is its exact gradient."""
    m = model(cell, seed=5)
    X, Y = pair(seed=3)
    _, grads, tr = m.loss_and_grads(X, Y, teacher=False)
    num = numerical(m, X, Y, teacher=False)
    for k in grads:
        assert relative_error(grads[k], num[k]) < TOL, k
    assert not tr.teacher and (tr.dec_input[:, 1:] == tr.pred[:, :-1]).all()


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_the_gradient_reaches_the_encoder_only_through_the_bottleneck(cell):
    m = model(cell, H=4)
    X, Y = pair(B=3, T=6, U=5)
    _, grads, tr = m.loss_and_grads(X, Y)
    # the encoder's last dL/dh is exactly what the decoder hands back through h_T
    np.testing.assert_array_equal(tr.enc.dh[-1], tr.dh_bottleneck)
    assert tr.grad_norm.shape == (6 + 5,) and np.all(tr.grad_norm > 0)
    np.testing.assert_allclose(tr.grad_norm[:6], np.linalg.norm(tr.enc.dh, axis=(1, 2)))
    assert (tr.dc_bottleneck is not None) == (cell == "lstm")
    # cut the bottleneck (decoder from zero state): the encoder gets no gradient at all
    m.params["W_hh_dec"][...] = 0
    if cell == "lstm":  # c_T still flows through f * c_{t-1}: close the forget gate too
        H = 4
        m.params["b_h_dec"][H : 2 * H] = -1e3
    if cell == "gru":  # h_t = (1 - z) n + z h_{t-1}: shut the update gate
        m.params["b_h_dec"][4:8] = -1e3
    _, grads, tr = m.loss_and_grads(X, Y)
    for k in ("W_xh_enc", "W_hh_enc", "b_h_enc"):
        assert np.abs(grads[k]).max() < 1e-12, k


def test_trace_records_both_sides():
    m = model("lstm", V_in=5, V_out=4, H=6)
    X, Y = pair(B=2, T=7, U=3, V_in=5, V_out=4)
    _, _, tr = m.loss_and_grads(X, Y)
    assert tr.enc.h.shape == (7, 2, 6) and tr.dec.h.shape == (3, 2, 6)
    assert tr.enc.dh.shape == (7, 2, 6) and tr.dec.dh.shape == (3, 2, 6)
    assert tr.hidden.shape == (10, 2, 6) and tr.dh.shape == (10, 2, 6)
    assert tr.logits.shape == (2, 3, 4) and tr.pred.shape == (2, 3)
    np.testing.assert_allclose(tr.probs.sum(-1), 1.0)
    assert set(tr.enc.gates) == {"input", "forget", "cell", "output"}
    assert tr.T == 7 and tr.U == 3
    np.testing.assert_array_equal(tr.bottleneck, tr.enc.h[-1])
    np.testing.assert_array_equal(tr.source, X)
    # teacher forcing: <start>, then the true previous tokens
    assert (tr.dec_input[:, 0] == m.start).all() and (tr.dec_input[:, 1:] == Y[:, :-1]).all()
    assert tr.loss == pytest.approx(tr.loss_per_position.mean())
    assert tr.loss == pytest.approx(tr.loss_per_sample.mean())
    assert tr.enc.jacobians(0).shape == (7, 12, 12)  # (h, c) state of the LSTM


def test_one_hot_rows_and_token_ids_give_the_same_pass():
    m = model("gru")
    X, Y = pair()
    a = m.loss(X, Y)
    b = m.loss(np.eye(4)[X], Y)
    assert a == b


def test_generate_feeds_back_its_own_argmax():
    m = model("rnn", H=5)
    X, _ = pair()
    tr = m.trace(X, teacher=False, U=6)
    assert tr.target is None and tr.loss is None and tr.pred.shape == (2, 6)
    assert (tr.dec_input[:, 1:] == tr.pred[:, :-1]).all()
    np.testing.assert_array_equal(m.generate(X, 6), tr.pred)
    # generating with the targets as inputs is teacher forcing: same first output either way
    Y = tr.pred
    forced = m.trace(X, Y, teacher=True)
    np.testing.assert_allclose(forced.logits, tr.logits, rtol=1e-12)


@pytest.mark.parametrize("kwargs,needle", [
    ({"num_layers": 2}, "one layer per side"),
    ({"bidirectional": True}, "one layer per side"),
    ({"bptt_truncate": 2}, "full BPTT"),
])
def test_unsupported_settings_are_refused_with_a_message(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        model(**kwargs)


@pytest.mark.parametrize("X,Y,needle", [
    ([[0, 9]], [[0]], "token ids in"),
    (np.zeros((1, 2, 7)), [[0]], "one-hot rows"),
    ([[0, 1]], [[0, 5]], "tokens in"),
    ([[0, 1]], [0, 1], "shape"),
    ([[0, 1]], [[0.5]], "integer tokens"),
    (np.full((1, 2, 4), np.nan), [[0]], "finite"),
])
def test_bad_inputs_are_refused_with_a_message(X, Y, needle):
    with pytest.raises(ValueError, match=needle):
        model().loss(np.asarray(X), np.asarray(Y))


def test_float32_pass_stays_float32():
    m = model("lstm", dtype="float32")
    X, Y = pair()
    _, grads, tr = m.loss_and_grads(X, Y)
    assert all(g.dtype == np.float32 for g in grads.values())
    assert tr.enc.h.dtype == np.float32 and tr.logits.dtype == np.float32


# --- tasks ------------------------------------------------------------------------------
@pytest.mark.parametrize("task", [ReverseTask(seq_len=6, n_symbols=5), DigitsTask(seq_len=4)])
def test_tasks_pair_sources_with_their_targets(task):
    b = task.test_batch()
    S, Y = b.source, b.Y
    assert b.X.shape == S.shape + (task.input_size,) and Y.shape == S.shape
    np.testing.assert_array_equal(b.X.argmax(-1), S)
    if task.name == "reverse":
        np.testing.assert_array_equal(Y, S[:, ::-1])
        assert b.target_tokens[0] == b.tokens[0][::-1]
    else:
        np.testing.assert_array_equal(Y, S)
        assert "".join(b.target_tokens[0]) == "".join(str(task.source_vocab.index(w))
                                                      for w in b.tokens[0])
    assert task.out_len == S.shape[1]


@pytest.mark.parametrize("V,T", [(8, 5), (2, 3), (10, 2), (4, 12)])
def test_no_test_sequence_is_in_the_training_set(V, T):
    train, test = split_sequences(np.random.default_rng(0), V, T, 2000, 500)
    seen = {r.tobytes() for r in train}
    assert len(test) >= 1 and len(train) >= 1
    assert not any(r.tobytes() in seen for r in test)
    assert train.max() < V and test.shape[1] == T


def test_digits_reads_words_and_writes_digits():
    t = make_task("digits", seq_len=3)
    assert t.input_size == 10 and t.output_size == 10
    b = t.probe_batch()
    assert all(w in t.source_vocab for w in b.tokens[0])
    assert all(c.isdigit() for c in b.target_tokens[0])


def test_metrics():
    Y = np.array([[0, 1, 2], [2, 1, 0]])
    pred = np.array([[0, 1, 2], [2, 0, 0]])
    assert sequence_accuracy(pred, Y) == 0.5
    np.testing.assert_array_equal(position_accuracy(pred, Y), [1.0, 0.5, 1.0])
    task = ReverseTask(seq_len=3, n_symbols=3, n_train=5, n_test=5)
    b = task._batch("test", np.arange(2))
    logits = np.eye(3)[b.Y] * 5  # right everywhere
    assert task.metric(logits, b) == 1.0
    logits[0, 0] *= -1  # one wrong token spoils the sample
    assert task.metric(logits, b) == 0.5
