"""Encoder-decoder: a sequence in, a sequence out; trained live, unrolled with real values."""

import streamlit as st

from rnnviz import prose
from rnnviz.ui import encdec_panel as panel
from rnnviz.ui import state

st.set_page_config(layout="wide")
pr, big = panel.SEQ2SEQ, state.presentation()
run = panel.current()  # from the link (a new one), or the one this session has
st.title("Encoder-decoder: a sequence in, a sequence out")
st.caption(prose.text("encdec", "intro"))
panel.controls(big)
st.caption(f"**Now:** {pr.scene.caption(pr.get())}")
if notice := pr.pop_notice():
    st.info(notice)
pr.buttons()
teacher, typed = panel.probe_controls()
panel.typed_note(pr.get(), typed)
records = panel.remember()
pr.panel(big, options=(("teacher", teacher), ("records", records), ("typed", typed)))
st.markdown(prose.text("encdec", "positions"))
with st.expander("What am I looking at?"):
    st.markdown(pr.get().task.explanation)
    st.markdown(prose.text("encdec", "reading"))
    st.markdown(prose.text("encdec", "lengths"))
