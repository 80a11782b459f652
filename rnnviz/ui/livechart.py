"""Plotly charts that update in place: a tiny Streamlit component around Plotly.react.

st.plotly_chart gives each chart an id hashed from its figure, so every new figure (every
tick of live training) unmounts the old chart and mounts a new one: the chart blinks, and
hover and zoom are lost. This component keeps one <div> per `key` and hands each new
figure to Plotly.react, which changes only what changed; `layout.uirevision` (set by
figures.style) keeps the user's zoom.

plotly.js itself is a partial bundle vendored in rnnviz/ui/vendor/ (no network: lecture
halls are offline), built by scripts/plotly-bundle with only the trace types the app draws
(TRACE_TYPES). The chart code is rnnviz/ui/js/livechart.js. Each chart element carries only
JS: one line that sets window.rnnvizSettings (SETTINGS, the one place for the values the
browser side reads), then rnnviz/ui/js/element.js, which loads plotly.js and livechart.js
once per page.

The browser fetches both files from /app/static/, Streamlit's static serving of ./static
(server.enableStaticServing in .streamlit/config.toml): `ensure_static` copies them there,
once per process, when a script run draws its first chart element, never at import.
Not components v2's own file serving: in Streamlit 1.67 it serves only the asset_dir of a
component declared in an installed package's pyproject.toml, found by the start-up scan of
installed packages that rnnviz.serve skips (registering one by hand needs Streamlit internals).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from pathlib import Path

import streamlit as st

from rnnviz.live import frames
from rnnviz.live.frames import FRAME_HEADER, STATIC, to_json, write_atomic

NAME = "rnnviz.livechart"
PLOTLY_JS = Path(__file__).resolve().parent / "vendor" / "plotly-rnnviz.min.js"
TRACE_TYPES = frames.TRACE_TYPES  # what that bundle draws; to_json refuses any other
CONFIG = {"displaylogo": False, "responsive": True,
          "toImageButtonOptions": {"format": "png", "scale": 2},
          # offline and private: no button that uploads a chart to Plotly's cloud
          "modeBarButtonsToRemove": ["sendChartToCloud", "sendDataToCloud"]}

# The look of Streamlit's light theme, as a plotly.js template (the figures use none).
_AXIS = {"gridcolor": "#e6eaf1", "zerolinecolor": "#c8ccd4", "linecolor": "#c8ccd4",
         "automargin": True, "tickfont": {"color": "#808495"},
         "title": {"font": {"color": "#808495"}}}
TEMPLATE = {"layout": {
    "font": {"family": '"Source Sans", "Source Sans Pro", sans-serif', "color": "#31333F"},
    "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "#ffffff",
    "xaxis": _AXIS, "yaxis": _AXIS, "legend": {"font": {"color": "#808495"}},
    "hoverlabel": {"font": {"family": '"Source Sans", sans-serif'}},
}}

JS_DIR = Path(__file__).resolve().parent / "js"
LIVECHART_JS = JS_DIR / "livechart.js"  # the chart code, served as app/static/livechart.js

# What the browser side reads (element.js, livechart.js), all from here: one global,
# window.rnnvizSettings, that the code each element carries sets.
SETTINGS = {
    "template": TEMPLATE, "config": CONFIG,
    "plotly": PLOTLY_JS.name,  # served as app/static/<this>
    "header": FRAME_HEADER,  # bytes before a frame file's gzip data (frames.pack)
    "version": hashlib.sha1(LIVECHART_JS.read_bytes()).hexdigest()[:10],  # ?v=: no stale copy
}


def minified(js: str) -> str:
    """js without comments, indentation and blank lines (it goes with every element)."""
    js = re.sub(r"(?m)(^|\s+)//[^\n]*", "", js)
    return "\n".join(line.strip() for line in js.splitlines() if line.strip())


# What Streamlit sends with every chart element: set the settings, load livechart.js once,
# then draw.
JS = (f"window.rnnvizSettings = {json.dumps(SETTINGS, separators=(',', ':'))};\n"
      + minified((JS_DIR / "element.js").read_text(encoding="utf-8")))

_copied = False  # this process has put the current files into ./static
_copy_lock = threading.Lock()


def ensure_static() -> Path:
    """Copy livechart.js and plotly.js into ./static unless the same files are there; once
    per process, from the first element a script run draws. Returns the folder."""
    global _copied
    if not _copied:
        with _copy_lock:
            if not _copied:
                STATIC.mkdir(exist_ok=True)
                for source in (LIVECHART_JS, PLOTLY_JS):
                    _copy_if_changed(source, STATIC / source.name)
                _copied = True
    return STATIC


def _copy_if_changed(source: Path, target: Path) -> None:
    content = source.read_bytes()
    if not (target.exists() and target.stat().st_size == len(content)
            and target.read_bytes() == content):
        write_atomic(target, content)  # a browser never gets half a file


# Registered once per process at import; the mount call re-registers it on a new runtime.
_mount = st.components.v2.component(NAME, js=JS, isolate_styles=False)


def _element(**kwargs) -> None:
    """One element of the component, its files in ./static first."""
    ensure_static()
    _mount(**kwargs)


def follow(url: str, *, key: str, every: float, idle: float) -> None:
    """A grid of charts that the browser keeps fetching from `url` (below the server's base
    URL; a gzip JSON frame, see rnnviz.live.board) every `every` seconds while the frame
    says "playing", every `idle` seconds otherwise. No script run per refresh."""
    cfg = {"follow": url, "every": every, "idle": idle}
    _element(data=json.dumps(cfg, separators=(",", ":")), key=key, width="stretch")


def live(frame: str, *, url: str, playing: bool, every: float, key: str,
         on_stopped) -> None:
    """A training page's live view (rnnviz.live.feed): `frame` (frames.frame_json) drawn
    at once, then, while `playing`, the newer frames at `url` (below the server's base URL)
    polled every `every` seconds. `on_stopped` runs when the browser saw the run stop by
    itself, or the frame's "refresh" move on (before the rerun it causes)."""
    data = (f'{{"live":{json.dumps(url)},"playing":{json.dumps(playing)},'
            f'"every":{every:.3f},"frame":{frame}}}')
    _element(data=data, key=key, width="stretch", on_stopped_change=on_stopped,
             on_refresh_change=on_stopped)


def preload() -> None:
    """An empty element that makes the browser fetch plotly.js at once (cold start)."""
    with st.sidebar:
        _element(data="", key="rnnviz_preload", height=0)


def chart(fig=None, *, key: str, where=None, spec: str | None = None) -> None:
    """Draw `fig` (or its ready-made JSON `spec`) in the chart that `key` names.

    The same key on the next run updates the chart in place. `where`: a container or
    column (default: the current one). Pass `spec` for a figure already serialised (the
    Train page keeps its per-epoch charts as JSON between ticks).
    """
    data = spec if spec is not None else to_json(fig)
    if where is None:
        _element(data=data, key=key, width="stretch")
    else:
        with where:
            _element(data=data, key=key, width="stretch")
