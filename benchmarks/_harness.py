"""Shared helpers of the browser benchmarks: serve the app as the README does, watch it.

The server is `python -m rnnviz.serve --server.port <free> --server.address 127.0.0.1
--server.headless true` with OPENBLAS_NUM_THREADS=1 and MALLOC_ARENA_MAX=2 (what scripts/run.sh and
tests/browser.py run), its output going to a log file (a pipe nobody reads would block the
server once it fills). Chromium is Debian's /usr/bin/chromium with tests/browser.py's
CHROMIUM_ARGS. Only loopback addresses are used.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _p in (ROOT, ROOT / "tests"):
    if str(_p) not in sys.path:  # run as a script from a checkout
        sys.path.insert(0, str(_p))

from browser import CHROMIUM, CHROMIUM_ARGS, READY, free_port, wait_ready  # noqa: E402

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "READY", "free_port", "wait_ready", "Server",
           "launch_chromium", "epoch_of", "load_line", "table", "quantile", "fmt",
           "decode_forward", "decode_back", "ForwardInfo", "plotly_title", "BENIGN_CONSOLE",
           "component_spec", "FRAME_HEADER", "decode_frame"]

# Console errors that are not the app failing: Streamlit's frontend probes the URL path for
# its base (.../train/_stcore/health and .../host-config answer 404), and the page icon (a
# Material Symbol) is fetched from fonts.gstatic.com, unreachable from this sandbox.
BENIGN_CONSOLE = ("/train/_stcore/", "fonts.gstatic.com")
BUSY_LOAD = 0.5  # 1-minute load average (per the 2 cores) above which timings are skewed
EPOCH_METRIC = ".rnnviz-metric"  # the Train page's status row, drawn by its live element
FRAME_HEADER = len(f"rnnviz-frame {0:016d} {0:010d}\n")  # rnnviz.ui.frames.HEADER


# The frame files are fetched as the browser does (livechart.js fetchFrame): with
# "Range: bytes=0-", answered 206 with as many bytes as the file had when the server looked.
FRAME_RANGE = "bytes=0-"
FRAME_OK = (200, 206)


def frame_whole(body: bytes) -> bool:
    """Whether body holds its whole frame (livechart.js frameHeader): a read that a larger
    frame replaced midway ends inside it; the browser skips it and gets it at its next poll."""
    return (len(body) >= FRAME_HEADER
            and FRAME_HEADER + int(body[:FRAME_HEADER].split()[2]) <= len(body))


def decode_frame(body: bytes) -> tuple[dict, int]:
    """(frame, JSON bytes) of a frame file (rnnviz/ui/classroom.py pack: header, gzip JSON,
    padding), decoded as the browser does (livechart.js frameHeader, inflate)."""
    magic, _, length = body[:FRAME_HEADER].split()
    if magic != b"rnnviz-frame":
        raise ValueError("no rnnviz-frame header")
    text = gzip.decompress(body[FRAME_HEADER:FRAME_HEADER + int(length)])
    return json.loads(text), len(text)


# -- the server ---------------------------------------------------------------------------
@dataclass
class Server:
    """`python -m rnnviz.serve` on a free loopback port, as the README serves the app."""

    extra_args: list[str] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)  # diagnostics only; default none
    port: int = 0
    proc: subprocess.Popen | None = None
    t_launch: float = 0.0  # time.monotonic() just before Popen
    t_healthy: float = 0.0  # time.monotonic() when /_stcore/health first answered 200
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> Server:
        self.port = free_port()
        cmd = [sys.executable, "-m", "rnnviz.serve", "--server.port", str(self.port),
               "--server.address", "127.0.0.1", "--server.headless", "true", *self.extra_args]
        env = dict(os.environ, PYTHONUNBUFFERED="1", OPENBLAS_NUM_THREADS="1",  # as run.sh
                   MALLOC_ARENA_MAX="2")
        env.update(self.extra_env)
        fd, name = tempfile.mkstemp(prefix="rnnviz-bench-server-", suffix=".log")
        self.log_path = Path(name)
        self.t_launch = time.monotonic()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fd,
                                     stderr=subprocess.STDOUT)
        os.close(fd)
        deadline = self.t_launch + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        self.t_healthy = time.monotonic()
                        return self
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited early:\n{self.log()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("streamlit did not become healthy in time")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def log_problems(self) -> list[str]:
        """Error reports in the server log: each traceback as one entry (its last line
        first, then the frames), and other lines that say ERROR / Exception / Error:."""
        out, block = [], None
        for line in self.log().splitlines():
            if block is not None:
                if line.startswith((" ", "\t")) or not line.strip():
                    block.append(line.strip())
                    continue
                block.append(line.strip())
                frames = [b for b in block if b.startswith("File ")]
                out.append(f"{line.strip()} <- " + " <- ".join(reversed(frames[-4:])))
                block = None
            elif line.startswith("Traceback"):
                block = []
            elif re.search(r"\bERROR\b|Exception|Error:", line):
                out.append(line.strip())
        if block is not None:
            out.append("Traceback (cut off) " + " | ".join(block[-4:]))
        return out

    def pids(self) -> list[int]:
        """The server process and all its descendants (from /proc)."""
        if self.proc is None:
            return []
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
        out, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(children.get(pid, []))
        return out

    def rss_mb(self) -> float:
        """VmRSS of the server and its children, MB (from /proc/<pid>/status)."""
        total_kb = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            total_kb += int(line.split()[1])
                            break
            except OSError:
                continue
        return total_kb / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server and its children so far (from /proc)."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
        return total / tick

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        if self.log_path is not None:
            with contextlib.suppress(OSError):
                self.log_path.unlink()


def launch_chromium(playwright):
    """Debian's Chromium, headless, with the test suite's flags."""
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"{CHROMIUM} is missing: scripts/test.sh installs Debian's chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def epoch_of(page, timeout_ms: int = 5_000) -> int | None:
    """The number in the Train page's "Epoch" metric, None if it is not on the page."""
    metric = page.locator(EPOCH_METRIC).filter(has_text="Epoch").first
    try:
        text = metric.locator(".rnnviz-metric-value").inner_text(timeout=timeout_ms)
    except Exception:  # noqa: BLE001 -- playwright timeouts and detached nodes alike
        return None
    digits = re.sub(r"\D", "", text)
    return int(digits) if digits else None


