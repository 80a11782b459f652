"""The Sentiment page's notes around its live run: what the typed sentence's words are to the
network (unknown, cut), and how to read its charts."""

from __future__ import annotations

import streamlit as st

from rnnviz import prose
from rnnviz.lessons import sentiment_probe as sv
from rnnviz.train.run import TrainingRun
from rnnviz.ui.player import Player

RECIPE = "sentiment:recipe"  # "tutorial" or "modern": the link's recipe (links.start)
SENTIMENT = Player("sentiment", sv.SentimentScene(),
                   lambda: TrainingRun(sv.recipe_config(st.session_state.get(RECIPE, "modern"))))


def sentence_notes(run, text: str) -> None:
    """Why the typed sentence cannot be read, or which of its words the network never saw
    (these depend on the words and the vocabulary only, not on the training)."""
    try:
        v = sv.analyse(run.model, run.task, text)
    except ValueError as e:
        st.info(f"{e}", icon=":material/keyboard:")
        return
    if v.truncated:
        st.warning(f"Only the first {sv.MAX_WORDS} words are read; {v.truncated} more were cut.")
    if note := sv.unknown_note(v):
        st.warning(note, icon=":material/help:")


def how_to_read(run) -> None:
    n = run.task.n_train
    st.caption(prose.text("sentiment", "influence"))
    st.caption(f"Trajectory: PCA fitted on the hidden states h_t of the {n} training "
               "sentences at every word, then the typed sentence's h_0 … h_T projected on "
               "it. " + prose.text("sentiment", "trajectory"))
