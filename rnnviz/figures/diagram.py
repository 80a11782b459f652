"""The network unrolled through time (seeds 000/001): x_t -> cell -> h_t -> y_t per step.

Each cell is a small column of unit squares coloured by its real h_t on a fixed diverging
scale; dark arrows carry h_t to the next step (the same W_hh every step); orange arrows are
dL/dh_t flowing back, their thickness log-scaled in ||dL/dh_t||. Stacked layers are rows;
a bidirectional layer is two rows, the forward chain above (arrows left to right) and the
reverse chain below (right to left), outlined together as h_t = [h_fwd; h_rev].

A walk position replays the passes: first the forward pass lights the cells in the order
they are computed, then the backward pass reveals the gradient arrows from the last step
back. Long sequences are drawn at most `max_steps` columns wide (evenly spaced steps, the
first and last always kept; dotted arrows span the steps left out).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from rnnviz import numbers
from rnnviz.figures.style import DIVERGING, OKABE_ITO, figure

CW = 0.42  # cell width (one time step = 1 on the x axis)
CH = 8.0  # cell height (y units), whatever the number of unit squares
PAIR_GAP = 1.6  # between the forward and reverse rows of one layer
LAYER_GAP = 5.0  # between layers (room for the vertical arrows)
X_ROW = 0.0  # y of the input nodes
FIRST = 4.5  # bottom of the first layer
CHAIN = "#333333"  # recurrent and vertical arrows
GRAD = OKABE_ITO[1]  # orange: the gradient flowing back
OUT = OKABE_ITO[2]  # green: outputs y_t
DIM = "#d0d0d0"  # not computed yet in the walk
DIM_CELL = "#ececec"
H_SCALE = DIVERGING  # explicit stops (see style.py)
UNITS = 8  # unit squares per cell (compact: 6)
MAX_STEPS = 40  # columns drawn at most (compact: 50)
DECADES_MIN = 3.0  # the width scale spans at least this many decades of ||dL/dh_t||
DECADES_MAX = 30.0


def walk_phases(num_layers: int, num_directions: int, T: int) -> tuple[int, int]:
    """(forward phases, backward phases): a walk runs from 0 to their sum.

    One direction: the layers are pipelined, phase k computes step k of every layer.
    Bidirectional: a layer needs the whole layer below, so phases go layer by layer.
    """
    n = T * num_layers if num_directions == 2 else T
    return n, n


def _phase_arrays(L: int, nd: int, T: int) -> tuple[np.ndarray, np.ndarray]:
    """f, b (L, nd, T): the forward / backward phase at which each cell is done."""
    t = np.arange(1, T + 1)
    f = np.empty((L, nd, T), np.int64)
    b = np.empty((L, nd, T), np.int64)
    for l in range(L):
        for d in range(nd):
            step = t if d == 0 else T + 1 - t  # processing order of this direction
            if nd == 1:
                f[l, d], b[l, d] = step, T + 1 - step
            else:
                f[l, d], b[l, d] = l * T + step, (L - 1 - l) * T + T + 1 - step
    return f, b


def walk_status(walk: int | None, num_layers: int, num_directions: int, T: int) -> str:
    """One line saying where the walk is."""
    nf, nb = walk_phases(num_layers, num_directions, T)
    if walk is None or walk >= nf + nb:
        return "Forward and backward pass complete: every h_t and every dL/dh_t."
    if walk <= 0:
        return "Before the forward pass: nothing computed yet (h_0 = 0)."
    if walk <= nf:
        if num_directions == 1:
            return (f"Forward pass: x_1 … x_{walk} read, h_1 … h_{walk} computed "
                    f"(step {walk} of {T}).")
        l, k = divmod(walk - 1, T)
        return (f"Forward pass, layer {l + 1}: → has read steps 1 … {k + 1}, ← has read steps "
                f"{T} … {T - k}.")
    j = walk - nf
    if num_directions == 1:
        return (f"Backward pass: dL/dh_t known for t = {T} … {T - j + 1} "
                f"(step {j} of {T} back).")
    l, k = divmod(j - 1, T)
    return (f"Backward pass, layer {num_layers - l}: dL/dh_t known for → t = {T} … {T - k}, "
            f"← t = 1 … {k + 1}.")


def shown_steps(T: int, max_steps: int) -> np.ndarray:
    """Indices (0-based) of the steps drawn: all, or evenly spaced with first and last."""
    if max_steps >= T:
        return np.arange(T)
    return np.unique(np.round(np.linspace(0, T - 1, max_steps)).astype(np.int64))


def grad_widths(g: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Half-thickness of each gradient arrow: log10-scaled, monotone in g, in [lo, hi].

    The scale runs from the drawing's largest finite norm down over its own range (at least 3,
    at most 30 decades); 0 and anything below get the thinnest arrow, +inf the thickest.
    """
    g = np.asarray(g, np.float64)
    pos = g[np.isfinite(g) & (g > 0)]
    out = np.full(g.shape, lo)
    if pos.size == 0:
        out[np.isposinf(g)] = hi
        return out
    top = np.log10(pos.max())
    span = float(np.clip(top - np.log10(pos.min()), DECADES_MIN, DECADES_MAX))
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.clip(1.0 + (np.log10(g) - top) / span, 0.0, 1.0)
    frac = np.where(np.isnan(frac), 0.0, frac)
    frac[np.isposinf(g)] = 1.0
    return lo + (hi - lo) * frac


