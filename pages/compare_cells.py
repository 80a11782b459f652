"""RNN vs LSTM vs GRU: the same task, seed and budget; three networks trained side by side."""

import streamlit as st

from rnnviz.ui import compare_panels as panels
from rnnviz.ui import state

st.set_page_config(layout="wide")
player = panels.COMPARE
c = player.get()
st.title("RNN vs LSTM vs GRU: which one remembers?")
st.markdown(
    "Three networks learn the **same task** from the **same seed** with the **same budget**; "
    "only the cell differs. Press **Play** and watch the gradient chart turn around. On the "
    "default task, at epoch 0 the RNN (orthogonal $W_{hh}$) passes the gradient back best; "
    "then its units saturate and the gradient fades over the sequence. The LSTM and GRU learn "
    "to hold their forget / update gates near 1, their memory path carries the gradient "
    "across every step, and in the same epochs their test loss drops far below the RNN's."
)
panels.controls(c)
player.buttons()
player.panel(state.presentation())
panels.notes(c)
panels.explain(c)
