"""Play / Pause / Step / Reset, and the live view of the session's run (feed.Feed).

While the run plays, feed.Trainer trains it on a background thread and writes its frames;
the page's live element polls them (livechart.live). This page's script runs only when
the user acts: it draws the run as it is then, the same frame, sent inline.
"""

from __future__ import annotations

import streamlit as st

from rnnviz.live import board as classroom
from rnnviz.live import feed, pace
from rnnviz.train import runfile as runio
from rnnviz.ui import controls, livechart, process, state
from rnnviz.ui.process import trainer

PROBE = "probe_sample"
UPLOAD_ERROR = "upload_error"
SHARE = "share_with_class"  # bool: this session publishes its run to /watch
FEED = state.FEED
LIVE_KEY = "train_live"  # the live element's key
TICK, BUDGET, KEEP, fitted = feed.TICK, feed.BUDGET, feed.KEEP, feed.fitted


def session_feed() -> feed.Feed:
    """This session's feed (made on first use, attached to the current run)."""
    f = st.session_state.get(FEED)
    if f is None:
        f = feed.Feed(state.current_run(), state.run_lock(), process.session_id())
        f.alive = _liveness(f.session)
        trainer().add(f)
        st.session_state[FEED] = f
    return f


def leave() -> None:
    """Another page runs (app.py): pause this session's run until the Train page is back,
    as its other pages (Unrolled network, ...) read the same run."""
    f = st.session_state.get(FEED)
    if f is not None:
        f.leave()


def _liveness(session: str):
    """A check the trainer calls each turn: is the browser session still connected?"""
    from streamlit import runtime

    if not runtime.exists():  # AppTest: no server, sessions end with their state
        return feed._always
    rt = runtime.get_instance()
    return lambda: rt.is_active_session(session)


# -- callbacks (run before the script, so they never race the widgets) -------------------
def _play() -> None:
    f = session_feed()
    f.attach(state.current_run(), f.view)
    st.session_state[state.PLAYING] = f.play()
    trainer().wake()


def _pause() -> None:
    st.session_state[state.PLAYING] = False
    session_feed().pause()


def _step() -> None:
    _pause()
    with state.run_lock():
        state.current_run().step()
        state.current_run().model.release_buffers()


def _reset() -> None:
    _pause()
    run = state.current_run()
    state.set_run(run.cfg)
    state.notify("Reset: fresh weights from the same seed, epoch 0.")


def _load_upload() -> None:
    file = st.session_state.get("upload_run")
    st.session_state.pop(UPLOAD_ERROR, None)
    if file is None:
        return
    try:
        run = runio.from_bytes(file.getvalue())
    except runio.RunFileError as e:
        st.session_state[UPLOAD_ERROR] = f"{file.name}: {e}. The current run is unchanged."
        return
    _pause()
    state.set_run(run.cfg, run)
    controls.load_widgets(run.cfg)
    state.notify(f"Loaded {file.name}: epoch {run.epoch}.")


def _share_changed() -> None:
    if not st.session_state.get(SHARE):
        process.board().stop(process.session_id())


def _stopped() -> None:
    """The live element saw the run stop by itself (it diverged): the script reruns."""


def _publish(run) -> bool:
    """While sharing, claim the class board (read by the Watch page); whether we hold it."""
    if not st.session_state.get(SHARE):
        return False
    board = process.board()
    if not board.claim(process.session_id()):
        st.warning("Another session is already sharing its run with the class; yours is "
                   "not shared. It can take over after that session has been silent for "
                   f"{classroom.STALE_S:.0f} s.")
        return False
    st.caption(f":material/cast_for_education: Shared with the class: students open "
               f"**/watch** on this server · {board.watching()} watching now")
    return True


def buttons(run) -> None:
    """The Playground-style control row."""
    f = session_feed()
    if f.come_back():  # it played when the user opened another page
        trainer().wake()
    playing = f.playing  # the trainer stops a run that diverged
    st.session_state[state.PLAYING] = playing
    c = st.columns([1, 1, 1, 3])
    if playing:
        c[0].button("Pause", icon=":material/pause:", on_click=_pause, type="primary",
                    width="stretch")
    else:
        c[0].button("Play", icon=":material/play_arrow:", on_click=_play, type="primary",
                    width="stretch", disabled=run.diverged)
    c[1].button("Step", icon=":material/skip_next:", on_click=_step, width="stretch",
                disabled=run.diverged, help="train exactly one epoch")
    c[2].button("Reset", icon=":material/restart_alt:", on_click=_reset, width="stretch",
                help="new weights, epoch 0")
    c[3].toggle("Share with the class", key=SHARE, on_change=_share_changed,
                help="students open /watch on this server and follow this run live, "
                     "read-only")


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
                return runio.to_bytes(run)

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


def panel(big: bool) -> None:
    """The live view: the divergence (or failure) message if any, then the metrics, charts
    and the task's view, drawn by the browser from the feed's frames."""
    f = session_feed()
    run = state.current_run()
    sharing = _publish(run)
    f.board = process.board()
    f.attach(run, feed.View(probe=st.session_state.get(PROBE, 0), big=big,
                            share=process.session_id() if sharing else None))
    frame, playing = f.snapshot()
    if st.session_state.get(state.PLAYING) and not playing:
        # it stopped itself (diverged) after the buttons above were drawn: draw them again
        st.session_state[state.PLAYING] = False
        st.rerun()
    st.session_state[state.PLAYING] = playing
    if playing:
        trainer().wake()
    messages = st.container()  # always there: the live element keeps its place (no remount)
    if f.error:
        messages.error(f"**Training stopped: {f.error}.** This is a bug in rnnviz, not in "
                       "your settings; the run is kept as it was. Press Play to try again, "
                       "or Reset.")
    if run.diverged:
        messages.error(f"**The run {run.status}.** The weights are the last finite ones. "
                       "Lower the learning rate or turn on clipping, then press Reset.")
    every = max(f.every, pace.interval(TICK, len(trainer().playing())))  # crowd: slower
    livechart.live(frame, url=f.url, playing=playing, every=every, key=LIVE_KEY,
                   on_stopped=_stopped)


READING_GUIDE = (
    "- **Gradient flowing back**: ||dL/dh_t|| for the probe sample after the latest epoch; "
    "on a log axis a straight falling line is a gradient that vanishes geometrically back "
    "through time.\n"
    "- **Hidden states**: one column per time step, one row per unit; blue is negative, red "
    "positive, white 0.\n"
    "- **Eigenvalues of W_hh**: outside the dashed unit circle, signals (and gradients) can "
    "grow from step to step.")
