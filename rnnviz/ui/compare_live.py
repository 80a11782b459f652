"""The Compare page's Streamlit glue: its comparison in session state, controls, Play / Pause /
Step / Reset and the live fragment that trains the three runs and redraws their charts."""

from __future__ import annotations

import time

import streamlit as st

from rnnviz.figures import cellrace_charts as fig
from rnnviz.lessons import cellrace as cmp
from rnnviz.ui import process
from rnnviz.ui.livechart import chart

COMPARISON = "cmp_comparison"  # the Comparison of this session (the Train page's is "run")
PLAYING = "cmp_playing"  # bool: the fragment trains while True
NOTICE = "cmp_notice"  # one-shot message for the next rerun
TICK_MS = "cmp_tick_ms"  # last tick: (training ms, drawing ms)
KEYS = {"task": "cmp_task", "seq_len": "cmp_seq_len", "hidden": "cmp_hidden",
        "seed": "cmp_seed"}
BUDGET_KEY = "cmp_budget"
TICK = 0.3  # seconds between fragment runs while playing
BUDGET = 0.2  # seconds of training per tick, shared by the three runs (equal steps each)
HIDDEN_SIZES = (4, 8, 16, 32, 64, 128)


def current() -> cmp.Comparison:
    if COMPARISON not in st.session_state:
        st.session_state[COMPARISON] = cmp.Comparison()
        st.session_state[PLAYING] = False
    return st.session_state[COMPARISON]


# -- callbacks (run before the script, so they never race the widgets) -------------------
def _play() -> None:
    st.session_state[PLAYING] = True


def _pause() -> None:
    st.session_state[PLAYING] = False


def _step() -> None:
    st.session_state[PLAYING] = False
    current().step()


def _reset() -> None:
    c = current()
    st.session_state[COMPARISON] = cmp.Comparison(c.settings, c.budget)
    st.session_state[PLAYING] = False
    st.session_state[NOTICE] = "Reset: three fresh networks from the same seed, epoch 0."


def _settings_changed() -> None:
    c = current()
    values = {k: st.session_state[key] for k, key in KEYS.items()}
    changed = [k for k, v in values.items() if getattr(c.settings, k) != v]
    st.session_state[COMPARISON] = cmp.with_settings(c, **values)
    st.session_state[PLAYING] = False
    labels = {"task": "task", "seq_len": "dependency length", "hidden": "hidden size",
              "seed": "seed"}
    st.session_state[NOTICE] = (f"Changed {', '.join(labels[k] for k in changed)}: three new "
                                "networks, training starts again at epoch 0.")


def _budget_changed() -> None:
    current().set_budget(st.session_state[BUDGET_KEY])


# -- controls ----------------------------------------------------------------------------
def controls(c: cmp.Comparison) -> None:
    """Shared settings (a change builds three new runs) and the live budget."""
    wanted = {key: getattr(c.settings, k) for k, key in KEYS.items()} | {BUDGET_KEY: c.budget}
    for key, value in wanted.items():  # (re)load the widgets from the comparison, e.g.
        if key not in st.session_state:  # after visiting another page
            st.session_state[key] = value
    col = st.columns([1.3, 2, 1.2, 0.8, 1.6])
    col[0].selectbox("Task", list(cmp.TASKS), format_func=cmp.TASKS.get, key=KEYS["task"],
                     on_change=_settings_changed)
    col[1].slider("Dependency length (steps)", *cmp.SEQ_RANGE, key=KEYS["seq_len"],
                  on_change=_settings_changed,
                  help="how many steps the networks must remember across")
    col[2].select_slider("Hidden units (each)", HIDDEN_SIZES, key=KEYS["hidden"],
                         on_change=_settings_changed)
    col[3].number_input("Seed", 0, 2**31 - 1, step=1, key=KEYS["seed"],
                        on_change=_settings_changed)
    col[4].slider("Budget (epochs)", 1, 100, key=BUDGET_KEY, on_change=_budget_changed,
                  help="every network trains this many epochs, then stops; changes live")
    if notice := st.session_state.pop(NOTICE, None):
        st.info(notice)


def buttons(c: cmp.Comparison) -> None:
    playing = st.session_state.get(PLAYING, False)
    col = st.columns([1, 1, 1, 4])
    if playing:
        col[0].button("Pause", icon=":material/pause:", on_click=_pause, type="primary",
                      width="stretch")
    else:
        col[0].button("Play", icon=":material/play_arrow:", on_click=_play, type="primary",
                      width="stretch", disabled=c.finished)
    col[1].button("Step", icon=":material/skip_next:", on_click=_step, width="stretch",
                  disabled=c.finished, help="train each network exactly one epoch")
    col[2].button("Reset", icon=":material/restart_alt:", on_click=_reset, width="stretch",
                  help="fresh weights from the same seed, epoch 0")


