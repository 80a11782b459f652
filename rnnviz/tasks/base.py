"""Shared pieces of every task: the Batch container, the Task base class, padding and one-hot."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np

PAD = "<pad>"  # display label of a padding step


@dataclass
class Batch:
    """One batch of sequences, ready for the model.

    X: (B, T, D) float64 inputs.
    Y: cross-entropy: int64 (B,) (readout "last") or (B, T) (readout "all");
       mse: float64 (B, O) or (B, T, O).
    mask: (B, T) bool, True = real step, False = padding; None when every step is real.
    tokens: per sample, the display label of each of the T steps ("<pad>" for padding).
    """

    X: np.ndarray
    Y: np.ndarray
    mask: np.ndarray | None
    tokens: list[list[str]]

    @property
    def size(self) -> int:
        """B, the number of samples."""
        return int(self.X.shape[0])

    @property
    def lengths(self) -> np.ndarray:
        """(B,) int64: number of real steps per sample."""
        B, T = self.X.shape[:2]
        if self.mask is None:
            return np.full(B, T, dtype=np.int64)
        return self.mask.sum(axis=1).astype(np.int64)


class Baseline(NamedTuple):
    """The loss of an answer that learned nothing, and what it means.

    value: in the task's loss units (MSE or cross-entropy per scored step);
    label: short, for a chart's legend; hover: a sentence saying what the answer is and how
    the value follows from the task's definition or data."""

    value: float
    label: str
    hover: str


class Task:
    """Base class: a fixed training set, a fixed test set and a small probe batch.

    Subclasses set the class attributes, ``input_size``/``output_size`` and implement
    ``n_train``, ``n_test``, ``_batch(split, idx)``, ``probe_batch`` and ``default_model``.
    """

    name: str = ""
    title: str = ""
    explanation: str = ""
    readout: str = "last"  # "last" (many-to-one) or "all" (many-to-many)
    loss: str = "cross_entropy"  # "cross_entropy" or "mse"
    metric_name: str = "accuracy"  # "accuracy" or "mse"
    higher_is_better: bool = True
    input_size: int = 0  # D
    output_size: int = 0  # O

    # --- to implement -----------------------------------------------------------------
    @property
    def n_train(self) -> int:
        raise NotImplementedError

    @property
    def n_test(self) -> int:
        raise NotImplementedError

    def _batch(self, split: str, idx: np.ndarray) -> Batch:
        """Build a Batch from the samples ``idx`` of ``split`` ("train" or "test")."""
        raise NotImplementedError

    def probe_batch(self) -> Batch:
        """A fixed small batch (1-4 samples) for live figures; deterministic."""
        raise NotImplementedError

    def default_model(self) -> dict:
        """Keyword arguments for the core's ModelConfig."""
        raise NotImplementedError

    def _baselines(self) -> tuple[Baseline, ...]:
        """The task's no-learning baselines, the main one first (see ``baselines``)."""
        return (uniform_baseline(self.output_size, "classes"),)

    # --- shared -----------------------------------------------------------------------
    @cached_property
    def baselines(self) -> tuple[Baseline, ...]:
        """No-learning baselines for the loss charts, the main one first (computed once)."""
        return self._baselines()

    @property
    def baseline(self) -> Baseline:
        """The main no-learning baseline: the loss a network that learned nothing reaches."""
        return self.baselines[0]

    def train_batches(self, batch_size: int, rng: np.random.Generator) -> Iterator[Batch]:
        """One epoch: the training set shuffled with ``rng``, in batches (last may be smaller)."""
        check_int("batch_size", batch_size, 1)
        if not isinstance(rng, np.random.Generator):
            raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        order = rng.permutation(self.n_train)
        for start in range(0, self.n_train, batch_size):
            yield self._batch("train", order[start : start + batch_size])

    def test_batch(self) -> Batch:
        """The whole test set as one batch."""
        return self._batch("test", np.arange(self.n_test))

    def metric(self, outputs: np.ndarray, batch: Batch) -> float:
        """Accuracy (argmax of logits) or MSE of ``outputs`` against ``batch.Y``; skips padding."""
        outputs = np.asarray(outputs)
        Y = batch.Y
        if self.loss == "cross_entropy":
            if outputs.shape[:-1] != Y.shape or outputs.ndim != Y.ndim + 1:
                raise ValueError(
                    f"outputs must have shape {Y.shape + (self.output_size,)} "
                    f"(logits for labels of shape {Y.shape}), got {outputs.shape}"
                )
            correct = (outputs.argmax(axis=-1) == Y).astype(np.float64)  # (B,) or (B, T)
            weight = _step_weight(batch, Y.ndim == 2, correct.shape)
            return float((correct * weight).sum() / max(weight.sum(), 1.0))
        if outputs.shape != Y.shape:
            raise ValueError(f"outputs must have shape {Y.shape}, got {outputs.shape}")
        sq = ((outputs - Y) ** 2).mean(axis=-1)  # (B,) or (B, T): mean over O
        weight = _step_weight(batch, Y.ndim == 3, sq.shape)
        return float((sq * weight).sum() / max(weight.sum(), 1.0))

    def summary(self) -> dict:
        """Plain facts about the task for display."""
        return {
            "name": self.name,
            "title": self.title,
            "readout": self.readout,
            "loss": self.loss,
            "metric": self.metric_name,
            "input_size": self.input_size,
            "output_size": self.output_size,
            "n_train": self.n_train,
            "n_test": self.n_test,
        }


