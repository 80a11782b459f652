"""RNN vs LSTM vs GRU: the same task, seed and budget; three networks trained side by side."""

import streamlit as st

from rnnviz import prose
from rnnviz.ui import compare_panels as panels
from rnnviz.ui import links, state

st.set_page_config(layout="wide")
player = panels.COMPARE
c = panels.current(links.start("compare"))  # the link's settings build the comparison
st.title("RNN vs LSTM vs GRU: which one remembers?")
st.markdown(prose.text("compare", "intro"))
panels.controls(c)
player.buttons()
player.panel(state.presentation())
panels.notes(c)
panels.explain(c)
