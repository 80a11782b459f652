"""The encoder-decoder's charts: arrays in, a figure out (dict-built, no Streamlit, no run).

Positions along one axis: the encoder's steps 1..T, a gap where the bottleneck sits (the
encoder's last state h_T is the decoder's first state s_0), then the decoder's steps 1..U.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rnnviz import numbers
from rnnviz.figures.curves import EMPTY_NOTE, esc, loss_curves
from rnnviz.figures.diagram import CHAIN, CW, GRAD, H_SCALE, grad_widths
from rnnviz.figures.gradients import epoch_ticks
from rnnviz.figures.style import LEGEND_BELOW, OKABE_ITO, SEQUENTIAL, figure, line_width

RIGHT_C, WRONG_C = "#007a52", "#c0392b"  # a prediction that matches its target / does not
ENC_C, DEC_C = OKABE_ITO[0], OKABE_ITO[3]  # encoder blue, decoder vermillion
NAN = float("nan")
UNITS = 8  # unit squares drawn per state
CH = 8.0  # a state's height (y units)
Y0 = 4.0  # bottom of the states; inputs below, outputs above


def positions(T: int, U: int) -> np.ndarray:
    """(T + U,) x of each state: encoder 0..T-1, a one-step gap (the bottleneck), decoder."""
    return np.concatenate([np.arange(T), T + 1 + np.arange(U)]).astype(np.float64)


def _sc(**kw) -> dict:
    return dict(type="scatter", **kw)


def _f32(v) -> np.ndarray:
    return np.asarray(v, dtype=np.float32)


def _cells(h: np.ndarray, xs: np.ndarray, nu: int, hmax: float) -> dict:
    """One heatmap of every state's first nu units (h (N, H)), unit 0 on top."""
    N = h.shape[0]
    z = np.full((nu, 2 * N - 1), np.nan, np.float32)  # a NaN column between states
    z[:, ::2] = h[:, :nu][:, ::-1].T
    xe = np.stack([xs - CW / 2, xs + CW / 2], axis=1).ravel()  # (2N,) column edges
    return dict(type="heatmap", z=z, x=_f32(xe), y=_f32(np.linspace(Y0, Y0 + CH, nu + 1)),
                zmin=-hmax, zmax=hmax, zmid=0.0, colorscale=H_SCALE, hoverinfo="skip",
                xgap=1, ygap=1, name="h", colorbar=dict(title=dict(text="h", side="top"),
                                                        thickness=10, len=0.5))


def _grad_arrows(xs: np.ndarray, g: np.ndarray) -> list[dict]:
    """dL/dh flowing back (right to left) into every state, half-thickness log-scaled in
    ||dL/dh||; the arrow into h_T crosses the bottleneck."""
    half = grad_widths(g, 0.01 * CH, 0.075 * CH)
    yc, e, hl = Y0 + 0.25 * CH, 0.05 * CH, 0.12
    px, py = [], []
    for k in range(len(xs) - 1):  # into state k from state k + 1
        a = float(half[k])
        tail, tip = xs[k + 1] - CW / 2 - 0.04, xs[k] + CW / 2 + 0.04
        neck = tip + hl
        px += [tail, neck, neck, tip, neck, neck, tail, tail, NAN]
        py += [yc + a, yc + a, yc + a + e, yc, yc - a - e, yc - a, yc - a, yc + a, NAN]
    out = []
    if px:
        out.append(_sc(x=_f32(px), y=_f32(py), mode="lines", fill="toself", fillcolor=GRAD,
                       line=dict(color=GRAD, width=0.5), hoverinfo="skip",
                       name="dL/dh flowing back (thickness ∝ log ‖dL/dh‖)"))
    return out


