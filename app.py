"""rnnviz: entry point. Navigation over the pages, shared sidebar, presentation mode.

Page files are named apart from their url paths (train_live.py serves /train): a file
pages/train.py would be run as a legacy page, without this script, on a deep link to
/train as the first request of a fresh server.
"""

import streamlit as st

from rnnviz.ui import livechart, state, style
from rnnviz.ui import player as live

st.set_page_config(page_title="rnnviz", page_icon="🔁", layout="wide")  # no icon fetch: offline

pages = {
    "Explore": [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("pages/train_live.py", title="Train (live)", icon=":material/play_circle:",
                url_path="train"),
        st.Page("pages/watch_lecturer.py", title="Watch the lecturer",
                icon=":material/cast_for_education:", url_path="watch"),
        st.Page("pages/cell_step.py", title="Cell, step by step",
                icon=":material/calculate:", url_path="cell"),
        st.Page("pages/unrolled_view.py", title="Unrolled network",
                icon=":material/linear_scale:", url_path="unrolled"),
    ],
    "Experiments": [
        st.Page("pages/gradient_lab.py", title="Gradient lab", icon=":material/science:",
                url_path="gradients"),
        st.Page("pages/compare_cells.py", title="RNN vs LSTM vs GRU",
                icon=":material/compare_arrows:", url_path="compare"),
        st.Page("pages/sentiment_lab.py", title="Sentiment (seed 003)",
                icon=":material/sentiment_satisfied:", url_path="sentiment"),
        st.Page("pages/generate_text.py", title="Generate text",
                icon=":material/edit_note:", url_path="generate"),
    ],
}
page = st.navigation(pages)
if page.url_path != "train":
    live.leave()  # the Train page's run pauses while another page shows (it resumes there)
livechart.preload()  # the browser fetches plotly.js while the page's script runs
style.apply(state.presentation())  # the toggle's value from the last run (session state)
page.run()  # a page with settings in the sidebar ends them with a divider
st.sidebar.toggle("Presentation mode", key=state.PRESENTATION,
                  help="larger text and thicker lines for a projector")
