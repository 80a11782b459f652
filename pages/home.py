"""Home: what an RNN is, the map of the pages, and the lecture presets as one-click cards."""

import streamlit as st

from rnnviz.train import settings as cf
from rnnviz.ui import controls, sitemap

st.title("rnnviz: see how a recurrent network works")
st.markdown(
    "A recurrent neural network reads a sequence one step at a time and keeps a **hidden "
    "state** $h_t$, a running summary of everything it has read so far. At every step the "
    "*same* weights mix the new input $x_t$ with the previous state $h_{t-1}$. Training sends "
    "the error back through all those steps (backpropagation through time), and on the way "
    "the gradient is multiplied again and again, so it can vanish or explode."
)
st.latex(r"h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h) \qquad y_t = h_t W_{hy} + b_y")

st.subheader("The pages")
cols = st.columns(2)  # two wide columns: the labels are read in full, not cut off
for k, p in enumerate([p for p in sitemap.PAGES if p.blurb]):
    cols[k % 2].page_link(p.file, label=p.blurb, icon=f":material/{p.icon}:")

st.subheader("Lecture presets")
st.caption("One click builds the run and opens the Train page; press Play there.")
names = list(cf.PRESETS)
for row in range(0, len(names), 4):
    cols = st.columns(4)
    for col, name in zip(cols, names[row : row + 4], strict=False):
        title, text, _ = cf.PRESETS[name]
        with col.container(border=True):
            st.markdown(f"**{title}**")
            st.caption(text)
            if st.button("Open", key=f"open_{name}", width="stretch"):
                controls.apply_preset(name)
                st.switch_page(sitemap.by_url("train").file)
