"""How often the Train page's charts change while playing, and what one trainer turn costs.

The page (rnnviz.ui.player.panel) mounts one rnnviz.livechart element (Streamlit components
v2, key "train_live") whose data carries the run's frame inline and the URL of the
session's frame file, app/static/live/<token>.gz. While the run plays, the server's
trainer thread (rnnviz.live.feed.Trainer) gives it turns: `Feed.turn` trains for its share of
BUDGET, draws the charts (per-epoch charts at most every EPOCH_VIEW_EVERY s, the learning
curves every turn) and writes the frame file (frames.pack: a 41-byte header
"rnnviz-frame <seq> <gzip length>", gzip JSON, zero padding); the browser fetches that
file every `every` s and redraws the charts whose id changed with Plotly.react, each in
its `div.rnnviz-chart` (`.js-plotly-plot`). No script runs while the run plays.

For each preset (default `sentiment-modern`, then `sine`) this serves the app as the README
does (`python -m rnnviz.serve --server.port <free> --server.address 127.0.0.1
--server.headless true`, OPENBLAS_NUM_THREADS=1; a fresh server per preset), opens
/train?preset=<name> in Debian's Chromium (headless, tests/browser.py's flags, viewport
1400x1100), presses Play and watches for --seconds.

In the browser (a sampler injected before Play; the window starts at the click):
  - chart-0 changes/s ("refreshes/s"): every --sample-ms (default 50 ms, setInterval) the
    first chart on the page (the learning curves, found by its title) is compared with the
    previous sample as JSON.stringify(gd.data); each difference is one change. 20/s is the
    most it can see; a busy main thread delays the samples (their count is printed).
  - epoch changes/s: how often the "Epoch" metric's text changes (same samples; the
    metrics are the live element's `.rnnviz-metric` / `.rnnviz-metric-value` divs).
  - every painted frame (requestAnimationFrame): in-place redraws/s = how often a chart
    node's `gd.data` object is replaced (Plotly.react sets a new one per update), per
    chart; remounts = chart DOM nodes not seen before (~0 expected: a chart keeps its div,
    and `layout.uirevision` its zoom); the charts at rest still connected at the end (the
    same `.js-plotly-plot` nodes: all expected); flicker = frames with fewer
    `.js-plotly-plot` charts than at rest (just before Play), a chart that showed traces
    and has none now (curves start empty at epoch 0: not flicker), a chart without height,
    or a loading skeleton. Counted over the window and after its first 2 s (the click on
    Play reruns the whole script once).
  - Plotly.react: the sampler wraps window.Plotly.react (the chart code calls it on the
    same object): calls/s, main-thread ms per call (its synchronous part: defaults, calc,
    drawing) and ms until its promise resolves; their sum per frame polled; and per chart
    (by title, numbers in it masked).
  - faded: samples in which a chart's element container has opacity < 0.99 (Streamlit
    fading stale elements: ~0 expected, no script runs).
  - browser busy: the renderer main thread's time in tasks over the window (CDP
    Performance.getMetrics TaskDuration: scripts, style, layout, paint), and the sum of
    Long Tasks (main-thread tasks > 50 ms) alone.
  - cold start: server launched (just before Popen; the browser's page is open already)
    -> first chart visible; the median of --cold-runs fresh launches (default 5, each a new
    server and a new browser, the presets taking turns), and for the first of them the
    server's health check and the page's load event on the way, and in the page (Resource
    Timing): when plotly.js was requested (the first component mounting) and received;
    warm visit: a second browser context on the same server, goto -> first chart.

The frame file, as the browser fetches it (Playwright `page.on("response")` on
/app/static/live/, each body unpacked as frames.unpack does):
  - polls/s and the poll period (the element's fetches), frames seen/s (fetches that
    brought a new seq number), the frame's age when it arrived (arrival - its `written`
    time: the poll's phase plus the server's latency), `every` (the poll interval the
    trainer suggests).
  - train ; draw ms per turn: the server's own numbers, from each new frame's note
    ("last turn: N ms training, M ms drawing"); Steps / s and ms / epoch from its status.
  - frames written/s: the seq of the session's frame file on disk (./static/live/<token>.gz,
    the token from the polled URL), read after the first SETTLE_S s and at the end.
  - server CPU ms per frame: user+system CPU of the server process (/proc/<pid>/stat) over
    that same late window divided by the frames written in it; of it the trainer thread's
    (/proc/<pid>/task/<tid>/stat: the thread that started with Play and used the most CPU)
    and the rest (the event loop serving the polls, Streamlit's own upkeep). Training CPU
    per frame = the trainer's CPU per frame split as the notes' mean train : draw ms;
    server CPU per frame minus it is the server time per frame spent beyond training
    (drawing, gzip, the file write, serving the polls), the figure judged against the
    target; minus the median train ms of the notes instead (the plain reading) it comes
    out lower whenever the trainer waits for a core or the GIL (wall time, not CPU).
  - the largest frame file as served (bytes, padding included), the gzip length its header
    gives, and the frame JSON inflated.

On the websocket (Playwright `page.on("websocket")` + `framereceived` for sizes; a CDP
session's Network.webSocketFrame* events, decoded as Streamlit ForwardMsg / BackMsg):
  - script runs while playing: ForwardMsg script_finished after the Play click's own run,
    by status (fragment runs = FINISHED_FRAGMENT_RUN_SUCCESSFULLY); 0 expected; and the
    messages and bytes received after the Play click's run finished, the BackMsgs sent
    after the click (rerun requests: 0 expected).
  - the largest websocket message: its size and what it carries (the live element carries
    the whole frame inline); the last inline frame received (the Pause click's, or Play's)
    is checked for float32 and downsampling as the polled frames are (the last new one).

In-process (no browser, after the browser runs, OPENBLAS_NUM_THREADS=1): a TrainingRun of
the same preset as the page builds it (config.preset_config), in a
`feed.Feed(run, threading.RLock(), folder=<temporary folder>)` with `playing = True`;
`feed.turn(feed.BUDGET)` is called --ticks times after 3 warm-up turns, on the trainer's
schedule alone (a turn starts every pace.interval(TICK, 1) s, or after a rest as long as
KEEP asks: so the per-epoch charts are rebuilt as often as when served). Per turn: total
ms, training (TrainingRun.advance) and drawing = the rest (figures, to_json, frame JSON,
gzip, file write; checked against the feed's own split, Feed.turn_ms, which the note
shows); beyond the budget = turn - min(train, BUDGET). Spies (see `Spy`) split
the drawing: the per-epoch figures (lessons.training.train_figures, and within them the
history frame and from_trace / sine view), the learning curves (TrainScene.fast), to_json (and
its float32 re-encoding), the status and task view, the frame JSON (frames.frame_json:
ids hashed, charts spliced), gzip (frames.pack) and the write (frames.write_atomic).
Turns that rebuilt the per-epoch charts are reported apart from curves-only ones. The last
frame file is unpacked: bytes per chart, the dtypes of the arrays in each plotly figure
(f4 = float32; f8 is expected only for values outside float32's range), plain JSON number
lists (not typed arrays) and curve lengths. A long run (--long-seconds of training in one
go, also on `hello-world`, whose epochs are fastest; then 12 turns on the same schedule)
shows how the draw time grows with the history. TICK, BUDGET, KEEP and EPOCH_VIEW_EVERY
are read from rnnviz.live.feed, never assumed. --quick: 8 s of play, 20 turns, 5 s long
runs (about 90 s in all).

    python benchmarks/bench_live.py [--quick] [--preset NAME] [--also NAME ...]
                                    [--seconds S] [--ticks N] [--long-seconds S]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime
import gzip
import json
import os
import re
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the server; before numpy loads

import _harness as h  # noqa: E402

TARGET_REFRESH = 10.0  # chart refreshes per second on the default preset
TARGET_BEYOND_MS = 15.0  # server time per turn (frame) beyond the training budget
TARGET_COLD_S = 3.0  # launch server -> first chart visible
SETTLE_S = 2.0  # the first seconds after Play (a whole-script rerun) reported apart
LIVECHART = "rnnviz.livechart"  # rnnviz.ui.livechart.NAME, the live element's component
LIVE_URL = "/app/static/live/"  # where the frame files are served (feed.FOLDER)
NOTE_RE = re.compile(r"last turn: (\d+) ms training, (\d+) ms drawing")


def feed_timing() -> dict[str, float | None]:
    """TICK, BUDGET, KEEP and EPOCH_VIEW_EVERY of rnnviz.live.feed in ms, read from the module
    now (None where one is no longer a plain number there)."""
    from rnnviz.live import feed

    def ms(name):
        v = getattr(feed, name, None)
        return float(v) * 1000 if isinstance(v, int | float) else None

    return {name: ms(name) for name in ("TICK", "BUDGET", "KEEP", "EPOCH_VIEW_EVERY")}


def curve_points() -> int:
    """rnnviz.figures.curves.MAX_POINTS: curves are downsampled to this many points."""
    from rnnviz.figures import curves

    return curves.MAX_POINTS


def beyond_budget(turn_ms: float, train_ms: float, budget_ms: float | None) -> float:
    """Server time of a turn spent outside the training budget: everything but the training
    that fitted in the budget (training past the budget counts, as does all drawing)."""
    return turn_ms - (min(train_ms, budget_ms) if budget_ms is not None else train_ms)


SAMPLER_JS = """
([sampleMs, rest, firstTitle]) => {
  // Every painted frame (requestAnimationFrame): charts present / empty / new DOM nodes.
  // Every sampleMs (setInterval): the first chart's content, the epoch metric, fading.
  const B = window.__bench = {samples: [], changes0: [], updates: 0, remounts: 0,
                              frames: 0, bad: [], longtask: 0, longtasks: 0,
                              reacts: [], reactsDone: [], wrapped: false};
  // Plotly.react, as the live element's chart code calls it (window.Plotly is the object
  // its loader resolves to): main-thread ms of the call, and ms until its promise resolves.
  const P = window.Plotly;
  if (P && P.react && !P.__benchReact) {
    const react = P.__benchReact = P.react;
    P.react = function (...args) {
      const b = window.__bench, t0 = performance.now();
      const out = react.apply(this, args);
      if (b && !b.stopped) {
        const tt = ((args[2] || {}).title || {});
        b.reacts.push([t0, performance.now() - t0,
                       String(typeof tt === 'object' ? tt.text || '' : tt)]);
        Promise.resolve(out).then(
          () => { if (!b.stopped) b.reactsDone.push(performance.now() - t0); }, () => {});
      }
      return out;
    };
  }
  B.wrapped = !!(P && P.__benchReact);
  const ids = new WeakSet();
  const hadData = new WeakSet();  // charts that have shown traces (a new run's are empty)
  const lastData = new WeakMap();
  // the chart nodes at rest: still the same nodes, connected, at the end? (STOP_JS)
  window.__benchRest = Array.from(document.querySelectorAll('.js-plotly-plot'));
  let lastSig0 = null, first = true;
  try {
    new PerformanceObserver(list => {
      for (const e of list.getEntries()) { B.longtask += e.duration; B.longtasks++; }
    }).observe({type: 'longtask'});
  } catch (e) { B.longtask = -1; }
  const epochText = () => {  // the live element's metrics (rnnviz/ui/livechart.py)
    for (const m of document.querySelectorAll('.rnnviz-metric')) {
      if (m.innerText.includes('Epoch')) {
        const v = m.querySelector('.rnnviz-metric-value');
        return v ? v.innerText : '';
      }
    }
    return '';
  };
  const frame = () => {
    if (B.stopped) return;
    const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
    let empty = 0;
    for (const el of plots) {
      if (!ids.has(el)) { ids.add(el); if (!first) B.remounts++; }
      if (el.data && el.data.length) hadData.add(el);
      else if (hadData.has(el)) empty++;  // lost its traces
      if (el.getBoundingClientRect().height < 10) empty++;
      if (lastData.get(el) !== el.data) {  // the same node plotted with new data
        if (lastData.has(el)) B.updates++;
        lastData.set(el, el.data);
      }
    }
    const skel = document.querySelectorAll('[data-testid="stSkeleton"]').length;
    B.frames++;
    if (plots.length < rest || empty || skel) {
      B.bad.push([performance.now(), plots.length < rest ? 1 : 0, empty ? 1 : 0, skel ? 1 : 0]);
    }
    first = false;
    requestAnimationFrame(frame);
  };
  const sample = () => {
    const t = performance.now();
    const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
    let faded = 0;
    for (const el of plots) {
      const c = el.closest('[data-testid="stElementContainer"]');
      if (c && parseFloat(getComputedStyle(c).opacity) < 0.99) faded++;
    }
    const title = el => {  // layout.title.text (plain or a string; tags stripped)
      const tt = el.layout && el.layout.title;
      return String(tt && typeof tt === 'object' ? tt.text : tt || '').replace(/<[^>]*>/g, '');
    };
    const loss = plots.find(el => title(el).startsWith(firstTitle));
    if (loss) {  // absent while it is being plotted afresh: no sample
      const sig0 = JSON.stringify(loss.data || null);
      if (sig0 !== lastSig0) { if (lastSig0 !== null) B.changes0.push(t); lastSig0 = sig0; }
    }
    B.samples.push([t, plots.length, faded, epochText()]);
  };
  frame();
  sample();
  B.timer = setInterval(sample, sampleMs);
  return performance.now();
}
"""

STOP_JS = """() => {
  const B = window.__bench; clearInterval(B.timer); B.stopped = true;
  const rest = window.__benchRest || [];
  B.restKept = rest.filter(el => el.isConnected).length; B.restCount = rest.length;
  B.now = performance.now(); return B;
}"""


# -- browser run --------------------------------------------------------------------------
@dataclass
class Frame:
    """A websocket message (server -> browser)."""

    size: int
    info: h.ForwardInfo


@dataclass
class Poll:
    """One fetch of the frame file by the page."""

    t: float  # time.time() when the response reached this process
    url: str
    status: int
    body: bytes


@dataclass
class BrowserResult:
    preset: str
    cold_s: float = 0.0  # server launch -> first chart visible (the median of cold_runs)
    cold_runs: list[float] = field(default_factory=list)  # every fresh launch, this one first
    healthy_s: float = 0.0  # server launch -> /_stcore/health answers
    loaded_s: float = 0.0  # server launch -> the page's load event
    warm_s: float = 0.0  # a second visit on the warm server: goto -> first chart
    rest_charts: int = 0  # .js-plotly-plot nodes just before Play
    rest_components: int = 0  # div.rnnviz-chart nodes (the live element's charts)
    rest_kept: int = 0  # of the .js-plotly-plot nodes at rest, still connected at the end
    window_s: float = 0.0
    chart0_per_s: float = 0.0
    epoch_changes_per_s: float = 0.0
    updates_per_chart_s: float = 0.0
    remounts: int = 0
    frames: int = 0  # painted frames seen by requestAnimationFrame
    flicker: int = 0  # frames with a chart missing / empty / a skeleton
    flicker_late: int = 0
    flicker_kinds: str = ""  # late flicker frames by kind
    flicker_kinds_all: str = ""  # all flicker frames by kind
    samples: int = 0
    faded: int = 0
    faded_late: int = 0
    busy_pct: float | None = None
    main_busy_pct: float | None = None  # the renderer's main thread: all its tasks
    react_wrapped: bool = False  # Plotly.react could be wrapped (plotly.js was loaded)
    react_ms: list[float] = field(default_factory=list)  # main-thread ms per call
    react_done_ms: list[float] = field(default_factory=list)  # call -> promise resolved
    react_by_chart: dict[str, list[float]] = field(default_factory=dict)  # title -> ms
    page_timing: dict = field(default_factory=dict)  # see PAGE_TIMING_JS
    epochs: tuple[int | None, int | None] = (None, None)
    # the frame file as polled (window after Play)
    polls: int = 0  # fetches of the frame file
    poll_errors: int = 0  # fetches that did not answer 200 or 206
    partial_reads: int = 0  # answers that ended inside a frame written meanwhile (skipped)
    poll_period_ms: list[float] = field(default_factory=list)
    frames_seen: int = 0  # fetches that brought a new seq
    frame_age_ms: list[float] = field(default_factory=list)  # arrival - frame["written"]
    every_s: list[float] = field(default_factory=list)  # frame["every"]
    train_ms: list[float] = field(default_factory=list)  # frame["note"], per new frame
    draw_ms: list[float] = field(default_factory=list)
    steps_per_s: str = "-"
    ms_per_epoch: str = "-"
    frames_written: int | None = None  # seq advance on disk over the late window
    late_s: float = 0.0  # that window, s
    cpu_ms_per_frame: float | None = None
    trainer_ms_per_frame: float | None = None  # CPU of the trainer thread alone
    trainer_cpu_share: float | None = None  # its CPU / the wall time of its turns (note)
    file_largest: int = 0  # bytes of the largest frame file as served (padding included)
    file_gz: int = 0  # its gzip length (header)
    file_json: int = 0  # its frame JSON inflated
    polled_frame: dict | None = None  # the last new frame polled
    inline_frame: dict | None = None  # the frame sent inline in the live element
    inline_bytes: int = 0  # that element's websocket message
    # the websocket
    play_run_ok: bool = False  # the Play click's script run was seen to finish
    script_runs: dict[str, int] = field(default_factory=dict)  # after it: by status
    ws_after: int = 0  # messages received after the Play click's run finished
    ws_after_bytes: int = 0
    ws_after_kinds: str = ""
    sent_after: dict[str, int] = field(default_factory=dict)  # BackMsgs after the click
    largest: int = 0
    largest_what: str = ""  # element type, component name, what it carries
    ws_frames: int = 0
    ws_bytes: int = 0
    console_errors: list[str] = field(default_factory=list)
    exceptions: int = 0
    server_problems: list[str] = field(default_factory=list)


PAGE_TIMING_JS = r"""() => {
  // ms since navigation start: load event, plotly.js requested / received, now (just
  // after the first chart became visible); its size in KB.
  const nav = performance.getEntriesByType('navigation')[0];
  const p = performance.getEntriesByType('resource').find(e => /plotly[^/]*\.min\.js/.test(e.name));
  return {load: nav ? nav.loadEventEnd : null, chart: performance.now(),
          pjs_start: p ? p.startTime : null, pjs_end: p ? p.responseEnd : null,
          pjs_kb: p ? (p.encodedBodySize || p.transferSize) / 1024 : null};
}"""


def cold_start_s(playwright, preset: str) -> float:
    """One more cold start: a fresh server and a fresh browser context, launch -> first
    chart visible (seconds), as run_browser measures its own."""
    browser = h.launch_chromium(playwright)
    try:
        page = browser.new_context(viewport={"width": 1400, "height": 1100}).new_page()
        with h.Server() as server:
            page.goto(f"{server.url}/train?preset={preset}")
            page.wait_for_selector(".js-plotly-plot", state="visible", timeout=60_000)
            seconds = time.monotonic() - server.t_launch
            h.wait_ready(page, 60_000)
            page.context.close()  # before the server stops: no reconnect errors
            return seconds
    finally:
        browser.close()


def first_chart_s(page, url: str) -> float:
    """goto -> the first chart visible (plotted by plotly.js: .js-plotly-plot), seconds."""
    t0 = time.monotonic()
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot", state="visible", timeout=60_000)
    return time.monotonic() - t0


def disk_seq(polls: list[Poll]) -> int | None:
    """The seq of the session's frame file on disk now (its token from the polled URL)."""
    from rnnviz.live import frames

    if not polls:
        return None
    path = h.ROOT / "static" / "live" / polls[-1].url.rsplit("/", 1)[1].split("?")[0]
    try:
        with open(path, "rb") as f:
            head = f.read(frames.HEADER)
        return int(head.split()[1])
    except (OSError, IndexError, ValueError):
        return None


