"""Optional: the encoder-decoder's BPTT against PyTorch autograd (as tests/test_torch.py)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.core.config import ModelConfig
from rnnviz.core.seq2seq import Seq2Seq

torch = pytest.importorskip(
    "torch", reason="optional comparison: pip install torch==2.13.0 (CPU build)"
)

CLASSES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def side_module(model: Seq2Seq, side: str, D: int):
    """A one-layer torch RNN/LSTM/GRU holding our weights of one side."""
    cfg, H = model.cfg, model.cfg.hidden_size
    kw = {"nonlinearity": cfg.activation} if cfg.cell == "rnn" else {}
    net = getattr(torch.nn, CLASSES[cfg.cell])(D, H, batch_first=True, dtype=torch.float64,
                                                **kw)
    p = model.side_params(side)
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.tensor(p["W_xh"].T))
        net.weight_hh_l0.copy_(torch.tensor(p["W_hh"].T))
        net.bias_ih_l0.copy_(torch.tensor(p["b_h"]))
        b_hh = np.zeros(p["b_h"].shape)
        if cfg.cell == "gru":
            b_hh[2 * H :] = p["b_hn"]
        net.bias_hh_l0.copy_(torch.tensor(b_hh))
    return net


def torch_seq2seq(model: Seq2Seq, X, Y, teacher: bool):
    """Loss, grads in our names and the (B, U) decoder outputs' argmax, from torch."""
    cfg, H = model.cfg, model.cfg.hidden_size
    V_in, O = cfg.input_size, cfg.output_size
    enc, dec = side_module(model, "enc", V_in), side_module(model, "dec", O + 1)
    fc = torch.nn.Linear(H, O, dtype=torch.float64)
    with torch.no_grad():
        fc.weight.copy_(torch.tensor(model.params["W_hy"].T))
        fc.bias.copy_(torch.tensor(model.params["b_y"]))
    eye_in, eye_out = torch.eye(V_in, dtype=torch.float64), torch.eye(O + 1, dtype=torch.float64)
    _, state = enc(eye_in[torch.tensor(X)])  # the bottleneck: h_T (and c_T)
    B, U = Y.shape
    if teacher:
        prev = torch.tensor(np.concatenate([np.full((B, 1), O), Y[:, :-1]], axis=1))
        out, _ = dec(eye_out[prev], state)
        logits = fc(out)  # (B, U, O)
    else:
        tok, steps = torch.full((B,), O), []
        for _ in range(U):
            out, state = dec(eye_out[tok][:, None], state)
            z = fc(out[:, 0])
            steps.append(z)
            tok = z.argmax(dim=-1).detach()
        logits = torch.stack(steps, dim=1)
    L = torch.nn.functional.cross_entropy(logits.reshape(-1, O), torch.tensor(Y).reshape(-1))
    L.backward()
    g = {"W_hy": fc.weight.grad.numpy().T, "b_y": fc.bias.grad.numpy()}
    for side, net in (("enc", enc), ("dec", dec)):
        g[f"W_xh_{side}"] = net.weight_ih_l0.grad.numpy().T
        g[f"W_hh_{side}"] = net.weight_hh_l0.grad.numpy().T
        g[f"b_h_{side}"] = net.bias_ih_l0.grad.numpy()
        if cfg.cell == "gru":  # our b_h holds b_ih (+ b_hh for r, z); b_hn is b_hh's n part
            g[f"b_hn_{side}"] = net.bias_hh_l0.grad.numpy()[2 * H :]
    return float(L.detach()), g, logits.detach().numpy().argmax(-1)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("teacher", [True, False])
def test_matches_torch_autograd(cell, teacher):
    model = Seq2Seq(ModelConfig(cell=cell, input_size=5, hidden_size=6, output_size=4, seed=1))
    rng = np.random.default_rng(3)
    X, Y = rng.integers(0, 5, (3, 7)), rng.integers(0, 4, (3, 5))
    ours, grads, tr = model.loss_and_grads(X, Y, teacher=teacher)
    theirs, tg, pred = torch_seq2seq(model, X, Y, teacher)
    np.testing.assert_array_equal(tr.pred, pred)
    assert ours == pytest.approx(theirs, rel=1e-12)
    assert set(grads) == set(tg)
    for k in grads:
        np.testing.assert_allclose(grads[k], tg[k], rtol=1e-9, atol=1e-12, err_msg=k)
