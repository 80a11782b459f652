"""The sentiment page's numbers (Victor Zhou's RNN), all computed from a run's model. NumPy/pandas.

- ``recipe_config``: the tutorial or modern preset, on the bundled or the user's sentences.
- ``epoch_log``: the tutorial's "--- Epoch 100 / Train: Loss ... | Accuracy: ..." log from history.
- ``load_user_data``: uploaded ``text,label`` CSVs -> (train, test) pairs and a note.
- ``analyse``: one typed sentence -> prediction, h_t after each word, its PCA path (PCA fitted
  on the training sentences' hidden states) and each word's influence on P(positive).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from rnnviz import numbers
from rnnviz.core.losses import softmax
from rnnviz.figures import curves, hidden
from rnnviz.figures.sentiment_charts import influence_figure, trajectory_figure
from rnnviz.lessons.scene import Scene
from rnnviz.tasks import UNK, DataError, load_labelled_csv, tokenize
from rnnviz.train import settings as cf

RECIPES = {"tutorial": "sentiment-tutorial", "modern": "sentiment-modern"}  # -> preset id
LOG_EVERY = {"tutorial": 100, "modern": 10}  # the log's default period (epochs)
MAX_WORDS = 200  # longer typed text is truncated to its first MAX_WORDS words
MAX_LOG_ENTRIES = 60  # the log shows at most this many (the newest) entries
TEST_FRACTION = 0.2  # one uploaded file: this share of its rows (at random, seed 0) tests


def recipe_config(recipe: str, data: dict | None = None) -> cf.RunConfig:
    """The sentiment preset for ``recipe`` ("tutorial" or "modern"); ``data`` = {"train": pairs,
    "test": pairs} trains on the user's sentences instead of the bundled ones."""
    if recipe not in RECIPES:
        raise ValueError(f"recipe must be one of {', '.join(RECIPES)}; got {recipe!r}")
    cfg = cf.preset_config(RECIPES[recipe])
    return replace(cfg, task=replace(cfg.task, data=data))


def recipe_of(cfg: cf.RunConfig) -> str:
    """Which recipe a run was built with (plain SGD = the tutorial's)."""
    return "tutorial" if cfg.train.optimizer == "sgd" else "modern"


# -- the tutorial's training log-----------------------------------------------------------
def epoch_log(history: pd.DataFrame | list[dict], every: int = 100,
              metric: str = "accuracy", max_entries: int = MAX_LOG_ENTRIES) -> str:
    """Victor Zhou's log, every ``every`` epochs, from the run's per-epoch history rows:

        --- Epoch 100
        Train:  Loss 0.688 | Accuracy: 0.517
        Test:   Loss 0.700 | Accuracy: 0.500

    The train numbers are the means over the epoch's updates (as the tutorial's processData
    accumulates them while it trains); the test numbers are measured after the epoch.
    """
    if not isinstance(every, (int, np.integer)) or every < 1:
        raise ValueError(f"every must be a positive integer, got {every!r}")
    rows = history.to_dict("records") if isinstance(history, pd.DataFrame) else list(history)
    rows = [r for r in rows if int(r["epoch"]) % every == 0]
    if not rows:
        return f"(the first entry appears at epoch {every})"
    name = metric.capitalize()
    skipped = max(len(rows) - max_entries, 0)
    lines = [f"({skipped} earlier {'entry' if skipped == 1 else 'entries'} not shown)"
             ] if skipped else []
    for r in rows[skipped:]:
        lines += [
            f"--- Epoch {int(r['epoch'])}",
            f"Train:  Loss {r['train_loss']:.3f} | {name}: {r[f'train_{metric}']:.3f}",
            f"Test:   Loss {r['test_loss']:.3f} | {name}: {r[f'test_{metric}']:.3f}",
        ]
    return "\n".join(lines)


# -- uploaded data ------------------------------------------------------------------------
def split_pairs(pairs: list[tuple[str, int]], test_fraction: float = TEST_FRACTION,
                seed: int = 0) -> tuple[list, list]:
    """Shuffle (seed) and hold out ``test_fraction`` of the rows (at least 1) as the test set;
    the training part keeps at least one example of each label."""
    if len(pairs) < 3:
        raise DataError(f"need at least 3 rows to split into train and test, found {len(pairs)}")
    order = np.random.default_rng(seed).permutation(len(pairs))
    n_test = max(1, int(round(test_fraction * len(pairs))))
    test_idx, train_idx = list(order[:n_test]), list(order[n_test:])
    for label in (0, 1):  # move one example of a label missing from train back into it
        if not any(pairs[i][1] == label for i in train_idx):
            k = next(k for k, i in enumerate(test_idx) if pairs[i][1] == label)
            train_idx.append(test_idx.pop(k))
            if not test_idx:
                raise DataError("too few rows to hold out a test set with both labels in train")
    return [pairs[i] for i in sorted(train_idx)], [pairs[i] for i in sorted(test_idx)]


