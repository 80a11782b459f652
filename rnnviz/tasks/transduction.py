"""Sequence-to-sequence tasks for the encoder-decoder: reverse a sequence, digit words -> digits.

Both are generated in code from a seed. The test sequences never occur in the training set,
so test accuracy is about sequences the network has not seen. Inputs are one-hot tokens
(B, T, V_in); targets are token ids (B, U). The metric is sequence accuracy: a sample counts
only when every one of its U output tokens is right.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np

from rnnviz.tasks.base import Batch, Task, check_int, one_hot

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ENUMERATE_BELOW = 4  # enumerate every sequence when there are < this x (n_train + n_test)


@dataclass
class PairBatch(Batch):
    """A Batch of (source, target) pairs: X (B, T, V_in) one-hot, Y (B, U) int targets.

    source: (B, T) int input token ids; tokens: their labels; target_tokens: Y's labels.
    """

    source: np.ndarray
    target_tokens: list[list[str]]


def sequence_accuracy(pred: np.ndarray, Y: np.ndarray) -> float:
    """Share of samples whose U tokens are all right: pred, Y (B, U) int."""
    return float((np.asarray(pred) == Y).all(axis=1).mean())


def position_accuracy(pred: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """(U,) share of samples right at each output position u."""
    return (np.asarray(pred) == Y).mean(axis=0)


def token_accuracy(pred: np.ndarray, Y: np.ndarray) -> float:
    """Share of all B x U output tokens that are right."""
    return float((np.asarray(pred) == Y).mean())


def split_sequences(rng: np.random.Generator, V: int, T: int, n_train: int,
                    n_test: int) -> tuple[np.ndarray, np.ndarray]:
    """Random (n, T) token sequences over V symbols, no test sequence in the training set.

    Few possible sequences (V^T < ENUMERATE_BELOW x (n_train + n_test)): all are listed,
    shuffled and split in the ratio n_train : n_test (at least one each). Many: training
    sequences are drawn freely, test sequences drawn again until they are new.
    """
    space = V**T
    if space < ENUMERATE_BELOW * (n_train + n_test):
        every = np.stack(np.unravel_index(rng.permutation(space), (V,) * T), axis=1)
        k = min(n_test, max(1, round(space * n_test / (n_train + n_test))))
        k = min(k, space - 1)
        return every[k : k + n_train].astype(np.int64), every[:k].astype(np.int64)
    train = rng.integers(0, V, size=(n_train, T))
    seen = {row.tobytes() for row in train}
    test = []
    while len(test) < n_test:
        for row in rng.integers(0, V, size=(n_test, T)):
            key = row.tobytes()
            if key not in seen and len(test) < n_test:
                seen.add(key)
                test.append(row)
    return train.astype(np.int64), np.stack(test).astype(np.int64)


class TransductionTask(Task):
    """Base: fixed source/target token pairs per split; sequence accuracy."""

    seq2seq = True  # trained by train/seq2seq_run.Seq2SeqRun, not TrainingRun
    readout = "all"
    loss = "cross_entropy"
    metric_name = "seq_accuracy"
    higher_is_better = True
    source_vocab: tuple[str, ...] = ()
    target_vocab: tuple[str, ...] = ()
    _S: dict[str, np.ndarray]  # split -> (N, T) source ids
    _Y: dict[str, np.ndarray]  # split -> (N, U) target ids

    def _target_of(self, S: np.ndarray) -> np.ndarray:
        """(N, U) target ids of the sources S (N, T)."""
        raise NotImplementedError

    def _make_splits(self, V: int, n_train: int, n_test: int) -> None:
        rng = np.random.default_rng(self.seed)
        train, test = split_sequences(rng, V, self.seq_len, n_train, n_test)
        self._S = {"train": train, "test": test}
        self._Y = {k: self._target_of(S) for k, S in self._S.items()}
        self.input_size = len(self.source_vocab)
        self.output_size = len(self.target_vocab)

    @property
    def n_train(self) -> int:
        return int(self._S["train"].shape[0])

    @property
    def n_test(self) -> int:
        return int(self._S["test"].shape[0])

    @property
    def out_len(self) -> int:
        """U, the length of every target sequence."""
        return int(self._Y["test"].shape[1])

    def _batch(self, split: str, idx: np.ndarray) -> PairBatch:
        S, Y = self._S[split][idx], self._Y[split][idx]  # (B, T), (B, U)
        return PairBatch(X=one_hot(S, self.input_size), Y=Y, mask=None,
                         tokens=[[self.source_vocab[i] for i in row] for row in S],
                         source=S, target_tokens=self.target_labels(Y))

    def target_labels(self, Y: np.ndarray) -> list[list[str]]:
        """Display labels of target (or predicted) ids (B, U)."""
        return [[self.target_vocab[i] for i in row] for row in np.asarray(Y)]

    def probe_batch(self) -> PairBatch:
        """The first 2 test pairs."""
        return self._batch("test", np.arange(min(2, self.n_test)))

    def metric(self, outputs: np.ndarray, batch: Batch) -> float:
        """Sequence accuracy of the logits outputs (B, U, V_out) against batch.Y (B, U)."""
        outputs = np.asarray(outputs)
        if outputs.shape != batch.Y.shape + (self.output_size,):
            raise ValueError(f"outputs must have shape {batch.Y.shape + (self.output_size,)}"
                             f", got {outputs.shape}")
        return sequence_accuracy(outputs.argmax(axis=-1), batch.Y)

    def default_model(self) -> dict:
        return dict(cell="lstm", input_size=self.input_size, hidden_size=64,
                    output_size=self.output_size, num_layers=1, bidirectional=False,
                    readout="all", init="xavier", init_scale=1.0, seed=0)


class ReverseTask(TransductionTask):
    """Read T random symbols, write them in reverse order."""

    name = "reverse"
    title = "Reverse a sequence (encoder-decoder)"

    def __init__(self, seq_len: int = 5, n_symbols: int = 8, n_train: int = 2000,
                 n_test: int = 500, seed: int = 0) -> None:
        self.seq_len = check_int("seq_len", seq_len, 1, 400)
        self.n_symbols = check_int("n_symbols", n_symbols, 2, 26)
        check_int("n_train", n_train, 1)
        check_int("n_test", n_test, 1)
        self.seed = check_int("seed", seed, 0)
        self.source_vocab = self.target_vocab = tuple(string.ascii_uppercase[:n_symbols])
        self._make_splits(self.n_symbols, n_train, n_test)
        T, V = self.seq_len, self.n_symbols
        self.explanation = (
            f"The encoder reads {T} random symbols out of {V} (A, B, ...), one step each. "
            "Its last hidden state is all the decoder gets: the decoder starts from it and "
            f"writes the {T} symbols in reverse order, one per step, reading its previous "
            "output as its next input (the true one while training: teacher forcing). "
            "A sample counts as right only if every symbol is right: guessing gets "
            f"(1/{V})^{T} of them. The first output is the symbol read last, the last "
            "output the symbol read first, the longest way through the bottleneck."
        )

    def _target_of(self, S):
        return S[:, ::-1].copy()


class DigitsTask(TransductionTask):
    """Digit words to digits: "three one four" -> "314"."""

    name = "digits"
    title = "Digit words to digits (encoder-decoder)"
    source_vocab = DIGIT_WORDS
    target_vocab = tuple(string.digits)

    def __init__(self, seq_len: int = 3, n_train: int = 2000, n_test: int = 500,
                 seed: int = 0) -> None:
        self.seq_len = check_int("seq_len", seq_len, 1, 400)
        check_int("n_train", n_train, 1)
        check_int("n_test", n_test, 1)
        self.seed = check_int("seed", seed, 0)
        self._make_splits(10, n_train, n_test)
        n = self.seq_len
        self.explanation = (
            f"The encoder reads {n} number words (\"three one four\"), one word per step. "
            f"The decoder starts from its last hidden state and writes the {n} digits "
            "(\"314\"), one per step, in the same order: a tiny translation from one "
            "vocabulary to another. The first digit belongs to the word read first, the "
            "longest way from input to output: compare its accuracy with the later digits'. "
            f"A sample counts as right only if all {n} digits are right: guessing gets "
            f"(1/10)^{n} of them."
        )

    def _target_of(self, S):
        return S.copy()
