"""The encoder-decoder's training run: a TrainingRun whose model is core.seq2seq.Seq2Seq.

Training always uses teacher forcing (the decoder reads the true previous token). Every
epoch the test set is scored twice: generating (the decoder reads its own predictions, the
honest number: `test_seq_accuracy`) and teacher-forced (`..._tf`). `teacher` only picks
which of the two probe traces `probe_trace` shows; flipping it retrains nothing.

Per epoch, besides TrainingRun's rows: sequence and token accuracy in both modes, the
per-position accuracy (`position_matrix`) and ||dL/dh|| at every encoder and decoder step
of the probe (`grad_flow`, rows of T + U, encoder steps first).
"""

from __future__ import annotations

import numpy as np

from rnnviz.core.analysis import eigenvalues, spectral_radius
from rnnviz.core.seq2seq import Seq2Seq
from rnnviz.tasks.transduction import position_accuracy, sequence_accuracy, token_accuracy
from rnnviz.train import settings as cf
from rnnviz.train.run import EIG_CAP, GRAD_FLOW_CAP, TrainingRun, _thin

# Reversal at length 5 with an LSTM: >= 95% of unseen test sequences right (README numbers;
# tests/test_seq2seq_run.py). URL keys of settings.SETTINGS over the defaults.
RECIPES: dict[str, dict] = {
    "reverse-lstm": {"task": "reverse", "seq_len": 5, "symbols": 8, "cell": "lstm",
                     "hidden": 64, "init": "xavier", "opt": "adam", "lr": 0.003, "batch": 32,
                     "clip": "norm", "clip_at": 1.0, "epochs": 10},
    "digits-lstm": {"task": "digits", "seq_len": 3, "cell": "lstm", "hidden": 64,
                    "init": "xavier", "opt": "adam", "lr": 0.003, "batch": 32, "clip": "norm",
                    "clip_at": 1.0, "epochs": 10},
}


def recipe_config(name: str, **overrides) -> cf.RunConfig:
    """A recipe's RunConfig (float64), with settings overridden by URL key (seq_len=8)."""
    if name not in RECIPES:
        raise ValueError(f"recipe must be one of {', '.join(RECIPES)}; got {name!r}")
    cfg = cf.default_config()
    for key, value in (RECIPES[name] | overrides).items():
        cfg = cf.with_value(cfg, cf.BY_KEY[key], value)
    return cfg


