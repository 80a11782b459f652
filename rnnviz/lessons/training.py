"""The Train page's lesson: what its live view shows of a TrainingRun (no Streamlit).

`TrainScene` is what rnnviz.live.feed asks for each frame: the status numbers, the charts
(figures are drawn from the run's recorded arrays: history, probe trace, gradient flow,
eigenvalue snapshots) and the task's own view. The Watch page shows the same frames.
"""

from __future__ import annotations

import numpy as np

from rnnviz import numbers
from rnnviz.figures import curves, gradients, hidden, spectrum, taskview_charts
from rnnviz.figures.diagram import unrolled_figure
from rnnviz.lessons import taskviews
from rnnviz.lessons.scene import Scene
from rnnviz.lessons.unrolling import from_trace

# rows of chart keys, top to bottom ("task" exists only for tasks drawn as a chart)
LAYOUT = (("loss", "flow"), ("hidden", "flowmap"), ("clip", "eigs"), ("unrolled",), ("task",))


class TrainScene(Scene):
    """The Train page's frames. View options: probe (the probe sample shown)."""

    rows = LAYOUT

    def key(self, run, view) -> str:
        return repr(run.cfg.train)  # the learning rate and clipping change live

    def caption(self, run) -> str:
        m = run.cfg.model
        return (f"{run.task.title}. {m.cell.upper()}, {m.hidden_size} hidden units × "
                f"{m.num_layers} layer(s); {run.model.num_params:,} parameters.")

    def status(self, run, view, facts: dict) -> list[tuple[str, str]]:
        """Epoch, losses and throughput."""
        h = run.history[-1] if run.history else None
        metric = run.task.metric_name
        return [("Epoch", str(run.epoch)),
                ("Train loss", numbers.num(h["train_loss"] if h else None)),
                (f"Test {metric}", numbers.num(h[f"test_{metric}"] if h else None)),
                ("Steps / s", numbers.num(run.steps_per_second if run.batches else None,
                                          ".0f")),
                ("ms / epoch", numbers.num(run.seconds / run.epoch * 1000 if run.epoch
                                           else None, ".0f"))]

    def fast(self, run, view) -> dict:
        """The learning curves with the epoch in progress: the one chart that changes
        within an epoch (every other chart shows per-epoch records)."""
        df = run.history_frame(max_rows=curves.MAX_POINTS)
        return {"loss": curves.loss_curves(df, run.task.metric_name, big=view.big,
                                           now=run.in_progress(),
                                           baselines=run.task.baselines)}

    def slow(self, run, view) -> tuple[dict, dict | None, dict]:
        """Every chart for the probe sample, the task's view, no extra facts."""
        return train_figures(run, view.opt("probe", 0), view.big), task_view(run), {}


def train_figures(run, b: int, big: bool) -> dict:
    """Every live chart of `run` for probe sample b: {key: figure}."""
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
        "loss": curves.loss_curves(df, run.task.metric_name, big=big, now=run.in_progress(),
                                   baselines=run.task.baselines),
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
        v = taskviews.sine_view(run)
        figs["task"] = taskview_charts.forecast_plot(v["t"], v["truth"], v["pred"],
                                                     v["multi"], big=big)
    return figs


def task_view(run) -> dict | None:
    """What the task's own view shows, when it is not a chart (sine's is a chart):
    {"title", "table": {"columns", "rows"}} or {"title", "code"}, text ready to show."""
    name = run.task.name
    if name == "sentiment":
        return {"title": "The test sentences, as the network reads them now",
                "table": numbers.table(taskviews.sentiment_view(run))}
    if name == "charlm":
        greedy = taskviews.charlm_view(run, n=60, greedy=True)
        sampled = taskviews.charlm_view(run, n=60, temperature=1.0)
        return {"title": "Samples from the model now (prompt: first character of the text)",
                "code": f"greedy:          {greedy.prompt}{greedy.text}\n"
                        f"temperature 1.0: {sampled.prompt}{sampled.text}"}
    if name != "sine":
        return {"title": "First test sequences: target vs prediction",
                "table": numbers.table(taskviews.memory_view(run))}
    return None
