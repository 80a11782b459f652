"""The gradient lab: vanishing and exploding gradients measured on real backward passes.

Every curve here comes from `Model.loss_and_grads` on one sequence with readout "last" and
an MSE loss on the last step only, so dL/dh_{T-k} is dL/dh_T carried back k steps through
the Jacobians dh_t/dh_{t-1} (the product formula of Mayank Sharma's guide). Distances are
counted from the loss: k = 0 is h_T, k = T-1 is h_1. Pure NumPy, no Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from rnnviz import numbers
from rnnviz.core.activations import MAX_DERIVATIVE, derivative
from rnnviz.core.analysis import (
    eigenvalues,
    jacobian_bound,
    recurrent_blocks,
    reference_curve,
    set_spectral_radius,
    spectral_radius,
)
from rnnviz.core.config import ModelConfig
from rnnviz.core.network import Model
from rnnviz.core.optim import make_optimizer, train_step
from rnnviz.train import settings as cf
from rnnviz.train.run import build_task

INPUT_SIZE = 4  # D of the lab's random input sequence
TARGET = 1.0  # the MSE target of the single output at the last step
MODES = ("scale", "radius")  # W_hh = scale x the initialiser's matrix | rescaled to radius
SWEEP = np.round(np.linspace(0.1, 3.0, 30), 4)  # scale or radius values of the phase diagram
THRESHOLDS = (1e-2, 1e-3)  # "the gradient has fallen below 1% (0.1%) of its value at the loss"
SEED_CLAIM = (5, 10)  # M. Sharma: vanilla RNNs "can remember information from 5-10 time steps"
TRUNCATIONS = (5, 10, 20)  # truncated-BPTT windows compared with full BPTT
SEED_MARKS = ((0.5, 10), (0.5, 20), (2.0, 10), (2.0, 20))  # Mayank Sharma's worked numbers
CANDIDATE = {"lstm": "cell", "gru": "candidate"}  # the gate block that plays vanilla W_hh
EIGEN_TITLE = {"rnn": "Eigenvalues of W_hh", "lstm": "Eigenvalues of W_hh, g block",
               "gru": "Eigenvalues of W_hh, n block"}


@dataclass(frozen=True)
class LabSettings:
    """The lab's controls (hashable: a cache key)."""

    T: int = 100  # sequence length
    hidden: int = 32  # H
    cell: str = "rnn"  # rnn | lstm | gru
    activation: str = "tanh"  # vanilla RNN only: tanh | relu | sigmoid
    init: str = "xavier"  # normal | xavier | orthogonal | identity
    mode: str = "scale"  # "scale": W_hh x value; "radius": W_hh rescaled to spectral radius
    value: float = 1.0  # the scale or the target spectral radius
    input_scale: float = 1.0  # x_t ~ N(0, 1) x input_scale: small keeps tanh near-linear
    seed: int = 0  # weights and inputs

    def validate(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}; got {self.mode!r}")
        if not (2 <= int(self.T) <= 10_000):
            raise ValueError(f"T must be in [2, 10000], got {self.T!r}")
        if not (0 < self.value < 1e3) or not (0 < self.input_scale < 1e3):
            raise ValueError("value and input_scale must be numbers in (0, 1000)")

    def model_config(self, bptt_truncate: int | None = None) -> ModelConfig:
        return ModelConfig(cell=self.cell, input_size=INPUT_SIZE, hidden_size=self.hidden,
                           output_size=1, activation=self.activation, readout="last",
                           init=self.init, bptt_truncate=bptt_truncate, seed=self.seed)


