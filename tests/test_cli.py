"""The `rnnviz` command: training, --json, presets, and every error path (one line, exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rnnviz.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_train_json_summary_and_output_files(capsys, tmp_path):
    code, out, err = run_cli(capsys, "train", "--preset", "sentiment-modern", "--epochs", "3",
                             "--out", str(tmp_path / "run"), "--json")
    assert code == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert set(summary) >= {"train_loss", "test_loss", "train_metric", "test_metric", "epochs",
                            "best_epoch", "status", "seconds"}
    assert summary["epochs"] == 3 and 1 <= summary["best_epoch"] <= 3
    assert 0.0 <= summary["test_metric"] <= 1.0
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [
        "config.json", "history.csv", "run.npz"]


def test_train_flags_reach_the_model(capsys, tmp_path):
    code, out, err = run_cli(capsys, "train", "--task", "adding", "--seq-len", "10",
                             "--cell", "gru", "--hidden", "8", "--layers", "2",
                             "--bidirectional", "--optimizer", "momentum", "--lr", "0.01",
                             "--batch-size", "64", "--epochs", "1", "--init", "orthogonal",
                             "--init-scale", "0.9", "--clip-value", "0.5", "--seed", "3",
                             "--out", str(tmp_path), "--json")
    assert code == 0, err
    cfg = json.loads((tmp_path / "config.json").read_text())
    m, t = cfg["model"], cfg["train"]
    assert (m["cell"], m["hidden_size"], m["num_layers"], m["bidirectional"]) == (
        "gru", 8, 2, True)
    assert (m["init"], m["init_scale"], m["seed"]) == ("orthogonal", 0.9, 3)
    assert (t["optimizer"], t["lr"], t["batch_size"], t["clip"], t["clip_threshold"]) == (
        "momentum", 0.01, 64, "value", 0.5)
    assert cfg["task"]["seq_len"] == 10
    assert json.loads(out.strip().splitlines()[-1])["metric"] == "mse"


def test_user_csv_files(capsys, tmp_path):
    train = tmp_path / "train.csv"
    test = tmp_path / "test.csv"
    train.write_text("text,label\ngood,1\nbad,0\nnot good,0\nnot bad,1\n")
    test.write_text("text,label\ngood,positive\nnot good,negative\n")
    code, out, err = run_cli(capsys, "train", "--task", "sentiment", "--train", str(train),
                             "--test", str(test), "--epochs", "2", "--json")
    assert code == 0, err


@pytest.mark.parametrize("argv,needle", [
    (["train", "--task", "poetry"], "invalid choice"),
    (["train", "--hidden", "lots"], "invalid int value"),
    (["train", "--hidden", "0"], "--hidden must be in"),
    (["train", "--lr", "-1"], "--lr must be in"),
    (["train", "--epochs", "0"], "--epochs must be in"),
    (["train", "--seq-len", "100000"], "--seq-len must be in"),
    (["train", "--clip-norm", "1", "--clip-value", "1"], "only one of"),
    (["train", "--preset", "nope"], "--preset must be one of"),
    (["train", "--task", "sentiment", "--train", "missing.csv", "--test", "missing.csv"],
     "missing.csv"),
    (["train", "--task", "sentiment", "--train", "TRAIN"], "both --train"),
    (["train", "--task", "adding", "--train", "TRAIN"], "not used by the adding task"),
    (["train", "--task", "sentiment", "--train", "BAD", "--test", "BAD"], "label"),
    (["train", "--task", "sentiment", "--train", "EMPTY", "--test", "EMPTY"], "empty"),
    (["train", "--task", "charlm", "--train", "BINARY"], "UTF-8"),
    (["frobnicate"], "invalid choice"),
    ([], "required"),
])
def test_errors_are_one_line_and_exit_2(capsys, tmp_path, argv, needle):
    files = {"TRAIN": "text,label\ngood,1\nbad,0\n", "BAD": "text,label\ngood,maybe\nbad,0\n",
             "EMPTY": ""}
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    (tmp_path / "BINARY").write_bytes(b"\x00\xff\xfe\x00binary")
    argv = [str(tmp_path / a) if a in (*files, "BINARY") else a for a in argv]
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rnnviz: error:"), err
    assert needle in lines[0]
    assert "Traceback" not in err


def test_presets_are_listed(capsys):
    code, out, _ = run_cli(capsys, "presets")
    assert code == 0
    for name in ("sentiment-tutorial", "sentiment-modern", "hello-world", "sine", "vanishing",
                 "exploding", "clipping"):
        assert name in out


def test_module_entry_point_runs_as_a_process(tmp_path):
    r = subprocess.run([sys.executable, "-m", "rnnviz", "train", "--task", "copy",
                        "--seq-len", "5", "--epochs", "1", "--json"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1])["metric"] == "accuracy"
    assert "\r[" not in r.stderr  # no progress bar when stderr is not a terminal


@pytest.mark.parametrize("old, new", [("seed003-modern", "sentiment-modern"),
                                      ("seed003-tutorial", "sentiment-tutorial")])
def test_an_old_preset_id_still_trains_with_a_note_that_it_was_renamed(capsys, old, new):
    code, out, err = run_cli(capsys, "train", "--preset", old, "--epochs", "1", "--json")
    assert code == 0, err
    assert f"'{old}' was renamed '{new}'" in err
    _, out_new, _ = run_cli(capsys, "train", "--preset", new, "--epochs", "1", "--json")
    same = [json.loads(o) for o in (out, out_new)]
    for s in same:
        s.pop("seconds")  # wall time
    assert same[0] == same[1]  # the same run


def test_the_old_init_name_still_works_with_a_note(capsys):
    code, out, err = run_cli(capsys, "train", "--task", "copy", "--seq-len", "5", "--epochs",
                             "1", "--init", "seed003", "--json")
    assert code == 0 and "--init seed003 was renamed randn1000" in err
