"""Encoder-decoder (sequence to sequence) built from the cells of cells.py, with full BPTT.

Encoder: h_t = cell(x_t, h_{t-1}) for t = 1..T, from h_0 = 0 (and c_0 = 0 for LSTM).
Bottleneck: the decoder starts from the encoder's final state, s_0 = h_T (and c_T): the one
vector through which everything the decoder knows about the input must pass.
Decoder: s_u = cell(e_{u-1}, s_{u-1}) for u = 1..U, where e_{u-1} is the one-hot of the
previous output token y_{u-1} (y_0 = <start>); logits z_u = s_u W_hy + b_y.
Teacher forcing (training): y_{u-1} is the true previous token. Generating: the decoder's own
argmax of z_{u-1}, fed back (argmax is flat, so BPTT then treats those inputs as constants).
Loss: the mean cross-entropy over all B x U output positions.

Parameters (G gate blocks: 1 rnn, 4 lstm, 3 gru; V_in = input_size, V_out = output_size):
W_xh_enc (V_in, G*H), W_hh_enc (H, G*H), b_h_enc (G*H,) [b_hn_enc (H,) GRU], the same with
_dec where W_xh_dec is (V_out + 1, G*H): a row per output token plus the start token
(index V_out), and the readout W_hy (H, V_out), b_y (V_out,).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from rnnviz.core import init as _init
from rnnviz.core import layer as lyr
from rnnviz.core.cells import Cache, make_cell
from rnnviz.core.config import ModelConfig
from rnnviz.core.fast.workspace import Workspace
from rnnviz.core.losses import cross_entropy, softmax
from rnnviz.core.trace import LayerTrace

SIDES = ("enc", "dec")
LAYER_KEYS = ("W_xh", "W_hh", "b_h", "b_hn")


def check_config(cfg: ModelConfig) -> None:
    """Raise ValueError for settings an encoder-decoder of one layer per side cannot use."""
    cfg.validate()
    if cfg.num_layers != 1 or cfg.bidirectional:
        raise ValueError("the encoder-decoder has one layer per side, one direction: "
                         f"got {cfg.num_layers} layer(s), bidirectional={cfg.bidirectional}")
    if cfg.bptt_truncate is not None:
        raise ValueError("the encoder-decoder trains with full BPTT: truncation is not "
                         "available")


def init_params(cfg: ModelConfig) -> dict[str, np.ndarray]:
    """Encoder and decoder drawn like one-layer networks (init.py): the encoder from
    cfg.seed, the decoder and the readout from cfg.seed + 1."""
    enc = _init.init_params(replace(cfg, num_layers=1, bidirectional=False))
    dec = _init.init_params(replace(cfg, num_layers=1, bidirectional=False,
                                    input_size=cfg.output_size + 1,
                                    seed=(cfg.seed + 1) % 2**32))
    params = {}
    for side, p in (("enc", enc), ("dec", dec)):
        params |= {f"{k}_{side}": p[k] for k in LAYER_KEYS if k in p}
    params["W_hy"], params["b_y"] = dec["W_hy"], dec["b_y"]
    return params


@dataclass
class Seq2SeqTrace:
    """What one pass recorded. Time-major per side: enc.h (T, B, H), dec.h (U, B, H).

    enc, dec: LayerTrace (h, c, gates, dh = total dL/dh, x, jacobians()); enc.x is the
    (T, B, V_in) one-hot input, dec.x the (U, B, V_out + 1) one-hot decoder input.
    """

    source: np.ndarray  # (B, T) int input tokens
    dec_input: np.ndarray  # (B, U) int decoder inputs: <start>, then y_{u-1} (true or own)
    target: np.ndarray | None  # (B, U) int, None when generating without one
    enc: LayerTrace
    dec: LayerTrace
    logits: np.ndarray  # (B, U, V_out)
    teacher: bool  # True: teacher forcing; False: the decoder read its own predictions
    start: int  # index of the start token in dec_input (= V_out)
    loss: float | None = None
    loss_per_sample: np.ndarray | None = None  # (B,) mean over the U positions
    loss_per_position: np.ndarray | None = None  # (U,) mean over the batch
    dh_bottleneck: np.ndarray | None = None  # (B, H) dL/dh_T the decoder hands the encoder
    dc_bottleneck: np.ndarray | None = None  # (B, H) dL/dc_T (LSTM)
    param_grad_norm: dict[str, float] = field(default_factory=dict)
    clip: dict | None = None  # filled by optim.train_step

    @property
    def outputs(self) -> np.ndarray:
        """(B, U, V_out) logits: what Task.metric and optim.train_step read."""
        return self.logits

    @property
    def pred(self) -> np.ndarray:
        """(B, U) int: the argmax token at each output position."""
        return self.logits.argmax(axis=-1)

    @property
    def probs(self) -> np.ndarray:
        """(B, U, V_out) softmax of the logits."""
        return softmax(self.logits)

    @property
    def T(self) -> int:
        return self.enc.h.shape[0]

    @property
    def U(self) -> int:
        return self.dec.h.shape[0]

    @property
    def bottleneck(self) -> np.ndarray:
        """(B, H) h_T: the encoder's last hidden state, the decoder's first."""
        return self.enc.h[-1]

    @property
    def hidden(self) -> np.ndarray:
        """(T + U, B, H) encoder states h_1..h_T, then decoder states s_1..s_U."""
        return np.concatenate([self.enc.h, self.dec.h])

    @property
    def dh(self) -> np.ndarray | None:
        """(T + U, B, H) total dL/dh on both sides (None: not recorded)."""
        if self.enc.dh is None:
            return None
        return np.concatenate([self.enc.dh, self.dec.dh])

    @property
    def grad_norm(self) -> np.ndarray | None:
        """(T + U,) ||dL/dh|| over the batch: encoder steps, then decoder steps."""
        if self.enc.dh is None:
            return None
        return np.concatenate([self.enc.grad_norm, self.dec.grad_norm])


class Seq2Seq:
    """An encoder-decoder of one layer per side whose every pass can be recorded.

    cfg: a ModelConfig with input_size = V_in (source tokens), output_size = V_out
    (target tokens), cell, hidden_size, activation, init, dtype, seed; one layer, one
    direction, full BPTT. Inputs X: (B, T) int token ids or (B, T, V_in) one-hot rows;
    targets Y: (B, U) int in [0, V_out).
    """

    def __init__(self, cfg: ModelConfig):
        check_config(cfg)
        self.cfg = cfg
        self.cell = make_cell(cfg.cell, cfg.activation)
        self.start = cfg.output_size  # the start token's index in the decoder's input
        self.params: dict[str, np.ndarray] = init_params(cfg)
        self._ws = Workspace()

    def release_buffers(self) -> None:
        """Let go of the arrays kept for the next pass (an idle model)."""
        self._ws = Workspace()

    @property
    def dtype(self):
        return np.dtype(self.cfg.dtype)

    @property
    def num_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    def side_params(self, side: str) -> dict[str, np.ndarray]:
        """{"W_xh", "W_hh", "b_h"[, "b_hn"]} of the encoder ("enc") or decoder ("dec")."""
        return {k: self.params[f"{k}_{side}"] for k in LAYER_KEYS
                if f"{k}_{side}" in self.params}

    # -- inputs -------------------------------------------------------------------------
    def _source(self, X) -> tuple[np.ndarray, np.ndarray]:
        """x (T, B, V_in) time-major one-hot (or the rows given) and the ids (B, T)."""
        V = self.cfg.input_size
        X = np.asarray(X)
        if X.ndim == 2 and X.size and np.issubdtype(X.dtype, np.integer):
            if X.min() < 0 or X.max() >= V:
                raise ValueError(f"X must hold token ids in [0, {V - 1}]")
            return _one_hot(X.T, V, self.dtype), X.astype(np.int64)
        if X.ndim != 3 or X.shape[2] != V or X.shape[0] < 1 or X.shape[1] < 1:
            raise ValueError(f"X must be token ids (B, T) or one-hot rows (B, T, {V}) with "
                             f"B, T >= 1; got shape {X.shape}")
        if not np.issubdtype(X.dtype, np.number) or not np.isfinite(X).all():
            raise ValueError("X must contain finite numbers only")
        return np.ascontiguousarray(X.transpose(1, 0, 2), dtype=self.dtype), X.argmax(-1)

    def _target(self, Y, B: int) -> np.ndarray:
        O = self.cfg.output_size
        Y = np.asarray(Y)
        if Y.ndim != 2 or Y.shape[0] != B or Y.shape[1] < 1:
            raise ValueError(f"Y must be integer tokens of shape ({B}, U) with U >= 1; "
                             f"got {Y.shape}")
        if not np.issubdtype(Y.dtype, np.integer) or Y.min() < 0 or Y.max() >= O:
            raise ValueError(f"Y must hold integer tokens in [0, {O - 1}]")
        return Y.astype(np.int64)

    # -- forward ------------------------------------------------------------------------
    def _encode(self, x: np.ndarray):
        """The encoder's Cache over x (T, B, V_in), from zero state."""
        B, H = x.shape[1], self.cfg.hidden_size
        h0 = np.zeros((B, H), self.dtype)
        c0 = np.zeros((B, H), self.dtype) if self.cell.has_c else None
        return lyr.forward(self.cell, self.side_params("enc"), x, h0, c0,
                           ws=self._ws.part("enc"))

    def _decode(self, enc, Y: np.ndarray | None, U: int, teacher: bool):
        """The decoder from the encoder's final state: (Cache, x_dec (U, B, V_out + 1),
        ids (B, U) of its inputs, logits (U, B, V_out))."""
        p, ws = self.side_params("dec"), self._ws.part("dec")
        W_hy, b_y = self.params["W_hy"], self.params["b_y"]
        B, D = enc.B, self.cfg.output_size + 1
        h0, c0 = enc.Hs[-1], None if enc.Cs is None else enc.Cs[-1]
        ids = np.full((B, U), self.start, np.int64)  # (B, U) decoder inputs
        if teacher:  # y_{u-1}: the true previous token, all known before the loop
            ids[:, 1:] = Y[:, :-1]
            x_dec = _one_hot(ids.T, D, self.dtype)  # (U, B, D)
            cache = lyr.forward(self.cell, p, x_dec, h0, c0, ws=ws)
            logits = cache.Hs[1:] @ W_hy + b_y  # (U, B, O)
            return cache, x_dec, ids, logits
        x_dec = _one_hot(ids.T, D, self.dtype)  # row u > 0 is rewritten once y_{u-1} is known
        cache = Cache(self.cell, lyr.input_projection(self.cell, p, x_dec, ws), h0, c0, ws)
        pp = self.cell.prepare(p)
        logits = np.empty((U, B, self.cfg.output_size), self.dtype)
        rows = np.arange(B)
        for s in range(U):
            if s:  # feed back the argmax of the previous step
                ids[:, s] = logits[s - 1].argmax(axis=-1)
                x_dec[s] = 0
                x_dec[s, rows, ids[:, s]] = 1
                cache.pre[s] = lyr.input_projection(self.cell, p, x_dec[s : s + 1])[0]
            self.cell.forward_step(s, cache, pp)
            np.matmul(cache.Hs[s + 1], W_hy, out=logits[s])
            logits[s] += b_y
        return cache, x_dec, ids, logits

    def _run(self, X, Y, U, teacher):
        x, src = self._source(X)
        B = x.shape[1]
        if Y is not None:
            Y = self._target(Y, B)
            U = Y.shape[1]
        elif teacher:
            raise ValueError("teacher forcing needs the targets Y")
        elif U is None or isinstance(U, bool) or not isinstance(U, (int, np.integer)) or U < 1:
            raise ValueError(f"U (output length) must be an integer >= 1, got {U!r}")
        enc = self._encode(x)
        dec, x_dec, ids, logits = self._decode(enc, Y, int(U), teacher)
        return x, src, Y, enc, dec, x_dec, ids, logits

    @staticmethod
    def _no_extras(h0, mask) -> None:
        if h0 is not None or mask is not None:
            raise ValueError("the encoder-decoder starts from zero state and takes no mask")

    def trace(self, X, Y=None, teacher: bool = True, U: int | None = None) -> Seq2SeqTrace:
        """A forward-only trace; teacher=False generates (U steps, or Y's length)."""
        x, src, Y, enc, dec, x_dec, ids, logits = self._run(X, Y, U, teacher)
        tr = self._make_trace(x, src, Y, enc, dec, x_dec, ids, logits, teacher, None, None)
        if Y is not None:
            self._score(tr, logits, Y)
        return tr

    def generate(self, X, U: int) -> np.ndarray:
        """(B, U) int: the decoder's own argmax tokens, each fed back as the next input."""
        return self.trace(X, teacher=False, U=U).pred

    def loss(self, X, Y, loss="cross_entropy", h0=None, mask=None, _frozen=None,
             teacher=True) -> float:
        """The loss alone (forward only), e.g. for finite differences (gradcheck.py: no
        truncation, so _frozen is always None)."""
        _check_loss(loss)
        self._no_extras(h0, mask)
        *_, Y, _, _, _, _, logits = self._run(X, Y, None, teacher)
        U, B, O = logits.shape
        return cross_entropy(logits.reshape(U * B, O), Y.T.reshape(-1),
                             np.ones(U * B, self.dtype))[0]

    def loss_and_grads(self, X, Y, loss="cross_entropy", h0=None, mask=None, record=True,
                       teacher=True):
        """Forward, loss and full BPTT through decoder and encoder.

        Returns (loss, grads: name -> array like params, trace). record=False skips the
        dL/dh records and the norms (the fast path). Same signature as Model's, so
        optim.train_step trains either.
        """
        _check_loss(loss)
        self._no_extras(h0, mask)
        x, src, Y, enc, dec, x_dec, ids, logits = self._run(X, Y, None, teacher)
        U, B, O = logits.shape
        H = self.cfg.hidden_size
        value, row_loss, dz = cross_entropy(logits.reshape(U * B, O), Y.T.reshape(-1),
                                            np.ones(U * B, self.dtype))  # rows (u, b)
        rows = dec.Hs[1:].reshape(U * B, H)
        grads = {"W_hy": rows.T @ dz, "b_y": dz.sum(axis=0)}
        dS = (dz @ self.params["W_hy"].T).reshape(U, B, H)  # dL/ds_u from the readout
        dh_dec = np.empty((U, B, H), self.dtype) if record else None
        p_dec, ws_dec = self.side_params("dec"), self._ws.part("dec")
        dXW, dHW, dh_T, dc_T = lyr.backward(self.cell, p_dec, dec, dH=dS, dh_out=dh_dec,
                                            ws=ws_dec)
        grads |= {f"{k}_dec": g for k, g in
                  lyr.weight_grads(self.cell, dec, x_dec, dXW, dHW).items()}
        dh_enc = np.empty((enc.T, B, H), self.dtype) if record else None
        p_enc, ws_enc = self.side_params("enc"), self._ws.part("enc")
        dXW, dHW, _, _ = lyr.backward(self.cell, p_enc, enc, dh_last=dh_T, dc_last=dc_T,
                                      dh_out=dh_enc, ws=ws_enc)  # through the bottleneck
        grads |= {f"{k}_enc": g for k, g in
                  lyr.weight_grads(self.cell, enc, x, dXW, dHW).items()}
        grads = {k: grads[k] for k in self.params}  # canonical order
        tr = self._make_trace(x, src, Y, enc, dec, x_dec, ids, logits, teacher, dh_enc,
                              dh_dec)
        self._score(tr, logits, Y, value, row_loss)
        tr.dh_bottleneck, tr.dc_bottleneck = dh_T, dc_T
        if record:
            tr.param_grad_norm = {k: float(np.linalg.norm(g)) for k, g in grads.items()}
        return value, grads, tr

    # -- the record ---------------------------------------------------------------------
    def _make_trace(self, x, src, Y, enc, dec, x_dec, ids, logits, teacher, dh_enc,
                    dh_dec) -> Seq2SeqTrace:
        sides = []
        for i, (side, c, xi, dh) in enumerate((("enc", enc, x, dh_enc),
                                               ("dec", dec, x_dec, dh_dec))):
            gates = {}
            if c.gates is not None:
                gates = {name: c.gate(k) for k, name in enumerate(self.cell.gate_names)}
            p = {k: v.copy() for k, v in self.side_params(side).items()}
            pre = (lambda c=c: c.pre_rows()) if c.gate_major else c.pre
            sides.append(LayerTrace(layer=i, direction=0, x=xi, _pre=pre, h=c.Hs[1:],
                                    c=None if c.Cs is None else c.Cs[1:], gates=gates, dh=dh,
                                    _cell=self.cell, _params=p, _cache=c))
        return Seq2SeqTrace(source=src, dec_input=ids, target=Y, enc=sides[0], dec=sides[1],
                            logits=logits.transpose(1, 0, 2), teacher=teacher,
                            start=self.start)

    def _score(self, tr, logits, Y, value=None, row_loss=None) -> None:
        """Fill the trace's losses: overall, per sample (B,) and per position (U,)."""
        U, B, O = logits.shape
        if row_loss is None:
            value, row_loss, _ = cross_entropy(logits.reshape(U * B, O), Y.T.reshape(-1),
                                               np.ones(U * B, self.dtype))
        per = row_loss.reshape(U, B)
        tr.loss, tr.loss_per_sample, tr.loss_per_position = value, per.mean(0), per.mean(1)


def _check_loss(loss: str) -> None:
    if loss != "cross_entropy":
        raise ValueError(f"the encoder-decoder is trained with cross_entropy; got {loss!r}")


def _one_hot(ids: np.ndarray, n: int, dtype) -> np.ndarray:
    """ids (...) int -> (..., n) one-hot rows of dtype."""
    out = np.zeros(ids.shape + (n,), dtype)
    np.put_along_axis(out, ids[..., None], 1, axis=-1)
    return out
