"""Follow the lecturer: one training run shared read-only with every student.

The lecturer turns on "Share with the class" on the Train page; from then on each of that
session's ticks, after drawing its own charts, posts them to the process-wide `Board`
(st.cache_resource) as one `Frame`. The Watch page (/watch) draws the latest frame. Nothing
is built for the viewers: the frame holds the very JSON the lecturer's page just sent, as
one grid element (livechart.grid_spec), and every viewer gets the same strings.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import streamlit as st

from rnnviz.figures import live as live_figs

from .livechart import grid_spec

STALE_S = 120.0  # an owner silent this long (closed tab) can be replaced by another sharer


@dataclass(frozen=True)
class Frame:
    """What a viewer draws: the status numbers, the charts as one grid, the run's caption."""

    status: dict  # figures.live.status(run)
    grid: str  # all the charts as one element's data (livechart.grid_spec)
    caption: str
    playing: bool
    diverged: str | None


def frame_of(run, status: dict, charts: dict[str, str], playing: bool) -> Frame:
    """A Frame from what the lecturer's tick drew: its status and chart JSON by key."""
    m = run.cfg.model
    return Frame(status=status, grid=grid_spec(live_figs.LAYOUT, charts),
                 caption=f"**{run.task.title}.** {m.cell.upper()}, {m.hidden_size} hidden "
                         f"units × {m.num_layers} layer(s); {run.model.num_params:,} "
                         "parameters.",
                 playing=playing, diverged=run.status if run.diverged else None)


@dataclass
class Board:
    """The shared frame and who shares it; every field is guarded by `lock`."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    owner: str | None = None  # the lecturer's session id
    frame: Frame | None = None
    seen: float = 0.0  # time.monotonic() of the owner's last post
    viewers: dict = field(default_factory=dict)  # viewer session id -> time of last look

    def publish(self, owner: str, frame: Frame) -> bool:
        """Post the owner's latest frame; False if another session is sharing already."""
        with self.lock:
            now = time.monotonic()
            if self.owner not in (None, owner) and now - self.seen < STALE_S:
                return False
            self.owner, self.frame, self.seen = owner, frame, now
            return True

    def stop(self, owner: str) -> None:
        """Stop sharing (only the owner can)."""
        with self.lock:
            if self.owner == owner:
                self.owner = self.frame = None

    def holder(self) -> tuple[str | None, float]:
        """(owner session id, seconds since its last post)."""
        with self.lock:
            return self.owner, time.monotonic() - self.seen

    def watching(self, within_s: float = 10.0) -> int:
        """How many viewers looked in the last `within_s` seconds."""
        with self.lock:
            now = time.monotonic()
            self.viewers = {k: t for k, t in self.viewers.items() if now - t < within_s}
            return len(self.viewers)

    def latest(self, viewer: str = "") -> Frame | None:
        """The newest frame (None while nothing is shared); `viewer` is counted as watching."""
        with self.lock:
            if viewer:
                self.viewers[viewer] = time.monotonic()
            return self.frame


@st.cache_resource
def board() -> Board:
    """The one Board of this server process."""
    return Board()


def session_id() -> str:
    """This browser session's id (stable across reruns)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"
