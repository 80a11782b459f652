"""One time step of each cell, forward and backward, in the tutorials' row-vector convention.

A cell reads xw_t = x_t @ W_xh + b_h (computed for all t at once, one GEMM) and h_{t-1}.
Per-step arrays live in a `Cache` (time-major buffers indexed by the step s) so the layer
loop, the Cell page and the Jacobian probe all run the very same step code.

The backward pass has two parts: `backward_factors` computes, for all t at once, the factors
that depend on the forward pass only (each gate's derivative act'(z_t), 1 - tanh(c_t)^2, ...);
`backward_step` multiplies them by the gradient arriving at step s and writes dL/dxw_s.

Gate order follows PyTorch: LSTM (i, f, g, o), GRU (r, z, n). The LSTM keeps its
pre-activations and gates gate-major, (T, 4, B, H): each gate's (B, H) block of a step is
contiguous, and NumPy runs an operation on it as one loop instead of one loop per row.
"""

from __future__ import annotations

import functools

import numpy as np

from rnnviz.core.activations import activate, derivative
from rnnviz.core.fast.workspace import Workspace


class Cache:
    """Buffers of one layer-direction over T steps (processing order).

    Hs: (T+1, B, H) with Hs[0] = h_0 and Hs[s+1] = h_s
    Cs: (T+1, B, H) cell state (LSTM only)
    pre: (T, B, G*H) pre-activations (enters as xw, the input projection plus b_h);
        (T, G, B, H) for a gate-major cell (LSTM)
    gates: gate activations, laid out like pre (LSTM/GRU)
    hw: (T, B, 3H) h_{t-1} @ W_hh + [0, 0, b_hn] (GRU only)
    tanh_c: (T, B, H) tanh(c_t) (LSTM only)
    prod: (T, 2, B, H) the products [i_t g_t, f_t c_{t-1}] that make c_t (LSTM only)
    work, work_h: scratch space of the forward step, like one step of pre and (B, H)
    scale, shift: the gates' activation constants of one step (see `_gate_constants`)
    The arrays come from the Workspace ws (None: all new).
    """

    def __init__(self, cell: Cell, xw: np.ndarray, h0: np.ndarray, c0: np.ndarray | None,
                 ws: Workspace | None = None):
        T, B = xw.shape[::2] if cell.gate_major else xw.shape[:2]
        H = h0.shape[-1]
        dt = xw.dtype
        empty = (Workspace() if ws is None else ws).empty
        self.T, self.B, self.H = T, B, H
        self.gate_major = cell.gate_major
        self.pre = xw  # overwritten in place with the full pre-activation
        self.Hs = empty("Hs", (T + 1, B, H), dt)
        self.Hs[0] = h0
        self.work = empty("work", xw.shape[1:], dt)
        self.work_h = empty("work_h", (B, H), dt)
        self.Cs = self.gates = self.hw = self.tanh_c = self.prod = None
        self.scale = self.shift = None
        self.frozen: dict | None = None  # s -> (h, c) held constant (truncated objective)
        if cell.sigmoid_gates:
            self.gates = empty("gates", xw.shape, dt)
            self.scale, self.shift = _gate_constants(B, H, dt, cell.sigmoid_gates,
                                                     cell.gate_major)
        if cell.kind == "lstm":
            self.Cs = empty("Cs", (T + 1, B, H), dt)
            self.Cs[0] = c0
            self.tanh_c = empty("tanh_c", (T, B, H), dt)
            self.prod = empty("prod", (T, 2, B, H), dt)
        elif cell.kind == "gru":
            self.hw = empty("hw", xw.shape, dt)

    def h_prev(self, s: int) -> np.ndarray:
        """h_{s-1} as step s reads it (a frozen constant at a truncation cut)."""
        if self.frozen is not None and s in self.frozen:
            return self.frozen[s][0]
        return self.Hs[s]

    def c_prev(self, s: int) -> np.ndarray:
        if self.frozen is not None and s in self.frozen:
            return self.frozen[s][1]
        return self.Cs[s]

    def gate(self, k: int) -> np.ndarray:
        """(T, B, H) activations of gate block k (a view)."""
        if self.gate_major:
            return self.gates[:, k]
        return self.gates[:, :, k * self.H : (k + 1) * self.H]

    def pre_rows(self) -> np.ndarray:
        """(T, B, G*H) pre-activations, gate blocks side by side (a copy if gate-major)."""
        if self.gate_major:
            T, G, B, H = self.pre.shape
            return self.pre.transpose(0, 2, 1, 3).reshape(T, B, G * H)
        return self.pre

    def sample(self, b: int) -> Cache:
        """A view of sample b only (B=1), for Jacobians (backward steps only)."""
        view = object.__new__(Cache)
        view.T, view.B, view.H = self.T, 1, self.H
        view.gate_major = self.gate_major
        view.frozen = view.work = view.work_h = view.scale = view.shift = None
        for k in ("pre", "Hs", "Cs", "gates", "hw", "tanh_c", "prod"):
            a = getattr(self, k)
            major = k == "prod" or self.gate_major and k in ("pre", "gates")  # batch: axis 2
            setattr(view, k, None if a is None else a[:, :, b : b + 1] if major
                    else a[:, b : b + 1])
        return view


