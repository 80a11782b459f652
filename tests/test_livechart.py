"""The live charts: what frames.to_json sends is plotly's figure, to float32; the browser side's
JavaScript files, the settings they read, and the copies in ./static."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from streamlit.testing.v1 import AppTest

import rnnviz
from rnnviz.figures.cellwalk_charts import step_bars
from rnnviz.lessons import training as live_figs
from rnnviz.lessons.cellwalk import preset, view
from rnnviz.live import frames
from rnnviz.train.recipes import configured
from rnnviz.train.run import TrainingRun
from rnnviz.ui import livechart
from rnnviz.ui.livechart import to_json


def decoded(v):
    """A plotly JSON value with typed arrays turned into plain float lists."""
    if isinstance(v, dict) and "bdata" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), np.dtype(v["dtype"]))
        if "shape" in v:
            a = a.reshape([int(n) for n in v["shape"].split(",")])
        return a.astype(float).tolist()
    if isinstance(v, dict):
        return {k: decoded(x) for k, x in v.items()}
    if isinstance(v, list):
        return [decoded(x) for x in v]
    return v


def assert_same(ref, ours, path=""):
    """Equal structure and strings; numbers equal to float32 precision; NaN == null."""
    if isinstance(ref, dict):
        assert set(ref) == set(ours), (path, set(ref) ^ set(ours))
        for k in ref:
            assert_same(ref[k], ours[k], f"{path}/{k}")
    elif isinstance(ref, list):
        assert len(ref) == len(ours), path
        for i, (a, b) in enumerate(zip(ref, ours, strict=True)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(ref, float) or isinstance(ours, float):
        nan = lambda x: x is None or x != x  # noqa: E731
        if nan(ref) or nan(ours):
            assert nan(ref) and nan(ours), (path, ref, ours)
        else:
            assert abs(ref - ours) <= 2e-7 * max(abs(ref), abs(ours)), (path, ref, ours)
    else:
        assert ref == ours, (path, ref, ours)


def plotly_reference(fig) -> dict:
    ref = json.loads(pio.to_json(fig, validate=False))
    ref["layout"].pop("template", None)
    return decoded(ref)


@pytest.mark.parametrize("preset", ["sentiment-modern", "sine", "exploding", "hello-world"])
def test_live_figures_arrive_as_plotly_would_send_them(preset):
    run = TrainingRun(configured(preset))
    run.advance(seconds=0.3)
    for key, fig in live_figs.train_figures(run, 0, big=False).items():
        assert_same(plotly_reference(fig), decoded(json.loads(to_json(fig))), key)


def test_a_validated_graph_objects_figure_too():
    v = view(preset("rnn"), t=2)
    fig = step_bars(v.bars, "terms", big=False)
    assert_same(plotly_reference(fig), decoded(json.loads(to_json(fig))))


def sent(y) -> dict:
    fig = go.Figure({"data": [{"type": "scatter", "y": np.asarray(y)}]}, _validate=False)
    return json.loads(to_json(fig))["data"][0]["y"]


def test_payloads_are_float32_unless_the_values_do_not_fit():
    assert sent([0.5, 2.0, 0.0])["dtype"] == "f4"
    assert sent([1e-3, 1e40])["dtype"] == "f8"  # exploding: past float32's 3.4e38
    assert sent([1.0, 1e-45])["dtype"] == "f8"  # vanishing: float32 would round it to 0
    z = np.array([[-0.75, 0.5], [0.0, -2.0]])
    fig = go.Figure({"data": [{"type": "heatmap", "z": z}]}, _validate=False)
    spec = json.loads(to_json(fig))["data"][0]["z"]
    assert spec["dtype"] == "f4" and spec["shape"] == "2, 2"
    np.testing.assert_array_equal(decoded(spec), z)  # signs and values kept


def test_nan_scalars_become_null_so_the_browser_can_parse_them():
    fig = go.Figure({"data": [{"type": "scatter", "y": [1.0, float("nan")]}],
                     "layout": {"yaxis": {"range": [0, float("inf")]}}}, _validate=False)
    spec = json.loads(to_json(fig))  # json.loads would fail on NaN / Infinity literals
    assert spec["data"][0]["y"] == [1.0, None] and spec["layout"]["yaxis"]["range"][1] is None


# The browser side: the JavaScript files, the settings they read, and ./static.

ROOT = Path(__file__).resolve().parents[1]


def test_the_browser_reads_every_value_from_settings():
    """One line before element.js sets window.rnnvizSettings, from livechart's own values;
    the .js files have nothing spliced in, and read exactly those settings."""
    first, element = livechart.JS.split("\n", 1)
    prefix = "window.rnnvizSettings = "
    assert first.startswith(prefix) and first.endswith(";")
    settings = json.loads(first[len(prefix):-1])
    version = hashlib.sha1(livechart.LIVECHART_JS.read_bytes()).hexdigest()[:10]
    assert settings == livechart.SETTINGS == {
        "template": livechart.TEMPLATE, "config": livechart.CONFIG,
        "plotly": livechart.PLOTLY_JS.name, "header": frames.FRAME_HEADER, "version": version}
    assert element.startswith("export default function (component) {")
    chart_js = livechart.LIVECHART_JS.read_text(encoding="utf-8")
    element_js = (livechart.JS_DIR / "element.js").read_text(encoding="utf-8")
    for text in (chart_js, element_js):
        assert not re.search(r"__[A-Z_]+__", text)  # no placeholders left
    read = re.search(r"const \{([^}]*)\}\s*=\s*window\.rnnvizSettings;", chart_js)
    assert read, "livechart.js reads its settings in one place"
    keys = {part.split(":")[0].strip() for part in read.group(1).split(",")}
    assert keys == {"template", "config", "plotly", "header"}
    assert set(re.findall(r"settings\.(\w+)", element_js)) == {"plotly", "version"}


def test_the_frame_header_is_what_pack_writes():
    packed = frames.pack(7, '{"seq":7}')
    assert packed[:frames.FRAME_HEADER].startswith(b"rnnviz-frame ")
    assert packed[frames.FRAME_HEADER - 1:frames.FRAME_HEADER] == b"\n"


def test_the_vendored_bundle_draws_the_trace_types_to_json_allows():
    entry = (ROOT / "scripts" / "plotly-bundle" / "entry.js").read_text(encoding="utf-8")
    registered = set(re.findall(r"require\('plotly\.js/lib/(\w+)'\)", entry)) - {"core"}
    assert registered | {"scatter"} == livechart.TRACE_TYPES  # scatter: in plotly's core
    bundle = livechart.PLOTLY_JS.read_text(encoding="utf-8")
    assert set(re.findall(r'moduleType:"trace",name:"(\w+)"', bundle)) == livechart.TRACE_TYPES


@pytest.mark.skipif(shutil.which("node") is None, reason="no node to parse the JavaScript")
def test_the_javascript_parses(tmp_path):
    element = tmp_path / "element.mjs"
    element.write_text(livechart.JS, encoding="utf-8")  # as sent: settings line, minified
    for path in (livechart.LIVECHART_JS, element):
        subprocess.run(["node", "--check", str(path)], check=True, capture_output=True)


def test_the_javascript_ships_with_the_package():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = data["tool"]["setuptools"]["package-data"]["rnnviz"]
    package = Path(rnnviz.__file__).resolve().parent
    for path in (livechart.LIVECHART_JS, livechart.JS_DIR / "element.js", livechart.PLOTLY_JS):
        assert path.is_file()
        assert any(fnmatch(path.relative_to(package).as_posix(), g) for g in globs), path


def test_importing_livechart_writes_no_files(tmp_path):
    static = tmp_path / "static"
    code = ("import pathlib, rnnviz.live.frames as f\n"
            f"f.STATIC = pathlib.Path({str(static)!r})\n"
            "import rnnviz.ui.livechart as l\n"
            "assert l.STATIC == f.STATIC\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, timeout=120)
    assert not static.exists() and list(tmp_path.iterdir()) == []


@pytest.fixture
def static(tmp_path, monkeypatch):
    """livechart's ./static in a temporary folder, in a process that has not copied yet."""
    folder = tmp_path / "static"
    monkeypatch.setattr(livechart, "STATIC", folder)
    monkeypatch.setattr(livechart, "_copied", False)
    return folder


