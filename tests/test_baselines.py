"""No-learning baselines: each task's formula against its own generated data, measured
through our own loss functions, and the loss charts that draw them."""

from __future__ import annotations

import base64
import json
import math

import numpy as np
import pandas as pd
import pytest

from rnnviz.core import losses
from rnnviz.core.config import ModelConfig
from rnnviz.core.network import Model
from rnnviz.figures import cellrace_charts, curves, textgen_charts
from rnnviz.live.frames import to_json
from rnnviz.tasks import AddingTask, CharLMTask, CopyTask, SentimentTask, SineTask


def constant_loss(task, batch, answer: np.ndarray) -> float:
    """The task's loss (core.losses, with the batch's mask) of the same answer at every
    scored step: logits (O,) for cross-entropy, a value (O,) for MSE."""
    per_step = batch.Y.ndim == (2 if task.loss == "cross_entropy" else 3)
    ce = task.loss == "cross_entropy"
    y = batch.Y.reshape(-1) if ce else batch.Y.reshape(-1, task.output_size)
    n = len(y)
    w = (batch.mask.reshape(-1) if per_step and batch.mask is not None else np.ones(n)) * 1.0
    out = np.broadcast_to(np.asarray(answer, dtype=np.float64), (n, task.output_size))
    return losses.LOSSES[task.loss](np.array(out), y, w)[0]


def marginal_logits(Y: np.ndarray, O: int) -> np.ndarray:
    """ln of the labels' frequencies: the constant answer that is best under cross-entropy
    (a label that never occurs gets -inf: probability 0)."""
    with np.errstate(divide="ignore"):
        return np.log(np.bincount(Y.ravel(), minlength=O) / Y.size)


# -- adding problem -------------------------------------------------------------------------
def test_adding_always_one_gives_mse_one_sixth_on_generated_data():
    """u1, u2 ~ U(0, 1): E[(u1 + u2 - 1)^2] = Var(u1 + u2) = 2/12. Measured on 100 000
    generated sums, within 4 standard errors of the sample mean."""
    task = AddingTask(seq_len=10, n_train=1, n_test=100_000, seed=3)
    b = task.test_batch()
    assert task.mean_sum == 1.0 and task.baseline.value == 1 / 6
    sq = (b.Y[:, 0] - 1.0) ** 2  # (N,)
    se = sq.std() / math.sqrt(len(sq))
    assert constant_loss(task, b, [1.0]) == pytest.approx(sq.mean(), rel=1e-12)
    assert abs(sq.mean() - task.baseline.value) < 4 * se
    # 1.0 is the best constant: the sums' mean, within 4 standard errors
    assert abs(b.Y.mean() - task.mean_sum) < 4 * b.Y.std() / math.sqrt(len(sq))
    assert "1/6" in task.baseline.label and "0.167" in task.baseline.hover


# -- copy task ------------------------------------------------------------------------------
def test_copy_memoryless_loss_is_ln_of_the_alphabet():
    """A network with no memory sees only the scored step's input, the same recall marker
    in every sequence, so it gives one answer; the best one is the marginal of the target.
    Predicting the marginal estimated from 40 000 generated sequences, through our
    cross-entropy: H(p^) = ln S - chi^2_(S-1) / 2N, so it is below ln S by about (S - 1)/2N."""
    N = 40_000
    for S, T, K in ((4, 20, 4), (3, 8, 0), (7, 12, 2)):
        task = CopyTask(seq_len=T, n_symbols=S, n_train=N, n_test=1, seed=S, n_distractors=K)
        b = task._batch("train", np.arange(N))
        assert b.mask is None and b.Y.shape == (N,)  # one scored step: the last
        assert (b.X[:, -1] == b.X[0, -1]).all()  # its input is the same everywhere
        got = constant_loss(task, b, marginal_logits(b.Y, S))
        gap = task.baseline.value - got  # >= 0: the empirical entropy is at most ln S
        assert task.baseline.value == pytest.approx(math.log(S), rel=1e-15)
        assert 0 <= gap < ((S - 1) + 4 * math.sqrt(2 * (S - 1))) / (2 * N), (S, gap)
        assert constant_loss(task, b, np.zeros(S)) == pytest.approx(math.log(S), rel=1e-12)
        assert f"ln {S}" in task.baseline.label and f"1/{S}" in task.baseline.hover