def thread_cpu(pid: int) -> dict[int, float]:
    """User + system CPU seconds of each thread of process `pid` (/proc/<pid>/task)."""
    tick, out = os.sysconf("SC_CLK_TCK"), {}
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            out[int(tid)] = (int(fields[11]) + int(fields[12])) / tick
    return out


def run_browser(playwright, preset: str, seconds: float, sample_ms: int) -> BrowserResult:
    """Serve, open the Train page, press Play, watch; see the module docstring."""
    res = BrowserResult(preset)
    browser = h.launch_chromium(playwright)
    frames: list[Frame] = []
    sent: list[str] = []  # BackMsg kinds (browser -> server)
    sizes: list[int] = []
    biggest: list[bytes] = [b""]
    live_msgs: list[bytes] = []  # the live element's messages (inline frames)
    polls: list[Poll] = []
    watching = [False]  # record polls (the main page's, after the sampler is in)

    def on_cdp_received(params):
        r = params["response"]
        if r.get("opcode") != 2:
            return
        data = base64.b64decode(r["payloadData"])
        info = h.decode_forward(data)
        frames.append(Frame(len(data), info))
        if info.component_name == LIVECHART:
            live_msgs.append(data)

    def on_cdp_sent(params):
        r = params["response"]
        if r.get("opcode") == 2:
            kind, frag = h.decode_back(base64.b64decode(r["payloadData"]))
            sent.append("fragment" if frag else kind)

    def on_frame(payload):
        data = payload if isinstance(payload, bytes) else payload.encode()
        sizes.append(len(data))
        if len(data) > len(biggest[0]):
            biggest[0] = data

    def on_response(response):
        if LIVE_URL not in response.url or not watching[0]:
            return
        t = time.time()
        try:
            body = response.body() if response.ok else b""
        except Exception:  # noqa: BLE001 -- the page went away meanwhile
            body = b""
        polls.append(Poll(t, response.url, response.status, body))

    def on_console(msg):
        if msg.type == "error":
            res.console_errors.append(f"{msg.text} [{msg.location.get('url', '')}]")

    try:
        # the browser window is open before the server starts, as a lecturer's would be
        context = browser.new_context(viewport={"width": 1400, "height": 1100})
        page = context.new_page()
        page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
        page.on("console", on_console)
        page.on("pageerror", lambda e: res.console_errors.append(f"pageerror: {e}"))
        page.on("response", on_response)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Performance.enable")
        cdp.on("Network.webSocketFrameReceived", on_cdp_received)
        cdp.on("Network.webSocketFrameSent", on_cdp_sent)
        with h.Server() as server:
            url = f"{server.url}/train?preset={preset}"
            res.healthy_s = server.t_healthy - server.t_launch
            page.goto(url)
            res.loaded_s = time.monotonic() - server.t_launch
            page.wait_for_selector(".js-plotly-plot", state="visible", timeout=60_000)
            res.cold_s = time.monotonic() - server.t_launch
            res.cold_runs = [res.cold_s]
            res.page_timing = page.evaluate(PAGE_TIMING_JS)
            h.wait_ready(page, 60_000)
            warm = browser.new_context(viewport={"width": 1400, "height": 1100})
            res.warm_s = first_chart_s(warm.new_page(), url)
            warm.close()
            page.wait_for_timeout(1000)
            h.wait_ready(page, 60_000)
            res.rest_charts = page.locator(".js-plotly-plot").count()
            res.rest_components = page.locator("div.rnnviz-chart").count()
            e0 = h.epoch_of(page)
            first_title = page.evaluate(
                "() => { const el = document.querySelector('.js-plotly-plot'); "
                "const t = el && el.layout && el.layout.title; "
                "return String(t && typeof t === 'object' ? t.text : t || '')"
                ".replace(/<[^>]*>/g, ''); }")
            t_play = page.evaluate(SAMPLER_JS, [sample_ms, res.rest_charts, first_title])
            n_frames, n_sent = len(frames), len(sent)
            watching[0] = True
            threads0 = set(thread_cpu(server.proc.pid))  # the trainer starts on Play
            task0, wall0 = main_thread_s(cdp), time.monotonic()
            page.get_by_role("button", name="Play", exact=True).click()
            page.wait_for_timeout(SETTLE_S * 1000)
            cpu_a, seq_a, t_a = server.cpu_seconds(), disk_seq(polls), time.monotonic()
            th_a = thread_cpu(server.proc.pid)
            page.wait_for_timeout(max(seconds - SETTLE_S, 1.0) * 1000)
            cpu_b, seq_b, t_b = server.cpu_seconds(), disk_seq(polls), time.monotonic()
            th_b = thread_cpu(server.proc.pid)
            res.main_busy_pct = 100 * (main_thread_s(cdp) - task0) / (time.monotonic() - wall0)
            bench = page.evaluate(STOP_JS)
            watching[0] = False
            window_frames, window_sent = frames[n_frames:], sent[n_sent:]
            e1 = h.epoch_of(page)
            res.exceptions = page.locator('[data-testid="stException"]').count()
            with contextlib.suppress(Exception):  # stop training before the page goes
                page.get_by_role("button", name="Pause", exact=True).click(timeout=5000)
                page.wait_for_timeout(500)
            context.close()  # before the server stops: no reconnect errors
            res.server_problems = server.log_problems()
    finally:
        browser.close()

    res.epochs = (e0, e1)
    analyse_page(res, bench, t_play)
    analyse_polls(res, polls)
    if seq_a is not None and seq_b is not None and seq_b > seq_a:
        res.frames_written, res.late_s = seq_b - seq_a, t_b - t_a
        res.cpu_ms_per_frame = (cpu_b - cpu_a) * 1000 / res.frames_written
        trainer_cpu(res, {t: th_b[t] - th_a.get(t, 0.0) for t in th_b}, threads0)
    analyse_websocket(res, window_frames, window_sent)
    res.ws_frames, res.ws_bytes = len(sizes), sum(sizes)
    res.largest = len(biggest[0])
    res.largest_what = describe(biggest[0])
    inline = [live_frame(m) for m in live_msgs]
    inline = [(n, f) for n, f in zip(map(len, live_msgs), inline, strict=True) if f]
    if inline:
        res.inline_bytes, res.inline_frame = inline[-1]
    return res


