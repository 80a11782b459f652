"""The encoder-decoder's training run (train/seq2seq_run.Seq2SeqRun), its CLI and its proof."""

from __future__ import annotations

import json
import shlex
import threading
from pathlib import Path

import numpy as np
import pytest

from rnnviz.cli import main
from rnnviz.lessons.scene import Scene
from rnnviz.live import feed, frames
from rnnviz.train import settings as cf
from rnnviz.train.run import TrainingRun, make_run
from rnnviz.train.seq2seq_run import RECIPES, Seq2SeqRun, recipe_config


def small(task="reverse", **overrides) -> cf.RunConfig:
    """A quick run: a small LSTM on short sequences."""
    base = {"seq_len": 4, "symbols": 4, "hidden": 16, "batch": 32, "lr": 0.01} | overrides
    if task == "digits":
        base.pop("symbols")
    return recipe_config(f"{task}-lstm", **base)


# --- the run protocol (what live.feed and ui.player drive) ------------------------------
@pytest.mark.parametrize("task", ["reverse", "digits"])
def test_make_run_builds_an_encoder_decoder_and_records_both_sides(task):
    run = make_run(small(task))
    assert isinstance(run, Seq2SeqRun) and run.stopped is None and not run.diverged
    T, U = run.T, run.U
    assert run.grad_flow[0][1].shape == (T + U,)  # epoch 0: before any training
    run.step()
    assert run.epoch == 1 and run.status == "training"
    h = run.history[-1]
    for key in ("train_loss", "test_loss", "train_seq_accuracy", "test_seq_accuracy",
                "test_token_accuracy", "test_seq_accuracy_tf", "test_token_accuracy_tf",
                "test_loss_generated", "grad_norm", "W_hh_enc_norm", "rho_W_hh_dec"):
        assert np.isfinite(h[key]), key
    assert 0 <= h["test_seq_accuracy"] <= h["test_token_accuracy"] <= 1
    epochs, acc = run.position_matrix()
    assert epochs.tolist() == [1] and acc.shape == (1, U)
    assert acc[0].mean() == pytest.approx(h["test_token_accuracy"])
    epochs, enc, dec = run.grad_flow_sides()
    assert epochs.tolist() == [0, 1] and enc.shape == (2, T) and dec.shape == (2, U)
    assert np.all(enc > 0) and np.all(dec > 0)  # the gradient reaches every encoder step
    tr = run.probe_trace
    assert tr.enc.h.shape[0] == T and tr.dec.h.shape[0] == U and not tr.teacher
    assert tr.grad_norm.shape == (T + U,)


def test_the_teacher_toggle_switches_the_probe_and_the_positions_without_training():
    run = make_run(small())
    run.step()
    batches, params = run.batches, {k: v.copy() for k, v in run.model.params.items()}
    generated = run.probe_trace
    run.set_teacher(True)
    assert run.probe_trace.teacher and run.probe_trace is not generated
    Y = run.probe.Y
    assert (run.probe_trace.dec_input[:, 1:] == Y[:, :-1]).all()  # the true previous tokens
    assert (generated.dec_input[:, 1:] == generated.pred[:, :-1]).all()  # its own
    _, tf = run.position_matrix()
    _, gen = run.position_matrix(teacher=False)
    assert tf.mean() == pytest.approx(run.history[-1]["test_token_accuracy_tf"])
    assert gen.mean() == pytest.approx(run.history[-1]["test_token_accuracy"])
    assert run.batches == batches
    assert all(np.array_equal(v, params[k]) for k, v in run.model.params.items())
    fresh = run.fresh()
    assert isinstance(fresh, Seq2SeqRun) and fresh.epoch == 0 and fresh.teacher
    assert fresh.task is run.task


def test_the_same_settings_give_the_same_run_however_time_is_sliced():
    a, b = make_run(small()), make_run(small())
    a.step()
    a.step()
    while b.epoch < 2:
        b.advance(seconds=0.001)
    assert a.history[-1]["test_loss"] == b.history[-1]["test_loss"]
    np.testing.assert_array_equal(a.position_matrix()[1], b.position_matrix()[1])


def test_each_run_class_refuses_the_other_kind_of_task_with_a_message():
    with pytest.raises(ValueError, match="cannot be trained by a single-network run"):
        TrainingRun(small())
    with pytest.raises(ValueError, match="cannot be trained by an encoder-decoder run"):
        Seq2SeqRun(cf.preset_config(cf.DEFAULT_PRESET))
    with pytest.raises(ValueError, match="one layer per side"):
        make_run(small(layers=2))
    assert type(make_run(cf.preset_config(cf.DEFAULT_PRESET))) is TrainingRun


def test_a_feed_trains_it_and_writes_its_frames(tmp_path):
    """The live machinery needs nothing but the run protocol: a bare scene suffices."""

    class Bare(Scene):
        def status(self, run, view, facts):
            return [("Epoch", str(run.epoch))]

        def slow(self, run, view):
            return {}, None, {}

    f = feed.Feed(make_run(small()), threading.RLock(), "s1", folder=tmp_path, scene=Bare())
    assert f.play()
    while f.run.epoch < 2:
        assert f.turn(0.02)
    _, frame = frames.unpack(f.path.read_bytes())
    assert frame["playing"] and frame["epoch"] == f.run.epoch >= 2
    f.pause()
    _, frame = frames.unpack(f.path.read_bytes())
    assert not frame["playing"]


