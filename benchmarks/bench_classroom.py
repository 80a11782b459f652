"""A classroom on one machine: N sessions play training at once, as websocket clients.

Serves the app as the README does (`python -m rnnviz.serve --server.port <free>
--server.address 127.0.0.1 --server.headless true`, OPENBLAS_NUM_THREADS=1,
MALLOC_ARENA_MAX=2; _harness.Server) plus `--server.disconnectedSessionTTL <--ttl, default
5>` so the warm-up session is dropped before the idle memory is read (as bench_soak).

The sessions are not browser tabs (30-100 Chromium tabs would take the 2 cores the server
needs) but lightweight clients in this one process (asyncio + `websockets`) that speak
Streamlit's protocol the way its frontend (streamlit/static, 1.67) does:
  - HTTP: GET the page, then /_stcore/health and /_stcore/host-config (the frontend's ping
    before it connects); /_stcore/health sets the `_streamlit_xsrf` cookie.
  - websocket /_stcore/stream with subprotocols ["streamlit", <the xsrf cookie's value>]
    (the frontend's getSessionTokens()), the cookie header and a same-origin Origin. (The
    server's websocket handler checks the Origin, 403 otherwise; the XSRF token only gates
    reading the auth cookie: a wrong one still connects.)
  - BackMsg rerun_script (ClientState): first `page_name` = the URL path ("train") and the
    query string; afterwards `page_script_hash` from the `navigation` ForwardMsg, the query
    string the server set (`page_info_changed`), every widget value the client holds, the
    hashes of the ForwardMsgs it caches, and context_info (UTC, en-US, light, the URL).
  - widget values: as the frontend stores them when a widget mounts (its `value`/`raw_value`
    when the server sets one, else its default; selectbox/radio as the option's text,
    select_slider as strings, slider as doubles, toggles as bools, number_input as int or
    double, file_uploader as an empty state); dropped when a full run no longer shows them.
  - a button press = rerun_script with the button's id and trigger_value=True plus all the
    other values; a toggle = the same with its new bool_value.
  - ForwardMsg cache: messages with metadata.cacheable are kept by hash, their hashes are
    sent with every rerun, `ref_hash` messages are answered from the cache, entries older
    than new_session.config.max_cached_message_age runs are dropped (fragment runs age only
    their own fragment's entries), as the frontend's ForwardMsgCache.
  - `st.fragment(run_every=...)` (the Watch page's heartbeat; the Train page has none
    since bbb433c, and any auto_rerun it sent would be counted): the server sends
    ForwardMsg auto_rerun {fragment_id, interval}; the frontend then runs
    setInterval(interval) that sends rerun_script with that fragment_id and
    is_auto_rerun=True *without waiting* for the previous run. Here: one timer per fragment
    on a fixed grid (a late tick is sent at once, missed ticks are not sent twice). Timers
    stop on stop_auto_rerun and on the new_session of a full run (the frontend's
    cleanupAutoReruns).
  - the Train page's live element (rnnviz.livechart, a bidi_component keyed "train_live";
    rnnviz/ui/feed.py, livechart.js live() and pollLive()): its data, sent by each run of
    the page (load, Play, Pause), is {"live": "app/static/live/<token>.gz", "playing",
    "every": s, "frame": the run as it is then}. The inline frame is shown when its seq is
    above the one shown; while the data says playing, one loop per page GETs the frame file
    over the session's own keep-alive HTTP/1.1 connection (HttpConn, with the headers of a
    fetch with cache "no-store"), one request at a time: a frame whose header's seq is above
    the one shown is gunzipped, JSON-decoded and shown; the next request `every` s after
    this one started (the new frame's `every`; after a request that brought nothing new,
    the element's `every`, as pollLive's local variable does), at least 30 ms. The loop
    ends when the page's latest run says not playing (after Pause). A polled frame saying
    not playing (the run diverged, or the trainer stopped it: session gone, a turn failed)
    ends it too and sends the element's "stopped" trigger
    (json_trigger_value on the widget id "$$STREAMLIT_INTERNAL_KEY_<element id>__events",
    as setTriggerValue). The websocket stays open while playing: the server's trainer thread
    pauses a feed whose session is no longer active.
Checked against Chromium on this app before bbb433c (the BackMsgs of a real tab captured
with Playwright: the first rerun, Play, the first timer rerun): the same fields and the same
widget values, for the default preset, sine and hello-world. The live element's loop follows
livechart.js as of bbb433c.

Since bbb433c the Train page trains in a server thread (feed.Trainer: rounds every
pace.interval(feed.TICK, n playing) s, each playing session a turn: train, draw, write
its frame file); no script runs per refresh. A refresh = a frame shown (the inline frame of a
page run, or a polled one) whose learning-curve chart id, ids["loss"] (the md5 of that
chart's JSON), differs from the one shown before: what makes the browser redraw the curves.
Per session: refreshes/s, new frames shown/s, frame requests/s and the share that brought a
new frame, 404s (file not written yet) and failed requests, the poll interval the element
and the frames said (`every`), each new frame's age when it arrived (now - its "written"),
its size, the trainer's turn (the frame's note: ms training, ms drawing), the "Epoch" of the
frame shown at the window's start and end (from its status), fragment runs and auto_rerun
messages from the end of the Play run to Pause (0 expected), exception elements, websocket
closes not asked for, client-side protocol errors, and full runs (page load, Play, Pause)
whose script_finished never came (see Client._full_end); a click is done when the full run
it caused has ended either way.

Classroom (default): --sessions N (default 30) open /train (the app's default preset, or
?preset=--preset), 10 at a time; all press Play; after --warmup s (default 5) the window of
--seconds s (default 60) is measured; then Pause: the Pause run's live element must say not
playing, the frame file (read at once, 1 s and 2 s later on a connection of its own) must
keep one seq, below the Pause run's inline frame's (the trainer wrote nothing after Pause),
with no later epoch than that frame's, and the session's polling must have stopped.
Server CPU = user+system CPU of the server process tree over the window (% of one core);
server RSS and the time /_stcore/health takes to answer sampled every 2 s (the health check
is answered by the server's event loop, which also serves the frame files and sends every
ForwardMsg: a starved loop shows there); this process's CPU and event-loop lag (clients
that lag would poll less often themselves). A line per phase shows the progress. Memory
per session = (peak RSS in the window - RSS idle) / N, where "idle" is the server after a
warm-up session (open /train, play 3 s, close, TTL, one short home-page session to reap
it): the one-off imports are not counted per session; the fresh server's RSS is printed too.

Follow the lecturer (--follow): a lecturer client opens /train, turns on the toggle
"Share with the class", presses Play (the trainer thread's turns for its run also post the
shared frame file, a header and gzip JSON, served at /app/static/board/frame.gz, at most 5
a second, rnnviz/ui/classroom.py) and polls its own frames as above; then --sessions N
viewers (default 100) open /watch ("Watch the lecturer"). That page runs once and shows
one rnnviz.livechart element whose data is {"follow": url, "every": s, "idle": s}; the
browser then polls the URL by itself (livechart.js follow()), and a heartbeat fragment with
run_every (no charts) counts the viewer as watching (its timer is run as above). Each viewer
client does what that browser code does, with its own keep-alive HTTP/1.1 connection
(asyncio, HttpConn): GET the URL with fetch's cache: "no-store" headers and the Range
header livechart.js sends (answered 206; a body that ends inside a frame written meanwhile
is a partial read: skipped, as the browser does), no request
overlapping the last; the next one `every` s after the last one started while the frame
says playing, `idle` s when paused, 404 (nothing shared), silent (Last-Modified 15 s before
Date) or failed (the first two failures in a row retry at `every`); a body whose header
names the seq drawn already is not decoded, another is gunzipped and JSON-decoded. A
viewer's refresh = a frame whose seq differs from the one drawn before; its epoch = that
frame's "epoch"; its bytes count as received. Per viewer: refreshes/s, frame requests/s,
404s, failed requests (connection errors, other statuses, unreadable bodies) over the
window, and the age of each new frame when it arrived (now - its "written"), and the
heartbeat's fragment runs. The lecturer is counted as a classroom session (its Pause checked
the same way). Memory per viewer = (peak RSS with the viewers - RSS with the lecturer alone
playing) / N.

Targets: classroom 30 sessions each >= 2 refreshes/s, memory per session <= 50 MB;
follow 100 viewers each >= 2 refreshes/s (memory per viewer against the same 50 MB).
--json PATH writes the raw numbers. --quick: 5 sessions (10 viewers), 15 s.

    .venv/bin/python benchmarks/bench_classroom.py            # 30 sessions, 60 s
    .venv/bin/python benchmarks/bench_classroom.py --sessions 5 --seconds 15 --preset sine
    .venv/bin/python benchmarks/bench_classroom.py --follow   # lecturer + 100 viewers
    .venv/bin/python benchmarks/bench_classroom.py [--quick] [--sessions N] [--seconds S]
        [--warmup S] [--preset NAME] [--follow] [--ttl S] [--json PATH] [--per-session]
        [--server-env KEY=VALUE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import email.utils
import gzip
import http.cookiejar
import json
import re
import resource
import statistics
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import _harness as h
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Checkbox_pb2 import Checkbox
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, WebSocketException

FRAME_HEADER, decode_frame = h.FRAME_HEADER, h.decode_frame
FRAME_OK, FRAME_RANGE, frame_whole = h.FRAME_OK, h.FRAME_RANGE, h.frame_whole
TARGET_REFRESH = 2.0  # refreshes per second per session (and per viewer)
TARGET_SESSIONS = 30
TARGET_VIEWERS = 100
TARGET_MB = 50.0  # server memory per session
NO_STATE = {"button", "download_button", "plotly_chart", "bidi_component", "link_button",
            "page_link"}  # elements with an id that the frontend keeps no value for
SHARE_TOGGLE = "Share with the class"
WATCH_TITLE = "Watch the lecturer"
OPEN_AT_ONCE = 10  # pages loading at the same time while the class arrives
OPEN_TIMEOUT_S = 240.0  # for opening all the sessions
RSS_EVERY_S = 2.0
PAUSE_CHECK_S = 2.0
FINISHED = ForwardMsg.ScriptFinishedStatus
LIVECHART = "rnnviz.livechart"  # the app's chart component; its follow element polls
FOLLOW_EVERY_S, FOLLOW_IDLE_S = 0.3, 1.5  # the follow element's defaults (its data says)
FOLLOW_SILENT_S = 15.0  # a frame this much older than the server's Date: polled as idle
POLL_TIMEOUT_S = 30.0  # one frame request, connect to last byte


# -- one session ---------------------------------------------------------------------------
def widget_state(kind: str, w) -> WidgetState | None:
    """The value the frontend stores for a widget element (None: it keeps none)."""
    s = WidgetState(id=w.id)
    if kind == "checkbox":  # st.checkbox and st.toggle
        s.bool_value = w.value if w.set_value else w.default
    elif kind in ("selectbox", "radio"):
        if w.set_value:
            if w.HasField("raw_value"):
                s.string_value = w.raw_value
        elif w.HasField("default") and w.default < len(w.options):
            s.string_value = w.options[w.default]
    elif kind == "slider":
        if w.type == Slider.SELECT_SLIDER:
            values = (list(w.raw_value) if w.set_value
                      else [w.options[int(i)] for i in w.default])
            s.string_array_value.data.extend(values)
        else:
            s.double_array_value.data.extend(w.value if w.set_value else w.default)
    elif kind == "number_input":
        has = w.HasField("value") if w.set_value else w.HasField("default")
        if has:
            v = w.value if w.set_value else w.default
            if w.data_type == NumberInput.INT:
                s.int_value = int(v)
            else:
                s.double_value = v
    elif kind in ("text_input", "text_area"):
        if w.HasField("value") if w.set_value else w.HasField("default"):
            s.string_value = w.value if w.set_value else w.default
    elif kind == "file_uploader":
        s.file_uploader_state_value.SetInParent()
    else:
        return None
    return s


def _silent_s(headers: dict) -> float:
    """Date - Last-Modified of a response in seconds (0 when either is missing)."""
    try:
        date = email.utils.parsedate_to_datetime(headers["date"])
        modified = email.utils.parsedate_to_datetime(headers["last-modified"])
    except (KeyError, TypeError, ValueError):
        return 0.0
    return (date - modified).total_seconds()


def _element_data(raw: str, kind: str) -> dict | None:
    """A livechart element's data when it is a `kind` config ("follow", "live"), else None
    (a chart's figure, or another element)."""
    if kind not in raw[:24]:
        return None
    data = json.loads(raw)
    data = json.loads(data) if isinstance(data, str) else data
    return data if isinstance(data, dict) and kind in data else None


def frame_epoch(frame: dict) -> int | None:
    """The "Epoch" item of a frame's status (what the page shows), else its "epoch"."""
    for label, value in frame.get("status") or ():
        if label == "Epoch":
            digits = re.sub(r"\D", "", str(value))
            return int(digits) if digits else None
    return frame.get("epoch")


class HttpConn:
    """One keep-alive HTTP/1.1 connection, GET only, as a browser tab's fetch() reuses one.
    A request that finds the kept connection closed by the server (nothing came back) is
    sent again once on a new one, as browsers do; `reconnects` counts the new connections."""

    def __init__(self, base: str, cookie: str = "", referer: str = ""):
        parts = urllib.parse.urlsplit(base)
        self.referer = referer or f"{base}/watch"  # the page whose script fetches
        self.host, self.port, self.netloc = parts.hostname, parts.port or 80, parts.netloc
        self.origin = base
        self.cookie = cookie
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.reconnects = 0
        self.answered = False  # the current request's response head has arrived

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def get(self, path: str, frame: bool = False) -> tuple[int, dict, bytes, int]:
        """(status, headers (lower-case names), body, bytes read off the socket). frame: a
        frame file, asked for as the browser does (Range: FRAME_RANGE)."""
        reused = self.writer is not None and not self.writer.is_closing()
        self.answered = False
        try:
            return await self._get(path, frame)
        except (ConnectionError, asyncio.IncompleteReadError):
            self.close()
            if not reused or self.answered:
                raise
            return await self._get(path, frame)  # the server had closed the idle connection

    async def _get(self, path: str, frame: bool) -> tuple[int, dict, bytes, int]:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            self.reconnects += 1
        # what Chromium sends for a same-origin fetch(url, {cache: "no-store"})
        head = (f"GET {path} HTTP/1.1\r\nHost: {self.netloc}\r\nConnection: keep-alive\r\n"
                "Pragma: no-cache\r\nCache-Control: no-cache\r\nAccept: */*\r\n"
                "Accept-Encoding: gzip, deflate\r\nAccept-Language: en-US\r\n"
                f"Referer: {self.referer}\r\n"
                + (f"Range: {FRAME_RANGE}\r\n" if frame else "")
                + (f"Cookie: _streamlit_xsrf={self.cookie}\r\n" if self.cookie else "")
                + "\r\n")
        self.writer.write(head.encode("latin-1"))
        await self.writer.drain()
        raw = await self.reader.readuntil(b"\r\n\r\n")
        self.answered = True  # from here on a failure is this request's, not a stale one's
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        n = len(raw)
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size_line = await self.reader.readuntil(b"\r\n")
                size = int(size_line.split(b";", 1)[0], 16)
                data = await self.reader.readexactly(size + 2)  # + CRLF
                n += len(size_line) + len(data)
                if size == 0:
                    break
                chunks.append(data[:-2])
            body = b"".join(chunks)
        elif "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
            n += len(body)
        else:
            body = await self.reader.read()
            n += len(body)
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self.close()
        if headers.get("content-encoding", "").lower() == "gzip":  # transport encoding
            body = gzip.decompress(body)
        return status, headers, body, n


@dataclass
class Client:
    """One browser session, emulated: see the module docstring for what it does."""

    name: str
    base: str  # http://127.0.0.1:port
    path: str  # "train", "watch", "" (home)
    query: str = ""  # the query string of the first request, without "?"
    ws: object = None
    reader: asyncio.Task | None = None
    session_id: str = ""
    query_string: str = ""
    page_script_hash: str = ""
    page_title: str = ""
    page_not_found: str = ""
    states: dict = field(default_factory=dict)  # widget id -> WidgetState
    seen: set = field(default_factory=set)  # widget ids shown by the current full run
    controls: dict = field(default_factory=dict)  # delta path -> (kind, label, id) on screen
    seen_paths: set = field(default_factory=set)  # their paths shown by the current full run
    cache: dict = field(default_factory=dict)  # hash -> [bytes, run count, fragment id]
    cache_runs: int = 0
    max_cache_age: int = 2
    timers: dict = field(default_factory=dict)  # fragment id -> (interval, task)
    run_fragments: tuple = ()
    epoch: int | None = None
    full_runs: int = 0  # full runs ended with FINISHED_SUCCESSFULLY
    full_ended: int = 0  # full runs ended, with any script_finished or none (see handle)
    full_open: bool = False
    full_lost: int = 0  # full runs whose script_finished never came
    full_event: asyncio.Event = field(default_factory=asyncio.Event)
    # what happened, with times (time.monotonic())
    refreshes: list = field(default_factory=list)  # see the module docstring
    fragment_runs: list = field(default_factory=list)  # fragment runs finished
    auto_reruns: list = field(default_factory=list)  # auto_rerun ForwardMsgs received
    auto_sent: list = field(default_factory=list)  # timer reruns sent
    epochs: list = field(default_factory=list)  # (t, epoch, from a polled frame)
    timer_late_max: float = 0.0
    bytes_in: int = 0
    msgs_in: int = 0
    ref_hits: int = 0
    exceptions: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # protocol problems seen by the client
    notes: list = field(default_factory=list)
    unknown_widgets: set = field(default_factory=set)
    disconnects: int = 0
    closing: bool = False
    closed: bool = False
    xsrf: str = ""
    load_s: float | None = None
    # both pages poll a frame file over HTTP (conn): the Train page's live element its
    # session's frames (_poll_live), the Watch page's follow element the shared one (_poll)
    conn: HttpConn | None = None
    polls: list = field(default_factory=list)  # answered frame requests: (t, status, new)
    poll_errors: list = field(default_factory=list)  # (t, text): no usable answer
    partial_reads: list = field(default_factory=list)  # t: answers that ended inside a frame
    # written meanwhile (the browser skips them and gets that frame at its next poll)
    frame_ages: list = field(default_factory=list)  # (t, s since written) of new frames
    frame_sizes: list = field(default_factory=list)  # (gzip bytes, JSON bytes) of new frames
    # the Train page's live element (livechart.live)
    live: dict | None = None  # {"live": url, "playing", "every": s, "id"} of the last run
    live_url: str = ""  # the url the shown frames came from (box.__url)
    live_task: asyncio.Task | None = None  # the polling loop (box.__polling)
    shown_seq: int = 0  # seq of the frame shown (box.__seq)
    shown_loss: str | None = None  # ids["loss"] of the learning curves shown
    stopped_seq: int | None = None  # a frame said the run stopped by itself (box.__stopped)
    inline: dict | None = None  # the last frame a page run sent inline: seq, epoch, playing
    every_playing: float | None = None  # the element's `every` when a run last said playing
    frames: list = field(default_factory=list)  # (t, "inline" | "poll") frames shown
    frame_every: list = field(default_factory=list)  # (t, every) of the frames shown
    turns: list = field(default_factory=list)  # (t, training ms, drawing ms) from notes
    # follow mode: the Watch page's follow element polls the shared frame (see _poll)
    follow: dict | None = None  # {"follow": url, "every": s, "idle": s} from the page
    poller: asyncio.Task | None = None
    frame_seq: int | None = None

    # -- connection --
    @property
    def url(self) -> str:
        return f"{self.base}/{self.path}"

    def _http(self) -> str:
        """GET the page, /_stcore/health and /_stcore/host-config; the xsrf cookie."""
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                             urllib.request.HTTPCookieProcessor(jar))
        page = self.url + (f"?{self.query}" if self.query else "")
        for u in (page, f"{self.base}/_stcore/health", f"{self.base}/_stcore/host-config"):
            with opener.open(u, timeout=60) as r:
                r.read()
        token = next((c.value for c in jar if c.name == "_streamlit_xsrf"), "")
        if not token:
            raise RuntimeError("no _streamlit_xsrf cookie from /_stcore/health")
        return token

    async def open(self, timeout: float = 180.0) -> None:
        t0 = time.monotonic()
        self.xsrf = await asyncio.to_thread(self._http)
        self.query_string = self.query
        host = urllib.parse.urlsplit(self.base).netloc
        self.ws = await connect(f"ws://{host}/_stcore/stream",
                                subprotocols=["streamlit", self.xsrf],
                                additional_headers={"Cookie": f"_streamlit_xsrf={self.xsrf}"},
                                origin=self.base, proxy=None, max_size=None, open_timeout=60)
        self.reader = asyncio.get_running_loop().create_task(self._read())
        await self.send(self._rerun())
        await self.wait_full_run(0, timeout)
        self.load_s = time.monotonic() - t0

    async def close(self) -> None:
        self.closing = True
        self._stop_timers()
        for task in (self.poller, self.live_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        if self.conn is not None:
            self.conn.close()
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 10)
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(BaseException):
                await self.reader

    async def send(self, payload: bytes) -> None:
        if self.closed:
            return
        with contextlib.suppress(ConnectionClosed, WebSocketException):  # the reader counts it
            await self.ws.send(payload)

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                self.bytes_in += len(data)
                self.msgs_in += 1
                try:
                    self.handle(data)
                except Exception as e:  # noqa: BLE001 -- a client bug must show, not hang
                    self.errors.append(f"client could not handle a message: {e!r}")
        except ConnectionClosed:
            pass
        finally:
            if not self.closing:
                self.disconnects += 1
                code = getattr(self.ws, "close_code", None)
                self.errors.append(f"websocket closed by the server (code {code})")
            self.closed = True
            self._stop_timers()
            self.full_event.set()

    @property
    def buttons(self) -> dict:
        """Label -> id of the buttons on screen."""
        return {label: wid for kind, label, wid in self.controls.values() if kind == "button"}

    @property
    def toggles(self) -> dict:
        return {label: wid for kind, label, wid in self.controls.values() if kind == "toggle"}

    async def wait_full_run(self, before: int, timeout: float) -> None:
        """Wait until more than `before` full runs have ended."""
        deadline = time.monotonic() + timeout
        while self.full_ended <= before:
            if self.closed:
                raise RuntimeError(f"{self.name}: disconnected ({'; '.join(self.errors)})")
            if self.page_not_found:
                raise RuntimeError(f"{self.name}: page not found: /{self.path}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.name}: no script run finished in {timeout:.0f} s")
            self.full_event.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.full_event.wait(), min(left, 1.0))

    # -- what the browser sends --
    def _rerun(self, fragment_id: str = "", trigger: str = "", auto: bool = False,
               json_trigger: tuple[str, str] | None = None) -> bytes:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query_string
        cs.widget_states.SetInParent()
        cs.widget_states.widgets.extend(self.states.values())
        if trigger:
            cs.widget_states.widgets.add(id=trigger, trigger_value=True)
        if json_trigger:  # a bidi_component's setTriggerValue (id, JSON payload)
            cs.widget_states.widgets.add(id=json_trigger[0], json_trigger_value=json_trigger[1])
        if self.page_script_hash:
            cs.page_script_hash = self.page_script_hash
        else:
            cs.page_name = self.path
        if fragment_id:
            cs.fragment_id = fragment_id
            cs.is_auto_rerun = auto
        cs.cached_message_hashes.extend(self.cache)
        ci = cs.context_info
        ci.timezone, ci.timezone_offset, ci.locale = "UTC", 0, "en-US"
        ci.url, ci.is_embedded, ci.color_scheme = self.url, False, "light"
        return msg.SerializeToString()

    async def click(self, label: str, timeout: float = 180.0) -> None:
        """Press the button labelled `label` and wait for the rerun it causes."""
        if label not in self.buttons:
            raise RuntimeError(f"{self.name}: no button {label!r} (have {list(self.buttons)})")
        before = self.full_ended
        await self.send(self._rerun(trigger=self.buttons[label]))
        await self.wait_full_run(before, timeout)

    async def set_toggle(self, label: str, value: bool, timeout: float = 180.0) -> None:
        if label not in self.toggles:
            raise RuntimeError(f"{self.name}: no toggle {label!r} (have {list(self.toggles)})")
        self.states[self.toggles[label]].bool_value = value
        before = self.full_ended
        await self.send(self._rerun())
        await self.wait_full_run(before, timeout)

    async def _timer(self, fragment_id: str, interval: float) -> None:
        """The frontend's setInterval for a fragment with run_every."""
        due = time.monotonic() + interval
        while not self.closed:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            now = time.monotonic()
            self.timer_late_max = max(self.timer_late_max, now - due)
            self.auto_sent.append(now)
            await self.send(self._rerun(fragment_id, auto=True))
            due = max(due + interval, time.monotonic())

    async def _poll(self) -> None:
        """The follow element's loop in the browser (livechart.js follow()): GET the frame,
        one request at a time, the next one `every` s after this one started while the frame
        says playing, `idle` s when it is paused, silent (Last-Modified over 15 s before the
        Date), absent (404) or could not be had (the first two failures in a row retry at
        `every`). A body whose header names the seq drawn already is not inflated; another
        is gunzipped and JSON-decoded, as the browser does, and redrawn (a refresh) when
        its seq is not the one drawn before."""
        self.conn = HttpConn(self.base, self.xsrf, self.url)
        drawn, playing, failures = None, False, 0
        while not self.closing:
            cfg = self.follow
            path = "/" + cfg["follow"].lstrip("/")
            start = time.monotonic()
            try:
                status, headers, body, n = await asyncio.wait_for(
                    self.conn.get(path, frame=True), POLL_TIMEOUT_S)
            except (TimeoutError, OSError, asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError, ValueError) as e:
                self.conn.close()
                why = ("the connection closed after the response head, before the body's "
                       "Content-Length bytes" if isinstance(e, asyncio.IncompleteReadError)
                       and self.conn.answered else str(e)[:100])
                self.poll_errors.append((time.monotonic(),
                                         f"frame request failed: {type(e).__name__}: {why}"))
                failures += 1
                playing = failures <= 2  # as the browser: the first failures retry soon
            else:
                now = time.monotonic()
                self.bytes_in += n
                self.polls.append((now, status, False))
                failures = 0
                if status == 404:
                    drawn, playing, self.frame_seq = None, False, None
                elif status not in FRAME_OK:
                    self.poll_errors.append((now, f"frame request: HTTP {status}"))
                    playing = False
                elif body[:FRAME_HEADER].split()[1:2] == [drawn]:
                    pass  # the frame drawn already (its header's seq); `playing` as it said
                elif not frame_whole(body):
                    self.partial_reads.append(now)  # replaced midway: the next poll gets it
                else:
                    try:
                        drawn = body[:FRAME_HEADER].split()[1]
                        frame, text_len = decode_frame(body)
                        seq, playing, epoch = frame["seq"], frame["playing"], frame["epoch"]
                    except (OSError, EOFError, ValueError, KeyError, TypeError) as e:
                        self.poll_errors.append((now, f"frame unreadable: {type(e).__name__}: "
                                                      f"{str(e)[:100]}"))
                        playing = False
                    else:
                        if seq != self.frame_seq:
                            self.frame_seq = seq
                            self.polls[-1] = (now, status, True)
                            self.refreshes.append(now)
                            self.frame_ages.append((now, time.time() - frame["written"]))
                            self.frame_sizes.append((len(body), text_len))
                            self.epoch = epoch
                            self.epochs.append((now, epoch, True))
                if status in FRAME_OK and playing and _silent_s(headers) > FOLLOW_SILENT_S:
                    playing = False
            wait = cfg["every"] if playing else cfg["idle"]
            await asyncio.sleep(max(0.05, start + wait - time.monotonic()))

    def _follow_element(self, raw: str) -> bool:
        """A livechart element whose data is a follow config: (re)start the poller."""
        data = _element_data(raw, "follow")
        if data is None:
            return False
        cfg = {"follow": data["follow"], "every": float(data.get("every", FOLLOW_EVERY_S)),
               "idle": float(data.get("idle", FOLLOW_IDLE_S))}
        self.follow = cfg  # the running poller takes a changed config on its next request
        if self.poller is None or self.poller.done():
            self.poller = asyncio.get_running_loop().create_task(self._poll())
        return True

    def _live_element(self, element_id: str, raw: str, now: float) -> bool:
        """A livechart element whose data is the Train page's live view (livechart.js
        live()): show its inline frame if newer than the one shown; start polling while
        it says playing and no loop polls already; a running loop reads the new config
        before its next request (and ends when it says not playing)."""
        data = _element_data(raw, "live")
        if data is None:
            return False
        cfg = {"live": data["live"], "playing": bool(data["playing"]),
               "every": float(data["every"]), "id": element_id}
        if cfg["live"] != self.live_url:
            self.live_url, self.shown_seq = cfg["live"], 0
        self.live = cfg
        if cfg["playing"]:
            self.every_playing = cfg["every"]
        frame = data.get("frame")
        if isinstance(frame, dict):
            self.inline = {"t": now, "seq": frame["seq"], "epoch": frame_epoch(frame),
                           "playing": frame["playing"]}
            if frame["seq"] > self.shown_seq:
                self._show(frame, now, "inline")
        if cfg["playing"] and (self.live_task is None or self.live_task.done()):
            self.stopped_seq = None
            self.live_task = asyncio.get_running_loop().create_task(self._poll_live())
        return True

    def _show(self, frame: dict, now: float, source: str) -> None:
        """Draw a frame (livechart.js show()): a refresh when its learning curves changed."""
        self.shown_seq = frame["seq"]
        self.frames.append((now, source))
        loss = frame.get("ids", {}).get("loss")
        if loss != self.shown_loss:
            self.shown_loss = loss
            self.refreshes.append(now)
        self.epoch = frame_epoch(frame)
        self.epochs.append((now, self.epoch, source == "poll"))
        self.frame_every.append((now, frame.get("every")))
        turn = re.search(r"last turn: (\d+) ms training, (\d+) ms drawing", frame.get("note", ""))
        if turn and source == "poll":
            self.turns.append((now, int(turn[1]), int(turn[2])))

    async def _poll_live(self) -> None:
        """The live element's loop in the browser (livechart.js pollLive()): while the
        page's last run said playing, GET the frame file with cache "no-store", one
        request at a time; a frame whose header's seq is above the one shown is gunzipped,
        JSON-decoded and shown; the next request `every` s after this one started, where
        `every` is that new frame's value, else the page run's (as pollLive's local
        variable: a request that found nothing new waits the element's own `every`), at
        least 30 ms. A new frame that says not playing (the run diverged, or the trainer
        stopped it) ends the loop and sends the element's "stopped" trigger, as the
        browser's setTriggerValue. Other answers are ignored by the browser; here 404s are
        counted apart (the trainer had not written the file yet), other statuses and
        failures as poll errors."""
        if self.conn is None:
            self.conn = HttpConn(self.base, self.xsrf, self.url)
        while not self.closing:
            cfg = self.live
            if not cfg["playing"]:
                return
            start = time.monotonic()
            every = cfg["every"]
            try:
                status, _, body, n = await asyncio.wait_for(
                    self.conn.get("/" + cfg["live"].lstrip("/"), frame=True), POLL_TIMEOUT_S)
            except (TimeoutError, OSError, asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError, ValueError) as e:
                self.conn.close()
                self.poll_errors.append((time.monotonic(), f"frame request failed: "
                                         f"{type(e).__name__}: {str(e)[:100]}"))
            else:
                now = time.monotonic()
                self.bytes_in += n
                new = False
                if status in FRAME_OK and not frame_whole(body):
                    self.partial_reads.append(now)  # replaced midway: the next poll gets it
                elif status in FRAME_OK:
                    try:
                        seq = int(body[:FRAME_HEADER].split()[1])
                        frame, text_len = (decode_frame(body) if seq > self.shown_seq
                                           and cfg["live"] == self.live_url else (None, 0))
                    except (OSError, EOFError, ValueError, KeyError, TypeError,
                            IndexError) as e:
                        self.poll_errors.append((now, f"frame unreadable: {type(e).__name__}:"
                                                      f" {str(e)[:100]}"))
                        frame = None
                    if frame is not None:
                        new = True
                        self._show(frame, now, "poll")
                        self.frame_ages.append((now, time.time() - frame["written"]))
                        self.frame_sizes.append((len(body), text_len))
                        every = frame.get("every") or every
                        if not frame["playing"] and self.stopped_seq is None:
                            self.polls.append((now, status, new))
                            self.stopped_seq = frame["seq"]
                            why = frame.get("diverged") or "the trainer stopped it"
                            self.notes.append(f"a polled frame said the run stopped at epoch "
                                              f"{frame_epoch(frame)} ({why}): the page "
                                              "reruns (the element's stopped trigger)")
                            trigger = (f"$$STREAMLIT_INTERNAL_KEY_{cfg['id']}__events",
                                       json.dumps([{"event": "stopped", "value": seq}]))
                            await self.send(self._rerun(json_trigger=trigger))
                            return
                elif status != 404:
                    self.poll_errors.append((now, f"frame request: HTTP {status}"))
                self.polls.append((now, status, new))
            await asyncio.sleep(max(0.03, start + every - time.monotonic()))

    def _stop_timers(self, ids=None) -> None:
        for fid in list(self.timers) if ids is None else ids:
            entry = self.timers.pop(fid, None)
            if entry is not None:
                entry[1].cancel()

    # -- what the browser receives --
    def handle(self, data: bytes) -> None:
        now = time.monotonic()
        msg = ForwardMsg.FromString(data)
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            entry = self.cache.get(msg.ref_hash)
            if entry is None:
                self.errors.append(f"ForwardMsg cache miss {msg.ref_hash}")
                return
            entry[1] = self.cache_runs
            self.ref_hits += 1
            full = ForwardMsg.FromString(entry[0])
            full.metadata.CopyFrom(msg.metadata)
            msg, kind = full, full.WhichOneof("type")
        elif msg.metadata.cacheable and msg.hash:
            if msg.hash in self.cache:
                self.cache[msg.hash][1] = self.cache_runs
            else:
                frag = msg.delta.fragment_id if kind == "delta" else ""
                self.cache[msg.hash] = [data, self.cache_runs, frag]

        if kind == "delta":
            self._delta(msg, now)
        elif kind == "new_session":
            ns = msg.new_session
            if ns.HasField("initialize"):
                self.session_id = ns.initialize.session_id
            if ns.HasField("config"):
                self.max_cache_age = ns.config.max_cached_message_age
            self.run_fragments = tuple(msg.metadata.run.fragment_ids)
            if self.full_open:  # the full run before ended without its script_finished
                self._full_end(lost=True)
            if not self.run_fragments:  # a full run: the frontend's cleanupAutoReruns()
                self._stop_timers()
                self.seen, self.seen_paths, self.full_open = set(), set(), True
        elif kind == "script_finished":
            status = msg.script_finished
            if msg.metadata.run.script_run_id:
                self.run_fragments = tuple(msg.metadata.run.fragment_ids)
            if self.run_fragments and status in (FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
                                                 FINISHED.FINISHED_EARLY_FOR_RERUN):
                self.fragment_runs.append(now)
            elif not self.run_fragments:
                if status == FINISHED.FINISHED_SUCCESSFULLY:  # the frontend's clearStaleNodes
                    for wid in [w for w in self.states if w not in self.seen]:
                        del self.states[wid]  # widgets no longer on the page lose their value
                    for path in [p for p in self.controls if p not in self.seen_paths]:
                        del self.controls[path]
                    self.full_runs += 1
                elif status == FINISHED.FINISHED_WITH_COMPILE_ERROR:
                    self.errors.append("script compile error")
                if self.full_open:
                    self._full_end(lost=False)
            if status != FINISHED.FINISHED_EARLY_FOR_RERUN:
                self._age_cache()
        elif kind == "auto_rerun":
            fid, interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
            self.auto_reruns.append(now)
            if fid and (fid not in self.timers or self.timers[fid][0] != interval):
                self._stop_timers([fid])
                task = asyncio.get_running_loop().create_task(self._timer(fid, interval))
                self.timers[fid] = (interval, task)
        elif kind == "stop_auto_rerun":
            self._stop_timers(list(msg.stop_auto_rerun.fragment_ids))
        elif kind == "navigation":
            nav = msg.navigation
            self.page_script_hash = nav.page_script_hash
            for p in nav.app_pages:
                if p.page_script_hash == nav.page_script_hash:
                    self.page_title = p.page_name
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "page_not_found":
            self.page_not_found = msg.page_not_found.page_name or self.path
            self.errors.append(f"page not found: /{self.path}")
            self.full_event.set()

    def _full_end(self, lost: bool) -> None:
        """A full run ended. `lost`: its script_finished never came, the next run started.
        AppSession ignores the events of a ScriptRunner that is no longer current; a timer's
        fragment rerun that arrives after a full run has stopped but before its events were
        handled starts a new ScriptRunner (app_session.request_rerun), and the full run's
        finish (sometimes its elements too) is never sent. The browser keeps what it shows."""
        self.full_open = False
        self.full_ended += 1
        self.full_lost += lost
        self.full_event.set()

    def _age_cache(self) -> None:
        """The frontend's ForwardMsgCache.incrementRunCount."""
        self.cache_runs += 1
        frags = self.run_fragments
        for key, (_, runs, frag) in list(self.cache.items()):
            if frags and (not frag or frag not in frags):
                continue
            if self.cache_runs - runs > self.max_cache_age:
                del self.cache[key]

    def _delta(self, msg, now: float) -> None:
        d = msg.delta
        if d.WhichOneof("type") != "new_element":
            return
        el = d.new_element
        kind = el.WhichOneof("type")
        if kind == "bidi_component" and el.bidi_component.component_name == LIVECHART:
            bc = el.bidi_component
            if self._follow_element(bc.json) or self._live_element(bc.id, bc.json, now):
                return
        if kind == "exception":
            text = f"{el.exception.type}: {el.exception.message}"
            self.exceptions.append(" ".join(text.split())[:300])
        elif kind is not None:
            w = getattr(el, kind)
            wid = getattr(w, "id", "")
            if not wid:
                return
            control = ("button" if kind == "button" else "toggle"
                       if kind == "checkbox" and w.type == Checkbox.TOGGLE else "")
            if control:
                path = tuple(msg.metadata.delta_path)
                self.controls[path] = (control, w.label, wid)
                self.seen_paths.add(path)
            if kind in NO_STATE:
                return
            self.seen.add(wid)
            if wid in self.states and not getattr(w, "set_value", False):
                return  # the frontend keeps the value it has
            state = widget_state(kind, w)
            if state is None:
                self.unknown_widgets.add(kind)
            else:
                self.states[wid] = state

    # -- numbers over a window --
    def epoch_at(self, t: float) -> int | None:
        """The epoch as last shown at time t (the first one shown if none yet)."""
        last = None
        for when, e, _ in self.epochs:
            if when > t:
                return last if last is not None else e
            last = e
        return last

    def stats(self, t0: float, t1: float, playing: tuple[float, float] | None = None) -> dict:
        """Numbers over the window t0..t1; `playing`: from the end of the Play run to the
        Pause click, for the fragment runs and auto_rerun messages while playing."""
        s = t1 - t0

        def rate(times):
            return sum(t0 <= t <= t1 for t in times) / s

        def count(times, span):
            return None if span is None else sum(span[0] <= t <= span[1] for t in times)

        def within(rows):
            return [r for r in rows if t0 <= r[0] <= t1]

        e0, e1 = self.epoch_at(t0), self.epoch_at(t1)
        polls, every = within(self.polls), [e for _, e in within(self.frame_every) if e]
        turns = within(self.turns)
        return {"name": self.name, "page": f"/{self.path}", "load_s": self.load_s,
                "refreshes_per_s": rate(self.refreshes),
                "frames_per_s": rate([t for t, _ in self.frames]),
                "fragment_runs_per_s": rate(self.fragment_runs),
                "auto_reruns_sent_per_s": rate(self.auto_sent),
                "fragment_runs_while_playing": count(self.fragment_runs, playing),
                "auto_rerun_msgs_while_playing": count(self.auto_reruns, playing),
                "epoch_start": e0, "epoch_end": e1,
                "epoch_rise": None if e0 is None or e1 is None else e1 - e0,
                "epoch_last": self.epoch,  # after Pause when stats are taken at the end
                "exceptions": len(self.exceptions), "disconnects": self.disconnects,
                "client_errors": len(self.errors), "timer_late_max_s": self.timer_late_max,
                "ref_hits": self.ref_hits, "full_runs_ended": self.full_ended,
                "full_runs_without_finish": self.full_lost, "bytes_in": self.bytes_in,
                "msgs_in": self.msgs_in,
                "refresh_times": [round(t - t0, 3) for t in self.refreshes if t0 <= t <= t1],
                **({} if self.conn is None else {
                    "polls_per_s": len(polls) / s, "polls": len(polls),
                    "polls_new": sum(new for _, _, new in polls),
                    "polls_404": sum(c == 404 for _, c, _ in polls),
                    "poll_errors": sum(t0 <= t <= t1 for t, _ in self.poll_errors),
                    "partial_reads": sum(t0 <= t <= t1 for t in self.partial_reads),
                    "poll_errors_all": len(self.poll_errors),
                    "poll_errors_text": list(dict.fromkeys(x for _, x in self.poll_errors))[:3],
                    "poll_connections": self.conn.reconnects,
                    "frame_ages_s": [round(a, 3) for t, a in self.frame_ages if t0 <= t <= t1],
                    "frame_gzip_json_bytes": self.frame_sizes[-1] if self.frame_sizes
                    else None}),
                **({} if self.follow is None else {"follow": self.follow}),
                **({} if self.live is None else {
                    "live": self.live["live"], "element_every_s": self.every_playing,
                    "every_median_s": statistics.median(every) if every else None,
                    "turn_train_ms": statistics.median(x[1] for x in turns) if turns else None,
                    "turn_draw_ms": statistics.median(x[2] for x in turns) if turns else None})}