def test_a_trained_network_without_memory_reaches_the_copy_baseline_and_no_lower():
    """An RNN whose W_hh is held at 0 keeps nothing from step to step. Trained with Adam
    (our core, our loss), its training loss settles at the entropy of the training labels'
    marginal: ln S up to the chi^2 / 2N of the previous test, never lower."""
    from rnnviz.core.optim import Adam
    N = 1000
    for S in (4, 6):
        task = CopyTask(seq_len=6, n_symbols=S, n_train=N, n_test=1, seed=S)
        model = Model(ModelConfig(**(task.default_model() | {"hidden_size": 8})))
        model.params["W_hh"][...] = 0.0
        opt, b = Adam(0.1), task._batch("train", np.arange(N))
        for _ in range(60):
            loss, grads, _ = model.loss_and_grads(b.X, b.Y, task.loss, record=False)
            grads["W_hh"][...] = 0.0  # no memory, ever
            opt.step(model.params, grads)
        loss = model.loss(b.X, b.Y, task.loss)
        marginal = constant_loss(task, b, marginal_logits(b.Y, S))  # the best constant
        assert marginal - 1e-9 <= loss < marginal + 2e-3, (S, loss, marginal)
        chi2 = (S - 1) + 4 * math.sqrt(2 * (S - 1))  # its mean + 4 sd
        assert 0 <= task.baseline.value - marginal < chi2 / (2 * N)


# -- character model ------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["hello world", "bundled"])
def test_charlm_baselines_are_ln_v_and_the_entropy_of_the_training_targets(text):
    task = CharLMTask(text=text, seq_len=25 if text == "bundled" else 10)
    uniform, unigram = task.baselines
    V = len(task.vocab)
    train = task._batch("train", np.arange(task.n_train))
    assert uniform.value == pytest.approx(math.log(V), rel=1e-15)
    assert constant_loss(task, train, np.zeros(V)) == pytest.approx(uniform.value, rel=1e-12)
    # letter frequencies of every target the loss counts, through our cross-entropy
    assert constant_loss(task, train, marginal_logits(train.Y, V)) == pytest.approx(
        unigram.value, rel=1e-12)
    assert unigram.value < uniform.value  # these texts do not use every character equally
    assert f"ln {V}" in uniform.label and f"V = {V}" in uniform.hover


def test_a_fresh_network_starts_near_the_uniform_guess():
    """The hover's "about what a fresh network outputs": within 15% before any training."""
    for task in (CharLMTask(), CharLMTask(text="bundled"), SentimentTask(), CopyTask()):
        model = Model(ModelConfig(**task.default_model()))
        b = task.test_batch()
        start = model.loss(b.X, b.Y, task.loss, mask=b.mask)
        assert start == pytest.approx(task.baseline.value, rel=0.15), task.name


# -- sentiment ------------------------------------------------------------------------------
def test_sentiment_bundled_labels_are_balanced_so_ln_2_is_the_only_line():
    task = SentimentTask()
    assert len(task.baselines) == 1 and task.baseline.value == pytest.approx(math.log(2))
    train = task._batch("train", np.arange(task.n_train))
    best = constant_loss(task, train, marginal_logits(train.Y, 2))
    assert best > 0.99 * task.baseline.value  # the class prior does no better
    assert constant_loss(task, train, np.zeros(2)) == pytest.approx(math.log(2), rel=1e-12)


def test_sentiment_unbalanced_labels_add_the_class_prior_line():
    pairs = [("good movie", 1)] * 9 + [("bad movie", 0)] * 3
    task = SentimentTask(train=pairs, test=pairs[:2])
    coin, prior = task.baselines
    train = task._batch("train", np.arange(task.n_train))
    assert prior.value == pytest.approx(constant_loss(task, train, marginal_logits(train.Y, 2)),
                                        rel=1e-12)
    assert prior.value == pytest.approx(-(0.75 * math.log(0.75) + 0.25 * math.log(0.25)))
    assert "0.75" in prior.hover and "9 positive and 3 negative" in prior.hover


# -- sine -----------------------------------------------------------------------------------
def test_sine_baselines_are_the_mean_answer_and_repeating_the_last_value():
    """Measured through our MSE on the training windows, and against the sine's own
    formulas: scaled to [0, 1] the amplitude is a = 1/2, so always answering the mean gives
    a^2 / 2 and repeating the last value a^2 (1 - cos w), w = 2 pi f (within 5%: the
    training part holds a whole number of periods only approximately)."""
    task = SineTask(n_points=400, freq=1 / 25, window=20)
    mean, naive = task.baselines
    b = task._batch("train", np.arange(task.n_train))
    assert constant_loss(task, b, [b.Y.mean()]) == pytest.approx(mean.value, rel=1e-12)
    assert losses.mse(b.X[:, -1, :], b.Y, np.ones(task.n_train))[0] == pytest.approx(
        naive.value, rel=1e-12)
    a, w = 0.5, 2 * math.pi / 25
    assert mean.value == pytest.approx(a * a / 2, rel=0.05)
    assert naive.value == pytest.approx(a * a * (1 - math.cos(w)), rel=0.05)
    assert naive.value < mean.value / 10  # a slow sine: copying the input is a strong forecast


