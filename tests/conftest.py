"""Shared helpers for the tests."""

from __future__ import annotations

import os

# One BLAS thread, as the app server runs (scripts/run.sh): the matrices are small, and on a
# shared 2-core machine BLAS threads made training 5-9x slower. Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import rnnviz  # noqa: E402


def make_batch(cfg: rnnviz.ModelConfig, loss: str, B: int, T: int, seed: int = 0):
    """Random inputs and matching targets for cfg's readout and the loss."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((B, T, cfg.input_size))
    last = cfg.readout == "last"
    if loss == "cross_entropy":
        Y = rng.integers(0, cfg.output_size, (B,) if last else (B, T))
    else:
        Y = rng.standard_normal((B, cfg.output_size) if last else (B, T, cfg.output_size))
    return X, Y


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright, one per test module."""
    from browser import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: scripts/test.sh installs Debian's chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(autouse=True)
def _no_training_left_behind():
    """Pause every live feed after a test: AppTest sessions have no browser whose leaving
    would stop their training thread's work (rnnviz.live.feed)."""
    yield
    feed = sys.modules.get("rnnviz.live.feed")
    if feed is not None:
        for trainer in list(feed.Trainer.every):
            trainer.stop_all()
