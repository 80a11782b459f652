"""`rnnviz` command line: headless training and export.

    rnnviz train --preset sentiment-modern --out runs/modern --json
    rnnviz train --task adding --seq-len 50 --cell lstm --epochs 30
    rnnviz train --task reverse --seq-len 5 --cell lstm --lr 0.003 --epochs 10 --json
    rnnviz presets

Bad arguments or files print one line `rnnviz: error: ...` and exit with code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from rnnviz.core.config import INITS, RENAMED_INITS
from rnnviz.tasks import DataError, load_labelled_csv, load_series_csv, load_text
from rnnviz.train import settings as cf
from rnnviz.train.run import TrainingRun, make_run
from rnnviz.train.runfile import RunFileError, save
from rnnviz.train.settings import PRESETS, RunConfig


class CLIError(Exception):
    """A user error: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse prints usage too; we do not)
        raise CLIError(message)


# CLI flag -> SETTINGS key (the one table of every setting)
FLAGS = {
    "task": "task", "seq_len": "seq_len", "text": "text", "cell": "cell", "hidden": "hidden",
    "layers": "layers", "activation": "act", "init": "init", "init_scale": "scale",
    "bptt": "bptt", "dtype": "dtype", "seed": "seed", "optimizer": "opt", "lr": "lr",
    "batch_size": "batch", "epochs": "epochs", "symbols": "symbols",
}


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="rnnviz", description="Train and inspect recurrent networks headless.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    t = sub.add_parser("train", help="train a run and write it to --out")
    t.add_argument("--preset", metavar="ID", help="a lecture preset: "
                   f"{', '.join(PRESETS)} (see `presets`)")
    t.add_argument("--task", choices=cf.TASK_NAMES)
    t.add_argument("--train", metavar="FILE", help="training data: CSV text,label (sentiment), "
                   "a text file (charlm) or a CSV column (sine)")
    t.add_argument("--test", metavar="FILE", help="test data CSV (sentiment)")
    t.add_argument("--column", help="sine: the CSV column to forecast")
    t.add_argument("--text", choices=["hello", "bundled"], help="charlm: the built-in text")
    t.add_argument("--cell", choices=["rnn", "lstm", "gru"])
    t.add_argument("--hidden", type=int, metavar="N")
    t.add_argument("--layers", type=int, metavar="N")
    t.add_argument("--bidirectional", action="store_true", default=None)
    t.add_argument("--activation", choices=["tanh", "relu", "sigmoid"])
    t.add_argument("--optimizer", choices=["sgd", "momentum", "adam"])
    t.add_argument("--lr", type=float, metavar="X")
    t.add_argument("--batch-size", type=int, metavar="N")
    t.add_argument("--epochs", type=int, metavar="N")
    t.add_argument("--init", metavar="INIT", help=f"{', '.join(INITS)} (randn1000: "
                   "randn/1000, as in Victor Zhou's tutorial)")
    t.add_argument("--init-scale", type=float, metavar="X")
    t.add_argument("--clip-norm", type=float, metavar="X")
    t.add_argument("--clip-value", type=float, metavar="X")
    t.add_argument("--no-clip", action="store_true")
    t.add_argument("--seq-len", type=int, metavar="N", help="sequence length; digits: the "
                   "number of digits")
    t.add_argument("--symbols", type=int, metavar="N", help="copy: symbols to remember; "
                   "reverse: the alphabet's size")
    t.add_argument("--bptt", type=int, metavar="K", help="truncate BPTT to K steps (0: full)")
    t.add_argument("--dtype", choices=["float64", "float32"])
    t.add_argument("--seed", type=int, metavar="N")
    t.add_argument("--out", metavar="DIR", help="write run.npz, config.json, history.csv")
    t.add_argument("--json", action="store_true", help="print one JSON summary line at the end")
    sub.add_parser("presets", help="list the lecture presets")
    return p


def config_from_args(a) -> RunConfig:
    """Preset (or defaults), then each flag given, validated through the settings table."""
    cfg = cf.preset_config(_preset(a.preset)) if a.preset else cf.default_config()
    if a.init is not None:
        a.init = _init(a.init)
    for flag, key in FLAGS.items():
        v = getattr(a, flag)
        if v is not None:
            cfg = _set(cfg, key, v, "--" + flag.replace("_", "-"))
    if a.bidirectional:
        cfg = _set(cfg, "bidir", True, "--bidirectional")
    given = [n for n in ("clip_norm", "clip_value") if getattr(a, n) is not None]
    if len(given) + bool(a.no_clip) > 1:
        raise CLIError("use only one of --clip-norm, --clip-value and --no-clip")
    if a.no_clip:
        cfg = _set(cfg, "clip", "none", "--no-clip")
    for name in given:
        cfg = _set(cfg, "clip", name[5:], "--" + name.replace("_", "-"))
        cfg = _set(cfg, "clip_at", getattr(a, name), "--" + name.replace("_", "-"))
    return cfg