# -- the live part -----------------------------------------------------------------------
def panel(big: bool) -> None:
    """A fragment that, while playing, trains the three runs for BUDGET seconds per tick
    (in lockstep: the same number of optimiser steps each) and redraws."""
    playing = st.session_state.get(PLAYING, False)

    @st.fragment(run_every=TICK if playing else None)
    def _live():
        c = current()
        # one tick computes at a time in the process (pace.slot), then this comparison's
        # lock: a fast rerun's thread waits until this one has trained and drawn
        with process.slot(), c.lock:
            t0 = time.perf_counter()
            if st.session_state.get(PLAYING):
                c.advance(seconds=process.budget(BUDGET))
                if c.finished:
                    st.session_state[PLAYING] = False
                    st.rerun(scope="app")  # the Play button greys out
            t1 = time.perf_counter()
            draw(c, big)
            st.session_state[TICK_MS] = (1000 * (t1 - t0), 1000 * (time.perf_counter() - t1))

    _live()


def _fmt(v: float | None, metric: str) -> str:
    if v is None:
        return "–"
    return f"{v:.0%}" if metric == "accuracy" else f"{v:.3g}"


def status(c: cmp.Comparison) -> None:
    done = ("budget reached: raise it to train on" if c.finished
            else f"{c.progress:.0%} of the budget")
    st.progress(c.progress, text=f"Epoch {c.epoch} of {c.budget} ({done}); every network has "
                f"taken the same {c.runs['rnn'].batches:,} optimiser steps on the same batches")
    metric = c.task.metric_name
    label = "MSE" if metric == "mse" else metric
    values, params, ms = c.test_metrics(), c.num_params(), c.ms_per_step()
    col = st.columns(3)
    for k, cell in enumerate(cmp.CELLS):
        r = c.runs[cell]
        col[k].metric(f"{cmp.CELL_NAMES[cell]}: test {label}", _fmt(values[cell], metric))
        speed = f" · {ms[cell]:.0f} ms / step" if ms[cell] else ""
        col[k].caption(f"epoch {r.epoch} · {params[cell]:,} parameters{speed}"
                       + (f" · **{r.status}**" if r.diverged else ""))


def draw(c: cmp.Comparison, big: bool) -> None:
    status(c)
    loss_name = "MSE" if c.task.loss == "mse" else "cross-entropy"
    col = st.columns(2)
    chart(fig.loss_race({k: r.history_frame() for k, r in c.runs.items()},
                        c.budget, c.baseline(), loss_name, big=big), key="cmp_loss", where=col[0])
    chart(fig.grad_flow_compare(
        c.grad_norms(), big=big,
        title=f"Gradient reaching back from the answer, epoch {c.epoch}"),
        key="cmp_flow", where=col[1])
    col = st.columns(2)
    marks = c.marks()
    for k, cell in enumerate(("lstm", "gru")):
        gate = cmp.GATES[cell]
        chart(fig.gate_heatmap(
            c.gate(cell), cell, gate, marks, c.mark_name(short=True), big=big,
            title=f"{cmp.CELL_NAMES[cell]} {gate} gate {fig.GATE_SYMBOLS[gate]}, probe "
                  "sequence 1"), key=f"cmp_{gate}", where=col[k])
    notes = cmp.notes(c)
    for key in ("verdict", "gradient", "gates", "params"):
        if key in notes:
            st.markdown(notes[key])


def explain(c: cmp.Comparison) -> None:
    """The 'What am I looking at?' expander."""
    with c.lock, st.expander("What am I looking at?"):
        st.markdown(cmp.notes(c)["race"])
        st.markdown(cmp.task_note(c))
        st.markdown(
            "- **Test loss** (left): one colour per cell on every chart, log axis; the x axis "
            "spans the budget.\n"
            "- **Gradient reaching back** (right): $\\lVert \\partial L/\\partial h_t "
            "\\rVert$ on the two probe sequences after the latest epoch; a straight falling "
            "line on this log axis is a gradient that vanishes geometrically back through "
            "time.\n"
            "- **Gate heatmaps**: one row per hidden unit, one column per time step of probe "
            "sequence 1, on a fixed 0 to 1 scale. The LSTM keeps $c_{t-1}$ in proportion to "
            "its forget gate $f_t$; the GRU keeps $h_{t-1}$ in proportion to its update gate "
            "$z_t$: $h_t = (1 - z_t)\\, n_t + z_t\\, h_{t-1}$ (PyTorch's convention).")