def encdec_diagram(h_enc: np.ndarray, h_dec: np.ndarray, g_enc: np.ndarray | None,
                   g_dec: np.ndarray | None, source: Sequence[str], fed: Sequence[str],
                   pred: Sequence[str], target: Sequence[str], teacher: bool,
                   hmax: float = 1.0, cell: str = "LSTM", big: bool = False,
                   title: str = "The encoder-decoder unrolled") -> dict:
    """One sample's pass: encoder states h_1..h_T (h_enc (T, H)) over the source tokens,
    the bottleneck, decoder states s_1..s_U (h_dec (U, H)) over the tokens the decoder was
    fed (`fed`: <start>, then the true or its own previous token) and under its predictions
    (green: = target, red: not); g_enc (T,), g_dec (U,): ||dL/dh|| of each state (arrows
    back, None: not recorded)."""
    h_enc, h_dec = np.asarray(h_enc, np.float32), np.asarray(h_dec, np.float32)
    T, H = h_enc.shape
    U = h_dec.shape[0]
    if h_dec.shape[1] != H or not (len(source) == T and len(fed) == len(pred) == len(target)
                                   == U):
        raise ValueError(f"h_enc (T, H), h_dec (U, H) and T source / U fed, pred, target "
                         f"labels; got {h_enc.shape}, {h_dec.shape}, {len(source)}, "
                         f"{len(fed)}, {len(pred)}, {len(target)}")
    xs = positions(T, U)
    h = np.concatenate([h_enc, h_dec])  # (T + U, H)
    nu = min(H, UNITS)
    g = None if g_enc is None or g_dec is None else np.concatenate([g_enc, g_dec]).astype(
        np.float64)
    fs = 16 if big else 12
    traces: list = [_cells(h, xs, nu, hmax)]
    # hover points at each state's centre
    tips = []
    for k in range(T + U):
        side, t = ("encoder", k + 1) if k < T else ("decoder", k - T + 1)
        sym = "h" if k < T else "s"
        x_in = source[k] if k < T else fed[k - T]
        first = ", ".join(f"{v:+.2f}" for v in h[k, :nu]) + (", …" if nu < H else "")
        grad = "" if g is None else f"<br>‖dL/d{sym}_{t}‖ = {numbers.sig3(float(g[k]))}"
        tips.append(f"<b>{side} step {t}</b>, reads {esc(x_in)}<br>{cell}: {sym}_{t} has {H} "
                    f"units, ‖{sym}_{t}‖ = {np.linalg.norm(h[k]):.3f}{grad}<br>"
                    f"{sym}_{t}[:{nu}] = [{first}]")
    traces.append(_sc(x=_f32(xs), y=_f32(np.full(T + U, Y0 + CH / 2)), mode="markers",
                      hovertext=np.asarray(tips, str), showlegend=False,
                      hovertemplate="%{hovertext}<extra></extra>",
                      marker=dict(size=20, color="#000", opacity=0)))
    # the chain: each state to the next (encoder, decoder) and the bottleneck h_T -> s_0
    lx, ly = [], []
    yh = Y0 + 0.75 * CH
    for k in range(T + U - 1):
        if k == T - 1:
            continue
        lx += [xs[k] + CW / 2, xs[k + 1] - CW / 2 - 0.03, NAN]
        ly += [yh, yh, NAN]
    lw = 2.4 if big else 1.6
    traces.append(_sc(x=_f32(lx), y=_f32(ly), mode="lines", line=dict(color=CHAIN, width=lw),
                      hoverinfo="skip", name="state → next step (same weights each step)"))
    bx = [xs[T - 1] + CW / 2, xs[T] - CW / 2 - 0.03]
    traces.append(_sc(x=_f32(bx), y=_f32([yh, yh]), mode="lines+markers",
                      line=dict(color=OKABE_ITO[4], width=lw * 2.5),
                      marker=dict(symbol=["line-ns", "triangle-right"], size=[1, 14],
                                  color=OKABE_ITO[4]),
                      name="bottleneck: h_T is s_0, all the decoder gets",
                      hovertemplate="the bottleneck: the encoder's last state h_T becomes the "
                                    "decoder's first state s_0<extra></extra>"))
    if g is not None:
        traces += _grad_arrows(xs, g)
        if T + U <= 24:
            traces.append(_sc(x=_f32(xs), y=_f32(np.full(T + U, Y0 - 0.6)), mode="text",
                              text=np.asarray([numbers.sig3(float(v)) for v in g], str),
                              textposition="bottom center", hoverinfo="skip", showlegend=False,
                              textfont=dict(color="#8a5200", size=fs - 1)))
    # inputs under the states: the source (encoder), what the decoder was fed
    x_row, in_up = Y0 - 3.4, Y0 - 2.2
    traces.append(_sc(x=_f32(xs[:T]), y=_f32(np.full(T, x_row)), mode="text",
                      text=np.asarray([esc(s) for s in source], str), showlegend=False,
                      name="source",
                      textfont=dict(size=fs + 2, color=ENC_C), hoverinfo="skip"))
    how = "the true previous token (teacher forcing)" if teacher else \
        "its own previous prediction"
    fed_tip = ["the start token: the decoder's first input"] + [
        f"fed: {how}" for _ in range(U - 1)]
    traces.append(_sc(x=_f32(xs[T:]), y=_f32(np.full(U, x_row)), mode="text",
                      text=np.asarray([esc(s) for s in fed], str), showlegend=False, name="fed",
                      textfont=dict(size=fs + 2, color=DEC_C), hovertext=np.asarray(fed_tip),
                      hovertemplate="%{hovertext}<extra></extra>"))
    # outputs above the decoder: prediction (green right, red wrong) and the target
    ok = [p == t for p, t in zip(pred, target, strict=True)]
    y_pred, y_tgt = Y0 + CH + 2.4, Y0 + CH + 4.6
    traces.append(_sc(x=_f32(xs[T:]), y=_f32(np.full(U, y_pred)), mode="text",
                      text=np.asarray([f"<b>{esc(p)}</b>" for p in pred], str), name="predicted",
                      textfont=dict(size=fs + 4, color=[RIGHT_C if o else WRONG_C for o in ok]),
                      showlegend=False, hovertext=np.asarray(
                          [f"output {u + 1}: predicted {esc(p)}, target {esc(t)} "
                           f"({'right' if o else 'wrong'})" for u, (p, t, o) in
                           enumerate(zip(pred, target, ok, strict=True))]),
                      hovertemplate="%{hovertext}<extra></extra>"))
    traces.append(_sc(x=_f32(xs[T:]), y=_f32(np.full(U, y_tgt)), mode="text",
                      text=np.asarray([esc(t) for t in target], str), showlegend=False,
                      name="target",
                      textfont=dict(size=fs, color="#777777"), hoverinfo="skip"))
    arrows = []
    for x in xs:  # input -> state, state -> output (decoder)
        arrows.append(dict(x=x, y=Y0 - 0.15, ax=x, ay=in_up, xref="x", yref="y", axref="x",
                           ayref="y", showarrow=True, arrowhead=2, arrowwidth=1.2,
                           arrowcolor="#555", text=""))
    for x in xs[T:]:
        arrows.append(dict(x=x, y=y_pred - 0.9, ax=x, ay=Y0 + CH + 0.2, xref="x", yref="y",
                           axref="x", ayref="y", showarrow=True, arrowhead=2, arrowwidth=1.2,
                           arrowcolor="#555", text=""))
    top = y_tgt + 2.2
    heads = [dict(text=f"<b>encoder</b>: reads the {T} source tokens", x=(xs[0] + xs[T - 1]) / 2,
                  y=top, showarrow=False, font=dict(size=fs + 1, color=ENC_C)),
             dict(text=f"<b>decoder</b>: writes {U} tokens", x=(xs[T] + xs[-1]) / 2, y=top,
                  showarrow=False, font=dict(size=fs + 1, color=DEC_C)),
             dict(text="bottleneck<br>h_T = s_0", x=float(T), y=Y0 + CH + 1.2,
                  showarrow=False, font=dict(size=fs - 1, color=OKABE_ITO[4]))]
    ytick = [x_row, Y0 + CH / 2, y_pred, y_tgt]
    ytext = ["input", "state", "predicted", "target"]
    lay = dict(
        xaxis=dict(tickvals=_f32(xs), ticktext=np.asarray(
            [f"x{t + 1}" for t in range(T)] + [f"y{u + 1}" for u in range(U)], str),
            showgrid=False, zeroline=False, range=[-0.8, xs[-1] + 0.8], ticks=""),
        yaxis=dict(tickvals=_f32(ytick), ticktext=np.asarray(ytext, str),
                   range=[x_row - 1.8, top + 1.5], showgrid=False, zeroline=False),
        annotations=arrows + heads, plot_bgcolor="white", paper_bgcolor="white",
        hovermode="closest", showlegend=True,
        legend=dict(orientation="h", y=-0.12, x=0, font=dict(size=fs)),
        hoverlabel=dict(bgcolor="white", font=dict(color="#1a1a1a", size=fs)),
        margin=dict(l=80, r=20, t=60, b=70))
    fig = figure(traces, lay, title, height=470, big=big)
    fig.spec["layout"]["title"]["subtitle"] = dict(
        text=f"the decoder is fed {how}; green = right, red = wrong", font=dict(size=fs))
    return fig


