"""How often the Train page's charts change while playing, and what one fragment tick costs.

The charts are rnnviz.livechart components (Streamlit components v2: `bidi_component`
elements named "rnnviz.livechart", the figure's plotly JSON as a JSON string in
`bidi_component.json`), one per stable key; in the browser each is a `div.rnnviz-chart`
that plotly.js marks `.js-plotly-plot`, updated in place by Plotly.react.

For each preset (default `seed003-modern`, then `sine`) this serves the app as the README
does (`python -m rnnviz.serve --server.port <free> --server.address 127.0.0.1
--server.headless true`, OPENBLAS_NUM_THREADS=1; a fresh server per preset), opens
/train?preset=<name> in Debian's Chromium (headless, tests/browser.py's flags, viewport
1400x1100), presses Play and watches for --seconds.

In the browser (a sampler injected before Play; the window starts at the click):
  - chart-0 changes/s ("refreshes/s"): every --sample-ms (default 50 ms, setInterval) the
    first chart on the page (the learning curves, found by its title) is compared with the
    previous sample as JSON.stringify(gd.data); each difference is one change. 20/s is the
    most it can see; a busy main thread delays the samples (their count is printed).
  - epoch changes/s: how often the "Epoch" metric's text changes (same samples).
  - every painted frame (requestAnimationFrame): in-place redraws/s = how often a chart
    node's `gd.data` object is replaced (Plotly.react sets a new one per update), per
    chart; remounts/s = chart DOM nodes not seen before (the component's div thrown away
    and plotted afresh in a new node: ~0 expected, the div persists under its key), per
    chart; flicker = frames with fewer `.js-plotly-plot` charts than at rest (just before
    Play), a chart that showed traces and has none now (curves start empty at epoch 0:
    not flicker), a chart without height, or a loading skeleton. Counted over the window
    and after its first 2 s (the click on Play reruns the whole script once).
  - Plotly.react: the sampler wraps window.Plotly.react (the component calls it on the
    same object): calls/s, main-thread ms per call (its synchronous part: defaults, calc,
    drawing) and ms until its promise resolves; their sum per fragment tick; and per
    chart (by title, numbers in it masked).
  - faded: samples in which a chart's element container has opacity < 0.99 (Streamlit
    fading stale elements).
  - browser busy: the renderer main thread's time in tasks over the window (CDP
    Performance.getMetrics TaskDuration: scripts, style, layout, paint), and the sum of
    Long Tasks (main-thread tasks > 50 ms) alone.
  - cold start: server launched (just before Popen; the browser's page is open already)
    -> first chart visible, with the server's health check and the page's load event on
    the way, and in the page (Resource Timing): when plotly.js was requested (the first
    component mounting) and received;
    warm visit: a second browser context on the same server, goto -> first chart.

On the websocket (Playwright `page.on("websocket")` + `framereceived` for sizes; a CDP
session's Network.webSocketFrame* events for timestamps, decoded as Streamlit ForwardMsg):
  - fragment ticks/s: ForwardMsg script_finished = FINISHED_FRAGMENT_RUN_SUCCESSFULLY.
  - tick period: time between consecutive tick ends; burst: the tick's new_session ->
    script_finished, as seen at the browser's network layer; bytes per tick, and of those
    the chart messages (bidi_component deltas) and the component JavaScript they repeat.
  - train ms: the server's own number for each tick, read from the "ms / epoch" metric's
    help text ("last tick: N ms training") in the tick's delta; plus the Steps / s and
    ms / epoch metrics.
  - server CPU ms per tick: user+system CPU of the server process (/proc/<pid>/stat) over
    the window divided by the ticks; minus the median train ms it is the server time per
    tick spent beyond training (drawing, protobuf, websocket, Streamlit's bookkeeping).
  - the largest websocket message: its size and which element (and chart title) it carries.

In-process (no browser, after the browser runs, OPENBLAS_NUM_THREADS=1): a TrainingRun of
the same preset, put in the session state of Streamlit's AppTest, whose script calls the
app's own `rnnviz.ui.live.panel(big=False)` once per run while playing: the exact fragment
body the server runs per tick (training for the module's budget, then `_draw`), with a
real ScriptRunContext (in bare mode a component mounts nothing). Spies (see `Spy`) time
the training (TrainingRun.advance), `_draw`, and inside it the figure builders
(figures.live.train_figures, and within them the history frame and from_trace / sine
view), the serialisation (livechart.to_json, and within it the float32 re-encoding), the
component mount (livechart._mount = DeltaGenerator._bidi_component: element id, the
identity hash of the data, widget registration, enqueue with Streamlit's message hash),
the task view; and capture every element proto it emits: payload bytes per tick and per
chart (figure JSON and the component JavaScript sent with it), the dtypes of the arrays in
each plotly spec (f4 = float32; f8 is expected only for values outside float32's range),
plain JSON number lists (not typed arrays) and curve lengths. Protobuf serialisation of
those protos is timed separately. A long run (--long-seconds of training in one go, also
on `hello-world`, whose epochs are fastest) shows how the draw time grows with the
history. TICK and BUDGET are read from rnnviz.ui.live, never assumed. --quick: 8 s of
play, 20 ticks, 5 s long runs (about 90 s in all).

    python benchmarks/bench_live.py [--quick] [--preset NAME] [--also NAME ...]
                                    [--seconds S] [--ticks N] [--long-seconds S]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime
import os
import re
import statistics
import time
from dataclasses import dataclass, field

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the server; before numpy loads

import _harness as h  # noqa: E402

TARGET_REFRESH = 10.0  # chart refreshes per second on the default preset
TARGET_BEYOND_MS = 15.0  # server time per tick beyond the training budget
TARGET_COLD_S = 3.0  # launch server -> first chart visible
SETTLE_S = 2.0  # the first seconds after Play (a whole-script rerun) reported apart
LIVECHART = "rnnviz.livechart"  # rnnviz.ui.livechart.NAME, the charts' component


def live_timing() -> tuple[float | None, float | None]:
    """(TICK, BUDGET) of rnnviz.ui.live in ms, read from the module now (None if either is
    no longer a plain number there)."""
    from rnnviz.ui import live

    def ms(name):
        v = getattr(live, name, None)
        return float(v) * 1000 if isinstance(v, int | float) else None

    return ms("TICK"), ms("BUDGET")


def curve_points() -> int:
    """rnnviz.figures.curves.MAX_POINTS: curves are downsampled to this many points."""
    from rnnviz.figures import curves

    return curves.MAX_POINTS


def beyond_budget(tick_ms: float, train_ms: float, budget_ms: float | None) -> float:
    """Server time of a tick spent outside the training budget: everything but the training
    that fitted in the budget (training past the budget counts, as does all drawing)."""
    return tick_ms - (min(train_ms, budget_ms) if budget_ms is not None else train_ms)

SAMPLER_JS = """
([sampleMs, rest, firstTitle]) => {
  // Every painted frame (requestAnimationFrame): charts present / empty / new DOM nodes.
  // Every sampleMs (setInterval): the first chart's content, the epoch metric, fading.
  const B = window.__bench = {samples: [], changes0: [], updates: 0, remounts: 0,
                              frames: 0, bad: [], longtask: 0, longtasks: 0,
                              reacts: [], reactsDone: [], wrapped: false};
  // Plotly.react, as the rnnviz.livechart component calls it (window.Plotly is the object
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
  let lastSig0 = null, first = true;
  try {
    new PerformanceObserver(list => {
      for (const e of list.getEntries()) { B.longtask += e.duration; B.longtasks++; }
    }).observe({type: 'longtask'});
  } catch (e) { B.longtask = -1; }
  const epochText = () => {
    for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
      if (m.innerText.includes('Epoch')) {
        const v = m.querySelector('[data-testid="stMetricValue"]');
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
  B.now = performance.now(); return B;
}"""


# -- browser run --------------------------------------------------------------------------
@dataclass
class Frame:
    t: float  # CDP timestamp, s
    size: int
    info: h.ForwardInfo


@dataclass
class BrowserResult:
    preset: str
    cold_s: float = 0.0  # server launch -> first chart visible
    healthy_s: float = 0.0  # server launch -> /_stcore/health answers
    loaded_s: float = 0.0  # server launch -> the page's load event
    warm_s: float = 0.0  # a second visit on the warm server: goto -> first chart
    rest_charts: int = 0  # .js-plotly-plot nodes just before Play
    rest_components: int = 0  # div.rnnviz-chart nodes (the livechart component's own)
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
    ticks: int = 0
    ticks_per_s: float = 0.0
    full_runs: int = 0
    requests: int = 0
    period_ms: list[float] = field(default_factory=list)
    burst_ms: list[float] = field(default_factory=list)
    bytes_per_tick: list[int] = field(default_factory=list)
    chart_msgs_per_tick: list[int] = field(default_factory=list)  # bidi_component deltas
    chart_bytes_per_tick: list[int] = field(default_factory=list)
    js_bytes_per_tick: list[int] = field(default_factory=list)  # component JS among them
    train_ms: list[float] = field(default_factory=list)
    steps_per_s: str = "-"
    ms_per_epoch: str = "-"
    cpu_ms_per_tick: float | None = None
    largest: int = 0
    largest_what: str = ""  # element type, component name and chart title
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


def first_chart_s(page, url: str) -> float:
    """goto -> the first chart visible (plotted by plotly.js: .js-plotly-plot), seconds."""
    t0 = time.monotonic()
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot", state="visible", timeout=60_000)
    return time.monotonic() - t0


def run_browser(playwright, preset: str, seconds: float, sample_ms: int) -> BrowserResult:
    """Serve, open the Train page, press Play, watch; see the module docstring."""
    res = BrowserResult(preset)
    browser = h.launch_chromium(playwright)
    frames: list[Frame] = []
    sent: list[tuple[float, str]] = []
    sizes: list[int] = []
    biggest: list[bytes] = [b""]

    def on_cdp_received(params):
        r = params["response"]
        if r.get("opcode") != 2:
            return
        data = base64.b64decode(r["payloadData"])
        frames.append(Frame(params["timestamp"], len(data), h.decode_forward(data)))

    def on_cdp_sent(params):
        r = params["response"]
        if r.get("opcode") == 2:
            kind, frag = h.decode_back(base64.b64decode(r["payloadData"]))
            sent.append((params["timestamp"], "fragment" if frag else kind))

    def on_frame(payload):
        data = payload if isinstance(payload, bytes) else payload.encode()
        sizes.append(len(data))
        if len(data) > len(biggest[0]):
            biggest[0] = data

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
            cpu0 = server.cpu_seconds()
            task0, wall0 = main_thread_s(cdp), time.monotonic()
            page.get_by_role("button", name="Play", exact=True).click()
            page.wait_for_timeout(seconds * 1000)
            cpu1 = server.cpu_seconds()
            res.main_busy_pct = 100 * (main_thread_s(cdp) - task0) / (time.monotonic() - wall0)
            bench = page.evaluate(STOP_JS)
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
    analyse_ticks(res, window_frames, window_sent, cpu1 - cpu0)
    res.ws_frames, res.ws_bytes = len(sizes), sum(sizes)
    res.largest = len(biggest[0])
    info = h.decode_forward(biggest[0], keep_spec=True)
    what = info.component_name or info.element or info.kind
    res.largest_what = f"{what}: {info.chart_title}" if info.chart_title else what
    return res


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


def analyse_ticks(res: BrowserResult, frames: list[Frame], sent: list, cpu_s: float) -> None:
    """Fragment ticks: ends, periods, bursts, bytes and the server's train ms."""
    ends, start, nbytes, train = [], None, 0, None
    charts = [0, 0, 0]  # chart messages, their bytes, component JS bytes in them
    for f in frames:
        nbytes += f.size
        i = f.info
        if i.element == "bidi_component" and i.component_name == LIVECHART:
            charts = [charts[0] + 1, charts[1] + f.size, charts[2] + i.component_js]
        if i.kind == "new_session":
            start, nbytes, train = f.t, f.size, None
            charts = [0, 0, 0]
        elif i.metric_label == "ms / epoch":
            res.ms_per_epoch = i.metric_body
            m = re.search(r"last tick: (\d+) ms", i.metric_help)
            train = float(m.group(1)) if m else None
        elif i.metric_label == "Steps / s":
            res.steps_per_s = i.metric_body
        elif i.kind == "script_finished":
            if i.finished == "FINISHED_FRAGMENT_RUN_SUCCESSFULLY":
                ends.append(f.t)
                if start is not None:
                    res.burst_ms.append((f.t - start) * 1000)
                res.bytes_per_tick.append(nbytes)
                res.chart_msgs_per_tick.append(charts[0])
                res.chart_bytes_per_tick.append(charts[1])
                res.js_bytes_per_tick.append(charts[2])
                if train is not None:
                    res.train_ms.append(train)
            else:
                res.full_runs += 1
            start, nbytes, charts = None, 0, [0, 0, 0]
    res.ticks = len(ends)
    res.ticks_per_s = res.ticks / res.window_s if res.window_s else 0.0
    res.period_ms = [(b - a) * 1000 for a, b in zip(ends, ends[1:], strict=False)]
    res.requests = sum(1 for _, kind in sent if kind == "fragment")
    if res.ticks:
        res.cpu_ms_per_tick = cpu_s * 1000 / res.ticks


# -- in-process run -----------------------------------------------------------------------
@dataclass
class Tick:
    tick_ms: float  # the fragment body: lock, training, publishing, _draw
    parts: dict[str, float]  # ms by part (see Spy.PARTS)
    serialize_ms: float
    payload: int
    elements: list  # (delta_type, bytes, proto)
    budget_ms: float | None = None  # the training budget granted (pace.budget), if seen

    @property
    def train_ms(self) -> float:
        return self.parts.get("train", 0.0)

    @property
    def draw_ms(self) -> float:
        return self.parts.get("draw", 0.0)

    @property
    def to_json_ms(self) -> float:
        return self.parts.get("to_json", 0.0)

    def charts(self) -> list:
        """(bytes, proto) of the rnnviz.livechart elements, in page order."""
        return [(n, p) for _, n, p in self.elements
                if getattr(p, "component_name", "") == LIVECHART]

    def chart_bytes(self) -> tuple[int, int]:
        """(figure JSON bytes, component JavaScript bytes) over the tick's charts."""
        charts = self.charts()
        return (sum(len(p.json.encode()) for _, p in charts),
                sum(len(p.js_content.encode()) for _, p in charts))


@dataclass
class InProcess:
    preset: str
    ticks: list[Tick]
    epochs: int
    steps_per_s: float


class Spy:
    """Times the parts of the live fragment and captures the element protos it emits.

    Wraps, for the duration of `installed()`, the functions the fragment calls (looked up
    at call time as module or class attributes, so wrapping them changes nothing else);
    only the outermost call of a part is timed (livechart._plain recurses):
      train (TrainingRun.advance), draw (rnnviz.ui.live._draw), figures
      (figures.live.train_figures), inside it history (run.history_frame,
      run.grad_flow_matrix) and views (from_trace, views.sine_view), task_view
      (live._task_view), to_json (livechart.to_json), inside it float32
      (livechart._typed), mount (livechart._mount, the component's mount callable:
      DeltaGenerator._bidi_component), inside it identity (_build_bidi_identity_kwargs:
      json.dumps + md5 of the data) and chart_enqueue (DeltaGenerator._enqueue of the
      component); enqueue (every element) and msg_hash (populate_hash_if_needed, the
      deterministic serialisation + md5 Streamlit runs on every message it enqueues).
    DeltaGenerator._enqueue also captures each element proto, and rnnviz.ui.pace.budget
    (the fair share of live.BUDGET, if the app has it) its answer: the tick's budget.
    """

    PARTS = ("train", "draw", "figures", "history", "views", "task_view", "to_json",
             "float32", "mount", "identity", "chart_enqueue", "enqueue", "msg_hash")

    def __init__(self):
        import streamlit.runtime.scriptrunner_utils.script_run_context as src
        from streamlit.components.v2.bidi_component import BidiComponentMixin
        from streamlit.delta_generator import DeltaGenerator

        from rnnviz import views
        from rnnviz.figures import live as live_figs
        from rnnviz.session import TrainingRun
        from rnnviz.ui import live, livechart

        self.times = dict.fromkeys(self.PARTS, 0.0)
        self.depth = dict.fromkeys(self.PARTS, 0)
        self.elements: list = []
        self.budgets: list[float] = []  # seconds, as pace.budget granted them
        self.pace = getattr(live, "pace", None)
        self.targets = [
            (TrainingRun, "advance", "train"),
            (live, "_draw", "draw"),
            (live_figs, "train_figures", "figures"),
            (TrainingRun, "history_frame", "history"),
            (TrainingRun, "grad_flow_matrix", "history"),
            (live_figs, "from_trace", "views"),
            (views, "sine_view", "views"),
            (live, "_task_view", "task_view"),
            (livechart, "to_json", "to_json"),
            (livechart, "_typed", "float32"),
            (livechart, "_mount", "mount"),
            (BidiComponentMixin, "_build_bidi_identity_kwargs", "identity"),
            (src, "populate_hash_if_needed", "msg_hash"),
        ]
        self.DeltaGenerator = DeltaGenerator

    def reset(self) -> None:
        self.times = dict.fromkeys(self.PARTS, 0.0)
        self.elements = []
        self.budgets = []

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
        dg = self.DeltaGenerator
        enqueue = dg._enqueue

        def spy_enqueue(dg_self, delta_type, element_proto, *a, **k):
            self.elements.append((delta_type, element_proto))
            parts = ("enqueue", "chart_enqueue") if self.depth["mount"] else ("enqueue",)
            with self.timing(*parts):
                return enqueue(dg_self, delta_type, element_proto, *a, **k)

        dg._enqueue = spy_enqueue
        budget = getattr(self.pace, "budget", None)
        if callable(budget):
            def spy_budget(*a, **k):
                out = budget(*a, **k)
                self.budgets.append(out)
                return out

            self.pace.budget = spy_budget
        try:
            yield self
        finally:
            if callable(budget):
                self.pace.budget = budget
            dg._enqueue = enqueue
            for owner, name, own, value in reversed(saved):
                if own:
                    setattr(owner, name, value)
                else:
                    delattr(owner, name)


def quiet_streamlit() -> None:
    """AppTest's session state set from this thread logs a warning per access (no script
    run context); silence them."""
    import streamlit.runtime.state.session_state_proxy  # noqa: F401 -- creates its logger
    from streamlit import config as st_config
    from streamlit import logger as st_logger

    st_config.set_option("global.showWarningOnDirectExecution", False)  # parses the config,
    st_config.set_option("logger.level", "error")  # which resets the log level: set it after
    st_logger.set_log_level("error")


def _tick_script(body):
    """The AppTest script (run from its source, in AppTest's script thread): one tick."""
    body()


class Page:
    """The Train page's live panel under Streamlit's AppTest, one fragment tick per run.

    AppTest gives the script a real ScriptRunContext (and a runtime with the component
    registry), so the component mounts and enqueues as when served; in bare mode
    st.components.v2 mounts nothing. The run lives in the session state as the page's."""

    def __init__(self, run, playing: bool):
        from streamlit.testing.v1 import AppTest

        from rnnviz.ui import state

        self.body = None
        self.at = AppTest.from_function(_tick_script, kwargs={"body": self._body},
                                        default_timeout=120)
        self.at.session_state[state.RUN] = run
        self.at.session_state[state.CFG] = run.cfg
        self.at.session_state[state.PLAYING] = playing

    def _body(self):
        self.body()

    def run(self, body) -> None:
        self.body = body
        self.at.run()
        if self.at.exception:
            e = self.at.exception[0]
            raise RuntimeError(f"the live panel failed: {e.message}\n"
                               + "\n".join(e.stack_trace))


def one_tick(page: Page, live, spy: Spy) -> Tick:
    """One run of the live fragment (live.panel), as the server runs it per tick."""
    out = {}

    def body():
        spy.reset()
        t0 = time.perf_counter()
        live.panel(False)
        out["tick"] = (time.perf_counter() - t0) * 1000
        out["times"] = dict(spy.times)
        out["elements"] = list(spy.elements)
        out["budget"] = sum(spy.budgets) * 1000 if spy.budgets else None

    page.run(body)
    elements = [(kind, proto.ByteSize(), proto) for kind, proto in out["elements"]]
    t0 = time.perf_counter()
    for _, _, proto in elements:
        proto.SerializeToString()
    t1 = time.perf_counter()
    parts = {k: v * 1000 for k, v in out["times"].items()}
    return Tick(out["tick"], parts, (t1 - t0) * 1000, sum(n for _, n, _ in elements),
                elements, out["budget"])


def run_inprocess(preset: str, ticks: int) -> InProcess:
    """Play `ticks` fragment ticks as the server does (after 3 warm-up ticks)."""
    quiet_streamlit()
    from rnnviz.config import preset_config
    from rnnviz.session import TrainingRun
    from rnnviz.ui import live

    run = TrainingRun(preset_config(preset))
    page = Page(run, playing=True)
    spy = Spy()
    with spy.installed():
        for _ in range(3):  # first calls import pyarrow, warm caches
            one_tick(page, live, spy)
        out = [one_tick(page, live, spy) for _ in range(ticks)]
    return InProcess(preset, out, run.epoch, run.steps_per_second)


def long_draw(preset: str, seconds: float, reps: int = 5) -> tuple[int, int, list[Tick]]:
    """Train `seconds` in one go, then time paused ticks (draw only): (epochs, history
    rows, ticks)."""
    quiet_streamlit()
    from rnnviz.config import preset_config
    from rnnviz.session import TrainingRun
    from rnnviz.ui import live

    run = TrainingRun(preset_config(preset))
    run.advance(seconds=seconds)
    page = Page(run, playing=False)
    spy = Spy()
    with spy.installed():
        one_tick(page, live, spy)
        out = [one_tick(page, live, spy) for _ in range(reps)]
    return run.epoch, len(run.history), out


@dataclass
class SpecReport:
    """The arrays of one plotly spec."""

    dtypes: str  # typed arrays by dtype, e.g. "f4x3 i4x1"
    values: int  # numbers in typed arrays
    f8: int  # of which float64
    f8_fits: int  # of those, in arrays that would fit float32 (livechart._typed's rule)
    plain: int  # plain JSON number lists of >= 20 numbers (not typed arrays)
    points: int  # most points in one scatter trace (curves are downsampled)


def spec_report(spec: str) -> SpecReport:
    """What a plotly JSON spec sends: dtypes, float64 share, plain lists, curve lengths."""
    import json

    import numpy as np

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

    fig = json.loads(spec)
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


def ms_stats2(values: list[float]) -> str:
    return (f"{statistics.median(values):.2f} / {h.quantile(values, 0.9):.2f}"
            if values else "-")


def med_int(values: list[int], scale: float = 1.0, digits: int = 0) -> str:
    return f"{statistics.median(values) / scale:,.{digits}f}" if values else "-"


def served_beyond(r: BrowserResult, budget_ms: float | None) -> float | None:
    """Server CPU ms per tick outside the training budget (see beyond_budget)."""
    if r.cpu_ms_per_tick is None:
        return None
    if r.train_ms:
        return beyond_budget(r.cpu_ms_per_tick, statistics.median(r.train_ms), budget_ms)
    return r.cpu_ms_per_tick - budget_ms if budget_ms is not None else None


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

    add("cold start: launch -> first chart (s)", lambda r: f"{r.cold_s:.2f}")
    add("  launch -> server healthy (s)", lambda r: f"{r.healthy_s:.2f}")
    add("  launch -> page load event (s)", lambda r: f"{r.loaded_s:.2f}")
    add("  in page (ms from navigation): load event", lambda r: page_ms(r, "load"))
    add("    plotly.js requested -> received", lambda r: (
        f"{page_ms(r, 'pjs_start')} -> {page_ms(r, 'pjs_end')} "
        f"({h.fmt(r.page_timing.get('pjs_kb'), 0)} KB)"))
    add("    first chart visible", lambda r: page_ms(r, "chart"))
    add("warm visit: goto -> first chart (s)", lambda r: f"{r.warm_s:.2f}")
    add("charts at rest (.js-plotly-plot | livechart divs)",
        lambda r: f"{r.rest_charts} | {r.rest_components}")
    add("window after Play (s)", lambda r: f"{r.window_s:.1f}")
    add("chart-0 changes / s (sampled)", lambda r: f"{r.chart0_per_s:.2f}")
    add("epoch metric changes / s", lambda r: f"{r.epoch_changes_per_s:.2f}")
    add("in-place chart redraws / s (per chart)", lambda r: f"{r.updates_per_chart_s:.2f}")
    add("chart remounts / s (per chart)", lambda r: (
        f"{r.remounts / max(r.rest_charts, 1) / r.window_s:.2f} ({r.remounts} nodes)"))
    add("Plotly.react calls / s (all charts)", lambda r: (
        f"{len(r.react_ms) / r.window_s:.2f}" if r.react_wrapped else "not wrapped"))
    add("  main-thread ms per call, median / p90", lambda r: ms_stats1(r.react_ms))
    add("  call -> promise resolved ms, med / p90", lambda r: ms_stats1(r.react_done_ms))
    add("  Plotly.react ms per tick | % of window", lambda r: (
        f"{sum(r.react_ms) / r.ticks:.0f} | {sum(r.react_ms) / r.window_s / 10:.0f} %"
        if r.ticks and r.react_ms else "-"))
    add("epochs before -> after", lambda r: f"{r.epochs[0]} -> {r.epochs[1]}")
    add("fragment ticks / s (websocket)", lambda r: f"{r.ticks_per_s:.2f}")
    add("fragment rerun requests sent", lambda r: str(r.requests))
    add("tick period ms, median / p90", lambda r: ms_stats(r.period_ms))
    add("tick burst ms (new_session->finished)", lambda r: ms_stats(r.burst_ms))
    add("train ms per tick (server, help text)", lambda r: ms_stats(r.train_ms))
    add("server CPU ms per tick", lambda r: h.fmt(r.cpu_ms_per_tick, 0))
    add("  beyond training (CPU - median train)", lambda r: h.fmt(
        r.cpu_ms_per_tick - statistics.median(r.train_ms)
        if r.cpu_ms_per_tick is not None and r.train_ms else None, 0))
    add(f"  beyond the budget ({h.fmt(budget_ms, 0)} ms)",
        lambda r: h.fmt(served_beyond(r, budget_ms), 0))
    add("Steps / s | ms / epoch (metrics)", lambda r: f"{r.steps_per_s} | {r.ms_per_epoch}")
    add("bytes per tick, median / max", lambda r: (
        f"{statistics.median(r.bytes_per_tick):,.0f} / {max(r.bytes_per_tick):,}"
        if r.bytes_per_tick else "-"))
    add("  chart messages | their bytes (median)", lambda r: (
        f"{med_int(r.chart_msgs_per_tick)} | {med_int(r.chart_bytes_per_tick)}"))
    add("  component JS repeated in them (median)", lambda r: med_int(r.js_bytes_per_tick))
    add("largest websocket message (bytes)", lambda r: f"{r.largest:,}")
    add("  carrying", lambda r: r.largest_what[:60])
    add("websocket frames / bytes received", lambda r: f"{r.ws_frames} / {r.ws_bytes:,}")
    add(f"flicker frames (all | after {SETTLE_S:.0f} s)", lambda r: (
        f"{r.flicker} | {r.flicker_late} of {r.frames}"))
    add("  flicker by kind (all | after 2 s)", lambda r: (
        f"{r.flicker_kinds_all or '-'} | {r.flicker_kinds or '-'}"))
    add(f"faded samples (all | after {SETTLE_S:.0f} s)",
        lambda r: f"{r.faded} | {r.faded_late} of {r.samples}")
    add("browser main thread busy: all tasks | long tasks",
        lambda r: f"{h.fmt(r.main_busy_pct, 0, ' %')} | {h.fmt(r.busy_pct, 0, ' %')}")
    add("exceptions | console errors (app | benign)", lambda r: (
        f"{r.exceptions} | {len(app_errors(r))} | {len(r.console_errors) - len(app_errors(r))}"))
    add("server log error lines", lambda r: str(len(r.server_problems)))
    return h.table(["measure", *(r.preset for r in results)], rows)


def tick_beyond(x: Tick, budget_ms: float | None) -> tuple[float, float]:
    """(beyond training, beyond the budget) of one in-process tick, ms, protobuf included;
    the budget is the one pace.budget granted the tick, else live.BUDGET."""
    total = x.tick_ms + x.serialize_ms
    budget = x.budget_ms if x.budget_ms is not None else budget_ms
    return total - x.train_ms, beyond_budget(total, x.train_ms, budget)


def inprocess_table(results: list[InProcess], budget_ms: float | None) -> str:
    rows = []
    for r in results:
        t = r.ticks
        beyond = [tick_beyond(x, budget_ms) for x in t]
        biggest = max(((n, kind) for kind, n, _ in t[-1].elements), default=(0, "-"))
        charts = [x.chart_bytes() for x in t]
        granted = [x.budget_ms for x in t if x.budget_ms is not None]
        rows.append([r.preset, str(len(t)), ms_stats1(granted),
                     ms_stats1([x.train_ms for x in t]),
                     ms_stats1([x.tick_ms for x in t]), ms_stats1([x.draw_ms for x in t]),
                     ms_stats2([x.serialize_ms for x in t]),
                     ms_stats1([b[0] for b in beyond]), ms_stats1([b[1] for b in beyond]),
                     f"{statistics.median(x.payload for x in t) / 1024:.1f}",
                     f"{statistics.median(c[0] for c in charts) / 1024:.1f} | "
                     f"{statistics.median(c[1] for c in charts) / 1024:.1f}",
                     f"{biggest[0] / 1024:.1f} ({biggest[1]})", str(r.epochs),
                     f"{r.steps_per_s:.0f}"])
    return h.table(["preset", "ticks", "budget ms", "train ms", "tick ms", "draw ms", "protobuf ms",
                    "beyond training ms", "beyond budget ms", "payload KB/tick",
                    "charts KB: JSON | JS", "largest element KB", "epochs", "steps/s"], rows)


BREAKDOWN = (  # (column, part or a function of a tick's parts)
    ("draw", "draw"),
    ("train_figures", "figures"),
    ("  history frame", "history"),
    ("  from_trace+sine view", "views"),
    ("  builders", lambda p: p["figures"] - p["history"] - p["views"]),
    ("to_json", "to_json"),
    ("  float32", "float32"),
    ("mount", "mount"),
    ("  identity hash", "identity"),
    ("  enqueue+msg hash", "chart_enqueue"),
    ("  other", lambda p: p["mount"] - p["identity"] - p["chart_enqueue"]),
    ("task view", "task_view"),
    ("rest (st.*)", lambda p: p["draw"] - p["figures"] - p["to_json"] - p["mount"]
     - p["task_view"]),
    ("msg hash (all msgs)", "msg_hash"),
)


def breakdown_table(cases: list[tuple[str, list[Tick]]]) -> str:
    rows = []
    for label, ticks in cases:
        row = [label]
        for _, part in BREAKDOWN:
            def value(x, part=part):
                p = dict.fromkeys(Spy.PARTS, 0.0) | x.parts
                return part(p) if callable(part) else p[part]

            row.append(f"{statistics.median(value(x) for x in ticks):.1f}")
        rows.append(row)
    return h.table(["case", *(c for c, _ in BREAKDOWN)], rows)


def chart_table(r: InProcess) -> str:
    rows = []
    for kind, n, proto in r.ticks[-1].elements:
        if getattr(proto, "component_name", "") == LIVECHART:
            spec = h.component_spec(proto.json)
            sr = spec_report(spec)
            rows.append([h.plotly_title(spec)[:44], f"{n:,}", f"{len(proto.json.encode()):,}",
                         f"{len(proto.js_content.encode()):,}", sr.dtypes,
                         f"{sr.f8} of {sr.values} ({sr.f8_fits} fit f4)", str(sr.plain),
                         str(sr.points or "-")])
        elif n > 1000:
            rows.append([kind, f"{n:,}", "-", "-", "-", "-", "-", "-"])
    return h.table(["chart (element)", "proto bytes", "data JSON", "component JS",
                    "typed arrays (dtype x count)", "float64 values", "plain number lists",
                    "curve points"], rows)


def long_table(rows_in: list[tuple[str, float, int, int, list[Tick]]]) -> str:
    rows = []
    for preset, seconds, epochs, hist, ticks in rows_in:
        def med(key, ticks=ticks):
            return f"{statistics.median(x.parts.get(key, 0.0) for x in ticks):.1f}"

        rows.append([preset, f"{seconds:.0f}", f"{epochs:,}", f"{hist:,}",
                     ms_stats1([x.draw_ms for x in ticks]), med("figures"), med("to_json"),
                     med("mount"), f"{statistics.median(x.payload for x in ticks) / 1024:.1f}"])
    return h.table(["preset", "trained s", "epochs", "history rows", "draw ms med / p90",
                    "train_figures ms", "to_json ms", "mount ms", "payload KB"], rows)


def payload_row(label: str, ticks: list[Tick]) -> list[str]:
    reps = [spec_report(h.component_spec(p.json)) for _, p in ticks[-1].charts()]
    values, f8 = sum(r.values for r in reps), sum(r.f8 for r in reps)
    fits, plain = sum(r.f8_fits for r in reps), sum(r.plain for r in reps)
    points, limit = max((r.points for r in reps), default=0), curve_points()
    good = bool(reps) and fits == 0 and plain == 0 and points <= limit
    return [f"chart arrays float32, curves downsampled ({label})",
            f"{len(reps)} charts: f8 {f8} of {values} values ({fits} would fit f4), "
            f"plain lists {plain}, max curve {points} pts",
            f"f8 only beyond f4's range, no plain lists, <= {limit} pts", ok(good)]


def verdicts(browser: list[BrowserResult], inproc: list[InProcess], default: str,
             long_rows: list, tick_ms: float | None, budget_ms: float | None) -> str:
    payload_cases = [(r.preset, r.ticks) for r in inproc]
    payload_cases += [(f"{p} after {e:,} epochs", t) for p, _, e, _, t in long_rows]
    rows = []
    b = next((r for r in browser if r.preset == default), None)
    if b is not None:
        rows.append([f"chart refreshes / s ({default})", f"{b.chart0_per_s:.2f}",
                     f">= {TARGET_REFRESH:g}", ok(b.chart0_per_s >= TARGET_REFRESH)])
        bound = f"1/TICK = {1000 / tick_ms:.3g}" if tick_ms else "TICK unknown"
        rows.append([f"fragment ticks / s ({default})", f"{b.ticks_per_s:.2f}",
                     f"(upper bound {bound})", ""])
    for r in browser:
        rows.append([f"flicker: painted frames missing a chart, after {SETTLE_S:.0f} s "
                     f"({r.preset})", f"{r.flicker_late} of {r.frames}", "0",
                     ok(r.flicker_late == 0)])
    for r in browser:
        rows.append([f"chart remounts after Play ({r.preset})",
                     f"{r.remounts} ({r.updates_per_chart_s:.2f} in-place redraws/s/chart)",
                     "0 (updated in place)", ok(r.remounts == 0)])
    for r in browser:
        rows.append([f"cold start s ({r.preset})", f"{r.cold_s:.2f}", f"<= {TARGET_COLD_S:g}",
                     ok(r.cold_s <= TARGET_COLD_S)])
    for r in inproc:
        beyond = [tick_beyond(x, budget_ms)[1] for x in r.ticks]
        med, p90 = statistics.median(beyond), h.quantile(beyond, 0.9)
        rows.append([f"server ms per tick beyond the training budget, in-process "
                     f"({r.preset})", f"median {med:.1f}, p90 {p90:.1f}",
                     f"<= {TARGET_BEYOND_MS:g}", ok(med <= TARGET_BEYOND_MS)])
    for r in browser:
        beyond = served_beyond(r, budget_ms)
        if beyond is not None:
            rows.append([f"server CPU ms per tick beyond the budget, served ({r.preset})",
                         f"{beyond:.0f}", f"<= {TARGET_BEYOND_MS:g}",
                         ok(beyond <= TARGET_BEYOND_MS)])
    for label, ticks in payload_cases:
        rows.append(payload_row(label, ticks))
    for r in browser:
        rows.append([f"largest websocket message ({r.preset})",
                     f"{r.largest:,} B, {r.largest_what[:60]}", "(report)", ""])
    return h.table(["target", "measured", "target", "ok?"], rows)


def ok(flag: bool) -> str:
    return "yes" if flag else "NO"


# -- main ---------------------------------------------------------------------------------
def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default="seed003-modern", help="the default preset")
    p.add_argument("--also", nargs="*", default=["sine"], help="more presets (default sine)")
    p.add_argument("--seconds", type=float, default=None,
                   help="seconds of playing per preset (default 20; 8 with --quick)")
    p.add_argument("--ticks", type=int, default=None,
                   help="in-process ticks per preset (default 50; 20 with --quick)")
    p.add_argument("--long-seconds", type=float, default=None,
                   help="training before the long-history draw (default 20; 5 with --quick;"
                        " 0 skips it)")
    p.add_argument("--sample-ms", type=int, default=50, help="browser sampling period")
    p.add_argument("--no-browser", action="store_true", help="in-process part only")
    p.add_argument("--quick", action="store_true", help="short runs (< 2 min)")
    args = p.parse_args(argv)
    args.seconds = args.seconds or (8.0 if args.quick else 20.0)
    args.ticks = args.ticks or (20 if args.quick else 50)
    if args.long_seconds is None:
        args.long_seconds = 5.0 if args.quick else 20.0
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    presets = list(dict.fromkeys([args.preset, *args.also]))
    tick_ms, budget_ms = live_timing()
    t_start = time.monotonic()
    print("# rnnviz Train page: live refresh and tick cost\n")
    print(f"date: {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(h.load_line("at start"))
    print(f"presets: {', '.join(presets)}; {args.seconds:g} s playing each, sampled every "
          f"{args.sample_ms} ms; {args.ticks} in-process ticks")
    print(f"rnnviz.ui.live: TICK = {h.fmt(tick_ms, 0)} ms, BUDGET = {h.fmt(budget_ms, 0)} ms "
          "(read from the module)\n")

    browser: list[BrowserResult] = []
    if not args.no_browser:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            for preset in presets:
                browser.append(run_browser(p, preset, args.seconds, args.sample_ms))
        print("## In the browser (served as the README does)\n")
        print(browser_table(browser, budget_ms))
        print("\nchart-0 = the first chart (learning curves), compared as JSON every "
              f"{args.sample_ms} ms; Plotly.react timed by wrapping window.Plotly.react "
              "(main-thread ms = its synchronous part); ticks, bursts and bytes from the "
              "websocket (CDP timestamps at the browser's network layer); chart messages = "
              f"bidi_component deltas of {LIVECHART}; train ms is the server's own figure "
              "from the 'ms / epoch' help text; CPU from /proc/<server pid>/stat.")
        print("benign console errors: Streamlit's frontend probing the URL path for its base "
              "(404 on /train/_stcore/...) and the page icon fetched from fonts.gstatic.com.")
        print("\nPlotly.react main-thread ms per call by chart, median / p90 (calls) after "
              "Play:\n")
        print(react_table(browser))
        for r in browser:
            for line in (app_errors(r)[:5] + r.server_problems[:5]):
                print(f"  {r.preset}: {line[:300]}")
        print(f"\n{h.load_line('after the browser runs')}\n")

    inproc = [run_inprocess(preset, args.ticks) for preset in presets]
    print("## In-process: rnnviz.ui.live.panel under AppTest, one fragment tick per run\n")
    print(inprocess_table(inproc, budget_ms))
    print(f"\nms as median / p90. tick = the fragment body (training, publishing, _draw); "
          f"protobuf = serialising the element protos it emits; beyond training = tick + "
          f"protobuf - train; budget = what pace.budget granted the tick (live.BUDGET = "
          f"{h.fmt(budget_ms, 0)} ms alone); beyond budget = tick + protobuf - min(train, "
          f"budget); payload = the protos' bytes; charts = the "
          f"{LIVECHART} elements' figure JSON and the component JavaScript each one carries."
          "\n")
    print(f"Charts of the last tick ({presets[0]}):\n")
    print(chart_table(inproc[0]))
    long_rows = []
    if args.long_seconds > 0:
        for preset in dict.fromkeys([*presets, "hello-world"]):
            epochs, hist, ticks = long_draw(preset, args.long_seconds)
            long_rows.append((preset, args.long_seconds, epochs, hist, ticks))
        print("\n## Draw cost after a longer run, paused (history grows; HISTORY_CAP = 20,000 "
              "rows)\n")
        print(long_table(long_rows))
    print("\n## Where the draw time goes (medians, ms)\n")
    cases = [(r.preset, r.ticks) for r in inproc]
    cases += [(f"{p} at epoch {e:,}", t) for p, _, e, _, t in long_rows]
    print(breakdown_table(cases))
    print("\ndraw = live._draw; train_figures = rnnviz.figures.live.train_figures (history "
          "frame = run.history_frame + run.grad_flow_matrix; from_trace + views.sine_view; "
          "builders = the rest: the figures themselves); to_json = livechart.to_json (float32 "
          "= its typed-array re-encoding); mount = livechart._mount -> "
          "DeltaGenerator._bidi_component (identity hash = json.dumps + md5 of the data for "
          "the element id, although the key alone names it; enqueue + msg hash = "
          "Streamlit's deterministic serialisation + md5 of each message; other = id, widget "
          "registration); rest = st.metric/columns/dataframe/markdown; msg hash (all msgs) "
          "= populate_hash_if_needed over every element, charts included.")

    print("\n## Targets\n")
    print(verdicts(browser, inproc, args.preset, long_rows, tick_ms, budget_ms))
    print(f"\n{h.load_line('at end')}")
    print(f"total benchmark time: {time.monotonic() - t_start:.0f} s")


if __name__ == "__main__":
    main()
