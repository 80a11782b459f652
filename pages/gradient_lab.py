"""Gradient lab: vanishing and exploding gradients, measured on real backward passes."""

from dataclasses import replace

import streamlit as st

from rnnviz import prose
from rnnviz.core.config import ACTIVATIONS, CELLS
from rnnviz.figures import gradlab_charts as fl
from rnnviz.figures.spectrum import eigen_plot
from rnnviz.lessons import gradlab as lab
from rnnviz.lessons import pagelinks
from rnnviz.ui import links, state
from rnnviz.ui.livechart import chart

st.set_page_config(layout="wide")
cached = st.cache_data(max_entries=64, show_spinner=False)
measure, sweep, truncation = cached(lab.measure), cached(lab.sweep), cached(lab.truncation)
clipping_demo = cached(lab.clipping_demo)
big = state.presentation()
links.start("gradients")  # the link's settings into the widgets (warnings), hide=
sb = st.sidebar
sb.subheader("Gradient lab")


def at(key: str):  # the sidebar, or nowhere if the link hides this control
    return links.place("gradients", key, sb)


cell = at("cell").radio("Cell", CELLS, format_func=str.upper, horizontal=True, key="lab_cell")
act = at("act").radio("Activation", ACTIVATIONS, horizontal=True, key="lab_act",
                      disabled=cell != "rnn", help="vanilla RNN only (gated cells use their own)")
init = at("init").selectbox("Initialiser", pagelinks.GRAD_INITS, key="lab_init",
                            help="the shape of W_hh; its size is set below")
mode = at("mode").radio("Set W_hh by", lab.MODES, horizontal=True, key="lab_mode",
                        format_func={"scale": "scale × initialiser",
                                     "radius": "spectral radius"}.get)
value = at("value").slider("W_hh scale" if mode == "scale" else "Spectral radius ρ(W_hh)",
                           0.1, 3.0, step=0.05, key="lab_value")
T = at("T").slider("Sequence length T", 2, 400, key="lab_T")
H = at("H").select_slider("Hidden size H", pagelinks.HIDDEN_SIZES, key="lab_H")
xs = at("xs").select_slider("Input scale", pagelinks.INPUT_SCALES, key="lab_xs",
                            help="x_t ~ N(0, 1) × this. Small inputs keep tanh in its linear "
                                 "range.")
seed = at("seed").number_input("Seed", 0, 9999, key="lab_seed")
sb.divider()  # this page's settings end here (app.py adds the global toggle)
s = lab.LabSettings(T=T, hidden=H, cell=cell, activation=act if cell == "rnn" else "tanh",
                    init=init, mode=mode, value=value, input_scale=xs, seed=int(seed))
flow, sw = measure(s), sweep(replace(s, value=1.0))

st.title("Gradient lab: vanishing and exploding gradients")
st.markdown(prose.text("gradients", "intro"))
m = st.columns(3) + st.columns(2) if big else st.columns(5)  # big: no cut-off numbers
m[0].metric("Spectral radius ρ(W_hh)", f"{flow.rho:.3g}")
m[1].metric("‖W_hh‖₂", f"{flow.norm2:.3g}")
m[2].metric("Mean act′ (1 = linear)", "—" if cell != "rnn" else f"{flow.act_slope:.2f}")
m[3].metric("‖dL/dh_1‖ / ‖dL/dh_T‖", lab.fmt(flow.end_ratio))
k1 = lab.steps_below(flow.ratio, 1e-2)
m[4].metric("Steps back until < 1%", "never" if k1 is None else str(k1))
if flow.overflow:
    st.error(flow.overflow, icon=":material/error:")
kind, text = lab.claim_check(flow, cell)
getattr(st, kind)(text, icon=":material/fact_check:")

cols = (st.container(), st.container()) if big else st.columns([2, 1])
chart(fl.gradient_vs_distance(
    flow.ratio, flow.jac_prod, flow.bound, lab.references(T), lab.seed_marks(),
    flow.first_bad, 1e-2, k1, big=big), key="lab_flow", where=cols[0])
chart(eigen_plot(flow.eigs, lab.EIGEN_TITLE[cell], big=big), key="lab_eigs", where=cols[1])
cols[1].caption(prose.text("gradients", "eigs"))
with st.expander("How to read these curves", expanded=not big):
    st.markdown(prose.text("gradients", "flow"))
    st.markdown(prose.text("gradients", "input") if cell == "rnn"
                else prose.text("gradients", "gated"))

st.subheader("From vanishing to exploding")
cols = (st.container(), st.container()) if big else st.columns(2)
chart(fl.jacobian_steps(flow.jac, flow.rate, flow.factor, flow.rho, big=big), key="lab_jac",
      where=cols[0])
cols[0].markdown(prose.text("gradients", "steps"))
xlabel = "W_hh scale" if mode == "scale" else "spectral radius ρ(W_hh)"
chart(fl.sweep_figure(sw.values, sw.ratio, value, xlabel, T, lab.rho_one(sw), big=big),
      key="lab_sweep", where=cols[1])
cols[1].caption(lab.sweep_note(sw))
cols[1].markdown(prose.text("gradients", "sweep"))

st.subheader("Truncated BPTT")
chart(fl.truncation_figure(truncation(s), big=big), key="lab_trunc")
st.markdown(prose.text("gradients", "truncation"))

st.subheader("Gradient clipping rescues an exploding run")
st.markdown(prose.text("gradients", "clip"))
clip_at = links.place("gradients", "clip").select_slider(
    "Clip the global gradient norm at", pagelinks.CLIP_AT, key="lab_clip")
links.finish("gradients")  # every setting of this page is known: into the URL
demo = clipping_demo(100, clip_at)
cols = (st.container(), st.container()) if big else st.columns(2)
chart(fl.clipping_figure(demo.loss, "Training loss per step", "loss (log)",
                         diverged=demo.diverged_at, big=big), key="lab_clip_loss", where=cols[0])
chart(fl.clipping_figure(demo.norm, "Gradient norm before clipping", "‖g‖ (log)", clip_at,
                         demo.diverged_at, big=big), key="lab_clip_norm", where=cols[1])
st.markdown("\n".join(f"- **{label}**: {status}" for label, status in demo.status.items()))
st.caption(f"Preset: {demo.description}")
