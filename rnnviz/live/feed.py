"""Every live page's run: trained by a background thread, read by the browser as a file.

No Streamlit fragment ticks while a run plays (why: benchmarks/RESULTS.md). Instead, for
every page that trains (Train, Compare, Sentiment, Generate):

- each session's page has a `Feed`: the run (anything with advance/step/stopped, see
  `Feed`), what the page shows of it (`View`), the lesson's `scene` that draws it, and a
  frame file ./static/live/<token>.gz (frames.pack);
- one `Trainer` thread per server process takes turns over the feeds that play: trains
  each for its share of BUDGET seconds (pace.Pace), then draws its charts and writes its
  frame (and posts it to the class board while the session shares);
- the page's live element (livechart.live) polls that file and redraws what changed;
  when the run stops by itself (it diverged, a budget ran out) the frame says so and the
  element asks the page to rerun, so the buttons follow; so does a frame whose `refresh`
  moved on (a page with explanations outside the frame that follow the training).

The page itself runs only when the user acts (Play, Pause, a slider): it draws the run
as it is then, the same frame, sent inline with the element. The token is random, so one
session cannot read another's frame by guessing its name.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

from rnnviz.live import frames, pace
from rnnviz.live.frames import STATIC, to_json

FOLDER = "live"  # ./static/live/<token>.gz
TICK = 0.075  # seconds between a playing run's frames alone: up to 13 a second (target 10:
# timers and rests only ever make rounds later, never earlier)
BUDGET = 0.035  # seconds of training per turn at most (pace shares it in a crowd)
KEEP = 0.5  # training adapts so that a round's work stays within this share of its interval
MIN_REST = 0.25  # a round rests at least this share of its work (event loop, browser)
EPOCH_VIEW_EVERY = 1.0  # seconds: while playing, per-epoch charts are rebuilt this often
# (each costs the browser a Plotly.react: benchmarks/notes/live.md)
STALE_FILE_S = 3600.0  # frame files untouched this long are from sessions long gone
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class View:
    """What the page shows of the run: presentation mode, the session id to post the class
    board as (None: not sharing) and the page's own choices (`options`: (name, value)
    pairs, e.g. the probe sample; read with `opt`)."""

    big: bool = False
    share: str | None = None
    options: tuple = ()

    def opt(self, name: str, default=None):
        return dict(self.options).get(name, default)


class Feed:
    """One session's run as the browser sees it live. Every method that reads or changes
    the run holds `lock` (the page's run lock, ui/player.py).

    The run: a TrainingRun, a Comparison, anything with `advance(seconds)`, `step()`,
    `epoch`, `batches`, `stopped` (why it cannot train on, or None), `diverged`, `status`
    and `release_buffers()`. The scene (one per lesson, in rnnviz/lessons): `layout`,
    `status`, `caption`, `fast` (charts that change every turn), `slow` (charts rebuilt
    once an epoch, and the task views), `key` and `refresh` (see `_frame`)."""

    def __init__(self, run, lock, session: str = "", folder: Path | None = None,
                 scene=None):
        if scene is None:
            from rnnviz.lessons.training import TrainScene
            scene = TrainScene()
        self.run, self.lock, self.session, self.scene = run, lock, session, scene
        self.token = secrets.token_urlsafe(16)
        folder = folder or STATIC / FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{self.token}.gz"
        self.url = f"app/static/{FOLDER}/{self.token}.gz"  # below the server's base URL
        self.view = View()
        self.playing = False
        self.seq = 0  # frames numbered in order, inline ones and written ones alike
        self.size = 0  # bytes of the frame file (frames.pack: its size only grows)
        self.memo = None  # (key, chart JSON by key, task views, built at, run.batches then,
        # the scene's facts for the status row)
        self.turn_ms = (0.0, 0.0)  # the last turn: (training, drawing) ms
        self.every = TICK  # seconds between this feed's frames now (the poll interval)
        self.alive = _always  # the trainer pauses a feed whose session has ended
        self.error: str | None = None  # why the trainer stopped this run, if it failed
        self.away = False  # paused because the user opened another page (leave)
        self.board = None  # board.Board to post to while view.share is set (the page's)
        weakref.finalize(self, _unlink, self.path)

    # -- the page (script thread) ------------------------------------------------------
    def attach(self, run, view: View) -> None:
        """The page's current run and view (a new run stops playing)."""
        with self.lock:
            if run is not self.run:
                self._halt()  # the old run's file says it stopped
                self.run, self.memo = run, None
            self.view = view

    def play(self) -> bool:
        with self.lock:
            self.playing, self.error, self.away = not self.run.stopped, None, False
            return self.playing

    def pause(self) -> None:
        with self.lock:
            self._halt()

    def leave(self) -> None:
        """The user opened another page: pause (its pages read the run) until they return."""
        with self.lock:
            if self.playing:
                self.pause()
                self.away = True

    def come_back(self) -> bool:
        """Back on the Train page: play again if leaving paused it; whether it plays now."""
        with self.lock:
            if not self.away:
                return False
            self.away = False
            return self.play()

    def stop(self, error: str | None = None) -> None:
        """Pause from the trainer's side (the session ended, or a turn failed) and write a
        last frame that says so: a page still polling reruns and shows Play again."""
        with self.lock:
            self.error = error or self.error
            self._halt()

    def snapshot(self) -> tuple[str, bool]:
        """The frame of the run as it is now, for the page to send inline, and whether it
        plays (read together: the trainer may stop the run at any moment)."""
        with self.lock:
            frame = self._frame(time.monotonic(), force=True)
            if not self.playing:
                self.run.release_buffers()  # drawing may have made some
            return frame, self.playing

    # -- the trainer thread ------------------------------------------------------------
    def turn(self, seconds: float) -> bool:
        """Train for `seconds`, then write the frame. False if this feed does not play."""
        with self.lock:
            if not self.playing:
                return False
            t0 = time.perf_counter()
            self.run.advance(seconds=seconds)
            t1 = time.perf_counter()
            self.turn_ms = ((t1 - t0) * 1000, self.turn_ms[1])  # drawing: the last turn's
            if self.run.stopped:  # the frame says it stopped before the flag does (_halt)
                self._halt(force=True)
                return True
            _write(self, self._frame(time.monotonic(), force=False))
            self.turn_ms = (self.turn_ms[0], (time.perf_counter() - t1) * 1000)
            return True

    def _halt(self, force: bool = False) -> None:
        """Stop playing (lock held). A frame file that says "playing" is first replaced by
        one that does not, and only then does `playing` turn False: whoever sees the flag
        down (the page, a test, the trainer) never reads a frame that says it still plays.
        `force`: rebuild the per-epoch charts (a diverged run's last epoch)."""
        if self.playing:
            try:  # the charts as they are (a diverged run: its last epoch's)
                _write(self, self._frame(time.monotonic(), force=force, redraw=force,
                                         playing=False))
            except Exception:  # a run whose drawing fails still stops
                log.exception("rnnviz: the last frame of a stopped run could not be written")
        self.playing = False
        self.run.release_buffers()  # a paused model holds no step buffers

    # -- drawing -----------------------------------------------------------------------
    def _frame(self, now: float, force: bool, redraw: bool = True,
               playing: bool | None = None) -> str:
        """The frame JSON (frames.frame_json plus the task views and this feed's notes);
        posted to the board too while sharing. `redraw=False`: the last charts as they are.
        `playing`: what the frame says (default: whether the feed plays now)."""
        run, v, scene = self.run, self.view, self.scene
        playing = self.playing if playing is None else playing
        if not redraw and self.memo is not None:
            specs, tasks, batches, facts = *self.memo[1:3], run.batches, self.memo[5]
        else:
            specs, tasks, batches, facts = self._slow_view(now, force)
        if batches != run.batches:  # trained since: the fast charts are always current
            specs = specs | {k: to_json(f) for k, f in scene.fast(run, v).items()}
        self.seq += 1
        train_ms, draw_ms = self.turn_ms
        note = (f"last turn: {train_ms:.0f} ms training, {draw_ms:.0f} ms drawing"
                if playing or train_ms else "")
        if v.share and self.board is not None:
            note += f" · shared with the class, {self.board.watching()} watching"
        frame = frames.frame_json(
            scene.layout(run, v), specs, epoch=run.epoch, playing=playing,
            caption=scene.caption(run), status=scene.status(run, v, facts),
            diverged=run.status if run.diverged else None,
            extra={"task": tasks, "note": note, "every": round(self.every, 3),
                   "refresh": scene.refresh(run)})
        if v.share and self.board is not None:  # the board numbers its own frames
            key = (id(run), run.batches, run.epoch, v, run.diverged, playing)
            self.board.post(v.share, key, frame)
        return frame.replace('"seq":0,', f'"seq":{self.seq},', 1)

    def _slow_view(self, now: float, force: bool) -> tuple[dict, object, int, dict]:
        """The per-epoch charts (JSON), the task views, run.batches when built, and the
        scene's facts for the status row (numbers that cost as much as a chart).

        They show per-epoch records (history, the probe trace taken at the end of the
        epoch, W_hh's eigenvalues then), so they are rebuilt only when the epoch moved on,
        and while playing at most every EPOCH_VIEW_EVERY seconds: the browser redraws only
        charts whose JSON changed, so the fast charts refresh alone in between."""
        run, v = self.run, self.view
        key = (run.epoch, v, run.stopped, self.scene.key(run, v))
        m = self.memo
        if m is not None and (m[0] == key or (
                not force and m[0][1:] == key[1:] and now - m[3] < EPOCH_VIEW_EVERY)):
            return m[1], m[2], m[4], m[5]
        figs, tasks, facts = self.scene.slow(run, v)
        self.memo = (key, {k: to_json(f) for k, f in figs.items()}, tasks, now, run.batches,
                     facts)
        return self.memo[1], self.memo[2], self.memo[4], facts


class Trainer:
    """The thread that trains every playing feed of this process, in turns.

    A round gives each playing feed one turn: its share of the training budget (`fit`,
    divided among the sessions training now by pace.Pace), then its frame. Rounds start
    every pace.interval(TICK, n) seconds (13 a second alone, fewer in a crowd); `fit`
    shrinks after a round whose work took more than KEEP of that and grows back (up to
    BUDGET) after shorter ones. Every round rests at least MIN_REST of its work, so the
    server's event loop (the frame requests, the websockets) and a browser on the same
    laptop always get their turn. Each feed's `every` says how often its frames really
    come (the browser polls at that pace)."""

    every: weakref.WeakSet[Trainer] = weakref.WeakSet()  # all of them (tests stop them)

    def __init__(self, pace_: pace.Pace):
        self.pace = pace_
        Trainer.every.add(self)
        self._feeds: weakref.WeakSet[Feed] = weakref.WeakSet()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self.fit = BUDGET
        self.rounds = 0  # rounds that trained
        self.passes = 0  # times the loop looked at its feeds, idle or not (wait_passes)
        self._passed = threading.Condition()

    def add(self, feed: Feed) -> None:
        with self._wake:
            self._feeds.add(feed)

    def wake(self) -> None:
        """A feed started playing: start the thread if needed, end its rest."""
        with self._wake:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="rnnviz-trainer",
                                                daemon=True)
                self._thread.start()
            self._wake.notify_all()

    def playing(self) -> list[Feed]:
        with self._wake:
            return [f for f in list(self._feeds) if f.playing]

    def stop_all(self) -> None:
        """Pause every feed (tests; a server shutting down)."""
        for f in list(self._feeds):
            f.pause()

    def wait_passes(self, n: int, timeout: float) -> bool:
        """Wait until the loop has looked at its feeds n more whole times (whether a paused
        feed stays untouched is checked over passes, not over a guessed time)."""
        with self._passed:
            target = self.passes + n + 1  # the pass under way now may have begun earlier
        deadline = time.monotonic() + timeout
        while self.passes < target and time.monotonic() < deadline:
            self.wake()  # end an idle rest
            with self._passed:
                self._passed.wait_for(lambda: self.passes >= target, timeout=0.05)
        return self.passes >= target

    def _loop(self) -> None:
        period = TICK  # seconds from one round's start to the next's
        while True:
            with self._passed:
                self.passes += 1
                self._passed.notify_all()
            feeds = self.playing()
            if not feeds:
                with self._wake:
                    self._wake.wait(timeout=5.0)
                period = TICK
                continue
            every = pace.interval(TICK, len(feeds))
            viewers = max((f.board.watching() for f in feeds if f.view.share and f.board),
                          default=0)  # students polling the class board (pace.Pace)
            t0 = time.monotonic()
            for f in feeds:
                if not f.alive():
                    f.stop()
                    continue
                with self.pace.slots["train"]:
                    f.every = max(every, period)
                    try:
                        f.turn(self.pace.share(f.session, self.fit, viewers=viewers))
                    except Exception as e:  # one broken run must not stop the others
                        log.exception("rnnviz: training stopped for one session")
                        f.stop(f"{type(e).__name__}: {e}")
            del feeds, f  # a feed whose session ends must not be kept alive by this loop
            body = time.monotonic() - t0
            self.fit = fitted(self.fit, body, every)
            self.rounds += 1
            with self._wake:
                self._wake.wait(timeout=max(every - body, MIN_REST * body))
            period = time.monotonic() - t0


def fitted(fit: float, body_s: float, every: float) -> float:
    """The next round's training seconds after one whose body took body_s: 20% less after
    a round longer than KEEP of its interval, 10% more (up to BUDGET) after a shorter one.
    On a busy machine (a browser, other sessions, a projector's screen capture) training
    slows down and the charts stay live."""
    fit = fit * 0.8 if body_s > KEEP * every else fit * 1.1
    return min(BUDGET, max(pace.MIN_BUDGET, fit))


def _write(feed: Feed, frame: str) -> None:
    packed = frames.pack(feed.seq, frame, feed.size)
    feed.size = len(packed)
    frames.write_atomic(feed.path, packed)


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _always() -> bool:
    return True


def sweep(folder: Path | None = None, older_s: float = STALE_FILE_S) -> int:
    """Remove frame files nobody has written for `older_s` seconds (ended sessions of
    processes that did not exit cleanly); the number removed."""
    folder = folder or STATIC / FOLDER
    n, now = 0, time.time()
    for p in folder.glob("*.gz") if folder.exists() else ():
        with contextlib.suppress(OSError):
            if now - p.stat().st_mtime > older_s:
                p.unlink()
                n += 1
    return n