def _bottleneck_line(x: float, big: bool) -> tuple[dict, dict]:
    """A dashed vertical line at x (data coordinates) and its label."""
    shape = dict(type="line", xref="x", x0=x, x1=x, yref="paper", y0=0, y1=1,
                 line=dict(color=OKABE_ITO[4], dash="dash", width=2))
    note = dict(text="bottleneck", xref="x", x=x, yref="paper", y=1.0, showarrow=False,
                yanchor="bottom", font=dict(color=OKABE_ITO[4], size=15 if big else 11))
    return shape, note


def step_labels(T: int, U: int) -> list[str]:
    """'enc t' then 'dec u' labels for the two halves' steps."""
    return [f"enc {t + 1}" for t in range(T)] + [f"dec {u + 1}" for u in range(U)]


def grad_through_time(g_enc: np.ndarray, g_dec: np.ndarray, title: str,
                      big: bool = False) -> dict:
    """||dL/dh|| (log y) at the encoder's steps 1..T then the decoder's 1..U, the
    bottleneck marked between them."""
    g_enc, g_dec = np.asarray(g_enc, np.float64), np.asarray(g_dec, np.float64)
    T, U = len(g_enc), len(g_dec)
    data = []
    for name, g, x0, colour in (("encoder ‖dL/dh_t‖", g_enc, 1, ENC_C),
                                ("decoder ‖dL/ds_u‖", g_dec, T + 1, DEC_C)):
        y = np.where((g > 0) & np.isfinite(g), g, np.nan)
        data.append({"type": "scatter", "mode": "lines+markers", "x": np.arange(x0, x0 + len(g)),
                     "y": y, "name": name, "line": {"color": colour, "width": line_width(big)},
                     "marker": {"size": 9 if big else 6},
                     "hovertemplate": f"{name.split()[0]} step %{{text}}<br>‖dL/dh‖ = "
                                      "%{y:.3e}<extra></extra>",
                     "text": np.arange(1, len(g) + 1)})
    shape, note = _bottleneck_line(T + 0.5, big)
    lay = {"xaxis": {"title": {"text": "step (encoder, then decoder)"},
                     "tickvals": np.arange(1, T + U + 1), "ticktext": step_labels(T, U)},
           "yaxis": {"title": {"text": "‖dL/dh‖"}, "type": "log", "exponentformat": "power"},
           "shapes": [shape], "annotations": [note], "legend": LEGEND_BELOW}
    return figure(data, lay, title, big=big)


