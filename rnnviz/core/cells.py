"""One time step of each cell, forward and backward, in the seeds' row-vector convention.

A cell reads xw_t = x_t @ W_xh + b_h (computed for all t at once, one GEMM) and h_{t-1}.
Per-step arrays live in a `Cache` (time-major buffers indexed by the step s) so the layer
loop, the Cell page and the Jacobian probe all run the very same step code.

The backward pass has two parts: `backward_factors` computes, for all t at once, the factors
that depend on the forward pass only (each gate's derivative act'(z_t), 1 - tanh(c_t)^2, ...);
`backward_step` multiplies them by the gradient arriving at step s. The layer lets
step s overwrite the gates' derivatives at s, once used, with dL/dxw_s.

Gate order follows PyTorch: LSTM (i, f, g, o), GRU (r, z, n).
"""

from __future__ import annotations

import functools

import numpy as np

from .activations import activate, derivative
from .workspace import Workspace


class Cache:
    """Buffers of one layer-direction over T steps (processing order).

    Hs: (T+1, B, H) with Hs[0] = h_0 and Hs[s+1] = h_s
    Cs: (T+1, B, H) cell state (LSTM only)
    pre: (T, B, G*H) pre-activations (enters as xw, the input projection plus b_h)
    gates: (T, B, G*H) gate activations (LSTM/GRU)
    hw: (T, B, 3H) h_{t-1} @ W_hh + [0, 0, b_hn] (GRU only)
    tanh_c: (T, B, H) tanh(c_t) (LSTM only)
    work, work_h: (B, G*H) and (B, H) scratch space of the forward step
    The arrays come from the Workspace ws (None: all new).
    """

    def __init__(self, cell: Cell, xw: np.ndarray, h0: np.ndarray, c0: np.ndarray | None,
                 ws: Workspace | None = None):
        T, B, G = xw.shape
        H = h0.shape[-1]
        dt = xw.dtype
        empty = (Workspace() if ws is None else ws).empty
        self.T, self.B, self.H = T, B, H
        self.pre = xw  # overwritten in place with the full pre-activation
        self.Hs = empty("Hs", (T + 1, B, H), dt)
        self.Hs[0] = h0
        self.work = empty("work", (B, G), dt)
        self.work_h = empty("work_h", (B, H), dt)
        self.Cs = self.gates = self.hw = self.tanh_c = None
        self.frozen: dict | None = None  # s -> (h, c) held constant (truncated objective)
        if cell.kind == "lstm":
            self.Cs = empty("Cs", (T + 1, B, H), dt)
            self.Cs[0] = c0
            self.gates = empty("gates", xw.shape, dt)
            self.tanh_c = empty("tanh_c", (T, B, H), dt)
        elif cell.kind == "gru":
            self.gates = empty("gates", xw.shape, dt)
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

    def sample(self, b: int) -> Cache:
        """A view of sample b only (B=1), for Jacobians (backward steps only)."""
        view = object.__new__(Cache)
        view.T, view.B, view.H = self.T, 1, self.H
        view.frozen = view.work = view.work_h = None
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

    def backward_factors(self, cache: Cache, ws: Workspace | None = None) -> dict:
        """The backward pass's factors that depend on the forward pass only, for all t.

        "dact": (T, B, G*H) each gate's derivative at its pre-activation, plus what the cell
        needs besides. The arrays come from the Workspace ws (None: all new).
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
        """dact: (T, B, H) act'(a_t), from h_t."""
        ws = Workspace() if ws is None else ws
        out = ws.empty("dact", cache.pre.shape, cache.pre.dtype)
        return {"dact": derivative(self.activation, cache.Hs[1:], out=out)}

    def backward_step(self, s, cache, p, factors, dh, dc, dxw_out, dhw_out):
        np.multiply(dh, factors["dact"][s], out=dxw_out)  # dL/da_s
        return dxw_out @ p["W_hh"].T, None