class Cell:
    """Base: a cell kind with G gate blocks per hidden unit."""

    kind = ""
    n_gates = 1
    gate_names: tuple[str, ...] = ()
    sigmoid_gates: tuple[bool, ...] = ()  # per gate block: sigmoid (True) or tanh
    has_c = False
    gate_major = False  # pre-activations and gates (T, G, B, H) instead of (T, B, G*H)

    def __init__(self, activation: str = "tanh"):
        self.activation = activation

    def step(self, x_t, h_prev, p, c_prev=None) -> dict:
        """One step on plain arrays (for the Cell page): returns every intermediate term.

        x_t (B, D), h_prev (B, H), p: {"W_xh", "W_hh", "b_h", ["b_hn"]}.
        """
        x_t, h_prev = np.atleast_2d(x_t), np.atleast_2d(h_prev)
        xW = x_t @ p["W_xh"]  # (B, G*H)
        xw = (xW + p["b_h"])[None]  # (1, B, G*H)
        if self.gate_major:  # (1, G, B, H)
            xw = xw.reshape(*xw.shape[:2], self.n_gates, -1).transpose(0, 2, 1, 3)
        c0 = None if c_prev is None else np.atleast_2d(c_prev)
        if self.has_c and c0 is None:
            c0 = np.zeros_like(h_prev)
        cache = Cache(self, xw.copy(), h_prev, c0)
        hW = h_prev @ p["W_hh"]
        self.forward_step(0, cache, self.prepare(p))
        out = {"x_W_xh": xW, "h_W_hh": hW, "b_h": p["b_h"], "pre": cache.pre_rows()[0],
               "h": cache.Hs[1]}
        if cache.gates is not None:
            for k, name in enumerate(self.gate_names):
                out[name] = cache.gate(k)[0]
        if self.has_c:
            out["c"] = cache.Cs[1]
        return out

    def prepare(self, p: dict) -> dict:
        """The parameters as `forward_step` reads them (once per pass)."""
        return p

    def forward_step(self, s: int, cache: Cache, p: dict) -> None:
        raise NotImplementedError

    def backward_factors(self, cache: Cache, ws: Workspace | None = None) -> dict:
        """The backward pass's factors that depend on the forward pass only, for all t.

        "dact": each gate's derivative at its pre-activation, plus what the cell needs
        besides; "dxw": the (T, B, G*H) buffer the layer lets `backward_step` write dL/dxw_s
        into (it may be "dact" itself: step s overwrites act'(z_s) once used).
        The arrays come from the Workspace ws (None: all new).
        """
        raise NotImplementedError

    def backward_step(self, s, cache, p, factors, dh, dc, dxw_out, dhw_out):
        """Given total dL/dh_s (and dL/dc_s), write dL/dxw_s and dL/d(h W_hh)_s.

        factors: `backward_factors(cache)`. Returns (dh_prev, dc_prev): the gradient passed
        to step s-1 through the cell.
        """
        raise NotImplementedError


