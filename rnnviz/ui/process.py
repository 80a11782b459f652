"""What one server process shares between its sessions: the class board, the pace, the
training thread; and this browser session's id. Streamlit's cache_resource keeps one each."""

from __future__ import annotations

import streamlit as st

from rnnviz.live import feed
from rnnviz.live.board import Board
from rnnviz.live.pace import Pace


@st.cache_resource
def board() -> Board:
    """This process's handle on the class board."""
    return Board()


def session_id() -> str:
    """This browser session's id (stable across reruns)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


@st.cache_resource
def pace() -> Pace:
    """The one Pace of this server process."""
    return Pace()


@st.cache_resource
def trainer() -> feed.Trainer:
    """The one training thread of this server process (started on the first Play)."""
    feed.sweep()
    return feed.Trainer(pace())
