"""RNN vs LSTM vs GRU: three training runs on one task, trained side by side (no Streamlit).

The three runs share everything but the cell: the same task object (the same training, test
and probe sequences), the same seed (so the same shuffles: every run sees the same
mini-batches in the same order), the same hidden size, optimiser and clipping, and the same
budget of epochs. The settings are experiments.compare_cells' (the README's numbers), so
the page reproduces them.

Fairness is counted in optimiser steps, not wall time: `Comparison.advance(seconds)` trains
in rounds, and a round gives every run exactly one mini-batch (one `TrainingRun.advance`
call of zero seconds, which is exactly one batch or the end of an epoch). The time budget
only decides how many rounds fit in a tick, so the slower LSTM never falls behind: after
every tick all three runs stand at the same epoch and batch. Each run's trajectory depends
only on how many batches it has done, so the curves are the same however the ticks slice
the training.

`Comparison.lock` serialises training and reading: Streamlit's fast reruns can start a new
script thread (a button's callback, then the page) while the previous one is still inside
`advance`; training and drawing under the lock keeps the three runs consistent.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, replace

import numpy as np

from rnnviz import numbers
from rnnviz.figures import cellrace_charts as race_charts
from rnnviz.lessons.scene import Scene
from rnnviz.train import settings as cf
from rnnviz.train.run import TrainingRun, build_task

CELLS = ("rnn", "lstm", "gru")
CELL_NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
TASKS = {"adding": "Adding problem", "copy": "Recall the first symbol"}
GATES = {"lstm": "forget", "gru": "update"}  # the gate that decides what is kept
SEQ_RANGE = (5, 200)  # dependency length slider
DEFAULT_BUDGET = 8  # epochs: the LSTM and GRU are far below the RNN by then (seed 0)


@dataclass(frozen=True)
class CompareSettings:
    """What the three runs share. Changing any of these builds three new runs."""

    task: str = "adding"  # "adding" (add two marked numbers) or "copy" (recall step 0's symbol)
    seq_len: int = 50  # dependency length: steps between what must be remembered and the answer
    hidden: int = 32  # hidden units of every cell
    seed: int = 0  # weights and shuffles (the data itself is fixed: data seed 0)

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}; got {self.task!r}")
        lo, hi = SEQ_RANGE
        if not (isinstance(self.seq_len, int) and lo <= self.seq_len <= hi):
            raise ValueError(f"seq_len must be a whole number in [{lo}, {hi}]; got "
                             f"{self.seq_len!r}")
        if not (isinstance(self.hidden, int) and 1 <= self.hidden <= 512):
            raise ValueError(f"hidden must be a whole number in [1, 512]; got {self.hidden!r}")
        if not (isinstance(self.seed, int) and 0 <= self.seed < 2**31):
            raise ValueError(f"seed must be a whole number in [0, 2^31); got {self.seed!r}")


def cell_config(settings: CompareSettings, cell: str) -> cf.RunConfig:
    """One cell's RunConfig: experiments.compare_cells' recipe (preset "lstm-memory": Adam
    lr 0.01, batch 32, global-norm clipping at 1) with the shared settings. Each cell gets its
    usual initialiser: orthogonal W_hh for the RNN (norm-preserving at the start), Xavier for
    LSTM/GRU (gate biases 0, so gates start near 0.5)."""
    cfg = cf.preset_config("lstm-memory")
    overrides = {"task": settings.task, "seq_len": settings.seq_len, "cell": cell,
                 "hidden": settings.hidden, "seed": settings.seed,
                 "init": "orthogonal" if cell == "rnn" else "xavier"}
    for key, value in overrides.items():
        cfg = cf.with_value(cfg, cf.BY_KEY[key], value)
    return cfg


class Comparison:
    """Three TrainingRuns (RNN, LSTM, GRU) on one task, one seed, one budget; in lockstep."""

    def __init__(self, settings: CompareSettings | None = None,
                 budget: int = DEFAULT_BUDGET):
        self.settings = settings or CompareSettings()
        self.budget = int(budget)  # epochs; every run stops there
        cfgs = {c: cell_config(self.settings, c) for c in CELLS}
        self.task = build_task(cfgs["rnn"].task)  # one task object: the same data for all
        self.runs: dict[str, TrainingRun] = {c: TrainingRun(cfgs[c], self.task) for c in CELLS}
        tc = self.runs["rnn"].cfg.train
        self.steps_per_epoch = math.ceil(self.task.n_train / tc.batch_size)
        self.rounds = 0  # rounds trained (one batch or epoch end per active run each)
        self.lock = threading.RLock()  # held while training (and by readers that need a
        # consistent view of the three runs)

    # -- training -----------------------------------------------------------------------
    def _active(self) -> list[TrainingRun]:
        return [r for r in self.runs.values() if not r.diverged and r.epoch < self.budget]

    @property
    def finished(self) -> bool:
        """Every run has reached the budget (or diverged)."""
        return not self._active()

    def advance(self, seconds: float = 0.2) -> int:
        """Train in rounds (one mini-batch per run) while another round is expected to fit in
        `seconds` of wall time, until the budget is reached. At least one round unless
        finished. Returns the rounds done. Only how many rounds fit depends on the clock;
        what each round does does not."""
        with self.lock:
            return self._advance(seconds)

    def _advance(self, seconds: float) -> int:
        t0 = time.perf_counter()
        done = 0
        while active := self._active():
            if done and any(self._ends_epoch(r) for r in active):
                break  # the test evaluation is a slow round: it starts the next tick
            t = time.perf_counter()
            for run in active:
                run.advance(seconds=0.0)  # exactly one batch (or the epoch's end)
            done += 1
            now = time.perf_counter()
            last = now - t
            if now - t0 + last > seconds:  # the next round would overrun
                break
        self.rounds += done
        return done

    def _ends_epoch(self, run: TrainingRun) -> bool:
        """Its next advance ends the epoch (test loss, probe pass) instead of a batch."""
        return run.batches == self.steps_per_epoch * (run.epoch + 1)

    def step(self) -> None:
        """Train every run to the end of its current epoch (if below the budget)."""
        with self.lock:
            for run in self._active():
                run.step()

    def run_to_budget(self) -> None:
        """Train until every run reaches the budget (as pressing Play and waiting)."""
        while not self.finished:
            self.advance(seconds=math.inf)

    def set_budget(self, budget: int) -> None:
        """Change the budget live: higher continues training, lower stops sooner."""
        with self.lock:
            self.budget = int(budget)

    # -- what a live page asks of any run (rnnviz.live.feed) ------------------------------
    diverged = False  # one run diverging stops only that run (its status says so)
    status = "training"

    @property
    def stopped(self) -> str | None:
        """Why Play cannot go on: every run reached the budget (or diverged); else None."""
        return f"reached the budget of {self.budget} epochs" if self.finished else None

    @property
    def batches(self) -> int:
        """Optimiser steps taken, all three runs together."""
        return sum(r.batches for r in self.runs.values())

    def fresh(self) -> Comparison:
        """Three new networks from the same seed, epoch 0, the same budget (Reset)."""
        return Comparison(self.settings, self.budget)

    def release_buffers(self) -> None:
        for r in self.runs.values():
            r.release_buffers()

    # -- what the page shows --------------------------------------------------------------
    @property
    def epoch(self) -> int:
        """Completed epochs (the same for every run unless one diverged)."""
        return min(r.epoch for r in self.runs.values())

    @property
    def progress(self) -> float:
        """Epochs trained as a fraction of the budget, 0..1 (counts batches within an epoch)."""
        steps = min(r.batches for r in self.runs.values())
        return min(1.0, steps / (self.steps_per_epoch * self.budget)) if self.budget else 1.0

    def test_losses(self) -> dict[str, float | None]:
        """The latest test loss of each run (None before its first epoch)."""
        return {c: (r.history[-1]["test_loss"] if r.history else None)
                for c, r in self.runs.items()}

    def test_metrics(self) -> dict[str, float | None]:
        """The latest test metric (MSE for adding, accuracy for copy) of each run."""
        key = f"test_{self.task.metric_name}"
        return {c: (r.history[-1][key] if r.history else None) for c, r in self.runs.items()}

    def num_params(self) -> dict[str, int]:
        return {c: r.model.num_params for c, r in self.runs.items()}

    def gate_blocks(self) -> dict[str, int]:
        """Weight blocks per cell (columns of W_hh / H): RNN 1, LSTM 4 (i, f, g, o), GRU 3."""
        H = self.settings.hidden
        return {c: r.model.params["W_hh"].shape[1] // H for c, r in self.runs.items()}

    def ms_per_step(self) -> dict[str, float | None]:
        """Measured wall time per optimiser step of each run, in milliseconds."""
        return {c: (1000 * r.seconds / r.batches if r.batches else None)
                for c, r in self.runs.items()}

    def grad_norms(self) -> dict[str, np.ndarray]:
        """(T,) ||dL/dh_t|| of each run's latest probe pass (the probe batch)."""
        return {c: r.probe_trace.grad_norm for c, r in self.runs.items()}

    def gradient_reach(self) -> dict[str, float]:
        """||dL/dh_1|| / ||dL/dh_T|| per run: how much of the gradient at the answer still
        arrives at the first step (1e-6: it has vanished; ~1: it is carried)."""
        out = {}
        for c, g in self.grad_norms().items():
            out[c] = float(g[0] / g[-1]) if g[-1] > 0 else float("nan")
        return out

    def gate(self, cell: str, sample: int = 0) -> np.ndarray:
        """(T, H) activations of the keeping gate (LSTM forget f_t, GRU update z_t) for one
        probe sample, from the run's latest probe pass."""
        return self.runs[cell].probe_trace.top[0].gates[GATES[cell]][:, sample, :]

    def memory_unit(self, cell: str, sample: int = 0) -> dict:
        """The unit whose keeping gate holds on best from the first marked step to the end.

        Along the LSTM's cell state c_t = f_t * c_{t-1} + i_t * g_t (and the GRU's
        h_t = z_t * h_{t-1} + (1 - z_t) * n_t) what was stored at the first marked step s is
        multiplied by the gate at every later step, so the product of f_t (z_t) over
        t = s+1 .. T is the fraction of it (and of the gradient flowing back along that path)
        that survives. Returns unit (0-based), kept (that product), mean gate, first mark s
        and steps (T - 1 - s)."""
        g = self.gate(cell, sample)  # (T, H)
        s = self.marks(sample)[0]
        span = g[s + 1:]  # (T - 1 - s, H)
        kept = np.exp(np.log(np.clip(span, 1e-300, 1.0)).sum(axis=0))  # (H,)
        u = int(np.argmax(kept))
        mean = float(span[:, u].mean()) if len(span) else 1.0
        return {"unit": u, "kept": float(kept[u]), "mean": mean, "mark": s,
                "steps": int(len(span))}

    def marks(self, sample: int = 0) -> list[int]:
        """0-based time steps of one probe sample that hold what must be remembered."""
        X = self.runs["rnn"].probe.X[sample]  # (T, D)
        if self.task.name == "adding":
            return [int(t) for t in np.flatnonzero(X[:, 1] > 0.5)]
        return [0]  # copy: the symbol is shown at step 0

    def mark_name(self, short: bool = False) -> str:
        """What the marks are called: "marked" / "the first marked step" (adding), "symbol" /
        "the symbol's step" (copy)."""
        if self.task.name == "adding":
            return "marked" if short else "the first marked step"
        return "symbol" if short else "the symbol's step"

    def baseline(self) -> tuple[float, str]:
        """The test loss of a network that learned nothing useful, and what it means."""
        t = self.task
        if t.name == "adding":
            return t.baseline.value, f"always answering {t.mean_sum:.1f}"
        return t.baseline.value, f"guessing uniformly among {t.n_symbols} symbols"


