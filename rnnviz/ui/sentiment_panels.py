"""The sentiment page's two live panels: the seed-003 training log, and a typed sentence."""

from __future__ import annotations

import streamlit as st

from rnnviz.figures import curves, hidden
from rnnviz.figures.sentiment_charts import influence_figure, trajectory_figure
from rnnviz.lessons import sentiment_probe as sv
from rnnviz.ui.livechart import chart
from rnnviz.ui.pagerun import columns

LOG_SHOWN = 10  # newest log entries on screen: the seed prints 10 over its 1000 epochs


def training(run, every: int, big: bool) -> None:
    """Epoch and losses, the seed's log every ``every`` epochs, the learning curves."""
    h = run.history[-1] if run.history else None
    m = st.columns(4)
    m[0].metric("Epoch", run.epoch)
    for col, (label, k) in zip(m[1:], (("Train loss", "train_loss"), ("Test loss", "test_loss"),
                                       ("Test accuracy", "test_accuracy")), strict=True):
        col.metric(label, f"{h[k]:.3f}" if h else "–")
    left, right = columns([2, 3], big)
    left.code(sv.epoch_log(run.history, every, max_entries=LOG_SHOWN), language=None)
    chart(curves.loss_curves(run.history_frame(), "accuracy", big=big), key="sent_curves",
          where=right)


def sentence(run, text: str, big: bool) -> None:
    """Prediction, h_t per word, the PCA path and each word's influence (or why not)."""
    try:
        v = sv.analyse(run.model, run.task, text)
    except ValueError as e:
        st.info(f"{e}", icon=":material/keyboard:")
        return
    if v.truncated:
        st.warning(f"Only the first {sv.MAX_WORDS} words are read; {v.truncated} more were cut.")
    if note := sv.unknown_note(v):
        st.warning(note, icon=":material/help:")
    m = st.columns(4)
    m[0].metric("Prediction", v.prediction)
    m[1].metric("P(positive)", f"{v.probs[1]:.3f}")
    m[2].metric("P(negative)", f"{v.probs[0]:.3f}")
    m[3].metric("Words read", len(v.words))
    left, right = columns(2, big)
    chart(hidden.hidden_heatmap(v.h, v.labels, big=big, title="Hidden state h_t after each word"),
          key="sent_hidden", where=left)
    chart(influence_figure(v.labels, v.p_pos, v.influence, big=big), key="sent_influence",
          where=left)
    left.caption(sv.INFLUENCE_NOTE)
    chart(trajectory_figure(v.path, v.labels, v.pca.project(v.train.final), v.train.labels,
                            v.pca.explained, v.train.texts, big=big),
          key="sent_trajectory", where=right)
    right.caption(f"PCA fitted on the hidden states h_t of the {len(v.train.texts)} training "
                  f"sentences at every word ({len(v.train.states)} states), then the typed "
                  "sentence's h_0 … h_T projected on it. Faint points: where each training "
                  "sentence ends, coloured by its label. The two axes are scaled separately.")
    with right.expander("The numbers, word by word"):
        st.dataframe(v.frame(), hide_index=True, width="stretch")