@dataclass
class Flow:
    """One real backward pass, every array indexed by the distance k = 0..T-1 from the loss."""

    grad: np.ndarray  # (T,) ||dL/dh_{T-k}||
    ratio: np.ndarray  # (T,) ||dL/dh_{T-k}|| / ||dL/dh_T||
    jac: np.ndarray  # (T,) ||dh_{T-k+1}/dh_{T-k}||_2, the k-th step back (jac[0] = nan)
    jac_prod: np.ndarray  # (T,) ||dh_T/dh_{T-k}||_2 (LSTM: of the state (h, c))
    bound: np.ndarray | None  # (T,) (||W_hh||_2 max|act'|)^k, vanilla cell only
    factor: float | None  # ||W_hh||_2 max|act'| (vanilla only)
    rho: float  # spectral radius of W_hh (the candidate block for LSTM/GRU)
    norm2: float  # ||W_hh||_2 (same block)
    eigs: np.ndarray  # eigenvalues of that block
    act_slope: float  # mean act'(a_t) over steps and units (1: linear; tanh/sigmoid/relu only)
    loss: float
    overflow: str | None  # what overflowed, in words; None when every number is finite
    first_bad: int | None  # the first k whose ||dL/dh_{T-k}|| is inf/NaN

    @property
    def T(self) -> int:
        return len(self.grad)

    @property
    def rate(self) -> np.ndarray:
        """(T,) (ratio_k)^(1/k): the average factor per step over the first k steps back."""
        k = np.arange(self.T, dtype=np.float64)
        with np.errstate(all="ignore"):
            out = np.exp(np.log(self.ratio) / k)
        out[0] = np.nan
        return out

    @property
    def end_ratio(self) -> float:
        """||dL/dh_1|| / ||dL/dh_T||."""
        return float(self.ratio[-1])


@dataclass
class Sweep:
    """The phase diagram: ||dL/dh_1|| / ||dL/dh_T|| for each W_hh scale (or radius)."""

    values: np.ndarray  # (N,) the scale or radius
    rho: np.ndarray  # (N,) spectral radius of W_hh at each value
    ratio: np.ndarray  # (N,) ||dL/dh_1|| / ||dL/dh_T|| (inf/nan where it overflowed)
    mode: str


@dataclass
class ClipDemo:
    """The same run trained with and without clipping, one entry per optimiser step."""

    loss: dict[str, np.ndarray]  # label -> (steps,) training loss (nan after divergence)
    norm: dict[str, np.ndarray]  # label -> (steps,) global gradient norm before clipping
    status: dict[str, str]  # label -> "diverged at step N ..." or "finite after N steps"
    diverged_at: dict[str, int | None]  # label -> the first step with a non-finite number
    clip_at: float
    description: str = field(default="")


# -- the network and its one sequence -------------------------------------------------------
def build(s: LabSettings, bptt_truncate: int | None = None) -> Model:
    """The lab's network with W_hh scaled (mode "scale") or set to spectral radius (mode
    "radius"), every gate block alike."""
    s.validate()
    model = Model(s.model_config(bptt_truncate))
    set_w_hh(model, s.mode, s.value)
    return model


def set_w_hh(model: Model, mode: str, value: float, base: dict | None = None) -> None:
    """Scale W_hh (from `base`, the initialiser's matrices, if given) or set its radius."""
    for name, W in model.params.items():
        if name.startswith("W_hh"):
            if base is not None:
                W[...] = base[name]
            if mode == "scale":
                W *= value
    if mode == "radius":
        set_spectral_radius(model, value)


def sequence(s: LabSettings) -> tuple[np.ndarray, np.ndarray]:
    """X (1, T, D) ~ N(0, 1) x input_scale and the target Y (1, 1)."""
    rng = np.random.default_rng(s.seed + 1)
    X = rng.standard_normal((1, s.T, INPUT_SIZE)) * s.input_scale
    return X, np.full((1, 1), TARGET)


def _pass(model: Model, X, Y):
    with np.errstate(all="ignore"):  # overflow is a finding, reported in words
        return model.loss_and_grads(X, Y, loss="mse")


def by_distance(a: np.ndarray) -> np.ndarray:
    """(T,) in time order -> (T,) indexed by k = T-1-t."""
    return np.ascontiguousarray(np.asarray(a, dtype=np.float64)[::-1])


def relative(grad: np.ndarray) -> np.ndarray:
    """||dL/dh_{T-k}|| / ||dL/dh_T||; nan where that is undefined."""
    with np.errstate(all="ignore"):
        return grad / grad[0] if np.isfinite(grad[0]) and grad[0] > 0 else grad * np.nan


