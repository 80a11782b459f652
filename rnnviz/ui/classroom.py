"""Follow the lecturer: one training run shared read-only with every student.

The lecturer turns on "Share with the class" on the Train page; from then on each of that
session's ticks publishes its run to the process-wide `Board` (st.cache_resource). The
Watch page (/watch) draws the board. A board frame (the charts as plotly JSON plus the
status numbers) is built once per state of the run, by whichever viewer asks first, and
handed as the same strings to every other viewer: a hundred students cost a hundred
websocket messages per refresh, not a hundred figure builds. The charts travel as one
element (livechart.grid), so a viewer's refresh is a single component update.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import streamlit as st

from rnnviz.figures import live as live_figs

from .livechart import grid_spec, to_json

STALE_S = 120.0  # an owner silent this long (closed tab) can be replaced by another sharer


@dataclass
class Frame:
    """What a viewer draws: the status numbers and the charts' JSON, for one run state."""

    status: dict
    charts: dict[str, str]  # chart key -> plotly JSON
    grid: str  # all the charts as one element's data (livechart.grid_spec)
    caption: str
    playing: bool
    diverged: str | None
    built_at: float


@dataclass
class Board:
    """The shared run. All fields are guarded by `lock`; the run itself by `run_lock`."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    run: object | None = None  # the lecturer's TrainingRun
    run_lock: object | None = None  # the lecturer session's state.run_lock()
    owner: str | None = None  # the lecturer's session id
    probe: int = 0
    playing: bool = False
    seen: float = 0.0  # time.monotonic() of the owner's last publish
    frames: dict = field(default_factory=dict)  # (state, big) -> Frame; at most 2 entries
    viewers: dict = field(default_factory=dict)  # viewer session id -> time of last frame

    def publish(self, owner: str, run, run_lock, probe: int, playing: bool) -> bool:
        """Share `run` (called by the lecturer's session); False if another owner holds it."""
        with self.lock:
            now = time.monotonic()
            if self.owner not in (None, owner) and now - self.seen < STALE_S:
                return False
            self.owner, self.run, self.run_lock = owner, run, run_lock
            self.probe, self.playing, self.seen = probe, playing, now
            return True

    def stop(self, owner: str) -> None:
        """Stop sharing (only the owner can)."""
        with self.lock:
            if self.owner == owner:
                self.owner = self.run = self.run_lock = None
                self.frames.clear()

    def holder(self) -> tuple[str | None, float]:
        """(owner session id, seconds since its last publish)."""
        with self.lock:
            return self.owner, time.monotonic() - self.seen

    def watching(self, within_s: float = 10.0) -> int:
        """How many viewers asked for a frame in the last `within_s` seconds."""
        with self.lock:
            now = time.monotonic()
            self.viewers = {k: t for k, t in self.viewers.items() if now - t < within_s}
            return len(self.viewers)

    def frame(self, big: bool, viewer: str = "") -> Frame | None:
        """The current frame, built if the run moved on since the last one; None if idle."""
        with self.lock:
            if viewer:
                self.viewers[viewer] = time.monotonic()
            run, run_lock, probe, playing = self.run, self.run_lock, self.probe, self.playing
        if run is None:
            return None
        with run_lock:  # the lecturer's tick may be training it right now
            key = (id(run), run.batches, run.epoch, probe, big)
            with self.lock:
                cached = self.frames.get(key)
            if cached is not None:
                cached.playing = playing
                return cached
            figs = live_figs.train_figures(run, probe, big)
            m = run.cfg.model
            charts = {k: to_json(v) for k, v in figs.items()}
            f = Frame(status=live_figs.status(run), charts=charts,
                      grid=grid_spec(live_figs.LAYOUT, charts),
                      caption=f"**{run.task.title}.** {m.cell.upper()}, {m.hidden_size} hidden "
                              f"units × {m.num_layers} layer(s); "
                              f"{run.model.num_params:,} parameters.",
                      playing=playing, diverged=run.status if run.diverged else None,
                      built_at=time.monotonic())
        with self.lock:
            if self.run is run:  # not replaced meanwhile
                self.frames = {k: v for k, v in self.frames.items() if k[4] != big}
                self.frames[key] = f
        return f


@st.cache_resource
def board() -> Board:
    """The one Board of this server process."""
    return Board()


def session_id() -> str:
    """This browser session's id (stable across reruns)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"
