"""Small reproducible experiments shared by tests, benchmarks and pages."""

from __future__ import annotations

from rnnviz.train import settings as cf
from rnnviz.train.run import TrainingRun


def configured(preset: str, **overrides) -> cf.RunConfig:
    """A preset with settings overridden by their URL keys (seed=3, cell="gru", ...)."""
    cfg = cf.preset_config(preset)
    for key, value in overrides.items():
        cfg = cf.with_value(cfg, cf.BY_KEY[key], value)
    return cfg


def train(cfg: cf.RunConfig, epochs: int) -> TrainingRun:
    """Train a run for `epochs` epochs (or until it diverges)."""
    run = TrainingRun(cfg)
    run.advance(seconds=float("inf"), max_epochs=epochs)
    return run


def compare_cells(seq_len: int, epochs: int = 20, seed: int = 0, hidden: int = 32,
                  cells=("rnn", "lstm", "gru")) -> dict[str, TrainingRun]:
    """The adding problem at one dependency length, same seed and budget for each cell."""
    runs = {}
    for cell in cells:
        init = "orthogonal" if cell == "rnn" else "xavier"
        cfg = configured("lstm-memory", cell=cell, seq_len=seq_len, hidden=hidden, init=init,
                         seed=seed)
        runs[cell] = train(cfg, epochs)
    return runs
