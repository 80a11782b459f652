"""Play / Pause / Step / Reset and the live fragment that trains and redraws the charts."""

from __future__ import annotations

import time

import streamlit as st

from rnnviz import runio, views
from rnnviz.figures import live as live_figs
from rnnviz.figures.live import LAYOUT

from . import classroom, controls, pace, state
from .livechart import chart, to_json

TICK = 0.1  # seconds between fragment runs while playing: up to 10 chart refreshes a second
BUDGET = 0.035  # seconds of training per tick at most (pace.budget shares it in a crowd)
FIT = "live_fit"  # the training seconds per tick that keep ticks within their interval
KEEP = 0.5  # a tick's body (training and drawing) should take at most this much of it
PROBE = "probe_sample"
UPLOAD_ERROR = "upload_error"
SHARE = "share_with_class"  # bool: this session publishes its run to /watch
EVERY = "live_every"  # the fragment's run_every now (seconds), None while paused
MEMO = "live_epoch_view"  # (run, key, chart JSON, task view, built at, run.batches then)
EPOCH_VIEW_EVERY = 0.2  # seconds: while playing, the per-epoch charts change <= 5x a second


# -- callbacks (run before the script, so they never race the widgets) -------------------
def _play() -> None:
    st.session_state[state.PLAYING] = True


def _pause() -> None:
    st.session_state[state.PLAYING] = False
    with state.run_lock():  # a paused model holds no step buffers (core Workspace)
        state.current_run().model.release_buffers()


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


def _share_changed() -> None:
    if not st.session_state.get(SHARE):
        classroom.board().stop(classroom.session_id())


def _publish(run) -> bool:
    """While sharing, claim the class board (read by the Watch page); whether we hold it."""
    if not st.session_state.get(SHARE):
        return False
    board = classroom.board()
    if not board.claim(classroom.session_id()):
        st.warning("Another session is already sharing its run with the class; yours is "
                   "not shared. It can take over after that session has been silent for "
                   f"{classroom.STALE_S:.0f} s.")
        return False
    st.caption(f":material/cast_for_education: Shared with the class: students open "
               f"**/watch** on this server · {board.watching()} watching now")
    return True


def _post(run, specs: dict, status: list, playing: bool) -> None:
    """Post what this tick drew as the board's frame (classroom.Board.post)."""
    m = run.cfg.model
    caption = (f"{run.task.title}. {m.cell.upper()}, {m.hidden_size} hidden units × "
               f"{m.num_layers} layer(s); {run.model.num_params:,} parameters.")
    key = (id(run), run.batches, run.epoch, st.session_state.get(PROBE, 0),
           state.presentation(), run.diverged, playing)
    classroom.board().post(classroom.session_id(), key, classroom.frame_json(
        LAYOUT, specs, epoch=run.epoch, playing=playing, caption=caption, status=status,
        diverged=run.status if run.diverged else None))


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
    c[3].toggle("Share with the class", key=SHARE, on_change=_share_changed,
                help="students open /watch on this server and follow this run live, "
                     "read-only")


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
    """The live part: a fragment that trains for BUDGET seconds per tick while playing.

    Its tick interval is TICK alone and longer when many sessions train at once
    (pace.interval); when the crowd changes a lot, the page reruns to set the new one."""
    playing = st.session_state.get(state.PLAYING, False)
    every = pace.interval(TICK, pace.pace().active() + 1) if playing else None
    st.session_state[EVERY] = every

    @st.fragment(run_every=every)
    def _live():
        # one tick computes at a time in the process (pace.slot), then the run's own lock
        # (see state.run_lock: one thread at a time on the run)
        with pace.slot(), state.run_lock():
            run = state.current_run()
            t0 = time.perf_counter()
            training = st.session_state.get(state.PLAYING) and not run.diverged
            if training:
                run.advance(seconds=pace.budget(st.session_state.get(FIT, BUDGET)))
            train_ms = (time.perf_counter() - t0) * 1000
            sharing = _publish(run)
            specs, status = _draw(run, big, train_ms)
            playing = bool(st.session_state.get(state.PLAYING))
            if sharing:
                _post(run, specs, status, playing)
            if not playing:  # an idle run holds no step buffers (drawing may have made some)
                run.model.release_buffers()
            if training and every:
                _fit(time.perf_counter() - t0, every)
        if run.diverged and st.session_state.get(state.PLAYING):
            st.session_state[state.PLAYING] = False
            st.rerun(scope="app")
        elif st.session_state.get(state.PLAYING) and _crowd_changed():
            st.rerun(scope="app")  # registers the fragment again with the new interval

    _live()


def _fit(body_s: float, every: float) -> None:
    """Adapt the training time per tick so that a tick's body stays within KEEP of its
    interval: 20% less after a longer one, 10% more (up to BUDGET) after a shorter one.

    Streamlit's timer asks for the next tick every `every` seconds whatever happens; a
    request that arrives while a tick still runs waits for it, so ticks longer than the
    interval run back to back and the charts refresh less often. On a busy machine (a
    browser, other sessions, a projector's screen capture) the ticks get shorter instead:
    the charts stay live and training slows down."""
    st.session_state[FIT] = fitted(st.session_state.get(FIT, BUDGET), body_s, every)


def fitted(fit: float, body_s: float, every: float) -> float:
    """The next tick's training seconds after one whose body took body_s (see _fit)."""
    fit = fit * 0.8 if body_s > KEEP * every else fit * 1.1
    return min(BUDGET, max(pace.MIN_BUDGET, fit))


