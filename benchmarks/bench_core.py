"""Training throughput of the NumPy core, against its GEMM floor and against PyTorch.

One training step is `rnnviz.core.optim.train_step`: forward, full BPTT, clipping at global
norm 1.0 and an Adam update. For each shape and dtype this prints the median time per step
with record=True (every dL/dh_t and norm kept) and record=False (the fast path), the cost of
recording, the "GEMM floor" (the step's matrix products alone, same shapes and dtype, on one
core) and, when torch is importable, the same model trained by PyTorch on 1 and 2 threads.
Where rnnviz.core.fast.background is on (BLAS on one thread, as the app serves) and hands a
shape's weight gradients to a second core while BPTT runs, the fast path is also timed with
that worker off.

    python benchmarks/bench_core.py [--quick] [--reps N] [--no-torch] [--only CELL] [--dtype DT]
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from _harness import table  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

from rnnviz.core import layer  # noqa: E402
from rnnviz.core.config import ModelConfig  # noqa: E402
from rnnviz.core.fast import background  # noqa: E402
from rnnviz.core.network import Model  # noqa: E402
from rnnviz.core.optim import Adam, train_step  # noqa: E402

try:
    import torch
except ImportError:  # the PyTorch comparison is optional
    torch = None

DTYPES = ("float64", "float32")
GATES = {"rnn": 1, "lstm": 4, "gru": 3}  # G: gate blocks per hidden unit
TORCH_THREADS = (1, 2)
K = TypeVar("K")
LR = 1e-3
BUSY_LOAD = 0.5  # 1-minute load average above which other work skews the timings
CLIP_NORM = 1.0


@dataclass(frozen=True)
class Shape:
    """One benchmark case: cell, batch B, length T, input D, hidden H, output O."""

    task: str
    cell: str
    B: int
    T: int
    D: int
    H: int
    O: int
    readout: str  # "last" or "all"
    loss: str  # "cross_entropy" or "mse"

    @property
    def label(self) -> str:
        """E.g. "charlm rnn B=32 T=25 D=27 H=64"."""
        return f"{self.task} {self.cell} B={self.B} T={self.T} D={self.D} H={self.H}"

    @property
    def head(self) -> str:
        """Readout, loss and output size, e.g. "all/CE O=27"."""
        short = {"cross_entropy": "CE", "mse": "MSE"}[self.loss]
        return f"{self.readout}/{short} O={self.O}"


SHAPES = (
    Shape("sentiment", "rnn", 1, 10, 18, 64, 2, "last", "cross_entropy"),
    Shape("charlm", "rnn", 32, 25, 27, 64, 27, "all", "cross_entropy"),
    Shape("charlm", "rnn", 32, 100, 27, 128, 27, "all", "cross_entropy"),
    Shape("sine", "rnn", 64, 50, 1, 32, 1, "last", "mse"),
    Shape("charlm", "rnn", 32, 200, 27, 256, 27, "all", "cross_entropy"),
    Shape("charlm", "lstm", 32, 25, 27, 64, 27, "all", "cross_entropy"),
    Shape("charlm", "gru", 32, 25, 27, 64, 27, "all", "cross_entropy"),
)


@dataclass(frozen=True)
class Budget:
    """How long to measure: repetitions, the minimum length of one timed loop, warm-up."""

    reps: int
    loop_s: float
    warmup_s: float
    settle_s: float = 0.0  # pause before each timed loop (see interleaved_medians)


# -- timing ------------------------------------------------------------------------------------
def warm_up(fn: Callable[[], object], seconds: float) -> float:
    """Call fn at least 3 times and for at least `seconds`; return the mean seconds per call."""
    calls, t0 = 0, time.perf_counter()
    while calls < 3 or time.perf_counter() - t0 < seconds:
        fn()
        calls += 1
    return (time.perf_counter() - t0) / calls


def timed_loop(fn: Callable[[], object], n: int) -> float:
    """Seconds per call over one loop of n calls."""
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def interleaved_medians(fns: dict[K, Callable[[], object]], budget: Budget,
                       enter: Callable[[K], None] | None = None) -> dict[K, float]:
    """Median seconds per call of each fn over budget.reps loops of >= budget.loop_s each.

    The loops of the different fns alternate, so a slow spell of the machine (another process,
    clock changes) hits all of them alike instead of one. enter(key) runs before each loop,
    after a pause of budget.settle_s: the worker threads that the previous loop's library left
    spinning (OpenBLAS's, torch's OpenMP pool) go to sleep before the next loop is timed.
    """
    enter = enter or (lambda key: None)
    calls = {}
    for key, fn in fns.items():
        enter(key)
        calls[key] = max(1, math.ceil(budget.loop_s / warm_up(fn, budget.warmup_s)))
    samples: dict[K, list[float]] = {key: [] for key in fns}
    for _ in range(budget.reps):
        for key, fn in fns.items():
            time.sleep(budget.settle_s)
            enter(key)
            samples[key].append(timed_loop(fn, calls[key]))
    return {key: statistics.median(v) for key, v in samples.items()}


# -- data ----------------------------------------------------------------------------------------
def make_batch(shape: Shape, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs X (B, T, D) and targets Y: one-hot characters/tokens, or a sine to continue."""
    rng = np.random.default_rng(seed)
    B, T, D, O = shape.B, shape.T, shape.D, shape.O
    if shape.loss == "mse":  # sine: x_t = sin(phi + w t), target the next value
        t = np.arange(T + 1)
        phi, w = rng.uniform(0, 2 * np.pi, (B, 1)), rng.uniform(0.1, 0.5, (B, 1))
        wave = np.sin(phi + w * t)
        return wave[:, :T, None], wave[:, T:]
    tokens = rng.integers(0, D, (B, T))
    X = np.eye(D)[tokens]
    Y = rng.integers(0, O, (B,) if shape.readout == "last" else (B, T))
    return X, Y


