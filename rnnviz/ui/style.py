"""Page-wide CSS: presentation mode (fixed CSS only; no user text ever goes through HTML)."""

import streamlit as st

PRESENTATION_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 20px; }
[data-testid="stMetricValue"] { font-size: 2.4rem; }
h1 { font-size: 2.6rem !important; }
</style>
"""


def apply(presentation: bool) -> None:
    if presentation:
        st.html(PRESENTATION_CSS)
