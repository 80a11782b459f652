"""rnnviz: entry point. Navigation over the pages, shared sidebar, presentation mode."""

import streamlit as st

from rnnviz.ui import state, style

st.set_page_config(page_title="rnnviz", page_icon="🔁", layout="wide")

pages = [
    st.Page("pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("pages/train_live.py", title="Train (live)", icon="▶️", url_path="train"),
    st.Page("pages/cell.py", title="Cell, step by step", icon="🔢", url_path="cell"),
    st.Page("pages/unrolled_view.py", title="Unrolled network", icon="🔗", url_path="unrolled"),
]
page = st.navigation(pages)
style.apply(state.presentation())  # the toggle's value from the last run (session state)
page.run()
st.sidebar.divider()
st.sidebar.toggle("Presentation mode", key=state.PRESENTATION,
                  help="larger text and thicker lines for a projector")
