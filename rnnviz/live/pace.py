"""Fair shares of the server's time for the sessions training at the same moment.

One Streamlit process runs every session's Python on effectively one core (the GIL). The
trainer thread (feed.Trainer) takes one compute slot at a time (`Pace.slots`), so the
server's event loop keeps its turn, and each turn asks `share(session, base)`: the base
budget divided by the number of sessions that trained in the last ACTIVE_S seconds (at
least MIN_BUDGET). Alone, a lecturer trains at full speed; in a full classroom each run
trains slower but the charts stay live. Students following the lecturer (/watch) run no
script, but each poll of the shared frame is a request the event loop answers: every
VIEWERS_PER_TRAINER of them count as one more trainer (benchmarks/notes/live.md).
"""

from __future__ import annotations

import threading
import time

SLOTS = {"train": 1}  # live ticks computing at once, by kind (one GIL anyway)
ACTIVE_S = 1.5  # a session that ticked this recently counts as training
MIN_BUDGET = 0.002  # seconds: even in a crowd a tick trains at least this long (>= 1 batch)
VIEWERS_PER_TRAINER = 40  # Watch-page viewers that cost the server about one trainer
PER_SESSION = 0.015  # seconds of tick interval per session training at once ...
MAX_INTERVAL = 0.35  # ... up to this: near 3 refreshes a second (target: 2) in a full class


class Pace:
    """Who trained recently (session id -> time of the last tick)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self.slots = {kind: threading.Semaphore(n) for kind, n in SLOTS.items()}

    def share(self, session: str, base: float, viewers: int = 0) -> float:
        """This session's training seconds for its tick now; `viewers` watching a shared
        run count as one trainer per VIEWERS_PER_TRAINER (their polls need the event loop)."""
        now = time.monotonic()
        with self._lock:
            self._last[session] = now
            self._last = {s: t for s, t in self._last.items() if now - t < ACTIVE_S}
            n = len(self._last) + viewers / VIEWERS_PER_TRAINER
        return max(MIN_BUDGET, base / n)

    def active(self) -> int:
        now = time.monotonic()
        with self._lock:
            return sum(now - t < ACTIVE_S for t in self._last.values())


def interval(base: float, n: int) -> float:
    """Seconds between a session's ticks (frames) when n sessions train at once.

    In a crowd, frames more often than the server can draw them would only make every
    session's turn late (feed.Trainer), and a fragment's timer asks for a tick every
    `run_every` seconds whatever the server is doing, so requests would queue (Compare and
    the other fragment pages). So the interval grows with the crowd, from `base` alone to
    MAX_INTERVAL."""
    return min(max(base, n * PER_SESSION), max(base, MAX_INTERVAL))


