"""How often the Train page's charts change while playing, and what one fragment tick costs.

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
    node's `gd.data` object is replaced, per chart; remounts/s = chart DOM nodes not seen
    before (a chart thrown away and plotted afresh in a new node), per chart; flicker =
    frames with fewer `.js-plotly-plot` charts than at rest (just before Play), a chart
    without data or height, or a loading skeleton. Counted over the window and after its
    first 2 s (the click on Play reruns the whole script once).
  - faded: samples in which a chart's element container has opacity < 0.99 (Streamlit
    fading stale elements).
  - browser busy: the sum of Long Tasks (main-thread tasks > 50 ms) over the window.
  - cold start: server launched (just before Popen) -> first chart visible, with the
    server's health check and the page's load event on the way; warm visit: a second
    browser context on the same server, goto -> first chart.

On the websocket (Playwright `page.on("websocket")` + `framereceived` for sizes; a CDP
session's Network.webSocketFrame* events for timestamps, decoded as Streamlit ForwardMsg):
  - fragment ticks/s: ForwardMsg script_finished = FINISHED_FRAGMENT_RUN_SUCCESSFULLY.
  - tick period: time between consecutive tick ends; burst: the tick's new_session ->
    script_finished, as seen at the browser's network layer; bytes per tick.
  - train ms: the server's own number for each tick, read from the "ms / epoch" metric's
    help text ("last tick: N ms training") in the tick's delta; plus the Steps / s and
    ms / epoch metrics.
  - server CPU ms per tick: user+system CPU of the server process (/proc/<pid>/stat) over
    the window divided by the ticks; minus the median train ms it is the server time per
    tick spent beyond training (drawing, protobuf, websocket, Streamlit's bookkeeping).
  - the largest websocket message: its size and which element it carries.

In-process (no browser, after the browser runs, OPENBLAS_NUM_THREADS=1): a TrainingRun of
the same preset; per tick `run.advance(seconds=live.BUDGET)` (train ms) then the app's own
`rnnviz.ui.live._draw(run, big=False, train_ms)` in Streamlit's bare mode (draw ms: the
exact code the fragment runs, everything except sending). Spies (see `Spy`) split the
draw into the history frame, the figure builders, the views, st.plotly_chart (and inside it
plotly's Figure.to_dict and plotly.io.to_json), and capture every element proto it emits:
payload bytes per tick and per chart, the dtypes of the arrays in each plotly spec (f4 =
float32), plain JSON number lists (not typed arrays) and curve lengths. Protobuf
serialisation of those protos is timed separately. A long run (--long-seconds of training
in one go, also on `hello-world`, whose epochs are fastest) shows how the draw time grows
with the history. --quick: 8 s of play, 20 ticks, 5 s long runs (about 75 s in all).

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
CURVE_POINTS = 400  # rnnviz.figures.curves.MAX_POINTS: curves are downsampled to this
BUDGET_MS = 80.0  # rnnviz.ui.live.BUDGET; checked against the module in main()
SETTLE_S = 2.0  # the first seconds after Play (a whole-script rerun) reported apart

SAMPLER_JS = """
([sampleMs, rest, firstTitle]) => {
  // Every painted frame (requestAnimationFrame): charts present / empty / new DOM nodes.
  // Every sampleMs (setInterval): the first chart's content, the epoch metric, fading.
  const B = window.__bench = {samples: [], changes0: [], updates: 0, remounts: 0,
                              frames: 0, bad: [], longtask: 0, longtasks: 0};
  const ids = new WeakSet();
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
      if (!el.data || el.data.length === 0 || el.getBoundingClientRect().height < 10) empty++;
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
    const title = el => {  // Streamlit's theme wraps titles in <b>, sometimes twice
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
    rest_charts: int = 0
    window_s: float = 0.0
    chart0_per_s: float = 0.0
    epoch_changes_per_s: float = 0.0
    updates_per_chart_s: float = 0.0
    remounts: int = 0
    frames: int = 0  # painted frames seen by requestAnimationFrame
    flicker: int = 0  # frames with a chart missing / empty / a skeleton
    flicker_late: int = 0
    flicker_kinds: str = ""  # late flicker frames by kind
    samples: int = 0
    faded: int = 0
    faded_late: int = 0
    busy_pct: float | None = None
    epochs: tuple[int | None, int | None] = (None, None)
    ticks: int = 0
    ticks_per_s: float = 0.0
    full_runs: int = 0
    requests: int = 0
    period_ms: list[float] = field(default_factory=list)
    burst_ms: list[float] = field(default_factory=list)
    bytes_per_tick: list[int] = field(default_factory=list)
    train_ms: list[float] = field(default_factory=list)
    steps_per_s: str = "-"
    ms_per_epoch: str = "-"
    cpu_ms_per_tick: float | None = None
    largest: int = 0
    largest_what: str = ""
    ws_frames: int = 0
    ws_bytes: int = 0
    console_errors: list[str] = field(default_factory=list)
    exceptions: int = 0
    server_problems: list[str] = field(default_factory=list)


def first_chart_s(page, url: str) -> float:
    """goto -> the first plotly chart visible, seconds."""
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
        with h.Server() as server:
            url = f"{server.url}/train?preset={preset}"
            res.healthy_s = server.t_healthy - server.t_launch
            context = browser.new_context(viewport={"width": 1400, "height": 1100})
            page = context.new_page()
            page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
            page.on("console", on_console)
            page.on("pageerror", lambda e: res.console_errors.append(f"pageerror: {e}"))
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.on("Network.webSocketFrameReceived", on_cdp_received)
            cdp.on("Network.webSocketFrameSent", on_cdp_sent)
            page.goto(url)
            res.loaded_s = time.monotonic() - server.t_launch
            page.wait_for_selector(".js-plotly-plot", state="visible", timeout=60_000)
            res.cold_s = time.monotonic() - server.t_launch
            h.wait_ready(page, 60_000)
            warm = browser.new_context(viewport={"width": 1400, "height": 1100})
            res.warm_s = first_chart_s(warm.new_page(), url)
            warm.close()
            page.wait_for_timeout(1000)
            h.wait_ready(page, 60_000)
            res.rest_charts = page.locator(".js-plotly-plot").count()
            e0 = h.epoch_of(page)
            first_title = page.evaluate(
                "() => { const el = document.querySelector('.js-plotly-plot'); "
                "const t = el && el.layout && el.layout.title; "
                "return String(t && typeof t === 'object' ? t.text : t || '')"
                ".replace(/<[^>]*>/g, ''); }")
            t_play = page.evaluate(SAMPLER_JS, [sample_ms, res.rest_charts, first_title])
            n_frames, n_sent = len(frames), len(sent)
            cpu0 = server.cpu_seconds()
            page.get_by_role("button", name="Play", exact=True).click()
            page.wait_for_timeout(seconds * 1000)
            cpu1 = server.cpu_seconds()
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
    res.largest_what = (f"{info.element} '{info.plotly_title}'" if info.plotly_title
                        else info.element or info.kind)
    return res


def analyse_page(res: BrowserResult, bench: dict, t_play: float) -> None:
    """Rates, flicker and busy time from the in-page sampler."""
    res.window_s = (bench["now"] - t_play) / 1000
    late = t_play + SETTLE_S * 1000
    res.frames = bench["frames"]
    res.flicker = len(bench["bad"])
    late_bad = [b for b in bench["bad"] if b[0] > late]
    res.flicker_late = len(late_bad)
    kinds = {"fewer charts": sum(b[1] for b in late_bad),
             "empty chart": sum(b[2] for b in late_bad),
             "skeleton": sum(b[3] for b in late_bad)}
    res.flicker_kinds = ", ".join(f"{k} {n}" for k, n in kinds.items() if n)
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


def analyse_ticks(res: BrowserResult, frames: list[Frame], sent: list, cpu_s: float) -> None:
    """Fragment ticks: ends, periods, bursts, bytes and the server's train ms."""
    ends, start, nbytes, train = [], None, 0, None
    for f in frames:
        nbytes += f.size
        i = f.info
        if i.kind == "new_session":
            start, nbytes, train = f.t, f.size, None
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
                if train is not None:
                    res.train_ms.append(train)
            else:
                res.full_runs += 1
            start, nbytes = None, 0
    res.ticks = len(ends)
    res.ticks_per_s = res.ticks / res.window_s if res.window_s else 0.0
    res.period_ms = [(b - a) * 1000 for a, b in zip(ends, ends[1:], strict=False)]
    res.requests = sum(1 for _, kind in sent if kind == "fragment")
    if res.ticks:
        res.cpu_ms_per_tick = cpu_s * 1000 / res.ticks


# -- in-process run -----------------------------------------------------------------------
@dataclass
class Tick:
    train_ms: float
    draw_ms: float
    parts: dict[str, float]  # ms by part of the draw (see Spy.PARTS)
    serialize_ms: float
    payload: int
    elements: list  # (delta_type, bytes, proto)

    @property
    def to_dict_ms(self) -> float:
        return self.parts.get("to_dict", 0.0)

    @property
    def to_json_ms(self) -> float:
        return self.parts.get("to_json", 0.0)


@dataclass
class InProcess:
    preset: str
    ticks: list[Tick]
    epochs: int
    steps_per_s: float


class Spy:
    """Times the parts of `live._draw` and captures the element protos it emits.

    Wraps, for the duration of `installed()`, the functions _draw calls (looked up at call
    time as module or class attributes, so wrapping them changes nothing else):
    history (run.history_frame, run.grad_flow_matrix), figures (the rnnviz.figures
    builders), views (from_trace and the task views), plotly_chart (st.plotly_chart, which
    includes to_dict = plotly.tools.return_figure_from_figure_or_data and to_json =
    plotly.io.to_json), and DeltaGenerator._enqueue to capture each element proto.
    """

    PARTS = ("history", "figures", "views", "plotly_chart", "to_dict", "to_json")

    def __init__(self):
        import plotly.io
        import plotly.tools
        import streamlit as st
        from streamlit.delta_generator import DeltaGenerator

        from rnnviz.session import TrainingRun
        from rnnviz.ui import live

        self.times = dict.fromkeys(self.PARTS, 0.0)
        self.elements: list = []
        self.targets = [
            (TrainingRun, "history_frame", "history"),
            (TrainingRun, "grad_flow_matrix", "history"),
            *((live.curves, n, "figures") for n in ("loss_curves", "clip_curves")),
            *((live.gradients, n, "figures") for n in ("grad_flow_line", "grad_flow_heatmap")),
            (live.hidden, "hidden_heatmap", "figures"),
            (live.spectrum, "eigen_plot", "figures"),
            (live, "unrolled_figure", "figures"),
            (live.taskviews, "forecast_plot", "figures"),
            (live, "from_trace", "views"),
            *((live.views, n, "views") for n in ("sine_view", "sentiment_view", "memory_view",
                                                 "charlm_view")),
            (DeltaGenerator, "plotly_chart", "plotly_chart"),
            (st, "plotly_chart", "plotly_chart"),
            (plotly.tools, "return_figure_from_figure_or_data", "to_dict"),
            (plotly.io, "to_json", "to_json"),
        ]
        self.DeltaGenerator = DeltaGenerator

    def reset(self) -> None:
        self.times = dict.fromkeys(self.PARTS, 0.0)
        self.elements = []

    def _timed(self, fn, part):
        def wrapper(*a, **k):
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                self.times[part] += time.perf_counter() - t0

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
            return enqueue(dg_self, delta_type, element_proto, *a, **k)

        dg._enqueue = spy_enqueue
        try:
            yield self
        finally:
            dg._enqueue = enqueue
            for owner, name, own, value in reversed(saved):
                if own:
                    setattr(owner, name, value)
                else:
                    delattr(owner, name)


def quiet_streamlit() -> None:
    """Bare mode (no `streamlit run`) logs a warning per element; silence them."""
    import streamlit.runtime.state.session_state_proxy  # noqa: F401 -- creates its logger
    from streamlit import config as st_config
    from streamlit import logger as st_logger

    st_config.set_option("global.showWarningOnDirectExecution", False)  # parses the config,
    st_config.set_option("logger.level", "error")  # which resets the log level: set it after
    st_logger.set_log_level("error")


def one_tick(run, live, spy: Spy, train: bool = True) -> Tick:
    t0 = time.perf_counter()
    if train:
        run.advance(seconds=live.BUDGET)
    t1 = time.perf_counter()
    spy.reset()
    live._draw(run, False, (t1 - t0) * 1000)
    t2 = time.perf_counter()
    elements = [(kind, proto.ByteSize(), proto) for kind, proto in spy.elements]
    t3 = time.perf_counter()
    for _, _, proto in elements:
        proto.SerializeToString()
    t4 = time.perf_counter()
    parts = {k: v * 1000 for k, v in spy.times.items()}
    return Tick((t1 - t0) * 1000, (t2 - t1) * 1000, parts, (t4 - t3) * 1000,
                sum(n for _, n, _ in elements), elements)


def run_inprocess(preset: str, ticks: int) -> InProcess:
    """Train and draw `ticks` times as the fragment does (after 3 warm-up ticks)."""
    quiet_streamlit()
    from rnnviz.config import preset_config
    from rnnviz.session import TrainingRun
    from rnnviz.ui import live

    run = TrainingRun(preset_config(preset))
    spy = Spy()
    with spy.installed():
        for _ in range(3):  # first calls import pyarrow, warm caches
            one_tick(run, live, spy)
        out = [one_tick(run, live, spy) for _ in range(ticks)]
    return InProcess(preset, out, run.epoch, run.steps_per_second)


def long_draw(preset: str, seconds: float, reps: int = 5) -> tuple[int, int, list[Tick]]:
    """Train `seconds` in one go, then time the draw alone: (epochs, history rows, ticks)."""
    quiet_streamlit()
    from rnnviz.config import preset_config
    from rnnviz.session import TrainingRun
    from rnnviz.ui import live

    run = TrainingRun(preset_config(preset))
    run.advance(seconds=seconds)
    spy = Spy()
    with spy.installed():
        one_tick(run, live, spy, train=False)
        out = [one_tick(run, live, spy, train=False) for _ in range(reps)]
    return run.epoch, len(run.history), out


@dataclass
class SpecReport:
    """The arrays of one plotly spec."""

    dtypes: str  # typed arrays by dtype, e.g. "f4x3 i4x1"
    values: int  # numbers in typed arrays
    f8: int  # of which float64
    plain: int  # plain JSON number lists of >= 20 numbers (not typed arrays)
    points: int  # most points in one scatter trace (curves are downsampled to 400)


def spec_report(spec: str) -> SpecReport:
    """What a plotly JSON spec sends: dtypes, float64 share, plain lists, curve lengths."""
    import json

    dtypes: dict[str, int] = {}
    f8 = values = 0

    def walk(v):
        nonlocal f8, values
        if isinstance(v, dict):
            if "dtype" in v and "bdata" in v:
                dtypes[v["dtype"]] = dtypes.get(v["dtype"], 0) + 1
                n = len(base64.b64decode(v["bdata"])) // int(re.sub(r"\D", "", v["dtype"]))
                values += n
                if v["dtype"] == "f8":
                    f8 += n
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
    return SpecReport(text, values, f8, plain, points)


# -- report -------------------------------------------------------------------------------
def app_errors(r: BrowserResult) -> list[str]:
    """Console errors other than the known benign ones."""
    return [e for e in r.console_errors if not any(b in e for b in h.BENIGN_CONSOLE)]


def ms_stats(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.0f} / {h.quantile(values, 0.9):.0f}"


def browser_table(results: list[BrowserResult]) -> str:
    rows = []

    def add(name, fn):
        rows.append([name, *(fn(r) for r in results)])

    add("cold start: launch -> first chart (s)", lambda r: f"{r.cold_s:.2f}")
    add("  launch -> server healthy (s)", lambda r: f"{r.healthy_s:.2f}")
    add("  launch -> page load event (s)", lambda r: f"{r.loaded_s:.2f}")
    add("warm visit: goto -> first chart (s)", lambda r: f"{r.warm_s:.2f}")
    add("charts at rest", lambda r: str(r.rest_charts))
    add("window after Play (s)", lambda r: f"{r.window_s:.1f}")
    add("chart-0 changes / s (sampled)", lambda r: f"{r.chart0_per_s:.2f}")
    add("epoch metric changes / s", lambda r: f"{r.epoch_changes_per_s:.2f}")
    add("in-place chart redraws / s (per chart)", lambda r: f"{r.updates_per_chart_s:.2f}")
    add("chart remounts / s (per chart)", lambda r: (
        f"{r.remounts / max(r.rest_charts, 1) / r.window_s:.2f}"))
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
    add(f"  beyond the budget (CPU - {BUDGET_MS:.0f} ms)", lambda r: h.fmt(
        r.cpu_ms_per_tick - BUDGET_MS if r.cpu_ms_per_tick is not None else None, 0))
    add("Steps / s | ms / epoch (metrics)", lambda r: f"{r.steps_per_s} | {r.ms_per_epoch}")
    add("bytes per tick, median / max", lambda r: (
        f"{statistics.median(r.bytes_per_tick):,.0f} / {max(r.bytes_per_tick):,}"
        if r.bytes_per_tick else "-"))
    add("largest websocket message (bytes)", lambda r: f"{r.largest:,}")
    add("  carrying", lambda r: r.largest_what[:48])
    add("websocket frames / bytes received", lambda r: f"{r.ws_frames} / {r.ws_bytes:,}")
    add(f"flicker frames (all | after {SETTLE_S:.0f} s)", lambda r: (
        f"{r.flicker} | {r.flicker_late} of {r.frames}"))
    add("  late flicker by kind", lambda r: r.flicker_kinds or "-")
    add(f"faded samples (all | after {SETTLE_S:.0f} s)",
        lambda r: f"{r.faded} | {r.faded_late} of {r.samples}")
    add("browser main thread busy (long tasks)", lambda r: h.fmt(r.busy_pct, 0, " %"))
    add("exceptions | console errors (app | benign)", lambda r: (
        f"{r.exceptions} | {len(app_errors(r))} | {len(r.console_errors) - len(app_errors(r))}"))
    add("server log error lines", lambda r: str(len(r.server_problems)))
    return h.table(["measure", *(r.preset for r in results)], rows)


def inprocess_table(results: list[InProcess], budget_ms: float) -> str:
    rows = []
    for r in results:
        t = r.ticks
        beyond = [x.train_ms - budget_ms + x.draw_ms + x.serialize_ms for x in t]
        biggest = max(((n, kind) for kind, n, _ in t[-1].elements), default=(0, "-"))
        rows.append([r.preset, str(len(t)), ms_stats1([x.train_ms for x in t]),
                     ms_stats1([x.draw_ms for x in t]), ms_stats1([x.serialize_ms for x in t]),
                     ms_stats1(beyond),
                     f"{statistics.median(x.payload for x in t) / 1024:.1f}",
                     f"{biggest[0] / 1024:.1f} ({biggest[1]})", str(r.epochs),
                     f"{r.steps_per_s:.0f}"])
    return h.table(["preset", "ticks", "train ms", "draw ms", "protobuf ms",
                    "tick - budget ms", "payload KB/tick", "largest element KB", "epochs",
                    "steps/s"], rows)


def breakdown_table(cases: list[tuple[str, list[Tick]]]) -> str:
    rows = []
    for label, ticks in cases:
        def med(key, ticks=ticks):
            return statistics.median(x.parts.get(key, 0.0) for x in ticks)

        draw = statistics.median(x.draw_ms for x in ticks)
        rest = statistics.median(
            x.draw_ms - sum(x.parts.get(k, 0.0) for k in ("history", "figures", "views",
                                                          "plotly_chart")) for x in ticks)
        rows.append([label, f"{draw:.1f}", f"{med('history'):.1f}", f"{med('figures'):.1f}",
                     f"{med('views'):.1f}", f"{med('plotly_chart'):.1f}",
                     f"{med('to_dict'):.1f}", f"{med('to_json'):.1f}", f"{rest:.1f}"])
    return h.table(["case", "draw", "history frame", "figure builders", "views+from_trace",
                    "st.plotly_chart", "  to_dict", "  to_json", "rest (st.*)"], rows)


def ms_stats1(values: list[float]) -> str:
    return (f"{statistics.median(values):.1f} / {h.quantile(values, 0.9):.1f}"
            if values else "-")


def chart_table(r: InProcess) -> str:
    rows = []
    for kind, n, proto in r.ticks[-1].elements:
        if kind == "plotly_chart":
            sr = spec_report(proto.spec)
            title = h.plotly_title(proto.spec)
            rows.append([title[:44], f"{n:,}", sr.dtypes, f"{sr.f8} of {sr.values}",
                         str(sr.plain), str(sr.points or "-")])
        elif n > 1000:
            rows.append([kind, f"{n:,}", "-", "-", "-", "-"])
    return h.table(["chart (element)", "bytes", "typed arrays (dtype x count)",
                    "float64 values", "plain number lists", "curve points"], rows)


def long_table(rows_in: list[tuple[str, float, int, int, list[Tick]]]) -> str:
    rows = []
    for preset, seconds, epochs, hist, ticks in rows_in:
        draw = [x.draw_ms for x in ticks]
        rows.append([preset, f"{seconds:.0f}", f"{epochs:,}", f"{hist:,}",
                     ms_stats1(draw), f"{statistics.median(x.to_json_ms for x in ticks):.1f}",
                     f"{statistics.median(x.payload for x in ticks) / 1024:.1f}"])
    return h.table(["preset", "trained s", "epochs", "history rows", "draw ms med / p90",
                    "to_json ms", "payload KB"], rows)


def verdicts(browser: list[BrowserResult], inproc: list[InProcess], default: str,
             long_rows: list) -> str:
    payload_cases = [(r.preset, r.ticks) for r in inproc]
    payload_cases += [(f"{p} after {e:,} epochs", t) for p, _, e, _, t in long_rows]
    rows = []
    b = next((r for r in browser if r.preset == default), None)
    if b is not None:
        rows.append([f"chart refreshes / s ({default})", f"{b.chart0_per_s:.2f}",
                     f">= {TARGET_REFRESH:g}", ok(b.chart0_per_s >= TARGET_REFRESH)])
        rows.append([f"fragment ticks / s ({default})", f"{b.ticks_per_s:.2f}",
                     "(upper bound 1/TICK = 5)", ""])
    for r in browser:
        rows.append([f"flicker: painted frames missing a chart, after {SETTLE_S:.0f} s "
                     f"({r.preset})", f"{r.flicker_late} of {r.frames}", "0",
                     ok(r.flicker_late == 0)])
    for r in browser:
        rows.append([f"cold start s ({r.preset})", f"{r.cold_s:.2f}", f"<= {TARGET_COLD_S:g}",
                     ok(r.cold_s <= TARGET_COLD_S)])
    for r in inproc:
        beyond = [x.train_ms - BUDGET_MS + x.draw_ms + x.serialize_ms for x in r.ticks]
        med, p90 = statistics.median(beyond), h.quantile(beyond, 0.9)
        rows.append([f"server ms per tick beyond the {BUDGET_MS:.0f} ms budget, in-process "
                     f"({r.preset})", f"median {med:.1f}, p90 {p90:.1f}",
                     f"<= {TARGET_BEYOND_MS:g}", ok(med <= TARGET_BEYOND_MS)])
    for r in browser:
        if r.cpu_ms_per_tick is not None:
            beyond = r.cpu_ms_per_tick - BUDGET_MS
            rows.append([f"server CPU ms per tick beyond the budget, served ({r.preset})",
                         f"{beyond:.0f}", f"<= {TARGET_BEYOND_MS:g}",
                         ok(beyond <= TARGET_BEYOND_MS)])
    for label, ticks in payload_cases:
        reps = [spec_report(p.spec) for k, _, p in ticks[-1].elements if k == "plotly_chart"]
        values, f8 = sum(r.values for r in reps), sum(r.f8 for r in reps)
        plain, points = sum(r.plain for r in reps), max((r.points for r in reps), default=0)
        good = plain == 0 and points <= CURVE_POINTS and f8 <= 0.1 * values
        rows.append([f"plotly arrays float32 / curves downsampled ({label})",
                     f"f8 {f8} of {values} values, plain lists {plain}, max curve {points} pts",
                     f"f8 <= 10 %, no plain lists, <= {CURVE_POINTS} pts", ok(good)])
    for r in browser:
        rows.append([f"largest websocket message ({r.preset})", f"{r.largest:,} B",
                     "(report)", ""])
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
    t_start = time.monotonic()
    print("# rnnviz Train page: live refresh and tick cost\n")
    print(f"date: {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(h.load_line("at start"))
    print(f"presets: {', '.join(presets)}; {args.seconds:g} s playing each, sampled every "
          f"{args.sample_ms} ms; {args.ticks} in-process ticks\n")

    browser: list[BrowserResult] = []
    if not args.no_browser:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            for preset in presets:
                browser.append(run_browser(p, preset, args.seconds, args.sample_ms))
        print("## In the browser (served as the README does)\n")
        print(browser_table(browser))
        print("\nchart-0 = the first chart (learning curves), compared as JSON every "
              f"{args.sample_ms} ms; ticks, bursts and bytes from the websocket (CDP "
              "timestamps at the browser's network layer); train ms is the server's own "
              "figure from the 'ms / epoch' help text; CPU from /proc/<server pid>/stat.")
        print("benign console errors: Streamlit's frontend probing the URL path for its base "
              "(404 on /train/_stcore/...) and the page icon fetched from fonts.gstatic.com.")
        for r in browser:
            for line in (app_errors(r)[:5] + r.server_problems[:5]):
                print(f"  {r.preset}: {line[:300]}")
        print(f"\n{h.load_line('after the browser runs')}\n")

    inproc = [run_inprocess(preset, args.ticks) for preset in presets]
    print("## In-process: TrainingRun.advance(BUDGET) + rnnviz.ui.live._draw (bare mode)\n")
    from rnnviz.ui import live

    budget_ms = live.BUDGET * 1000
    if budget_ms != BUDGET_MS:
        print(f"NOTE: live.BUDGET is now {budget_ms:g} ms, not {BUDGET_MS:g} ms")
    print(inprocess_table(inproc, budget_ms))
    print(f"\nms as median / p90. draw = the app's _draw; protobuf = serialising the element "
          f"protos it emits; tick - budget = train + draw + protobuf - live.BUDGET "
          f"({budget_ms:.0f} ms); payload = the protos' bytes.\n")
    print(f"Charts of the last tick ({presets[0]}):\n")
    print(chart_table(inproc[0]))
    long_rows = []
    if args.long_seconds > 0:
        for preset in dict.fromkeys([*presets, "hello-world"]):
            epochs, hist, ticks = long_draw(preset, args.long_seconds)
            long_rows.append((preset, args.long_seconds, epochs, hist, ticks))
        print("\n## Draw cost after a longer run (history grows; HISTORY_CAP = 20,000 rows)\n")
        print(long_table(long_rows))
    print("\n## Where the draw time goes (medians, ms)\n")
    cases = [(r.preset, r.ticks) for r in inproc]
    cases += [(f"{p} at epoch {e:,}", t) for p, _, e, _, t in long_rows]
    print(breakdown_table(cases))
    print("\nhistory = run.history_frame() + run.grad_flow_matrix(); figure builders = "
          "rnnviz.figures.*; views = from_trace + the task view; st.plotly_chart includes "
          "to_dict (plotly.tools.return_figure_from_figure_or_data: Figure.to_dict) and "
          "to_json; rest = st.metric/columns/dataframe/markdown and Streamlit's own work.")

    print("\n## Targets\n")
    print(verdicts(browser, inproc, args.preset, long_rows))
    print(f"\n{h.load_line('at end')}")
    print(f"total benchmark time: {time.monotonic() - t_start:.0f} s")


if __name__ == "__main__":
    main()
