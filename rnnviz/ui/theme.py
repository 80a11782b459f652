"""Page-wide CSS: presentation mode (fixed CSS only; no user text ever goes through HTML)."""

import streamlit as st

PRESENTATION_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 20px; }
[data-testid="stMetricValue"], .rnnviz-metric-value { font-size: 2.6rem !important; }
h1 { font-size: 2.6rem !important; }
</style>
"""
NORMAL_CSS = "<style></style>"


def apply(presentation: bool) -> None:
    """The CSS for presentation mode; an empty style otherwise, so that the page's other
    elements keep their places either way (no remount when the mode changes)."""
    if presentation:
        st.html(PRESENTATION_CSS)
    else:
        st.html(NORMAL_CSS)
