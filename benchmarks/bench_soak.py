"""Soak: N browser sessions playing training at once, in rounds; frames, errors, memory.

Serves the app as the README does (`python -m rnnviz.serve --server.port <free>
--server.address 127.0.0.1 --server.headless true`, OPENBLAS_NUM_THREADS=1,
MALLOC_ARENA_MAX=2; _harness.Server) plus `--server.disconnectedSessionTTL <--ttl, default
5>`: Streamlit keeps a disconnected session (its session_state: the TrainingRun, history,
its live feed, ...) for that many seconds so a reconnecting browser finds it; the default
is 120 s, shortened here so the wait is short.

Since bbb433c the Train page does not train in fragment runs: one trainer thread per server
process trains every playing session in turns and writes each session's frame file,
./static/live/<token>.gz (rnnviz/ui/feed.py), which the page's live element polls (fetch,
cache "no-store") and draws. Rounds (--rounds, default 3, identical; round 1 warms the
server up). In each, --sessions browser sessions (default 4; each its own Chromium context
and page, viewport 1400x1100) open /train?preset=<p>, cycling through --presets (default
sentiment-modern, sine, hello-world, lstm-memory), and press Play. They play for --minutes /
rounds (--minutes, default 3, is the total playing time). Throughout, each page's requests
for its frame file are watched (Playwright `page.on("response")`): an answer whose header's
seq is above the last one is a new frame (decoded as the page does: gzip JSON), a refresh
when its learning-curve chart id (ids["loss"]) changed; failed requests, statuses other than
200, 206 (the byte range the page asks for) and 404 (404: not written yet; the page ignores
both) and undecodable frames are errors, and the longest time without a new frame is kept.
Every --sample-every seconds (default 5) each page's Epoch (the live element's status row,
`.rnnviz-metric`) and `[data-testid="stException"]` boxes are read. Each page's websocket is watched
(`page.on("websocket")`): fragment runs (ForwardMsg script_finished with
FINISHED_FRAGMENT_RUN_SUCCESSFULLY) and auto_rerun messages while playing are counted (none
expected any more); websocket closes while playing, console errors and page errors are
errors (Streamlit's own base-path probes and the page icon fetched from fonts.gstatic.com
are listed apart as benign).

After each round: close all contexts, wait TTL + 3 s, then open and close one short
session on the home page: Streamlit's session store (a TTL cache) drops expired sessions
only when an entry is stored or deleted, so without it the closed round's sessions would
stay in memory until the next round's sessions disconnect (--no-reap skips it). Then the
server's memory is sampled for --settle seconds (default 30). Nothing can make the server
collect garbage from outside, so rounds are compared: the last round ending clearly above
round 2 (round 1 with only 2 rounds; > 20 % or > 50 MB, mean of the last 10 s after close)
means memory keeps growing. After the settle, the round's frame files still on disk are
counted, and again for every round at the end, while the server is still up: a session's
Feed removes its file when it is collected, which for a dropped session is up to Python's
cyclic garbage collector (it may run late on an idle server), so files left are a hint, not
an error; memory is the measure.

Server memory: VmRSS of the server process and its children (/proc/<pid>/status), every
5 s from a thread plus at each phase change, labelled by phase. Server CPU while playing:
/proc/<pid>/stat. --server-env KEY=VALUE (diagnosis only, e.g. MALLOC_ARENA_MAX=2) adds to
the server's environment. --quick: 0.5 min of play in all, 5 s settle (about 2 minutes).

    python benchmarks/bench_soak.py [--quick] [--sessions N] [--minutes M] [--rounds R]
                                    [--presets P ...] [--ttl S] [--settle S] [--no-reap]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import statistics
import threading
import time
from dataclasses import dataclass, field

import _harness as h

DEFAULT_PRESETS = ("sentiment-modern", "sine", "hello-world", "lstm-memory")
RSS_EVERY_S = 5.0
GROWTH_PCT = 20.0  # round 2 above round 1 by more than this ...
GROWTH_MB = 50.0  # ... or by more than this: memory keeps growing
BENIGN = h.BENIGN_CONSOLE
LIVE_PATH = "/app/static/live/"  # the sessions' frame files (rnnviz/ui/feed.py)
FRAME_HEADER = h.FRAME_HEADER


@dataclass
class Session:
    index: int
    preset: str
    context: object = None
    page: object = None
    t_play: float = 0.0
    t_last: float = 0.0
    epoch_start: int | None = None
    epoch_last: int | None = None
    epochs: list[tuple[float, int]] = field(default_factory=list)  # (t, epoch on the page)
    live_url: str = ""  # the frame file the page polls (app/static/live/<token>.gz)
    requests: list[tuple[float, int]] = field(default_factory=list)  # (t, status) answered
    failed: list[str] = field(default_factory=list)  # frame requests that failed
    frames: list[tuple[float, int, int | None]] = field(default_factory=list)  # new: t, seq, epoch
    refresh_times: list[float] = field(default_factory=list)  # new frames, learning curves changed
    unreadable: list[str] = field(default_factory=list)  # frame bodies that did not decode
    seq: int = 0  # the newest frame's seq seen
    loss_id: str | None = None  # ids["loss"] of the newest frame seen
    fragment_runs: list[float] = field(default_factory=list)
    auto_reruns: list[float] = field(default_factory=list)
    ws_opened: int = 0
    ws_closed_while_playing: int = 0
    max_exceptions: int = 0
    exception_texts: list[str] = field(default_factory=list)
    console_app: list[str] = field(default_factory=list)
    console_benign: int = 0
    playing: bool = False

    @property
    def seconds(self) -> float:
        return max(self.t_last - self.t_play, 1e-9)

    def _within(self, times) -> int:
        return sum(self.t_play <= t <= self.t_last for t in times)

    @property
    def epochs_done(self) -> int | None:
        if self.epoch_start is None or self.epoch_last is None:
            return None
        return self.epoch_last - self.epoch_start

    @property
    def new_frames(self) -> int:
        return self._within(t for t, _, _ in self.frames)

    @property
    def refreshes(self) -> int:
        return self._within(self.refresh_times)

    @property
    def polls(self) -> int:
        return self._within(t for t, _ in self.requests)

    @property
    def frame_errors(self) -> int:
        """Frame requests that failed or were answered with neither 200/206 nor 404 (404: not
        written yet; the page ignores both), and bodies that did not decode."""
        return (len(self.failed) + len(self.unreadable)
                + sum(c not in (*h.FRAME_OK, 404) for _, c in self.requests))

    @property
    def longest_gap(self) -> float | None:
        """The longest time without a new frame while playing (s)."""
        times = [self.t_play] + [t for t, _, _ in self.frames
                                 if self.t_play <= t <= self.t_last] + [self.t_last]
        return max(b - a for a, b in zip(times, times[1:], strict=False)) if self.frames \
            else None

    @property
    def scripted(self) -> int:
        """Fragment runs and auto_rerun messages while playing (0 since bbb433c)."""
        return self._within(self.fragment_runs) + self._within(self.auto_reruns)

    @property
    def errors(self) -> int:
        return (self.max_exceptions + len(self.console_app) + self.ws_closed_while_playing
                + self.frame_errors)


class RssSampler(threading.Thread):
    """Samples the server's RSS every RSS_EVERY_S seconds, labelled with the current phase."""

    def __init__(self, server: h.Server):
        super().__init__(daemon=True)
        self.server = server
        self.phase = "idle"
        self.samples: list[tuple[float, str, float]] = []
        self._halt = threading.Event()

    def sample(self) -> None:
        self.samples.append((time.monotonic(), self.phase, self.server.rss_mb()))

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(RSS_EVERY_S)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)

    def values(self, phase: str, last_s: float | None = None) -> list[float]:
        rows = [(t, v) for t, p, v in self.samples if p == phase]
        if last_s is not None and rows:
            rows = [(t, v) for t, v in rows if t >= rows[-1][0] - last_s]
        return [v for _, v in rows]


