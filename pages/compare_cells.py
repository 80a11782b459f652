"""RNN vs LSTM vs GRU: the same task, seed and budget; three networks trained side by side."""

import streamlit as st

from rnnviz import prose
from rnnviz.ui import compare_panels as panels
from rnnviz.ui import state

st.set_page_config(layout="wide")
player = panels.COMPARE
c = panels.current()  # from the link (a new one), or the one this session has
st.title("RNN vs LSTM vs GRU: which one remembers?")
st.markdown(prose.text("compare", "intro"))
panels.controls(c)
player.buttons()
player.panel(state.presentation())
panels.notes(c)
panels.explain(c)
