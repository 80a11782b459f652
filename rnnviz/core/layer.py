"""One recurrent layer in one direction over a whole sequence: forward, BPTT, Jacobians.

Everything here is in processing order (the reverse direction is handed a time-flipped input).
The input projection x_t W_xh + b_h for all t is one GEMM before the loop; the loop does only
the recurrent h_{t-1} W_hh part. In BPTT the factors that need no gradient (the gates'
derivatives, ...) are computed for all t before the loop, and the weight gradients are one
GEMM each after it.
"""

from __future__ import annotations

import numpy as np

from rnnviz.core.cells import Cache, Cell, gate_blocks
from rnnviz.core.fast import background
from rnnviz.core.fast.sums import column_sums
from rnnviz.core.fast.workspace import Workspace


def truncation_cuts(T: int, k: int | None) -> frozenset[int]:
    """Steps s whose link to s-1 is cut in truncated BPTT with window k.

    Chunks of k steps aligned on the last step, so the gradient of a loss at the last step
    reaches exactly k steps back (Mayank Sharma's truncated BPTT). Empty for full BPTT.
    """
    if k is None or k >= T:
        return frozenset()
    return frozenset(range(T - k, 0, -k))


def input_projection(cell: Cell, p: dict, x, ws=None) -> np.ndarray:
    """x_t W_xh + b_h for all t: x (T, B, D) -> (T, B, G*H), or (T, G, B, H) gate-major.

    ws: the Workspace whose "pre" array it may reuse (None: a new array).
    """
    ws = Workspace() if ws is None else ws
    T, B, D = x.shape
    G = p["W_xh"].shape[1]
    if cell.gate_major:  # (T, n, B, H): x_t W_xh gate by gate, one batched GEMM
        n = cell.n_gates
        xw = ws.empty("pre", (T, n, B, G // n), x.dtype)
        np.matmul(x[:, None], gate_blocks(p["W_xh"], n), out=xw)
        b = np.broadcast_to(p["b_h"].reshape(n, 1, G // n), (n, B, G // n))
        xw += np.ascontiguousarray(b)  # (n, B, H): one contiguous loop per step, not per row
        return xw
    xw = ws.empty("pre", (T * B, G), x.dtype)  # (T, B, G*H): x W_xh for all t, one GEMM
    np.matmul(x.reshape(T * B, D), p["W_xh"], out=xw)
    xw = xw.reshape(T, B, G)
    xw += p["b_h"]
    return xw


def forward(cell: Cell, p: dict, x, h0, c0, mask=None, frozen=None, ws=None) -> Cache:
    """Run the layer: x (T, B, D), h0/c0 (B, H), mask (T, B, 1) bool or None.

    ws: the Workspace whose arrays the cache may reuse (None: all new).
    """
    ws = Workspace() if ws is None else ws
    cache = Cache(cell, input_projection(cell, p, x, ws), h0, c0, ws)
    p = cell.prepare(p)
    cache.frozen = frozen
    for s in range(len(x)):
        cell.forward_step(s, cache, p)
        if mask is not None:  # padded step: carry the state through unchanged
            keep = ~mask[s]
            np.copyto(cache.Hs[s + 1], cache.h_prev(s), where=keep)
            if cache.Cs is not None:
                np.copyto(cache.Cs[s + 1], cache.c_prev(s), where=keep)
    return cache


def backward(cell, p, cache, dH=None, dh_last=None, mask=None, cuts=frozenset(), dh_out=None,
             ws=None, grads=None, dc_last=None):
    """BPTT through one layer-direction.

    dH: (T, B, H) gradient arriving on each h_t from above (None: only dh_last on the final h).
    dc_last: (B, H) gradient arriving on the final c_T (LSTM; e.g. from a decoder it started).
    dh_out: optional (T, B, H) buffer that receives the total dL/dh_t (through later steps).
    ws: the Workspace whose arrays may be reused (None: all new).
    grads: an optional WeightGrads, told each finished step (it may start its products).
    Returns dXW (T, B, G*H) = dL/d(x W_xh + b_h), dHW = dL/d(h_{t-1} W_hh), dh0, dc0.
    """
    ws = Workspace() if ws is None else ws
    T, B, H = cache.T, cache.B, cache.H
    if B > 1:  # each step multiplies by W_hh.T: contiguous in memory, BLAS runs it faster
        p = dict(p, W_hh=np.asfortranarray(p["W_hh"]))
    factors = cell.backward_factors(cache, ws)  # for all t, from the forward pass only
    dXW = factors["dxw"]  # (T, B, G*H): step s writes dL/dxw_s
    dHW = ws.empty("dHW", dXW.shape, dXW.dtype) if cell.kind == "gru" else dXW
    dh_next = np.zeros((B, H), dXW.dtype) if dh_last is None else dh_last.copy()
    dc_next = None
    if cell.has_c:
        dc_next = np.zeros((B, H), dXW.dtype) if dc_last is None else dc_last.copy()
    for s in range(T - 1, -1, -1):
        if dH is None:  # total dL/dh_s
            dh = dh_next
            if dh_out is not None:
                dh_out[s] = dh
        else:
            dh = np.add(dH[s], dh_next, out=None if dh_out is None else dh_out[s])
        dc = dc_next
        if mask is not None:
            m = mask[s]
            carry_h, dh = np.where(m, 0.0, dh), np.where(m, dh, 0.0)
            if dc is not None:
                carry_c, dc = np.where(m, 0.0, dc), np.where(m, dc, 0.0)
        dh_next, dc_next = cell.backward_step(s, cache, p, factors, dh, dc, dXW[s], dHW[s])
        if grads is not None:
            grads.finished(s, dXW, dHW)
        if mask is not None:
            dh_next = dh_next + carry_h
            if dc_next is not None:
                dc_next = dc_next + carry_c
        if s in cuts:  # truncated BPTT: nothing flows from here to step s-1
            dh_next = np.zeros_like(dh_next)
            dc_next = None if dc_next is None else np.zeros_like(dc_next)
    return dXW, dHW, dh_next, dc_next


# Below this many flops in x^T dXW and H^T dHW together, one GEMM each after the loop is
# cheaper than chunks on the background worker, whose taking the GIL back stalls the loop's
# many small NumPy calls (measurements: benchmarks/notes/core.md).
CHUNK_MIN_FLOP = 1e8


def grad_chunks(T: int, B: int, D: int, H: int, G: int) -> list[tuple[int, int]] | None:
    """Steps [a, b) whose weight-gradient products are taken apart, or None for one GEMM.

    Only the shape decides (and background.ENABLED), never whether the worker is free, so a
    training run gives the same numbers whichever thread did the work. Equal chunks, the
    last one (steps from 0, finished when the loop ends) the smallest: it is the one the
    pass waits for."""
    flop = 2.0 * T * B * (D + H) * G
    if not background.ENABLED or T < 4 or flop < CHUNK_MIN_FLOP:
        return None
    k = min(T // 2, 4 if flop < 5e8 else 8)
    size = T / (k - 0.5)  # chunk 0 (steps 0, 1, ...) is half a chunk
    edges = [0] + [round((i + 0.5) * size) for i in range(k - 1)] + [T]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


class WeightGrads:
    """dW_xh, dW_hh, db_h (and db_hn) of one layer-direction, as `weight_grads` gives them.

    With chunks (grad_chunks), backward tells it each finished step and it hands the two
    products of every finished chunk of steps to `lane` (the background worker, or at once);
    `result` sums the chunks in a fixed order. Without, `result` is `weight_grads`.
    """

    def __init__(self, cell, cache, x, lane: background.Lane) -> None:
        T, B, D = x.shape
        self.cell, self.cache, self.x, self.lane = cell, cache, x, lane
        self.chunks = grad_chunks(T, B, D, cache.H, cell.n_gates * cache.H)
        self._jobs: list[background.Job] = []
        self._next = len(self.chunks) - 1 if self.chunks else -1  # the loop runs backwards

    def finished(self, s: int, dXW, dHW) -> None:
        """Step s of BPTT is done: dXW[s] and dHW[s] hold their final values."""
        if self._next < 0 or s != self.chunks[self._next][0]:
            return
        a, b = self.chunks[self._next]
        self._next -= 1
        T, B, D = self.x.shape
        rows = slice(a * B, b * B)
        x2, h2 = self.x.reshape(T * B, D)[rows], self.cache.Hs[a:b].reshape((b - a) * B, -1)
        dxw, dhw = dXW[a:b].reshape((b - a) * B, -1), dHW[a:b].reshape((b - a) * B, -1)
        self._jobs.append(self.lane.submit(lambda: (x2.T @ dxw, h2.T @ dhw)))

    def result(self, dXW, dHW) -> dict:
        """The gradients (waits for the chunks still being multiplied)."""
        if not self.chunks:
            return weight_grads(self.cell, self.cache, self.x, dXW, dHW)
        assert self._next < 0, "backward did not finish every step"
        parts = [job.result() for job in self._jobs]  # last steps first: a fixed order
        self._jobs = []
        g_xh, g_hh = parts[0]
        for p_xh, p_hh in parts[1:]:
            g_xh += p_xh
            g_hh += p_hh
        return {"W_xh": g_xh, "W_hh": g_hh, **bias_grads(self.cell, self.cache, dXW, dHW)}


def bias_grads(cell, cache, dXW, dHW) -> dict:
    """db_h (and db_hn for GRU): column sums over all T*B rows."""
    T, B, G = dXW.shape
    g = {"b_h": column_sums(dXW.reshape(T * B, G))}
    if cell.kind == "gru":
        g["b_hn"] = column_sums(dHW.reshape(T * B, G)[:, 2 * cache.H :])
    return g


def weight_grads(cell, cache, x, dXW, dHW) -> dict:
    """dW_xh, dW_hh, db_h (and db_hn) as one GEMM each over all T*B rows."""
    T, B, D = x.shape
    H = cache.H
    G = dXW.shape[2]
    dXW2 = dXW.reshape(T * B, G)
    return {
        "W_xh": x.reshape(T * B, D).T @ dXW2,
        "W_hh": cache.Hs[:-1].reshape(T * B, H).T @ dHW.reshape(T * B, G),
        **bias_grads(cell, cache, dXW, dHW),
    }


def state_jacobians(cell, p, cache, b: int, mask=None) -> np.ndarray:
    """J_s = d s_s / d s_{s-1} for sample b, (T, S, S); S = H (2H for LSTM: state (h, c)).

    Row i of J_s is what one backward step returns for the unit gradient e_i, so the
    Jacobian comes from the very code that trains the network.
    """
    T, H = cache.T, cache.H
    S = 2 * H if cell.has_c else H
    cs = cache.sample(b)
    factors = cell.backward_factors(cs)
    eye = np.eye(S, dtype=cache.pre.dtype)
    G = cell.n_gates * H
    dxw, dhw = np.empty((S, G), eye.dtype), np.empty((S, G), eye.dtype)
    J = np.empty((T, S, S), eye.dtype)
    for s in range(T):
        if mask is not None and not mask[s, b, 0]:
            J[s] = eye
            continue
        dh_prev, dc_prev = cell.backward_step(
            s, cs, p, factors, eye[:, :H], eye[:, H:] if cell.has_c else None, dxw, dhw
        )
        J[s, :, :H] = dh_prev
        if cell.has_c:
            J[s, :, H:] = dc_prev
    return J


def product_norms(J: np.ndarray) -> np.ndarray:
    """||d s_{T-1} / d s_t||_2 for t = 0..T-1 from the per-step Jacobians J (T, S, S).

    The running product is renormalised each step (log-scale) so long products neither
    overflow nor underflow before the norm is taken.
    """
    T, S, _ = J.shape
    out = np.empty(T)
    out[T - 1] = 1.0
    P = np.eye(S)
    log_scale = 0.0
    for t in range(T - 1, 0, -1):
        P = P @ J[t]  # d s_{T-1} / d s_{t-1}
        n = np.linalg.norm(P, 2)
        if n == 0.0 or not np.isfinite(n):
            out[: t] = 0.0 if n == 0.0 else np.inf
            return out
        log_scale += np.log(n)
        P /= n
        out[t - 1] = np.exp(log_scale) if log_scale < 700 else np.inf
    return out
