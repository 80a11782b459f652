"""rnnviz.lessons.sentiment_probe: the epoch log, uploads, a sentence read."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from rnnviz.figures.sentiment_charts import influence_figure, trajectory_figure
from rnnviz.lessons import sentiment_probe as sv
from rnnviz.tasks import UNK, DataError, SentimentTask
from rnnviz.train.run import TrainingRun


@pytest.fixture(scope="module")
def run() -> TrainingRun:
    """The modern recipe after a few epochs (the numbers are not all ~0.5 any more)."""
    r = TrainingRun(sv.recipe_config("modern"))
    for _ in range(8):
        r.step()
    return r


def _softmax_pos(h, params) -> np.ndarray:
    """P(positive) by hand: exp / sum over the two logits h @ W_hy + b_y."""
    z = h @ params["W_hy"] + params["b_y"]
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e[..., 1] / e.sum(axis=-1)


# -- recipes and the log ------------------------------------------------------------------
def test_recipes_are_the_presets_and_carry_user_data():
    tut, mod = sv.recipe_config("tutorial"), sv.recipe_config("modern")
    assert (tut.train.optimizer, tut.train.lr, tut.train.batch_size) == ("sgd", 0.02, 1)
    assert tut.model.init == "randn1000" and tut.train.clip == "value"
    assert mod.train.optimizer == "adam" and mod.model.init == "orthogonal"
    assert sv.recipe_of(tut) == "tutorial" and sv.recipe_of(mod) == "modern"
    data = {"train": [("good", 1), ("bad", 0)], "test": [("good", 1)]}
    assert sv.recipe_config("modern", data).task.data is data
    with pytest.raises(ValueError, match="recipe"):
        sv.recipe_config("fast")


def test_epoch_log_has_the_seeds_format():
    rows = [{"epoch": e, "train_loss": 0.688, "test_loss": 0.7, "train_accuracy": 0.517,
             "test_accuracy": 0.5} for e in range(1, 201)]
    log = sv.epoch_log(rows, every=100)
    assert log.splitlines() == [
        "--- Epoch 100", "Train:  Loss 0.688 | Accuracy: 0.517",
        "Test:   Loss 0.700 | Accuracy: 0.500",
        "--- Epoch 200", "Train:  Loss 0.688 | Accuracy: 0.517",
        "Test:   Loss 0.700 | Accuracy: 0.500"]
    assert "first entry appears at epoch 100" in sv.epoch_log(rows[:50], every=100)
    capped = sv.epoch_log(rows, every=1, max_entries=5)
    assert capped.startswith("(195 earlier entries not shown)") and "--- Epoch 200" in capped
    assert sv.epoch_log(rows[:6], every=1, max_entries=5).startswith("(1 earlier entry not")
    with pytest.raises(ValueError):
        sv.epoch_log(rows, every=0)


def test_epoch_log_numbers_are_the_runs_history(run):
    log = sv.epoch_log(run.history_frame(), every=4).splitlines()
    h = run.history[3]  # epoch 4
    assert log[0] == "--- Epoch 4"
    assert log[1] == f"Train:  Loss {h['train_loss']:.3f} | Accuracy: {h['train_accuracy']:.3f}"
    assert log[2] == f"Test:   Loss {h['test_loss']:.3f} | Accuracy: {h['test_accuracy']:.3f}"
    assert len(log) == 6  # epochs 4 and 8


# -- uploads ------------------------------------------------------------------------------
CSV = "text,label\n" + "".join(f"good {i},1\nbad {i},0\n" for i in range(10))


def test_one_file_is_split_80_20_and_keeps_both_labels_in_train():
    train, test, note = sv.load_user_data(CSV.encode())
    assert len(train) == 16 and len(test) == 4 and "20%" in note and "One file" in note
    assert {y for _, y in train} == {0, 1}
    assert sorted(train + test) == sorted(sv.load_user_data(CSV.encode())[0] + test)
    assert sv.load_user_data(CSV.encode()) == (train, test, note)  # seeded: same split
    few = sv.split_pairs([("a", 1), ("b", 0), ("c", 0)])
    assert {y for _, y in few[0]} == {0, 1} and len(few[1]) == 1


def test_two_files_and_clear_errors():
    train, test, note = sv.load_user_data(CSV.encode(), b"text,label\nso good,pos\nso bad,neg\n")
    assert len(train) == 20 and test == [("so good", 1), ("so bad", 0)] and "Two files" in note
    with pytest.raises(DataError, match="training file: labels must be"):
        sv.load_user_data(b"text,label\ngood,maybe\nbad,0\n")
    with pytest.raises(DataError, match="test file: missing column 'label'"):
        sv.load_user_data(CSV.encode(), b"text\nhello\n")
    with pytest.raises(DataError, match="training file: file is empty"):
        sv.load_user_data(b"")
    with pytest.raises(DataError, match="choose a training CSV"):
        sv.load_user_data(None)


def test_user_data_trains(run):
    train, test, _ = sv.load_user_data(CSV.encode())
    r = TrainingRun(sv.recipe_config("modern", {"train": train, "test": test}))
    r.step()
    assert not r.task.bundled and r.task.n_train == 16 and "good" in r.task.vocab


# -- one sentence -------------------------------------------------------------------------
def test_hidden_states_and_prediction_are_the_models(run):
    v = sv.analyse(run.model, run.task, "i am not at all happy")
    X, _, _ = run.task.encode("i am not at all happy")
    np.testing.assert_array_equal(v.h, run.model.trace(X).hidden[:, 0])
    logits, _ = run.model.forward(X)
    e = np.exp(logits[0] - logits[0].max())
    np.testing.assert_allclose(v.probs, e / e.sum(), rtol=1e-12)
    assert v.prediction == ("positive" if v.probs[1] >= 0.5 else "negative")
    assert abs(v.p_pos[-1] - v.probs[1]) < 1e-12  # the readout of h_T is the prediction


def test_influence_is_readout_of_h_t_minus_readout_of_h_t_minus_1(run):
    v = sv.analyse(run.model, run.task, "this was sad earlier but i am happy right now")
    T, H = v.h.shape
    states = np.vstack([np.zeros(H), v.h])  # h_0 = 0, h_1 .. h_T
    p = _softmax_pos(states, run.model.params)
    np.testing.assert_allclose(v.p_pos, p, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(v.influence, p[1:] - p[:-1], rtol=1e-10, atol=1e-14)
    assert v.influence.shape == (T,)
    assert abs(v.influence.sum() - (v.probs[1] - p[0])) < 1e-12
    assert np.abs(v.influence).max() > 1e-3  # trained a little: the words do move it


def test_pca_is_fitted_on_the_training_sentences_real_hidden_states(run):
    v = sv.analyse(run.model, run.task, "this is not bad")
    task, model = run.task, run.model
    # every training sentence run alone (no padding): its h_1 .. h_T, in order
    alone = [model.trace(task.encode(t)[0]).hidden[:, 0] for t, _ in task.train_data]
    assert len(v.train.states) == sum(len(a) for a in alone)
    np.testing.assert_allclose(np.sort(v.train.states, axis=0),
                               np.sort(np.vstack(alone), axis=0), atol=1e-12)
    np.testing.assert_allclose(v.train.final, np.stack([a[-1] for a in alone]), atol=1e-12)
    S = np.vstack(alone)
    mean = S.mean(axis=0)
    _, s, Vt = np.linalg.svd(S - mean, full_matrices=False)
    np.testing.assert_allclose(np.abs(v.pca.components), np.abs(Vt[:2]), atol=1e-8)
    np.testing.assert_allclose(v.pca.explained, s[:2] ** 2 / (s**2).sum(), rtol=1e-8)
    # the path: h_0 = 0, then h_1 .. h_T, projected on that PCA
    assert v.path.shape == (len(v.words) + 1, 2)
    states = np.vstack([np.zeros(v.h.shape[1]), v.h])
    np.testing.assert_allclose(v.path, (states - mean) @ v.pca.components.T, atol=1e-10)
    np.testing.assert_allclose(v.pca.components @ v.pca.components.T, np.eye(2), atol=1e-10)


def test_pca_signs_are_stable():
    rng = np.random.default_rng(1)
    S = rng.standard_normal((50, 6)) * np.arange(1, 7)
    a, b = sv.fit_pca(S), sv.fit_pca(S[::-1])
    np.testing.assert_allclose(a.components, b.components, atol=1e-10)
    flat = sv.fit_pca(np.zeros((5, 3)))  # no variance: no crash, zero explained
    assert flat.explained.tolist() == [0.0, 0.0]


def test_unknown_words_are_flagged_not_fatal(run):
    v = sv.analyse(run.model, run.task, "this is Zorp, really zorp good")
    assert v.words == ["this", "is", "zorp", "really", "zorp", "good"]
    assert v.unknown == ["zorp", "really"]
    assert v.known.tolist() == [True, True, False, False, False, True]
    assert v.labels[2] == "zorp (unknown)" and v.labels[0] == "this"
    X, _, _ = run.task.encode("zorp")
    assert X[0, 0, run.task.word_to_idx[UNK]] == 1.0  # read as <unk>
    note = sv.unknown_note(v)
    assert "`zorp`" in note and "`really`" in note and f"`{UNK}`" in note
    assert sv.unknown_note(sv.analyse(run.model, run.task, "this is good")) is None
    df = v.frame()
    assert df["in vocabulary"].tolist() == v.known.tolist() and len(df) == 6


def test_empty_html_and_long_text(run):
    for empty in ("", "   ", "!!! ..."):
        with pytest.raises(ValueError, match="empty"):
            sv.analyse(run.model, run.task, empty)
    v = sv.analyse(run.model, run.task, "<b>x</b> <script>alert(1)</script>")
    assert v.words == ["b", "x", "b", "script", "alert", "1", "script"]
    long = " ".join(["good"] * 250)
    v = sv.analyse(run.model, run.task, long)
    assert v.truncated == 50 and len(v.words) == sv.MAX_WORDS == v.h.shape[0]
    assert sv.analyse(run.model, run.task, "good bad").truncated == 0


def test_bidirectional_models_are_refused(run):
    cfg = sv.recipe_config("modern")
    cfg = replace(cfg, model=replace(cfg.model, bidirectional=True))
    r = TrainingRun(cfg)
    with pytest.raises(ValueError, match="one-direction"):
        sv.analyse(r.model, r.task, "this is good")


def test_analysis_works_on_user_vocabularies():
    task = SentimentTask(train=[("great film", 1), ("awful film", 0)], test=[("great", 1)])
    r = TrainingRun(sv.recipe_config("modern", {"train": task.train_data,
                                                "test": task.test_data}))
    v = sv.analyse(r.model, r.task, "a great great film")
    assert v.unknown == ["a"] and v.path.shape == (5, 2)


# -- the figures carry these numbers --------------------------------------------------------
def test_figures_show_the_view_and_escape_text(run):
    v = sv.analyse(run.model, run.task, "<b>x</b> is good")
    fig = influence_figure(v.labels, v.p_pos, v.influence)
    up, down, line = fig.data
    assert fig.layout.barmode == "relative"
    np.testing.assert_allclose(np.where(np.isnan(up.y), down.y, up.y), v.influence)
    assert np.all(up.y[~np.isnan(up.y)] >= 0) and np.all(down.y[~np.isnan(down.y)] < 0)
    np.testing.assert_allclose(line.y, v.p_pos)
    assert line.x[0] == "start" and list(fig.layout.xaxis.categoryarray) == list(line.x)
    tr = trajectory_figure(v.path, ["<b>"] + v.labels[1:], v.pca.project(v.train.final),
                           v.train.labels, v.pca.explained, v.train.texts)
    path = next(d for d in tr.data if d.name.startswith("your sentence"))
    np.testing.assert_allclose(np.c_[path.x, path.y], v.path)
    assert path.customdata[0] == "start h_0" and path.customdata[1] == "1: &lt;b&gt;"
    assert len(tr.layout.annotations) <= len(v.words)  # one arrow per moving step
    assert "PC1" in tr.layout.xaxis.title.text
    json.loads(tr.to_json())  # serialisable