def test_the_settings_table_carries_the_new_tasks_through_a_link():
    cfg = small(seq_len=7, symbols=6)
    back, warnings = cf.from_query(cf.to_query(cfg))
    assert warnings == [] and back.to_dict() == cfg.to_dict()
    run = make_run(back)
    assert run.T == 7 and run.task.n_symbols == 6 and run.cfg.task.seq_len == 7


def test_the_recipes_are_valid_settings():
    for name in RECIPES:
        cfg = recipe_config(name)
        assert cfg.task.name == RECIPES[name]["task"]
    with pytest.raises(ValueError, match="recipe must be one of"):
        recipe_config("nope")


# --- the command line -------------------------------------------------------------------
@pytest.mark.parametrize("task", ["reverse", "digits"])
def test_cli_trains_it_and_prints_json(capsys, task):
    code = main(["train", "--task", task, "--seq-len", "3", "--cell", "lstm", "--hidden", "8",
                 "--epochs", "2", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    s = json.loads(out.strip().splitlines()[-1])
    assert s["metric"] == "seq_accuracy" and s["epochs"] == 2 and s["seq_len"] == 3
    assert s["test_metric"] == s["test_seq_accuracy"]
    assert len(s["test_position_accuracy"]) == len(s["test_position_accuracy_tf"]) == 3
    assert 0 <= s["test_seq_accuracy"] <= min(s["test_position_accuracy"]) <= 1


def test_cli_refuses_what_the_encoder_decoder_cannot_do(capsys):
    code = main(["train", "--task", "reverse", "--bidirectional", "--epochs", "1"])
    _, err = capsys.readouterr()
    assert code == 2 and err.startswith("rnnviz: error:") and "one layer per side" in err
    assert "Traceback" not in err


# --- proof: numbers in README.md ("Encoder-decoder") ------------------------------------
def test_reversal_of_length_5_reaches_95_percent_on_unseen_sequences():
    """The reverse-lstm recipe: LSTM, 64 units, Adam 0.003, batch 32, 10 epochs."""
    cfg = recipe_config("reverse-lstm")
    run = make_run(cfg)
    run.advance(seconds=float("inf"), max_epochs=cfg.train.epochs)
    s = run.summary()
    assert s["epochs"] == 10 and not run.diverged
    assert s["test_seq_accuracy"] >= 0.95, s  # generating: it reads its own predictions
    seen = {r.tobytes() for r in run.task._S["train"]}
    assert not any(r.tobytes() in seen for r in run.task._S["test"])  # held out


def test_the_readmes_command_line_prints_what_the_readme_says(capsys):
    """The `rnnviz train --task reverse ...` line of README.md, run as written."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    line = next(x.strip() for x in readme.splitlines()
                if x.strip().startswith("rnnviz train --task reverse"))
    code = main(shlex.split(line)[1:])
    out, err = capsys.readouterr()
    assert code == 0, err
    s = json.loads(out.strip().splitlines()[-1])
    assert s["epochs"] == 10 and s["seq_len"] == 5
    assert s["test_seq_accuracy"] >= 0.95, s  # README: 0.998


def sweep(lengths, epochs=10) -> dict[int, Seq2SeqRun]:
    runs = {}
    for T in lengths:
        runs[T] = make_run(recipe_config("reverse-lstm", seq_len=T))
        runs[T].advance(seconds=float("inf"), max_epochs=epochs)
    return runs


@pytest.mark.slow
def test_longer_reversals_fail_more_and_their_last_outputs_fail_first():
    """Same recipe and budget at T = 5, 8, 12. The last outputs are the first inputs
    written back: the longest way from where they were read, through the bottleneck and
    every decoder step before them."""
    runs = sweep((5, 8, 12))
    acc = [runs[T].history[-1]["test_seq_accuracy"] for T in (5, 8, 12)]
    assert acc[0] > acc[1] > acc[2], acc
    assert acc[0] - acc[2] > 0.5, acc
    for T in (8, 12):
        pos = runs[T].position_matrix(teacher=False)[1][-1]  # (T,) the last epoch
        half = T // 2
        assert pos[:half].mean() > pos[half:].mean() + 0.05, pos
        assert pos[0] == pos.max() and pos[-1] < pos[0] - 0.1, pos


def test_the_train_page_leaves_them_out_and_a_link_to_one_falls_back_with_a_message():
    from apptest import open_app

    at = open_app("pages/train_live.py", query={"task": "reverse", "seq_len": "5"})
    task = next(s for s in at.sidebar.selectbox if s.label == "Task")
    assert not set(task.options) & set(cf.SEQ2SEQ_TASKS) and task.value == "sentiment"
    assert any("reverse task cannot be trained" in w.value for w in at.warning)