def _preset(name: str) -> str:
    """The preset's id; an old id works, with a note on stderr."""
    pid, renamed = cf.preset_id(name)
    if pid is None:
        raise CLIError(f"--preset must be one of {', '.join(PRESETS)}; got {name!r}")
    if renamed:
        print(f"rnnviz: note: {renamed}", file=sys.stderr)
    return pid


def _init(name: str) -> str:
    """The initialiser's name; an old name works, with a note on stderr."""
    if name in RENAMED_INITS:
        print(f"rnnviz: note: --init {name} was renamed {RENAMED_INITS[name]}", file=sys.stderr)
        return RENAMED_INITS[name]
    if name not in INITS:
        raise CLIError(f"--init must be one of {', '.join(INITS)}; got {name!r}")
    return name


def _set(cfg, key, value, flag):
    s = cf.BY_KEY[key]
    if s.kind in ("int", "float") and not (s.lo <= value <= s.hi):
        raise CLIError(f"{flag} must be in [{s.lo:g}, {s.hi:g}], got {value:g}")
    try:
        return cf.with_value(cfg, s, value)
    except ValueError as e:
        raise CLIError(f"{flag}: {e}") from None


def attach_files(cfg: RunConfig, a) -> None:
    """Read --train/--test into the task's user data."""
    if a.train is None and a.test is None:
        return
    name = cfg.task.name
    try:
        if name == "sentiment":
            if a.train is None or a.test is None:
                raise CLIError("sentiment needs both --train FILE and --test FILE")
            cfg.task.data = {"train": load_labelled_csv(a.train),
                             "test": load_labelled_csv(a.test)}
        elif name == "charlm":
            cfg.task.text = "custom"
            cfg.task.data = {"text": load_text(a.train)}
        elif name == "sine":
            values, _, _ = load_series_csv(a.train, column=a.column)
            cfg.task.data = {"series": [float(v) for v in values]}
        else:
            raise CLIError(f"--train/--test are not used by the {name} task (its data is "
                           "generated)")
    except DataError as e:
        raise CLIError(f"{a.train if a.test is None else 'data file'}: {e}") from None
    except OSError as e:
        raise CLIError(f"cannot read {e.filename}: {e.strerror}") from None


def _progress(run: TrainingRun, total: int, t0: float) -> None:
    done = run.epoch
    width = 30
    fill = int(width * done / max(total, 1))
    last = run.history[-1] if run.history else {}
    msg = (f"\r[{'#' * fill}{'.' * (width - fill)}] {done}/{total} epochs  "
           f"loss {last.get('train_loss', float('nan')):.4f}  {time.perf_counter() - t0:.1f}s")
    sys.stderr.write(msg)
    sys.stderr.flush()


def train(a) -> int:
    cfg = config_from_args(a)
    attach_files(cfg, a)
    try:
        run = make_run(cfg)  # a Seq2SeqRun for the encoder-decoder tasks
    except ValueError as e:
        raise CLIError(str(e)) from None
    total = run.cfg.train.epochs
    tty = sys.stderr.isatty()
    t0 = time.perf_counter()
    while run.epoch < total and not run.diverged:
        run.advance(seconds=0.2, max_epochs=total - run.epoch)
        if tty:
            _progress(run, total, t0)
    if tty:
        sys.stderr.write("\n")
    if run.diverged:
        print(f"rnnviz: {run.status}", file=sys.stderr)
    else:
        run.status = f"finished {run.epoch} epochs"
    if not run.diverged and not a.json:
        s = run.summary()
        print(f"{s['epochs']} epochs: train loss {s['train_loss']:.4f}, test loss "
              f"{s['test_loss']:.4f}, test {s['metric']} {s['test_metric']:.4f}")
        if s.get("test_position_accuracy"):
            print("test accuracy per output position: "
                  + " ".join(f"{v:.3f}" for v in s["test_position_accuracy"]))
    if a.out:
        path = save(run, a.out)
        if not a.json:
            print(f"run written to {path}")
    if a.json:
        print(json.dumps(run.summary()))
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        a = build_parser().parse_args(argv)
        if a.command == "presets":
            for p in PRESETS.values():
                print(f"{p.id:18s} {p.title}: {p.text}")
            return 0
        return train(a)
    except CLIError as e:
        print(f"rnnviz: error: {e}", file=sys.stderr)
        return 2
    except (RunFileError, DataError) as e:
        print(f"rnnviz: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rnnviz: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