# -- the benchmark -------------------------------------------------------------------------
class Rss:
    """The server's RSS every RSS_EVERY_S seconds from an asyncio task, labelled by phase."""

    def __init__(self, server: h.Server):
        self.server = server
        self.t0 = time.monotonic()
        self._phase = ""
        self.phase = "fresh"
        self.samples: list[tuple[float, str, float]] = []
        self.health: list[tuple[float, str, float]] = []  # health check seconds
        self.task: asyncio.Task | None = None
        self.health_task: asyncio.Task | None = None

    @property
    def phase(self) -> str:
        return self._phase

    @phase.setter
    def phase(self, name: str) -> None:
        """Each phase starts with a progress line (a stalled server shows where)."""
        if name != self._phase:
            print(f"[{time.monotonic() - self.t0:5.0f} s] {name}", flush=True)
        self._phase = name

    def sample(self) -> float:
        v = self.server.rss_mb()
        self.samples.append((time.monotonic(), self.phase, v))
        return v

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(RSS_EVERY_S)

    async def _health(self) -> None:
        """How long /_stcore/health takes: answered by the server's event loop, so it shows
        when that loop is starved (it also sends every ForwardMsg)."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

        def once() -> float:
            t = time.monotonic()
            try:
                with opener.open(self.server.url + "/_stcore/health", timeout=60) as r:
                    r.read()
            except OSError:
                return float("inf")
            return time.monotonic() - t

        while True:
            phase = self.phase
            self.health.append((time.monotonic(), phase, await asyncio.to_thread(once)))
            await asyncio.sleep(RSS_EVERY_S)

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())
        self.health_task = asyncio.get_running_loop().create_task(self._health())

    async def stop(self) -> None:
        for task in (self.task, self.health_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def values(self, phase: str) -> list[float]:
        return [v for _, p, v in self.samples if p == phase]

    def health_in(self, phase: str) -> list[float]:
        return [v for _, p, v in self.health if p == phase]

    async def settle(self, phase: str, seconds: float) -> float:
        """Sample for `seconds` under `phase`; the mean."""
        self.phase = phase
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.sample()
            await asyncio.sleep(min(0.5, max(0.0, end - time.monotonic())))
        return statistics.fmean(self.values(phase))


class LoopLag:
    """How late this process's event loop wakes up (a lagging client polls late)."""

    def __init__(self):
        self.lags: list[float] = []
        self.task: asyncio.Task | None = None

    async def _run(self) -> None:
        while True:
            t = time.monotonic()
            await asyncio.sleep(0.05)
            self.lags.append(time.monotonic() - t - 0.05)

    def start(self) -> None:
        self.lags.clear()
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


