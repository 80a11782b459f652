"""Follow the lecturer: one training run shared read-only with every student.

The lecturer turns on "Share with the class" on the Train page. From then on that session's
frames (rnnviz.live.feed: written by the training thread while it plays, by the page when
it acts) are posted here too (the charts' JSON and the status numbers) as one
file, ./static/board/frame.gz, at most 1 / MIN_INTERVAL times a second. Streamlit serves
it at /app/static/board/frame.gz (server.enableStaticServing).

The file is a fixed-size header, the gzip-compressed frame JSON and zero padding (`pack`).
Streamlit's static route takes the file's size for Content-Length, then opens the file: a
frame replaced in between with one of another size broke the response. Padded to a size
that only grows, in SIZE_STEP steps, a new
frame has the size of the old one nearly always; the header says where the frame ends.

Students open /watch. Its page runs once; then the browser polls that file by itself
(livechart.follow) and redraws the charts with Plotly.react. No Python runs per viewer per
refresh, so a hundred students cost the server a hundred small file reads a second, not a
hundred script runs, and each browser pulls at its own pace (benchmarks/notes/live.md).

The board lives on disk, so it works across several app processes behind a proxy
(deploy/): the lecturer's claim and the viewers' heartbeats are small files in a private
temporary folder (not served), the frame is in the served one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
import time
from pathlib import Path

from rnnviz.live.frames import STATIC, pack, write_atomic

FOLDER = "board"
FRAME = "frame.gz"  # the name makes it application/gzip: served as is, not re-compressed
URL = f"app/static/{FOLDER}/{FRAME}"  # relative to the server's base URL
MIN_INTERVAL = 0.2  # seconds between frame writes: up to 5 new frames a second
STALE_S = 120.0  # an owner silent this long (closed tab) can be replaced by another sharer
WATCH_S = 15.0  # a viewer whose page sent a heartbeat this recently is watching
HEARTBEAT_S = 5.0  # the Watch page's heartbeat interval (pages/watch_lecturer.py)


def _private_default() -> Path:
    tag = hashlib.sha1(str(STATIC).encode()).hexdigest()[:10]  # one board per checkout
    return Path(tempfile.gettempdir()) / f"rnnviz-board-{tag}"


class Board:
    """The shared frame, its owner and its viewers: files, so every app process sees them.

    public/frame.gz        the frame (served to browsers; see pack)
    private/owner          "pid session-id" of the lecturer sharing now; mtime = last post
    private/watchers/<id>  one empty file per viewer; mtime = its last heartbeat
    """

    def __init__(self, public: Path | None = None, private: Path | None = None):
        self.public = public or STATIC / FOLDER
        self.private = private or _private_default()
        self.frame_path = self.public / FRAME
        self.owner_path = self.private / "owner"
        self.watchers = self.private / "watchers"
        for d in (self.public, self.watchers):
            d.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.seq = time.time_ns() // 1_000_000  # frames of a later process sort after ours
        self.last_post = 0.0  # time.monotonic() of our last frame write
        self.last_key = None  # what that frame showed (see post)
        self.size = 0  # bytes of the frame file (pack)
        self._count = (0.0, 0)  # (time, watchers) cached for a second
        self.sweep()

    # -- the lecturer ------------------------------------------------------------------
    def holder(self) -> tuple[str | None, float]:
        """(session id of the lecturer sharing now or None, seconds since its last post)."""
        try:
            text = self.owner_path.read_text()
            age = time.time() - self.owner_path.stat().st_mtime
        except OSError:
            return None, float("inf")
        pid, _, owner = text.partition(" ")
        if not _alive(pid):
            return None, float("inf")
        return owner, age

    def claim(self, owner: str) -> bool:
        """Make `owner` the sharer, unless another one posted within STALE_S."""
        with self.lock:
            current, age = self.holder()
            if current not in (None, owner) and age < STALE_S:
                return False
            if current != owner:
                write_atomic(self.owner_path, f"{os.getpid()} {owner}".encode())
                self.last_key = None
            return True

    def post(self, owner: str, key, frame: str) -> bool:
        """Write `frame` (frame_json) if `owner` holds the board and the view moved on.

        `key` names what the frame shows, its last item whether the run plays: the same
        key is not written twice. While it plays, frames are written at most every
        MIN_INTERVAL seconds; a paused run's changes (Pause, Step, Reset) at once."""
        with self.lock:
            now = time.monotonic()
            if key == self.last_key:
                return False
            still_playing = key[-1] and self.last_key is not None and self.last_key[-1]
            if still_playing and now - self.last_post < MIN_INTERVAL:
                return False
            if self.holder()[0] != owner:
                return False
            self.seq += 1
            body = frame.replace('"seq":0,', f'"seq":{self.seq},', 1)
            packed = pack(self.seq, body, self.size)
            self.size = len(packed)
            write_atomic(self.frame_path, packed)
            os.utime(self.owner_path)  # the owner is alive
            self.last_post, self.last_key = now, key
            return True

    def stop(self, owner: str) -> None:
        """Stop sharing (only the owner can): viewers see "nothing is shared" next poll."""
        with self.lock:
            if self.holder()[0] == owner:
                self._clear()

    def sweep(self) -> None:
        """Remove a frame left behind by an app process that has ended."""
        with self.lock:
            try:
                pid = self.owner_path.read_text().partition(" ")[0]
            except OSError:
                pid = None
            if pid is None or not _alive(pid):
                self._clear()

    def _clear(self) -> None:
        self.size = 0
        for p in (self.frame_path, self.owner_path):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
        self.last_key = None

    # -- the students ------------------------------------------------------------------
    def watch(self, viewer: str) -> None:
        """A viewer's heartbeat (the Watch page, every HEARTBEAT_S seconds)."""
        name = hashlib.sha1(viewer.encode()).hexdigest()[:16]
        (self.watchers / name).touch()

    def watching(self, within_s: float = WATCH_S) -> int:
        """Viewers with a heartbeat in the last `within_s` seconds (counted once a second)."""
        t, n = self._count
        now = time.time()
        if now - t < 1.0:
            return n
        n = 0
        for p in self.watchers.iterdir():
            try:
                age = now - p.stat().st_mtime
            except FileNotFoundError:
                continue
            if age < within_s:
                n += 1
            elif age > 10 * within_s:
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
        self._count = (now, n)
        return n


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True  # somebody else's process: alive
    return True