def load_user_data(train_source, test_source=None, seed: int = 0) -> tuple[list, list, str]:
    """Uploaded CSV(s) with columns text,label -> (train pairs, test pairs, a note saying how
    they were split). Raises DataError (prefixed with which file) when a file cannot be used."""
    if train_source is None:
        raise DataError("choose a training CSV file first")
    try:
        train = load_labelled_csv(train_source)
    except DataError as e:
        raise DataError(f"training file: {e}") from None
    if test_source is None:
        train, test = split_pairs(train, seed=seed)
        note = (f"One file: {len(train)} sentences train and {len(test)} test "
                f"({TEST_FRACTION:.0%} held out at random, seed {seed}).")
        return train, test, note
    try:
        test = load_labelled_csv(test_source)
    except DataError as e:
        raise DataError(f"test file: {e}") from None
    return train, test, f"Two files: {len(train)} sentences train, {len(test)} test."


# -- one typed sentence -------------------------------------------------------------------
@dataclass
class PCA2:
    """A 2-D principal-component projection: z = (h - mean) @ components.T."""

    mean: np.ndarray  # (H,)
    components: np.ndarray  # (2, H), rows orthonormal
    explained: np.ndarray  # (2,) share of the variance along each component

    def project(self, h: np.ndarray) -> np.ndarray:
        """(..., H) -> (..., 2)."""
        return (np.asarray(h) - self.mean) @ self.components.T


def fit_pca(states: np.ndarray) -> PCA2:
    """PCA of states (N, H) by SVD; each component's sign is fixed so that its largest
    loading is positive (the picture does not flip between refreshes)."""
    states = np.asarray(states, dtype=np.float64)
    mean = states.mean(axis=0)
    _, s, Vt = np.linalg.svd(states - mean, full_matrices=False)
    comps = np.zeros((2, states.shape[1]))
    k = min(2, Vt.shape[0])
    comps[:k] = Vt[:k]
    for i in range(k):
        j = int(np.argmax(np.abs(comps[i])))
        comps[i] *= np.sign(comps[i, j]) or 1.0
    var = s**2
    explained = np.zeros(2)
    explained[:k] = var[:k] / var.sum() if var.sum() > 0 else 0.0
    return PCA2(mean=mean, components=comps, explained=explained)


@dataclass
class TrainingStates:
    """Hidden states of the training sentences under the current model."""

    states: np.ndarray  # (N, H) h_t at every real (unpadded) step of every training sentence
    final: np.ndarray  # (B, H) h_T of each training sentence
    labels: np.ndarray  # (B,) 1 = positive
    texts: list[str]


def training_states(model, task) -> TrainingStates:
    """Run the model over all training sentences (padded, masked) and collect h_t."""
    b = task._batch("train", np.arange(task.n_train))
    h = model.trace(b.X, mask=b.mask).hidden  # (T, B, H)
    mask = b.mask.T  # (T, B)
    lengths = b.lengths
    final = h[lengths - 1, np.arange(b.size)]  # (B, H)
    return TrainingStates(states=h[mask], final=final, labels=b.Y,
                          texts=[t for t, _ in task.train_data])


def readout_probs(model, h: np.ndarray) -> np.ndarray:
    """softmax(h @ W_hy + b_y): the class probabilities the readout gives a hidden state."""
    p = model.params
    return softmax(np.asarray(h) @ p["W_hy"] + p["b_y"])


@dataclass
class SentenceView:
    words: list[str]  # the words read (after truncation), as typed (lowercased)
    known: np.ndarray  # (T,) bool: word in the vocabulary (else read as <unk>)
    unknown: list[str]  # distinct unknown words, in order
    truncated: int  # how many words were cut off (0: none)
    h: np.ndarray  # (T, H) hidden state after each word
    p_pos: np.ndarray  # (T+1,) P(positive | h_t), t = 0..T (h_0 = 0)
    influence: np.ndarray  # (T,) p_pos[t] - p_pos[t-1]
    probs: np.ndarray  # (2,) the model's output: P(negative), P(positive)
    path: np.ndarray  # (T+1, 2) h_0..h_T projected on the training PCA
    pca: PCA2
    train: TrainingStates

    @property
    def prediction(self) -> str:
        return "positive" if self.probs[1] >= 0.5 else "negative"

    @property
    def labels(self) -> list[str]:
        """Word labels for axes: unknown words are marked."""
        return [w if k else f"{w} (unknown)" for w, k in zip(self.words, self.known, strict=True)]

    def frame(self) -> pd.DataFrame:
        """Per word: known?, P(positive | h_t), influence, PCA coordinates."""
        return pd.DataFrame({
            "t": np.arange(1, len(self.words) + 1),
            "word": self.words,
            "in vocabulary": self.known,
            "P(positive | h_t)": self.p_pos[1:],
            "influence": self.influence,
            "PC1": self.path[1:, 0],
            "PC2": self.path[1:, 1],
        })