def cpu_self() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def open_all(clients: list[Client]) -> list[str]:
    """Open the clients, OPEN_AT_ONCE at a time, within OPEN_TIMEOUT_S in all; the failures."""
    gate = asyncio.Semaphore(OPEN_AT_ONCE)
    deadline = time.monotonic() + OPEN_TIMEOUT_S

    async def one(c):
        async with gate:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"not opened: {OPEN_TIMEOUT_S:.0f} s for the class are over")
            await c.open(left)

    results = await asyncio.gather(*(one(c) for c in clients), return_exceptions=True)
    return [f"{c.name}: {r}" for c, r in zip(clients, results, strict=True)
            if isinstance(r, BaseException)]


async def reap(url: str) -> None:
    """One short session on the home page: Streamlit's session store drops expired
    (disconnected, past the TTL) sessions only when an entry is stored or deleted."""
    c = Client("reaper", url, "")
    try:
        await c.open(60)
    finally:
        await c.close()


async def warm_up(server: h.Server, rss: Rss, query: str, ttl: float,
                  pages: tuple[str, ...]) -> tuple[float, float]:
    """RSS of the fresh server, then after one session per page (train plays 3 s) came and
    went: (fresh MB, warm MB)."""
    await asyncio.sleep(2.0)  # the server settles after its health check (as bench_soak)
    fresh = await rss.settle("fresh", 3.0)
    rss.phase = "warm-up"
    for page in pages:
        c = Client(f"warm-up {page}", server.url, page, query if page == "train" else "")
        try:
            await c.open()
            if page == "train" and "Play" in c.buttons:
                await c.click("Play")
                await asyncio.sleep(3.0)
                await c.click("Pause")
            else:
                await asyncio.sleep(2.0)
        finally:
            await c.close()
    await asyncio.sleep(ttl + 2)
    await reap(server.url)
    warm = await rss.settle("idle", 5.0)
    return fresh, warm


