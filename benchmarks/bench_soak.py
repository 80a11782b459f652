"""Soak: N browser sessions playing training at once, twice; ticks, errors, server memory.

Serves the app as the README does (`python -m rnnviz.serve --server.port <free>
--server.address 127.0.0.1 --server.headless true`, OPENBLAS_NUM_THREADS=1) plus
`--server.disconnectedSessionTTL <--ttl, default 5>`: Streamlit keeps a disconnected
session (its session_state: the TrainingRun, history, ...) for that many seconds so a
reconnecting browser finds it; the default is 120 s, shortened here so the wait is short.

Rounds (--rounds, default 3, identical; round 1 warms the server up). In each,
--sessions browser sessions (default 4; each its own Chromium context and page, viewport
1400x1100) open /train?preset=<p>,
cycling through --presets (default seed003-modern, sine, hello-world, lstm-memory), and
press Play. They play for --minutes / rounds (--minutes, default 3, is the total playing
time). Every --sample-every seconds (default 5) each page's "Epoch" metric and
`[data-testid="stException"]` boxes are read; throughout, each page's websocket is watched
(Playwright `page.on("websocket")`): ticks served = ForwardMsg script_finished with
FINISHED_FRAGMENT_RUN_SUCCESSFULLY; websocket closes while playing, console errors and page
errors are errors (Streamlit's own base-path probes and the page icon fetched from
fonts.gstatic.com are listed apart as benign).

After each round: close all contexts, wait TTL + 3 s, then open and close one short
session on the home page: Streamlit's session store (a TTL cache) drops expired sessions
only when an entry is stored or deleted, so without it the closed round's sessions would
stay in memory until the next round's sessions disconnect (--no-reap skips it). Then the
server's memory is sampled for --settle seconds (default 30). Nothing can make the server
collect garbage from outside, so rounds are compared: the last round ending clearly above
round 2 (round 1 with only 2 rounds; > 20 % or > 50 MB, mean of the last 10 s after close)
means memory keeps growing.

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

DEFAULT_PRESETS = ("seed003-modern", "sine", "hello-world", "lstm-memory")
RSS_EVERY_S = 5.0
GROWTH_PCT = 20.0  # round 2 above round 1 by more than this ...
GROWTH_MB = 50.0  # ... or by more than this: memory keeps growing
BENIGN = h.BENIGN_CONSOLE


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
    epochs: list[tuple[float, int]] = field(default_factory=list)
    tick_times: list[float] = field(default_factory=list)
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

    @property
    def epochs_done(self) -> int | None:
        if self.epoch_start is None or self.epoch_last is None:
            return None
        return self.epoch_last - self.epoch_start

    @property
    def ticks(self) -> int:
        return sum(self.t_play <= t <= self.t_last for t in self.tick_times)

    @property
    def errors(self) -> int:
        return self.max_exceptions + len(self.console_app) + self.ws_closed_while_playing


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
    """Count ticks, websocket closes and console errors of the session's page."""
    page = session.page

    def on_frame(payload):
        if isinstance(payload, bytes) and len(payload) < 256:  # script_finished is tiny
            info = h.decode_forward(payload)
            if info.finished == "FINISHED_FRAGMENT_RUN_SUCCESSFULLY":
                session.tick_times.append(time.monotonic())

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

    page.on("websocket", on_ws)
    page.on("console", on_console)
    page.on("pageerror", lambda e: session.console_app.append(f"pageerror: {e}"))


def sample(session: Session) -> None:
    """Read the epoch metric and count exception boxes on the session's page."""
    epoch = h.epoch_of(session.page, timeout_ms=5_000)
    now = time.monotonic()
    if epoch is not None:
        session.epochs.append((now, epoch))
        session.epoch_last, session.t_last = epoch, now
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
            done = s.epochs_done
            rows.append([str(k), str(s.index + 1), s.preset, f"{s.seconds:.0f}",
                         "-" if done is None else str(done),
                         "-" if done is None else f"{done / s.seconds:.2f}",
                         str(s.ticks), f"{s.ticks / s.seconds:.2f}", str(s.max_exceptions),
                         str(len(s.console_app)), str(s.ws_closed_while_playing),
                         str(s.console_benign)])
    return h.table(["round", "session", "preset", "played s", "epochs", "epochs/s",
                    "ticks", "ticks/s", "exceptions", "console errors", "ws closed",
                    "benign console"], rows)


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
        finally:
            browser.close()
            rss.stop()
        problems = server.log_problems()

    print("## Sessions\n")
    print(session_table(rounds))
    print("\nepochs/s and ticks/s over each session's own play window; ticks = fragment runs "
          "finished (websocket); errors: exception boxes (max seen), console/page errors of "
          "the app, websocket closes while playing. benign console = Streamlit's path probes "
          "(404) and the page icon fetched from fonts.gstatic.com (no internet here).")
    for k, sessions in enumerate(rounds, 1):
        ticks = [s.ticks / s.seconds for s in sessions]
        print(f"round {k}: ticks served per session per second: mean {statistics.fmean(ticks):.2f}"
              f" (min {min(ticks):.2f}, max {max(ticks):.2f}); all sessions "
              f"{sum(s.ticks for s in sessions) / max(s.seconds for s in sessions):.2f} ticks/s;"
              f" server CPU while playing {cpu_pct[k - 1]:.0f} % of one core; opening the "
              f"pages took {open_times[k - 1]:.0f} s")
        for s in sessions:
            for line in s.exception_texts[:2] + s.console_app[:3]:
                print(f"  session {s.index + 1}: {line[:300]}")
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
