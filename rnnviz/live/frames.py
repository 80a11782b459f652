"""Frames: what a live page's browser reads, as JSON and as a file on disk.

A frame is one JSON object (`frame_json`): the status numbers, a caption, notes, and a grid
of charts, each chart its plotly JSON (`to_json`: typed arrays, float32 where the values
fit). The trainer thread (live/feed.py) writes each new frame as one file
(`pack`: header, gzip, zero padding) under ./static, which Streamlit serves; the browser
polls it (rnnviz/ui/js/livechart.js) and redraws only the charts whose id changed.
No Streamlit here.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import threading
import time
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from rnnviz.figures.style import Fig

STATIC = Path(__file__).resolve().parents[2] / "static"  # beside app.py: served at app/static
FRAME_HEADER = len(f"rnnviz-frame {0:016d} {0:010d}\n")  # bytes (pack)
STATIC = Path(__file__).resolve().parents[2] / "static"  # beside app.py
HEADER = FRAME_HEADER  # b"rnnviz-frame <seq: 16 digits> <gzip length: 10>\n"
SIZE_STEP = 8192  # a frame file's size is a multiple of this and never shrinks (see pack)
GZIP_LEVEL = 3  # ~1 ms for a 70 KB frame; the browser inflates it (DecompressionStream)
# what that bundle can draw (scripts/plotly-bundle/entry.js registers them)
TRACE_TYPES = frozenset({"bar", "heatmap", "histogram", "scatter"})

F32_MAX = float(np.finfo(np.float32).max)
F32_TINY = float(np.finfo(np.float32).tiny)  # smallest normal float32, 1.2e-38
_KINDS = {"f": "f", "i": "i", "u": "u"}


def _typed(a: np.ndarray) -> dict | list:
    """A numeric array as a plotly.js typed array: {"dtype", "bdata" (base64), "shape"}.

    float64 goes as float32 (half the bytes) unless a value would not survive it
    (exploding gradients past 3.4e38, vanishing ones below 1.2e-38 stay float64); int64 as
    int32 when it fits. Other arrays (strings, objects, bools) go as plain lists."""
    if a.dtype.kind not in _KINDS or a.size == 0:
        return _plain(a.tolist())
    if a.dtype == np.float64:
        size = np.abs(a)
        nonzero = size[(size > 0) & np.isfinite(size)]
        if not nonzero.size or (nonzero.max() < F32_MAX and nonzero.min() >= F32_TINY):
            a = a.astype(np.float32)
    elif (a.dtype.kind in "iu" and a.dtype.itemsize == 8
          and np.iinfo(np.int32).min <= a.min() and a.max() <= np.iinfo(np.int32).max):
        a = a.astype(np.int32)
    a = np.ascontiguousarray(a)
    out = {"dtype": a.dtype.str.lstrip("<|="),
           "bdata": base64.b64encode(a.tobytes()).decode("ascii")}
    if a.ndim > 1:
        out["shape"] = ", ".join(str(n) for n in a.shape)
    return out


def _plain(obj):
    """obj as JSON-ready Python: arrays typed, NumPy scalars unwrapped, NaN/inf as null."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _typed(obj)
    if hasattr(obj, "to_numpy"):  # pandas Series / Index
        return _typed(obj.to_numpy())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None  # JSON has no NaN; plotly.js reads null as a gap
    return obj


def to_json(fig) -> str:
    """A figure (go.Figure or {"data", "layout"} dict) as plotly JSON for the browser.

    Arrays go as typed arrays (float32 where the values fit); no template (the browser
    side adds the app's look). Our figures are built without validation (figures.style),
    so their traces are plain dicts: they are read as they are, not through plotly's
    to_plotly_json, which copies and re-validates everything (~1 ms a figure)."""
    if isinstance(fig, Fig):  # figures.style: plain dicts unless plotly's API was used
        fig = fig.current()
    if isinstance(fig, go.Figure):  # public API; per trace, so arrays stay NumPy arrays
        data = [t.to_plotly_json() for t in fig.data]
        layout = fig.layout.to_plotly_json()
    else:
        data, layout = fig.get("data", []), fig.get("layout", {})
    layout = {k: v for k, v in layout.items() if k != "template"}
    for trace in data:
        if trace.get("type", "scatter") not in TRACE_TYPES:
            raise ValueError(f"trace type {trace.get('type')!r} is not in the vendored "
                             "plotly.js bundle (rnnviz/ui/vendor/README.md)")
    return json.dumps({"data": _plain(data), "layout": _plain(layout)},
                      separators=(",", ":"), allow_nan=False)


def grid_spec(rows, specs: dict[str, str]) -> str:
    """Several charts (their to_json texts) as one JSON object, the body of a shared frame
    (classroom.frame_json): the rows of keys, a hash of each chart (the browser redraws
    only charts whose hash changed) and the figures, spliced in as they are."""
    rows = [[k for k in row if k in specs] for row in rows if any(k in specs for k in row)]
    ids = {k: hashlib.md5(v.encode()).hexdigest()[:16] for k, v in specs.items()}
    charts = ",".join(f"{json.dumps(k)}:{v}" for k, v in specs.items())
    return (f'{{"rows":{json.dumps(rows, separators=(",", ":"))},'
            f'"ids":{json.dumps(ids, separators=(",", ":"))},"charts":{{{charts}}}}}')


def frame_json(rows, charts: dict[str, str], *, epoch: int, playing: bool, caption: str,
               status: list[tuple[str, str]], diverged: str | None,
               extra: dict | None = None) -> str:
    """One frame as the browser reads it (livechart.follow); `charts`: key -> plotly JSON.

    {"seq", "written", "playing", "epoch", "caption", "status": [[label, value]],
    "diverged", ...extra, "rows", "ids", "charts"}; Board.post fills in "seq"."""
    head = json.dumps({"written": round(time.time(), 3), "playing": playing, "epoch": epoch,
                       "caption": caption, "status": status, "diverged": diverged}
                      | (extra or {}), separators=(",", ":"))
    return '{"seq":0,' + head[1:-1] + "," + grid_spec(rows, charts)[1:]


def pack(seq: int, frame: str, size: int = 0) -> bytes:
    """header + gzip(frame) + zeros, at least `size` bytes, a multiple of SIZE_STEP."""
    gz = gzip.compress(frame.encode(), compresslevel=GZIP_LEVEL, mtime=0)
    head = f"rnnviz-frame {seq:016d} {len(gz):010d}\n".encode()
    n = max(size, -(-(HEADER + len(gz)) // SIZE_STEP) * SIZE_STEP)
    return head + gz + bytes(n - HEADER - len(gz))


def unpack(content: bytes) -> tuple[int, dict]:
    """(seq, frame) from a frame file (what the browser does in livechart.follow)."""
    magic, seq, length = content[:HEADER].split()
    if magic != b"rnnviz-frame":
        raise ValueError("not an rnnviz frame file")
    return int(seq), json.loads(gzip.decompress(content[HEADER:HEADER + int(length)]))


def write_atomic(path: Path, content: bytes) -> None:
    """Atomic: a reader gets the old file or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    tmp.write_bytes(content)
    os.replace(tmp, path)