async def play_window(clients: list[Client], server: h.Server, rss: Rss, warmup: float,
                      seconds: float, phase: str) -> dict:
    """Wait out the warm-up, measure the window; CPU, RSS, loop lag."""
    rss.phase = f"{phase}-warmup"
    await asyncio.sleep(warmup)
    rss.phase = phase
    lag = LoopLag()
    lag.start()
    t0, cpu0, me0 = time.monotonic(), server.cpu_seconds(), cpu_self()
    bytes0 = sum(c.bytes_in for c in clients)
    await asyncio.sleep(seconds)
    t1, cpu1, me1 = time.monotonic(), server.cpu_seconds(), cpu_self()
    bytes1 = sum(c.bytes_in for c in clients)
    rss.sample()
    await lag.stop()
    lags = sorted(lag.lags) or [0.0]
    return {"t0": t0, "t1": t1, "seconds": t1 - t0,
            "server_cpu_pct": 100 * (cpu1 - cpu0) / (t1 - t0),
            "client_cpu_pct": 100 * (me1 - me0) / (t1 - t0),
            "client_loop_lag_p99_ms": 1000 * lags[int(0.99 * (len(lags) - 1))],
            "client_loop_lag_max_ms": 1000 * lags[-1],
            "kb_in_per_s": (bytes1 - bytes0) / 1024 / (t1 - t0)}


