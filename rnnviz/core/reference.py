"""The plain reference: forward pass, loss and BPTT of one recurrent layer, one function a cell.

Read this file first if you want to see how backpropagation through time works; read the rest
of rnnviz/core (cells.py, layer.py, network.py) only to see how the same numbers are computed
fast. Each function below is written like Karpathy's min-char-rnn `lossFun`: a forward loop
over t that keeps every h_t in a dict (hs[-1] is h_0 = 0), then a backward loop from t = T-1
down to 0 that carries dh_next (and for the LSTM dc_next) to the step before. Start with
`rnn_loss_and_grads`; the LSTM and GRU add gates but follow the same two loops.

Conventions (the same as rnnviz.Model, which the tests check against this file to 1e-12):
- row vectors: h_t = act(x_t @ W_xh + h_{t-1} @ W_hh + b_h), y_t = h_t @ W_hy + b_y;
- X is (B, T, D); readout "last" has one output y_{T-1}, readout "all" one y_t at every t;
- Y: cross-entropy int labels (B,) or (B, T); MSE floats (B, O) or (B, T, O);
- cross-entropy is the mean over the batch (and over time for "all"); MSE is the mean
  over every element;
- gate blocks side by side along the columns, as in PyTorch: LSTM [i|f|g|o], GRU [r|z|n].
Scope: one layer, one direction, h_0 = 0, full BPTT, no padding mask.

Each function returns (loss, grads, hs, dhs): grads has the parameter names of rnnviz.Model
(W_xh, W_hh, b_h, [b_hn], W_hy, b_y), hs is (T, B, H) with every h_t and dhs is (T, B, H)
with every total dL/dh_t (through the output at t and through all later steps).
"""

from __future__ import annotations

import numpy as np


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


# act(a), and act'(a) written with h = act(a)
ACTIVATIONS = {
    "tanh": (np.tanh, lambda h: 1.0 - h * h),
    "sigmoid": (sigmoid, lambda h: h * (1.0 - h)),
    "relu": (lambda a: np.maximum(a, 0.0), lambda h: (h > 0).astype(h.dtype)),
}


def output_steps(T, readout):
    """The steps t that have an output y_t."""
    return [T - 1] if readout == "last" else list(range(T))


def target(Y, t, readout):
    """The target of the output at step t: (B,) labels or (B, O) values."""
    return Y if readout == "last" else Y[:, t]


def output_loss(y, target, loss, n):
    """This step's share of the loss, and dL/dy. y (B, O); n: how many terms the mean has."""
    if loss == "cross_entropy":  # target (B,) int labels
        logp = y - y.max(axis=1, keepdims=True)  # (B, O), shifted: exp cannot overflow
        logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))  # log softmax
        rows = np.arange(len(target))
        dy = np.exp(logp)  # (B, O) softmax p
        dy[rows, target] -= 1.0  # dL/dy = p - onehot(c)
        return -logp[rows, target].sum() / n, dy / n
    if loss == "mse":  # target (B, O)
        diff = y - target
        return (diff * diff).sum() / n, 2.0 * diff / n
    raise ValueError(f"loss must be cross_entropy or mse; got {loss!r}")


def n_terms(loss, B, T, O, readout):
    """How many terms the loss is the mean of: rows (cross-entropy) or elements (MSE)."""
    n = B * len(output_steps(T, readout))
    return n * O if loss == "mse" else n


def rnn_loss_and_grads(params, X, Y, loss="cross_entropy", readout="last", activation="tanh"):
    """Vanilla RNN: h_t = act(x_t @ W_xh + h_{t-1} @ W_hh + b_h)."""
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    act, dact = ACTIVATIONS[activation]
    B, T, D = X.shape
    H, O = W_hh.shape[0], W_hy.shape[1]
    n_mean, outs = n_terms(loss, B, T, O, readout), output_steps(T, readout)
    # forward
    hs, dys, total = {-1: np.zeros((B, H))}, {}, 0.0
    for t in range(T):
        hs[t] = act(X[:, t] @ W_xh + hs[t - 1] @ W_hh + b_h)  # (B, H)
        if t in outs:
            L_t, dys[t] = output_loss(hs[t] @ W_hy + b_y, target(Y, t, readout), loss, n_mean)
            total += L_t
    # backward
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dhs = np.zeros((T, B, H))  # (T, B, H) total dL/dh_t
    dh_next = np.zeros((B, H))  # dL/dh_t through step t+1
    for t in reversed(range(T)):
        dh = dh_next.copy()
        if t in dys:  # through y_t = h_t @ W_hy + b_y
            grads["W_hy"] += hs[t].T @ dys[t]
            grads["b_y"] += dys[t].sum(axis=0)
            dh += dys[t] @ W_hy.T
        dhs[t] = dh
        da = dh * dact(hs[t])  # (B, H) dL/da_t, a_t the pre-activation
        grads["W_xh"] += X[:, t].T @ da
        grads["W_hh"] += hs[t - 1].T @ da
        grads["b_h"] += da.sum(axis=0)
        dh_next = da @ W_hh.T
    return total, grads, np.stack([hs[t] for t in range(T)]), dhs