def grad_sides_heatmap(epochs: np.ndarray, enc: np.ndarray, dec: np.ndarray,
                       big: bool = False) -> dict:
    """log10 ||dL/dh|| over epochs (rows) and steps (encoder (E, T), then decoder (E, U))."""
    flow = np.concatenate([np.asarray(enc, np.float64), np.asarray(dec, np.float64)], axis=1)
    T, U = enc.shape[1], dec.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log10(np.where((flow > 0) & np.isfinite(flow), flow, np.nan)).astype(np.float32)
    data = [{"type": "heatmap", "z": z, "x": np.arange(T + U), "y": np.asarray(epochs, np.int32),
             "colorscale": SEQUENTIAL, "colorbar": {"title": {"text": "log10 ‖dL/dh‖"},
                                                    "thickness": 12},
             "customdata": np.broadcast_to(np.asarray(step_labels(T, U)), z.shape),
             "hovertemplate": "epoch %{y}<br>%{customdata}<br>log10 ‖dL/dh‖ = %{z:.2f}"
                              "<extra></extra>"}]
    shape, note = _bottleneck_line(T - 0.5, big)
    lay = {"xaxis": {"title": {"text": "step (encoder, then decoder)"},
                     "tickvals": np.arange(T + U), "ticktext": step_labels(T, U)},
           "yaxis": {"title": {"text": "epoch"}} | epoch_ticks(epochs), "shapes": [shape],
           "annotations": [note] + ([] if len(epochs) else [EMPTY_NOTE])}
    return figure(data, lay, "Gradient through time, over training", big=big)


