"""The Train page's own controls beside the live run: share with the class, the probe
sample, save / export / load."""

from __future__ import annotations

import textwrap

import streamlit as st

from rnnviz.live import board as classroom
from rnnviz.train import runfile
from rnnviz.ui import controls, process, state

PROBE = "probe_sample"
UPLOAD_ERROR = "upload_error"
SHARE = "share_with_class"  # bool: this session publishes its run to /watch


def share_toggle(where) -> None:
    where.toggle("Share with the class", key=SHARE, on_change=_share_changed,
                 help="students open /watch on this server and follow this run live, "
                      "read-only")


def _share_changed() -> None:
    if not st.session_state.get(SHARE):
        process.board().stop(process.session_id())


def publish() -> str | None:
    """While sharing, claim the class board (read by the Watch page): the session id to
    post as, or None."""
    if not st.session_state.get(SHARE):
        return None
    board = process.board()
    if not board.claim(process.session_id()):
        st.warning("Another session is already sharing its run with the class; yours is "
                   "not shared. It can take over after that session has been silent for "
                   f"{classroom.STALE_S:.0f} s.")
        return None
    st.caption(f":material/cast_for_education: Shared with the class: students open "
               f"**/watch** on this server · {board.watching()} watching now")
    return process.session_id()


def probe_picker(run) -> None:
    """Which probe sample the per-sample charts show (tasks with more than one)."""
    if run.probe.size > 1:
        st.radio("Probe sample", range(run.probe.size), key=PROBE, horizontal=True,
                 format_func=lambda b: textwrap.shorten(  # whole words, "…" if cut
                     " ".join(w for w in run.probe.tokens[b] if w != "<pad>"), 40,
                     placeholder=" …"))


def _load_upload() -> None:
    file = st.session_state.get("upload_run")
    st.session_state.pop(UPLOAD_ERROR, None)
    if file is None:
        return
    try:
        run = runfile.from_bytes(file.getvalue())
    except runfile.RunFileError as e:
        st.session_state[UPLOAD_ERROR] = f"{file.name}: {e}. The current run is unchanged."
        return
    state.TRAIN._pause()
    state.set_run(run.cfg, run)
    controls.load_widgets(run.cfg)
    state.notify(f"Loaded {file.name}: epoch {run.epoch}.")


def exports(run) -> None:
    """History CSV, the run file, and loading a run back."""
    with st.expander("Save, export, load"):
        c = st.columns(2)
        lock = state.run_lock()  # the training thread may be changing the run meanwhile

        def history_csv() -> str:
            with lock:
                return run.history_frame().to_csv(index=False)

        def run_file() -> bytes:
            with lock:
                return runfile.to_bytes(run)

        c[0].download_button("History (CSV)", data=history_csv, file_name="rnnviz-history.csv",
                             mime="text/csv", on_click="ignore")
        c[1].download_button("Run file (.npz, same as the CLI's)", data=run_file,
                             file_name="rnnviz-run.npz", mime="application/octet-stream",
                             on_click="ignore")
        st.file_uploader("Load a saved run (.npz from this app or `rnnviz train --out`)",
                         type=["npz"], key="upload_run", on_change=_load_upload)
        if st.session_state.get(UPLOAD_ERROR):
            st.error(st.session_state[UPLOAD_ERROR])
        st.caption("Figures: use the camera icon on each chart for a PNG.")
