"""The encoder-decoder page's lesson: what its live view shows of a Seq2SeqRun (no Streamlit).

`EncdecScene` draws the frames: the unrolled encoder, bottleneck and decoder of the probe
sample, the loss, the gradient through both halves, the held-out accuracy per output
position and the measured accuracy against the length (the session's runs, `records`).
Also: the page's run from its settings, reading a typed source sequence, and what the
model writes for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rnnviz import numbers
from rnnviz.figures import curves
from rnnviz.figures import encdec_charts as fig
from rnnviz.lessons.scene import Scene
from rnnviz.tasks.transduction import DIGIT_WORDS
from rnnviz.train import settings as cf
from rnnviz.train.seq2seq_run import Seq2SeqRun, recipe_config

TASKS = {"reverse": "Reverse a sequence", "digits": "Digit words → digits"}
LENGTHS = (2, 12)  # the page's range of T (longer: slow epochs, accuracy near 0)
HIDDEN = (8, 16, 32, 64, 128)
RATES = (0.0003, 0.001, 0.003, 0.01, 0.03)
MAX_TYPED = 24  # tokens of a typed source sequence
EXAMPLES = 8  # held-out sequences in the table
START = "<start>"
DIGITS = tuple("0123456789")


@dataclass(frozen=True)
class Settings:
    """The page's model settings (a change builds a new run)."""

    task: str = "reverse"
    seq_len: int = 5
    symbols: int = 8  # reversal's alphabet (A, B, ...)
    cell: str = "lstm"
    hidden: int = 64
    lr: float = 0.003
    seed: int = 0


def config(s: Settings) -> cf.RunConfig:
    """The run for settings s: the task's recipe (reverse-lstm, digits-lstm) with them, in
    float32 (the live pages' mode)."""
    if s.task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}; got {s.task!r}")
    over = {"seq_len": s.seq_len, "cell": s.cell, "hidden": s.hidden, "lr": s.lr,
            "seed": s.seed}
    if s.task == "reverse":
        over["symbols"] = s.symbols
    return cf.live(recipe_config(f"{s.task}-lstm", **over))


def settings_of(run) -> Settings:
    """The settings a run was built with."""
    c = run.cfg
    return Settings(c.task.name, int(run.T), int(c.task.n_symbols) if c.task.name == "reverse"
                    else Settings.symbols, c.model.cell, c.model.hidden_size, c.train.lr,
                    c.model.seed)


def new_run(s: Settings, teacher: bool = False) -> Seq2SeqRun:
    """A Seq2SeqRun for s (ValueError: a combination that cannot be built)."""
    return Seq2SeqRun(config(s), teacher=teacher)


# -- which input each output needs --------------------------------------------------------
def source_of(task: str, T: int, u: int) -> int:
    """The input step (1-based) whose token output u (1-based) must write."""
    return T + 1 - u if task == "reverse" else u


def position_labels(task: str, T: int, U: int) -> list[str]:
    """'y1 ← x5' per output position: the input each output must recall."""
    return [f"y{u} ← x{source_of(task, T, u)}" for u in range(1, U + 1)]


def distance(task: str, T: int, u: int) -> int:
    """Steps between reading an output's input and writing it: reversal 2u - 1 (the last
    output recalls the first input, furthest back), digits T for every output."""
    return (T - source_of(task, T, u)) + u


def position_note(task: str, T: int, acc: np.ndarray | None, epoch: int, mode: str) -> str:
    """What the latest per-position accuracy (U,) shows, in words, from the numbers."""
    if acc is None:
        return ""
    acc = np.asarray(acc, np.float64)
    lo, hi = int(np.argmin(acc)), int(np.argmax(acc))
    if acc[hi] - acc[lo] < 0.02:
        return (f"Epoch {epoch}, held out ({mode}): every output position is about equally "
                f"right ({acc.min():.0%} to {acc.max():.0%}).")
    d_lo, d_hi = distance(task, T, lo + 1), distance(task, T, hi + 1)
    return (f"Epoch {epoch}, held out ({mode}): the weakest output is **y{lo + 1}** "
            f"({acc[lo]:.0%} right), which must recall x{source_of(task, T, lo + 1)} from "
            f"{_steps(d_lo)} back; the strongest is **y{hi + 1}** ({acc[hi]:.0%}), its input "
            f"{_steps(d_hi)} back.")


def _steps(n: int) -> str:
    return f"{n} step" if n == 1 else f"{n} steps"


