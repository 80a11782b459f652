"""Home: what an RNN is, the map of the pages, and the lecture presets as one-click cards."""

import streamlit as st

from rnnviz import prose
from rnnviz.train import settings as cf
from rnnviz.ui import controls, sitemap

st.title("rnnviz: see how a recurrent network works")
st.markdown(prose.text("home", "intro"))
st.latex(r"h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h) \qquad y_t = h_t W_{hy} + b_y")

st.subheader("The pages")
cols = st.columns(2)  # two wide columns: the labels are read in full, not cut off
for k, p in enumerate([p for p in sitemap.PAGES if p.blurb]):
    cols[k % 2].page_link(p.file, label=p.blurb, icon=f":material/{p.icon}:")

st.subheader("Lecture presets")
st.caption(prose.text("home", "presets"))
names = list(cf.PRESETS)
for row in range(0, len(names), 4):
    cols = st.columns(4)
    for col, name in zip(cols, names[row : row + 4], strict=False):
        preset = cf.PRESETS[name]
        with col.container(border=True):
            st.markdown(f"**{preset.title}**")
            st.caption(preset.text)
            if st.button("Open", key=f"open_{name}", width="stretch"):
                controls.apply_preset(name)
                st.switch_page(sitemap.by_url("train").file)
