"""Sidebar controls generated from the settings table, and the run they imply."""

from __future__ import annotations

import math
from dataclasses import replace

import streamlit as st

from rnnviz.train import settings as cf
from rnnviz.train.run import TrainingRun
from rnnviz.ui import links, state

PREFIX = "set_"  # widget keys: set_<url key>
TASK_SPECIFIC = {  # which task shows which extra setting
    "text": ("charlm",), "freq": ("sine",), "noise": ("sine",), "symbols": ("copy",),
    "data_seed": ("sine", "adding", "copy"),
}
SEQ_LABEL = {"sentiment": None, "charlm": "Window (characters)", "sine": "Window (steps)",
             "adding": "Sequence length (dependency)", "copy": "Sequence length (dependency)"}
GROUPS = (("Data", ("task", "seq_len", "text", "freq", "noise", "symbols", "data_seed")),
          ("Network", ("cell", "hidden", "layers", "bidir", "act", "init", "scale", "bptt",
                       "dtype", "seed")),
          ("Training", ("opt", "lr", "batch", "clip", "clip_at")))
HIDDEN_ON_TRAIN = ("epochs",)  # the live page runs until paused
RELOAD = "reload_widgets"  # set when the run changed under the widgets


def load_widgets(cfg: cf.RunConfig) -> None:
    """Put cfg's values into the widgets' session state (call before they render)."""
    for s in cf.SETTINGS:
        v = cf.get(cfg, s)
        if s.key == "seq_len" and v is None:
            v = _task_default_len(cfg)
        st.session_state[PREFIX + s.key] = v


def _task_default_len(cfg: cf.RunConfig) -> int:
    return {"charlm": 10, "sine": 20, "adding": 50, "copy": 20}.get(cfg.task.name, 10)


def apply_preset(name: str) -> None:
    """Callback: build the preset's run and show its settings."""
    cfg = cf.live(cf.preset_config(name))  # the live page's fast mode (float32)
    state.set_run(cfg)
    links.set_hidden("train", links.preset_hide(name))  # what the lecturer's preset hides
    load_widgets(state.current_run().cfg)
    state.notify(f"Preset loaded: {cf.PRESETS[name].title}. Press Play.")


def _widget(s: cf.Setting, task: str):
    key = PREFIX + s.key
    label = s.label
    if s.key == "seq_len":
        label = SEQ_LABEL.get(task) or label
    help_ = "changes live, without a new model" if s.live else None
    if s.kind == "choice":
        on_change = _task_changed if s.key == "task" else None
        choices = s.choices
        if s.key == "task":  # the encoder-decoder tasks train on their own page
            choices = [c for c in choices if c not in cf.SEQ2SEQ_TASKS]
        return st.selectbox(label, choices, key=key, help=help_, on_change=on_change,
                            format_func=lambda v, k=s.key: cf.choice_label(k, v))
    if s.kind == "bool":
        return st.toggle(label, key=key)
    if s.log:
        lo, hi = math.log10(s.lo), math.log10(s.hi)
        exps = [round(lo + i * (hi - lo) / 60, 3) for i in range(61)]
        options = sorted({float(f"{10 ** e:.2g}") for e in exps} | {st.session_state[key]})
        return st.select_slider(label, options=options, key=key, help=help_,
                                format_func=lambda v: f"{v:g}")
    if s.kind == "int" and s.hi <= 512 and "seed" not in s.key:
        return st.slider(label, int(s.lo), int(s.hi), key=key, help=help_)
    if s.kind == "int":
        return st.number_input(label, min_value=int(s.lo), max_value=int(s.hi), step=1,
                               key=key, help=help_)
    step = 0.005 if s.hi <= 0.5 else 0.01 if s.hi <= 1 else 0.05
    return st.slider(label, float(s.lo), float(s.hi), step=step, key=key, help=help_)


def _task_changed() -> None:
    """Callback: a new task starts from its own default sequence length."""
    task = st.session_state[PREFIX + "task"]
    cfg = cf.with_value(cf.default_config(), cf.BY_KEY["task"], task)
    st.session_state[PREFIX + "seq_len"] = _task_default_len(cfg)


