"""One time step of each cell, forward and backward, in the seeds' row-vector convention.

A cell reads xw_t = x_t @ W_xh + b_h (computed for all t at once, one GEMM) and h_{t-1}.
Per-step arrays live in a `Cache` (time-major buffers indexed by the step s) so the layer
loop, the Cell page and the Jacobian probe all run the very same step code.

Gate order follows PyTorch: LSTM (i, f, g, o), GRU (r, z, n).
"""

from __future__ import annotations

import numpy as np

from .activations import activate, derivative, sigmoid


class Cache:
    """Buffers of one layer-direction over T steps (processing order).

    Hs: (T+1, B, H) with Hs[0] = h_0 and Hs[s+1] = h_s
    Cs: (T+1, B, H) cell state (LSTM only)
    pre: (T, B, G*H) pre-activations (enters as xw, the input projection plus b_h)
    gates: (T, B, G*H) gate activations (LSTM/GRU)
    hw: (T, B, 3H) h_{t-1} @ W_hh + [0, 0, b_hn] (GRU only)
    tanh_c: (T, B, H) tanh(c_t) (LSTM only)
    """

    def __init__(self, cell: Cell, xw: np.ndarray, h0: np.ndarray, c0: np.ndarray | None):
        T, B, _ = xw.shape
        H = h0.shape[-1]
        dt = xw.dtype
        self.T, self.B, self.H = T, B, H
        self.pre = xw  # overwritten in place with the full pre-activation
        self.Hs = np.empty((T + 1, B, H), dt)
        self.Hs[0] = h0
        self.Cs = self.gates = self.hw = self.tanh_c = None
        self.frozen: dict | None = None  # s -> (h, c) held constant (truncated objective)
        if cell.kind == "lstm":
            self.Cs = np.empty((T + 1, B, H), dt)
            self.Cs[0] = c0
            self.gates = np.empty_like(xw)
            self.tanh_c = np.empty((T, B, H), dt)
        elif cell.kind == "gru":
            self.gates = np.empty_like(xw)
            self.hw = np.empty_like(xw)

    def h_prev(self, s: int) -> np.ndarray:
        """h_{s-1} as step s reads it (a frozen constant at a truncation cut)."""
        if self.frozen is not None and s in self.frozen:
            return self.frozen[s][0]
        return self.Hs[s]

    def c_prev(self, s: int) -> np.ndarray:
        if self.frozen is not None and s in self.frozen:
            return self.frozen[s][1]
        return self.Cs[s]

    def sample(self, b: int) -> Cache:
        """A view of sample b only (B=1), for Jacobians."""
        view = object.__new__(Cache)
        view.T, view.B, view.H = self.T, 1, self.H
        view.frozen = None
        for k in ("pre", "Hs", "Cs", "gates", "hw", "tanh_c"):
            a = getattr(self, k)
            setattr(view, k, None if a is None else a[:, b : b + 1])
        return view


class Cell:
    """Base: a cell kind with G gate blocks per hidden unit."""

    kind = ""
    n_gates = 1
    gate_names: tuple[str, ...] = ()
    has_c = False

    def __init__(self, activation: str = "tanh"):
        self.activation = activation

    def step(self, x_t, h_prev, p, c_prev=None) -> dict:
        """One step on plain arrays (for the Cell page): returns every intermediate term.

        x_t (B, D), h_prev (B, H), p: {"W_xh", "W_hh", "b_h", ["b_hn"]}.
        """
        x_t, h_prev = np.atleast_2d(x_t), np.atleast_2d(h_prev)
        xW = x_t @ p["W_xh"]  # (B, G*H)
        xw = (xW + p["b_h"])[None]  # (1, B, G*H)
        c0 = None if c_prev is None else np.atleast_2d(c_prev)
        if self.has_c and c0 is None:
            c0 = np.zeros_like(h_prev)
        cache = Cache(self, xw.copy(), h_prev, c0)
        hW = h_prev @ p["W_hh"]
        self.forward_step(0, cache, p)
        out = {"x_W_xh": xW, "h_W_hh": hW, "b_h": p["b_h"], "pre": cache.pre[0],
               "h": cache.Hs[1]}
        if cache.gates is not None:
            H = cache.H
            for k, name in enumerate(self.gate_names):
                out[name] = cache.gates[0][:, k * H : (k + 1) * H]
        if self.has_c:
            out["c"] = cache.Cs[1]
        return out

    def forward_step(self, s: int, cache: Cache, p: dict) -> None:
        raise NotImplementedError

    def backward_step(self, s, cache, p, dh, dc, dxw_out, dhw_out):
        """Given total dL/dh_s (and dL/dc_s), write dL/dxw_s and dL/d(h W_hh)_s.

        Returns (dh_prev, dc_prev): the gradient passed to step s-1 through the cell.
        """
        raise NotImplementedError