# -- ours ----------------------------------------------------------------------------------------
def our_step(shape: Shape, dtype: str, record: bool) -> Callable[[], object]:
    """A closure doing one rnnviz training step on a fresh model and Adam optimiser."""
    cfg = ModelConfig(cell=shape.cell, input_size=shape.D, hidden_size=shape.H,
                      output_size=shape.O, readout=shape.readout, dtype=dtype)
    model, optimizer = Model(cfg), Adam(LR)
    X, Y = make_batch(shape)

    def step():
        return train_step(model, optimizer, X, Y, loss=shape.loss, clip_norm=CLIP_NORM,
                          record=record)

    return step


def gemm_floor(shape: Shape, dtype: str) -> Callable[[], None]:
    """A closure running only the matrix products of one training step, as the core lays them out.

    Input projection x W_xh (one GEMM), T forward products h_{t-1} W_hh, the readout
    rows W_hy and its two backward products, T backward products dz W_hh^T (W_hh^T contiguous,
    as layer.backward makes it for B > 1), and the weight gradients x^T dXW and H^T dHW over
    all T*B rows.
    """
    rng = np.random.default_rng(1)
    B, T, D, H, O = shape.B, shape.T, shape.D, shape.H, shape.O
    G = GATES[shape.cell] * H
    R = T * B if shape.readout == "all" else B  # rows read out

    def rand(*dims):
        return rng.standard_normal(dims).astype(dtype)

    x, W_xh, W_hh, W_hy = rand(T * B, D), rand(D, G), rand(H, G) / H, rand(H, O)
    Hs, dXW, h, dz = rand(T + 1, B, H), rand(T * B, G), rand(B, H), rand(B, G)
    rows, dout = rand(R, H), rand(R, O)

    def run():
        x @ W_xh
        for _ in range(T):
            h @ W_hh
        rows @ W_hy
        rows.T @ dout
        dout @ W_hy.T
        W_hh_T = np.asfortranarray(W_hh).T
        for _ in range(T):
            dz @ W_hh_T
        x.T @ dXW
        Hs[:-1].reshape(T * B, H).T @ dXW

    return run