def trainer_cpu(res: BrowserResult, delta: dict[int, float], before: set[int]) -> None:
    """The trainer thread's CPU per frame, and its CPU over the wall time of its turns.

    The trainer is the server thread that started after the click on Play and used the
    most CPU in the late window (Python 3.11 gives threads no OS name to find it by)."""
    new = {t: d for t, d in delta.items() if t not in before} or delta
    if not new or not res.frames_written:
        return
    cpu_s = max(new.values())
    res.trainer_ms_per_frame = cpu_s * 1000 / res.frames_written
    if res.train_ms:
        wall = statistics.fmean(res.train_ms) + statistics.fmean(res.draw_ms)
        res.trainer_cpu_share = res.trainer_ms_per_frame / wall if wall else None


def live_frame(payload: bytes) -> dict | None:
    """The frame a live element's message carries inline (None for other elements)."""
    info = h.decode_forward(payload, keep_spec=True)
    if not info.component_data.startswith('{"live"'):
        return None
    return json.loads(info.component_data).get("frame")


def describe(payload: bytes) -> str:
    """What a websocket message carries: element type, component, the live element's frame."""
    info = h.decode_forward(payload, keep_spec=True)
    what = info.component_name or info.element or info.kind
    if info.component_data.startswith('{"live"'):
        f = json.loads(info.component_data).get("frame") or {}
        return f"{what}: live element, inline frame of {len(f.get('charts', {}))} charts"
    return f"{what}: {info.chart_title}" if info.chart_title else what


