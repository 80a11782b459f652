"""A training run that advances in small steps for live display.

`TrainingRun.advance(seconds=..., max_epochs=...)` trains batch by batch until the time
budget is spent and returns; `step()` trains exactly one epoch. The run's randomness is one
Generator seeded from the model seed and drawn only at epoch starts (the shuffle), so the
same settings give the same run however the time budget slices it.

Memory is bounded on long runs: the per-epoch history keeps at most HISTORY_CAP rows, the
gradient-flow matrix GRAD_FLOW_CAP rows and the eigenvalue snapshots EIG_CAP; beyond that the
older half is thinned to every second epoch (the newest epochs stay dense). With T <= 400
steps that is at most 256 x 400 floats for the gradient flow.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from rnnviz.core.analysis import eigenvalues, recurrent_blocks, spectral_radius
from rnnviz.core.network import Model
from rnnviz.core.optim import make_optimizer, train_step
from rnnviz.tasks import bundled_text, make_task
from rnnviz.train.settings import SEQ2SEQ_TASKS, RunConfig

HISTORY_CAP = 20_000
# Largest batch recording one pass may hold: T x B x H x gates x layers x directions values
# (float64: 8 bytes each, so 25M is 200 MB). Bigger settings are refused with a message.
MAX_RECORDED = 25_000_000
GRAD_FLOW_CAP = 256
EIG_CAP = 64


def build_task(tc):
    """The Task object for a TaskConfig."""
    kw: dict = {}
    data = tc.data or {}
    if tc.name == "sentiment":
        kw = {"train": data.get("train"), "test": data.get("test")}
    elif tc.name == "charlm":
        if tc.text == "custom":
            if not data.get("text"):
                raise ValueError("text is 'custom' but no text was given: paste your text")
            kw["text"] = data["text"]
        else:
            kw["text"] = bundled_text("gettysburg") if tc.text == "bundled" else "hello world"
        if tc.seq_len:
            kw["seq_len"] = tc.seq_len
    elif tc.name == "sine":
        kw = {"freq": tc.freq, "noise": tc.noise, "seed": tc.seed}
        if data.get("series") is not None:
            kw["series"] = np.asarray(data["series"], dtype=float)
        if tc.seq_len:
            kw["window"] = tc.seq_len
    elif tc.name in ("adding", "copy", "reverse", "digits"):
        kw = {"seed": tc.seed}
        if tc.seq_len:
            kw["seq_len"] = tc.seq_len
        if tc.name in ("copy", "reverse"):
            kw["n_symbols"] = tc.n_symbols
    return make_task(tc.name, **kw)


def check_size(cfg: RunConfig, T: int) -> None:
    """Refuse settings whose per-batch record would exceed MAX_RECORDED values."""
    m = cfg.model
    gates = {"rnn": 2, "lstm": 7, "gru": 6}[m.cell]  # buffers per unit and step (cells.Cache)
    n = T * cfg.train.batch_size * m.hidden_size * gates * m.num_layers * m.num_directions
    if n > MAX_RECORDED:
        raise ValueError(
            f"these settings record {n / 1e6:.0f}M numbers per batch (sequence length {T} x "
            f"batch {cfg.train.batch_size} x hidden {m.hidden_size} x {m.num_layers} layer(s)"
            f" ...); the limit is {MAX_RECORDED / 1e6:.0f}M: lower the batch size, hidden "
            "size or sequence length"
        )


def _thin(rows: list, cap: int) -> None:
    """Keep every second entry of the older half once len(rows) > cap (in place)."""
    if len(rows) > cap:
        half = len(rows) // 2
        rows[:half] = rows[:half][::2]


class TrainingRun:
    """Model + optimiser + task + RNG + history; never raises on divergence.

    Subclasses (seq2seq_run.Seq2SeqRun) change the model (`_new_model`), the test-set
    record of an epoch (`_test_row`) and the probe snapshot (`_snapshot`)."""

    seq2seq = False  # trains the encoder-decoder tasks (settings.SEQ2SEQ_TASKS)

    def __init__(self, cfg: RunConfig, task=None):
        self.task = task if task is not None else build_task(cfg.task)
        t = self.task
        if getattr(t, "seq2seq", False) != self.seq2seq:
            kind = "an encoder-decoder" if self.seq2seq else "a single-network"
            raise ValueError(f"the {t.name} task cannot be trained by {kind} run (the "
                             "encoder-decoder tasks train on their own page)")
        model_cfg = replace(cfg.model, input_size=t.input_size, output_size=t.output_size,
                            readout=t.readout)
        seq_len = getattr(t, "seq_len", None) or getattr(t, "window", None)
        task_cfg = replace(cfg.task, seq_len=seq_len if t.name != "sentiment" else None)
        self.cfg = replace(cfg, model=model_cfg, task=task_cfg)  # as built, sizes resolved
        check_size(self.cfg, self._record_steps())
        self.model = self._new_model(model_cfg)
        self.opt = make_optimizer(cfg.train.optimizer, cfg.train.lr)
        self.rng = np.random.default_rng(model_cfg.seed)
        self.epoch = 0  # completed epochs
        self.batches = 0  # optimiser steps taken
        self.seconds = 0.0  # wall time spent training
        self.status = "ready"  # "ready", "training", "diverged at epoch N (gradient norm X)"
        self.diverged = False
        self.history: list[dict] = []
        self.grad_flow: list[tuple[int, np.ndarray]] = []  # (epoch, (T,) ||dL/dh_t|| probe)
        self.eig_history: list[tuple[int, np.ndarray]] = []  # (epoch, eigenvalues of W_hh)
        self._epoch_iter = None
        self._epoch_state = None  # RNG state at the start of the current epoch
        self._epoch_pos = 0  # batches done in the current epoch
        self._acc = self._new_acc()
        self._last_good = {k: v.copy() for k, v in self.model.params.items()}
        self.probe = self.task.probe_batch()
        self.probe_trace = None
        self._snapshot()

    # -- what a live page asks of any run (rnnviz.live.feed) ------------------------------
    @property
    def stopped(self) -> str | None:
        """Why the run cannot train on (it diverged: Reset recovers), or None."""
        return self.status if self.diverged else None

    def fresh(self) -> TrainingRun:
        """The same settings and data with fresh weights from the same seed (Reset)."""
        return type(self)(self.cfg, task=self.task)

    def release_buffers(self) -> None:
        """A paused run keeps no step buffers (see rnnviz.core.network.Model)."""
        self.model.release_buffers()

    def _new_model(self, model_cfg):
        return Model(model_cfg)

    def _record_steps(self) -> int:
        """Steps one recorded pass holds (check_size)."""
        return self.task.probe_batch().X.shape[1]

    # -- live settings ------------------------------------------------------------------
    def set_live(self, lr: float | None = None, clip: str | None = None,
                 clip_threshold: float | None = None) -> None:
        """Change the learning rate / clipping mid-run (no new model)."""
        train = self.cfg.train
        if lr is not None:
            self.opt.lr = float(lr)
            train = replace(train, lr=float(lr))
        if clip is not None:
            train = replace(train, clip=clip)
        if clip_threshold is not None:
            train = replace(train, clip_threshold=float(clip_threshold))
        self.cfg = replace(self.cfg, train=train)

    # -- training -----------------------------------------------------------------------
    def step(self) -> None:
        """Train exactly one (remaining) epoch."""
        start = self.epoch
        while not self.diverged and self.epoch == start:
            self._batch()

    def advance(self, seconds: float = 0.1, max_epochs: int | None = None) -> int:
        """Train for about `seconds` of wall time (at least one batch). Returns epochs done."""
        t0 = time.perf_counter()
        start = self.epoch
        while not self.diverged:
            self._batch()
            if max_epochs is not None and self.epoch - start >= max_epochs:
                break
            if time.perf_counter() - t0 >= seconds:
                break
        return self.epoch - start

    def in_progress(self) -> dict | None:
        """The epoch being trained now, so far: its number, the share of the training set
        seen and the mean train loss and metric over it (None before its first batch)."""
        a = self._acc
        if not a["n"] or self._epoch_iter is None:
            return None
        return {"epoch": self.epoch + 1, "done": a["n"] / self.task.n_train,
                "train_loss": a["loss"] / a["n"], "train_metric": a["metric"] / a["n"]}

    def _new_acc(self) -> dict:
        return {"loss": 0.0, "metric": 0.0, "n": 0, "norm": [], "norm_after": [],
                "clipped": 0, "fraction": 0.0, "steps": 0}

    def _batch(self) -> None:
        t0 = time.perf_counter()
        if self._epoch_iter is None:
            self._epoch_state = self.rng.bit_generator.state
            self._epoch_iter = self.task.train_batches(self.cfg.train.batch_size, self.rng)
            self._epoch_pos = 0
        batch = next(self._epoch_iter, None)
        if batch is None:
            self._end_epoch()
            self.seconds += time.perf_counter() - t0
            return
        tc, t = self.cfg.train, self.task
        loss, trace = train_step(self.model, self.opt, batch.X, batch.Y, loss=t.loss,
                                 mask=batch.mask, clip_norm=tc.clip_norm,
                                 clip_value=tc.clip_value, record=False)
        rep = trace.clip
        self._epoch_pos += 1
        self.batches += 1
        self.status = "training"
        if not (np.isfinite(loss) and np.isfinite(rep["norm_before"])):
            self._diverge(rep["norm_before"])
            return
        a, n = self._acc, batch.size
        a["loss"] += loss * n
        a["metric"] += t.metric(trace.outputs, batch) * n
        a["n"] += n
        a["norm"].append(rep["norm_before"])
        a["norm_after"].append(rep["norm_after"])
        a["clipped"] += int(rep["clipped"])
        a["fraction"] += rep["fraction"]
        a["steps"] += 1
        self.seconds += time.perf_counter() - t0

    def _diverge(self, norm: float) -> None:
        for k, v in self._last_good.items():
            self.model.params[k][...] = v
        self.diverged = True
        self.status = f"diverged at epoch {self.epoch + 1} (gradient norm {norm:.3g})"

    def _end_epoch(self) -> None:
        self._epoch_iter = None
        if not all(np.all(np.isfinite(p)) for p in self.model.params.values()):
            self._diverge(float("inf"))
            return
        self.epoch += 1
        a, t = self._acc, self.task
        steps = max(a["steps"], 1)
        p = self.model.params
        test = self._test_row()  # test_loss, test_<metric>, then the weights' own numbers
        row = {
            "epoch": self.epoch,
            "train_loss": a["loss"] / max(a["n"], 1),
            "test_loss": test.pop("test_loss"),
            f"train_{t.metric_name}": a["metric"] / max(a["n"], 1),
            f"test_{t.metric_name}": test.pop(f"test_{t.metric_name}"),
            "grad_norm": float(np.mean(a["norm"])) if a["norm"] else 0.0,
            "grad_norm_max": float(np.max(a["norm"])) if a["norm"] else 0.0,
            "grad_norm_after": float(np.mean(a["norm_after"])) if a["norm_after"] else 0.0,
            "clip_fraction": a["clipped"] / steps,
            "param_norm": float(np.sqrt(sum(float(np.vdot(v, v)) for v in p.values()))),
            **test,
            "lr": self.opt.lr,
            "seconds": self.seconds,
        }
        if not all(np.isfinite(v) for v in (row["test_loss"], row["param_norm"])):
            self._diverge(row["grad_norm_max"])
            return
        self.history.append(row)
        _thin(self.history, HISTORY_CAP)
        self._acc = self._new_acc()
        self._last_good = {k: v.copy() for k, v in p.items()}
        self._snapshot()

    def _test_row(self) -> dict:
        """The epoch's test-set record and the recurrent weights' norm and radius."""
        t, p = self.task, self.model.params
        test = t.test_batch()
        out, _ = self.model.forward(test.X, mask=test.mask)
        return {
            "test_loss": self.model.loss(test.X, test.Y, t.loss, mask=test.mask),
            f"test_{t.metric_name}": t.metric(out, test),
            "W_hh_norm": float(np.linalg.norm(p["W_hh"])),
            "rho_W_hh": max(spectral_radius(b) for b in recurrent_blocks(self.model).values()),
        }

    def _snapshot(self) -> None:
        """Probe trace (record=True, no update), gradient flow row, W_hh eigenvalues."""
        pb, t = self.probe, self.task
        with np.errstate(over="ignore", invalid="ignore"):
            _, _, tr = self.model.loss_and_grads(pb.X, pb.Y, t.loss, mask=pb.mask)
        self.probe_trace = tr
        self.grad_flow.append((self.epoch, tr.grad_norm.copy()))  # float64: may exceed 1e38
        _thin(self.grad_flow, GRAD_FLOW_CAP)
        blocks = recurrent_blocks(self.model)
        first = next(iter(blocks.values()))
        self.eig_history.append((self.epoch, eigenvalues(first)))
        _thin(self.eig_history, EIG_CAP)

    # -- views --------------------------------------------------------------------------
    def history_frame(self, max_rows: int | None = None):
        """History as a pandas DataFrame, one row per epoch; with max_rows, at most that
        many evenly spaced rows (first and last kept), picked before the frame is built."""
        import pandas as pd

        rows = self.history
        if max_rows is not None and len(rows) > max_rows:
            idx = np.unique(np.linspace(0, len(rows) - 1, max_rows).round().astype(int))
            rows = [rows[i] for i in idx]
        return pd.DataFrame(rows)

    def grad_flow_matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """(epochs (E,), ||dL/dh_t|| (E, T)) for the epoch x time-step heatmap."""
        epochs = np.array([e for e, _ in self.grad_flow])
        return epochs, np.stack([g for _, g in self.grad_flow])

    @property
    def steps_per_second(self) -> float:
        return self.batches / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> dict:
        """The CLI's --json record."""
        t = self.task
        h = self.history
        key = f"test_{t.metric_name}"
        best_epoch = None
        if h:
            vals = np.array([r[key] for r in h])
            best = vals.max() if t.higher_is_better else vals.min()
            best_epoch = int(h[int(np.flatnonzero(vals == best)[0])]["epoch"])
        last = h[-1] if h else {}
        return {
            "train_loss": last.get("train_loss"),
            "test_loss": last.get("test_loss"),
            "train_metric": last.get(f"train_{t.metric_name}"),
            "test_metric": last.get(key),
            "metric": t.metric_name,
            "epochs": self.epoch,
            "best_epoch": best_epoch,
            "status": self.status,
            "seconds": round(self.seconds, 3),
        }


def make_run(cfg: RunConfig, task=None) -> TrainingRun:
    """The run for cfg's task: a Seq2SeqRun for the encoder-decoder tasks
    (settings.SEQ2SEQ_TASKS), a TrainingRun for every other."""
    if cfg.task.name in SEQ2SEQ_TASKS:
        from rnnviz.train.seq2seq_run import Seq2SeqRun  # a subclass: imports this module

        return Seq2SeqRun(cfg, task)
    return TrainingRun(cfg, task)