@dataclass
class OurResult:
    """Median seconds per step with and without recording, and the GEMM floor (or None)."""

    record: float
    fast: float
    gemm: float | None
    no_worker: float | None = None  # fast with the background worker off (where it is used)

    @property
    def overhead_pct(self) -> float:
        """What recording costs, in % of the fast step."""
        return 100.0 * (self.record - self.fast) / self.fast


# -- torch ---------------------------------------------------------------------------------------
def torch_step(shape: Shape, dtype: str) -> Callable[[], None]:
    """A closure doing one PyTorch training step of the same network, loss, clipping and Adam."""
    nn, F = torch.nn, torch.nn.functional
    torch.manual_seed(0)
    tdtype = getattr(torch, dtype)
    rnn_cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[shape.cell]
    rnn = rnn_cls(shape.D, shape.H, batch_first=True, dtype=tdtype)
    fc = nn.Linear(shape.H, shape.O, dtype=tdtype)
    params = [*rnn.parameters(), *fc.parameters()]
    optimizer = torch.optim.Adam(params, lr=LR)
    X_np, Y_np = make_batch(shape)
    X = torch.as_tensor(X_np, dtype=tdtype)
    Y = torch.as_tensor(Y_np, dtype=tdtype if shape.loss == "mse" else torch.long)

    def loss_of(out):
        if shape.loss == "mse":
            return F.mse_loss(out, Y)
        return F.cross_entropy(out.reshape(-1, shape.O), Y.reshape(-1))

    def step():
        optimizer.zero_grad(set_to_none=True)
        hs, _ = rnn(X)
        loss = loss_of(fc(hs[:, -1] if shape.readout == "last" else hs))
        loss.backward()
        nn.utils.clip_grad_norm_(params, CLIP_NORM)
        optimizer.step()

    return step


def bench_shape(shape: Shape, dtype: str, budget: Budget,
                use_torch: bool) -> tuple[OurResult, dict[int, float]]:
    """Time ours (record=True and False), the GEMM floor (B >= 32) and torch on 1 and 2 threads.

    All in one interleaved rotation, so every ratio compares loops timed seconds apart.
    Returns our result and {torch threads: median seconds per step} (empty without torch).
    """
    fns: dict[str | int, Callable[[], object]] = {
        "rec": our_step(shape, dtype, record=True),
        "fast": our_step(shape, dtype, record=False),
    }
    if uses_background(shape):
        fns["no_worker"] = our_step(shape, dtype, record=False)
    if shape.B >= 32:
        fns["gemm"] = gemm_floor(shape, dtype)
    if use_torch:
        fns.update({n: torch_step(shape, dtype) for n in TORCH_THREADS})
        before = torch.get_num_threads()
    enabled = background.ENABLED

    def enter(key):
        background.ENABLED = enabled and key != "no_worker"
        if isinstance(key, int):
            torch.set_num_threads(key)

    try:
        t = interleaved_medians(fns, budget, enter)
    finally:
        background.ENABLED = enabled
        if use_torch:
            torch.set_num_threads(before)
    theirs = {n: t[n] for n in TORCH_THREADS} if use_torch else {}
    return OurResult(t["rec"], t["fast"], t.get("gemm"), t.get("no_worker")), theirs


def worker_state() -> str:
    """Whether rnnviz.core.fast.background's worker is on in this process, and why not."""
    if background.ENABLED:
        return "worker on"
    return "worker off: BLAS runs on more than one thread, or on one core"


def uses_background(shape: Shape) -> bool:
    """Whether the step hands weight-gradient products to the second core on this shape."""
    return background.ENABLED and layer.grad_chunks(
        shape.T, shape.B, shape.D, shape.H, GATES[shape.cell] * shape.H) is not None