# -- a typed source sequence --------------------------------------------------------------
def parse_source(task, text: str) -> list[int]:
    """Token ids of a typed sequence for `task` (a ReverseTask or DigitsTask): letters
    ("C A B" or "CAB") for reversal; number words or digits ("three one four", "3 1 4",
    "314") for digits. ValueError says what cannot be read."""
    text = (text or "").strip()
    if not text:
        raise ValueError("type a sequence to see what the decoder writes for it")
    parts = [p for p in re.split(r"[\s,;]+", text) if p]
    vocab = list(task.source_vocab)
    if task.name == "reverse":
        if len(parts) == 1:
            parts = list(parts[0])
        words = [p.upper() for p in parts]
        allowed = f"{vocab[0]} … {vocab[-1]}" if len(vocab) > 2 else " and ".join(vocab)
        what = f"the alphabet is {allowed} (symbols = {len(vocab)})"
    else:
        if len(parts) == 1 and all(c in DIGITS for c in parts[0]):
            parts = list(parts[0])
        words = [DIGIT_WORDS[DIGITS.index(p)] if p in DIGITS else p.lower() for p in parts]
        what = "use the words zero … nine or the digits 0 … 9"
    bad = list(dict.fromkeys(p for p, w in zip(parts, words, strict=True) if w not in vocab))
    ids = [vocab.index(w) for w in words if w in vocab]
    if bad:
        shown = ", ".join(repr(b[:20]) for b in bad[:5]) + (" …" if len(bad) > 5 else "")
        raise ValueError(f"cannot read {shown}: {what}")
    if len(ids) > MAX_TYPED:
        raise ValueError(f"{len(ids)} tokens: at most {MAX_TYPED}")
    return ids


def expected(task, ids: list[int]) -> list[str]:
    """What the task wants written for the source ids."""
    S = np.asarray(ids)[None]
    return task.target_labels(task._target_of(S))[0]


def translate(run, ids: list[int]) -> dict:
    """The decoder's own output for the source ids (generating, as long as the target):
    {"source", "output", "expected", "right"} as labels."""
    task = run.task
    want = expected(task, ids)
    with np.errstate(over="ignore", invalid="ignore"):
        out = run.model.generate(np.asarray(ids, np.int64)[None], U=len(want))
    got = task.target_labels(out)[0]
    return {"source": [task.source_vocab[i] for i in ids], "output": got, "expected": want,
            "right": got == want}


def typed_view(run, text: str) -> dict | None:
    """The task view of a typed sequence (None: nothing readable typed)."""
    try:
        ids = parse_source(run.task, text)
    except ValueError:
        return None
    r = translate(run, ids)
    ok = sum(a == b for a, b in zip(r["output"], r["expected"], strict=True))
    note = "" if len(ids) == run.T else (
        f" It was trained on length {run.T} only: length {len(ids)} is new to it.")
    return {"title": "Your sequence, through the model as it is now (generating)",
            "text": f"Reads `{' '.join(r['source'])}` → writes `{' '.join(r['output'])}`; "
                    f"the answer is `{' '.join(r['expected'])}`: "
                    + ("**right**." if r["right"] else
                       f"**wrong** ({ok} of {len(r['expected'])} tokens right).") + note}


def examples_view(run) -> dict:
    """The first held-out pairs, generated by the model now."""
    test, task = run.task.test_batch(), run.task
    n = min(EXAMPLES, test.Y.shape[0])
    with np.errstate(over="ignore", invalid="ignore"):
        pred = run.model.generate(test.source[:n], U=run.U)
    rows = []
    for b, got in enumerate(task.target_labels(pred)):
        want = test.target_tokens[b]
        wrong = sum(g != w for g, w in zip(got, want, strict=True))
        rows.append([" ".join(test.tokens[b]), " ".join(want), " ".join(got),
                     "✓" if not wrong else f"✗ ({wrong} wrong)"])
    return {"title": "Held-out pairs (never trained on), the decoder generating",
            "table": {"columns": ["source", "target", "the model writes", "right?"],
                      "rows": rows}}


# -- accuracy against length: the session's runs ----------------------------------------
Record = tuple  # (task key, group label, T, best accuracy, epoch of the best, epochs)


def task_key(s: Settings) -> str:
    return f"reverse, {s.symbols} symbols" if s.task == "reverse" else "digits"


def group_label(s: Settings) -> str:
    return f"{s.cell.upper()}, {s.hidden} units, lr {s.lr:g}"


def record_of(run) -> Record | None:
    """The run's best held-out sequence accuracy (generating) so far, or None (no epoch)."""
    if not run.history:
        return None
    acc = np.array([h["test_seq_accuracy"] for h in run.history], np.float64)
    best = int(np.nanargmax(acc)) if np.isfinite(acc).any() else 0
    s = settings_of(run)
    return (task_key(s), group_label(s), int(run.T), float(acc[best]),
            int(run.history[best]["epoch"]), int(run.epoch))


def merge(records: tuple, rec: Record | None) -> tuple:
    """records with rec kept where it beats the record of its task, group and length."""
    if rec is None:
        return tuple(records)
    out, done = [], False
    for r in records:
        if r[:3] == rec[:3]:
            done = True
            better = (rec[3], -rec[4]) > (r[3], -r[4])
            r = rec if better else r
        out.append(r)
    return tuple(out) if done else (*out, rec)