def watch(session: Session) -> None:
    """Watch the session's page: its websocket (fragment runs, auto_rerun messages, closes),
    its console, and its live element's requests for the session's frame file: each answer
    is read as the page reads it (header, then gzip JSON when the seq is new)."""
    page = session.page

    def on_frame(payload):
        if isinstance(payload, bytes) and len(payload) < 256:  # script_finished is tiny
            info = h.decode_forward(payload)
            if info.finished == "FINISHED_FRAGMENT_RUN_SUCCESSFULLY":
                session.fragment_runs.append(time.monotonic())
            elif info.kind == "auto_rerun":
                session.auto_reruns.append(time.monotonic())

    def on_close(_ws):
        if session.playing:
            session.ws_closed_while_playing += 1

    def on_ws(ws):
        session.ws_opened += 1
        ws.on("framereceived", on_frame)
        ws.on("close", on_close)

    def on_console(msg):
        if msg.type != "error":
            return
        text = f"{msg.text} [{msg.location.get('url', '')}]"
        if any(b in text for b in BENIGN):
            session.console_benign += 1
        else:
            session.console_app.append(text)

    def on_response(response):
        if LIVE_PATH not in response.url:
            return
        now = time.monotonic()
        session.live_url = response.url
        session.requests.append((now, response.status))
        if response.status not in h.FRAME_OK:
            return
        try:
            body = response.body()
            if not h.frame_whole(body):
                return  # a larger frame replaced it midway: the page skips it too
            seq = int(body[:FRAME_HEADER].split()[1])
            if seq <= session.seq:
                return  # the page shows it already
            frame = h.decode_frame(body)[0]
        except Exception as e:  # noqa: BLE001 -- a closing page, or a broken frame
            if not session.page.is_closed():
                session.unreadable.append(f"{type(e).__name__}: {str(e)[:200]}")
            return
        session.seq = seq
        session.frames.append((now, seq, frame.get("epoch")))
        loss = frame.get("ids", {}).get("loss")
        if loss != session.loss_id:
            session.loss_id = loss
            session.refresh_times.append(now)

    def on_failed(request):
        if LIVE_PATH in request.url and session.playing:
            session.failed.append(f"{request.failure} [{request.url}]")

    page.on("websocket", on_ws)
    page.on("console", on_console)
    page.on("pageerror", lambda e: session.console_app.append(f"pageerror: {e}"))
    page.on("response", on_response)
    page.on("requestfailed", on_failed)


