"""Generate text (Mayank Sharma's character model, RecurrentJS-style): train live, then sample."""

import streamlit as st

from rnnviz import prose
from rnnviz.lessons import textgen as tg
from rnnviz.tasks import DataError
from rnnviz.train.run import TrainingRun
from rnnviz.ui import links, state
from rnnviz.ui import textgen_panel as panel

st.set_page_config(layout="wide")
ss, pr, big = st.session_state, panel.GENERATE, state.presentation()
SOURCE, TEXT, ERROR = panel.SOURCE, "generate:text", "generate:error"


def use_source() -> None:
    ss.pop(ERROR, None)
    if ss[SOURCE] != "custom":  # your own text waits for its button
        pr._pause()
        pr.set(TrainingRun(tg.source_config(ss[SOURCE])), f"{tg.SOURCES[ss[SOURCE]]}: press Play.")


def use_text() -> None:
    ss.pop(ERROR, None)
    try:
        run = TrainingRun(tg.source_config("custom", ss.get(TEXT)))
        pr._pause()
        pr.set(run, "Your text: press Play.")
    except (DataError, ValueError) as e:
        ss[ERROR] = f"{e}. The current run is unchanged."


had = ss.get(pr.key("run"))  # None: the link's source builds the run (panel.GENERATE)
new_link = links.start("generate", {} if had is None else {"source": had.cfg.task.text})
run = pr.get()
if new_link and ss[SOURCE] != run.cfg.task.text:
    run = pr.set(TrainingRun(tg.source_config(ss[SOURCE])))
ss.setdefault(SOURCE, run.cfg.task.text)  # "hello", "bundled" or "custom"
st.title("Generate text, one character at a time")
st.caption(prose.text("generate", "intro"))
links.place("generate", "source").radio("Train on", list(tg.SOURCES), format_func=tg.SOURCES.get,
                                        horizontal=True, key=SOURCE, on_change=use_source)
if ss[SOURCE] == "custom":
    st.text_area("Paste your text (any characters, emoji too; at most 200 KB)", key=TEXT)
    st.button("Train on this text", icon=":material/model_training:", on_click=use_text)
if ss.get(ERROR):
    st.error(ss[ERROR])
t, m = run.task, run.model.cfg
st.caption(f"**Training text: {len(t.text):,} characters, {len(t.vocab)} distinct** (the "
           f"vocabulary); windows of {t.seq_len}; " + ("the last 10% held out for testing. "
           if t.held_out else "too short to hold any out: the test set is the training set. ") +
           f"{m.cell.upper()}, {m.hidden_size} hidden units, {run.model.num_params:,} parameters.")
if notice := pr.pop_notice():
    st.info(notice)
pr.buttons()
pr.panel(big, options=panel.controls(big))
with st.expander("What am I looking at?"):
    st.markdown(run.task.explanation)
    st.markdown(prose.text("generate", "reading"))
