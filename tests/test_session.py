"""Training runs: determinism under any time slicing, history, snapshots, divergence, saving."""

from __future__ import annotations

import json
import statistics

import numpy as np
import pytest

from rnnviz.train import settings as cf
from rnnviz.train.run import GRAD_FLOW_CAP, TrainingRun, _thin
from rnnviz.train.runfile import RunFileError, from_bytes, load, save, to_bytes


def small(preset="sentiment-modern", **over):
    cfg = cf.preset_config(preset)
    for k, v in over.items():
        cfg = cf.with_value(cfg, cf.BY_KEY[k], v)
    return cfg


def test_step_is_exactly_one_epoch_and_history_has_every_column():
    run = TrainingRun(small())
    run.step()
    assert run.epoch == 1 and len(run.history) == 1
    row = run.history[0]
    for col in ("train_loss", "test_loss", "train_accuracy", "test_accuracy", "grad_norm",
                "grad_norm_after", "clip_fraction", "param_norm", "rho_W_hh", "seconds"):
        assert np.isfinite(row[col]), col
    assert run.batches == int(np.ceil(run.task.n_train / run.cfg.train.batch_size))
    df = run.history_frame()
    assert list(df["epoch"]) == [1]


def test_same_settings_same_run_whatever_the_time_slicing():
    a, b = TrainingRun(small()), TrainingRun(small())
    for _ in range(3):
        a.step()
    while b.epoch < 3:
        b.advance(seconds=0.0, max_epochs=3 - b.epoch)  # one batch per call
    for k in a.model.params:
        assert np.array_equal(a.model.params[k], b.model.params[k]), k
    assert [r["train_loss"] for r in a.history] == [r["train_loss"] for r in b.history]


def test_advance_respects_max_epochs_and_returns_epochs_done():
    run = TrainingRun(small())
    assert run.advance(seconds=60, max_epochs=2) == 2 and run.epoch == 2


def test_snapshots_probe_trace_grad_flow_and_eigenvalues():
    run = TrainingRun(small())
    run.advance(seconds=60, max_epochs=3)
    epochs, flow = run.grad_flow_matrix()
    assert list(epochs) == [0, 1, 2, 3]
    T = run.probe.X.shape[1]
    assert flow.shape == (4, T) and flow.dtype == np.float64
    assert run.probe_trace.hidden.shape[0] == T
    assert run.eig_history[-1][1].shape == (run.cfg.model.hidden_size,)


def test_thinning_bounds_memory():
    rows = list(range(GRAD_FLOW_CAP + 1))
    _thin(rows, GRAD_FLOW_CAP)
    assert len(rows) <= GRAD_FLOW_CAP and rows[-1] == GRAD_FLOW_CAP and rows[0] == 0


def test_exploding_run_stops_with_status_and_keeps_finite_parameters():
    run = TrainingRun(small("exploding", lr=5.0))
    for _ in range(200):
        run.advance(seconds=1.0)
        if run.diverged:
            break
    assert run.diverged
    assert run.status.startswith(f"diverged at epoch {run.epoch + 1} (gradient norm")
    assert all(np.all(np.isfinite(p)) for p in run.model.params.values())
    epoch = run.epoch
    run.advance(seconds=0.1)  # a diverged run does not move (Reset makes a new one)
    assert run.epoch == epoch


def test_clipping_rescues_the_exploding_preset():
    exploding, clipped = TrainingRun(small("exploding")), TrainingRun(small("clipping"))
    for run in (exploding, clipped):
        run.advance(seconds=120, max_epochs=15)
    assert exploding.diverged or exploding.history[-1]["test_loss"] > 0.5
    assert not clipped.diverged
    assert clipped.history[-1]["clip_fraction"] > 0
    # the test loss of a clipped SGD run still wobbles by +-0.02 from epoch to epoch
    assert statistics.median(h["test_loss"] for h in clipped.history[-5:]) < 0.2


def test_learning_rate_and_clipping_change_live():
    run = TrainingRun(small())
    run.step()
    run.set_live(lr=0.001, clip="value", clip_threshold=0.5)
    run.step()
    assert run.opt.lr == 0.001 and run.history[-1]["lr"] == 0.001
    assert run.cfg.train.clip_value == 0.5 and run.cfg.train.clip_norm is None