class RNNCell(Cell):
    """h_t = act(x_t W_xh + h_{t-1} W_hh + b_h)."""

    kind = "rnn"

    def forward_step(self, s, cache, p):
        a = cache.pre[s]  # (B, H), holds xw_s on entry
        a += np.matmul(cache.h_prev(s), p["W_hh"], out=cache.work)
        activate(self.activation, a, out=cache.Hs[s + 1])

    def backward_factors(self, cache, ws=None):
        """dact: (T, B, H) act'(a_t), from h_t; dxw: dact."""
        ws = Workspace() if ws is None else ws
        out = ws.empty("dact", cache.pre.shape, cache.pre.dtype)
        dact = derivative(self.activation, cache.Hs[1:], out=out)
        return {"dact": dact, "dxw": dact}

    def backward_step(self, s, cache, p, factors, dh, dc, dxw_out, dhw_out):
        np.multiply(dh, factors["dact"][s], out=dxw_out)  # dL/da_s
        return dxw_out @ p["W_hh"].T, None


class LSTMCell(Cell):
    """i, f, o = sigmoid(.), g = tanh(.); c_t = f c_{t-1} + i g; h_t = o tanh(c_t).

    Gate-major: pre and gates are (T, 4, B, H), one contiguous (B, H) block per gate and step.
    """

    kind = "lstm"
    n_gates = 4
    gate_names = ("input", "forget", "cell", "output")
    sigmoid_gates = (True, True, False, True)
    has_c = True
    gate_major = True

    def prepare(self, p):
        """p plus "W_hh_blocks" (4, H, H): h_{t-1} W_hh gate by gate, one batched product."""
        return dict(p, W_hh_blocks=gate_blocks(p["W_hh"], self.n_gates))

    def forward_step(self, s, cache, p):
        z = cache.pre[s]  # (4, B, H), holds xw_s on entry
        z += np.matmul(cache.h_prev(s), p["W_hh_blocks"], out=cache.work)
        # All four gates with one tanh: sigmoid(z) = tanh(z/2) / 2 + 1/2 on i, f, o and
        # tanh(z) on g, i.e. tanh(z * scale) * scale + shift with per-gate constants.
        g = cache.gates[s]  # (4, B, H)
        np.multiply(z, cache.scale, out=g)
        np.tanh(g, out=g)
        g *= cache.scale
        g += cache.shift
        i, f, gg, o = g
        ig, fc = cache.prod[s]  # c_t = i g + f c_{t-1}, both products kept for the backward
        np.add(np.multiply(i, gg, out=ig), np.multiply(f, cache.c_prev(s), out=fc),
               out=cache.Cs[s + 1])
        np.tanh(cache.Cs[s + 1], out=cache.tanh_c[s])
        np.multiply(o, cache.tanh_c[s], out=cache.Hs[s + 1])  # h_t = o tanh(c_t)

    def backward_factors(self, cache, ws=None):
        """Everything of dL/dz_t that does not depend on the gradient arriving at step t.

        With dc_t = dh_t o_t (1 - tanh(c_t)^2) + dc_{t+1} f_{t+1} (the total dL/dc_t),
        dL/dz_t = [dc_t, dc_t, dc_t, dh_t] * dact_t with (T, 4, B, H)
            "dact" = [g i(1-i), c_{t-1} f(1-f), i (1-g^2), tanh(c_t) o(1-o)]
                   = (1 - gates) * [i g, f c_{t-1}, i + i g, h_t]
        (the products the forward kept; whole contiguous blocks), "o_dtanh_c": (T, B, H)
        o (1 - tanh(c_t)^2), "f": (T, B, H) f_t and "dxw": (T, B, 4H) for dL/dxw.
        """
        ws = Workspace() if ws is None else ws
        g = cache.gates
        i, f, o = g[:, 0], g[:, 1], g[:, 3]  # (T, B, H) each
        dact = np.subtract(1.0, g, out=ws.empty("dact", g.shape, g.dtype))
        dact[:, :2] *= cache.prod  # (1-i) i g, (1-f) f c_{t-1}
        dact[:, 2] *= np.add(i, cache.prod[:, 0], out=ws.empty("i+ig", i.shape, g.dtype))
        dact[:, 3] *= cache.Hs[1:]  # (1-o) o tanh(c_t)
        tc = cache.tanh_c
        o_dtanh_c = np.multiply(tc, tc, out=ws.empty("o_dtanh_c", tc.shape, tc.dtype))
        np.subtract(1.0, o_dtanh_c, out=o_dtanh_c)
        o_dtanh_c *= o
        T, B, H = tc.shape
        dxw = ws.empty("dxw", (T, B, 4 * H), g.dtype)  # gate blocks side by side
        return {"dact": dact, "o_dtanh_c": o_dtanh_c, "f": f, "dxw": dxw}

    def backward_step(self, s, cache, p, factors, dh, dc, dxw_out, dhw_out):
        """dxw_out: (B, 4H), gate blocks side by side as the weight gradients read them."""
        dc_t = np.multiply(dh, factors["o_dtanh_c"][s])  # (B, H) dL/dc_t through h_t ...
        if dc is not None:  # ... and through c_{t+1} = f c_t + i g
            dc_t += dc
        d = factors["dact"][s]  # (4, B, H)
        dz = dxw_out.reshape(len(dxw_out), 4, -1).transpose(1, 0, 2)  # (4, B, H) view
        np.multiply(dc_t, d[:3], out=dz[:3])  # dL/dz_s = [dc_t, dc_t, dc_t, dh_t] * dact_s
        np.multiply(dh, d[3], out=dz[3])
        dc_t *= factors["f"][s]  # dL/dc_{t-1} through c_t = f c_{t-1} + i g
        return dxw_out @ p["W_hh"].T, dc_t