def measure(s: LabSettings) -> Flow:
    """One real forward/backward pass of the lab's network and everything it shows."""
    model = build(s)
    X, Y = sequence(s)
    loss, _, tr = _pass(model, X, Y)
    lt = tr.top[0]
    grad = by_distance(tr.grad_norm)
    with np.errstate(all="ignore"):
        jac = by_distance(lt.jac_norm(0))  # jac[k] = ||dh_{T-k}/dh_{T-k-1}||
        jac = np.concatenate([[np.nan], jac[:-1]])  # -> the k-th step back, k = 1..T-1
        jac_prod = by_distance(lt.jac_prod_norm(0))
    blk = block(model)
    vanilla = s.cell == "rnn"
    factor = float(np.linalg.norm(blk, 2) * MAX_DERIVATIVE[s.activation]) if vanilla else None
    eigs = eigenvalues(blk)
    with np.errstate(all="ignore"):  # a bound beyond float64 is inf (not plotted)
        bound = jacobian_bound(blk, s.activation, s.T - 1) if vanilla else None
        slope = derivative(s.activation, lt.h) if vanilla else None
        slope = float(np.nanmean(slope)) if slope is not None else float("nan")
    bad = np.flatnonzero(~np.isfinite(grad))
    first_bad = int(bad[0]) if bad.size else None
    return Flow(grad=grad, ratio=relative(grad), jac=jac, jac_prod=jac_prod, bound=bound,
                factor=factor, rho=float(np.max(np.abs(eigs))), norm2=float(np.linalg.norm(
                    blk, 2)), eigs=eigs, act_slope=slope, loss=float(loss),
                overflow=_overflow(lt.h, loss, first_bad), first_bad=first_bad)


def block(model: Model) -> np.ndarray:
    """W_hh of a vanilla RNN; the candidate block (LSTM g, GRU n) of a gated cell."""
    blocks = recurrent_blocks(model)
    return blocks.get(CANDIDATE.get(model.cfg.cell, "W_hh"), next(iter(blocks.values())))


FLOAT_MAX = f"{np.finfo(np.float64).max:.2g}"  # where float64 ends


def _overflow(h: np.ndarray, loss: float, first_bad: int | None) -> str | None:
    if not np.all(np.isfinite(h)):
        t = int(np.flatnonzero(~np.all(np.isfinite(h), axis=(1, 2)))[0]) + 1
        return (f"overflow: the forward pass itself blew up, h_t is inf/NaN from step t = {t} "
                f"on (float64 ends at {FLOAT_MAX}), so the loss and every gradient are inf/NaN")
    if not np.isfinite(loss):
        return "overflow: the loss is inf (the output is beyond float64), so is every gradient"
    if first_bad is not None:
        return (f"overflow: ||dL/dh_t|| is inf/NaN from k = {first_bad} steps back on "
                f"(beyond float64's {FLOAT_MAX}); those steps are not plotted")
    return None


# -- reading the curve: the guide's "5-10 steps" --------------------------------------------
def steps_below(ratio: np.ndarray, threshold: float) -> int | None:
    """The first distance k >= 1 where the gradient ratio is below `threshold` (None: never)."""
    with np.errstate(invalid="ignore"):
        hit = np.flatnonzero(np.asarray(ratio)[1:] < threshold)
    return int(hit[0]) + 1 if hit.size else None