def sidebar_settings(run: TrainingRun) -> cf.RunConfig | None:
    """Every setting in the sidebar. Returns the config they show (None if invalid)."""
    if PREFIX + "task" not in st.session_state or st.session_state.pop(RELOAD, False):
        load_widgets(run.cfg)
    task = st.session_state[PREFIX + "task"]
    values = {}
    for title, keys in GROUPS:
        st.sidebar.markdown(f"**{title}**")
        for key in keys:
            s = cf.BY_KEY[key]
            if not links.shown("train", key):
                continue  # hidden by the link or preset: its value stays the run's
            if key in TASK_SPECIFIC and task not in TASK_SPECIFIC[key]:
                continue
            if key == "seq_len" and task == "sentiment":
                continue  # the sentences set their own lengths
            if key == "act" and st.session_state[PREFIX + "cell"] != "rnn":
                continue  # gated cells fix their activations
            if key == "clip_at" and st.session_state[PREFIX + "clip"] == "none":
                continue
            with st.sidebar:
                values[key] = _widget(s, task)
    cfg = run.cfg
    try:
        for key, value in values.items():
            cfg = cf.with_value(cfg, cf.BY_KEY[key], value)
    except ValueError as e:
        st.sidebar.error(f"These settings cannot be used: {e}")
        return None
    return cfg


def widget_default(s: cf.Setting):
    """What a settings widget shows when Streamlit has no value for it (controls._widget):
    the first choice, off, or the low end of its range."""
    if s.kind == "choice":
        return s.choices[0]
    if s.kind == "bool":
        return False
    return int(s.lo) if s.kind == "int" else float(f"{s.lo:.2g}") if s.log else float(s.lo)


def widget_defaults_only(old: cf.RunConfig, new: cf.RunConfig) -> bool:
    """Whether every setting that differs between old and new is at its widget default."""
    a, b = cf.to_query(old), cf.to_query(new)
    keys = [k for k in cf.BY_KEY if a.get(k) != b.get(k)]
    return bool(keys) and all(
        cf.get(new, cf.BY_KEY[k]) == widget_default(cf.BY_KEY[k]) for k in keys)


def model_settings_changed(old: cf.RunConfig, new: cf.RunConfig) -> list[str]:
    """Labels of the settings that need a new model (everything but the live ones)."""
    a, b = cf.to_query(old), cf.to_query(new)
    return [cf.BY_KEY[k].label for k in cf.BY_KEY
            if not cf.BY_KEY[k].live and k not in HIDDEN_ON_TRAIN and a.get(k) != b.get(k)]


def sync_run(run: TrainingRun, new: cf.RunConfig) -> TrainingRun:
    """Apply the sidebar: live settings change in place, the rest builds a new run."""
    changed = model_settings_changed(run.cfg, new)
    if len(changed) >= 3 and widget_defaults_only(run.cfg, new):
        # Not a choice: one click changes one widget. Streamlit's frontend sent its widgets'
        # own defaults (a click landed while it was still drawing them, measured 3-6 times
        # in 8 right after Presentation mode). Keep the run and show its settings again.
        st.session_state[RELOAD] = True
        st.rerun()
    if new.task.name != run.cfg.task.name:  # user data belongs to the task it was given for
        new = replace(new, task=replace(new.task, data=None))
    if changed:
        try:
            fresh = TrainingRun(new)
        except ValueError as e:
            st.sidebar.error(f"These settings cannot be used: {e}. Still showing the last run.")
            return run
        state.set_run(new, fresh)
        state.notify(f"Changed {', '.join(changed)}: a new model was built and training "
                     "starts again at epoch 0.")
        st.session_state[RELOAD] = True  # show the settings as built (e.g. a capped window)
        st.rerun()
    t = new.train
    if (t.lr, t.clip, t.clip_threshold) != (run.cfg.train.lr, run.cfg.train.clip,
                                            run.cfg.train.clip_threshold):
        with state.run_lock():  # the trainer thread may be inside run.advance
            run.set_live(lr=t.lr, clip=t.clip, clip_threshold=t.clip_threshold)
    links.write("train", cf.to_query(run.cfg))
    return run