# -- report --------------------------------------------------------------------------------------
def machine_lines() -> list[str]:
    """The machine and library versions the numbers belong to."""
    tv = "not installed"
    if torch is not None:
        onednn = "available" if torch.backends.mkldnn.is_available() else "not available"
        tv = f"{torch.__version__} (oneDNN {onednn}, {torch.get_num_threads()} threads by default)"
    blas = "unknown"
    try:
        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{info.get('name')} {info.get('version')}"
    except (TypeError, KeyError):  # older numpy: no dict mode
        pass
    threads = blas_threads()
    return [
        f"date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"machine: {platform.machine()} {platform.processor() or platform.system()}, "
        f"os.cpu_count()={os.cpu_count()}",
        f"python {platform.python_version()}, numpy {np.__version__} (BLAS {blas}, "
        f"{threads} threads), torch {tv}",
        load_line("at start"),
    ]


def blas_threads() -> str:
    """Threads of NumPy's bundled OpenBLAS, asked from the library itself (best effort)."""
    libs = sorted(Path(np.__file__).parent.parent.glob("numpy.libs/lib*openblas*.so*"))
    names = ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
             "openblas_get_num_threads")
    for path in libs:
        try:
            lib = ctypes.CDLL(str(path))
        except OSError:
            continue
        for name in names:
            if hasattr(lib, name):
                return str(getattr(lib, name)())
    return os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or "?"


def load_average() -> float | None:
    """The 1-minute load average, None where the platform has none."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def load_line(when: str) -> str:
    """The load average, with a warning when other processes are busy on the cores.

    Multi-threaded BLAS (NumPy's OpenBLAS, torch's pool) on small matrices slows down by up
    to 10-50x when a thread waits for a core another process holds, so such numbers mislead.
    """
    load = load_average()
    text = f"load average (1 min) {when}: {'unknown' if load is None else f'{load:.2f}'}"
    if load is not None and load > BUSY_LOAD:
        text += " -- WARNING: the machine is busy with other work; timings are unreliable"
    return text



def ms(seconds: float | None) -> str:
    """Seconds as milliseconds, "-" for None."""
    return "-" if seconds is None else f"{1e3 * seconds:.3f}"


def rate(seconds: float) -> str:
    """Seconds per step as steps per second."""
    return f"{1.0 / seconds:,.0f}"


def ours_table(results: dict[tuple[Shape, str], OurResult]) -> str:
    """Table 1: our step times, recording overhead and the GEMM-floor ratio."""
    header = ["shape", "head", "dtype", "rec ms", "rec steps/s", "fast ms", "fast steps/s",
              "rec overhead", "fast, no worker ms", "GEMM ms", "step/GEMM"]
    rows = []
    for (shape, dtype), r in results.items():
        ratio = "-" if r.gemm is None else f"{r.fast / r.gemm:.1f}x"
        rows.append([shape.label, shape.head, dtype, ms(r.record), rate(r.record), ms(r.fast),
                     rate(r.fast), f"{r.overhead_pct:+.0f}%", ms(r.no_worker), ms(r.gemm),
                     ratio])
    return table(header, rows)


def torch_table(ours: dict, theirs: dict[tuple[Shape, str], dict[int, float]]) -> str:
    """Table 2: PyTorch per thread count, and torch_best / ours (record=False)."""
    header = ["shape", "dtype", *(f"torch {n}t ms" for n in TORCH_THREADS), "best",
              "ours fast ms", "torch_best/ours"]
    rows = []
    for (shape, dtype), by_threads in theirs.items():
        best = min(by_threads, key=by_threads.get)
        fast = ours[shape, dtype].fast
        rows.append([shape.label, dtype, *(ms(by_threads[n]) for n in TORCH_THREADS),
                     f"{best}t", ms(fast), f"{by_threads[best] / fast:.2f}"])
    return table(header, rows)


def float32_summary(ours: dict, theirs: dict) -> list[str]:
    """One line per shape: the float32 ratio torch_best / ours and torch's better thread count."""
    lines = []
    for (shape, dtype), by_threads in theirs.items():
        if dtype != "float32":
            continue
        best = min(by_threads, key=by_threads.get)
        ratio = by_threads[best] / ours[shape, dtype].fast
        verdict = "we are faster" if ratio > 1 else "torch is faster"
        lines.append(f"- {shape.label}: torch_best/ours = {ratio:.2f} ({verdict}; "
                     f"torch best on {best} thread{'s' if best > 1 else ''})")
    return lines