def claim_check(flow: Flow, cell: str = "rnn") -> tuple[str, str]:
    """(kind, text) testing the guide's "vanilla RNNs remember 5-10 time steps" on this flow.

    kind is "success" (within 5-10), "warning" (outside) or "error" (nothing to check).
    """
    if flow.overflow and flow.first_bad == 0:
        return "error", f"No check possible: {flow.overflow}."
    if not np.isfinite(flow.ratio[0]):
        return "error", "No check possible: the gradient at the loss is exactly 0."
    lo, hi = SEED_CLAIM
    claim = f"the '{lo}-{hi} steps' a vanilla RNN remembers in Mayank Sharma's guide"
    if cell != "rnn":
        claim += f" (this is an untrained {cell.upper()}, not a vanilla RNN)"
    k1, k2 = (steps_below(flow.ratio, th) for th in THRESHOLDS)
    back = flow.T - 1
    if k1 is None:
        grows = np.nanmax(flow.ratio) > 1
        return "warning", (
            f"On these settings the gradient never falls below 1% of its value at the loss "
            f"within the {back} steps back of this sequence"
            + (" — it grows instead (exploding)" if grows else "")
            + f": {claim} does not hold here.")
    after = "within" if lo <= k1 <= hi else ("sooner than" if k1 < lo else "later than")
    k2_text = f"below 0.1% after {k2}" if k2 is not None else f"never below 0.1% in {back}"
    return ("success" if lo <= k1 <= hi else "warning"), (
        f"On these settings the gradient falls below 1% after **{k1} steps** ({k2_text}): "
        f"{after} {claim}.")


def seed_marks() -> list[tuple[int, float, str]]:
    """(k, factor^k, label) for Mayank Sharma's 0.5^10, 0.5^20, 2^10, 2^20, computed here."""
    out = []
    for f, k in SEED_MARKS:
        v = float(reference_curve(f, k)[k])
        out.append((k, v, f"{f:g}^{k} = " + (f"{v:,.0f}" if v >= 1 else f"{v:.2g}")))
    return out


def references(T: int) -> dict[str, np.ndarray]:
    """The guide's reference curves 0.5^k and 2^k, k = 0..T-1."""
    return {"0.5^k (Mayank Sharma's guide)": reference_curve(0.5, T - 1),
            "2^k (Mayank Sharma's guide)": reference_curve(2.0, T - 1)}


# -- the phase diagram ------------------------------------------------------------------------
def sweep(s: LabSettings, values=SWEEP) -> Sweep:
    """||dL/dh_1|| / ||dL/dh_T|| for each W_hh scale (or radius): one real pass each.

    The same initial matrices, inputs and target throughout; only W_hh's size changes.
    """
    model = build(replace(s, mode="scale", value=1.0))
    base = {k: v.copy() for k, v in model.params.items() if k.startswith("W_hh")}
    X, Y = sequence(s)
    ratio, rho = np.empty(len(values)), np.empty(len(values))
    for i, v in enumerate(values):
        set_w_hh(model, s.mode, float(v), base)
        _, _, tr = _pass(model, X, Y)
        g = tr.grad_norm
        with np.errstate(all="ignore"):
            ratio[i] = g[0] / g[-1] if np.isfinite(g[-1]) and g[-1] > 0 else np.nan
        rho[i] = spectral_radius(block(model))
    return Sweep(values=np.asarray(values, dtype=np.float64), rho=rho, ratio=ratio, mode=s.mode)


def edge(sw: Sweep) -> float | None:
    """The first swept value where the ratio reaches 1 (log-interpolated); None if none."""
    with np.errstate(all="ignore"):
        lr = np.log(sw.ratio)
    for i in range(1, len(lr)):
        a, b = lr[i - 1], lr[i]
        if np.isfinite(a) and a < 0 and (b >= 0 or not np.isfinite(b)):
            if not np.isfinite(b):
                return float(sw.values[i])
            return float(sw.values[i - 1] + (sw.values[i] - sw.values[i - 1]) * -a / (b - a))
    return None


# -- truncated BPTT --------------------------------------------------------------------------
def truncation(s: LabSettings, ks=TRUNCATIONS) -> dict[int | None, np.ndarray]:
    """||dL/dh_{T-k}|| / ||dL/dh_T|| by distance for full BPTT (key None) and each window k.

    The same weights and sequence; ModelConfig(bptt_truncate=k) cuts the backward pass so a
    loss at the last step reaches exactly k hidden states (distances 0..k-1), then exact 0.
    """
    full = build(s)
    X, Y = sequence(s)
    out = {}
    for k in (None, *ks):
        model = full if k is None else Model(s.model_config(bptt_truncate=k))
        if k is not None:
            for name, p in model.params.items():
                p[...] = full.params[name]
        _, _, tr = _pass(model, X, Y)
        out[k] = relative(by_distance(tr.grad_norm))
    return out