def analyse(model, task, text: str, max_words: int = MAX_WORDS,
            train: TrainingStates | None = None) -> SentenceView:
    """Everything the page shows about one typed sentence, from the model's real numbers.

    Raises ValueError for text without words. Unknown words are read as <unk> and reported.
    """
    if model.cfg.bidirectional:
        raise ValueError("word influence needs a one-direction network (h_t has seen only "
                         "words 1..t)")
    words = tokenize(text or "")
    cut = max(len(words) - max_words, 0)
    X, _, unknown = task.encode(" ".join(words[:max_words]))  # X (1, T, D)
    words = words[:max_words]
    h = model.trace(X).hidden[:, 0]  # (T, H)
    h0 = np.zeros((1, h.shape[1]))
    p_pos = readout_probs(model, np.concatenate([h0, h]))[:, 1]  # (T+1,)
    logits, _ = model.forward(X)  # (1, 2)
    train = train if train is not None else training_states(model, task)
    pca = fit_pca(train.states)
    return SentenceView(
        words=words, known=np.array([w in task.word_to_idx for w in words]), unknown=unknown,
        truncated=cut, h=h, p_pos=p_pos, influence=np.diff(p_pos), probs=softmax(logits)[0],
        path=pca.project(np.concatenate([h0, h])), pca=pca, train=train,
    )


def unknown_note(view: SentenceView) -> str | None:
    """Markdown note on unknown words (the words are letters/digits only, safe in markdown)."""
    if not view.unknown:
        return None
    shown = ", ".join(f"`{w}`" for w in view.unknown[:20])
    more = f" and {len(view.unknown) - 20} more" if len(view.unknown) > 20 else ""
    return (f"Not in the training vocabulary, read as `{UNK}`: {shown}{more}. The network "
            "has never seen them, so they all look the same to it.")


# -- the page's live view (rnnviz.live.feed) ---------------------------------------------
LOG_SHOWN = 10  # newest log entries on screen: the tutorial prints 10 over its 1000 epochs


class SentimentScene(Scene):
    """The Sentiment page's frames. View options: every (log period, epochs), text (the
    typed sentence, read through the model as it is now)."""

    rows = (("curves",), ("hidden", "influence"), ("trajectory",))





    def status(self, run, view, facts: dict) -> list[tuple[str, str]]:
        h = run.history[-1] if run.history else None
        return [("Epoch", str(run.epoch))] + [
            (label, numbers.fixed(h[k]) if h else numbers.DASH)
            for label, k in (("Train loss", "train_loss"), ("Test loss", "test_loss"),
                             ("Test accuracy", "test_accuracy"))] + facts.get("sentence", [])

    def fast(self, run, view) -> dict:
        """The learning curves: every frame."""
        return {"curves": curves.loss_curves(run.history_frame(), "accuracy", big=view.big,
                                             baselines=run.task.baselines)}

    def slow(self, run, view) -> tuple[dict, list, dict]:
        big = view.big
        figs = {"curves": curves.loss_curves(run.history_frame(), "accuracy", big=big,
                                             baselines=run.task.baselines)}
        tasks = [{"title": f"The training log, every {view.opt('every', 10)} epochs",
                  "code": epoch_log(run.history, view.opt("every", 10),
                                    max_entries=LOG_SHOWN)}]
        v = self._sentence(run, view)
        if v is not None:
            figs["hidden"] = hidden.hidden_heatmap(v.h, v.labels, big=big,
                                                   title="Hidden state h_t after each word")
            figs["influence"] = influence_figure(v.labels, v.p_pos, v.influence, big=big)
            figs["trajectory"] = trajectory_figure(
                v.path, v.labels, v.pca.project(v.train.final), v.train.labels,
                v.pca.explained, v.train.texts, big=big)
            tasks.append({"title": "The typed sentence, word by word",
                          "table": numbers.table(v.frame())})
            return figs, tasks, {"sentence": [("Prediction", v.prediction),
                                              ("P(positive)", numbers.fixed(v.probs[1])),
                                              ("Words read", str(len(v.words)))]}
        return figs, tasks, {}

    @staticmethod
    def _sentence(run, view):
        try:
            return analyse(run.model, run.task, view.opt("text", ""))
        except ValueError:  # no words, or a bidirectional network (the page says why)
            return None