def gate_blocks(W: np.ndarray, G: int) -> np.ndarray:
    """(R, G*H) -> (G, R, H) contiguous: W's gate blocks stacked, for gate-major products."""
    return np.ascontiguousarray(W.reshape(W.shape[0], G, -1).transpose(1, 0, 2))


@functools.lru_cache(maxsize=32)
def _gate_constants(B: int, H: int, dtype, sigmoid_gates: tuple[bool, ...],
                    gate_major: bool = False):
    """(B, G*H) scale and shift so that tanh(z * scale) * scale + shift is each gate's activation.

    (G, B, H) if gate_major.
    sigmoid(z) = tanh(z/2) / 2 + 1/2: scale 1/2, shift 1/2 where sigmoid_gates[k]; tanh(z):
    scale 1, shift -0.0. Both are exact (scaling by 1/2 or 1 rounds nothing, x + (-0.0) == x
    for signed zeros too), so the gates equal sigmoid() and tanh() of activations.py bit for
    bit. Full (B, G*H) arrays: NumPy runs same-shape contiguous operands as one loop, while
    a (G*H,) row or a (B, H) column block costs a loop per row.
    """
    scale = np.repeat(np.array([0.5 if sg else 1.0 for sg in sigmoid_gates], dtype), H)
    shift = np.repeat(np.array([0.5 if sg else -0.0 for sg in sigmoid_gates], dtype), H)
    scale, shift = np.tile(scale, (B, 1)), np.tile(shift, (B, 1))
    if gate_major:
        scale, shift = (gate_blocks(a, len(sigmoid_gates)) for a in (scale, shift))
    scale.flags.writeable = shift.flags.writeable = False
    return scale, shift