def with_settings(comparison: Comparison, **changes) -> Comparison:
    """A fresh comparison with some shared settings changed (keeps the budget)."""
    return Comparison(replace(comparison.settings, **changes), comparison.budget)


def task_note(c: Comparison) -> str:
    """What the task asks, from the task's own sizes (no claim about who wins: the page
    shows that, measured)."""
    t, T = c.task, c.settings.seq_len
    base, meaning = c.baseline()
    if t.name == "adding":
        return (f"**Adding problem** (Hochreiter & Schmidhuber, 1997). Each of the {T} input "
                "steps carries a value drawn uniformly from [0, 1] and a marker (0 or 1). "
                "Exactly two steps are marked, one in each half of the sequence; after the "
                "last step the network must output the sum of the two marked values (mean "
                f"squared error). It has to hold the first marked value for up to {T - 1} "
                f"steps. {meaning.capitalize()} gives MSE {base:.3f}: the baseline to beat.")
    filler = (f"random distractors ({t.n_distractors} channels of their own)"
              if t.n_distractors else "blanks")
    return (f"**Recall the first symbol.** Step 1 shows one of {t.n_symbols} symbols; the "
            f"next {T - 2} steps carry {filler}; the last step carries a 'recall' marker, and "
            "then the network must name the symbol from step 1 (cross-entropy, accuracy). The "
            f"dependency spans all {T} steps. {meaning.capitalize()} gives cross-entropy "
            f"ln {t.n_symbols} = {base:.3f} and accuracy 1/{t.n_symbols} = "
            f"{1 / t.n_symbols:.0%}.")