async def read_frame(c: Client) -> tuple[int, int | None] | None:
    """(seq, epoch) of the client's frame file now, on a connection of its own; None if
    it could not be read."""
    conn = HttpConn(c.base, c.xsrf, c.url)
    try:
        status, _, body, _ = await asyncio.wait_for(
            conn.get("/" + c.live_url.lstrip("/"), frame=True), POLL_TIMEOUT_S)
        if status not in FRAME_OK or not frame_whole(body):
            return None
        frame, _ = decode_frame(body)
        return frame["seq"], frame_epoch(frame)
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, KeyError):
        return None
    finally:
        conn.close()


async def pause_and_check(clients: list[Client]) -> list[bool]:
    """Press Pause in each (a full run: the Pause callback, then the page, whose live
    element now says not playing and carries the frame of the run as it is then). True
    where: that element says not playing; its frame is the last one (the frame file read
    at once, PAUSE_CHECK_S / 2 and PAUSE_CHECK_S later keeps the same seq, below the
    inline frame's: the trainer wrote nothing after Pause) and shows no later epoch; the
    client's polling loop has ended (the browser's stops at its next turn)."""
    results = await asyncio.gather(*(c.click("Pause", timeout=60) for c in clients),
                                   return_exceptions=True)
    done = time.monotonic()
    reads = [await asyncio.gather(*(read_frame(c) for c in clients))]
    for _ in range(2):
        await asyncio.sleep(PAUSE_CHECK_S / 2)
        reads.append(await asyncio.gather(*(read_frame(c) for c in clients)))
    ok = []
    for i, (c, r) in enumerate(zip(clients, results, strict=True)):
        if isinstance(r, BaseException):
            c.errors.append(f"Pause: {r}")
            ok.append(False)
            continue
        why = []
        inline = c.inline or {}
        files = [x[i] for x in reads]
        if c.live is None or c.live["playing"] or inline.get("playing"):
            why.append("the Pause run's live element still says playing")
        if None in files:
            why.append("the frame file could not be read after Pause")
        elif len({f[0] for f in files}) > 1 or files[0][0] > inline.get("seq", 0):
            why.append("frames were written after the Pause run: seq "
                       + " -> ".join(str(f[0]) for f in files)
                       + f" (the Pause run's frame: {inline.get('seq')}); epoch "
                       + " -> ".join(str(f[1]) for f in files))
        elif inline.get("epoch") is None or files[-1][1] > inline["epoch"]:
            why.append(f"the frame file shows epoch {files[-1][1]}, after the Pause run's "
                       f"{inline.get('epoch')}")
        late = [t for t, _, _ in c.polls if t > done + 1.0]
        if late or (c.live_task is not None and not c.live_task.done()):
            why.append(f"the page kept polling its frame after Pause ({len(late)} requests "
                       "more than 1 s after the Pause run)")
        c.errors.extend(f"Pause: {w}" for w in why)
        ok.append(not why)
    return ok


