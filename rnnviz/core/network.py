"""Model: stacked, optionally bidirectional recurrent network with a linear readout.

h_t = act(x_t @ W_xh + h_{t-1} @ W_hh + b_h)        (row vectors, seeds 000/001)
y_t = h_t @ W_hy + b_y                              (readout "all": every t; "last": final h)
"""

from __future__ import annotations

import numpy as np

from rnnviz.core import layer as lyr
from rnnviz.core.cells import make_cell
from rnnviz.core.config import LOSSES, ModelConfig
from rnnviz.core.fast import background
from rnnviz.core.fast.sums import column_sums
from rnnviz.core.fast.workspace import Workspace
from rnnviz.core.init import init_params, suffix
from rnnviz.core.losses import LOSSES as LOSS_FNS
from rnnviz.core.trace import LayerTrace, Trace


class Model:
    """A recurrent network whose every forward/backward pass can be recorded."""

    def __init__(self, cfg: ModelConfig):
        cfg.validate()
        self.cfg = cfg
        self.cell = make_cell(cfg.cell, cfg.activation)
        self.params: dict[str, np.ndarray] = init_params(cfg)
        self._ws = Workspace()  # big arrays lent from one pass to the next (see workspace.py)

    def release_buffers(self) -> None:
        """Let go of the arrays kept for the next pass (an idle model; see workspace.py)."""
        self._ws = Workspace()

    # -- plumbing ---------------------------------------------------------------------
    @property
    def dtype(self):
        return np.dtype(self.cfg.dtype)

    @property
    def num_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    def layer_params(self, layer: int, direction: int = 0) -> dict[str, np.ndarray]:
        """{"W_xh", "W_hh", "b_h"[, "b_hn"]} of one layer-direction (views)."""
        sfx = suffix(layer, direction)
        keys = ("W_xh", "W_hh", "b_h", "b_hn")
        return {k: self.params[k + sfx] for k in keys if k + sfx in self.params}

    def _inputs(self, X, mask, h0):
        """Validate and convert to time-major: x (T, B, D), m (T, B, 1) bool, initial states."""
        cfg = self.cfg
        X = np.asarray(X)
        if X.ndim != 3 or X.shape[2] != cfg.input_size or X.shape[0] < 1 or X.shape[1] < 1:
            raise ValueError(
                f"X must have shape (B, T, {cfg.input_size}) with B, T >= 1; got {X.shape}"
            )
        if not np.issubdtype(X.dtype, np.number) or not _all_finite(X):
            raise ValueError("X must contain finite numbers only")
        B, T, D = X.shape
        x = self._ws.empty("x", (T, B, D), self.dtype)
        np.copyto(x, X.transpose(1, 0, 2), casting="unsafe")
        m = None
        if mask is not None:
            mask = np.asarray(mask)
            if mask.shape != (B, T):
                raise ValueError(f"mask must have shape (B, T) = {(B, T)}; got {mask.shape}")
            m = None if mask.all() else np.ascontiguousarray(mask.astype(bool).T[:, :, None])
        n = cfg.num_layers * cfg.num_directions
        H = cfg.hidden_size
        c0 = None
        if isinstance(h0, tuple):
            h0, c0 = h0
        states = []
        for name, a in (("h0", h0), ("c0", c0)):
            if a is None:
                states.append(np.zeros((n, B, H), self.dtype))
                continue
            a = np.asarray(a, dtype=self.dtype)
            if a.ndim == 2 and n == 1:
                a = a[None]
            if a.shape != (n, B, H):
                raise ValueError(f"{name} must have shape {(n, B, H)}; got {a.shape}")
            states.append(a)
        return x, m, states[0], states[1]

    def _run(self, x, m, h0, c0, frozen=None):
        """Forward through all layers. Returns (caches [l][d], layer inputs, top (T, B, Hd))."""
        cfg = self.cfg
        caches, inputs = [], []
        inp = x
        for l in range(cfg.num_layers):
            row, outs = [], []
            for d in range(cfg.num_directions):
                k = l * cfg.num_directions + d
                xi, mi = (inp, m) if d == 0 else (inp[::-1], None if m is None else m[::-1])
                fz = None if frozen is None else frozen.get((l, d))
                cache = lyr.forward(self.cell, self.layer_params(l, d), xi, h0[k], c0[k], mi, fz,
                                    self._ws.part((l, d)))
                row.append(cache)
                outs.append(cache.Hs[1:] if d == 0 else cache.Hs[1:][::-1])
            caches.append(row)
            inputs.append(inp)
            inp = outs[0] if len(outs) == 1 else np.concatenate(outs, axis=2)
        return caches, inputs, inp

    def _readout(self, caches, top):
        """Logits/values: (B, O) for readout "last", (T, B, O) for "all"; plus the rows used."""
        if self.cfg.readout == "last":
            rows = np.concatenate([c.Hs[-1] for c in caches[-1]], axis=1)  # (B, Hd)
        else:
            T, B, Hd = top.shape
            rows = top.reshape(T * B, Hd)
        out = self._ws.empty("out", (rows.shape[0], self.cfg.output_size), self.dtype)
        np.matmul(rows, self.params["W_hy"], out=out)
        out += self.params["b_y"]
        if self.cfg.readout == "all":
            out = out.reshape(top.shape[0], top.shape[1], -1)
        return out, rows

    def _final_state(self, caches):
        h_n = np.stack([c.Hs[-1] for row in caches for c in row])
        if self.cfg.cell == "lstm":
            return h_n, np.stack([c.Cs[-1] for row in caches for c in row])
        return h_n

    # -- public -----------------------------------------------------------------------
    def forward(self, X, h0=None, mask=None):
        """Outputs (B, O) or (B, T, O) and the final state h_n (L*dirs, B, H) ((h_n, c_n) LSTM)."""
        x, m, h0, c0 = self._inputs(X, mask, h0)
        caches, _, top = self._run(x, m, h0, c0)
        out, _ = self._readout(caches, top)
        if self.cfg.readout == "all":
            out = out.transpose(1, 0, 2)
        return out, self._final_state(caches)

    def trace(self, X, h0=None, mask=None) -> Trace:
        """A forward-only Trace (hidden states and gates, no gradients)."""
        x, m, h0, c0 = self._inputs(X, mask, h0)
        caches, inputs, top = self._run(x, m, h0, c0)
        out, _ = self._readout(caches, top)
        return self._make_trace(x, m, caches, inputs, out, None)

    def _targets(self, Y, loss, m, T, B):
        """Flatten targets to rows matching the readout; weights are 0 on padded steps."""
        cfg = self.cfg
        Y = np.asarray(Y)
        O = cfg.output_size
        last = cfg.readout == "last"
        if loss == "cross_entropy":
            want = (B,) if last else (B, T)
            if Y.shape != want:
                raise ValueError(f"Y must be integer labels of shape {want}; got {Y.shape}")
            if not np.issubdtype(Y.dtype, np.integer) or Y.min() < 0 or Y.max() >= O:
                raise ValueError(f"Y must hold integer class labels in [0, {O - 1}]")
            y = Y if last else Y.T.reshape(-1)
        else:
            want = (B, O) if last else (B, T, O)
            if Y.shape != want:
                raise ValueError(f"Y must have shape {want} for mse; got {Y.shape}")
            if not np.issubdtype(Y.dtype, np.number) or not _all_finite(Y):
                raise ValueError("Y must contain finite numbers only")
            y = (Y if last else Y.transpose(1, 0, 2).reshape(T * B, O)).astype(self.dtype)
        if last or m is None:
            w = np.ones(B if last else T * B, self.dtype)
        else:
            w = m.reshape(T * B).astype(self.dtype)
        return y, w

    def loss_and_grads(self, X, Y, loss="cross_entropy", h0=None, mask=None, record=True,
                       _frozen=None):
        """Forward, loss and full (or truncated) BPTT.

        Returns (loss, grads: name -> array like params, trace: Trace). With record=False the
        trace keeps the forward record but skips dL/dh_t and the norms (the fast path).
        """
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {loss!r}")
        cfg = self.cfg
        x, m, h0, c0 = self._inputs(X, mask, h0)
        T, B, _ = x.shape
        y, w = self._targets(Y, loss, m, T, B)
        caches, inputs, top = self._run(x, m, h0, c0, _frozen)
        out, rows = self._readout(caches, top)
        value, row_loss, dout = LOSS_FNS[loss](out.reshape(len(w), -1), y, w)

        with background.Lane() as lane:  # a second core for the weight gradients
            grads, dh_rec, dh0 = self._backward(caches, inputs, rows, dout, m, lane, record)
        grads = {k: grads[k] for k in self.params}  # canonical order

        trace = self._make_trace(x, m, caches, inputs, out, dh_rec if record else None)
        trace.loss = value
        trace.dh0 = dh0
        per = row_loss if cfg.readout == "last" else _per_sample(row_loss, w, T, B)
        trace.loss_per_sample = per
        if record:
            trace.param_grad_norm = {k: float(np.linalg.norm(g)) for k, g in grads.items()}
        return value, grads, trace

    def _backward(self, caches, inputs, rows, dout, m, lane, record):
        """BPTT from dL/dout (rows, O) down through every layer: (grads, dh_rec, dh0).

        Products that need only finished steps (dW_hy, each layer's weight gradients) go to
        `lane` (background.py), a second core while the loop over time goes on."""
        cfg = self.cfg
        T, B = caches[0][0].T, caches[0][0].B
        big = 2.0 * rows.size * dout.shape[1] >= lyr.CHUNK_MIN_FLOP
        W_hy = lane.submit(lambda: rows.T @ dout, here=not big)  # meanwhile: the loop below
        grads: dict[str, np.ndarray] = {"b_y": column_sums(dout)}
        drows = self._ws.empty("drows", rows.shape, self.dtype)  # (rows, Hd)
        np.matmul(dout, self.params["W_hy"].T, out=drows)
        H, nd = cfg.hidden_size, cfg.num_directions
        cuts = lyr.truncation_cuts(T, cfg.bptt_truncate)
        dh_rec = [[None] * nd for _ in range(cfg.num_layers)]
        dh0 = np.zeros((cfg.num_layers * nd, B, H), self.dtype)
        dtop = None if cfg.readout == "last" else drows.reshape(T, B, nd * H)
        for l in range(cfg.num_layers - 1, -1, -1):
            dinp = None
            for d in range(nd):
                p = self.layer_params(l, d)
                cache, sfx = caches[l][d], suffix(l, d)
                dh_last = dH = None
                if dtop is None:
                    dh_last = drows[:, d * H : (d + 1) * H]
                else:
                    dH = dtop[:, :, d * H : (d + 1) * H]
                    dH = dH if d == 0 else dH[::-1]
                mi = m if (m is None or d == 0) else m[::-1]
                ws = self._ws.part((l, d))
                if record:
                    dh_rec[l][d] = ws.empty("dh", (T, B, H), self.dtype)
                xi = inputs[l] if d == 0 else np.ascontiguousarray(inputs[l][::-1])
                wg = lyr.WeightGrads(self.cell, cache, xi, lane)
                dXW, dHW, dh0_ld, _ = lyr.backward(  # told each step only if it has chunks
                    self.cell, p, cache, dH, dh_last, mi, cuts, dh_rec[l][d], ws,
                    wg if wg.chunks else None)
                dh0[l * nd + d] = dh0_ld
                if l > 0:  # gradient to the layer below: one GEMM
                    G = dXW.shape[2]
                    dx = (dXW.reshape(T * B, G) @ p["W_xh"].T).reshape(T, B, -1)
                    dx = dx if d == 0 else dx[::-1]
                    dinp = dx if dinp is None else dinp + dx
                for k, g in wg.result(dXW, dHW).items():  # the last chunks, if still running
                    grads[k + sfx] = g
            dtop = dinp
        grads["W_hy"] = W_hy.result()
        return grads, dh_rec, dh0

    def loss(self, X, Y, loss="cross_entropy", h0=None, mask=None, _frozen=None) -> float:
        """The loss alone (forward only), e.g. for finite differences."""
        cfg = self.cfg
        x, m, h0, c0 = self._inputs(X, mask, h0)
        y, w = self._targets(Y, loss, m, x.shape[0], x.shape[1])
        caches, _, top = self._run(x, m, h0, c0, _frozen)
        out, _ = self._readout(caches, top)
        return LOSS_FNS[loss](out.reshape(len(w), cfg.output_size), y, w)[0]

    def _make_trace(self, x, m, caches, inputs, out, dh_rec) -> Trace:
        layers = []
        for l, row in enumerate(caches):
            lts = []
            for d, c in enumerate(row):
                flip = (lambda a: a[::-1]) if d else (lambda a: a)
                gates = {}
                if c.gates is not None:
                    for k, name in enumerate(self.cell.gate_names):
                        gates[name] = flip(c.gate(k))
                p = {k: v.copy() for k, v in self.layer_params(l, d).items()}
                # pre: built on first use when the cache holds it gate-major (a copy)
                pre = (lambda c=c, flip=flip: flip(c.pre_rows())) if c.gate_major else flip(c.pre)
                lts.append(LayerTrace(
                    layer=l, direction=d, x=inputs[l], _pre=pre, h=flip(c.Hs[1:]),
                    c=None if c.Cs is None else flip(c.Cs[1:]), gates=gates,
                    dh=None if dh_rec is None else flip(dh_rec[l][d]),
                    _cell=self.cell, _params=p, _cache=c,
                    _mask=None if m is None else (m if d == 0 else m[::-1]),
                ))
            layers.append(lts)
        outputs = out.transpose(1, 0, 2) if self.cfg.readout == "all" else out
        return Trace(x=x, mask=None if m is None else m[:, :, 0], layers=layers, outputs=outputs)


def _all_finite(a: np.ndarray) -> bool:
    """np.isfinite(a).all(), mostly without its (a.shape) temporary: a sum is finite unless a
    holds inf or nan, or the sum overflows (then each element is looked at)."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(a, axis=None)
    return bool(np.isfinite(total)) or bool(np.isfinite(a).all())


def _per_sample(row_loss, w, T, B):
    """Mean loss over each sample's real steps, (B,)."""
    n = np.maximum(w.reshape(T, B).sum(axis=0), 1.0)
    return row_loss.reshape(T, B).sum(axis=0) / n