class RNNCell(Cell):
    """h_t = act(x_t W_xh + h_{t-1} W_hh + b_h)."""

    kind = "rnn"

    def forward_step(self, s, cache, p):
        a = cache.pre[s]  # (B, H), holds xw_s on entry
        a += cache.h_prev(s) @ p["W_hh"]
        activate(self.activation, a, out=cache.Hs[s + 1])

    def backward_step(self, s, cache, p, dh, dc, dxw_out, dhw_out):
        np.multiply(dh, derivative(self.activation, cache.Hs[s + 1]), out=dxw_out)
        return dxw_out @ p["W_hh"].T, None


class LSTMCell(Cell):
    """i, f, o = sigmoid(.), g = tanh(.); c_t = f c_{t-1} + i g; h_t = o tanh(c_t)."""

    kind = "lstm"
    n_gates = 4
    gate_names = ("input", "forget", "cell", "output")
    has_c = True

    def forward_step(self, s, cache, p):
        H = cache.H
        z = cache.pre[s]  # (B, 4H)
        z += cache.h_prev(s) @ p["W_hh"]
        g = cache.gates[s]
        sigmoid(z[:, : 2 * H], out=g[:, : 2 * H])  # i, f
        np.tanh(z[:, 2 * H : 3 * H], out=g[:, 2 * H : 3 * H])  # g
        sigmoid(z[:, 3 * H :], out=g[:, 3 * H :])  # o
        i, f, gg, o = g[:, :H], g[:, H : 2 * H], g[:, 2 * H : 3 * H], g[:, 3 * H :]
        c = cache.Cs[s + 1]
        np.multiply(f, cache.c_prev(s), out=c)
        c += i * gg
        np.tanh(c, out=cache.tanh_c[s])
        np.multiply(o, cache.tanh_c[s], out=cache.Hs[s + 1])

    def backward_step(self, s, cache, p, dh, dc, dxw_out, dhw_out):
        H = cache.H
        g = cache.gates[s]
        i, f, gg, o = g[:, :H], g[:, H : 2 * H], g[:, 2 * H : 3 * H], g[:, 3 * H :]
        tc = cache.tanh_c[s]
        dc_t = dh * o * (1.0 - tc * tc)
        if dc is not None:
            dc_t += dc
        dz = dxw_out
        np.multiply(dc_t * gg, i * (1.0 - i), out=dz[:, :H])
        np.multiply(dc_t * cache.Cs[s], f * (1.0 - f), out=dz[:, H : 2 * H])
        np.multiply(dc_t * i, 1.0 - gg * gg, out=dz[:, 2 * H : 3 * H])
        np.multiply(dh * tc, o * (1.0 - o), out=dz[:, 3 * H :])
        return dz @ p["W_hh"].T, dc_t * f


class GRUCell(Cell):
    """r, z = sigmoid(.); n = tanh(x W_in + r (h W_hn + b_hn)); h_t = (1 - z) n + z h_{t-1}."""

    kind = "gru"
    n_gates = 3
    gate_names = ("reset", "update", "candidate")

    def forward_step(self, s, cache, p):
        H = cache.H
        a = cache.pre[s]  # (B, 3H) holds xw_s on entry
        hw = cache.hw[s]
        h_prev = cache.h_prev(s)
        np.matmul(h_prev, p["W_hh"], out=hw)
        hw[:, 2 * H :] += p["b_hn"]
        a[:, : 2 * H] += hw[:, : 2 * H]
        g = cache.gates[s]
        sigmoid(a[:, : 2 * H], out=g[:, : 2 * H])  # r, z
        a[:, 2 * H :] += g[:, :H] * hw[:, 2 * H :]
        n = np.tanh(a[:, 2 * H :], out=g[:, 2 * H :])
        z = g[:, H : 2 * H]
        np.subtract(h_prev, n, out=cache.Hs[s + 1])
        cache.Hs[s + 1] *= z
        cache.Hs[s + 1] += n

    def backward_step(self, s, cache, p, dh, dc, dxw_out, dhw_out):
        H = cache.H
        g = cache.gates[s]
        r, z, n = g[:, :H], g[:, H : 2 * H], g[:, 2 * H :]
        h_prev = cache.Hs[s]
        dan = dh * (1.0 - z) * (1.0 - n * n)  # through n = tanh(a_n)
        np.multiply(dan * cache.hw[s][:, 2 * H :], r * (1.0 - r), out=dxw_out[:, :H])
        np.multiply(dh * (h_prev - n), z * (1.0 - z), out=dxw_out[:, H : 2 * H])
        dxw_out[:, 2 * H :] = dan
        dhw_out[:, : 2 * H] = dxw_out[:, : 2 * H]
        np.multiply(dan, r, out=dhw_out[:, 2 * H :])
        return dh * z + dhw_out @ p["W_hh"].T, None


def make_cell(kind: str, activation: str = "tanh") -> Cell:
    return {"rnn": RNNCell, "lstm": LSTMCell, "gru": GRUCell}[kind](activation)
