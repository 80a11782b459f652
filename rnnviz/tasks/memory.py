"""Long-memory benchmarks: the adding problem and copy/recall of the first symbol."""

from __future__ import annotations

import string
from fractions import Fraction

import numpy as np

from rnnviz.tasks.base import ArrayTask, Baseline, Batch, check_int, format_value, one_hot


class AddingTask(ArrayTask):
    """Adding problem (Hochreiter & Schmidhuber, 1997): add the two marked numbers."""

    name = "adding"
    title = "Adding problem (long memory, many-to-one)"
    readout = "last"
    loss = "mse"
    metric_name = "mse"
    higher_is_better = False
    value_range = (0.0, 1.0)  # each step's value ~ U(low, high)

    def __init__(self, seq_len: int = 50, n_train: int = 2000, n_test: int = 500, seed: int = 0):
        """Random sequences of (value ~ U(0,1), marker) pairs; the target is the marked sum."""
        self.seq_len = check_int("seq_len", seq_len, 2)
        check_int("n_train", n_train, 1)
        check_int("n_test", n_test, 1)
        self.seed = check_int("seed", seed, 0)
        rng = np.random.default_rng(self.seed)
        self._X, self._Y = {}, {}
        for split, n in (("train", n_train), ("test", n_test)):
            self._X[split], self._Y[split] = self._generate(rng, int(n))
        self.input_size = 2
        self.output_size = 1
        self.explanation = (
            f"Each input step $x_t$ has 2 numbers: a value drawn uniformly from [0, 1] and a "
            f"marker (0 or 1). Exactly two steps are marked, one in the first half and one in "
            f"the second half of the {self.seq_len} steps. The target, read after the last "
            "step, is the sum of the two marked values (mean squared error). This is the "
            "classic long-memory test of Hochreiter & Schmidhuber's LSTM paper: the network "
            "must hold the first marked value for up to "
            f"{self.seq_len - 1} steps. Always predicting {self.mean_sum:.1f} gives MSE ≈ "
            f"{self.baseline.value:.3f} — the baseline to beat; a vanilla RNN often stalls "
            "there on long sequences while an LSTM or GRU gets far below it."
        )

    @property
    def mean_sum(self) -> float:
        """E[u1 + u2] = low + high: the best constant answer under MSE."""
        return self.value_range[0] + self.value_range[1]

    def _baselines(self) -> tuple[Baseline, ...]:
        """Always answering E[u1 + u2]: MSE = Var(u1 + u2) = 2 (high - low)^2 / 12."""
        lo, hi = self.value_range
        var = (2 * Fraction(hi - lo) ** 2 / 12).limit_denominator(1000)  # 2 x Var U(lo, hi)
        v, m = float(var), self.mean_sum
        return (Baseline(
            v, f"always {m:.1f}: MSE {var} = {v:.3f}",
            f"No learning: always answer {m:.1f}, the mean of the sum of two values drawn "
            f"uniformly from [{lo:g}, {hi:g}]. Its MSE is the variance of that sum: "
            f"2 × {hi - lo:g}²/12 = {var} ≈ {v:.3f}. A network at this line has not "
            "learned to pick out and hold the marked values."),)

    def _generate(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        T, half = self.seq_len, self.seq_len // 2
        values = rng.uniform(*self.value_range, size=(n, T))  # (B, T)
        i1 = rng.integers(0, half, size=n)  # (B,) marker in the first half
        i2 = rng.integers(half, T, size=n)  # (B,) marker in the second half
        markers = np.zeros((n, T))
        rows = np.arange(n)
        markers[rows, i1] = 1.0
        markers[rows, i2] = 1.0
        X = np.stack([values, markers], axis=-1)  # (B, T, 2)
        Y = (values[rows, i1] + values[rows, i2])[:, None]  # (B, 1)
        return X, Y

    def _step_labels(self, X: np.ndarray) -> list[list[str]]:
        return [[f"[{format_value(v)}]" if m else format_value(v) for v, m in row] for row in X]

    def probe_batch(self) -> Batch:
        """The first 2 test sequences."""
        return self._batch("test", np.arange(min(2, self.n_test)))

    def default_model(self) -> dict:
        return dict(
            cell="rnn", input_size=2, hidden_size=64, output_size=1, num_layers=1,
            bidirectional=False, activation="tanh", readout="last", init="orthogonal",
            init_scale=1.0, seed=0,
        )  # fmt: skip


class CopyTask(ArrayTask):
    """Recall the symbol shown at step 0 when the recall marker arrives at the last step."""

    name = "copy"
    title = "Copy / recall the first symbol (long memory, many-to-one)"
    readout = "last"
    loss = "cross_entropy"
    metric_name = "accuracy"
    higher_is_better = True

    def __init__(
        self, seq_len: int = 20, n_symbols: int = 4, n_train: int = 2000, n_test: int = 500,
        seed: int = 0, n_distractors: int = 4,
    ) -> None:  # fmt: skip
        """Channels: n_symbols symbols, then n_distractors distractors, then 1 recall marker."""
        self.seq_len = check_int("seq_len", seq_len, 2)
        self.n_symbols = check_int("n_symbols", n_symbols, 2, 26)
        self.n_distractors = check_int("n_distractors", n_distractors, 0, 26)
        check_int("n_train", n_train, 1)
        check_int("n_test", n_test, 1)
        self.seed = check_int("seed", seed, 0)
        self.input_size = self.n_symbols + self.n_distractors + 1  # D
        self.output_size = self.n_symbols  # O
        self.recall_channel = self.input_size - 1
        rng = np.random.default_rng(self.seed)
        self._X, self._Y = {}, {}
        for split, n in (("train", n_train), ("test", n_test)):
            self._X[split], self._Y[split] = self._generate(rng, int(n))
        # Display labels: symbols "A", "B", ...; distractors "a", "b", ...; blank "·"; recall "?".
        self.channel_labels = (
            list(string.ascii_uppercase[: self.n_symbols])
            + list(string.ascii_lowercase[: self.n_distractors])
            + ["?"]
        )
        filler = (
            f"random distractors from {self.n_distractors} separate channels (a, b, ...)"
            if self.n_distractors else "blanks (all-zero inputs)"
        )  # fmt: skip
        middle = (
            f"Steps 1 to {self.seq_len - 2} carry {filler}, and the last"
            if self.seq_len > 2
            else "The next and last"
        )
        self.explanation = (
            f"Step 0 shows one of {self.n_symbols} symbols (A, B, ...) as a one-hot vector. "
            f"{middle} step carries a 'recall' marker (?). The target, read after the last "
            "step, is the symbol from step 0, so the dependency spans all "
            f"{self.seq_len} steps (cross-entropy, accuracy). Chance accuracy is "
            f"1/{self.n_symbols} = {1 / self.n_symbols:.0%}. Raise seq_len and compare the "
            "cells on the Compare page: which cell keeps the symbol is an experiment, not a "
            "given. A vanilla RNN whose W_hh starts orthogonal can hold one symbol for a long "
            "time; the adding problem, which must keep a number, is the harder test."
        )

    def _generate(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        T, S, K = self.seq_len, self.n_symbols, self.n_distractors
        symbols = rng.integers(0, S, size=n)  # (B,) the symbol to remember
        channel = np.full((n, T), -1, dtype=np.int64)  # (B, T); -1 = blank step
        channel[:, 0] = symbols
        if K and T > 2:
            channel[:, 1 : T - 1] = S + rng.integers(0, K, size=(n, T - 2))
        channel[:, T - 1] = self.input_size - 1  # recall marker
        return one_hot(channel, self.input_size), symbols.astype(np.int64)  # (B, T, D), (B,)

    def _baselines(self) -> tuple[Baseline, ...]:
        """No memory: the scored step's input (the recall marker) is the same in every
        sequence, so the best answer is the target's marginal, uniform over the symbols."""
        S = self.n_symbols
        v = float(np.log(S))  # H(uniform over S) = -sum 1/S ln(1/S)
        return (Baseline(
            v, f"no memory: ln {S} = {v:.3f}",
            f"No memory: the answer is read at the last step, whose input is the recall "
            f"marker ? in every sequence, so a network that kept nothing from step 0 gives "
            f"every sequence the same answer. The best one is the symbols' own distribution: "
            f"step 0's symbol is drawn uniformly, 1/{S} each, so cross-entropy = ln {S} = "
            f"{v:.3f} and accuracy 1/{S} = {1 / S:.0%}."),)

    def _step_labels(self, X: np.ndarray) -> list[list[str]]:
        active = X.any(axis=-1)  # (B, T)
        ch = X.argmax(axis=-1)  # (B, T)
        return [
            [self.channel_labels[c] if a else "·" for c, a in zip(crow, arow, strict=True)]
            for crow, arow in zip(ch, active, strict=True)
        ]

    def probe_batch(self) -> Batch:
        """The first 2 test sequences."""
        return self._batch("test", np.arange(min(2, self.n_test)))

    def default_model(self) -> dict:
        return dict(
            cell="rnn", input_size=self.input_size, hidden_size=64, output_size=self.n_symbols,
            num_layers=1, bidirectional=False, activation="tanh", readout="last",
            init="orthogonal", init_scale=1.0, seed=0,
        )  # fmt: skip
