"""Session-state keys and the current training run (one per browser session)."""

from __future__ import annotations

import threading

import streamlit as st

from rnnviz.train import settings as cf
from rnnviz.train.run import TrainingRun

RUN = "run"  # the TrainingRun of this browser session
CFG = "run_cfg"  # the RunConfig the run was built from
PLAYING = "playing"  # bool: the live fragment trains while True
NOTICE = "notice"  # a one-shot message for the next rerun (e.g. "new model")
PRESENTATION = "presentation"  # bool: larger fonts and thicker lines for a projector
URL_WARNINGS = "url_warnings"
LOCK = "run_lock"
FEED = "live_feed"  # the feed.Feed that trains and draws the run while it plays


def run_lock() -> threading.RLock:
    """Held while the run trains, is drawn or is replaced.

    With Streamlit's fast reruns a click stops the running script and starts a new one at
    once, while the old thread may still be inside run.advance (NumPy never checks for the
    stop): without the lock two threads would train or read the same run together.
    """
    return st.session_state.setdefault(LOCK, threading.RLock())


def current_run() -> TrainingRun:
    """This session's run; built from the URL query (or the defaults) on first use."""
    if RUN not in st.session_state:
        query = {k: st.query_params.get_all(k) for k in st.query_params}
        cfg, warnings = cf.from_query(query)
        if "dtype" not in query:  # the live page trains in float32 unless the link says
            cfg = cf.live(cfg)
        try:
            set_run(cfg)
        except ValueError as e:  # settings that are valid one by one but not together
            warnings.append(f"these settings cannot be used together ({e}): defaults loaded")
            set_run(cf.live(cf.default_config()))
        st.session_state[URL_WARNINGS] = warnings
    return st.session_state[RUN]


def set_run(cfg: cf.RunConfig, run: TrainingRun | None = None) -> TrainingRun:
    """Replace the run (a new model) and remember its config; stops playing."""
    run = run if run is not None else TrainingRun(cfg)
    with run_lock():
        st.session_state[RUN] = run
        st.session_state[CFG] = run.cfg
        st.session_state[PLAYING] = False
        if (feed := st.session_state.get(FEED)) is not None:
            feed.attach(run, feed.view)  # the training thread lets the old run go
    return run


def presentation() -> bool:
    return bool(st.session_state.get(PRESENTATION, False))


def notify(message: str) -> None:
    st.session_state[NOTICE] = message


def pop_notice() -> str | None:
    return st.session_state.pop(NOTICE, None)