# -- websocket messages -------------------------------------------------------------------
@dataclass
class ForwardInfo:
    """What a benchmark needs from one server->browser message."""

    kind: str  # "delta", "script_finished", "session_status_changed", ... or "?"
    finished: str = ""  # the ScriptFinishedStatus name for kind == "script_finished"
    element: str = ""  # the element type of a delta's new_element ("plotly_chart", ...)
    metric_label: str = ""
    metric_body: str = ""
    metric_help: str = ""
    plotly_title: str = ""
    spec: str = ""  # a plotly chart's JSON spec
    # Components v2 (`bidi_component` elements, e.g. rnnviz.livechart):
    component_name: str = ""  # the registered name ("rnnviz.livechart")
    component_data: str = ""  # its data as sent, one JSON level unwrapped (keep_spec only)
    component_js: int = 0  # bytes of JavaScript sent along with the element
    # The chart carried by a plotly_chart or an rnnviz.livechart component (keep_spec only):
    chart_title: str = ""  # layout.title.text


def decode_forward(payload: bytes, keep_spec: bool = False) -> ForwardInfo:
    """Decode a Streamlit ForwardMsg (the websocket frames the server sends).

    A plotly chart's spec and title are kept only with keep_spec=True (costly to parse);
    so is a `bidi_component`'s data (`component_spec`) and, for both, `chart_title`."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    try:
        msg = ForwardMsg.FromString(payload)
    except Exception:  # noqa: BLE001 -- not a ForwardMsg
        return ForwardInfo("?")
    kind = msg.WhichOneof("type") or "?"
    info = ForwardInfo(kind)
    if kind == "script_finished":
        info.finished = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
    elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
        el = msg.delta.new_element
        info.element = el.WhichOneof("type") or ""
        if info.element == "metric":
            info.metric_label = el.metric.label
            info.metric_body = el.metric.body
            info.metric_help = el.metric.help
        elif info.element == "plotly_chart":
            info.spec = el.plotly_chart.spec
            if keep_spec:
                info.plotly_title = plotly_title(info.spec)
                info.chart_title = info.plotly_title
            else:
                info.spec = ""
        elif info.element == "bidi_component":
            bc = el.bidi_component
            info.component_name = bc.component_name
            info.component_js = len(bc.js_content.encode())
            if keep_spec and bc.WhichOneof("data") == "json":
                info.component_data = component_spec(bc.json)
                info.chart_title = plotly_title(info.component_data)
    return info


def decode_back(payload: bytes) -> tuple[str, str]:
    """(kind, fragment_id) of a BackMsg (the frames the browser sends)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    try:
        msg = BackMsg.FromString(payload)
    except Exception:  # noqa: BLE001 -- not a BackMsg
        return "?", ""
    kind = msg.WhichOneof("type") or "?"
    frag = msg.rerun_script.fragment_id if kind == "rerun_script" else ""
    return kind, frag


# -- report -------------------------------------------------------------------------------
def load_line(when: str) -> str:
    """The load average and a warning when other work is busy on the cores."""
    try:
        one, five, fifteen = os.getloadavg()
    except (AttributeError, OSError):
        return f"load average {when}: unknown"
    text = (f"load average {when}: {one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min) on "
            f"{os.cpu_count()} cores")
    if one > BUSY_LOAD:
        text += " -- the machine is busy with other work; timings are pessimistic"
    return text


def table(header: list[str], rows: list[list[str]]) -> str:
    """A markdown table with padded columns."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def quantile(values, q: float) -> float | None:
    """The q-quantile (0..1) of values, None when there are none."""
    values = sorted(values)
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    return float(statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]
                 if 0 < q < 1 else (values[0] if q <= 0 else values[-1]))


def fmt(x: float | None, digits: int = 1, unit: str = "") -> str:
    """A number or "-"."""
    return "-" if x is None else f"{x:.{digits}f}{unit}"


def plotly_title(spec: str) -> str:
    """layout.title.text of a plotly JSON spec ("" if none)."""
    import json

    try:
        title = json.loads(spec).get("layout", {}).get("title", {})
    except ValueError:
        return ""
    return title.get("text", "") if isinstance(title, dict) else str(title)


def component_spec(json_field: str) -> str:
    """The data of a `bidi_component` element's `json` field, one JSON level unwrapped.

    Streamlit JSON-encodes whatever the app passes as `data`; rnnviz.livechart passes the
    figure's JSON as a string, so this is the plotly JSON spec itself. Other data comes
    back re-encoded as JSON ("" if the field is not JSON)."""
    import json

    try:
        data = json.loads(json_field)
    except ValueError:
        return ""
    return data if isinstance(data, str) else json.dumps(data)
