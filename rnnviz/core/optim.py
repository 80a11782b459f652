"""Optimisers (SGD, momentum, Adam), gradient clipping, and one training step."""

from __future__ import annotations

import numpy as np

OPTIMIZERS = ("sgd", "momentum", "adam")


class Optimizer:
    """Updates params in place from grads. `lr` may be changed between steps (live)."""

    def __init__(self, lr: float):
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (0 < lr < 1e3):
            raise ValueError(f"lr must be a number in (0, 1000), got {lr!r}")
        self.lr = float(lr)
        self.t = 0  # steps taken
        self.state: dict[str, dict[str, np.ndarray]] = {}

    def step(self, params: dict, grads: dict) -> None:
        self.t += 1
        for k, p in params.items():
            self._update(k, p, grads[k])

    def _update(self, k, p, g):
        raise NotImplementedError

    def state_arrays(self) -> dict[str, np.ndarray]:
        """Flat {"slot/param": array} for saving (.npz)."""
        return {f"{s}/{k}": a for s, d in self.state.items() for k, a in d.items()}

    def load_state_arrays(self, arrays: dict[str, np.ndarray], t: int) -> None:
        self.t = int(t)
        self.state = {}
        for key, a in arrays.items():
            s, k = key.split("/", 1)
            self.state.setdefault(s, {})[k] = np.array(a)


class SGD(Optimizer):
    """p -= lr * g (the update of Victor Zhou's tutorial)."""

    name = "sgd"

    def _update(self, k, p, g):
        p -= self.lr * g


class Momentum(Optimizer):
    """Classical momentum: v = mu v - lr g; p += v."""

    name = "momentum"

    def __init__(self, lr: float, mu: float = 0.9):
        super().__init__(lr)
        self.mu = mu
        self.state["v"] = {}

    def _update(self, k, p, g):
        v = _slot(self.state["v"], k, p)
        v *= self.mu
        v -= self.lr * g
        p += v


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction.

    All parameters are updated as one flat vector: m, v and the gradient live in flat
    buffers (state["m"][k] and state["v"][k] are views into them), so a step costs a dozen
    NumPy calls however many parameter arrays the model has.
    """

    name = "adam"

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        super().__init__(lr)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.state["m"], self.state["v"] = {}, {}
        self._flat: _Flat | None = None

    def step(self, params: dict, grads: dict) -> None:
        self.t += 1
        t = self.t
        # a Python float, so a float32 model's update stays float32 (NumPy 2)
        lr_t = float(self.lr * np.sqrt(1 - self.beta2**t) / (1 - self.beta1**t))
        f = self._flat_for(params)
        np.concatenate([grads[k].ravel() for k in f.keys], out=f.g)
        m, v, g, u = f.m, f.v, f.g, f.u
        m *= self.beta1  # m = beta1 m + (1 - beta1) g
        m += np.multiply(g, 1 - self.beta1, out=u)
        v *= self.beta2  # v = beta2 v + (1 - beta2) g^2
        np.multiply(g, g, out=u)
        u *= 1 - self.beta2
        v += u
        np.sqrt(v, out=u)  # u = lr_t m / (sqrt(v) + eps)
        u += self.eps
        np.divide(m, u, out=u)
        u *= lr_t
        for k, du in zip(f.keys, f.u_views, strict=True):
            params[k] -= du

    def _flat_for(self, params: dict) -> _Flat:
        """The flat buffers for these parameters, (re)built when the parameters or the state
        arrays (loaded from a file) are not the ones they were built for."""
        for slot in ("m", "v"):  # a loaded state may lack a slot (saved before any step)
            self.state.setdefault(slot, {})
        f = self._flat
        if f is None or not f.fits(params, self.state):
            f = self._flat = _Flat(params, self.state)
        return f


class _Flat:
    """Adam's m, v, the gradient and scratch u as flat vectors over all parameters, in the
    order of the params dict; state["m"][k], state["v"][k] become views of m and v (the
    values they held are kept)."""

    def __init__(self, params: dict, state: dict):
        self.keys = tuple(params)
        self.arrays = tuple(params.values())
        self.m_slots, self.v_slots = state["m"], state["v"]
        self.shapes = tuple(params[k].shape for k in self.keys)
        self.dtype = next(iter(params.values())).dtype if params else np.dtype(float)
        n = sum(params[k].size for k in self.keys)
        self.m, self.v, self.g, self.u = (np.zeros(n, self.dtype) for _ in range(4))
        for slot, flat in (("m", self.m), ("v", self.v)):
            old = state[slot]
            for k, view in zip(self.keys, self.views(flat), strict=True):
                if k in old and old[k].shape == view.shape:
                    view[...] = old[k]
                old[k] = view
        self.u_views = tuple(self.views(self.u))

    def views(self, flat: np.ndarray):
        """Each parameter's part of a flat vector, shaped like the parameter (views)."""
        start = 0
        for shape in self.shapes:
            size = int(np.prod(shape))
            yield flat[start : start + size].reshape(shape)
            start += size

    def fits(self, params: dict, state: dict) -> bool:
        """Built for these very parameter arrays and state dicts (a loaded state is new)."""
        return (len(params) == len(self.keys) and state["m"] is self.m_slots
                and state["v"] is self.v_slots
                and all(params.get(k) is a for k, a in zip(self.keys, self.arrays, strict=True)))