def uniform_baseline(n: int, what: str) -> Baseline:
    """Cross-entropy of a uniform guess over n outputs: -ln(1/n) = ln n."""
    v = float(np.log(n))
    return Baseline(v, f"uniform guess: ln {n} = {v:.3g}",
                    f"No learning: the same probability 1/{n} for each of the {n} {what}, "
                    f"about what a fresh network outputs. Cross-entropy −ln(1/{n}) = "
                    f"ln {n} = {v:.3f}.")


def entropy(counts: np.ndarray) -> float:
    """-sum p ln p of the frequencies counts / counts.sum() (0 ln 0 = 0), in nats."""
    p = np.asarray(counts, dtype=np.float64)
    p = p[p > 0] / p.sum()
    return float(-(p * np.log(p)).sum())


def _step_weight(batch: Batch, per_step: bool, shape: tuple) -> np.ndarray:
    """1.0 for real steps, 0.0 for padding; all ones when the target is one per sample."""
    if per_step and batch.mask is not None:
        return batch.mask.astype(np.float64)
    return np.ones(shape)


class ArrayTask(Task):
    """A task whose splits are stored as fixed-length arrays X (N, T, D) and Y."""

    _X: dict[str, np.ndarray]
    _Y: dict[str, np.ndarray]

    @property
    def n_train(self) -> int:
        return int(self._X["train"].shape[0])

    @property
    def n_test(self) -> int:
        return int(self._X["test"].shape[0])

    def _step_labels(self, X: np.ndarray) -> list[list[str]]:
        """Display labels for the steps of X (B, T, D)."""
        raise NotImplementedError

    def _batch(self, split: str, idx: np.ndarray) -> Batch:
        X = self._X[split][idx]  # (B, T, D)
        return Batch(X=X, Y=self._Y[split][idx], mask=None, tokens=self._step_labels(X))


def one_hot(indices: np.ndarray | Sequence[int], size: int) -> np.ndarray:
    """One-hot float64 vectors: indices of shape S -> (*S, size); index -1 gives a zero vector."""
    indices = np.asarray(indices, dtype=np.int64)
    out = np.zeros(indices.shape + (size,), dtype=np.float64)
    valid = indices >= 0
    np.put_along_axis(out, np.where(valid, indices, 0)[..., None], valid[..., None] * 1.0, axis=-1)
    return out


def pad_sequences(
    sequences: Sequence[np.ndarray], pad_value: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Pad (T_i, D) arrays at the END to the longest: returns X (B, T, D), mask (B, T) bool."""
    if len(sequences) == 0:
        raise ValueError("sequences is empty: need at least one (T, D) array")
    arrays = [np.asarray(s, dtype=np.float64) for s in sequences]
    for i, a in enumerate(arrays):
        if a.ndim != 2:
            raise ValueError(f"sequences[{i}] must be 2-D (T, D), got shape {a.shape}")
    D = arrays[0].shape[1]
    if any(a.shape[1] != D for a in arrays):
        got = [a.shape[1] for a in arrays]
        raise ValueError(f"all sequences must have D={D} features, got {got}")
    T = max(a.shape[0] for a in arrays)
    X = np.full((len(arrays), T, D), pad_value, dtype=np.float64)  # (B, T, D)
    mask = np.zeros((len(arrays), T), dtype=bool)  # (B, T)
    for b, a in enumerate(arrays):
        X[b, : len(a)] = a
        mask[b, : len(a)] = True
    return X, mask


def check_int(name: str, value, lo: int, hi: int | None = None) -> int:
    """Return ``value`` as int, or raise ValueError naming ``name`` if not an int in [lo, hi]."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < lo:
        raise ValueError(f"{name} must be >= {lo}, got {value}")
    if hi is not None and value > hi:
        raise ValueError(f"{name} must be <= {hi}, got {value}")
    return int(value)


def check_float(
    name: str,
    value,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
) -> float:
    """Return ``value`` as float, or raise ValueError naming ``name`` if outside the range."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if lo is not None and (v <= lo if lo_open else v < lo):
        raise ValueError(f"{name} must be {'>' if lo_open else '>='} {lo}, got {value}")
    if hi is not None and (v >= hi if hi_open else v > hi):
        raise ValueError(f"{name} must be {'<' if hi_open else '<='} {hi}, got {value}")
    return v


def format_value(v: float) -> str:
    """Display label of a real-valued step, e.g. 0.5312 -> "0.53"."""
    return f"{v:.2f}"
