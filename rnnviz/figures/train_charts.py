"""The live training charts of a run, as one ordered table (Train page and Watch page).

`train_figures(run, b, big)` reads a TrainingRun (its history, probe trace, gradient flow
and eigenvalue snapshots) and returns the figures keyed by the chart's name; `LAYOUT` says
how the pages arrange them (rows of one or two charts). Pure: no Streamlit.
"""

from __future__ import annotations

import numpy as np

from rnnviz.figures import curves, gradients, hidden, spectrum
from rnnviz.figures import taskview_charts as taskviews
from rnnviz.figures.diagram import unrolled_figure
from rnnviz.lessons import taskviews as views
from rnnviz.lessons.unrolling import from_trace

# rows of chart keys, top to bottom ("task" exists only for tasks drawn as a chart)
LAYOUT = (("loss", "flow"), ("hidden", "flowmap"), ("clip", "eigs"), ("unrolled",), ("task",))


def train_figures(run, b: int, big: bool) -> dict:
    """Every live chart of `run` for probe sample b: {key: go.Figure}."""
    df = run.history_frame(max_rows=curves.MAX_POINTS)  # the curves show no more than this
    tr = run.probe_trace
    b = min(b, tr.x.shape[1] - 1)
    tokens = run.probe.tokens[b]
    m, tc = run.cfg.model, run.cfg.train
    h = tr.hidden[:, b]  # (T, H)
    relu = m.cell == "rnn" and m.activation == "relu"
    zmax = float(max(np.abs(h).max(), 1e-6)) if relu else 1.0
    epochs, flow = run.grad_flow_matrix()
    u = from_trace(tr, run.probe, b, run.task, cell=m.cell, activation=m.activation)
    figs = {
        "loss": curves.loss_curves(df, run.task.metric_name, big=big, now=run.in_progress()),
        "flow": gradients.grad_flow_line(
            tr.grad_norm, title=f"Gradient flowing back, epoch {run.epoch}: ||dL/dh_t||",
            big=big),
        "hidden": hidden.hidden_heatmap(h, tokens, zmax=zmax, big=big,
                                        title=f"Hidden states h_t, probe sample {b + 1}"),
        "flowmap": gradients.grad_flow_heatmap(epochs, flow, tokens, big=big),
        "clip": curves.clip_curves(df, tc.clip_threshold if tc.clip == "norm" else None,
                                   big=big),
        "eigs": spectrum.eigen_plot(run.eig_history[-1][1], big=big),
        "unrolled": unrolled_figure(**u.figure_kwargs(), pattern=u.pattern, compact=True,
                                    big=big),
    }
    if run.task.name == "sine":
        v = views.sine_view(run)
        figs["task"] = taskviews.forecast_plot(v["t"], v["truth"], v["pred"], v["multi"],
                                               big=big)
    return figs


def curves_now(run, big: bool):
    """The learning curves with the epoch in progress: the one chart that changes within
    an epoch (every other live chart shows per-epoch records)."""
    df = run.history_frame(max_rows=curves.MAX_POINTS)
    return curves.loss_curves(df, run.task.metric_name, big=big, now=run.in_progress())


def status(run) -> dict:
    """The numbers above the charts: epoch, losses, throughput (None where not yet known)."""
    h = run.history[-1] if run.history else None
    metric = run.task.metric_name
    return {
        "epoch": run.epoch,
        "train_loss": h["train_loss"] if h else None,
        "metric_name": metric,
        "test_metric": h[f"test_{metric}"] if h else None,
        "steps_per_s": run.steps_per_second if run.batches else None,
        "ms_per_epoch": run.seconds / run.epoch * 1000 if run.epoch else None,
    }
