"""Plotly charts that update in place: a tiny Streamlit component around Plotly.react.

st.plotly_chart gives each chart an id hashed from its figure, so every new figure (every
tick of live training) unmounts the old chart and mounts a new one: the chart blinks, and
hover and zoom are lost. This component keeps one <div> per `key` and hands each new
figure to Plotly.react, which changes only what changed; `layout.uirevision` (set by
figures.style) keeps the user's zoom.

plotly.js itself comes from the plotly Python package (no network: lecture halls are
offline): `ensure_static` copies its plotly.min.js, and writes the chart code
(LIVECHART_JS), into the app's static folder, which Streamlit serves at /app/static/
(server.enableStaticServing in .streamlit/config.toml). The browser loads both once per
page; each chart element carries only a few lines that call them (JS).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import numpy as np
import plotly
import plotly.io as pio
import streamlit as st

NAME = "rnnviz.livechart"
STATIC = Path(__file__).resolve().parents[2] / "static"  # beside app.py
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
CONFIG = {"displaylogo": False, "responsive": True,
          "toImageButtonOptions": {"format": "png", "scale": 2}}

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

# The chart code, served once per page as /app/static/livechart.js (see ensure_static).
# Updates are coalesced to one Plotly.react per chart per animation frame, unchanged data
# is not redrawn, and a chart scrolled out of view keeps only its newest figure and draws
# it when it comes back: the browser's time goes to the charts a person can see.
LIVECHART_JS = r"""
(function () {
  const TEMPLATE = __TEMPLATE__;
  const CONFIG = __CONFIG__;
  const base = () => {  // beside Streamlit's bundle (<base>/static/js/index.*.js)
    const own = document.querySelector('script[src*="static/js/index"]');
    return own ? own.src.replace(/static\/js\/[^/]*$/, "") : "/";
  };
  let plotly = null;
  function loadPlotly() {
    if (!plotly) {
      plotly = new Promise((resolve, reject) => {
        const s = document.createElement("script");
        s.src = base() + "app/static/plotly.min.js";
        s.onload = () => resolve(window.Plotly);
        s.onerror = () => { plotly = null; reject(new Error("no plotly.js")); };
        document.head.appendChild(s);
      });
    }
    return plotly;
  }
  const dirty = new Set();
  let frame = 0;
  const seen = new IntersectionObserver((entries) => {
    for (const e of entries) {
      e.target.__visible = e.isIntersecting;
      if (e.isIntersecting && e.target.__pending) schedule();
    }
  }, { rootMargin: "300px" });
  function draw(Plotly, div) {
    const fig = JSON.parse(div.__pending);
    div.__pending = null;
    // axis text a little smaller than the chart's font, as in Streamlit's own theme
    const size = ((fig.layout || {}).font || {}).size || 13;
    const template = structuredClone(TEMPLATE);
    for (const ax of ["xaxis", "yaxis"]) {
      template.layout[ax].tickfont.size = size - 1;
      template.layout[ax].title.font.size = size;
    }
    const layout = Object.assign({ template: template, autosize: true }, fig.layout);
    div.style.minHeight = (layout.height || 320) + "px";
    Plotly.react(div, fig.data, layout, CONFIG);
  }
  function flush() {
    frame = 0;
    loadPlotly().then((Plotly) => {
      for (const div of Array.from(dirty)) {
        if (!div.isConnected) { dirty.delete(div); continue; }
        if (div.__visible === false) continue;  // drawn when scrolled back into view
        dirty.delete(div);
        if (div.__pending) draw(Plotly, div);
      }
    }, () => {
      for (const div of dirty) div.textContent = "This chart needs plotly.js from "
        + "/app/static/: start the app with ./scripts/run.sh (README).";
    });
  }
  function schedule() { if (!frame) frame = requestAnimationFrame(flush); }
  window.rnnvizChart = function (component) {
    const { data, parentElement } = component;
    if (!data) { loadPlotly(); return; }  // the preload element: fetch plotly.js early
    let div = parentElement.querySelector("div.rnnviz-chart");
    if (!div) {
      div = document.createElement("div");
      div.className = "rnnviz-chart";
      div.style.width = "100%";
      parentElement.appendChild(div);
      seen.observe(div);
    }
    if (data === div.__data) return;  // the same figure again: nothing to redraw
    div.__data = div.__pending = data;
    dirty.add(div);
    schedule();
  };
})();
""".replace("__TEMPLATE__", json.dumps(TEMPLATE)).replace("__CONFIG__", json.dumps(CONFIG))

# What Streamlit sends with every chart element: load livechart.js once, then draw.
JS = r"""
export default function (component) {
  const w = window;
  if (w.rnnvizChart) return w.rnnvizChart(component);
  if (!w.__rnnvizLoad) {
    w.__rnnvizLoad = new Promise((resolve) => {
      const own = document.querySelector('script[src*="static/js/index"]');
      const s = document.createElement("script");
      s.src = (own ? own.src.replace(/static\/js\/[^/]*$/, "") : "/")
        + "app/static/livechart.js?v=__VERSION__";
      s.onload = resolve;
      document.head.appendChild(s);
    });
  }
  w.__rnnvizLoad.then(() => w.rnnvizChart(component));
}
""".replace("__VERSION__", hashlib.sha1(LIVECHART_JS.encode()).hexdigest()[:10])


def ensure_static() -> Path:
    """Write ./static/livechart.js and copy plotly.min.js there (if not already current)."""
    STATIC.mkdir(exist_ok=True)
    _write_if_changed(STATIC / "livechart.js", LIVECHART_JS.encode())
    target = STATIC / "plotly.min.js"
    if not target.exists() or target.stat().st_size != PLOTLY_JS.stat().st_size:
        _write_if_changed(target, PLOTLY_JS.read_bytes())
    return STATIC


def _write_if_changed(path: Path, content: bytes) -> None:
    if path.exists() and path.read_bytes() == content:
        return
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(content)
    tmp.replace(path)  # atomic: a browser never gets half a file


ensure_static()
# Registered once per process at import; the mount call re-registers it on a new runtime.
_mount = st.components.v2.component(NAME, js=JS, isolate_styles=False)


F32_MAX = float(np.finfo(np.float32).max)
F32_TINY = float(np.finfo(np.float32).tiny)  # smallest normal float32, 1.2e-38


def _float32(obj):
    """obj with every float64 typed array ({"dtype": "f8", "bdata": ...}) that fits in
    float32 re-encoded as float32: half the bytes over the websocket."""
    if isinstance(obj, list):
        return [_float32(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if obj.get("dtype") == "f8" and "bdata" in obj:
        a = np.frombuffer(base64.b64decode(obj["bdata"]), np.float64)
        size = np.abs(a)
        nonzero = size[(size > 0) & np.isfinite(size)]
        if nonzero.size and (nonzero.max() >= F32_MAX or nonzero.min() < F32_TINY):
            return obj  # exploding (> 3e38) or vanishing (< 1e-38) gradients stay float64
        return obj | {"dtype": "f4",
                      "bdata": base64.b64encode(a.astype(np.float32)).decode("ascii")}
    return {k: _float32(v) for k, v in obj.items()}


def to_json(fig) -> str:
    """A figure (go.Figure or dict) as plotly JSON: arrays as float32 typed arrays, no
    template (the browser side adds the app's look)."""
    spec = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else fig
    layout = {k: v for k, v in spec.get("layout", {}).items() if k != "template"}
    return pio.to_json({"data": _float32(spec.get("data", [])), "layout": layout},
                       validate=False, remove_uids=True)


def preload() -> None:
    """An empty element that makes the browser fetch plotly.js at once (cold start)."""
    with st.sidebar:
        _mount(data="", key="rnnviz_preload", height=0)


def chart(fig=None, *, key: str, where=None, spec: str | None = None) -> None:
    """Draw `fig` (or its ready-made JSON `spec`) in the chart that `key` names.

    The same key on the next run updates the chart in place. `where`: a container or
    column (default: the current one). Pass `spec` when one JSON string is drawn for many
    viewers (follow mode): it is serialised once, not per viewer.
    """
    data = spec if spec is not None else to_json(fig)
    if where is None:
        _mount(data=data, key=key, width="stretch")
    else:
        with where:
            _mount(data=data, key=key, width="stretch")
