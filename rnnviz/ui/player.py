"""The one live-run controller, for every page that trains (Train, Compare, Sentiment, Generate).

A `Player` keeps one page's run in st.session_state under one key scheme, "<page>:<what>"
(KEYS), shows the Play / Pause / Step / Reset row (on_click callbacks: they run before the
script, so they never race the widgets; Space, Right arrow and R click them, ui/js/keys.js)
and the live element. While the run plays, the
process's training thread (rnnviz.live.feed.Trainer) trains it and writes its frames; the
page's live element polls them (livechart.live). The page's script runs only when the user
acts: it then draws the run as it is, the same frame, sent inline.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import streamlit as st

from rnnviz import prose
from rnnviz.live import feed, pace
from rnnviz.ui import livechart, process

KEYS = ("run", "lock", "feed", "playing", "notice")  # session keys: "<page>:<key>"
TICK = feed.TICK
PLAY_WIDTH = 112  # px, Play and Pause alike: the row does not shift (presentation mode too)


class Player:
    """One page's live run. `name`: the page's URL path (its session keys' prefix);
    `scene`: the lesson's live view (rnnviz/lessons); `build()`: the first run."""

    def __init__(self, name: str, scene, build: Callable[[], object]):
        self.name, self.scene, self.build = name, scene, build

    def key(self, what: str) -> str:
        assert what in KEYS, what
        return f"{self.name}:{what}"

    # -- state ---------------------------------------------------------------------------
    @property
    def lock(self) -> threading.RLock:
        """Held while the run trains, is drawn or is replaced. With Streamlit's fast reruns
        a click stops the running script and starts a new one at once, while the old
        thread (or the trainer) may still be inside run.advance."""
        return st.session_state.setdefault(self.key("lock"), threading.RLock())

    def get(self):
        """This page's run; `build()` makes the first one."""
        if self.key("run") not in st.session_state:
            self.set(self.build())
        return st.session_state[self.key("run")]

    @property
    def run(self):
        return st.session_state[self.key("run")]

    def set(self, run, notice: str | None = None):
        """Replace the run (a new model): it does not play."""
        with self.lock:
            st.session_state[self.key("run")] = run
            st.session_state[self.key("playing")] = False
            if (f := st.session_state.get(self.key("feed"))) is not None:
                f.attach(run, f.view)  # the training thread lets the old run go
        if notice:
            self.notify(notice)
        return run

    def feed(self) -> feed.Feed:
        """This session's feed of this page (made on first use)."""
        f = st.session_state.get(self.key("feed"))
        if f is None:
            f = feed.Feed(self.get(), self.lock, process.session_id(), scene=self.scene)
            f.alive = _liveness(f.session)
            process.trainer().add(f)
            st.session_state[self.key("feed")] = f
        return f

    @property
    def playing(self) -> bool:
        f = st.session_state.get(self.key("feed"))
        return f is not None and f.playing

    def notify(self, message: str) -> None:
        st.session_state[self.key("notice")] = message

    def pop_notice(self) -> str | None:
        return st.session_state.pop(self.key("notice"), None)

    def leave(self) -> None:
        """The user opened another page: pause until they come back (leave/come_back)."""
        if (f := st.session_state.get(self.key("feed"))) is not None:
            f.leave()

    # -- callbacks -----------------------------------------------------------------------
    def _play(self) -> None:
        f = self.feed()
        f.attach(self.get(), f.view)
        st.session_state[self.key("playing")] = f.play()
        process.trainer().wake()

    def _pause(self) -> None:
        st.session_state[self.key("playing")] = False
        self.feed().pause()

    def _step(self) -> None:
        self._pause()
        with self.lock:
            self.run.step()
            self.run.release_buffers()

    def _reset(self) -> None:
        self._pause()
        self.set(self.run.fresh(), self.scene.reset_note)

    # -- widgets -------------------------------------------------------------------------
    def buttons(self, extra: Callable[[object], None] | None = None) -> None:
        """The Playground-style row: Play (or Pause), Step (one epoch), Reset (new weights,
        epoch 0), the keyboard's popover; `extra(row)` draws more at the row's end. The row
        wraps on a narrow window or with presentation mode's big fonts."""
        f = self.feed()
        if f.come_back():  # it played when the user opened another page
            process.trainer().wake()
        run, playing = self.get(), f.playing  # the trainer may have stopped it
        st.session_state[self.key("playing")] = playing
        row = st.container(horizontal=True, vertical_alignment="center", key=f"{self.name}:row")
        k = self.name
        if playing:
            row.button("Pause", icon=":material/pause:", on_click=self._pause, type="primary",
                       width=PLAY_WIDTH, key=f"{k}:pause")
        else:
            row.button("Play", icon=":material/play_arrow:", on_click=self._play,
                       type="primary", width=PLAY_WIDTH, disabled=bool(run.stopped),
                       key=f"{k}:play")
        row.button("Step", icon=":material/skip_next:", on_click=self._step,
                   disabled=bool(run.stopped), help="train exactly one epoch", key=f"{k}:step")
        row.button("Reset", icon=":material/restart_alt:", on_click=self._reset,
                   help="new weights, epoch 0", key=f"{k}:reset")
        with row.popover("Keys", icon=":material/keyboard:", key=f"{k}:keys"):
            st.markdown(prose.text("player", "keys"))
        if extra is not None:
            extra(row)
        with row:
            self.shortcuts()

    def shortcuts(self) -> None:
        """Space = Play / Pause, Right arrow = Step, R = Reset (the Keys popover lists them):
        an element with no size whose JavaScript (ui/js/keys.js) clicks this row's buttons."""
        keys = {what: f"{self.name}:{what}" for what in ("play", "pause", "step", "reset", "keys")}
        _keys(data=json.dumps(keys), key=f"{self.name}_keys", width="content", height=0)

    def panel(self, big: bool, options: tuple = (), share: str | None = None,
              board=None) -> None:
        """The live view: the divergence (or failure) message if any, then the frame: the
        metrics, charts and task views, drawn by the browser and refreshed while playing.
        `options`: the page's choices the scene reads; `share`/`board`: the class board
        to post to (Train)."""
        f = self.feed()
        run = self.get()
        f.board = board
        f.attach(run, feed.View(big=big, share=share, options=tuple(options)))
        frame, playing = f.snapshot()
        if st.session_state.get(self.key("playing")) and not playing:
            # it stopped itself after the buttons above were drawn: draw them again
            st.session_state[self.key("playing")] = False
            st.rerun()
        st.session_state[self.key("playing")] = playing
        if playing:
            process.trainer().wake()
        messages = st.container()  # always there: the live element keeps its place
        if f.error:
            messages.error(f"**Training stopped: {f.error}.** This is a bug in rnnviz, not in "
                           "your settings; the run is kept as it was. Press Play to try "
                           "again, or Reset.")
        if run.diverged:
            messages.error(f"**The run {run.status}.** The weights are the last finite ones. "
                           "Lower the learning rate or turn on clipping, then press Reset.")
        crowd = len(process.trainer().playing())
        every = max(f.every, pace.interval(TICK, crowd))  # a crowd: slower
        livechart.live(frame, url=f.url, playing=playing, every=every,
                       key=f"{self.name}_live", on_stopped=_rerun_only)


# The keyboard's element (no height): one listener per page, whatever the reruns (keys.js).
_keys = st.components.v2.component(
    "rnnviz.keys", isolate_styles=False,
    js=livechart.minified((livechart.JS_DIR / "keys.js").read_text(encoding="utf-8")))


def leave_others(page: str) -> None:
    """Pause every live run of this session except `page`'s (app.py, on every rerun): a
    page that is not shown does not train, and pages such as Unrolled read the Train run."""
    for k, f in list(st.session_state.items()):
        if k.endswith(":feed") and k != f"{page}:feed" and isinstance(f, feed.Feed):
            f.leave()


def _rerun_only() -> None:
    """The live element saw the run stop by itself (or its refresh move on): the script
    reruns, so the buttons and explanations follow."""


def _liveness(session: str):
    """A check the trainer calls each turn: is the browser session still connected?"""
    from streamlit import runtime

    if not runtime.exists():  # AppTest: no server, sessions end with their state
        return feed._always
    rt = runtime.get_instance()
    return lambda: rt.is_active_session(session)
