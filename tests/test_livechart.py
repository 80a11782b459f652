"""The live-chart payload: what frames.to_json sends is plotly's figure, to float32."""

from __future__ import annotations

import base64
import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from rnnviz.figures import train_charts as live_figs
from rnnviz.figures.cellwalk_charts import step_bars
from rnnviz.lessons.cellwalk import preset, view
from rnnviz.train.recipes import configured
from rnnviz.train.run import TrainingRun
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


@pytest.mark.parametrize("preset", ["seed003-modern", "sine", "exploding", "hello-world"])
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