def length_groups(records: tuple, key: str) -> list[tuple]:
    """For length_chart: one (label, lengths, accuracies, hover) per group of task `key`."""
    groups: dict[str, list] = {}
    for r in records:
        if r[0] == key:
            groups.setdefault(r[1], []).append(r)
    out = []
    for label, rs in groups.items():
        out.append((label, [r[2] for r in rs], [r[3] for r in rs],
                    [f"{label}<br>T = {r[2]}: best {r[3]:.1%} at epoch {r[4]} "
                     f"({r[5]} trained)" for r in rs]))
    return out


def chance(task: str, symbols: int) -> tuple[list[int], list[float]]:
    """(lengths, the sequence accuracy of guessing every token: (1/V)^T)."""
    V = symbols if task == "reverse" else 10
    Ts = list(range(LENGTHS[0], LENGTHS[1] + 1))
    return Ts, [float(V) ** -T for T in Ts]


# -- the page's live view (rnnviz.live.feed) ---------------------------------------------
class EncdecScene(Scene):
    """The encoder-decoder page's frames. View options: teacher (what the probe shows),
    sample (the probe sample), records (the session's finished runs), typed (text)."""

    rows = (("diagram",), ("loss",), ("bars", "posmap"), ("flow", "flowmap"), ("length",))

    def caption(self, run) -> str:
        m, t = run.cfg.model, run.task
        return (f"{t.title}: {run.T} tokens in, {run.U} out. {m.cell.upper()}, "
                f"{m.hidden_size} hidden units per side, {run.model.num_params:,} parameters; "
                f"{t.n_train:,} training pairs, {t.n_test:,} held out (never trained on).")

    def status(self, run, view, facts: dict) -> list[tuple[str, str]]:
        h = run.history[-1] if run.history else {}
        pct = lambda k: numbers.num(h.get(k), ".1%")  # noqa: E731
        return [("Epoch", str(run.epoch)), ("Train loss", numbers.num(h.get("train_loss"))),
                ("Held-out sequences right (generating)", pct("test_seq_accuracy")),
                ("Held-out tokens right (generating)", pct("test_token_accuracy")),
                ("Held-out tokens right (teacher-forced)", pct("test_token_accuracy_tf"))]

    def fast(self, run, view) -> dict:
        """The learning curves, with the epoch in progress."""
        df = run.history_frame(max_rows=curves.MAX_POINTS)
        return {"loss": fig.encdec_loss(df, run.task.baselines, big=view.big,
                                        now=run.in_progress())}

    def slow(self, run, view) -> tuple[dict, list, dict]:
        big = view.big
        teacher = bool(view.opt("teacher", run.teacher))
        tr = run.probe_traces.get(teacher, run.probe_trace)
        b = min(int(view.opt("sample", 0)), tr.source.shape[0] - 1)
        s, task = settings_of(run), run.task
        T, U = run.T, run.U
        src = [task.source_vocab[i] for i in tr.source[b]]
        fed = [START if i == tr.start else task.target_vocab[i] for i in tr.dec_input[b]]
        pred = task.target_labels(tr.pred[b : b + 1])[0]
        target = task.target_labels(tr.target[b : b + 1])[0]
        g_enc = np.linalg.norm(tr.enc.dh[:, b], axis=-1) if tr.enc.dh is not None else None
        g_dec = np.linalg.norm(tr.dec.dh[:, b], axis=-1) if tr.dec.dh is not None else None
        mode = "teacher-forced" if teacher else "generating"
        epochs, acc = run.position_matrix(teacher)
        labels = position_labels(s.task, T, U)
        ge, enc, dec = run.grad_flow_sides()
        records = merge(view.opt("records", ()), record_of(run))
        figs = {
            "diagram": fig.encdec_diagram(
                tr.enc.h[:, b], tr.dec.h[:, b], g_enc, g_dec, src, fed, pred, target,
                teacher, cell=s.cell.upper(), big=big,
                title=f"Probe sample {b + 1}, epoch {run.epoch}: encoder, bottleneck, decoder"),
            "loss": self.fast(run, view)["loss"],
            "length": fig.length_chart(length_groups(records, task_key(s)),
                                       chance(s.task, s.symbols), T, big=big),
            "bars": fig.position_bars(acc[-1] if len(acc) else None, labels, run.epoch, mode,
                                      big=big),
            "posmap": fig.position_heatmap(epochs, acc, labels, mode, big=big),
            "flow": fig.grad_through_time(
                g_enc if g_enc is not None else np.zeros(T),
                g_dec if g_dec is not None else np.zeros(U), big=big,
                title=f"Gradient ‖dL/dh‖ through time, sample {b + 1} ({mode})"),
            "flowmap": fig.grad_sides_heatmap(ge, enc, dec, big=big),
        }
        tasks = [examples_view(run)]
        note = position_note(s.task, T, acc[-1] if len(acc) else None, run.epoch, mode)
        if note:
            tasks.insert(0, {"title": "Which outputs fail", "text": note})
        if (typed := typed_view(run, view.opt("typed", ""))) is not None:
            tasks.insert(0, typed)
        return figs, tasks, {}