NAN = float("nan")  # separates segments / polygons in one trace
UP, LEFT, RIGHT = 5, 7, 8  # plotly marker symbol numbers: triangle-up / -left / -right


def _f32(values: list) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def _sc(**kw) -> dict:
    """A scatter trace as a plain dict for style.figure (no per-property validation)."""
    return dict(type="scatter", **kw)


def _hm(**kw) -> dict:
    return dict(type="heatmap", **kw)


def _str(values: list) -> np.ndarray:
    """Strings as one numpy array: plotly validates it in one go, not element by element."""
    return np.asarray(values, dtype=str)


def unrolled_figure(
    h: np.ndarray,
    grad: np.ndarray | None = None,
    x_labels: Sequence[str | None] | None = None,
    y_labels: Sequence[str | None] | None = None,
    *,
    pattern: str = "many-to-many",
    y_hover: Sequence[str] | None = None,
    x_fed_back: bool = False,
    final_state_readout: bool = False,
    walk: int | None = None,
    hmax: float = 1.0,
    cell: str = "RNN",
    compact: bool = False,
    big: bool = False,
    max_steps: int | None = None,
    title: str = "The network unrolled through time",
) -> go.Figure:
    """Draw one sample's pass through the unrolled network.

    h: (L, dirs, T, H) hidden states (layer, direction 0 forward / 1 reverse, step, unit).
    grad: (L, dirs, T) ||dL/dh_t|| per layer, direction and step, or None (no arrows back).
    x_labels: T labels of x_t, None where a step has no input (default: by `pattern`).
    y_labels: T labels of y_t, None where a step has no output (default: by `pattern`:
        many-to-one -> only the last step, many-to-many / one-to-many -> every step).
    y_hover: T hover lines of the outputs. x_fed_back: inputs after the first are the
    previous predictions. final_state_readout: y_T reads the final states (bidirectional:
    [h_fwd at T; h_rev at 1]). walk: 0 .. sum(walk_phases(...)), None = all done.
    hmax: colour range [-hmax, hmax] (1 for tanh). compact: fewer labels, smaller, no legend.
    """
    with np.errstate(over="ignore"):
        h = np.asarray(h, dtype=np.float32)
    if h.ndim != 4 or h.shape[1] not in (1, 2) or min(h.shape) < 1:
        raise ValueError(f"h must have shape (L, dirs, T, H) with dirs 1 or 2; got {h.shape}")
    L, nd, T, H = h.shape
    final_state_readout = final_state_readout and nd == 2  # one direction: y_T reads h_T
    if grad is not None:
        grad = np.asarray(grad, dtype=np.float64)  # may exceed float32's range
        if grad.shape != (L, nd, T):
            raise ValueError(f"grad must have shape {(L, nd, T)}; got {grad.shape}")
    if x_labels is None:
        x_labels = [f"x{t + 1}" for t in range(T)]
        if pattern == "one-to-many":
            x_labels = x_labels[:1] + [None] * (T - 1)
    if y_labels is None:
        y_labels = [""] * T if pattern != "many-to-one" else [None] * (T - 1) + [""]
    if len(x_labels) != T or len(y_labels) != T:
        raise ValueError(f"x_labels and y_labels need {T} entries each")
    y_hover = list(y_hover) if y_hover is not None else [""] * T
    nu = min(H, 6 if compact else UNITS)
    max_steps = max_steps or (50 if compact else MAX_STEPS)
    cols = shown_steps(T, max(2, max_steps))
    n = len(cols)

    # -- which cells are computed / which gradients revealed at this walk position ----------
    f, b = _phase_arrays(L, nd, T)
    nf, nb = walk_phases(L, nd, T)
    w = nf + nb if walk is None else int(np.clip(walk, 0, nf + nb))
    lit = f <= w  # (L, nd, T)
    back = (b <= w - nf) if w > nf else np.zeros_like(lit)
    has_y = np.array([lab is not None for lab in y_labels])
    y_lit_t = lit[-1].all(axis=0)  # (T,) y_t needs the last layer's h_t (both directions)
    if final_state_readout:  # y_T needs the final states: h_fwd at T, h_rev at 1
        y_lit_t[:] = lit[-1, 0, T - 1] & lit[-1, -1, 0]

    # -- rows, bottom to top -----------------------------------------------------------
    rows, bottom = [], FIRST
    for l in range(L):
        for d in ((1, 0) if nd == 2 else (0,)):
            rows.append((l, d, bottom))
            bottom += CH + PAIR_GAP
        bottom += LAYER_GAP - PAIR_GAP
    top_edge = rows[-1][2] + CH
    y_row = top_edge + 4.0
    R = len(rows)

    def block(l: int) -> tuple[float, float]:
        ys = [r[2] for r in rows if r[0] == l]
        return min(ys), max(ys) + CH

    # -- unit squares: one heatmap (lit) + one grey (not yet computed) ------------------
    hs = h[:, :, cols]  # (L, nd, n, H)
    with np.errstate(over="ignore", invalid="ignore"):
        norms = np.sqrt(np.einsum("ldth,ldth->ldt", hs.astype(np.float64), hs))
    vals = np.stack([hs[l, d, :, :nu] for l, d, _ in rows])  # (R, n, nu)
    Z = np.full((R, nu + 1, 2 * n - 1), np.nan, np.float32)
    Z[:, :nu, ::2] = vals[:, :, ::-1].transpose(0, 2, 1)  # unit 0 on top
    lit_rc = np.stack([lit[l, d, cols] for l, d, _ in rows])  # (R, n)
    L3 = np.zeros((R, nu + 1, 2 * n - 1), bool)
    L3[:, :nu, ::2] = lit_rc[:, None, :]
    cellmask = np.zeros_like(L3)
    cellmask[:, :nu, ::2] = True
    z_lit = np.where(L3, Z, np.nan).reshape(R * (nu + 1), -1)[:-1]
    z_dim = np.where(cellmask & ~L3, 0.0, np.nan).astype(np.float32)
    z_dim = z_dim.reshape(R * (nu + 1), -1)[:-1]
    xe = np.stack([np.arange(n) - CW / 2, np.arange(n) + CW / 2], axis=1).ravel()
    ye = np.concatenate([np.linspace(r[2], r[2] + CH, nu + 1) for r in rows])

    dirname = {0: "forward →", 1: "reverse ←"} if nd == 2 else {0: ""}
    cx, cy, ct = [], [], []  # one hover point per cell, at its centre
    for r, (l, d, yb) in enumerate(rows):
        where = f"layer {l + 1} {dirname[d]}".rstrip() if (L > 1 or nd > 1) else cell
        for i, t in enumerate(cols):
            first = ", ".join(f"{v:+.2f}" for v in vals[r, i]) + (", …" if nu < H else "")
            g = "" if grad is None else f"<br>‖dL/dh_t‖ = {numbers.sig3(float(grad[l, d, t]))}"
            x_t = x_labels[t] if x_labels[t] is not None else "— (no input)"
            tip = (f"<b>t = {t + 1}</b>, x_t = {x_t}<br>{where}: h_t has {H} units"
                   f"<br>‖h_t‖ = {norms[l, d, i]:.3f}{g}<br>h_t[:{nu}] = [{first}]")
            if not lit_rc[r, i]:
                tip += "<br><i>not computed yet in this walk</i>"
            cx.append(i)
            cy.append(yb + CH / 2)
            ct.append(tip)

    traces: list = [
        _hm(z=z_lit, x=xe, y=ye, zmin=-hmax, zmax=hmax, zmid=0.0, colorscale=H_SCALE,
                   hoverinfo="skip", xgap=1, ygap=1, name="h_t",
                   colorbar=dict(title=dict(text="h_t", side="top"), thickness=8 if compact
                                 else 12, len=0.6 if compact else 0.5, y=0.5,
                                 tickvals=[-hmax, 0, hmax] if hmax != 1 else [-1, 0, 1])),
        _sc(x=_f32(cx), y=_f32(cy), mode="markers", hovertext=_str(ct), showlegend=False,
                   hovertemplate="%{hovertext}<extra></extra>",
                   marker=dict(size=18, color="#000000", opacity=0)),
    ]
    if not lit_rc.all():
        traces.insert(1, _hm(z=z_dim, x=xe, y=ye, zmin=0, zmax=1, showscale=False,
                                    hoverinfo="skip", colorscale=[[0, DIM_CELL], [1, DIM_CELL]],
                                    xgap=1, ygap=1, name="not computed yet"))

    # -- arrows carrying h forward: recurrent (one trace lit, one dim) + heads ------------
    lw = 2.4 if big else 1.6  # line width of the chain arrows
    head = float(np.clip(9 * 24 / max(n, 1), 5, 9))  # arrowheads shrink with many steps
    node = float(np.clip(13 * 30 / max(n, 1), 8, 13))  # x and y node size
    seg: dict = {}  # (lit, dotted) -> ([x], [y]); dotted: steps between are not drawn
    heads: dict = {}  # (lit, symbol) -> ([x], [y]): one trace per symbol (no symbol arrays)
    gx: list = []  # hover points on the dotted arrows
    gy: list = []
    gt: list = []

    def arrow(x0, y0, x1, y1, on, symbol, dotted=False):
        xs, ys = seg.setdefault((bool(on), dotted), ([], []))
        xs += [x0, x1, NAN]
        ys += [y0, y1, NAN]
        hx, hy = heads.setdefault((bool(on), symbol), ([], []))
        hx.append(x1)
        hy.append(y1)

    h0x: list = []
    h0y: list = []
    for l, d, yb in rows:
        y = yb + 0.74 * CH
        for i in range(n):  # into column i from its predecessor in this direction
            src = i - 1 if d == 0 else i + 1
            x1 = i - CW / 2 if d == 0 else i + CW / 2
            dotted = False
            if 0 <= src < n:
                x0 = src + CW / 2 if d == 0 else src - CW / 2
                on = lit[l, d, cols[src]]
                a, c = sorted((int(cols[src]), int(cols[i])))
                if c - a > 1:
                    dotted = True
                    gx.append((x0 + x1) / 2)
                    gy.append(y)
                    gt.append(f"steps {a + 2} … {c} are not drawn: the same cell with the "
                              "same W_hh runs there too")
            elif (d == 0 and i == 0) or (d == 1 and i == n - 1):  # h_0 = 0 comes in
                x0 = x1 - 0.45 if d == 0 else x1 + 0.45
                on = True
                h0x.append(x0)
                h0y.append(y)
            else:
                continue
            arrow(x0, y, x1 - 0.02 if d == 0 else x1 + 0.02, y, on, RIGHT if d == 0 else LEFT,
                  dotted)
    # vertical: x_t -> first layer, layer -> layer, last layer -> y_t
    has_x = [x_labels[t] is not None for t in range(T)]
    b0 = block(0)[0]
    for i, t in enumerate(cols):
        if has_x[t]:
            arrow(i, X_ROW + 0.9, i, b0 - 0.35, True, UP)
        for l in range(L - 1):
            lo, hi = block(l)[1], block(l + 1)[0]
            arrow(i, lo + 0.35, i, hi - 0.35, lit[l, :, t].all(), UP)
        if has_y[t] and not final_state_readout:
            arrow(i, top_edge + 0.35, i, y_row - 0.9, y_lit_t[t], UP)
    if final_state_readout:  # bidirectional final states: h_fwd at T and h_rev at 1
        arrow(n - 1, top_edge + 0.35, n - 1, y_row - 0.9, lit[-1, 0, T - 1], UP)
    names = {(True, False): "h_t → next step (same W_hh at every step)",
             (True, True): "h_t → … → (steps not drawn)", (False, False): "not computed yet",
             (False, True): "not computed yet"}
    for on in (True, False):
        colour = CHAIN if on else DIM
        for dotted in (False, True):
            xs, ys = seg.get((on, dotted), ([], []))
            if xs:
                traces.append(_sc(
                    x=_f32(xs), y=_f32(ys), mode="lines", hoverinfo="skip",
                    line=dict(color=colour, width=lw, dash="dot" if dotted else "solid"),
                    name=names[on, dotted], showlegend=on and not compact))
        for (lit_, symbol), (hx, hy) in heads.items():
            if lit_ == on:
                traces.append(_sc(
                    x=_f32(hx), y=_f32(hy), mode="markers", hoverinfo="skip", showlegend=False,
                    marker=dict(symbol=symbol, size=head, color=colour)))
    if gx:
        traces.append(_sc(x=_f32(gx), y=_f32(gy), mode="markers", hovertext=_str(gt),
                          hovertemplate="%{hovertext}<extra></extra>", showlegend=False,
                          marker=dict(size=12, color=CHAIN, opacity=0)))
    if not compact and n <= 20:
        traces.append(_sc(x=_f32(h0x), y=_f32(h0y), mode="text", text=_str(["h₀=0"] * len(h0x)),
                          textposition="top center", textfont=dict(color="#555555", size=11),
                          hovertext=_str(["the initial state h_0 = 0"] * len(h0x)),
                          hovertemplate="%{hovertext}<extra></extra>", showlegend=False))
    if final_state_readout:
        rev_mid = rows[-2][2] + 0.5 * CH  # top layer, reverse row
        on = bool(lit[-1, 1, 0])
        xs = [-CW / 2, -0.92, -0.92, n - 1 - 0.3]
        ys = [rev_mid, rev_mid, y_row, y_row]
        traces.append(_sc(
            x=xs, y=ys, mode="lines", line=dict(color=CHAIN if on else DIM, width=lw,
                                                dash="dot"),
            name="final reverse state h←_1 → y_T", showlegend=not compact,
            hovertemplate="the reverse chain ends at t = 1: its final state h←_1 "
                          "joins h→_T in y_T<extra></extra>"))
        traces.append(_sc(x=[n - 1 - 0.3], y=[y_row], mode="markers", hoverinfo="skip",
                                 showlegend=False, marker=dict(symbol="triangle-right", size=head,
                                                               color=CHAIN if on else DIM)))
    if nd == 2 and n <= 25:  # outline each layer's pair: h_t = [h_fwd; h_rev]
        ox, oy = [], []
        for l in range(L):
            lo, hi = block(l)
            for i in range(n):
                a, c = i - CW / 2 - 0.07, i + CW / 2 + 0.07
                ox += [a, c, c, a, a, NAN]
                oy += [lo - 0.45, lo - 0.45, hi + 0.45, hi + 0.45, lo - 0.45, NAN]
        traces.append(_sc(x=_f32(ox), y=_f32(oy), mode="lines", hoverinfo="skip",
                                 line=dict(color="#888888", width=1.5 if big else 1),
                                 name="h_t = [h→_t ; h←_t] (one pair)", showlegend=not compact))

    # -- gradient arrows: dL/dh_t flowing back into each cell, width ~ log ||dL/dh_t|| ----
    if grad is not None:
        gsel = np.stack([grad[l, d, cols] for l, d, _ in rows])  # (R, n)
        half = grad_widths(gsel, 0.01 * CH, 0.14 * CH)
        px, py, mx, my, mt, ml, lx, ly = [], [], [], [], [], [], [], []
        e, hl = 0.06 * CH, 0.12
        label_cols = set(range(n)) if n <= 12 else {0, n - 1}
        for r, (l, d, yb) in enumerate(rows):
            yc = yb + 0.27 * CH
            for i, t in enumerate(cols):
                if not back[l, d, t]:
                    continue
                a = float(half[r, i])
                if d == 0:  # flows right to left into cell i
                    tail, tip, s = i + 1 - CW / 2 - 0.04, i + CW / 2 + 0.04, 1
                else:
                    tail, tip, s = i - 1 + CW / 2 + 0.04, i - CW / 2 - 0.04, -1
                neck = tip + s * hl
                px += [tail, neck, neck, tip, neck, neck, tail, tail, NAN]
                py += [yc + a, yc + a, yc + a + e, yc, yc - a - e, yc - a, yc - a, yc + a, NAN]
                mx.append((tail + tip) / 2)
                my.append(yc)
                lx.append((tail + tip) / 2)
                ly.append(yb - 0.2)
                g = float(gsel[r, i])
                mt.append(f"‖dL/dh_{t + 1}‖ = {numbers.sig3(g)}")
                ml.append(numbers.sig3(g) if (not compact and i in label_cols) else "")
        if px:
            traces.append(_sc(
                x=_f32(px), y=_f32(py), mode="lines", fill="toself", fillcolor=GRAD,
                line=dict(color=GRAD, width=0.5), hoverinfo="skip",
                name="dL/dh_t flowing back (thickness ∝ log ‖dL/dh_t‖)",
                showlegend=not compact))
            if any(ml):  # the numbers, just under the row, centred on the arrow
                traces.append(_sc(x=_f32(lx), y=_f32(ly), text=_str(ml), mode="text",
                                  textposition="bottom center", hoverinfo="skip",
                                  textfont=dict(color="#8a5200", size=15 if big else 11),
                                  showlegend=False))
            traces.append(_sc(
                x=_f32(mx), y=_f32(my), mode="markers",
                marker=dict(size=14, color=GRAD, opacity=0), hovertext=_str(mt), showlegend=False,
                hovertemplate="dL/dh_t flowing back: %{hovertext}<br>(total: from y_t and "
                              "every later step)<extra></extra>"))

    # -- input and output nodes ----------------------------------------------------------
    xi = [i for i, t in enumerate(cols) if has_x[t]]
    fed = [x_fed_back and cols[i] > 0 for i in xi]
    for q in (False, True):
        sel = [i for i, f_ in zip(xi, fed, strict=True) if f_ == q]
        if not sel:
            continue
        traces.append(_sc(
            x=_f32(sel), y=_f32([X_ROW] * len(sel)), mode="markers",
            name="x_t = the previous output, fed back" if q else "input x_t",
            marker=dict(symbol="square-open" if q else "square", size=node - 2, color="#555555",
                        line=dict(width=2, color="#555555")),
            hovertext=[f"x_{cols[i] + 1} = {x_labels[cols[i]]}"
                       + (f" (fed back: the prediction at t = {cols[i]})" if q else "")
                       for i in sel],
            hovertemplate="%{hovertext}<extra></extra>", showlegend=not compact))
    yi = [i for i, t in enumerate(cols) if has_y[t]]
    show_ylab = not compact or n <= 20
    for on in (True, False):
        sel = [i for i in yi if bool(y_lit_t[cols[i]]) == on]
        if not sel:
            continue
        traces.append(_sc(
            x=_f32(sel), y=_f32([y_row] * len(sel)),
            mode="markers+text" if show_ylab and on else "markers",
            text=[y_labels[cols[i]] for i in sel] if on else None,
            textposition="top center", textfont=dict(color="#006b4f"),
            marker=dict(symbol="circle" if on else "circle-open", size=node,
                        color=OUT if on else DIM, line=dict(width=2, color=OUT if on else DIM)),
            hovertext=[y_hover[cols[i]] or f"y_{cols[i] + 1}" for i in sel],
            hovertemplate="%{hovertext}<extra></extra>",
            name="output y_t" if on else "output not computed yet",
            showlegend=on and not compact))

    # -- axes, labels, title -------------------------------------------------------------
    labelled = set(np.round(np.linspace(0, n - 1, min(n, 25 if compact else 40))).astype(int))
    ticktext = []
    for i, t in enumerate(cols):
        lab = x_labels[t] if x_labels[t] is not None else "·"
        if i not in labelled:
            ticktext.append("")
        elif compact:
            ticktext.append(lab)
        else:
            ticktext.append(f"<i>{lab}</i><br>{t + 1}" if x_fed_back and t > 0
                            else f"{lab}<br>{t + 1}")
    tv, tt = [X_ROW], ["x_t"]
    for l, d, yb in rows:
        name = f"layer {l + 1}" if L > 1 else "h_t"
        if nd == 2:
            name += " →" if d == 0 else " ←"
        tv.append(yb + CH / 2)
        tt.append(name)
    tv.append(y_row)
    tt.append("y_t")
    if n < T:
        title += f" (showing {n} of {T} steps)"
    height = (150 + 95 * R) if compact else (260 + 150 * R)
    fig = figure(traces, dict(
        xaxis=dict(tickvals=np.arange(n), ticktext=_str(ticktext), showgrid=False,
                   range=[-1.1 if final_state_readout else -0.95, n - 0.05],
                   zeroline=False, ticks="", tickangle=0),
        yaxis=dict(tickvals=_f32(tv), ticktext=_str(tt), range=[X_ROW - 1.5, y_row + 3.2],
                   showgrid=False, zeroline=False),
        showlegend=not compact, plot_bgcolor="white", paper_bgcolor="white",
        hovermode="closest", hoverdistance=60,
        hoverlabel=dict(bgcolor="white", bordercolor="#555555",
                        font=dict(color="#1a1a1a", size=15 if big else 12)),
        legend=dict(orientation="h", yanchor="top", y=-0.1 - 60 / height, x=0,
                    font=dict(size=15 if big else 12)),
        margin=dict(l=70, r=20, t=40 if compact else 80, b=40 if compact else 110),
    ), title, height=height, big=big)
    if not compact:
        fig.layout.title.subtitle = dict(text=walk_status(walk, L, nd, T),
                                         font=dict(size=16 if big else 13))
    return fig