def sample(session: Session) -> None:
    """Read the epoch the page shows and count exception boxes on the session's page."""
    epoch = h.epoch_of(session.page)
    now = time.monotonic()
    if epoch is not None:
        session.epochs.append((now, epoch))
        session.epoch_last = epoch
    session.t_last = now
    with contextlib.suppress(Exception):  # a page busy or closing: keep the last count
        boxes = session.page.locator('[data-testid="stException"]')
        n = boxes.count()
        if n > session.max_exceptions:
            session.exception_texts = [" ".join(t.split())[:300] for t in
                                       boxes.all_inner_texts()]
        session.max_exceptions = max(session.max_exceptions, n)


def run_round(browser, server: h.Server, rss: RssSampler, k: int, n: int, presets: list[str],
              play_s: float, sample_every: float) -> tuple[list[Session], float, float]:
    """Open n sessions, press Play in each, play for play_s, sample; leave them open.

    Returns the sessions, the server's CPU use while they played (% of one core) and the
    seconds it took to open them all (goto -> first chart visible in every page)."""
    url = server.url
    rss.phase = f"r{k}-open"
    t_open = time.monotonic()
    sessions = [Session(i, presets[i % len(presets)]) for i in range(n)]
    for s in sessions:  # start loading all pages at once, then wait for each
        s.context = browser.new_context(viewport={"width": 1400, "height": 1100})
        s.page = s.context.new_page()
        watch(s)
        s.page.goto(f"{url}/train?preset={s.preset}", wait_until="commit")
    for s in sessions:
        h.wait_ready(s.page, 90_000)
        s.page.wait_for_selector(".js-plotly-plot", state="visible", timeout=90_000)
        s.epoch_start = h.epoch_of(s.page)
    rss.phase = f"r{k}-play"
    cpu0, t0 = server.cpu_seconds(), time.monotonic()
    open_s = t0 - t_open
    for s in sessions:
        s.page.get_by_role("button", name="Play", exact=True).click()
        s.t_play = s.t_last = time.monotonic()
        s.playing = True
    t_end = time.monotonic() + play_s
    while (left := t_end - time.monotonic()) > 0:
        sessions[0].page.wait_for_timeout(min(sample_every, left) * 1000)
        for s in sessions:
            sample(s)
    for s in sessions:
        s.playing = False
    cpu = 100 * (server.cpu_seconds() - cpu0) / (time.monotonic() - t0)
    rss.sample()
    return sessions, cpu, open_s