async def classroom(args, server: h.Server) -> dict:
    rss = Rss(server)
    rss.start()
    query = f"preset={args.preset}" if args.preset else ""
    clients: list[Client] = []
    try:
        fresh, warm = await warm_up(server, rss, query, args.ttl, ("train",))
        clients += [Client(f"s{i + 1}", server.url, "train", query)
                   for i in range(args.sessions)]
        rss.phase = "open"
        t_open = time.monotonic()
        failed = await open_all(clients)
        open_s = time.monotonic() - t_open
        live = [c for c in clients if c.full_ended]
        rss.phase = "play"
        results = await asyncio.gather(*(c.click("Play") for c in live), return_exceptions=True)
        failed += [f"{c.name}: Play: {r}" for c, r in zip(live, results, strict=True)
                   if isinstance(r, BaseException)]
        played = time.monotonic()
        window = await play_window(live, server, rss, args.warmup, args.seconds, "window")
        rss.phase = "pause"
        paused = time.monotonic()
        stopped = await pause_and_check(live)
        peak = max(rss.values("window"), default=None)
        mean = statistics.fmean(rss.values("window")) if rss.values("window") else None
        sessions = [c.stats(window["t0"], window["t1"], (played, paused)) for c in clients]
        for s, c in zip(sessions, clients, strict=True):
            s["stopped_after_pause"] = stopped[live.index(c)] if c in live else False
            s["errors_text"] = (c.exceptions + c.errors + c.notes)[:5]
            s["unknown_widgets"] = sorted(c.unknown_widgets)
        return {"scenario": "classroom", "page": f"/train{'?' + query if query else ''}",
                "n": args.sessions, "failed": failed, "open_s": open_s, "window": window,
                "rss": {"fresh": fresh, "idle": warm, "window_mean": mean, "window_peak": peak,
                        "per_session": None if peak is None else (peak - warm) / args.sessions,
                        "samples": [(round(t, 2), p, round(v, 1)) for t, p, v in rss.samples],
                        "health_window_s": rss.health_in("window"),
                        "health_samples": [(round(t, 2), p, round(v, 3))
                                           for t, p, v in rss.health]},
                "sessions": sessions}
    finally:
        await rss.stop()
        await asyncio.gather(*(c.close() for c in clients))


