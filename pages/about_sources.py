"""About / sources: the four tutorials the app is built on, what it takes from each, where."""

import streamlit as st

from rnnviz import prose
from rnnviz.ui import sitemap

USES = {  # tutorial section of about.md -> the URL paths of the pages that use it
    "sharma": ("cell", "gradients", "generate", "train"),
    "explained": ("unrolled", "compare", "seq2seq"),
    "keras": ("cell", "gradients", "compare", "train"),
    "zhou": ("sentiment", "train"),
}

st.title("About / sources")
st.markdown(prose.text("about", "intro"))
for name, urls in USES.items():
    with st.container(border=True):
        st.markdown({"sharma": prose.text("about", "sharma"),
                     "explained": prose.text("about", "explained"),
                     "keras": prose.text("about", "keras"),
                     "zhou": prose.text("about", "zhou")}[name])
        cols = st.columns([1.4] + [1] * len(urls), vertical_alignment="center")
        cols[0].caption(prose.text("about", "pages"))
        for col, url in zip(cols[1:], urls, strict=True):
            page = sitemap.by_url(url)
            col.page_link(page.file, label=page.title, icon=f":material/{page.icon}:")