def notes(c: Comparison) -> dict[str, str]:
    """What to watch, as markdown with the comparison's current numbers (all computed)."""
    T = c.settings.seq_len
    reach = c.gradient_reach()
    p, blocks, ms = c.num_params(), c.gate_blocks(), c.ms_per_step()
    base, meaning = c.baseline()
    loss_name = "MSE" if c.task.loss == "mse" else "cross-entropy"
    out = {
        "race": (
            "**A fair race.** The three networks read the same sequences: the same mini-batches "
            "in the same order, the same number of optimiser steps each (not the same wall "
            "time: an LSTM step costs more), the same hidden size, Adam (lr 0.01), gradient "
            f"norm clipped at 1. The dashed line is {meaning} (test {loss_name} "
            f"{base:.3g}): a network stuck there has not learned to remember."),
        "gradient": (
            "**Gradient reaching back.** Read the right chart from the answer ($t = "
            f"{T}$, right) back to the start (left). Going back one step, the RNN multiplies "
            r"$\partial L/\partial h_t$ by $W_{hh}$ and $\tanh'$; the LSTM's cell state "
            "multiplies it only by the forget gate $f_t$, and the GRU's $z_t h_{t-1}$ path only "
            "by the update gate $z_t$. Gates start near 0.5, which halves it at every step "
            f"($0.5^{{{T}}}$ = {numbers.sci(0.5 ** T)}); a gated cell learns to hold them near 1 "
            f"where it must remember. Now, of the gradient at $t = {T}$, what arrives at "
            f"$t = 1$ is RNN {numbers.sci(reach['rnn'])}, LSTM {numbers.sci(reach['lstm'])}, "
            f"GRU {numbers.sci(reach['gru'])}."),
    }
    gates = ["**Forget and update gates** (yellow 1 = keep the old memory, dark 0 = "
             "overwrite it). Look for bright rows: units that hold their gate near 1 from the "
             f"{c.mark_name(short=True)} step to the end are the network's memory."]
    for cell in ("lstm", "gru"):
        m = c.memory_unit(cell)
        sym = "$f_t$" if cell == "lstm" else "$z_t$"
        half = 0.5 ** m["steps"]
        gates.append(
            f"Now the {CELL_NAMES[cell]}'s unit {m['unit'] + 1} keeps {sym} at "
            f"{m['mean']:.2f} on average over the {m['steps']} steps after {c.mark_name()} "
            f"($t = {m['mark'] + 1}$), so {numbers.sci(m['kept'])} of what it stored there "
            f"survives to the answer (a gate of 0.5 would keep {numbers.sci(half)}).")
    out["gates"] = " ".join(gates)
    losses = {k: v for k, v in c.test_losses().items() if v is not None}
    if losses:
        ranked = sorted(losses, key=losses.get)
        out["verdict"] = (
            f"**After {c.epoch} epoch{'s' if c.epoch != 1 else ''}**, lowest test "
            f"{loss_name} first: " + ", ".join(f"{CELL_NAMES[k]} {losses[k]:.3g}" for k in ranked)
            + f" (baseline {base:.3g}).")
    speed = ""
    if c.epoch >= 1 and ms["lstm"] and ms["gru"]:
        speed = (f" Measured on this machine so far: {ms['gru']:.0f} ms per GRU step, "
                 f"{ms['lstm']:.0f} ms per LSTM step, {ms['rnn']:.0f} ms per RNN step.")
    out["params"] = (
        f"**Parameters** (*Recurrent Neural Networks*, the Keras tutorial: \"GRU has fewer "
        f"parameters\"): RNN {p['rnn']:,}, "
        f"LSTM {p['lstm']:,}, GRU {p['gru']:,}. The GRU has {p['lstm'] - p['gru']:,} fewer "
        f"than the LSTM ({1 - p['gru'] / p['lstm']:.0%} fewer): {blocks['gru']} weight blocks "
        f"(reset, update, candidate) against the LSTM's {blocks['lstm']} (input, forget, "
        f"cell, output); the RNN has {blocks['rnn']}." + speed)
    return out