async def follow(args, server: h.Server) -> dict:
    rss = Rss(server)
    rss.start()
    query = f"preset={args.preset}" if args.preset else ""
    lecturer = Client("lecturer", server.url, "train", query)
    viewers: list[Client] = []
    try:
        fresh, warm = await warm_up(server, rss, query, args.ttl, ("train", "watch"))
        rss.phase = "lecturer"
        await lecturer.open()
        await lecturer.set_toggle(SHARE_TOGGLE, True)
        await lecturer.click("Play")
        played = time.monotonic()
        alone = await rss.settle("lecturer", 5.0)
        viewers = [Client(f"v{i + 1}", server.url, "watch") for i in range(args.sessions)]
        rss.phase = "open"
        t_open = time.monotonic()
        failed = await open_all(viewers)
        open_s = time.monotonic() - t_open
        wrong = [v.name for v in viewers if v.full_ended and v.page_title != WATCH_TITLE]
        if wrong:
            failed.append(f"{len(wrong)} viewers landed on a page titled "
                          f"{viewers[0].page_title!r}, not {WATCH_TITLE!r}")
        window = await play_window([lecturer, *viewers], server, rss, args.warmup,
                                   args.seconds, "window")
        rss.phase = "pause"
        paused = time.monotonic()
        stopped = await pause_and_check([lecturer])
        peak = max(rss.values("window"), default=None)
        mean = statistics.fmean(rss.values("window")) if rss.values("window") else None
        rows = [c.stats(window["t0"], window["t1"], (played, paused))
                for c in [lecturer, *viewers]]
        for s, c in zip(rows, [lecturer, *viewers], strict=True):
            s["errors_text"] = (c.exceptions + c.errors + c.notes
                                + s.get("poll_errors_text", []))[:5]
            s["unknown_widgets"] = sorted(c.unknown_widgets)
        rows[0]["stopped_after_pause"] = stopped[0]
        polling = sum(v.follow is not None for v in viewers)
        if polling and polling < len(viewers):
            failed.append(f"{len(viewers) - polling} viewers got no follow element on /watch")
        return {"scenario": "follow", "page": "/watch", "n": args.sessions, "failed": failed,
                "open_s": open_s, "window": window,
                "rss": {"fresh": fresh, "idle": warm, "lecturer_alone": alone,
                        "window_mean": mean, "window_peak": peak,
                        "per_session": None if peak is None else (peak - alone) / args.sessions,
                        "samples": [(round(t, 2), p, round(v, 1)) for t, p, v in rss.samples],
                        "health_window_s": rss.health_in("window"),
                        "health_samples": [(round(t, 2), p, round(v, 3))
                                           for t, p, v in rss.health]},
                "lecturer": rows[0], "sessions": rows[1:]}
    finally:
        await rss.stop()
        await asyncio.gather(lecturer.close(), *(v.close() for v in viewers))


# -- report --------------------------------------------------------------------------------
def spread(values: list[float], digits: int = 2) -> str:
    if not values:
        return "-"
    return " / ".join(f"{v:.{digits}f}" for v in
                      (min(values), statistics.median(values), max(values)))


def _ages(rows: list[dict]) -> str:
    ages = [a for x in rows for a in x.get("frame_ages_s", ())]
    return " / ".join(h.fmt(v, 2) for v in (h.quantile(ages, 0.5), h.quantile(ages, 0.9),
                                            max(ages, default=None)))


def _sizes(rows: list[dict]) -> str:
    sizes = [x["frame_gzip_json_bytes"] for x in rows if x.get("frame_gzip_json_bytes")]
    gz, js = ([statistics.median(v) / 1024 for v in zip(*sizes, strict=True)] if sizes
              else (None, None))
    return f"{h.fmt(gz, 0)} / {h.fmt(js, 0)}"


def _total(rows: list[dict], key: str) -> str:
    values = [x.get(key) for x in rows]
    return "-" if any(v is None for v in values) else str(sum(values))


def live_rows(s: list[dict], who: str) -> list[list[str]]:
    """The summary rows of the Train page's live element polling its session's frames."""
    polling = [x for x in s if "polls_per_s" in x and "follow" not in x]
    polls, new = sum(x["polls"] for x in polling), sum(x["polls_new"] for x in polling)
    every = [x["every_median_s"] for x in polling if x.get("every_median_s")]
    at_play = [x["element_every_s"] for x in polling if x.get("element_every_s")]
    train = [x["turn_train_ms"] for x in polling if x.get("turn_train_ms") is not None]
    draw = [x["turn_draw_ms"] for x in polling if x.get("turn_draw_ms") is not None]
    return [
        [f"new frames shown/s per {who} (min / median / max)",
         spread([x["frames_per_s"] for x in s])],
        [f"frame requests/s per {who} (min / median / max)",
         spread([x["polls_per_s"] for x in polling])],
        [f"frame requests answered with a new frame (all {who}s)",
         f"{100 * new / polls:.0f} % of {polls}" if polls else "-"],
        ["poll interval (s) the live element said when Play ran (min / median / max)",
         spread(at_play, 3)],
        [f"poll interval (s) the polled frames said (min / median / max of the {who}s' "
         "medians)", spread(every, 3)],
        [f"frame requests in the window: 404 / errors / partial reads (all {who}s)",
         f"{sum(x['polls_404'] for x in polling)} / {sum(x['poll_errors'] for x in polling)}"
         f" / {sum(x['partial_reads'] for x in polling)}"],
        ["frame age when shown (polled): median / p90 / max (s)", _ages(polling)],
        [f"frame size gzip / JSON (KB, median of the {who}s' last)", _sizes(polling)],
        ["trainer turn: training / drawing ms (median of the sessions' medians)",
         f"{h.fmt(statistics.median(train) if train else None, 0)} / "
         f"{h.fmt(statistics.median(draw) if draw else None, 0)}"],
        [f"fragment runs / auto_rerun messages while playing (all {who}s)",
         f"{_total(s, 'fragment_runs_while_playing')} / "
         f"{_total(s, 'auto_rerun_msgs_while_playing')}"],
    ]


def summary(r: dict, server_problems: list[str]) -> tuple[str, list[str]]:
    """The summary table and the target lines."""
    who = "session" if r["scenario"] == "classroom" else "viewer"
    s, w, m = r["sessions"], r["window"], r["rss"]
    refresh = [x["refreshes_per_s"] for x in s]
    rises = [x["epoch_rise"] for x in s if x["epoch_rise"] is not None]
    loads = [x["load_s"] for x in s if x["load_s"] is not None]
    rows = [
        [f"{who}s", f"{r['n']} on {r['page']}, {w['seconds']:.0f} s window"],
        [f"refreshes/s per {who} (min / median / max)", spread(refresh)],
        *(live_rows(s, who) if r["scenario"] == "classroom" else []),
        [f"epoch rise in the window per {who} (min / median / max)",
         spread(rises, 0) if rises else "- (no epoch seen)"],
        [f"page load s (min / median / max; {OPEN_AT_ONCE} at a time)", spread(loads, 1)],
        ["server CPU (% of one core)", f"{w['server_cpu_pct']:.0f}"],
        ["server's /_stcore/health answer in the window: median / max (s)",
         spread(m["health_window_s"], 2).split(" / ", 1)[1] if m["health_window_s"] else "-"],
        ["client CPU, all websocket clients (% of one core)", f"{w['client_cpu_pct']:.0f}"],
        ["client event-loop lag p99 / max (ms)",
         f"{w['client_loop_lag_p99_ms']:.0f} / {w['client_loop_lag_max_ms']:.0f}"],
        ["received from the server (KB/s, all)", f"{w['kb_in_per_s']:.0f}"],
        ["server RSS fresh / idle after warm-up (MB)", f"{m['fresh']:.0f} / {m['idle']:.0f}"],
    ]
    if r["scenario"] == "follow":
        lec = r["lecturer"]
        rows[1:1] = [
            ["lecturer: refreshes/s, new frames/s, frame requests/s, epoch rise in the window",
             f"{lec['refreshes_per_s']:.2f}, {lec['frames_per_s']:.2f}, "
             f"{lec.get('polls_per_s', 0):.2f}, {h.fmt(lec['epoch_rise'], 0)}"],
            ["lecturer: fragment runs / auto_rerun messages while playing",
             f"{h.fmt(lec['fragment_runs_while_playing'], 0)} / "
             f"{h.fmt(lec['auto_rerun_msgs_while_playing'], 0)}"]]
        rows.append(["server RSS, lecturer playing alone (MB)", f"{m['lecturer_alone']:.0f}"])
        at = next(i for i, row in enumerate(rows) if row[0].startswith("received")) + 1
        rows[at:at] = follow_rows(s)
    rows += [
        [f"server RSS with the {who}s: mean / peak (MB)",
         f"{h.fmt(m['window_mean'], 0)} / {h.fmt(m['window_peak'], 0)}"],
        [f"memory per {who} (MB)", h.fmt(m["per_session"])],
        ["errors: exception elements / disconnects / client-side",
         f"{sum(x['exceptions'] for x in s)} / {sum(x['disconnects'] for x in s)} / "
         f"{sum(x['client_errors'] for x in s)}"],
        ["full runs (page loads, clicks) whose script_finished never came",
         f"{sum(x['full_runs_without_finish'] for x in s)} of "
         f"{sum(x['full_runs_ended'] for x in s)}"],
        ["server log error lines", str(len(server_problems))],
        ["sessions that failed to open or play", str(len(r["failed"]))],
    ]
    at = next(i for i, row in enumerate(rows) if row[0].startswith("epoch rise")) + 1
    if r["scenario"] == "classroom":
        rows.insert(at, ["epoch stopped after Pause (no frame written after it)",
                         f"{sum(bool(x.get('stopped_after_pause')) for x in s)}/{len(s)}"])
    else:
        rows.insert(3, ["lecturer's epoch stopped after Pause (no frame written after it)",
                        "yes" if r["lecturer"].get("stopped_after_pause") else "NO"])
    target_n = TARGET_SESSIONS if r["scenario"] == "classroom" else TARGET_VIEWERS
    lines = []
    worst = min(refresh) if refresh else 0.0
    ok = worst >= TARGET_REFRESH and not r["failed"] and len(s) >= target_n
    note = f"min {worst:.2f}/s with {r['n']} {who}s"
    if r["n"] < target_n:
        note += f"; run with --sessions {target_n} to test the target"
    lines.append(f"target: {target_n} {who}s each >= {TARGET_REFRESH:g} refreshes/s: "
                 f"{'met' if ok else 'NOT MET'} ({note})")
    per = m["per_session"]
    lines.append(f"target: memory per {who} <= {TARGET_MB:g} MB: "
                 f"{'met' if per is not None and per <= TARGET_MB else 'NOT MET'} "
                 f"({h.fmt(per)} MB)")
    return h.table(["measure", "value"], rows), lines


