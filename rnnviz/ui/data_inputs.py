"""The Train page's own-data inputs: a series CSV for the sine task, pasted text for charlm."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from rnnviz.tasks import DataError, load_series_csv, load_text
from rnnviz.train.run import TrainingRun
from rnnviz.ui import controls, state

ERROR = "data_error"


def _use(cfg, data: dict, message: str) -> None:
    """Build the run on the user's data; on failure keep the current run and say why."""
    new = replace(cfg, task=replace(cfg.task, data=data))
    try:
        run = TrainingRun(new)
    except ValueError as e:
        st.session_state[ERROR] = f"{e}. The current run is unchanged."
        return
    state.set_run(run.cfg, run)
    controls.load_widgets(run.cfg)
    state.notify(message)


def _series_uploaded() -> None:
    st.session_state.pop(ERROR, None)
    file = st.session_state.get("series_csv")
    if file is None:
        return
    run = state.current_run()
    try:
        values, column, _ = load_series_csv(file.getvalue(), window=run.cfg.task.seq_len or 20)
    except DataError as e:
        st.session_state[ERROR] = f"{file.name}: {e}. The current run is unchanged."
        return
    _use(run.cfg, {"series": [float(v) for v in values]},
         f"Forecasting column {column!r} of {file.name} ({len(values)} values).")


def _text_pasted() -> None:
    st.session_state.pop(ERROR, None)
    text = st.session_state.get("pasted_text", "")
    try:
        text = load_text(text.encode("utf-8"))
    except DataError as e:
        st.session_state[ERROR] = f"Pasted text: {e}. The current run is unchanged."
        return
    cfg = state.current_run().cfg
    cfg = replace(cfg, task=replace(cfg.task, text="custom"))
    _use(cfg, {"text": text}, f"Training on your text ({len(text)} characters).")


def own_data(run: TrainingRun) -> None:
    """Sidebar inputs for the user's own data, shown for the tasks that take it."""
    name = run.task.name
    if name == "sine":
        st.sidebar.file_uploader("Your own series (CSV; the first numeric column)",
                                 type=["csv", "txt"], key="series_csv",
                                 on_change=_series_uploaded)
    elif name == "charlm":
        st.sidebar.text_area("Your own text (then press Ctrl+Enter)", key="pasted_text",
                             max_chars=200_000, on_change=_text_pasted)
    if st.session_state.get(ERROR):
        st.sidebar.error(st.session_state[ERROR])