def test_ensure_static_copies_both_files_once_per_process(static, monkeypatch):
    sources = (livechart.LIVECHART_JS, livechart.PLOTLY_JS)
    assert livechart.ensure_static() == static
    assert sorted(p.name for p in static.iterdir()) == sorted(s.name for s in sources)
    for source in sources:
        assert (static / source.name).read_bytes() == source.read_bytes()
    (static / "livechart.js").write_text("stale")
    livechart.ensure_static()
    assert (static / "livechart.js").read_text() == "stale"  # checked once per process
    monkeypatch.setattr(livechart, "_copied", False)  # as in a new server process
    before = (static / livechart.PLOTLY_JS.name).stat().st_mtime_ns
    livechart.ensure_static()
    assert (static / "livechart.js").read_bytes() == livechart.LIVECHART_JS.read_bytes()
    assert (static / livechart.PLOTLY_JS.name).stat().st_mtime_ns == before  # unchanged
    assert sorted(p.name for p in static.iterdir()) == sorted(s.name for s in sources)


def test_a_script_runs_first_chart_puts_the_files_in_static(static):
    def script():
        import plotly.graph_objects as go

        from rnnviz.ui import livechart

        livechart.chart(go.Figure({"data": [{"type": "bar", "y": [1, 2]}]}), key="c")

    assert not static.exists()
    at = AppTest.from_function(script, default_timeout=60).run()
    assert not at.exception
    assert (static / "livechart.js").read_bytes() == livechart.LIVECHART_JS.read_bytes()
    assert (static / livechart.PLOTLY_JS.name).is_file()


def test_livechart_reads_no_private_attributes():
    source = Path(livechart.__file__).read_text(encoding="utf-8")
    assert not re.findall(r"\w\._\w+", source)  # e.g. fig._data, fig._layout
