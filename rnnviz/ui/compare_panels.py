"""The Compare page's own controls and notes around its live run (ui/player.Player)."""

from __future__ import annotations

import streamlit as st

from rnnviz import prose
from rnnviz.lessons import cellrace as cmp
from rnnviz.lessons import pagelinks
from rnnviz.ui import links
from rnnviz.ui.player import Player

KEYS = {"task": "compare:task", "seq_len": "compare:seq_len", "hidden": "compare:hidden",
        "seed": "compare:seed"}
BUDGET_KEY = "compare:budget"
HIDDEN_SIZES = pagelinks.COMPARE_HIDDEN
LABELS = {"task": "task", "seq_len": "dependency length", "hidden": "hidden size",
          "seed": "seed"}



def _wanted() -> tuple[cmp.CompareSettings, int]:
    """The settings and budget the widgets (or the link, read into them) ask for."""
    ss, base = st.session_state, cmp.CompareSettings()
    values = {k: ss.get(key, getattr(base, k)) for k, key in KEYS.items()}
    return cmp.CompareSettings(**values), int(ss.get(BUDGET_KEY, cmp.DEFAULT_BUDGET))


def _from_link() -> cmp.Comparison:
    """The first comparison: from the page's link (links.start has put it in the widgets'
    keys), as the Train run is built from its link."""
    try:
        return cmp.Comparison(*_wanted())
    except ValueError as e:  # valid one by one, not together: the defaults
        st.warning(f"Link: these settings cannot be used together ({e}): defaults loaded")
        return cmp.Comparison()


COMPARE = Player("compare", cmp.RaceScene(), _from_link)


def current() -> cmp.Comparison:
    """This session's comparison, its settings in the widgets (links.start): a new link
    that asks for other settings than the comparison has builds the one it asks for."""
    c = st.session_state.get(COMPARE.key("run"))
    known = {} if c is None else {k: getattr(c.settings, k) for k in KEYS} | {
        "budget": c.budget}
    new_link = links.start("compare", known)
    c = COMPARE.get()
    if new_link and _wanted() != (c.settings, c.budget):
        COMPARE._pause()
        c = COMPARE.set(_from_link())
    return c


def _settings_changed() -> None:
    c = COMPARE.get()
    values = {k: st.session_state[key] for k, key in KEYS.items()}
    changed = [k for k, v in values.items() if getattr(c.settings, k) != v]
    COMPARE._pause()
    COMPARE.set(cmp.with_settings(c, **values),
                f"Changed {', '.join(LABELS[k] for k in changed)}: three new networks, "
                "training starts again at epoch 0.")


def _budget_changed() -> None:
    with COMPARE.lock:
        COMPARE.get().set_budget(st.session_state[BUDGET_KEY])


def controls(c: cmp.Comparison) -> None:
    """Shared settings (a change builds three new runs) and the live budget."""
    wanted = {key: getattr(c.settings, k) for k, key in KEYS.items()} | {BUDGET_KEY: c.budget}
    for key, value in wanted.items():  # (re)load the widgets from the comparison, e.g.
        if key not in st.session_state:  # after visiting another page
            st.session_state[key] = value
    col = st.columns([1.3, 2, 1.2, 0.8, 1.6])
    col = [links.place("compare", k, where) for k, where in zip(
        ("task", "seq_len", "hidden", "seed", "budget"), col, strict=True)]
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
    links.finish("compare")
    if notice := COMPARE.pop_notice():
        st.info(notice)


def notes(c: cmp.Comparison) -> None:
    """What to watch, with the comparison's current numbers (the page reruns once an
    epoch while it plays: RaceScene.refresh)."""
    with COMPARE.lock:
        n = cmp.notes(c)
    for key in ("verdict", "gradient", "gates", "params"):
        if key in n:
            st.markdown(n[key])


def explain(c: cmp.Comparison) -> None:
    """The 'What am I looking at?' expander."""
    with COMPARE.lock, st.expander("What am I looking at?"):
        st.markdown(cmp.notes(c)["race"])
        st.markdown(cmp.task_note(c))
        st.markdown(prose.text("compare", "reading"))