def main_thread_s(cdp) -> float:
    """Seconds the page's renderer main thread has spent in tasks (CDP Performance)."""
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return metrics["TaskDuration"]


def analyse_page(res: BrowserResult, bench: dict, t_play: float) -> None:
    """Rates, flicker and busy time from the in-page sampler."""
    res.window_s = (bench["now"] - t_play) / 1000
    late = t_play + SETTLE_S * 1000
    res.frames = bench["frames"]
    res.flicker = len(bench["bad"])
    late_bad = [b for b in bench["bad"] if b[0] > late]
    res.flicker_late = len(late_bad)
    res.flicker_kinds = flicker_kinds(late_bad)
    res.flicker_kinds_all = flicker_kinds(bench["bad"])
    samples = [s for s in bench["samples"] if s[0] > t_play]
    res.samples = len(samples)
    res.faded = sum(s[2] > 0 for s in samples)
    res.faded_late = sum(s[2] > 0 for s in samples if s[0] > late)
    res.chart0_per_s = len([t for t in bench["changes0"] if t > t_play]) / res.window_s
    texts = [s[3] for s in samples]
    changes = sum(1 for a, b in zip(texts, texts[1:], strict=False) if a != b)
    res.epoch_changes_per_s = changes / res.window_s
    res.updates_per_chart_s = bench["updates"] / max(res.rest_charts, 1) / res.window_s
    res.remounts = bench["remounts"]
    res.rest_kept = bench["restKept"]
    if bench["longtask"] >= 0:
        res.busy_pct = 100 * bench["longtask"] / (bench["now"] - t_play)
    res.react_wrapped = bool(bench["wrapped"])
    res.react_ms = [ms for t, ms, _ in bench["reacts"] if t > t_play]
    for t, ms, title in bench["reacts"]:
        if t > t_play:
            name = re.sub(r"\d+(?:\.\d+)?", "#", re.sub(r"<[^>]*>", "", title))
            res.react_by_chart.setdefault(name, []).append(ms)
    res.react_done_ms = list(bench["reactsDone"])


def flicker_kinds(bad: list) -> str:
    kinds = {"fewer charts": sum(b[1] for b in bad), "empty chart": sum(b[2] for b in bad),
             "skeleton": sum(b[3] for b in bad)}
    return ", ".join(f"{k} {n}" for k, n in kinds.items() if n)


def analyse_polls(res: BrowserResult, polls: list[Poll]) -> None:
    """The frame file as the page fetched it: poll rate, new frames, their notes, sizes."""
    from rnnviz.live import frames

    res.polls = len(polls)
    res.poll_period_ms = [(b.t - a.t) * 1000 for a, b in zip(polls, polls[1:], strict=False)]
    seq = -1
    for p in polls:
        if p.status not in h.FRAME_OK or len(p.body) < frames.HEADER:
            res.poll_errors += 1
            continue
        if not h.frame_whole(p.body):
            res.partial_reads += 1  # a larger frame replaced it midway: the page skips it
            continue
        gz = int(p.body[:frames.HEADER].split()[2])
        if len(p.body) > res.file_largest:
            res.file_largest, res.file_gz = len(p.body), gz
        head_seq = int(p.body[:frames.HEADER].split()[1])
        if head_seq <= seq:
            continue
        seq, (_, f) = head_seq, frames.unpack(p.body)
        res.frames_seen += 1
        res.file_json = max(res.file_json, len(gzip.decompress(
            p.body[frames.HEADER:frames.HEADER + gz])))
        res.frame_age_ms.append((p.t - f["written"]) * 1000)
        if f.get("every"):
            res.every_s.append(f["every"])
        m = NOTE_RE.search(f.get("note") or "")
        if m:
            res.train_ms.append(float(m.group(1)))
            res.draw_ms.append(float(m.group(2)))
        status = dict(f.get("status") or [])
        res.steps_per_s = status.get("Steps / s", res.steps_per_s)
        res.ms_per_epoch = status.get("ms / epoch", res.ms_per_epoch)
        res.polled_frame = f


def analyse_websocket(res: BrowserResult, frames: list[Frame], sent: list[str]) -> None:
    """Script runs and messages after the Play click's own run (none expected)."""
    play_end = None
    for i, f in enumerate(frames):
        if f.info.kind == "script_finished":
            if play_end is None:
                play_end = i  # the Play click's run
                res.play_run_ok = f.info.finished == "FINISHED_SUCCESSFULLY"
            else:
                res.script_runs[f.info.finished] = res.script_runs.get(f.info.finished, 0) + 1
    after = frames[play_end + 1:] if play_end is not None else frames
    res.ws_after, res.ws_after_bytes = len(after), sum(f.size for f in after)
    kinds: dict[str, int] = {}
    for f in after:
        name = f.info.element or f.info.kind
        kinds[name] = kinds.get(name, 0) + 1
    res.ws_after_kinds = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
    for kind in sent[1:]:  # the first: the click's own rerun request
        res.sent_after[kind] = res.sent_after.get(kind, 0) + 1


# -- in-process run -----------------------------------------------------------------------
@dataclass
class Turn:
    turn_ms: float  # Feed.turn: lock, training, drawing, writing the frame file
    parts: dict[str, float]  # ms by part (see Spy.PARTS)
    file_bytes: int  # the frame file after the turn (frames.pack: padded)
    gz_bytes: int  # its gzip length (header)
    json_bytes: int  # the frame JSON gzipped into it
    note_ms: tuple[float, float]  # feed.turn_ms: the feed's own (training, drawing) ms

    @property
    def train_ms(self) -> float:
        return self.parts.get("train", 0.0)

    @property
    def draw_ms(self) -> float:
        """Everything but the training: figures, JSON, gzip, the file write."""
        return self.turn_ms - self.train_ms

    @property
    def rebuilt(self) -> bool:
        """The per-epoch charts were rebuilt in this turn (not only the learning curves)."""
        return self.parts.get("figures", 0.0) > 0


@dataclass
class InProcess:
    preset: str
    turns: list[Turn]
    epochs: int
    steps_per_s: float
    frame: dict  # the last frame file, unpacked


