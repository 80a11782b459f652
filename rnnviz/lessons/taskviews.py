"""Data for each task's own view, computed from a run's current model (NumPy/pandas only)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnnviz.core.losses import softmax
from rnnviz.train.sampling import Sample, sample


def sine_view(run) -> dict:
    """Test period in original units: truth, next-step predictions, recursive forecast."""
    task, model = run.task, run.model
    test = task.test_batch()
    with np.errstate(all="ignore"):
        pred, _ = model.forward(test.X)  # (N, 1) scaled
        multi = task.forecast_test(lambda X: model.forward(X)[0])
    idx = task.target_index[task.target_index >= task.n_train_points]
    start = task.n_train_points
    t_multi = np.arange(start, start + len(multi))
    return {"t": idx, "truth": task.raw[idx], "pred": task.inverse(pred[:, 0]),
            "multi": (t_multi, multi)}


def sentiment_view(run) -> pd.DataFrame:
    """Every test sentence with its label, P(positive) and whether the model is right."""
    task, model = run.task, run.model
    test = task.test_batch()
    logits, _ = model.forward(test.X, mask=test.mask)
    p = softmax(logits)[:, 1]
    texts = [t for t, _ in task.test_data]
    labels = test.Y
    return pd.DataFrame({
        "sentence": texts,
        "label": np.where(labels == 1, "positive", "negative"),
        "P(positive)": p.round(3),
        "prediction": np.where(p >= 0.5, "positive", "negative"),
        "correct": (p >= 0.5) == (labels == 1),
    })


def charlm_view(run, n: int = 60, temperature: float = 1.0, greedy: bool = False,
                prompt: str = "", seed: int = 0) -> Sample:
    """A sample from the current character model."""
    return sample(run.model, run.task, prompt=prompt, n=n, temperature=temperature,
                  greedy=greedy, rng=np.random.default_rng(seed))


def memory_view(run) -> pd.DataFrame:
    """First test sequences of the adding/copy task: target vs prediction."""
    task, model = run.task, run.model
    test = task.test_batch()
    out, _ = model.forward(test.X[:8])
    if task.loss == "mse":
        return pd.DataFrame({"target": test.Y[:8, 0].round(3), "prediction": out[:, 0].round(3)})
    p = softmax(out)
    return pd.DataFrame({"target symbol": test.Y[:8], "predicted": p.argmax(1),
                         "P(predicted)": p.max(1).round(3)})