# -- main ----------------------------------------------------------------------------------------
def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {n}")
    return n


def parse_args(argv=None) -> argparse.Namespace:
    """--quick, --reps N, --no-torch, --only CELL, --dtype DT."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="2 reps, short loops (< 60 s)")
    p.add_argument("--reps", type=positive_int, default=None,
                   help="repetitions (default 5; 2 with --quick)")
    p.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    p.add_argument("--only", choices=tuple(GATES), default=None,
                   help="only the shapes of this cell (default: all)")
    p.add_argument("--dtype", choices=DTYPES, default=None,
                   help="only this dtype (default: both)")
    return p.parse_args(argv)


def make_budget(args: argparse.Namespace) -> Budget:
    """Full: 5 reps of >= 0.2 s loops, 0.1 s apart (about 3 minutes on 2 cores); quick: 2 reps
    of >= 0.05 s."""
    if args.quick:
        return Budget(reps=args.reps or 2, loop_s=0.05, warmup_s=0.02, settle_s=0.02)
    return Budget(reps=args.reps or 5, loop_s=0.2, warmup_s=0.1, settle_s=0.1)


def main(argv=None) -> None:
    """Measure every shape and dtype (ours and torch side by side) and print the tables."""
    args = parse_args(argv)
    budget = make_budget(args)
    use_torch = torch is not None and not args.no_torch
    t_start = time.perf_counter()
    print("# rnnviz core training throughput\n")
    print("\n".join(machine_lines()))
    print(f"budget: {budget.reps} reps, loops >= {budget.loop_s} s, median reported\n")

    shapes = [s for s in SHAPES if args.only in (None, s.cell)]
    dtypes = [d for d in DTYPES if args.dtype in (None, d)]
    results = {(s, d): bench_shape(s, d, budget, use_torch) for s in shapes for d in dtypes}
    ours = {key: r[0] for key, r in results.items()}
    print("## rnnviz train_step (forward + BPTT + clip_norm=1.0 + Adam)\n")
    print(ours_table(ours))
    print("\nrec = record=True, fast = record=False; rec overhead = rec / fast - 1; "
          "step/GEMM = fast / GEMM floor (B >= 32 only). fast, no worker = fast with "
          "rnnviz.core.fast.background's worker off, on the shapes where it hands the weight "
          f"gradients to a second core ({worker_state()}; - where unused).")

    if use_torch:
        theirs = {key: r[1] for key, r in results.items()}
        print("\n## PyTorch, same model (nn.RNN/LSTM/GRU + nn.Linear + loss + "
              "clip_grad_norm_ + Adam)\n")
        print("Timed in the same rotation as ours: the loops of ours, the GEMM floor and "
              "torch on 1 and 2 threads alternate, 0.1 s apart.\n")
        print(torch_table(ours, theirs))
        print("\ntorch_best/ours > 1 means rnnviz (record=False) is faster.\nfloat32:")
        print("\n".join(float32_summary(ours, theirs)))
    else:
        print("\nPyTorch comparison skipped (torch " +
              ("not installed)" if torch is None else "disabled by --no-torch)"))
    print(f"\n{load_line('at end')}")
    print(f"total benchmark time: {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
