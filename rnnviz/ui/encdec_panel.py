"""The encoder-decoder page's controls around its live run (ui/player.Player), and the
session's finished runs that the accuracy-against-length chart draws."""

from __future__ import annotations

import streamlit as st

from rnnviz.lessons import encdec as ed
from rnnviz.ui import links
from rnnviz.ui.player import Player

PAGE = "seq2seq"
KEYS = {k: f"{PAGE}:{k}" for k in ("task", "seq_len", "symbols", "cell", "hidden", "lr",
                                   "seed")}
TEACHER, TYPED = f"{PAGE}:teacher", f"{PAGE}:typed"
RECORDS, ERROR = f"{PAGE}:records", f"{PAGE}:error"  # the session's runs; a refused change
LABELS = {"task": "task", "seq_len": "length", "symbols": "alphabet size", "cell": "cell",
          "hidden": "hidden size", "lr": "learning rate", "seed": "seed"}
FED = {True: "the true previous token (teacher forcing)",
       False: "its own previous prediction (generating)"}
CELL_NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def _wanted() -> ed.Settings:
    """The settings the widgets (or the link, read into them) ask for."""
    ss, base = st.session_state, ed.Settings()
    values = {k: ss.get(key, getattr(base, k)) for k, key in KEYS.items()}
    if values["task"] != "reverse":  # digit words: always ten
        values["symbols"] = base.symbols
    return ed.Settings(**values)


def _from_link():
    """The first run: from the page's link (links.start has put it in the widgets' keys)."""
    teacher = bool(st.session_state.get(TEACHER, False))
    try:
        return ed.new_run(_wanted(), teacher)
    except ValueError as e:  # valid one by one, not together: the defaults
        st.warning(f"Link: these settings cannot be used together ({e}): defaults loaded")
        return ed.new_run(ed.Settings(), teacher)


class EncdecPlayer(Player):
    """The page's Player; Reset first keeps the run's result for the length chart."""

    def _reset(self) -> None:
        remember()
        super()._reset()


SEQ2SEQ = EncdecPlayer(PAGE, ed.EncdecScene(), _from_link)


def remember() -> tuple:
    """Keep the page's run's best held-out accuracy among the session's runs."""
    ss = st.session_state
    run = ss.get(SEQ2SEQ.key("run"))
    if run is not None:
        with SEQ2SEQ.lock:
            ss[RECORDS] = ed.merge(ss.get(RECORDS, ()), ed.record_of(run))
    return ss.get(RECORDS, ())


def current():
    """This session's run, its settings in the widgets (links.start): a new link that asks
    for other settings than the run has builds the one it asks for."""
    ss = st.session_state
    run = ss.get(SEQ2SEQ.key("run"))
    known = {} if run is None else vars(ed.settings_of(run)) | {"teacher": run.teacher}
    new_link = links.start(PAGE, known)
    run = SEQ2SEQ.get()
    if new_link and (_wanted() != ed.settings_of(run)):
        SEQ2SEQ._pause()
        run = SEQ2SEQ.set(_from_link())
    if new_link:
        with SEQ2SEQ.lock:
            run.set_teacher(bool(ss.get(TEACHER, False)))
    s = ed.settings_of(run)
    for k, key in KEYS.items():  # the widgets follow the run (e.g. after another page)
        ss.setdefault(key, getattr(s, k))
    ss.setdefault(TEACHER, run.teacher)
    return run


def _settings_changed() -> None:
    ss = st.session_state
    ss.pop(ERROR, None)
    run, wanted = SEQ2SEQ.get(), _wanted()
    had = ed.settings_of(run)
    changed = [LABELS[k] for k in KEYS if getattr(had, k) != getattr(wanted, k)]
    if not changed:
        return
    try:
        new = ed.new_run(wanted, run.teacher)
    except ValueError as e:
        for k, key in KEYS.items():  # back to the run's settings
            ss[key] = getattr(had, k)
        ss[ERROR] = f"These settings cannot be used: {e}. The current run is unchanged."
        return
    remember()
    SEQ2SEQ._pause()
    SEQ2SEQ.set(new, f"Changed {', '.join(changed)}: a new encoder-decoder, epoch 0. "
                     "The last run's best result stays on the length chart.")


def _teacher_changed() -> None:
    with SEQ2SEQ.lock:
        SEQ2SEQ.get().set_teacher(bool(st.session_state[TEACHER]))


def controls(big: bool) -> None:
    """The model's settings (a change builds a new run)."""
    ss = st.session_state
    if big:
        r1, r2 = st.columns(4, vertical_alignment="bottom"), st.columns(
            4, vertical_alignment="bottom")
        c = [r1[0], r1[1], r1[2], r1[3], r2[0], r2[1], r2[2]]
    else:
        c = st.columns([2.2, 1.5, 1.4, 1.1, 1.4, 1.4, 1], vertical_alignment="bottom")
    c = [links.place(PAGE, k, where) for k, where in zip(KEYS, c, strict=True)]
    on = {"on_change": _settings_changed}
    c[0].selectbox("Task", list(ed.TASKS), format_func=ed.TASKS.get, key=KEYS["task"], **on)
    c[1].slider("Length T", *ed.LENGTHS, key=KEYS["seq_len"], **on,
                help="tokens the encoder reads (and the decoder writes)")
    c[2].slider("Alphabet size", 2, 10, key=KEYS["symbols"], **on,
                disabled=ss.get(KEYS["task"]) != "reverse",
                help="reversal's symbols A, B, …; digit words always have ten")
    c[3].selectbox("Cell", list(CELL_NAMES), format_func=CELL_NAMES.get, key=KEYS["cell"], **on)
    c[4].select_slider("Hidden units", ed.HIDDEN, key=KEYS["hidden"], **on,
                       help="per side: the bottleneck is this many numbers")
    c[5].select_slider("Learning rate", ed.RATES, key=KEYS["lr"], **on,
                       format_func=lambda v: f"{v:g}", help="Adam")
    c[6].number_input("Seed", 0, 2**31 - 1, step=1, key=KEYS["seed"], **on)
    if ss.get(ERROR):
        st.error(ss[ERROR])


def probe_controls() -> tuple[bool, str]:
    """What the diagram shows (teacher forcing or not) and the typed source sequence."""
    c = st.columns([1.5, 1], vertical_alignment="bottom")
    teacher = links.place(PAGE, "teacher", c[0]).radio(
        "In the diagram, the decoder is fed", list(FED), format_func=FED.get,
        key=TEACHER, horizontal=True, on_change=_teacher_changed,
        help="training always feeds the true previous token; this only changes what the "
             "probe shows (nothing is retrained)")
    typed = links.place(PAGE, "text", c[1]).text_input(
        "Type a source sequence: the model writes its output", key=TYPED, max_chars=200,
        placeholder="e.g. C A B E or three one four")
    links.finish(PAGE)
    return bool(teacher), typed or ""


def typed_note(run, text: str) -> None:
    """Why the typed sequence cannot be read (the answer itself is in the live view)."""
    if not text.strip():
        return
    try:
        ed.parse_source(run.task, text)
    except ValueError as e:
        st.warning(f"Your sequence: {e}.", icon=":material/keyboard:")