def follow_rows(s: list[dict]) -> list[list[str]]:
    """The summary rows of the viewers' frame polling (follow mode)."""
    polling = [x for x in s if "follow" in x]
    if not polling:
        return [["viewers polling the shared frame", f"0/{len(s)} (no follow element "
                 "on /watch: this app redraws viewers from fragments)"]]
    cfg = polling[0]["follow"]
    return [
        ["viewers polling the shared frame (follow element on /watch)",
         f"{len(polling)}/{len(s)}: {cfg['follow']} every {cfg['every']:g} s "
         f"(idle {cfg['idle']:g} s)"],
        ["frame requests/s per viewer (min / median / max)",
         spread([x["polls_per_s"] for x in polling])],
        ["frame requests/s, all viewers", f"{sum(x['polls_per_s'] for x in polling):.0f}"],
        ["frame requests in the window: 404 / errors / partial reads (all viewers)",
         f"{sum(x['polls_404'] for x in polling)} / {sum(x['poll_errors'] for x in polling)}"
         f" / {sum(x['partial_reads'] for x in polling)}"],
        ["frame age when a new frame arrived: median / p90 / max (s)", _ages(polling)],
        ["frame size gzip / JSON (KB, median of the viewers' last)", _sizes(polling)],
        ["heartbeat fragment runs/s per viewer (min / median / max)",
         spread([x["fragment_runs_per_s"] for x in polling])],
        ["HTTP connections opened per viewer (max)",
         str(max(x["poll_connections"] for x in polling))],
    ]


def session_table(rows: list[dict]) -> str:
    out = []
    for x in rows:
        polls = "polls_per_s" in x
        out.append([x["name"], h.fmt(x["load_s"], 1), f"{x['refreshes_per_s']:.2f}",
                    f"{x['frames_per_s']:.2f}" if "live" in x else "-",
                    f"{x['polls_per_s']:.2f}" if polls else "-",
                    h.fmt(x.get("every_median_s"), 2),
                    f"{x['polls_404']} / {x['poll_errors']}" if polls else "-",
                    f"{x['fragment_runs_per_s']:.2f}",
                    f"{h.fmt(x['epoch_start'], 0)} -> {h.fmt(x['epoch_end'], 0)}",
                    str(x["exceptions"]), str(x["disconnects"]), str(x["client_errors"]),
                    {True: "yes", False: "NO"}.get(x.get("stopped_after_pause"), "-")])
    return h.table(["session", "load s", "refreshes/s", "new frames/s", "frame requests/s",
                    "every s", "404 / errors", "fragment runs/s", "epoch (window)",
                    "exceptions", "disconnects", "client errors", "stopped on Pause"], out)


# -- main ----------------------------------------------------------------------------------
def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, default=None,
                   help="sessions (default 30), or viewers with --follow (default 100)")
    p.add_argument("--seconds", type=float, default=None,
                   help="measured seconds of play after the warm-up (default 60)")
    p.add_argument("--warmup", type=float, default=5.0,
                   help="seconds of play after every Play before the window")
    p.add_argument("--preset", default="", help="open /train?preset=NAME (default: none)")
    p.add_argument("--follow", action="store_true",
                   help="follow the lecturer: one lecturer on /train, viewers on /watch")
    p.add_argument("--ttl", type=int, default=5, help="--server.disconnectedSessionTTL (s)")
    p.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE",
                   help="extra environment for the server, for diagnosis only; by default "
                        "the server runs as the README says")
    p.add_argument("--json", metavar="PATH", help="write the raw numbers to PATH")
    p.add_argument("--per-session", action="store_true",
                   help="print one row per session even when there are more than 30")
    p.add_argument("--quick", action="store_true", help="5 sessions (10 viewers), 15 s")
    args = p.parse_args(argv)
    if args.sessions is None:
        args.sessions = (10 if args.follow else 5) if args.quick else (
            TARGET_VIEWERS if args.follow else TARGET_SESSIONS)
    if args.seconds is None:
        args.seconds = 15.0 if args.quick else 60.0
    if args.sessions < 1 or args.seconds <= 0 or args.warmup < 0:
        p.error("--sessions must be >= 1, --seconds > 0, --warmup >= 0")
    if any("=" not in kv for kv in args.server_env):
        p.error("--server-env takes KEY=VALUE")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    t_start = time.monotonic()
    name = "follow the lecturer" if args.follow else "classroom"
    print(f"# rnnviz {name}: concurrent sessions as websocket clients\n")
    print(f"date: {datetime.datetime.now().isoformat(timespec='seconds')}")
    start_load = h.load_line("at start")
    print(start_load)
    who = "viewers on /watch + 1 lecturer" if args.follow else "sessions on /train"
    print(f"{args.sessions} {who}, preset {args.preset or '(app default)'}, "
          f"{args.warmup:g} s warm-up + {args.seconds:g} s window; "
          f"--server.disconnectedSessionTTL {args.ttl}")
    if args.server_env:
        print(f"DIAGNOSTIC server environment: {' '.join(args.server_env)}")
    print()
    extra_env = dict(kv.split("=", 1) for kv in args.server_env)
    with h.Server(["--server.disconnectedSessionTTL", str(args.ttl)], extra_env) as server:
        try:
            result = asyncio.run((follow if args.follow else classroom)(args, server))
        except (RuntimeError, TimeoutError, OSError) as e:
            print(f"could not run the scenario: {e}")
            if args.follow and ("watch" in str(e) or SHARE_TOGGLE in str(e)):
                print(f"(the follow mode needs /watch ({WATCH_TITLE!r}) and the toggle "
                      f"{SHARE_TOGGLE!r} on the Train page; this checkout may not have them)")
            for line in server.log_problems()[:10]:
                print(f"  server: {line[:400]}")
            return 2
        problems = server.log_problems()
    table, targets = summary(result, problems)
    print("## Summary\n")
    print(table)
    if len(result["sessions"]) <= 30 or args.per_session:
        print("\n## Sessions\n")
        rows = result["sessions"]
        if args.follow:
            rows = [result["lecturer"], *rows]
        print(session_table(rows))
    print("\n/train (live element): refresh = a frame shown (sent inline by a page run or "
          "polled from the session's frame file) whose learning-curve chart id (ids['loss']) "
          "differs from the one shown before; new frames = frames shown; epoch = the "
          "'Epoch' of the frame shown at the window's start and end; every = median of the "
          "frames' suggested poll interval.")
    if args.follow:
        print("/watch (follow element): refresh = a frame received whose seq is not the one "
              "drawn before; epoch = that frame's epoch; frame age = receipt time - the "
              "frame's `written`; fragment runs = the heartbeat fragment's. HTTP bytes count "
              "in 'received'.")
    rows = ([result["lecturer"]] if args.follow else []) + result["sessions"]
    grouped: dict[str, list[str]] = {}  # the same problem in many sessions: one line
    for line in result["failed"]:
        name = line.split(":", 1)[0]
        grouped.setdefault("failed: " + line.replace(f"{name}: ", ""), []).append(name)
    for x in rows:
        for line in x["errors_text"][:2]:
            grouped.setdefault(line.replace(f"{x['name']}: ", ""), []).append(x["name"])
    for line, names in list(grouped.items())[:15]:
        who = names[0] if len(names) == 1 else f"{len(names)} sessions ({', '.join(names[:3])}"
        who += "" if len(names) == 1 else (", ...)" if len(names) > 3 else ")")
        print(f"  {who}: {line[:300]}")
    unknown = sorted({k for x in rows for k in x["unknown_widgets"]})
    if unknown:
        print(f"  widget types this client does not emulate (no value sent): {unknown}")
    for line in problems[:10]:
        print(f"  server log: {line[:400]}")
    print()
    for line in targets:
        print(line)
    end_load = h.load_line("at end")
    print(f"\n{end_load}")
    print(f"total benchmark time: {time.monotonic() - t_start:.0f} s")
    if args.json:
        out = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
               "args": vars(args), "load_at_start": start_load, "load_at_end": end_load,
               "targets": targets, "server_log_problems": problems, **result}
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
        print(f"raw numbers: {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
