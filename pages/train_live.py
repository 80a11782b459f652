"""Train (live): press Play and watch a real RNN learn."""

import streamlit as st

from rnnviz import prose
from rnnviz.train import settings as cf
from rnnviz.ui import controls, data_inputs, links, process, state, train_extras

links.start("train")  # hide= and the "Show all controls" toggle
run = state.current_run()
for w in st.session_state.pop(state.URL_WARNINGS, []):
    st.warning(f"Link: {w}")
st.sidebar.selectbox("Lecture preset", list(cf.PRESETS), index=None, key="preset_pick",
                     placeholder="Choose a preset…", format_func=lambda k: cf.PRESETS[k].title,
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
state.TRAIN.buttons(extra=train_extras.share_toggle)
train_extras.probe_picker(run)
share = train_extras.publish()
state.TRAIN.panel(state.presentation(), options=(("probe", st.session_state.get(
    train_extras.PROBE, 0)),), share=share, board=process.board())
with st.expander("What am I looking at?"):
    st.markdown(run.task.explanation)
    st.markdown(prose.text("train", "reading"))
train_extras.exports(run)