def test_save_load_round_trip_continues_identically(tmp_path):
    a = TrainingRun(small())
    a.step()
    a.advance(seconds=0.0)  # stop mid-epoch
    path = save(a, tmp_path / "run")
    assert (tmp_path / "run" / "history.csv").exists()
    assert json.loads((tmp_path / "run" / "config.json").read_text())["train"]["lr"] == 0.01
    b = load(path)
    assert b.epoch == a.epoch and b.history == a.history
    a.step()
    b.step()
    for k in a.model.params:
        assert np.array_equal(a.model.params[k], b.model.params[k]), k
    assert a.history[-1]["train_loss"] == b.history[-1]["train_loss"]


def test_user_data_travels_with_the_saved_run():
    cfg = small()
    cfg.task.data = {"train": [("good", 1), ("bad", 0), ("not good", 0), ("not bad", 1)],
                     "test": [("good", 1), ("not good", 0)]}
    run = TrainingRun(cfg)
    run.step()
    again = from_bytes(to_bytes(run))
    assert again.task.n_train == 4 and again.task.n_test == 2


@pytest.mark.parametrize("make,message", [
    (lambda good: b"", "empty"),
    (lambda good: b"PK\x03\x04 this is not a zip", "not an rnnviz run"),
    (lambda good: good[: len(good) // 2], "not an rnnviz run"),
    (lambda good: _npz(x=np.zeros(3)), "no 'meta'"),
    (lambda good: _npz(meta=np.frombuffer(b"{not json", np.uint8)), "not valid JSON"),
    (lambda good: _npz(meta=np.frombuffer(b'{"format": "other"}', np.uint8)), "format"),
    (lambda good: _tamper(good, "param/W_hh", np.zeros((3, 3))), "W_hh has shape"),
    (lambda good: _tamper(good, "param/W_hh", None), "missing"),
    (lambda good: _tamper(good, "param/b_y", np.array([np.nan, 0.0])), "non-finite"),
])
def test_corrupted_or_foreign_files_give_a_clear_error(make, message):
    good = to_bytes(TrainingRun(small()))
    with pytest.raises(RunFileError, match=message):
        from_bytes(make(good))


def _npz(**arrays) -> bytes:
    import io

    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _tamper(good: bytes, key: str, value) -> bytes:
    import io

    with np.load(io.BytesIO(good), allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    if value is None:
        del arrays[key]
    else:
        arrays[key] = value
    return _npz(**arrays)


def test_settings_too_big_to_record_are_refused_with_a_message():
    cfg = small("lstm-memory", seq_len=400, hidden=512, batch=512)
    with pytest.raises(ValueError, match="limit is 25M"):
        TrainingRun(cfg)


def test_history_frame_can_be_thinned_before_it_is_built():
    run = TrainingRun(small())
    run.advance(seconds=60, max_epochs=9)
    df = run.history_frame(max_rows=4)
    assert len(df) == 4 and df["epoch"].iloc[0] == 1 and df["epoch"].iloc[-1] == 9
    assert len(run.history_frame()) == 9


def test_the_epoch_in_progress_shows_on_the_learning_curves():
    from rnnviz.lessons import training as live_figs
    from rnnviz.live.feed import View
    from rnnviz.train.recipes import configured

    run = TrainingRun(configured("sine"))
    assert run.in_progress() is None
    run.step()
    run._batch()  # one batch into epoch 2
    run._batch()
    now = run.in_progress()
    assert now["epoch"] == 2 and 0 < now["done"] < 1
    a = run._acc
    assert now["train_loss"] == pytest.approx(a["loss"] / a["n"])
    fig = live_figs.TrainScene().fast(run, View())["loss"]
    marker = [t for t in fig.to_plotly_json()["data"] if t["name"] == "epoch in progress"]
    assert len(marker) == 2 and marker[0]["y"] == [now["train_loss"]]
    assert marker[0]["x"] == [1 + now["done"]]
    run.advance(max_epochs=1, seconds=60)  # finish epoch 2: nothing in progress
    assert run.epoch == 2 and run.in_progress() is None


def test_one_epoch_shows_as_points_then_the_curves_are_lines():
    """After the first Step a line through one point would draw nothing."""
    from rnnviz.figures.curves import clip_curves, loss_curves
    from rnnviz.train.recipes import configured

    run = TrainingRun(configured("sine"))
    run.step()

    def modes(fig):
        return {t["mode"] for t in fig.to_plotly_json()["data"] if t["type"] == "scatter"}

    h = run.history_frame()
    assert modes(loss_curves(h, "mse")) == modes(clip_curves(h)) == {"lines+markers"}
    run.step()
    h = run.history_frame()
    assert modes(loss_curves(h, "mse")) == modes(clip_curves(h)) == {"lines"}
