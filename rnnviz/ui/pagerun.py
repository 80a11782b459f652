"""A training run owned by one page: its own session-state keys, Play/Pause/Step/Reset, fragments.

The Train page keeps the app-wide run under ``state.RUN``; a page with its own data (the
sentiment and text-generation pages) keeps a separate run under ``"<name>:run"`` so the pages
never share or clobber each other's model. The buttons are on_click callbacks (they run before
the script, so they never race the widgets) and the live fragment trains for a time budget per
tick, as on the Train page.

Every use of the run goes through one lock per page and session: with Streamlit's fast
reruns (the default), a click stops the running script and starts a new one at once, while
the old thread may still be inside ``run.advance`` (NumPy code never checks for the stop), so
without the lock two threads would train or read the same run at the same time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import streamlit as st

from rnnviz.train.run import TrainingRun
from rnnviz.ui import process

TICK = 0.25  # seconds between fragment runs while playing
BUDGET = 0.12  # seconds of training per tick; the rest is drawing and the network


class PageRun:
    """The run of one page, stored under page-specific session-state keys."""

    def __init__(self, name: str):
        self.name = name
        self.run_key = f"{name}:run"
        self.playing_key = f"{name}:playing"
        self.notice_key = f"{name}:notice"
        self.lock_key = f"{name}:lock"

    # -- state ---------------------------------------------------------------------------
    @property
    def lock(self) -> threading.RLock:
        """Held while the run trains, is replaced or is drawn (see the module docstring)."""
        return st.session_state.setdefault(self.lock_key, threading.RLock())

    def get(self, build: Callable[[], TrainingRun]) -> TrainingRun:
        """This page's run; ``build()`` makes the first one."""
        if self.run_key not in st.session_state:
            self.set(build())
        return st.session_state[self.run_key]

    @property
    def run(self) -> TrainingRun:
        return st.session_state[self.run_key]

    def set(self, run: TrainingRun, notice: str | None = None) -> TrainingRun:
        """Replace the run (a new model); stops playing."""
        with self.lock:
            st.session_state[self.run_key] = run
            st.session_state[self.playing_key] = False
        if notice:
            st.session_state[self.notice_key] = notice
        return run

    @property
    def playing(self) -> bool:
        return bool(st.session_state.get(self.playing_key, False))

    def notify(self, message: str) -> None:
        st.session_state[self.notice_key] = message

    def pop_notice(self) -> str | None:
        return st.session_state.pop(self.notice_key, None)

    # -- callbacks -----------------------------------------------------------------------
    def _play(self) -> None:
        st.session_state[self.playing_key] = True

    def _pause(self) -> None:
        st.session_state[self.playing_key] = False

    def _step(self) -> None:
        st.session_state[self.playing_key] = False
        with self.lock:
            self.run.step()

    def _reset(self) -> None:
        with self.lock:
            run = self.run
            self.set(TrainingRun(run.cfg, task=run.task),
                     "Reset: fresh weights from the same seed, epoch 0.")

    # -- widgets -------------------------------------------------------------------------
    def buttons(self) -> None:
        """Play (or Pause), Step (one epoch), Reset (new weights, epoch 0)."""
        run = self.run
        c = st.columns([1, 1, 1, 3])
        if self.playing:
            c[0].button("Pause", icon=":material/pause:", on_click=self._pause,
                        type="primary", width="stretch", key=f"{self.name}:pause")
        else:
            c[0].button("Play", icon=":material/play_arrow:", on_click=self._play,
                        type="primary", width="stretch", disabled=run.diverged,
                        key=f"{self.name}:play")
        c[1].button("Step", icon=":material/skip_next:", on_click=self._step, width="stretch",
                    disabled=run.diverged, help="train exactly one epoch",
                    key=f"{self.name}:step")
        c[2].button("Reset", icon=":material/restart_alt:", on_click=self._reset,
                    width="stretch", help="new weights, epoch 0", key=f"{self.name}:reset")
        if run.diverged:
            st.error(f"**The run {run.status}.** The weights are the last finite ones; "
                     "press Reset.")

    def live(self, draw: Callable[[TrainingRun], None], train: bool = True,
             every: float = TICK, budget: float = BUDGET) -> None:
        """A fragment that (if ``train``) trains for ``budget`` seconds per tick while
        playing, then calls ``draw(run)``. With ``train=False`` it only redraws, every
        ``every`` seconds while playing (a second, slower view of the same run)."""
        playing = self.playing

        @st.fragment(run_every=every if playing else None)
        def _live():
            with process.slot(), self.lock:  # one tick at a time in the process, then ours
                run = self.run
                if train and self.playing and not run.diverged:
                    run.advance(seconds=process.budget(budget))
                    if run.diverged:
                        st.session_state[self.playing_key] = False
                        st.rerun(scope="app")
                draw(run)

        _live()


def columns(spec, big: bool) -> list:
    """Side-by-side columns, or (presentation mode: big figures) full-width rows."""
    n = spec if isinstance(spec, int) else len(spec)
    return [st.container() for _ in range(n)] if big else st.columns(spec)