def _slot(slots: dict, k: str, p: np.ndarray) -> np.ndarray:
    """The state array of parameter k, zeros like p on first use (not allocated every step)."""
    a = slots.get(k)
    if a is None:
        a = slots[k] = np.zeros_like(p)
    return a


def make_optimizer(name: str, lr: float) -> Optimizer:
    classes = {"sgd": SGD, "momentum": Momentum, "adam": Adam}
    if name not in classes:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {name!r}")
    return classes[name](lr)


def global_norm(grads: dict) -> float:
    return float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))


def clip_gradients(grads: dict, clip_norm: float | None = None,
                   clip_value: float | None = None) -> dict:
    """Clip in place; report what happened.

    clip_norm: rescale all gradients so their global norm is at most clip_norm (Keras's
    clipnorm). clip_value: np.clip every element to [-v, v] (V. Zhou's np.clip(d, -1, 1)).
    Returns {"norm_before", "norm_after", "clipped", "fraction"} (fraction of elements
    clipped by value, or 1.0/0.0 for norm clipping).
    """
    for name, v in (("clip_norm", clip_norm), ("clip_value", clip_value)):
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < float("inf")
        if v is not None and not ok:
            raise ValueError(f"{name} must be a finite number > 0 or None, got {v!r}")
    before = global_norm(grads)
    clipped, fraction = False, 0.0
    if clip_norm is not None and before > clip_norm:
        scale = clip_norm / before
        for g in grads.values():
            g *= scale
        clipped, fraction = True, 1.0
    if clip_value is not None:
        n_out = sum(int(np.count_nonzero(np.abs(g) > clip_value)) for g in grads.values())
        if n_out:
            for g in grads.values():
                np.clip(g, -clip_value, clip_value, out=g)
            clipped = True
            fraction = n_out / sum(g.size for g in grads.values())
    after = global_norm(grads) if clipped else before
    return {"norm_before": before, "norm_after": after, "clipped": clipped, "fraction": fraction}


def train_step(model, optimizer: Optimizer, X, Y, loss="cross_entropy", mask=None, h0=None,
               clip_norm=None, clip_value=None, record=True):
    """Forward, BPTT, clipping, update. Returns (loss, trace); trace.clip says what clipped.

    If the loss or any gradient is not finite the parameters are left untouched.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is a state, not a warning
        value, grads, trace = model.loss_and_grads(X, Y, loss=loss, h0=h0, mask=mask,
                                                   record=record)
        report = clip_gradients(grads, clip_norm, clip_value)
    trace.clip = report
    if np.isfinite(value) and np.isfinite(report["norm_before"]):
        optimizer.step(model.params, grads)
    return value, trace