# -- clipping ---------------------------------------------------------------------------------
def clipping_demo(steps: int = 100, clip_at: float = 1.0, preset: str = "exploding",
                  ) -> ClipDemo:
    """Train the preset (the exploding-gradients setting) twice from the same start: without
    clipping and with global-norm clipping at `clip_at`; record every step.

    Same task, initial weights and batch order as `TrainingRun`; a run stops at the first
    step whose loss or gradient norm is inf/NaN (`train_step` then leaves the weights alone).
    """
    cfg = cf.preset_config(preset)
    task = build_task(cfg.task)
    mcfg = replace(cfg.model, input_size=task.input_size, output_size=task.output_size,
                   readout=task.readout)
    labels = {"no clipping": None, f"clipped at {clip_at:g}": float(clip_at)}
    demo = ClipDemo({}, {}, {}, {}, clip_at, description=cf.PRESETS[preset].text)
    for label, clip in labels.items():
        model, opt = Model(mcfg), make_optimizer(cfg.train.optimizer, cfg.train.lr)
        rng = np.random.default_rng(mcfg.seed)
        loss, norm = np.full(steps, np.nan), np.full(steps, np.nan)
        n, bad, epoch = 0, None, 0
        while n < steps and bad is None:
            epoch += 1
            for batch in task.train_batches(cfg.train.batch_size, rng):
                value, tr = train_step(model, opt, batch.X, batch.Y, loss=task.loss,
                                       mask=batch.mask, clip_norm=clip, record=False)
                loss[n], norm[n] = value, tr.clip["norm_before"]
                n += 1
                if not (np.isfinite(value) and np.isfinite(norm[n - 1])):
                    bad = n
                if bad is not None or n >= steps:
                    break
        demo.loss[label], demo.norm[label], demo.diverged_at[label] = loss, norm, bad
        if bad is None:
            demo.status[label] = (f"finite after {steps} steps (largest gradient norm before "
                                  f"clipping {np.max(norm):.3g}, last loss {loss[-1]:.3g})")
        else:
            prev = f"{norm[bad - 2]:.3g}" if bad > 1 else "n/a"
            demo.status[label] = (f"diverged at step {bad} (epoch {epoch}): loss "
                                  f"{loss[bad - 1]:.3g}, gradient norm {norm[bad - 1]:.3g}; "
                                  f"the step before had gradient norm {prev}")
    return demo


# -- words for the page (numbers in them are computed, never typed) ------------------------
def rho_one(sw: Sweep) -> float | None:
    """The swept value at which rho(W_hh) = 1 (rho is linear in the scale)."""
    if sw.mode == "radius":
        return 1.0
    rho0 = sw.rho[-1] / sw.values[-1]
    return float(1.0 / rho0) if rho0 > 0 else None


def sweep_note(sw: Sweep) -> str:
    """One sentence on where the swept ratio crosses 1."""
    name = "scale" if sw.mode == "scale" else "ρ"
    e, one = edge(sw), rho_one(sw)
    if e is None:
        verb = "vanishes" if np.nanmax(sw.ratio) < 1 else "grows"
        where = f" (ρ(W_hh) = 1 at {name} {one:.2f})" if one else ""
        return (f"Over the whole sweep the gradient {verb}: ||dL/dh_1|| / ||dL/dh_T|| never "
                f"crosses 1{where}.")
    rho = float(np.interp(e, sw.values, sw.rho))
    return (f"In this sweep the ratio crosses 1 at {name} ≈ {e:.2f}, where ρ(W_hh) ≈ "
            f"{rho:.2f}: vanishing below, exploding above.")




fmt = numbers.measured  # how the page shows a measured metric (rnnviz/numbers.py)