class Spy:
    """Times the parts of a trainer turn.

    Wraps, for the duration of `installed()`, the functions Feed.turn calls (looked up at
    call time as module or class attributes, so wrapping them changes nothing else); only
    the outermost call of a part is timed (frames._plain recurses):
      train (TrainingRun.advance), figures (lessons.training.train_figures: the per-epoch
      charts), curves (TrainScene.fast: the learning curves), history (every
      run.history_frame and run.grad_flow_matrix, in both), views (from_trace,
      views.sine_view), to_json (feed.to_json = frames.to_json), inside it float32
      (frames._typed), status (TrainScene.status), task_view (training.task_view),
      frame_json (frames.frame_json: the charts' md5 ids, the JSON spliced), pack
      (frames.pack: gzip and padding), write (frames.write_atomic).
    frames.pack also records the length of the frame JSON it packs.
    """

    PARTS = ("train", "figures", "curves", "history", "views", "to_json", "float32",
             "status", "task_view", "frame_json", "pack", "write")

    def __init__(self):
        from rnnviz.lessons import taskviews as views
        from rnnviz.lessons import training as live_figs
        from rnnviz.live import feed, frames
        from rnnviz.train.run import TrainingRun

        self.times = dict.fromkeys(self.PARTS, 0.0)
        self.depth = dict.fromkeys(self.PARTS, 0)
        self.json_bytes = 0
        self.frames = frames
        self.targets = [
            (TrainingRun, "advance", "train"),
            (live_figs, "train_figures", "figures"),
            (live_figs.TrainScene, "fast", "curves"),
            (TrainingRun, "history_frame", "history"),
            (TrainingRun, "grad_flow_matrix", "history"),
            (live_figs, "from_trace", "views"),
            (views, "sine_view", "views"),
            (feed, "to_json", "to_json"),
            (frames, "_typed", "float32"),
            (live_figs.TrainScene, "status", "status"),
            (live_figs, "task_view", "task_view"),
            (frames, "frame_json", "frame_json"),
            (frames, "write_atomic", "write"),
        ]

    def reset(self) -> None:
        self.times = dict.fromkeys(self.PARTS, 0.0)
        self.json_bytes = 0

    @contextlib.contextmanager
    def timing(self, *parts: str):
        """Time the block into each of `parts` where it is the outermost call."""
        outer = [p for p in parts if self.depth[p] == 0]
        for p in parts:
            self.depth[p] += 1
        t0 = time.perf_counter()
        try:
            yield
        finally:
            dt = time.perf_counter() - t0
            for p in parts:
                self.depth[p] -= 1
            for p in outer:
                self.times[p] += dt

    def _timed(self, fn, part):
        def wrapper(*a, **k):
            with self.timing(part):
                return fn(*a, **k)

        return wrapper

    @contextlib.contextmanager
    def installed(self):
        saved = []
        for owner, name, part in self.targets:
            if not hasattr(owner, name):
                continue
            own = name in vars(owner)
            saved.append((owner, name, own, vars(owner).get(name)))
            setattr(owner, name, self._timed(getattr(owner, name), part))
        pack = self.frames.pack

        def spy_pack(seq, frame, *a, **k):
            self.json_bytes = len(frame.encode())
            with self.timing("pack"):
                return pack(seq, frame, *a, **k)

        self.frames.pack = spy_pack
        try:
            yield self
        finally:
            self.frames.pack = pack
            for owner, name, own, value in reversed(saved):
                if own:
                    setattr(owner, name, value)
                else:
                    delattr(owner, name)


def quiet_streamlit() -> None:
    """Streamlit's modules used without a server log warnings (no script run context, no
    runtime); silence them."""
    from streamlit import config as st_config
    from streamlit import logger as st_logger

    st_config.set_option("global.showWarningOnDirectExecution", False)  # parses the config,
    st_config.set_option("logger.level", "error")  # which resets the log level: set it after
    st_logger.set_log_level("error")


class Turns:
    """A session's feed, played by calling Feed.turn on the trainer's schedule alone: a turn
    starts every pace.interval(TICK, 1) s, or after a rest at least as long as the turn
    took times (1 / KEEP - 1), as feed.Trainer._loop rests its rounds."""

    def __init__(self, run, folder: Path):
        from rnnviz.live import feed, pace

        self.feed_mod = feed
        self.feed = feed.Feed(run, threading.RLock(), folder=folder)
        self.feed.playing = True
        self.every = pace.interval(feed.TICK, 1)
        self.spy = Spy()

    def play(self, n: int, seconds: float | None = None) -> list[Turn]:
        """n turns of feed.BUDGET seconds of training each (or `seconds`)."""
        from rnnviz.live import frames

        f, out = self.feed, []
        budget = self.feed_mod.BUDGET if seconds is None else seconds
        with self.spy.installed():
            for _ in range(n):
                self.spy.reset()
                t0 = time.perf_counter()
                if not f.turn(budget):
                    raise RuntimeError(f"the feed stopped playing: {f.run.status}")
                body = time.perf_counter() - t0
                with open(f.path, "rb") as fh:
                    head = fh.read(frames.HEADER)
                parts = {k: v * 1000 for k, v in self.spy.times.items()}
                out.append(Turn(body * 1000, parts, f.size, int(head.split()[2]),
                                self.spy.json_bytes, f.turn_ms))
                time.sleep(max(self.every - body, body * (1 / self.feed_mod.KEEP - 1)))
        return out

    def last_frame(self) -> dict:
        from rnnviz.live import frames

        return frames.unpack(self.feed.path.read_bytes())[1]


def run_inprocess(preset: str, turns: int, folder: Path) -> InProcess:
    """Play `turns` trainer turns as the server does (after 3 warm-up turns)."""
    quiet_streamlit()
    from rnnviz.train.run import TrainingRun
    from rnnviz.train.settings import preset_config

    run = TrainingRun(preset_config(preset))
    play = Turns(run, folder)
    play.play(3)  # first calls import pyarrow, warm caches
    out = play.play(turns)
    return InProcess(preset, out, run.epoch, run.steps_per_second, play.last_frame())


def long_draw(preset: str, seconds: float, folder: Path,
              turns: int = 12) -> tuple[int, int, list[Turn], dict]:
    """Train `seconds` in one go, then play `turns` turns (after one warm-up turn):
    (epochs, history rows, turns, the last frame)."""
    quiet_streamlit()
    from rnnviz.train.run import TrainingRun
    from rnnviz.train.settings import preset_config

    run = TrainingRun(preset_config(preset))
    run.advance(seconds=seconds)
    play = Turns(run, folder)
    play.play(1)
    out = play.play(turns)
    return run.epoch, len(run.history), out, play.last_frame()


@dataclass
class SpecReport:
    """The arrays of one plotly figure."""

    dtypes: str  # typed arrays by dtype, e.g. "f4x3 i4x1"
    values: int  # numbers in typed arrays
    f8: int  # of which float64
    f8_fits: int  # of those, in arrays that would fit float32 (frames._typed's rule)
    plain: int  # plain JSON number lists of >= 20 numbers (not typed arrays)
    points: int  # most points in one scatter trace (curves are downsampled)