def position_heatmap(epochs: np.ndarray, acc: np.ndarray, labels: Sequence[str],
                     mode: str, big: bool = False) -> dict:
    """Held-out accuracy of each output position (columns, `labels`) per epoch (rows):
    acc (E, U) in [0, 1]."""
    acc = np.asarray(acc, np.float32)
    data = [{"type": "heatmap", "z": acc, "x": np.asarray(labels, str),
             "y": np.asarray(epochs, np.int32), "zmin": 0, "zmax": 1, "colorscale": SEQUENTIAL,
             "colorbar": {"title": {"text": "accuracy"}, "thickness": 12, "tickformat": ".0%"},
             "hovertemplate": "epoch %{y}<br>%{x}<br>accuracy %{z:.1%}<extra></extra>"}]
    lay = {"xaxis": {"title": {"text": "output position"}, "type": "category"},
           "yaxis": {"title": {"text": "epoch"}} | epoch_ticks(epochs),
           "annotations": [] if len(epochs) else [EMPTY_NOTE]}
    return figure(data, lay, f"Accuracy per output over training ({mode})", big=big)


def position_bars(acc: np.ndarray | None, labels: Sequence[str], epoch: int, mode: str,
                  big: bool = False) -> dict:
    """The latest held-out accuracy per output position: acc (U,) or None (no epoch)."""
    data, notes = [], [EMPTY_NOTE]
    if acc is not None:
        acc = np.asarray(acc, np.float32)
        data = [{"type": "bar", "x": np.asarray(labels, str), "y": acc,
                 "marker": {"color": acc, "colorscale": SEQUENTIAL, "cmin": 0, "cmax": 1},
                 "text": [f"{a:.0%}" for a in acc], "textposition": "outside",
                 "hovertemplate": "%{x}<br>accuracy %{y:.1%}<extra></extra>"}]
        notes = []
    lay = {"xaxis": {"title": {"text": "output position"}, "type": "category"},
           "yaxis": {"title": {"text": "held-out accuracy"}, "range": [0, 1.12],
                     "tickformat": ".0%"}, "annotations": notes, "showlegend": False}
    return figure(data, lay, f"Accuracy per output, epoch {epoch} ({mode})",
                  big=big)