# -- the charts -----------------------------------------------------------------------------
def _decode(spec) -> np.ndarray:
    if isinstance(spec, dict):
        return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.dtype(spec["dtype"]))
    return np.asarray(spec, dtype=np.float64)


def _history(n: int, loss: float = 0.5) -> pd.DataFrame:
    ep = np.arange(1, n + 1)
    return pd.DataFrame({"epoch": ep, "train_loss": loss / ep, "test_loss": loss / ep,
                         "train_accuracy": 0.5 + 0 * ep, "test_accuracy": 0.5 + 0 * ep,
                         "train_mse": loss / ep, "test_mse": loss / ep})


def _baseline_traces(fig) -> list[dict]:
    """The figure's dashed grey lines, as the browser reads them (frames.to_json)."""
    data = json.loads(to_json(fig))["data"]
    return [d for d in data if d.get("line", {}).get("color") == curves.BASELINE_COLOUR]


def _check_line(trace: dict, value: float, label: str, hover: str, axis: str,
                layout: dict) -> None:
    y = _decode(trace["y"])
    x = _decode(trace["x"])
    np.testing.assert_allclose(y, value, rtol=1e-6)  # horizontal at the baseline
    assert x.min() == 0 and x.max() == 1 and len(x) == curves.BASELINE_POINTS
    assert trace["xaxis"] == axis and layout[axis.replace("x", "xaxis")]["range"] == [0, 1]
    assert trace["name"] == label and trace["line"]["dash"] in curves.BASELINE_DASH
    assert trace["hoverinfo"] == "text"
    assert trace["text"].split("<br>", 1)[1].replace("<br>", " ") == hover  # wrapped only


@pytest.mark.parametrize("task", [AddingTask(seq_len=10, n_train=20, n_test=5), CopyTask(),
                                  CharLMTask(), SentimentTask(), SineTask()],
                         ids=lambda t: t.name)
@pytest.mark.parametrize("epochs", [0, 1, 5])
@pytest.mark.parametrize("big", [False, True])
def test_loss_curves_draw_every_baseline_on_the_log_loss_panel(task, epochs, big):
    fig = curves.loss_curves(_history(epochs), task.metric_name, big=big,
                             baselines=task.baselines)
    spec = json.loads(to_json(fig))
    lines = _baseline_traces(fig)
    assert len(lines) == len(task.baselines) >= 1
    for line, b in zip(lines, task.baselines, strict=True):
        _check_line(line, b.value, b.label, b.hover, "x3", spec["layout"])
        assert line["yaxis"] == "y" and spec["layout"]["yaxis"]["type"] == "log"
        assert line["line"]["width"] == curves.line_width(big) * 0.6
    assert spec["layout"]["xaxis3"]["overlaying"] == "x"
    notes = [a["text"] for a in spec["layout"]["annotations"]]
    assert ("press Play" in notes[0]) == (epochs == 0)  # the empty note first
    assert notes[epochs == 0:] == [curves.esc(b.label) for b in task.baselines]  # on the lines


def test_the_race_and_the_perplexity_chart_draw_the_baselines_too():
    task = AddingTask(seq_len=10, n_train=20, n_test=5)
    h = _history(3).assign(test_loss=[0.3, 0.2, 0.1])
    race = cellrace_charts.loss_race({"rnn": h, "lstm": h, "gru": h}, 8, task.baselines)
    (line,) = _baseline_traces(race)
    b = task.baseline
    _check_line(line, 1 / 6, b.label, b.hover, "x2", json.loads(to_json(race))["layout"])
    assert "1/6 = 0.167" in line["name"] and line["showlegend"] is False  # labelled on the line

    text = CharLMTask()
    pp = pd.DataFrame({"epoch": [1, 2], "train": [7.0, 5.0], "test": [7.5, 6.0]})
    for frame in (pp, pp.iloc[:0]):
        fig = textgen_charts.perplexity_figure(frame, text.baselines, big=True)
        uniform, unigram = _baseline_traces(fig)
        lay = json.loads(to_json(fig))["layout"]
        V = len(text.vocab)
        _check_line(uniform, V, f"{text.baselines[0].label} → perplexity {V}",
                    text.baselines[0].hover, "x2", lay)
        np.testing.assert_allclose(_decode(unigram["y"]), np.exp(text.baselines[1].value),
                                   rtol=1e-6)


def test_a_baseline_a_log_axis_cannot_show_is_left_out():
    """A constant user series has variance 0: no line rather than a broken axis."""
    flat = SineTask(series=np.ones(60), window=5)
    assert flat.baseline.value == 0
    fig = curves.loss_curves(_history(2), "mse", baselines=flat.baselines)
    assert _baseline_traces(fig) == []