class GRUCell(Cell):
    """r, z = sigmoid(.); n = tanh(x W_in + r (h W_hn + b_hn)); h_t = (1 - z) n + z h_{t-1}."""

    kind = "gru"
    n_gates = 3
    gate_names = ("reset", "update", "candidate")
    sigmoid_gates = (True, True, False)

    def forward_step(self, s, cache, p):
        H = cache.H
        a = cache.pre[s]  # (B, 3H) holds xw_s on entry
        hw = cache.hw[s]
        h_prev = cache.h_prev(s)
        np.matmul(h_prev, p["W_hh"], out=hw)
        hw[:, 2 * H :] += p["b_hn"]
        a[:, : 2 * H] += hw[:, : 2 * H]
        # r, z = sigmoid(a) = tanh(a/2) / 2 + 1/2 over whole rows (one contiguous loop each);
        # the n columns get tanh(x W_in + b_in) for now and are overwritten below.
        g = cache.gates[s]
        np.multiply(a, cache.scale, out=g)
        np.tanh(g, out=g)
        g *= cache.scale
        g += cache.shift
        a[:, 2 * H :] += np.multiply(g[:, :H], hw[:, 2 * H :], out=cache.work_h)
        n = np.tanh(a[:, 2 * H :], out=g[:, 2 * H :])
        z = g[:, H : 2 * H]
        h = cache.Hs[s + 1]  # h_t = (h_{t-1} - n) z + n
        np.subtract(h_prev, n, out=h)
        h *= z
        h += n

    def backward_factors(self, cache, ws=None):
        """dact: (T, B, 3H) [r(1-r), z(1-z), 1-n^2]; 1-z; h_{t-1} - n; dxw: dact."""
        ws = Workspace() if ws is None else ws
        H = cache.H
        g = cache.gates
        n = g[:, :, 2 * H :]
        dact = np.subtract(1.0, g, out=ws.empty("dact", g.shape, g.dtype))
        one_minus_z = ws.empty("1-z", n.shape, g.dtype)
        one_minus_z[...] = dact[:, :, H : 2 * H]
        dact *= g  # s (1 - s) on r, z (whole rows: one contiguous loop; n's columns follow)
        d_n = dact[:, :, 2 * H :]
        np.multiply(n, n, out=d_n)
        np.subtract(1.0, d_n, out=d_n)  # 1 - n^2
        h_prev_n = np.subtract(cache.Hs[:-1], n, out=ws.empty("h_prev-n", n.shape, g.dtype))
        return {"dact": dact, "1-z": one_minus_z, "h_prev-n": h_prev_n, "dxw": dact}

    def backward_step(self, s, cache, p, factors, dh, dc, dxw_out, dhw_out):
        H = cache.H
        r, z = cache.gates[s][:, :H], cache.gates[s][:, H : 2 * H]
        n_w = cache.hw[s][:, 2 * H :]  # h_{t-1} W_hn + b_hn
        d = factors["dact"][s]  # may share memory with dxw_out: read before it is written
        # dhw_out first holds dL/d(r, z, n) side by side (dL/dn = dh (1 - z)), then its own values
        np.multiply(dh, factors["1-z"][s], out=dhw_out[:, 2 * H :])
        dan = dhw_out[:, 2 * H :] * d[:, 2 * H :]  # dL/da_n, through n = tanh(a_n)
        np.multiply(dan, n_w, out=dhw_out[:, :H])  # dL/dr
        np.multiply(dh, factors["h_prev-n"][s], out=dhw_out[:, H : 2 * H])  # dL/dz
        np.multiply(dhw_out, d, out=dxw_out)  # dL/da_r, dL/da_z, dL/da_n (whole rows)
        dhw_out[...] = dxw_out
        np.multiply(dan, r, out=dhw_out[:, 2 * H :])  # dL/d(h W_hn + b_hn)
        dh_prev = dhw_out @ p["W_hh"].T
        dh_prev += dh * z  # through h_t = ... + z h_{t-1}
        return dh_prev, None


def make_cell(kind: str, activation: str = "tanh") -> Cell:
    return {"rnn": RNNCell, "lstm": LSTMCell, "gru": GRUCell}[kind](activation)