def encdec_loss(history: pd.DataFrame, baselines=(), big: bool = False,
                now: dict | None = None) -> dict:
    """curves.loss_curves with both ways of decoding the held-out set: loss teacher-forced
    and generated (left); sequence accuracy, the same both ways (a sequence whose tokens are
    all right feeds the decoder the true tokens), and token accuracy generated and
    teacher-forced (right)."""
    fig = loss_curves(history, "seq_accuracy", big=big, now=now, baselines=baselines)
    data = fig.spec["data"]
    styles = {("y", "train"): ("train loss", OKABE_ITO[0], "solid"),
              ("y", "test"): ("held-out loss, teacher-forced", OKABE_ITO[1], "dot"),
              ("y2", "train"): ("train sequences right", OKABE_ITO[0], "solid"),
              ("y2", "test"): ("held-out sequences right", OKABE_ITO[7], "solid")}
    for tr in data:
        key = (tr.get("yaxis", "y"), tr.get("name"))
        if key in styles:
            name, colour, dash = styles[key]
            tr.update(name=name, legendgroup=name, showlegend=True,
                      hovertemplate=f"epoch %{{x}}<br>{name} %{{y:.4g}}<extra></extra>")
            tr["line"] = tr["line"] | {"color": colour, "dash": dash}
    if len(history) and "test_loss_generated" in history:
        ep = history["epoch"].to_numpy(np.int32)
        mode = "lines" if len(history) > 1 else "lines+markers"
        for axis, col, name, colour, dash in (
                ("", "test_loss_generated", "held-out loss, generated", OKABE_ITO[3], "dash"),
                ("2", "test_token_accuracy", "held-out tokens right, generated", OKABE_ITO[3],
                 "dash"),
                ("2", "test_token_accuracy_tf", "held-out tokens right, teacher-forced",
                 OKABE_ITO[1], "dot")):
            data.append({"type": "scatter", "mode": mode, "x": ep, "xaxis": f"x{axis}",
                         "yaxis": f"y{axis}", "y": history[col].to_numpy(np.float32),
                         "name": name, "legendgroup": name,
                         "line": {"color": colour, "width": line_width(big), "dash": dash},
                         "hovertemplate": f"epoch %{{x}}<br>{name} %{{y:.4g}}<extra></extra>"})
    lay = fig.spec["layout"]
    lay["yaxis2"] = lay["yaxis2"] | {"title": {"text": ""}, "tickformat": ".0%"}
    lay["title"]["text"] = "Loss (left) and accuracy (right)"
    lay["xaxis"]["domain"], lay["xaxis2"]["domain"] = [0, 0.45], [0.55, 1]
    lay["legend"] = LEGEND_BELOW | {"y": -0.3, "font": {"size": 14 if big else 11}}
    lay["height"] = int(lay["height"] * 1.1)
    return fig


def length_chart(groups: Sequence[tuple[str, Sequence[int], Sequence[float], Sequence[str]]],
                 chance: tuple[Sequence[int], Sequence[float]] | None, current: int,
                 big: bool = False) -> dict:
    """Measured best held-out sequence accuracy against the length T: one line per group of
    settings (label, lengths, accuracies, hover lines); `chance`: (lengths, accuracy of
    guessing); `current`: the length of the run shown (a vertical line)."""
    data = []
    for k, (label, Ts, acc, hover) in enumerate(groups):
        order = np.argsort(np.asarray(Ts))
        data.append({"type": "scatter", "mode": "lines+markers", "name": esc(label),
                     "x": np.asarray(Ts, np.int32)[order],
                     "y": np.asarray(acc, np.float32)[order],
                     "text": np.asarray(hover, str)[order],
                     "line": {"color": OKABE_ITO[k % 8], "width": line_width(big)},
                     "marker": {"size": 11 if big else 8},
                     "hovertemplate": "%{text}<extra></extra>"})
    if chance is not None and len(chance[0]):
        data.append({"type": "scatter", "mode": "lines", "name": "guessing",
                     "x": np.asarray(chance[0], np.int32), "y": np.asarray(chance[1], np.float32),
                     "line": {"color": "#888888", "dash": "dot", "width": line_width(big) * 0.6},
                     "hovertemplate": "T = %{x}: guessing gets %{y:.2e}<extra></extra>"})
    shapes = [dict(type="line", xref="x", x0=current, x1=current, yref="paper", y0=0, y1=1,
                   line=dict(color="#bbbbbb", width=1))]
    notes = [] if groups else [EMPTY_NOTE | {"text": "train at a length, then at others: "
                                                     "each run's best shows here"}]
    lay = {"xaxis": {"title": {"text": "length T"}, "dtick": 1},
           "yaxis": {"title": {"text": "best held-out sequence accuracy"}, "range": [0, 1.05],
                     "tickformat": ".0%"},
           "shapes": shapes, "annotations": notes, "legend": LEGEND_BELOW}
    return figure(data, lay, "Accuracy against length (your runs, measured)",
                  big=big)
