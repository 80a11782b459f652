"""Tasks and data: what the RNN learns. Pure Python + NumPy (pandas only to parse CSV).

Every task gives a fixed training set (``train_batches``), a test set (``test_batch``), a small
probe batch for live figures, a metric and a default model config for the core.
"""

from __future__ import annotations

from rnnviz.tasks.base import PAD, Batch, Task, one_hot, pad_sequences
from rnnviz.tasks.charlm import BUNDLED_TEXTS, CharLMTask, bundled_text, display_char
from rnnviz.tasks.io import DataError, load_labelled_csv, load_series_csv, load_text
from rnnviz.tasks.memory import AddingTask, CopyTask
from rnnviz.tasks.sentiment import UNK, SentimentTask, load_bundled_sentiment, tokenize
from rnnviz.tasks.series import MinMaxScaler, SineTask, create_windows, forecast
from rnnviz.tasks.transduction import DigitsTask, PairBatch, ReverseTask

TASKS: dict[str, type[Task]] = {
    "sentiment": SentimentTask,
    "charlm": CharLMTask,
    "sine": SineTask,
    "adding": AddingTask,
    "copy": CopyTask,
    "reverse": ReverseTask,
    "digits": DigitsTask,
}


def make_task(name: str, **kwargs) -> Task:
    """Build the task registered under ``name`` with its constructor arguments."""
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; valid names: {', '.join(TASKS)}")
    return TASKS[name](**kwargs)


__all__ = [
    "PAD", "UNK", "BUNDLED_TEXTS", "TASKS",
    "Batch", "Task", "DataError",
    "SentimentTask", "CharLMTask", "SineTask", "AddingTask", "CopyTask",
    "ReverseTask", "DigitsTask", "PairBatch",
    "MinMaxScaler",
    "make_task", "pad_sequences", "one_hot", "create_windows", "forecast",
    "load_labelled_csv", "load_text", "load_series_csv", "load_bundled_sentiment",
    "bundled_text", "display_char", "tokenize",
]  # fmt: skip