def lstm_loss_and_grads(params, X, Y, loss="cross_entropy", readout="last"):
    """LSTM, gates [i|f|g|o]: c_t = f * c_{t-1} + i * g, h_t = o * tanh(c_t)."""
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    B, T, D = X.shape
    H, O = W_hh.shape[0], W_hy.shape[1]
    n_mean, outs = n_terms(loss, B, T, O, readout), output_steps(T, readout)
    # forward
    hs, cs, gates, dys, total = {-1: np.zeros((B, H))}, {-1: np.zeros((B, H))}, {}, {}, 0.0
    for t in range(T):
        z = X[:, t] @ W_xh + hs[t - 1] @ W_hh + b_h  # (B, 4H)
        i = sigmoid(z[:, :H])  # (B, H) input gate
        f = sigmoid(z[:, H : 2 * H])  # forget gate
        g = np.tanh(z[:, 2 * H : 3 * H])  # candidate
        o = sigmoid(z[:, 3 * H :])  # output gate
        gates[t] = (i, f, g, o)
        cs[t] = f * cs[t - 1] + i * g  # (B, H) cell state
        hs[t] = o * np.tanh(cs[t])
        if t in outs:
            L_t, dys[t] = output_loss(hs[t] @ W_hy + b_y, target(Y, t, readout), loss, n_mean)
            total += L_t
    # backward
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dhs = np.zeros((T, B, H))  # (T, B, H) total dL/dh_t
    dh_next, dc_next = np.zeros((B, H)), np.zeros((B, H))
    for t in reversed(range(T)):
        i, f, g, o = gates[t]
        dh = dh_next.copy()
        if t in dys:
            grads["W_hy"] += hs[t].T @ dys[t]
            grads["b_y"] += dys[t].sum(axis=0)
            dh += dys[t] @ W_hy.T
        dhs[t] = dh
        tanh_c = np.tanh(cs[t])
        dc = dc_next + dh * o * (1.0 - tanh_c**2)  # (B, H) total dL/dc_t
        di, df, dg, do = dc * g, dc * cs[t - 1], dc * i, dh * tanh_c
        dz = np.concatenate([di * i * (1 - i), df * f * (1 - f),  # (B, 4H) dL/dz_t
                             dg * (1 - g * g), do * o * (1 - o)], axis=1)
        grads["W_xh"] += X[:, t].T @ dz
        grads["W_hh"] += hs[t - 1].T @ dz
        grads["b_h"] += dz.sum(axis=0)
        dh_next = dz @ W_hh.T
        dc_next = dc * f
    return total, grads, np.stack([hs[t] for t in range(T)]), dhs


def gru_loss_and_grads(params, X, Y, loss="cross_entropy", readout="last"):
    """GRU, gates [r|z|n] as in PyTorch (b_h holds b_ir, b_iz, b_in; b_hn stays inside r *):
    r = sigmoid(x W_ir + b_ir + h W_hr), z = sigmoid(x W_iz + b_iz + h W_hz),
    n = tanh(x W_in + b_in + r * (h W_hn + b_hn)), h_t = (1 - z) * n + z * h_{t-1}."""
    W_xh, W_hh, b_h, b_hn, W_hy, b_y = (params[k] for k in
                                        ("W_xh", "W_hh", "b_h", "b_hn", "W_hy", "b_y"))
    B, T, D = X.shape
    H, O = W_hh.shape[0], W_hy.shape[1]
    n_mean, outs = n_terms(loss, B, T, O, readout), output_steps(T, readout)
    # forward
    hs, gates, dys, total = {-1: np.zeros((B, H))}, {}, {}, 0.0
    for t in range(T):
        ax = X[:, t] @ W_xh + b_h  # (B, 3H) input part of [r|z|n]
        ah = hs[t - 1] @ W_hh  # (B, 3H) recurrent part
        r = sigmoid(ax[:, :H] + ah[:, :H])  # (B, H) reset gate
        z = sigmoid(ax[:, H : 2 * H] + ah[:, H : 2 * H])  # update gate
        hn = ah[:, 2 * H :] + b_hn  # (B, H) h_{t-1} W_hn + b_hn
        n = np.tanh(ax[:, 2 * H :] + r * hn)  # candidate
        gates[t] = (r, z, n, hn)
        hs[t] = (1.0 - z) * n + z * hs[t - 1]
        if t in outs:
            L_t, dys[t] = output_loss(hs[t] @ W_hy + b_y, target(Y, t, readout), loss, n_mean)
            total += L_t
    # backward
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dhs = np.zeros((T, B, H))  # (T, B, H) total dL/dh_t
    dh_next = np.zeros((B, H))
    for t in reversed(range(T)):
        r, z, n, hn = gates[t]
        dh = dh_next.copy()
        if t in dys:
            grads["W_hy"] += hs[t].T @ dys[t]
            grads["b_y"] += dys[t].sum(axis=0)
            dh += dys[t] @ W_hy.T
        dhs[t] = dh
        dn = dh * (1.0 - z)  # (B, H)
        dz = dh * (hs[t - 1] - n)
        dan = dn * (1.0 - n * n)  # dL/d(pre-activation of n)
        dr = dan * hn
        dar, daz = dr * r * (1 - r), dz * z * (1 - z)
        dax = np.concatenate([dar, daz, dan], axis=1)  # (B, 3H) dL/d(x W_xh + b_h)
        dah = np.concatenate([dar, daz, dan * r], axis=1)  # (B, 3H) dL/d(h_{t-1} W_hh)
        grads["W_xh"] += X[:, t].T @ dax
        grads["b_h"] += dax.sum(axis=0)
        grads["W_hh"] += hs[t - 1].T @ dah
        grads["b_hn"] += (dan * r).sum(axis=0)
        dh_next = dah @ W_hh.T + dh * z
    return total, grads, np.stack([hs[t] for t in range(T)]), dhs


def loss_and_grads(cell, params, X, Y, loss="cross_entropy", readout="last", activation="tanh"):
    """Dispatch on cell ("rnn", "lstm", "gru"); activation is for the vanilla RNN only."""
    if cell == "rnn":
        return rnn_loss_and_grads(params, X, Y, loss, readout, activation)
    fn = {"lstm": lstm_loss_and_grads, "gru": gru_loss_and_grads}[cell]
    return fn(params, X, Y, loss, readout)