def gate_blocks(W: np.ndarray) -> list[np.ndarray]:
    """(H, G*H) -> its G (H, H) gate blocks."""
    H = W.shape[0]
    return [W[:, k * H : (k + 1) * H] for k in range(W.shape[1] // H)]


class Seq2SeqRun(TrainingRun):
    """An encoder-decoder trained live: TrainingRun's protocol (advance, step, fresh,
    release_buffers, stopped, diverged, status, epoch, batches, history, summary).

    teacher: which probe trace `probe_trace` is (True: teacher-forced, False: generated).
    """

    seq2seq = True

    def __init__(self, cfg: cf.RunConfig, task=None, teacher: bool = False):
        self.teacher = bool(teacher)
        self.probe_traces: dict[bool, object] = {}  # teacher -> Seq2SeqTrace of the probe
        self.position_history: list[tuple[int, np.ndarray]] = []  # (epoch, (2, U)) test
        # accuracy per output position, row 0 generated, row 1 teacher-forced
        super().__init__(cfg, task)

    def fresh(self) -> Seq2SeqRun:
        """Reset: fresh weights from the same seed, the same data and teacher setting."""
        return Seq2SeqRun(self.cfg, task=self.task, teacher=self.teacher)

    def set_teacher(self, teacher: bool) -> None:
        """Show the probe teacher-forced (True) or generating (False); trains nothing."""
        self.teacher = bool(teacher)
        self.probe_trace = self.probe_traces[self.teacher]

    # -- TrainingRun's hooks ------------------------------------------------------------
    def _new_model(self, model_cfg) -> Seq2Seq:
        return Seq2Seq(model_cfg)

    def _record_steps(self) -> int:
        return self.T + self.U

    @property
    def T(self) -> int:
        """Encoder steps (input length)."""
        return int(self.task.seq_len)

    @property
    def U(self) -> int:
        """Decoder steps (output length)."""
        return int(self.task.out_len)

    def _test_row(self) -> dict:
        """Test loss (teacher-forced: the training objective), accuracies both ways, and
        the recurrent weights of both sides; records the per-position accuracy."""
        test, m = self.task.test_batch(), self.model
        with np.errstate(over="ignore", invalid="ignore"):
            forced = m.trace(test.X, test.Y, teacher=True)
            gen = m.trace(test.X, test.Y, teacher=False)
        Y = test.Y
        self.position_history.append((self.epoch, np.stack(
            [position_accuracy(gen.pred, Y), position_accuracy(forced.pred, Y)])))
        _thin(self.position_history, GRAD_FLOW_CAP)
        row = {"test_loss": forced.loss, "test_seq_accuracy": sequence_accuracy(gen.pred, Y),
               "test_token_accuracy": token_accuracy(gen.pred, Y),
               "test_loss_generated": gen.loss,
               "test_seq_accuracy_tf": sequence_accuracy(forced.pred, Y),
               "test_token_accuracy_tf": token_accuracy(forced.pred, Y)}
        for side in ("enc", "dec"):
            W = m.params[f"W_hh_{side}"]
            row[f"W_hh_{side}_norm"] = float(np.linalg.norm(W))
            row[f"rho_W_hh_{side}"] = max(spectral_radius(b) for b in gate_blocks(W))
        return row

    def _snapshot(self) -> None:
        """Both probe traces (with dL/dh, no update), the gradient-flow row (teacher-forced,
        the gradient training follows) and the encoder's first W_hh block's eigenvalues."""
        pb, m = self.probe, self.model
        with np.errstate(over="ignore", invalid="ignore"):
            for teacher in (True, False):
                self.probe_traces[teacher] = m.loss_and_grads(pb.X, pb.Y, teacher=teacher)[2]
        self.probe_trace = self.probe_traces[self.teacher]
        self.grad_flow.append((self.epoch, self.probe_traces[True].grad_norm.copy()))
        _thin(self.grad_flow, GRAD_FLOW_CAP)
        self.eig_history.append((self.epoch, eigenvalues(gate_blocks(m.params["W_hh_enc"])[0])))
        _thin(self.eig_history, EIG_CAP)

    # -- views --------------------------------------------------------------------------
    def position_matrix(self, teacher: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(epochs (E,), test accuracy per output position (E, U)); teacher None: run's."""
        row = int(self.teacher if teacher is None else teacher)
        epochs = np.array([e for e, _ in self.position_history], dtype=np.int64)
        acc = np.stack([a[row] for _, a in self.position_history]) if epochs.size else \
            np.zeros((0, self.U))
        return epochs, acc

    def grad_flow_sides(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(epochs (E,), encoder ||dL/dh_t|| (E, T), decoder ||dL/ds_u|| (E, U))."""
        epochs, flow = self.grad_flow_matrix()
        return epochs, flow[:, : self.T], flow[:, self.T :]

    def summary(self) -> dict:
        """TrainingRun's --json record plus both modes' accuracies and the per-position
        accuracy of the last epoch (generated; _tf: teacher-forced)."""
        out = super().summary()
        last = self.history[-1] if self.history else {}
        pos = self.position_history[-1][1] if self.position_history else None
        for key in ("test_seq_accuracy", "test_token_accuracy", "test_seq_accuracy_tf",
                    "test_token_accuracy_tf"):
            out[key] = last.get(key)
        out["test_position_accuracy"] = None if pos is None else [float(v) for v in pos[0]]
        out["test_position_accuracy_tf"] = None if pos is None else [float(v) for v in pos[1]]
        out["seq_len"], out["out_len"] = self.T, self.U
        return out
