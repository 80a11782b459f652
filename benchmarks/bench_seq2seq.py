"""The encoder-decoder's numbers for README.md: the reverse-lstm recipe and a length sweep.

For each reversal length T (same recipe, same budget of epochs) this trains a Seq2SeqRun in
float64 and prints the held-out sequence accuracy (generating: the decoder reads its own
predictions), the token accuracy, the accuracy per output position, the first epoch at
which the sequence accuracy reached 95%, and the CPU and wall time of the training.

    python benchmarks/bench_seq2seq.py [--lengths 5 8 12] [--epochs 10] [--task reverse]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the app serves (scripts/run.sh)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rnnviz.train.run import make_run  # noqa: E402
from rnnviz.train.seq2seq_run import recipe_config  # noqa: E402


def measure(task: str, T: int, epochs: int) -> dict:
    run = make_run(recipe_config(f"{task}-lstm", seq_len=T))
    cpu, wall = time.process_time(), time.perf_counter()
    run.advance(seconds=float("inf"), max_epochs=epochs)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    s = run.summary()
    first = next((h["epoch"] for h in run.history if h["test_seq_accuracy"] >= 0.95), None)
    return {"T": T, "seq": s["test_seq_accuracy"], "tok": s["test_token_accuracy"],
            "pos": s["test_position_accuracy"], "first95": first, "cpu": cpu, "wall": wall,
            "n_test": run.task.n_test}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--task", choices=["reverse", "digits"], default="reverse")
    p.add_argument("--lengths", type=int, nargs="+", default=[5, 8, 12])
    p.add_argument("--epochs", type=int, default=10)
    a = p.parse_args(argv)
    print(f"{a.task}-lstm recipe, {a.epochs} epochs, float64, "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")
    print("| T | test sequence accuracy | token accuracy | first epoch >= 95% | "
          "accuracy per output position | CPU s | wall s |")
    print("|---|---|---|---|---|---|---|")
    for T in a.lengths:
        m = measure(a.task, T, a.epochs)
        pos = " ".join(f"{v:.2f}" for v in m["pos"])
        print(f"| {T} | {m['seq']:.3f} (of {m['n_test']}) | {m['tok']:.3f} | "
              f"{m['first95'] or '-'} | {pos} | {m['cpu']:.1f} | {m['wall']:.1f} |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
