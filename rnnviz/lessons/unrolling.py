"""Data for the unrolled-network figure: one probe sample's h_t and ||dL/dh_t|| per pattern.

Every number comes from the model (`Model.loss_and_grads` on the run's probe batch); nothing
here draws. Three input/output patterns (*RNNs Explained*):

- many-to-one: only the last step has an output y_T; the loss is on y_T alone.
- many-to-many: an output y_t at every step; the loss is the mean over the steps.
- one-to-many: only x_1 goes in, an output at every step. A character model (one direction)
  feeds each predicted character back as the next input, as in generation; otherwise the
  later inputs are zero vectors, so the network runs on its hidden state alone.

When the pattern is the run's own readout the run's probe record is used as is; otherwise
the same weights are read out the other way (a shallow model copy with another readout) on
the same probe batch, with targets made as `note` says. Gradients are of the probe batch's
mean loss in every case, so the widths of different patterns compare.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace

import numpy as np

from rnnviz.core.losses import softmax
from rnnviz.core.trace import Trace
from rnnviz.tasks import display_char, one_hot

PATTERNS = ("many-to-one", "many-to-many", "one-to-many")
BOUNDED = ("tanh", "sigmoid")  # vanilla activations whose h_t stays in [-1, 1]


@dataclass
class Unrolled:
    """One sample of one pass, ready for `rnnviz.figures.diagram.unrolled_figure`."""

    pattern: str  # one of PATTERNS
    h: np.ndarray  # (L, dirs, T, H) float32 hidden states of the sample
    grad: np.ndarray | None  # (L, dirs, T) float64 ||dL/dh_t|| of the sample (None: no backward)
    x_labels: list[str | None]  # T labels of x_t; None = no input at that step
    y_labels: list[str | None]  # T short labels of y_t; None = no output at that step
    y_hover: list[str]  # T hover lines of the outputs ("" where none)
    x_fed_back: bool = False  # inputs after the first are the previous predictions
    final_state_readout: bool = False  # y_T reads the final states ([h_fwd_T; h_rev_1])
    loss: float = float("nan")  # the probe batch's mean loss of this pattern
    hmax: float = 1.0  # colour range [-hmax, hmax] for h
    cell: str = "RNN"
    note: str = ""  # one line: how these numbers were computed

    @property
    def T(self) -> int:
        return int(self.h.shape[2])

    def figure_kwargs(self) -> dict:
        """Keyword arguments of `unrolled_figure` (add walk, compact, big, title)."""
        return dict(h=self.h, grad=self.grad, x_labels=self.x_labels, y_labels=self.y_labels,
                    y_hover=self.y_hover, x_fed_back=self.x_fed_back,
                    final_state_readout=self.final_state_readout, hmax=self.hmax,
                    cell=self.cell)


def default_pattern(readout: str) -> str:
    """The pattern a model with this readout trains: "last" -> many-to-one, "all" -> many."""
    return "many-to-one" if readout == "last" else "many-to-many"


def from_trace(trace: Trace, batch, sample: int = 0, task=None, pattern: str | None = None,
               cell: str = "rnn", activation: str = "tanh", note: str = "") -> Unrolled:
    """Cut one sample out of a recorded pass (no computation beyond norms and softmax).

    trace: a Trace of `batch` (the run's probe_trace, or one made here); pattern defaults to
    the trace's readout (outputs (B, O) -> many-to-one, (B, T, O) -> many-to-many).
    """
    B = batch.X.shape[0]
    if not 0 <= sample < B:
        raise ValueError(f"sample must be in [0, {B - 1}], got {sample}")
    per_step = trace.outputs.ndim == 3
    if pattern is None:
        pattern = "many-to-many" if per_step else "many-to-one"
    if pattern not in PATTERNS:
        raise ValueError(f"pattern must be one of {', '.join(PATTERNS)}; got {pattern!r}")
    Tb = int(batch.lengths[sample])  # real steps of this sample (padding cut off)
    h = np.stack([np.stack([lt.h[:Tb, sample] for lt in row]) for row in trace.layers])
    grad = None
    if trace.layers[0][0].dh is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            grad = np.stack([np.stack([np.linalg.norm(lt.dh[:Tb, sample], axis=-1)
                                       for lt in row]) for row in trace.layers])
        # float64: an exploding gradient passes float32's 3.4e38
    tokens = [str(s) for s in batch.tokens[sample][:Tb]]
    x_labels: list[str | None] = list(tokens)
    if pattern == "one-to-many":
        x_labels = [tokens[0]] + [None] * (Tb - 1)
    Y = np.asarray(batch.Y)[sample]
    if per_step:
        outs = trace.outputs[sample, :Tb]  # (Tb, O)
        targets = Y[:Tb] if Y.ndim >= 1 and len(Y) == batch.X.shape[1] else [Y] * Tb
        y_labels, y_hover = [], []
        for t in range(Tb):
            lab, hov = _describe_output(task, outs[t], targets[t])
            y_labels.append(lab)
            y_hover.append(f"y_{t + 1} = h_{t + 1} W_hy + b_y<br>{hov}")
    else:
        lab, hov = _describe_output(task, trace.outputs[sample], Y)
        y_labels = [None] * (Tb - 1) + [lab]
        y_hover = [""] * (Tb - 1) + [f"y_{Tb} (the only output)<br>{hov}"]
    with np.errstate(over="ignore"):  # a relu state past 3.4e38 shows as overflow, not a warning
        h = h.astype(np.float32)
    hmax = 1.0
    if cell == "rnn" and activation not in BOUNDED:
        finite = np.abs(h[np.isfinite(h)])
        hmax = float(max(finite.max(initial=0.0), 1e-6))
    nd = len(trace.layers[0])
    return Unrolled(pattern=pattern, h=h, grad=grad, x_labels=x_labels, y_labels=y_labels,
                    y_hover=y_hover, final_state_readout=not per_step and nd == 2,
                    loss=float(trace.loss) if trace.loss is not None else float("nan"),
                    hmax=hmax, cell=cell.upper(), note=note)


def unroll(model, task, batch, sample: int = 0, pattern: str | None = None,
           trace: Trace | None = None) -> Unrolled:
    """One probe sample unrolled in `pattern` (default: the model's own readout).

    trace: the run's recorded probe pass (used when the pattern is the model's own, so the
    numbers are exactly the Train page's); otherwise the pass is computed here.
    """
    cfg = model.cfg
    own = default_pattern(cfg.readout)
    pattern = pattern or own
    if pattern not in PATTERNS:
        raise ValueError(f"pattern must be one of {', '.join(PATTERNS)}; got {pattern!r}")
    kind = dict(cell=cfg.cell, activation=cfg.activation)
    if pattern == own and trace is not None and trace.layers[0][0].dh is not None:
        return from_trace(trace, batch, sample, task, pattern, note=(
            "The run's own probe pass: the loss and dL/dh_t the Train page records."), **kind)
    X, mask, Y = np.asarray(batch.X), batch.mask, np.asarray(batch.Y)
    B, T = X.shape[:2]
    lengths = batch.lengths
    fed_back, tokens = False, None
    if pattern == "many-to-one":
        view = _with_readout(model, "last")
        if cfg.readout == "all":  # the target of each sample's last real step
            Y = Y[np.arange(B), lengths - 1]
            note = ("Only y_T counts here: the loss is the last step's target alone "
                    "(this run trains an output at every step).")
        else:
            note = "The loss is on y_T alone, as this run trains."
    else:
        view = _with_readout(model, "all")
        if cfg.readout == "last":  # the sequence's target repeated at every step
            Y = np.repeat(Y[:, None], T, axis=1)
            target = "the sequence's target at every step (this run trains on y_T alone)"
        else:
            target = "the target of every step, as this run trains"
        note = f"An output y_t at every step (same W_hy); the loss puts {target}."
        if pattern == "one-to-many":
            vocab = getattr(task, "vocab", None)
            charlm = vocab is not None and task.input_size == task.output_size == len(vocab)
            if charlm and cfg.num_directions == 1:
                X, tokens = _feed_back(model, X[:, 0], T, task)
                fed_back = True
                note = ("One-to-many: x_1 goes in, then each predicted character (argmax y_t) "
                        "is fed back as x_{t+1}, as in generation; the loss compares the outputs "
                        "with the real text.")
            else:
                first = X[:, :1]
                X = np.concatenate([first, np.zeros((B, T - 1, X.shape[2]))], axis=1)
                why = " (a reverse chain cannot generate)" if charlm else ""
                note = ("One-to-many: only x_1 (the probe's first input) goes in; later inputs "
                        f"are zero vectors, so the network runs on its hidden state alone{why}. "
                        f"The loss puts {target}.")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        _, _, tr = view.loss_and_grads(X, Y, task.loss, mask=mask)
    out = from_trace(tr, _Batch(X, Y, mask, batch.tokens), sample, task, pattern, note=note,
                     **kind)
    if fed_back:
        out.x_labels = tokens[sample][: out.T]
        out.x_fed_back = True
    return out


@dataclass
class _Batch:
    X: np.ndarray
    Y: np.ndarray
    mask: np.ndarray | None
    tokens: list

    @property
    def lengths(self) -> np.ndarray:
        B, T = self.X.shape[:2]
        if self.mask is None:
            return np.full(B, T, dtype=np.int64)
        return np.asarray(self.mask).sum(axis=1).astype(np.int64)


def _with_readout(model, readout: str):
    """The same weights (shared, not copied) read out per step ("all") or at the end."""
    if model.cfg.readout == readout:
        return model
    view = copy.copy(model)
    view.cfg = replace(model.cfg, readout=readout)
    return view


def _feed_back(model, x1: np.ndarray, T: int, task) -> tuple[np.ndarray, list[list[str]]]:
    """Greedy generation from x_1 (B, V): X (B, T, V) of the inputs actually fed, and labels."""
    B, V = x1.shape
    xs, state = [x1[:, None]], None
    for _ in range(T - 1):
        with np.errstate(over="ignore", invalid="ignore"):
            out, state = model.forward(xs[-1], h0=state)  # out (B, 1, O) or (B, O)
        logits = out[:, -1] if out.ndim == 3 else out
        k = np.nan_to_num(logits, nan=-np.inf).argmax(axis=-1)  # (B,)
        xs.append(one_hot(k, V)[:, None])
    X = np.concatenate(xs, axis=1)  # (B, T, V)
    idx = X.argmax(axis=-1)
    tokens = [[display_char(task.vocab[i]) for i in row] for row in idx]
    return X, tokens


def _describe_output(task, logits: np.ndarray, target) -> tuple[str, str]:
    """A short label of one output and a hover line with the target."""
    logits = np.asarray(logits, dtype=np.float64)
    if task is None or getattr(task, "loss", "cross_entropy") == "cross_entropy":
        if not np.all(np.isfinite(logits)):
            return "?", "output is not finite"
        p = softmax(logits[None])[0]
        k = int(p.argmax())
        name, tname = _class_name(task, k), _class_name(task, int(np.asarray(target)))
        return name, f"prediction {name!r} (p = {p[k]:.2f}); target {tname!r}"
    v, tv = float(logits[0]), float(np.asarray(target, dtype=np.float64).ravel()[0])
    return f"{v:.2f}", f"prediction {v:.4f}; target {tv:.4f}"


def _class_name(task, k: int) -> str:
    classes = getattr(task, "classes", None)
    if classes is not None and 0 <= k < len(classes):
        return str(classes[k])[:3]
    vocab = getattr(task, "vocab", None)  # a character model predicts its input vocabulary
    if vocab is not None and task.output_size == len(vocab) and 0 <= k < len(vocab):
        return display_char(vocab[k])
    labels = getattr(task, "channel_labels", None)
    if labels is not None and 0 <= k < len(labels):
        return str(labels[k])
    return str(k)


def sample_label(batch, b: int, width: int = 40) -> str:
    """A short preview of probe sample b for a selector: its tokens without padding."""
    toks = [str(s) for s in batch.tokens[b][: int(batch.lengths[b])]]
    sep = "" if all(len(s) == 1 for s in toks) else " "
    text = sep.join(toks)
    return f"{b + 1}: {text[:width]}{'…' if len(text) > width else ''}"