def _crowd_changed() -> bool:
    """Whether the tick interval for today's crowd differs by 1.5x from the one in use."""
    now = st.session_state.get(EVERY)
    wanted = pace.interval(TICK, pace.pace().active())
    return bool(now) and not (1 / 1.5 < wanted / now < 1.5)


READING_GUIDE = (
    "- **Gradient flowing back**: ||dL/dh_t|| for the probe sample after the latest epoch; "
    "on a log axis a straight falling line is a gradient that vanishes geometrically back "
    "through time.\n"
    "- **Hidden states**: one column per time step, one row per unit; blue is negative, red "
    "positive, white 0.\n"
    "- **Eigenvalues of W_hh**: outside the dashed unit circle, signals (and gradients) can "
    "grow from step to step.")


def status_items(st_) -> list[tuple[str, str]]:
    """Epoch, losses and throughput (a figures.live.status dict) as (label, text) pairs."""
    return [("Epoch", str(st_["epoch"])),
            ("Train loss", _num(st_["train_loss"], ".3g")),
            (f"Test {st_['metric_name']}", _num(st_["test_metric"], ".3g")),
            ("Steps / s", _num(st_["steps_per_s"], ".0f")),
            ("ms / epoch", _num(st_["ms_per_epoch"], ".0f"))]


def status_row(items: list[tuple[str, str]], diverged: str | None = None,
               note: str = "") -> None:
    """status_items as a row of metrics (and the divergence message, if any)."""
    for i, (col, (label, value)) in enumerate(zip(st.columns(len(items)), items,
                                                  strict=True)):
        col.metric(label, value, help=(note or None) if i == len(items) - 1 else None)
    if diverged:
        st.error(f"**The run {diverged}.** The weights are the last finite ones. Lower the "
                 "learning rate or turn on clipping, then press Reset.")


def _num(x, spec: str) -> str:
    return "–" if x is None else format(x, spec)


def draw_charts(charts: dict, prefix: str = "", spec: bool = False) -> None:
    """The live charts in figures.live.LAYOUT order; `spec`: values are JSON strings."""
    for row in LAYOUT:
        keys = [k for k in row if k in charts]
        if not keys:
            continue
        cols = st.columns(len(keys)) if len(keys) > 1 else [None]
        for k, where in zip(keys, cols, strict=True):
            if spec:
                chart(key=prefix + k, where=where, spec=charts[k])
            else:
                chart(charts[k], key=prefix + k, where=where)


def _draw(run, big: bool, train_ms: float) -> tuple[dict, list]:
    """Status row, charts and the task's view; returns (chart JSON by key, status items)."""
    status = status_items(live_figs.status(run))
    status_row(status, run.status if run.diverged else None,
               note=f"last tick: {train_ms:.0f} ms training")
    playing = bool(st.session_state.get(state.PLAYING))
    specs, task, batches = _epoch_view(run, st.session_state.get(PROBE, 0), big, playing)
    if batches != run.batches:  # trained since: the learning curves are always current
        specs = specs | {"loss": to_json(live_figs.curves_now(run, big))}
    draw_charts(specs, spec=True)
    _task_view(run.task.name, task)
    return specs, status


def _epoch_view(run, b: int, big: bool, playing: bool) -> tuple[dict, object, int]:
    """The charts (as JSON), the task view, and run.batches when they were built.

    The charts show per-epoch records (history, the probe trace taken at the end of the
    epoch, W_hh's eigenvalues then), so they are rebuilt only when the epoch moved on, and
    while playing at most every EPOCH_VIEW_EVERY seconds: a tick in between re-sends the
    same strings, which the browser does not redraw, and _draw refreshes the learning
    curves alone. A paused run (Step, probe, presentation mode) is redrawn at once."""
    key = (run.epoch, b, big, run.diverged, repr(run.cfg.train))
    memo = st.session_state.get(MEMO)
    now = time.monotonic()
    if memo is not None and memo[0] is run and (memo[1] == key or (
            playing and memo[1][1:] == key[1:] and now - memo[4] < EPOCH_VIEW_EVERY)):
        return memo[2], memo[3], memo[5]
    figs = live_figs.train_figures(run, b, big)
    memo = (run, key, {k: to_json(v) for k, v in figs.items()}, _task_data(run), now,
            run.batches)
    st.session_state[MEMO] = memo
    return memo[2], memo[3], memo[5]


def _task_data(run):
    """What the task's own view shows, when it is not a chart (sine's is in the charts)."""
    name = run.task.name
    if name == "sentiment":
        return views.sentiment_view(run)
    if name == "charlm":
        return (views.charlm_view(run, n=60, greedy=True),
                views.charlm_view(run, n=60, temperature=1.0))
    if name != "sine":
        return views.memory_view(run)
    return None


def _task_view(name: str, data) -> None:
    if name == "sentiment":
        st.markdown("**The test sentences, as the network reads them now**")
        st.dataframe(data, hide_index=True, width="stretch")
    elif name == "charlm":
        greedy, sampled = data
        st.markdown("**Samples from the model now** (prompt: first character of the text)")
        st.code(f"greedy:          {greedy.prompt}{greedy.text}\n"
                f"temperature 1.0: {sampled.prompt}{sampled.text}", language=None)
    elif name != "sine":
        st.markdown("**First test sequences: target vs prediction**")
        st.dataframe(data, hide_index=True)
