"""Watch the lecturer: the run shared from the lecturer's Train page, live and read-only."""

import streamlit as st

from rnnviz.ui import classroom, live, livechart, pace, state

TICK = 0.4  # seconds between refreshes: 2.5 per second per student

st.title("Watch the lecturer")


@st.fragment(run_every=TICK)
def _watch() -> None:
    with pace.slot("view"):  # one viewer tick computes at a time; trainers have their own
        _draw()


def _draw() -> None:
    board = classroom.board()
    frame = board.frame(state.presentation(), viewer=classroom.session_id())
    if frame is None:
        st.info("Nothing is shared right now. On the lecturer's computer: **Train (live)** → "
                "turn on **Share with the class**. This page follows as soon as it is on.",
                icon=":material/cast_for_education:")
        return
    _, silent_s = board.holder()
    if silent_s > classroom.STALE_S:
        how = f"the lecturer's page has been silent for {silent_s / 60:.0f} min"
    else:
        how = "training now" if frame.playing else "paused"
    st.caption(f"{frame.caption} Read-only view of the lecturer's run: **{how}**.")
    live.status_row(frame.status, frame.diverged)
    livechart.grid(frame.grid, key="watch_charts")  # built once per frame for all viewers


_watch()
with st.expander("What am I looking at?"):
    st.markdown(
        "The lecturer's own training run, redrawn here a few times per second. Nothing on "
        "this page changes it: to try settings yourself, open **Train (live)**, which trains "
        "your own copy in your own browser session.\n" + live.READING_GUIDE)