# -- the page's live view (rnnviz.live.feed) ---------------------------------------------
class RaceScene(Scene):
    """The Compare page's frames: the three runs' test metric, the loss race, the gradient
    reaching back, the LSTM forget and GRU update gates. The page's notes (Markdown, with
    the numbers of `notes`) are redrawn by the page itself: `refresh` asks for a rerun
    once an epoch."""

    reset_note = "Reset: three fresh networks from the same seed, epoch 0."

    rows = (("loss", "flow"), ("forget", "update"))

    def key(self, c, view) -> int:
        return c.budget

    def refresh(self, c) -> int:
        return c.epoch

    def caption(self, c) -> str:
        done = ("budget reached: raise it to train on" if c.finished
                else f"{c.progress:.0%} of the budget")
        return (f"Epoch {c.epoch} of {c.budget} ({done}); every network has taken the same "
                f"{c.runs['rnn'].batches:,} optimiser steps on the same batches")

    def status(self, c, view, facts: dict) -> list[tuple[str, str]]:
        metric = c.task.metric_name
        label = "MSE" if metric == "mse" else metric
        values = c.test_metrics()
        return [(f"{CELL_NAMES[k]}: test {label}", numbers.metric(values[k], metric))
                for k in CELLS] + [("Epoch", f"{c.epoch} of {c.budget}")]

    def slow(self, c, view) -> tuple[dict, list, dict]:
        big = view.big
        loss_name = "MSE" if c.task.loss == "mse" else "cross-entropy"
        figs = {
            "loss": race_charts.loss_race({k: r.history_frame() for k, r in c.runs.items()},
                                          c.budget, c.task.baselines, loss_name, big=big),
            "flow": race_charts.grad_flow_compare(
                c.grad_norms(), big=big,
                title=f"Gradient reaching back from the answer, epoch {c.epoch}"),
        }
        marks = c.marks()
        for cell in ("lstm", "gru"):
            gate = GATES[cell]
            figs[gate] = race_charts.gate_heatmap(
                c.gate(cell), cell, gate, marks, c.mark_name(short=True), big=big,
                title=f"{CELL_NAMES[cell]} {gate} gate {race_charts.GATE_SYMBOLS[gate]}, "
                      "probe sequence 1")
        params, ms = c.num_params(), c.ms_per_step()
        rows = [[CELL_NAMES[k], str(c.runs[k].epoch), f"{params[k]:,}",
                 numbers.num(ms[k], ".0f"), c.runs[k].status] for k in CELLS]
        tasks = [{"title": "The three runs", "table": {
            "columns": ["cell", "epoch", "parameters", "ms / step", "status"], "rows": rows}}]
        return figs, tasks, {}