def close_round(sessions: list[Session]) -> None:
    for s in sessions:
        with contextlib.suppress(Exception):
            s.context.close()


def reap(browser, url: str) -> None:
    """Open and close one short session on the home page (no training).

    Streamlit keeps disconnected sessions in a TTL cache that drops expired entries only
    when an entry is stored or deleted; with nobody else connecting, sessions past their TTL
    stay in memory. This session's own disconnect stores it and so reaps them."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url + "/")
        h.wait_ready(page, 60_000)
    finally:
        context.close()


# -- report -------------------------------------------------------------------------------
def session_table(rounds: list[list[Session]]) -> str:
    rows = []
    for k, sessions in enumerate(rounds, 1):
        for s in sessions:
            done, sec = s.epochs_done, s.seconds
            rows.append([str(k), str(s.index + 1), s.preset, f"{sec:.0f}",
                         "-" if done is None else str(done),
                         "-" if done is None else f"{done / sec:.2f}",
                         str(s.new_frames), f"{s.new_frames / sec:.2f}",
                         f"{s.refreshes / sec:.2f}", f"{s.polls / sec:.2f}",
                         h.fmt(s.longest_gap, 1), str(s.frame_errors), str(s.scripted),
                         str(s.max_exceptions), str(len(s.console_app)),
                         str(s.ws_closed_while_playing), str(s.console_benign)])
    return h.table(["round", "session", "preset", "played s", "epochs", "epochs/s",
                    "new frames", "frames/s", "refreshes/s", "requests/s", "longest gap s",
                    "frame errors", "fragment runs", "exceptions", "console errors",
                    "ws closed", "benign console"], rows)


def frame_files_left(sessions: list[Session]) -> list[str]:
    """The round's frame files still on disk (a Feed removes its file when it is
    collected, after Streamlit dropped the session: TTL, then the reaping session)."""
    names = [s.live_url.rsplit("/", 1)[-1] for s in sessions if s.live_url]
    return [n for n in names if (h.ROOT / "static" / "live" / n).exists()]


def mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def memory_report(rss: RssSampler, settle_s: float, rounds: int) -> tuple[str, str]:
    """The memory table and the verdict line.

    Round 1 warms the server up (first imports, caches, the allocator's pools), so with 3 or
    more rounds the last round is compared with round 2: memory that keeps growing rises
    again there; a one-off rise in round 2 followed by a flat line is a plateau.
    """
    window = min(10.0, settle_s)
    start = mean(rss.values("idle"))
    peak = max(v for _, _, v in rss.samples)
    rows = [["start (server idle, before any session)", h.fmt(start)],
            ["peak (all samples)", h.fmt(peak)]]
    after = []
    for k in range(1, rounds + 1):
        play = max(rss.values(f"r{k}-play"), default=None)
        ttl = rss.values(f"r{k}-ttl")
        closed = mean(rss.values(f"r{k}-closed", window))
        after.append(closed)
        rows.append([f"round {k}: max while playing", h.fmt(play)])
        rows.append([f"round {k}: closed, then after the TTL (before reaping)",
                     f"{h.fmt(ttl[0] if ttl else None)}, {h.fmt(ttl[-1] if ttl else None)}"])
        rows.append([f"round {k}: after close (mean of last {window:.0f} s)", h.fmt(closed)])
    base = 2 if rounds >= 3 else 1  # round 1 is the warm-up when there are 3 or more
    first, last = after[base - 1], after[-1]
    if first is None or last is None or rounds < 2:
        return h.table(["server RSS", "MB"], rows), "verdict: unknown (needs 2 rounds)"
    growth = last - first
    pct = 100 * growth / first
    rows.append([f"round {rounds} - round {base} after close",
                 f"{growth:+.1f} MB ({pct:+.1f} %)"])
    grows = growth > GROWTH_MB or pct > GROWTH_PCT
    verdict = ("verdict: MEMORY KEEPS GROWING" if grows else "verdict: memory is stable") + (
        f" (round {rounds} after close {last:.0f} MB vs round {base} {first:.0f} MB; growing "
        f"means > {GROWTH_PCT:g} % or > {GROWTH_MB:g} MB)")
    if grows and rounds == 2:
        verdict += ("\nnote: with 2 rounds a one-off rise of the allocator's high-water mark "
                    "looks the same as a leak; --rounds 3 tells them apart (a leak rises again)")
    elif rounds >= 3:
        steps = ", ".join(f"{b - a:+.0f}" for a, b in zip(after, after[1:], strict=False)
                          if a is not None and b is not None)
        verdict += f"\nround-to-round change after close (MB): {steps}"
    return h.table(["server RSS", "MB"], rows), verdict


def timeline(rss: RssSampler) -> str:
    """RSS by phase: n samples, min, max."""
    rows = []
    for phase in dict.fromkeys(p for _, p, _ in rss.samples):
        v = rss.values(phase)
        rows.append([phase, str(len(v)), f"{min(v):.1f}", f"{max(v):.1f}", f"{v[-1]:.1f}"])
    return h.table(["phase", "samples", "min MB", "max MB", "last MB"], rows)


# -- main ---------------------------------------------------------------------------------
def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, default=4, help="browser sessions per round")
    p.add_argument("--minutes", type=float, default=None,
                   help="total playing time of all rounds (default 3; 0.5 with --quick)")
    p.add_argument("--presets", nargs="+", default=list(DEFAULT_PRESETS),
                   help="presets the sessions cycle through")
    p.add_argument("--ttl", type=int, default=5, help="--server.disconnectedSessionTTL (s)")
    p.add_argument("--settle", type=float, default=None,
                   help="seconds of memory samples after TTL + 3 s (default 30; 5 quick)")
    p.add_argument("--sample-every", type=float, default=5.0,
                   help="seconds between reads of each page's epoch metric")
    p.add_argument("--rounds", type=int, default=3,
                   help="identical rounds (default 3; round 1 is the warm-up)")
    p.add_argument("--no-reap", action="store_true",
                   help="skip the short session that makes Streamlit drop expired sessions")
    p.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE",
                   help="extra environment for the server, for diagnosis only (e.g. "
                        "MALLOC_ARENA_MAX=2); by default the server runs as the README says")
    p.add_argument("--quick", action="store_true", help="0.5 min of play, short settle")
    args = p.parse_args(argv)
    if args.minutes is None:
        args.minutes = 0.5 if args.quick else 3.0
    if args.settle is None:
        args.settle = 5.0 if args.quick else 30.0
    if args.sessions < 1 or args.minutes <= 0 or args.rounds < 1:
        p.error("--sessions and --rounds must be >= 1 and --minutes > 0")
    if any("=" not in kv for kv in args.server_env):
        p.error("--server-env takes KEY=VALUE")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    play_s = args.minutes * 60 / args.rounds
    t_start = time.monotonic()
    print("# rnnviz soak: concurrent sessions playing, server memory\n")
    print(f"date: {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(h.load_line("at start"))
    print(f"{args.sessions} sessions x {args.rounds} rounds, {play_s:.0f} s of play per round, "
          f"presets {', '.join(args.presets)}; --server.disconnectedSessionTTL {args.ttl} "
          f"(default 120 s, shortened so the wait is short); after closing: {args.ttl} + 3 s"
          f"{'' if args.no_reap else ', one short session to reap expired ones'}, then "
          f"{args.settle:.0f} s of memory samples")
    if args.server_env:
        print(f"DIAGNOSTIC server environment: {' '.join(args.server_env)}")
    print()

    from playwright.sync_api import sync_playwright

    rounds: list[list[Session]] = []
    cpu_pct: list[float] = []
    open_times: list[float] = []
    files_left: list[list[str]] = []
    extra_env = dict(kv.split("=", 1) for kv in args.server_env)
    with h.Server(["--server.disconnectedSessionTTL", str(args.ttl)], extra_env) as server, \
            sync_playwright() as p:
        rss = RssSampler(server)
        time.sleep(2)  # the server settles after its health check
        rss.start()
        browser = h.launch_chromium(p)
        try:
            time.sleep(RSS_EVERY_S)
            for k in range(1, args.rounds + 1):
                sessions, cpu, open_s = run_round(browser, server, rss, k, args.sessions,
                                                  args.presets, play_s, args.sample_every)
                cpu_pct.append(cpu)
                open_times.append(open_s)
                rounds.append(sessions)
                close_round(sessions)
                rss.phase = f"r{k}-ttl"
                rss.sample()
                time.sleep(args.ttl + 3)
                rss.sample()
                if not args.no_reap:
                    reap(browser, server.url)
                rss.phase = f"r{k}-closed"
                rss.sample()
                time.sleep(args.settle)
                rss.sample()
                files_left.append(frame_files_left(sessions))
            files_end = [frame_files_left(sessions) for sessions in rounds]
        finally:
            browser.close()
            rss.stop()
        problems = server.log_problems()

    print("## Sessions\n")
    print(session_table(rounds))
    print("\nover each session's own play window: epochs = the Epoch its page shows (read "
          f"every {args.sample_every:g} s); new frames = answers to the page's requests for its "
          "frame file (app/static/live/<token>.gz) with a seq above the last one; refreshes = "
          "new frames whose learning-curve chart id (ids['loss']) changed; requests/s = its "
          "frame requests answered; longest gap = the longest time without a new frame; frame "
          "errors = failed requests, statuses other than 200/206/404, undecodable frames; fragment "
          "runs = fragment runs and auto_rerun messages on its websocket (0 since the trainer "
          "thread); errors also: exception boxes (max seen), console/page errors of the app, "
          "websocket closes while playing. benign console = Streamlit's path probes (404) and "
          "the page icon fetched from fonts.gstatic.com (no internet here).")
    for k, sessions in enumerate(rounds, 1):
        frames = [s.new_frames / s.seconds for s in sessions]
        refresh = [s.refreshes / s.seconds for s in sessions]
        gaps = [s.longest_gap for s in sessions if s.longest_gap is not None]
        left = files_left[k - 1] if k <= len(files_left) else []
        print(f"round {k}: new frames per session per second: mean {statistics.fmean(frames):.2f}"
              f" (min {min(frames):.2f}, max {max(frames):.2f}); refreshes/s min "
              f"{min(refresh):.2f}; longest gap {h.fmt(max(gaps, default=None), 1)} s; errors "
              f"{sum(s.errors for s in sessions)}; fragment runs while playing "
              f"{sum(s.scripted for s in sessions)}; server CPU while playing "
              f"{cpu_pct[k - 1]:.0f} % of one core; opening the pages took "
              f"{open_times[k - 1]:.0f} s; frame files left after the settle: "
              f"{len(left)} of {sum(bool(s.live_url) for s in sessions)}")
        for s in sessions:
            for line in (s.exception_texts[:2] + s.console_app[:3] + s.failed[:2]
                         + s.unreadable[:2]):
                print(f"  session {s.index + 1}: {line[:300]}")
    print("frame files still on disk at the end (server up, all rounds settled), by round: "
          + ", ".join(f"{len(x)} of {sum(bool(s.live_url) for s in r)}"
                      for x, r in zip(files_end, rounds, strict=True)))
    print(f"server log error lines: {len(problems)}")
    for line in problems[:10]:
        print(f"  {line[:400]}")
    table, verdict = memory_report(rss, args.settle, args.rounds)
    print("\n## Server memory\n")
    print(table)
    print(f"\n{verdict}\n")
    print(timeline(rss))
    print(f"\n{h.load_line('at end')}")
    print(f"total benchmark time: {time.monotonic() - t_start:.0f} s")


if __name__ == "__main__":
    main()