class LSTMCell(Cell):
    """i, f, o = sigmoid(.), g = tanh(.); c_t = f c_{t-1} + i g; h_t = o tanh(c_t)."""

    kind = "lstm"
    n_gates = 4
    gate_names = ("input", "forget", "cell", "output")
    has_c = True

    def forward_step(self, s, cache, p):
        H = cache.H
        z = cache.pre[s]  # (B, 4H), holds xw_s on entry
        z += np.matmul(cache.h_prev(s), p["W_hh"], out=cache.work)
        # All four gates with one tanh: sigmoid(z) = tanh(z/2) / 2 + 1/2 on i, f, o and
        # tanh(z) on g, i.e. tanh(z * scale) * scale + shift with per-column constants.
        scale, shift = _gate_constants(cache.B, H, z.dtype, (True, True, False, True))
        g = cache.gates[s]
        np.multiply(z, scale, out=g)
        np.tanh(g, out=g)
        g *= scale
        g += shift
        i, f, gg, o = g[:, :H], g[:, H : 2 * H], g[:, 2 * H : 3 * H], g[:, 3 * H :]
        c = cache.Cs[s + 1]  # c_t = f c_{t-1} + i g
        np.multiply(f, cache.c_prev(s), out=c)
        c += np.multiply(i, gg, out=cache.work_h)
        np.tanh(c, out=cache.tanh_c[s])
        np.multiply(o, cache.tanh_c[s], out=cache.Hs[s + 1])  # h_t = o tanh(c_t)

    def backward_factors(self, cache, ws=None):
        """dact: (T, B, 4H) [i(1-i), f(1-f), 1-g^2, o(1-o)]; dtanh_c: 1 - tanh(c_t)^2."""
        ws = Workspace() if ws is None else ws
        H = cache.H
        g = cache.gates
        dact = np.subtract(1.0, g, out=ws.empty("dact", g.shape, g.dtype))
        dact *= g  # s (1 - s): the sigmoid gates' derivative
        d_g = dact[:, :, 2 * H : 3 * H]  # tanh's derivative 1 - g^2 on the cell gate
        np.multiply(g[:, :, 2 * H : 3 * H], g[:, :, 2 * H : 3 * H], out=d_g)
        np.subtract(1.0, d_g, out=d_g)
        tc = cache.tanh_c
        dtanh_c = np.multiply(tc, tc, out=ws.empty("dtanh_c", tc.shape, tc.dtype))
        np.subtract(1.0, dtanh_c, out=dtanh_c)
        return {"dact": dact, "dtanh_c": dtanh_c}

    def backward_step(self, s, cache, p, factors, dh, dc, dxw_out, dhw_out):
        H = cache.H
        g = cache.gates[s]
        i, f, gg, o = g[:, :H], g[:, H : 2 * H], g[:, 2 * H : 3 * H], g[:, 3 * H :]
        tc = cache.tanh_c[s]
        dc_t = dh * o  # dL/dc_t, through h_t = o tanh(c_t) ...
        dc_t *= factors["dtanh_c"][s]
        if dc is not None:  # ... and through c_{t+1} = f c_t + i g
            dc_t += dc
        dgate = np.empty_like(dxw_out)  # (B, 4H): dL/d(gate) side by side
        np.multiply(dc_t, gg, out=dgate[:, :H])
        np.multiply(dc_t, cache.Cs[s], out=dgate[:, H : 2 * H])
        np.multiply(dc_t, i, out=dgate[:, 2 * H : 3 * H])
        np.multiply(dh, tc, out=dgate[:, 3 * H :])
        dz = np.multiply(dgate, factors["dact"][s], out=dxw_out)  # times act'(z_s)
        return dz @ p["W_hh"].T, dc_t * f


@functools.lru_cache(maxsize=32)
def _gate_constants(B: int, H: int, dtype, sigmoid_gates: tuple[bool, ...]):
    """(B, G*H) scale and shift so that tanh(z * scale) * scale + shift is each gate's activation.

    sigmoid(z) = tanh(z/2) / 2 + 1/2: scale 1/2, shift 1/2 where sigmoid_gates[k]; tanh(z):
    scale 1, shift -0.0. Both are exact (scaling by 1/2 or 1 rounds nothing, x + (-0.0) == x
    for signed zeros too), so the gates equal sigmoid() and tanh() of activations.py bit for
    bit. Full (B, G*H) arrays: NumPy runs same-shape contiguous operands as one loop, while
    a (G*H,) row or a (B, H) column block costs a loop per row.
    """
    scale = np.repeat(np.array([0.5 if sg else 1.0 for sg in sigmoid_gates], dtype), H)
    shift = np.repeat(np.array([0.5 if sg else -0.0 for sg in sigmoid_gates], dtype), H)
    scale, shift = np.tile(scale, (B, 1)), np.tile(shift, (B, 1))
    scale.flags.writeable = shift.flags.writeable = False
    return scale, shift


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
        # r, z = sigmoid(a) = tanh(a/2) / 2 + 1/2 over whole rows (one contiguous loop each);
        # the n columns get tanh(x W_in + b_in) for now and are overwritten below.
        scale, shift = _gate_constants(cache.B, H, a.dtype, (True, True, False))
        g = cache.gates[s]
        np.multiply(a, scale, out=g)
        np.tanh(g, out=g)
        g *= scale
        g += shift
        a[:, 2 * H :] += np.multiply(g[:, :H], hw[:, 2 * H :], out=cache.work_h)
        n = np.tanh(a[:, 2 * H :], out=g[:, 2 * H :])
        z = g[:, H : 2 * H]
        h = cache.Hs[s + 1]  # h_t = (h_{t-1} - n) z + n
        np.subtract(h_prev, n, out=h)
        h *= z
        h += n

    def backward_factors(self, cache, ws=None):
        """dact: (T, B, 3H) [r(1-r), z(1-z), 1-n^2]; 1-z; h_{t-1} - n."""
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
        return {"dact": dact, "1-z": one_minus_z, "h_prev-n": h_prev_n}

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
