"""Train (live): press Play and watch a real RNN learn."""

import textwrap

import streamlit as st

from rnnviz.train import settings as cf
from rnnviz.ui import controls, data_inputs, state
from rnnviz.ui import player as live

run = state.current_run()
for w in st.session_state.pop(state.URL_WARNINGS, []):
    st.warning(f"Link: {w}")
st.sidebar.selectbox("Lecture preset", list(cf.PRESETS), index=None, key="preset_pick",
                     placeholder="Choose a preset…", format_func=lambda k: cf.PRESETS[k][0],
                     on_change=lambda: controls.apply_preset(st.session_state["preset_pick"]))
new_cfg = controls.sidebar_settings(run)
if new_cfg is not None:
    run = controls.sync_run(run, new_cfg)
data_inputs.own_data(run)
st.sidebar.divider()  # this page's settings end here (app.py adds the global toggle)

st.title("Train a recurrent network, live")
st.caption(f"**{run.task.title}.** {run.cfg.model.cell.upper()}, "
           f"{run.cfg.model.hidden_size} hidden units × {run.cfg.model.num_layers} layer(s)"
           f"{', bidirectional' if run.cfg.model.bidirectional else ''}; "
           f"{run.model.num_params:,} parameters.")
if notice := state.pop_notice():
    st.info(notice)
live.buttons(run)
if run.probe.size > 1:
    st.radio("Probe sample", range(run.probe.size), key=live.PROBE, horizontal=True,
             format_func=lambda b: textwrap.shorten(  # whole words, "…" if cut
                 " ".join(w for w in run.probe.tokens[b] if w != "<pad>"), 40, placeholder=" …"))
live.panel(state.presentation())
with st.expander("What am I looking at?"):
    st.markdown(run.task.explanation)
    st.markdown(live.READING_GUIDE)
live.exports(run)