def spec_report(fig: dict | str) -> SpecReport:
    """What a plotly figure (a frame's chart, or its JSON) sends: dtypes, float64 share,
    plain lists, curve lengths."""
    import numpy as np

    if isinstance(fig, str):
        fig = json.loads(fig)
    spec = json.dumps(fig, separators=(",", ":"))
    f32 = np.finfo(np.float32)
    dtypes: dict[str, int] = {}
    f8 = f8_fits = values = 0

    def walk(v):
        nonlocal f8, f8_fits, values
        if isinstance(v, dict):
            if "dtype" in v and "bdata" in v:
                dtypes[v["dtype"]] = dtypes.get(v["dtype"], 0) + 1
                raw = base64.b64decode(v["bdata"])
                n = len(raw) // int(re.sub(r"\D", "", v["dtype"]))
                values += n
                if v["dtype"] == "f8":
                    f8 += n
                    a = np.abs(np.frombuffer(raw, np.float64))
                    a = a[(a > 0) & np.isfinite(a)]
                    if not a.size or (a.max() < f32.max and a.min() >= f32.tiny):
                        f8_fits += n
                return
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(fig)
    points = 0
    for trace in fig.get("data", []):
        x = trace.get("x")
        if trace.get("type", "scatter") == "scatter" and isinstance(x, dict) and "bdata" in x:
            width = int(re.sub(r"\D", "", x["dtype"]) or 1)
            points = max(points, len(base64.b64decode(x["bdata"])) // width)
        elif trace.get("type", "scatter") == "scatter" and isinstance(x, list):
            points = max(points, len(x))
    plain = len(re.findall(r"\[(?:-?[\d.]+(?:e[-+]?\d+)?,){19,}", spec))
    text = " ".join(f"{k}x{n}" for k, n in sorted(dtypes.items())) or "-"
    return SpecReport(text, values, f8, f8_fits, plain, points)


# -- report -------------------------------------------------------------------------------
def app_errors(r: BrowserResult) -> list[str]:
    """Console errors other than the known benign ones."""
    return [e for e in r.console_errors if not any(b in e for b in h.BENIGN_CONSOLE)]


def ms_stats(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.0f} / {h.quantile(values, 0.9):.0f}"


def ms_stats1(values: list[float]) -> str:
    return (f"{statistics.median(values):.1f} / {h.quantile(values, 0.9):.1f}"
            if values else "-")


def train_cpu_ms(r: BrowserResult) -> float | None:
    """CPU ms of training per frame: the trainer thread's CPU per frame, split between
    training and drawing as the frames' notes split their wall time (mean ms)."""
    if r.trainer_ms_per_frame is None or not r.train_ms:
        return None
    train, draw = statistics.fmean(r.train_ms), statistics.fmean(r.draw_ms)
    return r.trainer_ms_per_frame * train / (train + draw) if train + draw else None


def served_beyond(r: BrowserResult, budget_ms: float | None,
                  cpu: bool = True) -> float | None:
    """Server CPU ms per frame outside the training budget (see beyond_budget): training
    counted as CPU (train_cpu_ms), or as the median wall ms of the notes (cpu=False: on a
    busy machine a thread's wall time exceeds its CPU time, so that one reads low)."""
    if r.cpu_ms_per_frame is None:
        return None
    train = train_cpu_ms(r) if cpu else (statistics.median(r.train_ms) if r.train_ms
                                           else None)
    if train is not None:
        return beyond_budget(r.cpu_ms_per_frame, train, budget_ms)
    return r.cpu_ms_per_frame - budget_ms if budget_ms is not None else None


def script_runs(r: BrowserResult) -> int:
    return sum(r.script_runs.values())


def fragment_runs(r: BrowserResult) -> int:
    return r.script_runs.get("FINISHED_FRAGMENT_RUN_SUCCESSFULLY", 0)


def page_ms(r: BrowserResult, key: str) -> str:
    return h.fmt(r.page_timing.get(key), 0)


def react_table(results: list[BrowserResult]) -> str:
    """Main-thread ms per Plotly.react call, by chart (title), median / p90 (calls)."""
    titles = list(dict.fromkeys(t for r in results for t in r.react_by_chart))
    rows = []
    for t in titles:
        cells = []
        for r in results:
            ms = r.react_by_chart.get(t, [])
            cells.append(f"{ms_stats1(ms)} ({len(ms)})" if ms else "-")
        rows.append([t[:44] or "(no title)", *cells])
    return h.table(["chart", *(r.preset for r in results)], rows)


def browser_table(results: list[BrowserResult], budget_ms: float | None) -> str:
    rows = []

    def add(name, fn):
        rows.append([name, *(fn(r) for r in results)])

    add("cold start: launch -> first chart (s)", lambda r: (
        f"{r.cold_s:.2f}" if len(r.cold_runs) < 2 else
        f"{r.cold_s:.2f} (median of {len(r.cold_runs)}: "
        f"{', '.join(f'{x:.2f}' for x in r.cold_runs)})"))
    add("  the first of them, step by step:", lambda r: "")
    add("  launch -> server healthy (s)", lambda r: f"{r.healthy_s:.2f}")
    add("  launch -> page load event (s)", lambda r: f"{r.loaded_s:.2f}")
    add("  in page (ms from navigation): load event", lambda r: page_ms(r, "load"))
    add("    plotly.js requested -> received", lambda r: (
        f"{page_ms(r, 'pjs_start')} -> {page_ms(r, 'pjs_end')} "
        f"({h.fmt(r.page_timing.get('pjs_kb'), 0)} KB)"))
    add("    first chart visible", lambda r: page_ms(r, "chart"))
    add("warm visit: goto -> first chart (s)", lambda r: f"{r.warm_s:.2f}")
    add("charts at rest (.js-plotly-plot ; livechart divs)",
        lambda r: f"{r.rest_charts} ; {r.rest_components}")
    add("window after Play (s)", lambda r: f"{r.window_s:.1f}")
    add("chart-0 changes / s (sampled)", lambda r: f"{r.chart0_per_s:.2f}")
    add("epoch metric changes / s", lambda r: f"{r.epoch_changes_per_s:.2f}")
    add("in-place chart redraws / s (per chart)", lambda r: f"{r.updates_per_chart_s:.2f}")
    add("chart remounts / s (per chart)", lambda r: (
        f"{r.remounts / max(r.rest_charts, 1) / r.window_s:.2f} ({r.remounts} nodes)"))
    add("charts at rest still the same nodes at the end",
        lambda r: f"{r.rest_kept} of {r.rest_charts}")
    add("Plotly.react calls / s (all charts)", lambda r: (
        f"{len(r.react_ms) / r.window_s:.2f}" if r.react_wrapped else "not wrapped"))
    add("  main-thread ms per call, median / p90", lambda r: ms_stats1(r.react_ms))
    add("  call -> promise resolved ms, med / p90", lambda r: ms_stats1(r.react_done_ms))
    add("  Plotly.react ms per frame seen ; % of window", lambda r: (
        f"{sum(r.react_ms) / r.frames_seen:.0f} ; {sum(r.react_ms) / r.window_s / 10:.0f} %"
        if r.frames_seen and r.react_ms else "-"))
    add("epochs before -> after", lambda r: f"{r.epochs[0]} -> {r.epochs[1]}")
    add("frame file polls / s (not 200/206 ; partial reads)", lambda r: (
        f"{r.polls / r.window_s:.2f} ({r.poll_errors} ; {r.partial_reads})"))
    add("  poll period ms, median / p90", lambda r: ms_stats(r.poll_period_ms))
    add("  'every' in the frames (s), median", lambda r: (
        f"{statistics.median(r.every_s):.3f}" if r.every_s else "-"))
    add("new frames seen / s (polls)", lambda r: f"{r.frames_seen / r.window_s:.2f}")
    add("  frame age on arrival ms, median / p90", lambda r: ms_stats(r.frame_age_ms))
    add(f"frames written / s (seq on disk, after {SETTLE_S:.0f} s)", lambda r: (
        f"{r.frames_written / r.late_s:.2f}" if r.frames_written else "-"))
    add("train ; draw ms per turn (frames' note)",
        lambda r: f"{ms_stats(r.train_ms)} ; {ms_stats(r.draw_ms)}")
    add("server CPU ms per frame written", lambda r: h.fmt(r.cpu_ms_per_frame, 1))
    add("  trainer thread ; the rest of the server", lambda r: (
        f"{h.fmt(r.trainer_ms_per_frame, 1)} ; " + h.fmt(
            r.cpu_ms_per_frame - r.trainer_ms_per_frame
            if r.trainer_ms_per_frame is not None else None, 1)))
    add("  trainer CPU / wall time of its turns", lambda r: h.fmt(
        None if r.trainer_cpu_share is None else 100 * r.trainer_cpu_share, 0, " %"))
    add("  training CPU per frame (trainer, note's split)",
        lambda r: h.fmt(train_cpu_ms(r), 1))
    add("  beyond training: CPU - median wall train", lambda r: h.fmt(
        r.cpu_ms_per_frame - statistics.median(r.train_ms)
        if r.cpu_ms_per_frame is not None and r.train_ms else None, 1))
    add("  beyond training: CPU - training CPU", lambda r: h.fmt(
        r.cpu_ms_per_frame - train_cpu_ms(r) if train_cpu_ms(r) is not None else None, 1))
    add(f"  beyond the budget ({h.fmt(budget_ms, 0)} ms), CPU",
        lambda r: h.fmt(served_beyond(r, budget_ms), 1))
    add("Steps / s ; ms / epoch (frames' status)",
        lambda r: f"{r.steps_per_s} ; {r.ms_per_epoch}")
    add("largest frame file: served ; gzip ; JSON (B)", lambda r: (
        f"{r.file_largest:,} ; {r.file_gz:,} ; {r.file_json:,}"))
    add("Play click's script run finished", lambda r: "yes" if r.play_run_ok else "NO")
    add("script runs after it (fragment runs)",
        lambda r: f"{script_runs(r)} ({fragment_runs(r)})")
    add("websocket messages ; bytes after it", lambda r: (
        f"{r.ws_after} ; {r.ws_after_bytes:,}"))
    add("  of which", lambda r: r.ws_after_kinds[:60] or "-")
    add("BackMsgs sent after the click's", lambda r: (
        ", ".join(f"{k} {n}" for k, n in r.sent_after.items()) or "0"))
    add("largest websocket message (bytes)", lambda r: f"{r.largest:,}")
    add("  carrying", lambda r: r.largest_what[:60])
    add("websocket frames / bytes received", lambda r: f"{r.ws_frames} / {r.ws_bytes:,}")
    add(f"flicker frames (all ; after {SETTLE_S:.0f} s)", lambda r: (
        f"{r.flicker} ; {r.flicker_late} of {r.frames}"))
    add(f"  flicker by kind (all ; after {SETTLE_S:.0f} s)", lambda r: (
        f"{r.flicker_kinds_all or '-'} ; {r.flicker_kinds or '-'}"))
    add(f"faded samples (all ; after {SETTLE_S:.0f} s)",
        lambda r: f"{r.faded} ; {r.faded_late} of {r.samples}")
    add("browser main thread busy: all tasks ; long tasks",
        lambda r: f"{h.fmt(r.main_busy_pct, 0, ' %')} ; {h.fmt(r.busy_pct, 0, ' %')}")
    add("exceptions ; console errors (app ; benign)", lambda r: (
        f"{r.exceptions} ; {len(app_errors(r))} ; {len(r.console_errors) - len(app_errors(r))}"))
    add("server log error lines", lambda r: str(len(r.server_problems)))
    return h.table(["measure", *(r.preset for r in results)], rows)


def turn_beyond(x: Turn, budget_ms: float | None) -> float:
    """Beyond the budget of one in-process turn, ms."""
    return beyond_budget(x.turn_ms, x.train_ms, budget_ms)


def inprocess_table(results: list[InProcess], budget_ms: float | None) -> str:
    rows = []
    for r in results:
        t = r.turns
        rebuilt = [x.draw_ms for x in t if x.rebuilt]
        curves_only = [x.draw_ms for x in t if not x.rebuilt]
        rows.append([r.preset, str(len(t)), ms_stats1([x.train_ms for x in t]),
                     ms_stats1([x.turn_ms for x in t]), ms_stats1([x.draw_ms for x in t]),
                     f"{ms_stats1(curves_only)} ; {ms_stats1(rebuilt)} ({len(rebuilt)})",
                     ms_stats1([turn_beyond(x, budget_ms) for x in t]),
                     ms_stats1([x.note_ms[1] for x in t]),
                     f"{statistics.median(x.json_bytes for x in t) / 1024:.1f} ; "
                     f"{statistics.median(x.gz_bytes for x in t) / 1024:.1f} ; "
                     f"{t[-1].file_bytes / 1024:.0f}",
                     str(r.epochs), f"{r.steps_per_s:.0f}"])
    return h.table(["preset", "turns", "train ms", "turn ms", "draw ms",
                    "draw ms: curves only ; rebuilt (n)", "beyond budget ms",
                    "feed's draw ms", "frame KB: JSON ; gzip ; file", "epochs", "steps/s"],
                   rows)


def chart_table(frame: dict) -> str:
    rows = []
    for key, fig in frame.get("charts", {}).items():
        sr = spec_report(fig)
        title = h.plotly_title(json.dumps(fig))
        rows.append([f"{key}: {title}"[:48], f"{len(json.dumps(fig, separators=(',', ':'))):,}",
                     sr.dtypes, f"{sr.f8} of {sr.values} ({sr.f8_fits} fit f4)",
                     str(sr.plain), str(sr.points or "-")])
    return h.table(["chart (key: title)", "JSON bytes", "typed arrays (dtype x count)",
                    "float64 values", "plain number lists", "curve points"], rows)


def long_table(rows_in: list[tuple[str, float, int, int, list[Turn], dict]]) -> str:
    rows = []
    for preset, seconds, epochs, hist, turns, _ in rows_in:
        rebuilt = [x.draw_ms for x in turns if x.rebuilt]
        curves_only = [x.draw_ms for x in turns if not x.rebuilt]
        rows.append([preset, f"{seconds:.0f}", f"{epochs:,}", f"{hist:,}",
                     ms_stats1([x.draw_ms for x in turns]), ms_stats1(curves_only),
                     f"{ms_stats1(rebuilt)} ({len(rebuilt)})",
                     f"{statistics.median(x.json_bytes for x in turns) / 1024:.1f} ; "
                     f"{statistics.median(x.gz_bytes for x in turns) / 1024:.1f}"])
    return h.table(["preset", "trained s", "epochs", "history rows", "draw ms med / p90",
                    "curves-only turns", "rebuilt turns (n)", "frame KB: JSON ; gzip"], rows)


BREAKDOWN = (  # (column, part or a function of a turn's parts)
    ("draw", "draw"),
    ("train_figures", "figures"),
    ("curves_now", "curves"),
    ("  history frames", "history"),
    ("  from_trace+sine view", "views"),
    ("to_json", "to_json"),
    ("  float32", "float32"),
    ("status", "status"),
    ("task view", "task_view"),
    ("frame_json", "frame_json"),
    ("gzip (pack)", "pack"),
    ("write", "write"),
    ("rest", lambda p: p["draw"] - p["figures"] - p["curves"] - p["to_json"] - p["status"]
     - p["task_view"] - p["frame_json"] - p["pack"] - p["write"]),
)


def breakdown_table(cases: list[tuple[str, list[Turn]]]) -> str:
    rows = []
    for label, turns in cases:
        for kind, subset in (("curves only", [x for x in turns if not x.rebuilt]),
                             ("rebuilt", [x for x in turns if x.rebuilt])):
            if not subset:
                continue
            row = [label, f"{kind} ({len(subset)})"]
            for _, part in BREAKDOWN:
                def value(x, part=part):
                    p = dict.fromkeys(Spy.PARTS, 0.0) | x.parts | {"draw": x.draw_ms}
                    return part(p) if callable(part) else p[part]

                row.append(f"{statistics.median(value(x) for x in subset):.1f}")
            rows.append(row)
    return h.table(["case", "turns", *(c for c, _ in BREAKDOWN)], rows)


def payload_row(label: str, frame: dict | None) -> list[str]:
    reps = [spec_report(fig) for fig in (frame or {}).get("charts", {}).values()]
    values, f8 = sum(r.values for r in reps), sum(r.f8 for r in reps)
    fits, plain = sum(r.f8_fits for r in reps), sum(r.plain for r in reps)
    points, limit = max((r.points for r in reps), default=0), curve_points()
    good = bool(reps) and fits == 0 and plain == 0 and points <= limit
    return [f"chart arrays float32, curves downsampled ({label})",
            f"{len(reps)} charts: f8 {f8} of {values} values ({fits} would fit f4), "
            f"plain lists {plain}, max curve {points} pts",
            f"f8 only beyond f4's range, no plain lists, <= {limit} pts", ok(good)]


def verdicts(browser: list[BrowserResult], inproc: list[InProcess], default: str,
             long_rows: list, timing: dict, budget_ms: float | None) -> str:
    rows = []
    b = next((r for r in browser if r.preset == default), None)
    tick_ms = timing["TICK"]
    if b is not None:
        rows.append([f"chart refreshes / s ({default})", f"{b.chart0_per_s:.2f}",
                     f">= {TARGET_REFRESH:g}", ok(b.chart0_per_s >= TARGET_REFRESH)])
        bound = f"1/TICK = {1000 / tick_ms:.3g}" if tick_ms else "TICK unknown"
        rows.append([f"frames written / s ({default})", h.fmt(
            b.frames_written / b.late_s if b.frames_written else None, 2),
            f"(upper bound {bound})", ""])
    for r in browser:
        rows.append([f"flicker: painted frames missing a chart, after {SETTLE_S:.0f} s "
                     f"({r.preset})", f"{r.flicker_late} of {r.frames}", "0",
                     ok(r.flicker_late == 0)])
    for r in browser:
        rows.append([f"chart remounts after Play ({r.preset})",
                     f"{r.remounts}, {r.rest_kept} of {r.rest_charts} nodes kept "
                     f"({r.updates_per_chart_s:.2f} in-place redraws/s/chart)",
                     "0, all kept (updated in place)",
                     ok(r.remounts == 0 and r.rest_kept == r.rest_charts > 0)])
    for r in browser:
        rows.append([f"script runs while playing, after Play's own ({r.preset})",
                     f"{script_runs(r)} ({fragment_runs(r)} fragment runs), "
                     f"{r.ws_after} ws messages",
                     "0 (none per refresh)", ok(r.play_run_ok and script_runs(r) == 0)])
    for r in browser:
        rows.append([f"browser main thread busy ({r.preset})",
                     f"{h.fmt(r.main_busy_pct, 0, ' %')} (long tasks "
                     f"{h.fmt(r.busy_pct, 0, ' %')})", "(report)", ""])
    for r in browser:
        rows.append([f"cold start s ({r.preset})", f"{r.cold_s:.2f}", f"<= {TARGET_COLD_S:g}",
                     ok(r.cold_s <= TARGET_COLD_S)])
    for r in inproc:
        beyond = [turn_beyond(x, budget_ms) for x in r.turns]
        med, p90 = statistics.median(beyond), h.quantile(beyond, 0.9)
        rows.append([f"server ms per turn beyond the training budget, in-process "
                     f"({r.preset})", f"median {med:.1f}, p90 {p90:.1f}",
                     f"median <= {TARGET_BEYOND_MS:g}", ok(med <= TARGET_BEYOND_MS)])
    for r in browser:
        beyond = served_beyond(r, budget_ms)
        rows.append([f"server CPU ms per frame beyond the budget, served ({r.preset})",
                     f"{h.fmt(beyond, 1)} (CPU - median wall train: "
                     f"{h.fmt(served_beyond(r, budget_ms, cpu=False), 1)})",
                     f"<= {TARGET_BEYOND_MS:g}",
                     ok(beyond is not None and beyond <= TARGET_BEYOND_MS)])
    for r in inproc:
        rows.append(payload_row(f"in-process frame, {r.preset}", r.frame))
    for p, _, e, _, _, frame in long_rows:
        rows.append(payload_row(f"{p} after {e:,} epochs", frame))
    for r in browser:
        rows.append(payload_row(f"polled frame, {r.preset}", r.polled_frame))
        rows.append(payload_row(f"inline frame, {r.preset}", r.inline_frame))
    for r in browser:
        rows.append([f"largest websocket message ({r.preset})",
                     f"{r.largest:,} B, {r.largest_what[:60]}", "(report)", ""])
        rows.append([f"largest frame file ({r.preset})",
                     f"{r.file_largest:,} B served, gzip {r.file_gz:,} B, JSON "
                     f"{r.file_json:,} B", "(report)", ""])
    return h.table(["target", "measured", "target", "ok?"], rows)


def ok(flag: bool) -> str:
    return "yes" if flag else "NO"


# -- main ---------------------------------------------------------------------------------
def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default="sentiment-modern", help="the default preset")
    p.add_argument("--also", nargs="*", default=["sine"], help="more presets (default sine)")
    p.add_argument("--seconds", type=float, default=None,
                   help="seconds of playing per preset (default 20; 8 with --quick)")
    p.add_argument("--ticks", type=int, default=None,
                   help="in-process trainer turns per preset (default 50; 20 with --quick)")
    p.add_argument("--long-seconds", type=float, default=None,
                   help="training before the long-history turns (default 20; 5 with --quick;"
                        " 0 skips them)")
    p.add_argument("--sample-ms", type=int, default=50, help="browser sampling period")
    p.add_argument("--cold-runs", type=int, default=None,
                   help="fresh launches per preset for the cold start median (default 5; "
                        "1 with --quick)")
    p.add_argument("--no-browser", action="store_true", help="in-process part only")
    p.add_argument("--quick", action="store_true", help="short runs (< 2 min)")
    args = p.parse_args(argv)
    args.seconds = args.seconds or (8.0 if args.quick else 20.0)
    args.cold_runs = max(1, args.cold_runs or (1 if args.quick else 5))
    args.ticks = args.ticks or (20 if args.quick else 50)
    if args.long_seconds is None:
        args.long_seconds = 5.0 if args.quick else 20.0
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    presets = list(dict.fromkeys([args.preset, *args.also]))
    timing = feed_timing()
    budget_ms = timing["BUDGET"]
    t_start = time.monotonic()
    print("# rnnviz Train page: live refresh and turn cost\n")
    print(f"date: {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(h.load_line("at start"))
    print(f"presets: {', '.join(presets)}; {args.seconds:g} s playing each, sampled every "
          f"{args.sample_ms} ms; {args.ticks} in-process turns")
    print("rnnviz.live.feed: " + ", ".join(f"{k} = {h.fmt(v, 0)} ms" for k, v in timing.items())
          + " (read from the module)\n")

    browser: list[BrowserResult] = []
    if not args.no_browser:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            for preset in presets:
                browser.append(run_browser(p, preset, args.seconds, args.sample_ms))
            for _ in range(args.cold_runs - 1):  # presets alternate: a slow spell hits both
                for r in browser:
                    r.cold_runs.append(cold_start_s(p, r.preset))
            for r in browser:
                r.cold_s = statistics.median(r.cold_runs)
        print("## In the browser (served as the README does)\n")
        print(browser_table(browser, budget_ms))
        print("\nchart-0 = the first chart (learning curves), compared as JSON every "
              f"{args.sample_ms} ms; Plotly.react timed by wrapping window.Plotly.react "
              "(main-thread ms = its synchronous part); polls = the page's fetches of its "
              f"frame file ({LIVE_URL}<token>.gz, bodies unpacked as frames.unpack); "
              "frames written = the file's seq on disk advancing; train and draw ms are the "
              "server's own figures from the frames' note; CPU from /proc/<server "
              f"pid>/stat over the same window as frames written; script runs and "
              "messages from the websocket (CDP), after the Play click's own script run.")
        print("benign console errors: Streamlit's frontend probing the URL path for its base "
              "(404 on /train/_stcore/...) and the page icon fetched from fonts.gstatic.com.")
        print("\nPlotly.react main-thread ms per call by chart, median / p90 (calls) after "
              "Play:\n")
        print(react_table(browser))
        for r in browser:
            for line in (app_errors(r)[:5] + r.server_problems[:5]):
                print(f"  {r.preset}: {line[:300]}")
        print(f"\n{h.load_line('after the browser runs')}\n")

    with tempfile.TemporaryDirectory(prefix="rnnviz-bench-live-") as tmp:
        folder = Path(tmp)
        inproc = [run_inprocess(preset, args.ticks, folder) for preset in presets]
        print("## In-process: feed.Feed.turn(BUDGET) on the trainer's schedule, one frame "
              "per turn\n")
        print(inprocess_table(inproc, budget_ms))
        print(f"\nms as median / p90. turn = Feed.turn (training, then the frame drawn, "
              f"gzipped and written); draw = turn - train; rebuilt = turns that rebuilt the "
              f"per-epoch charts (at most every EPOCH_VIEW_EVERY = "
              f"{h.fmt(timing['EPOCH_VIEW_EVERY'], 0)} ms), curves only = the others; "
              f"beyond budget = turn - min(train, BUDGET = {h.fmt(budget_ms, 0)} ms); "
              "feed's draw ms = the drawing half of feed.turn_ms (what the note shows); "
              "frame KB = the frame JSON, its gzip (header) and the padded file.\n")
        print(f"Charts of the last frame ({presets[0]}):\n")
        print(chart_table(inproc[0].frame))
        long_rows = []
        if args.long_seconds > 0:
            for preset in dict.fromkeys([*presets, "hello-world"]):
                epochs, hist, turns, frame = long_draw(preset, args.long_seconds, folder)
                long_rows.append((preset, args.long_seconds, epochs, hist, turns, frame))
            print("\n## Draw cost after a longer run (history grows; HISTORY_CAP = 20,000 "
                  "rows)\n")
            print(long_table(long_rows))
    print("\n## Where the draw time goes (medians, ms)\n")
    cases = [(r.preset, r.turns) for r in inproc]
    cases += [(f"{p} at epoch {e:,}", t) for p, _, e, _, t, _ in long_rows]
    print(breakdown_table(cases))
    print("\ndraw = turn - train; train_figures = rnnviz.lessons.training.train_figures (the "
          "per-epoch charts); TrainScene.fast = the learning curves (every turn that trained); "
          "history frames = run.history_frame + run.grad_flow_matrix inside both; "
          "from_trace + views.sine_view inside train_figures; to_json = frames.to_json "
          "(float32 = its typed-array re-encoding); status = TrainScene.status; task view "
          "= lessons.training.task_view; frame_json = frames.frame_json (md5 ids, JSON spliced); "
          "gzip = frames.pack; write = frames.write_atomic; rest = the lock, the "
          "memo, the note, Python.")

    print("\n## Targets\n")
    print(verdicts(browser, inproc, args.preset, long_rows, timing, budget_ms))
    print(f"\n{h.load_line('at end')}")
    print(f"total benchmark time: {time.monotonic() - t_start:.0f} s")


if __name__ == "__main__":
    main()
