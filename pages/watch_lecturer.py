"""Watch the lecturer: the run shared from the lecturer's Train page, live and read-only.

The page runs once; the browser then polls the shared frame by itself (rnnviz.live.board,
livechart.follow). A heartbeat fragment tells the lecturer how many students watch.
"""

import streamlit as st

from rnnviz import prose
from rnnviz.live import board as classroom
from rnnviz.ui import livechart, process

EVERY = 0.3  # seconds between polls while the lecturer's run plays: ~3 refreshes a second
IDLE = 1.5  # ... while it is paused, nothing is shared, or this tab is hidden

st.title("Watch the lecturer")
st.caption(prose.text("watch", "intro"))
livechart.follow(classroom.URL, key="watch_charts", every=EVERY, idle=IDLE)


@st.fragment(run_every=classroom.HEARTBEAT_S)
def _heartbeat() -> None:
    process.board().watch(process.session_id())  # "N watching now" on the lecturer's page


_heartbeat()
with st.expander("What am I looking at?"):
    st.markdown(prose.text("watch", "reading") + "\n" + prose.text("train", "reading"))
