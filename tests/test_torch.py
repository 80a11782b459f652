"""Optional: our BPTT against PyTorch autograd (runs where torch==2.13.0 is installed; CI does)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_batch

import rnnviz
from rnnviz.core.init import suffix

torch = pytest.importorskip(
    "torch", reason="optional comparison: pip install torch==2.13.0 (CPU build)"
)


def torch_grads(model: rnnviz.Model, X, Y, loss):
    """Build the same network in torch, copy our weights, return autograd grads in our names."""
    cfg = model.cfg
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cfg.cell]
    kw = {"nonlinearity": cfg.activation} if cfg.cell == "rnn" else {}
    net = cls(cfg.input_size, cfg.hidden_size, num_layers=cfg.num_layers, batch_first=True,
              bidirectional=cfg.bidirectional, dtype=torch.float64, **kw)
    fc = torch.nn.Linear(cfg.hidden_size * cfg.num_directions, cfg.output_size,
                         dtype=torch.float64)
    H = cfg.hidden_size
    P = model.params
    with torch.no_grad():
        for l in range(cfg.num_layers):
            for d in range(cfg.num_directions):
                s, ts = suffix(l, d), f"_l{l}" + ("_reverse" if d else "")
                getattr(net, "weight_ih" + ts).copy_(torch.tensor(P["W_xh" + s].T))
                getattr(net, "weight_hh" + ts).copy_(torch.tensor(P["W_hh" + s].T))
                getattr(net, "bias_ih" + ts).copy_(torch.tensor(P["b_h" + s]))
                b_hh = np.zeros(P["b_h" + s].shape)
                if cfg.cell == "gru":
                    b_hh[2 * H :] = P["b_hn" + s]
                getattr(net, "bias_hh" + ts).copy_(torch.tensor(b_hh))
        fc.weight.copy_(torch.tensor(P["W_hy"].T))
        fc.bias.copy_(torch.tensor(P["b_y"]))
    out, h_n = net(torch.tensor(X))
    if cfg.cell == "lstm":
        h_n = h_n[0]
    if cfg.readout == "last":
        feats = torch.cat([h_n[-cfg.num_directions + d] for d in range(cfg.num_directions)], 1)
    else:
        feats = out
    y = fc(feats)
    if loss == "cross_entropy":
        L = torch.nn.functional.cross_entropy(y.reshape(-1, cfg.output_size),
                                              torch.tensor(Y).reshape(-1))
    else:
        L = torch.nn.functional.mse_loss(y, torch.tensor(Y))
    L.backward()
    g = {"W_hy": fc.weight.grad.numpy().T, "b_y": fc.bias.grad.numpy()}
    for l in range(cfg.num_layers):
        for d in range(cfg.num_directions):
            s, ts = suffix(l, d), f"_l{l}" + ("_reverse" if d else "")
            g["W_xh" + s] = getattr(net, "weight_ih" + ts).grad.numpy().T
            g["W_hh" + s] = getattr(net, "weight_hh" + ts).grad.numpy().T
            b_hh = getattr(net, "bias_hh" + ts).grad.numpy()
            if cfg.cell == "gru":  # our b_h holds b_ih (+ b_hh for r, z); b_hn is b_hh's n part
                g["b_h" + s] = getattr(net, "bias_ih" + ts).grad.numpy().copy()
                g["b_hn" + s] = b_hh[2 * H :]
            else:
                g["b_h" + s] = getattr(net, "bias_ih" + ts).grad.numpy()
    return float(L.detach()), g


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("readout,loss", [("last", "cross_entropy"), ("all", "mse"),
                                          ("all", "cross_entropy")])
def test_matches_torch_autograd(cell, bidirectional, readout, loss):
    cfg = rnnviz.ModelConfig(cell=cell, input_size=4, hidden_size=5, output_size=3,
                             num_layers=2, bidirectional=bidirectional, readout=readout, seed=1)
    model = rnnviz.Model(cfg)
    X, Y = make_batch(cfg, loss, B=3, T=6)
    ours, grads, _ = model.loss_and_grads(X, Y, loss)
    theirs, tg = torch_grads(model, X, Y, loss)
    assert ours == pytest.approx(theirs, rel=1e-12)
    for k in grads:
        np.testing.assert_allclose(grads[k], tg[k], rtol=1e-9, atol=1e-12, err_msg=k)


def test_adam_matches_torch_optim_adam():
    from rnnviz.core.optim import make_optimizer

    rng = np.random.default_rng(5)
    shapes = {"W_xh": (3, 4), "W_hh": (4, 4), "b_h": (4,)}
    ours = {k: rng.standard_normal(s) for k, s in shapes.items()}
    theirs = [torch.tensor(ours[k].copy(), requires_grad=True) for k in shapes]
    opt, topt = make_optimizer("adam", 0.01), torch.optim.Adam(theirs, lr=0.01)
    for _ in range(5):
        grads = {k: rng.standard_normal(s) for k, s in shapes.items()}
        opt.step(ours, grads)
        for t, k in zip(theirs, shapes, strict=True):
            t.grad = torch.tensor(grads[k])
        topt.step()
    # torch adds eps after the bias correction (sqrt(v / (1 - b2^t)) + eps), we before it (the
    # paper's efficient form, lr_t m / (sqrt(v) + eps)): the two differ by ~eps / sqrt(v) ~ 1e-7
    for t, k in zip(theirs, shapes, strict=True):
        np.testing.assert_allclose(ours[k], t.detach().numpy(), rtol=1e-6, atol=1e-7)
