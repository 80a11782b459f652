"""Sentiment of short sentences (many-to-one), after Victor Zhou's from-scratch RNN."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np

from rnnviz.tasks.base import (
    PAD,
    Baseline,
    Batch,
    Task,
    entropy,
    one_hot,
    pad_sequences,
    uniform_baseline,
)
from rnnviz.tasks.io import load_labelled_csv

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
UNK = "<unk>"
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")  # letters/digits, with inner apostrophes ("don't")


def tokenize(text: str) -> list[str]:
    """Lowercase words, split on whitespace and punctuation: "This is GOOD!" -> [this, is, good]."""
    return _WORD.findall(text.lower())


def load_bundled_sentiment() -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The bundled (train, test) sentences, as (text, label) with 1 = positive."""
    train, test = _read_bundled()
    return list(train), list(test)  # fresh lists: a caller may change its own


@functools.cache
def _read_bundled() -> tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]:
    """The two CSV files, read once per process (~35 ms with pandas; every new session of
    the default preset asks for them)."""
    return (tuple(load_labelled_csv(DATA_DIR / "sentiment_train.csv")),
            tuple(load_labelled_csv(DATA_DIR / "sentiment_test.csv")))


def _check_pairs(name: str, pairs) -> list[tuple[str, int]]:
    """Validate a list of (text, label) with label 0/1 and non-empty text."""
    try:
        pairs = [(str(t), y) for t, y in pairs]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a list of (text, label) pairs") from None
    if not pairs:
        raise ValueError(f"{name} is empty: need at least one (text, label) pair")
    for i, (t, y) in enumerate(pairs):
        if isinstance(y, (bool, np.bool_)) or y not in (0, 1):
            raise ValueError(f"{name}[{i}] has label {y!r}; labels must be 0 or 1")
        if not tokenize(t):
            raise ValueError(f"{name}[{i}] has no words: {t!r}")
    return [(t, int(y)) for t, y in pairs]


class SentimentTask(Task):
    """Is a short sentence positive or negative? Words in, one label out."""

    name = "sentiment"
    title = "Sentiment of short sentences (many-to-one)"
    readout = "last"
    loss = "cross_entropy"
    metric_name = "accuracy"
    higher_is_better = True
    classes = ("negative", "positive")  # class index 1 = positive

    def __init__(self, train=None, test=None) -> None:
        """``train``/``test``: lists of (text, label 0/1); None uses the bundled sentences."""
        bundled = load_bundled_sentiment() if train is None or test is None else (None, None)
        self.bundled = train is None and test is None
        self.train_data = _check_pairs("train", train if train is not None else bundled[0])
        self.test_data = _check_pairs("test", test if test is not None else bundled[1])
        if len({y for _, y in self.train_data}) < 2:
            raise ValueError("train must contain both positive (1) and negative (0) examples")
        # Vocabulary: sorted words of the training texts, "<unk>" at index 0.
        words = sorted({w for t, _ in self.train_data for w in tokenize(t)})
        self.vocab: list[str] = [UNK] + words
        self.word_to_idx: dict[str, int] = {w: i for i, w in enumerate(self.vocab)}
        self.input_size = len(self.vocab)  # D
        self.output_size = 2  # O
        self._words = {
            "train": [tokenize(t) for t, _ in self.train_data],
            "test": [tokenize(t) for t, _ in self.test_data],
        }
        self._labels = {
            "train": np.array([y for _, y in self.train_data], dtype=np.int64),
            "test": np.array([y for _, y in self.test_data], dtype=np.int64),
        }
        self.explanation = (
            "Each input step $x_t$ is one word of a short sentence, as a one-hot vector over "
            f"the {len(self.vocab)}-entry vocabulary (word {UNK} stands for any word the model "
            "never saw). The target is one label per sentence: positive or negative, read from "
            "the final hidden state $h_T$ (many-to-one), as in the from-scratch sentiment RNN "
            "of *An Introduction to Recurrent Neural Networks for Beginners* (Victor Zhou). "
            "The sentences need order, not just a bag of words: *not* flips the "
            "next adjective (*this is not bad*), and in *i was sad earlier but i am happy right "
            "now* only the last clause counts. Watch the hidden state change when *not* and "
            "*but* arrive, and check that the test sentences (new combinations of the same "
            "words) are classified correctly."
        )

    @property
    def n_train(self) -> int:
        return len(self.train_data)

    @property
    def n_test(self) -> int:
        return len(self.test_data)

    def _baselines(self) -> tuple[Baseline, ...]:
        """ln 2 (a coin toss); the class-prior entropy too when the training labels are
        unbalanced enough for its line to stand apart (more than 1% below ln 2)."""
        coin = uniform_baseline(2, "classes (negative, positive)")
        counts = np.bincount(self._labels["train"], minlength=2)  # (2,) negative, positive
        h = entropy(counts)
        split = f"{counts[1]} positive and {counts[0]} negative training sentences"
        if h > 0.99 * coin.value:
            return (coin._replace(hover=coin.hover + f" The {split} are balanced enough that "
                                  "always answering their frequencies does no better."),)
        p = counts[1] / counts.sum()
        prior = Baseline(
            h, f"class frequencies: {h:.3g}",
            f"No reading: always answer P(positive) = {p:.2f}, the share of the {split}. "
            f"Cross-entropy = the entropy of the labels, −Σ p ln p = {h:.3f}.")
        return coin, prior

    def indices(self, words: list[str]) -> np.ndarray:
        """(T,) int64 word indices; unknown words -> 0 (<unk>)."""
        return np.array([self.word_to_idx.get(w, 0) for w in words], dtype=np.int64)

    def _encode_words(self, word_lists: list[list[str]]) -> tuple[np.ndarray, np.ndarray, list]:
        seqs = [one_hot(self.indices(ws), self.input_size) for ws in word_lists]  # (T_i, D)
        X, mask = pad_sequences(seqs)  # (B, T, D), (B, T)
        T = X.shape[1]
        tokens = [ws + [PAD] * (T - len(ws)) for ws in word_lists]
        return X, mask, tokens

    def _batch(self, split: str, idx: np.ndarray) -> Batch:
        word_lists = [self._words[split][i] for i in idx]
        X, mask, tokens = self._encode_words(word_lists)
        return Batch(X=X, Y=self._labels[split][idx], mask=mask, tokens=tokens)

    def probe_batch(self) -> Batch:
        """Up to 2 positive and 2 negative test sentences, in test-set order."""
        labels = self._labels["test"]
        idx = np.sort(np.concatenate([np.flatnonzero(labels == c)[:2] for c in (1, 0)]))
        return self._batch("test", idx)

    def encode(self, text: str) -> tuple[np.ndarray, list[str], list[str]]:
        """A typed sentence -> (X (1, T, D), tokens, unknown_words); raise ValueError if empty."""
        words = tokenize(text or "")
        if not words:
            raise ValueError(
                "text is empty: type a sentence with some words, e.g. 'this is not bad'"
            )
        X, _, tokens = self._encode_words([words])
        unknown = list(dict.fromkeys(w for w in words if w not in self.word_to_idx))
        return X, tokens[0], unknown

    def default_model(self) -> dict:
        return dict(
            cell="rnn", input_size=self.input_size, hidden_size=64, output_size=2,
            num_layers=1, bidirectional=False, activation="tanh", readout="last",
            init="orthogonal", init_scale=1.0, seed=0,
        )  # fmt: skip
