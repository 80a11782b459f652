"""rnnviz: the first page. What one recurrent network computes, with our own numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import rnnviz
from rnnviz.figures import grad_flow_line, hidden_heatmap
from rnnviz.worked import run_example, seed000, slips

st.set_page_config(page_title="rnnviz", page_icon="🔁", layout="wide")

st.title("rnnviz: see how a recurrent network works")
st.markdown(
    "A recurrent neural network reads a sequence one step at a time and keeps a **hidden "
    "state** $h_t$, a running summary of everything it has read. At every step the *same* "
    "weights mix the new input $x_t$ with the previous state $h_{t-1}$. Training sends the "
    "error back through those steps (backpropagation through time), and the gradient can "
    "shrink or grow at every step on the way."
)
st.latex(r"h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h) \qquad y_t = h_t W_{hy} + b_y")

st.header("Seed 000's worked example, computed by our cell")
ex = seed000()
steps = run_example(ex)
rows = []
for t, s in enumerate(steps, start=1):
    for term, label in (("x_W_xh", "x_t W_xh"), ("h_W_hh", "h_{t-1} W_hh"), ("b_h", "b_h"),
                        ("pre", "pre-activation"), ("h", "h_t = tanh(...)")):
        rows.append({"t": t, "term": label} | {f"unit {j}": s[term][j] for j in range(3)})
st.dataframe(pd.DataFrame(rows).style.format(precision=4), hide_index=True, width="stretch",
             height=35 * (len(rows) + 1) + 3)
slipped = [s for s in slips(ex, steps) if s["term"] == "h_W_hh"]
if slipped:
    said = " and ".join(f"{s['printed']} (unit {s['unit']}; the product is {s['computed']:.3f})"
                        for s in slipped)
    st.info(
        f"Where the seed slips: at t = 2 it prints {said} in `W_hh @ h_1`. The slip carries "
        f"into its h_2 = [0.23, 0.63, 0.73]; the correct h_2 is "
        f"{np.round(steps[1]['h'], 2).tolist()}."
    )

st.header("A real network: hidden states and the gradient flowing back")
c1, c2, c3, c4 = st.columns(4)
cell = c1.selectbox("Cell", ["rnn", "lstm", "gru"])
hidden = c2.slider("Hidden size", 2, 32, 8)
T = c3.slider("Sequence length T", 2, 60, 20)
scale = c4.slider("W_hh scale", 0.1, 3.0, 1.0, 0.1)
cfg = rnnviz.ModelConfig(cell=cell, input_size=3, hidden_size=hidden, output_size=2,
                         init="orthogonal", init_scale=scale, seed=0)
model = rnnviz.Model(cfg)
X = np.random.default_rng(0).standard_normal((1, T, 3)) * 0.5
loss, grads, trace = model.loss_and_grads(X, np.array([1]), loss="cross_entropy")
left, right = st.columns(2)
left.plotly_chart(hidden_heatmap(trace.hidden[:, 0]), width="stretch")
right.plotly_chart(grad_flow_line(trace.grad_norm), width="stretch")
st.caption(
    f"One forward and backward pass of a {cell.upper()} with {model.num_params} parameters on "
    f"a random sequence; loss {loss:.4f}. ||dL/dh_1|| / ||dL/dh_T|| = "
    f"{trace.grad_norm[0] / trace.grad_norm[-1]:.3g}. Raise the W_hh scale above 1 to watch "
    "the gradient grow back through time, lower it to watch it vanish."
)
