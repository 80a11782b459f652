"""The Train page's run (one per browser session; other pages read it) and app-wide keys."""

from __future__ import annotations

import threading

import streamlit as st

from rnnviz.lessons.training import TrainScene
from rnnviz.train import settings as cf
from rnnviz.train.run import TrainingRun
from rnnviz.ui import links
from rnnviz.ui.player import Player

CFG = "train:cfg"  # the RunConfig the Train run was built from (the sidebar compares to it)
PRESENTATION = "presentation"  # bool: larger fonts and thicker lines for a projector
URL_WARNINGS = "url_warnings"


def _from_url() -> TrainingRun:
    """The first run: from the URL query (or the defaults), in float32 unless it says."""
    query = links.train_query()  # this page's link, if it is one of the Train run's
    cfg, warnings = cf.from_query(query)
    if "dtype" not in query:  # the live page trains in float32 unless the link says
        cfg = cf.live(cfg)
    try:
        run = TrainingRun(cfg)
    except ValueError as e:  # settings that are valid one by one but not together
        warnings.append(f"these settings cannot be used together ({e}): defaults loaded")
        run = TrainingRun(cf.live(cf.default_config()))
    st.session_state[URL_WARNINGS] = warnings
    st.session_state[CFG] = run.cfg
    return run


TRAIN = Player("train", TrainScene(), _from_url)


def run_lock() -> threading.RLock:
    """Held while the Train run trains, is drawn or is replaced (Player.lock)."""
    return TRAIN.lock


def current_run() -> TrainingRun:
    """This session's Train run; built from the URL query (or the defaults) on first use."""
    return TRAIN.get()


def set_run(cfg: cf.RunConfig, run: TrainingRun | None = None) -> TrainingRun:
    """Replace the Train run (a new model) and remember its config; stops playing."""
    run = run if run is not None else TrainingRun(cfg)
    st.session_state[CFG] = run.cfg
    return TRAIN.set(run)


def presentation() -> bool:
    return bool(st.session_state.get(PRESENTATION, False))


def notify(message: str) -> None:
    TRAIN.notify(message)


def pop_notice() -> str | None:
    return TRAIN.pop_notice()
