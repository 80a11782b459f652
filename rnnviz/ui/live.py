"""Play / Pause / Step / Reset and the live fragment that trains and redraws the charts."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from rnnviz import runio, views
from rnnviz.figures import curves, gradients, hidden, spectrum, taskviews
from rnnviz.figures.unrolled import unrolled_figure
from rnnviz.unroll import from_trace

from . import controls, state

TICK = 0.2  # seconds between fragment runs while playing
BUDGET = 0.08  # seconds of training per tick; the rest of the tick is drawing and network
PROBE = "probe_sample"
UPLOAD_ERROR = "upload_error"


# -- callbacks (run before the script, so they never race the widgets) -------------------
def _play() -> None:
    st.session_state[state.PLAYING] = True


def _pause() -> None:
    st.session_state[state.PLAYING] = False


def _step() -> None:
    st.session_state[state.PLAYING] = False
    with state.run_lock():
        state.current_run().step()


def _reset() -> None:
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
    state.set_run(run.cfg, run)
    controls.load_widgets(run.cfg)
    state.notify(f"Loaded {file.name}: epoch {run.epoch}.")


def buttons(run) -> None:
    """The Playground-style control row."""
    playing = st.session_state.get(state.PLAYING, False)
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


def exports(run) -> None:
    """History CSV, the run file, and loading a run back."""
    with st.expander("Save, export, load"):
        c = st.columns(2)
        c[0].download_button("History (CSV)", data=lambda: run.history_frame().to_csv(
            index=False), file_name="rnnviz-history.csv", mime="text/csv", on_click="ignore")
        c[1].download_button("Run file (.npz, same as the CLI's)",
                             data=lambda: runio.to_bytes(run), file_name="rnnviz-run.npz",
                             mime="application/octet-stream", on_click="ignore")
        st.file_uploader("Load a saved run (.npz from this app or `rnnviz train --out`)",
                         type=["npz"], key="upload_run", on_change=_load_upload)
        if st.session_state.get(UPLOAD_ERROR):
            st.error(st.session_state[UPLOAD_ERROR])
        st.caption("Figures: use the camera icon on each chart for a PNG.")


def panel(big: bool) -> None:
    """The live part: a fragment that trains for BUDGET seconds per tick while playing."""
    playing = st.session_state.get(state.PLAYING, False)

    @st.fragment(run_every=TICK if playing else None)
    def _live():
        with state.run_lock():  # see state.run_lock: one thread at a time on the run
            run = state.current_run()
            t0 = time.perf_counter()
            if st.session_state.get(state.PLAYING) and not run.diverged:
                run.advance(seconds=BUDGET)
            train_ms = (time.perf_counter() - t0) * 1000
            _draw(run, big, train_ms)
        if run.diverged and st.session_state.get(state.PLAYING):
            st.session_state[state.PLAYING] = False
            st.rerun(scope="app")

    _live()


def _status(run, train_ms: float) -> None:
    h = run.history[-1] if run.history else None
    metric = run.task.metric_name
    cols = st.columns(5)
    cols[0].metric("Epoch", run.epoch)
    cols[1].metric("Train loss", f"{h['train_loss']:.3g}" if h else "–")
    cols[2].metric(f"Test {metric}", f"{h[f'test_{metric}']:.3g}" if h else "–")
    cols[3].metric("Steps / s", f"{run.steps_per_second:.0f}" if run.batches else "–")
    per_epoch = run.seconds / run.epoch * 1000 if run.epoch else None
    cols[4].metric("ms / epoch", f"{per_epoch:.0f}" if per_epoch else "–",
                   help=f"last tick: {train_ms:.0f} ms training")
    if run.diverged:
        st.error(f"**The run {run.status}.** The weights are the last finite ones. Lower the "
                 "learning rate or turn on clipping, then press Reset.")


def _draw(run, big: bool, train_ms: float) -> None:
    _status(run, train_ms)
    df = run.history_frame(max_rows=curves.MAX_POINTS)  # the curves show no more than this
    t = run.task
    tr = run.probe_trace
    b = min(st.session_state.get(PROBE, 0), tr.x.shape[1] - 1)
    tokens = run.probe.tokens[b]
    c = st.columns(2)
    c[0].plotly_chart(curves.loss_curves(df, t.metric_name, big=big), key="loss")
    c[1].plotly_chart(gradients.grad_flow_line(
        tr.grad_norm, title=f"Gradient flowing back, epoch {run.epoch}: ||dL/dh_t||", big=big),
        key="flow")
    c = st.columns(2)
    relu = run.cfg.model.cell == "rnn" and run.cfg.model.activation == "relu"
    h = tr.hidden[:, b]
    zmax = float(max(np.abs(h).max(), 1e-6)) if relu else 1.0
    c[0].plotly_chart(hidden.hidden_heatmap(h, tokens, zmax=zmax, big=big,
                                            title=f"Hidden states h_t, probe sample {b + 1}"),
                      key="hidden")
    epochs, flow = run.grad_flow_matrix()
    c[1].plotly_chart(gradients.grad_flow_heatmap(epochs, flow, tokens, big=big), key="flowmap")
    c = st.columns(2)
    tc = run.cfg.train
    c[0].plotly_chart(curves.clip_curves(df, tc.clip_threshold if tc.clip == "norm" else None,
                                         big=big), key="clip")
    c[1].plotly_chart(spectrum.eigen_plot(run.eig_history[-1][1], big=big), key="eigs")
    m = run.cfg.model
    u = from_trace(tr, run.probe, b, run.task, cell=m.cell, activation=m.activation)
    st.plotly_chart(unrolled_figure(**u.figure_kwargs(), pattern=u.pattern, compact=True,
                                    big=big), key="unrolled")
    _task_view(run, big)


def _task_view(run, big: bool) -> None:
    name = run.task.name
    if name == "sine":
        v = views.sine_view(run)
        st.plotly_chart(taskviews.forecast_plot(v["t"], v["truth"], v["pred"], v["multi"],
                                                big=big), key="task")
    elif name == "sentiment":
        st.markdown("**The test sentences, as the network reads them now**")
        st.dataframe(views.sentiment_view(run), hide_index=True, width="stretch")
    elif name == "charlm":
        greedy = views.charlm_view(run, n=60, greedy=True)
        sampled = views.charlm_view(run, n=60, temperature=1.0)
        st.markdown("**Samples from the model now** (prompt: first character of the text)")
        st.code(f"greedy:          {greedy.prompt}{greedy.text}\n"
                f"temperature 1.0: {sampled.prompt}{sampled.text}", language=None)
    else:
        st.markdown("**First test sequences: target vs prediction**")
        st.dataframe(views.memory_view(run), hide_index=True)
