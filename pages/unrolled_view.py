"""Unrolled: the network drawn through time, coloured by the current run's h_t and dL/dh_t."""

from __future__ import annotations

import streamlit as st

from rnnviz import prose
from rnnviz.figures.diagram import UNITS, unrolled_figure, walk_phases
from rnnviz.lessons.unrolling import PATTERNS, default_pattern, sample_label, unroll
from rnnviz.train import settings as cf
from rnnviz.ui import links, sitemap, state
from rnnviz.ui.livechart import chart

st.set_page_config(layout="wide")
ss = st.session_state
links.start("unrolled")  # its own settings; the Train run is built from the link's too
run = state.current_run()
for w in ss.pop(state.URL_WARNINGS, []):
    st.warning(f"Link: {w}")
cfg = run.model.cfg
st.title("The network unrolled through time")
st.markdown(
    prose.text("unrolled", "intro") + f" The colours and arrows are this run's numbers "
    f"(epoch {run.epoch}), the same model the Train page trains."
)
if run.diverged:
    st.warning(f"This run {run.status}. The drawing shows its last good weights.")

probe = run.probe
own = default_pattern(cfg.readout)
c1, c2 = st.columns([1, 2])
if not 0 <= ss.get("unrolled_sample", 0) < probe.size:
    ss["unrolled_sample"] = 0
sample = links.place("unrolled", "sample", c1).selectbox(
    "Probe sample", range(probe.size), format_func=lambda b: sample_label(probe, b),
    key="unrolled_sample")
ss.setdefault("unrolled_pattern", own)
pattern = links.place("unrolled", "pattern", c2).radio(
    "Pattern", PATTERNS, horizontal=True, key="unrolled_pattern",
    captions=["read it all, answer once (sentiment)", "an answer at every step (tagging)",
              "one input, a sequence out (generation)"],
    help=f"This run trains {own}; the other patterns read the same weights out differently.",
)
seq2seq = sitemap.by_url("seq2seq")  # the fourth pattern has a page of its own
c2.page_link(seq2seq.file, icon=f":material/{seq2seq.icon}:",
             label=prose.text("unrolled", "fourth"))
u = unroll(run.model, run.task, probe, sample, pattern, run.probe_trace)
nf, nb = walk_phases(cfg.num_layers, cfg.num_directions, u.T)
if ss.get("unrolled_walk") in (None, ss.get("unrolled:walk_end")) or ss["unrolled_walk"] > nf + nb:
    ss["unrolled_walk"] = nf + nb  # the whole walk, also when the model changed
ss["unrolled:walk_end"] = nf + nb
walk = links.place("unrolled", "walk").slider(
    "Walk through the passes (forward, then backward)", 0, nf + nb, key="unrolled_walk",
    help=f"0 to {nf}: the forward pass computes h_t step by step; "
         f"{nf} to {nf + nb}: the gradient flows back from the last step.")
base = cf.to_query(cf.live(cf.preset_config(cf.DEFAULT_PRESET)))
links.finish("unrolled", defaults={"pattern": own, "walk": nf + nb},
             extra={k: v for k, v in cf.to_query(run.cfg).items() if base.get(k) != v})
shape = f"{cfg.num_layers} layer{'s' if cfg.num_layers > 1 else ''}" + (
    ", bidirectional" if cfg.bidirectional else "")
title = f"{cfg.cell.upper()}, {shape}, {pattern}: probe loss {u.loss:.4g}"
fig = unrolled_figure(**u.figure_kwargs(), pattern=pattern, walk=walk, title=title,
                      big=state.presentation())
chart(fig, key="unrolled_page")
st.caption(u.note)
scale = "−1 … +1" if u.hmax == 1 else f"−{u.hmax:.3g} … +{u.hmax:.3g} (ReLU is unbounded)"
shown = min(cfg.hidden_size, UNITS)
st.markdown(
    f"- **Squares**: each cell is a column of its first {shown} of {cfg.hidden_size} hidden "
    f"units, coloured by value on a fixed scale {scale}: blue negative, white 0, red positive.\n"
    "- **Dark arrows** carry $h_t$ to the next step: the same $W_{hh}$ at every step"
    + (" (the reverse chain ← has its own)" if cfg.bidirectional else "") + ".\n"
    + prose.text("unrolled", "gradient")
)
if u.grad is None:
    st.info("This pass recorded no gradients, so no orange arrows are drawn.")
