"""The text-generation page's numbers (Mayank Sharma's character model), from a run's model.

NumPy/pandas only: which text to train on (and refusing unusable pasted text), the perplexity
curve from the run's history, and samples whose per-character probabilities are the softmax
the model produced at each step.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from rnnviz import numbers
from rnnviz.figures import textgen_charts as fig
from rnnviz.lessons.scene import Scene
from rnnviz.tasks import DataError, display_char
from rnnviz.train import settings as cf
from rnnviz.train.sampling import Sample, sample

SOURCES = {"hello": "hello world (Mayank Sharma's guide)",
           "bundled": "Gettysburg Address (bundled)", "custom": "Your own text"}
MAX_TEXT_BYTES = 200_000  # pasted text larger than this (UTF-8) is refused
MAX_VOCAB = 300  # distinct characters; the one-hot inputs grow with it
SHORT_TEXT = 32  # texts up to this long train like "hello world" (10 units, 10-char window)
LONG_TEXT_SETTINGS = {"seq_len": 25, "hidden": 64, "batch": 32, "lr": 0.01}  # bundled / long


def _size(n: int) -> str:
    return f"{n / 1000:.1f} KB" if n >= 1000 else f"{n} bytes"


def check_text(text: str | None) -> str:
    """Pasted text, ready for the character model (line endings normalised), or DataError."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    n = len(text.encode("utf-8"))
    if n > MAX_TEXT_BYTES:
        raise DataError(f"text is {_size(n)}; the limit is {_size(MAX_TEXT_BYTES)}")
    if not text.strip():
        raise DataError("text is empty: paste some text to learn from")
    distinct = sorted(set(text))
    if len(distinct) < 2:
        raise DataError(f"text has a single distinct character ({display_char(distinct[0])!r} "
                        f"repeated): there is nothing to predict; use at least two different "
                        "characters")
    if len(distinct) > MAX_VOCAB:
        raise DataError(f"text has {len(distinct)} distinct characters; the limit is "
                        f"{MAX_VOCAB} (each is a one-hot input and output of that size)")
    return text


def source_config(source: str, text: str | None = None) -> cf.RunConfig:
    """The run for "hello" (the hello-world preset), "bundled" (Gettysburg) or "custom"
    (``text``, checked with ``check_text``): Mayank Sharma's character model, Adam."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}; got {source!r}")
    cfg = cf.preset_config("hello-world")
    if source == "hello":
        return cfg
    data = None
    if source == "custom":
        text = check_text(text)
        data = {"text": text}
    cfg = cf.with_value(cfg, cf.BY_KEY["text"], source)
    if source == "bundled" or len(text) > SHORT_TEXT:
        for key, value in LONG_TEXT_SETTINGS.items():
            cfg = cf.with_value(cfg, cf.BY_KEY[key], value)
    return replace(cfg, task=replace(cfg.task, data=data))


def perplexity_frame(history: pd.DataFrame | list[dict]) -> pd.DataFrame:
    """Per epoch: train and test perplexity = exp(mean cross-entropy per character)."""
    df = history if isinstance(history, pd.DataFrame) else pd.DataFrame(history)
    if not len(df):
        return pd.DataFrame({"epoch": [], "train": [], "test": []})
    return pd.DataFrame({"epoch": df["epoch"].to_numpy(), "train": np.exp(df["train_loss"]),
                         "test": np.exp(df["test_loss"])})


def overfit_note(pp: pd.DataFrame, vocab_size: int) -> str | None:
    """A sentence on overfitting when the numbers show it (test perplexity above the uniform
    guess, or well above its best while training goes on), else None."""
    if len(pp) < 2:
        return None
    test = pp["test"].to_numpy()
    best = int(np.argmin(test))
    if test[-1] > vocab_size:
        return (f"Test perplexity {test[-1]:.1f} is above {vocab_size}, the uniform guess: on the "
                "held-out end of the text the model is worse than knowing nothing. It has "
                "memorised the training part (overfitting).")
    if test[-1] > 1.5 * test[best] and best < len(test) - 1:
        return (f"Test perplexity was best at epoch {int(pp['epoch'].iloc[best])} "
                f"({test[best]:.2f}) and is {test[-1]:.2f} now, while training goes on: "
                "overfitting.")
    return None


@dataclass
class Generated:
    sample: Sample  # prompt actually used (known characters), text, probs (n, V), chosen_p
    unknown: list[str]  # prompt characters outside the vocabulary (skipped)
    note: str | None  # what happened to the prompt, in words (markdown)
    picked: np.ndarray  # (n,) vocabulary index of each generated character


def _chars_md(chars: list[str]) -> str:
    """Characters as markdown code spans (literal, also for < > * and the like)."""
    return ", ".join("backtick" if c == "`" else f"`{display_char(c)}`" for c in chars)


def generate(model, task, prompt: str = "", n: int = 120, temperature: float = 1.0,
             greedy: bool = False, seed: int = 0) -> Generated:
    """Continue ``prompt`` by ``n`` characters (see ``generate.sample``). Characters outside the
    vocabulary are skipped and reported; a prompt with none left starts from the text's
    first character, as an empty prompt does."""
    prompt = prompt or ""
    unknown = list(dict.fromkeys(c for c in prompt if c not in task.char_to_idx))
    known = "".join(c for c in prompt if c in task.char_to_idx)
    s = sample(model, task, prompt=known, n=n, temperature=temperature, greedy=greedy,
               rng=np.random.default_rng(seed))
    s.unknown = unknown
    note = None
    first = _chars_md([task.text[0]])
    if unknown and not known:
        note = (f"None of the prompt's characters is in the vocabulary ({_chars_md(unknown)}); "
                f"starting from the text's first character {first}.")
    elif unknown:
        note = f"Not in the vocabulary, skipped: {_chars_md(unknown)}."
    elif not prompt:
        note = f"Empty prompt: starting from the text's first character {first}."
    picked = np.array([task.char_to_idx[c] for c in s.text], dtype=np.int64)
    return Generated(sample=s, unknown=unknown, note=note, picked=picked)


def next_char_table(g: Generated, vocab: list[str], position: int, top: int = 15) -> pd.DataFrame:
    """The distribution the character at ``position`` (1-based) was drawn from: the ``top``
    most likely characters, plus the picked one if it is not among them."""
    if not 1 <= position <= len(g.picked):
        raise ValueError(f"position must be in [1, {len(g.picked)}], got {position}")
    p = g.sample.probs[position - 1]  # (V,)
    order = list(np.argsort(-p, kind="stable")[:top])
    k = int(g.picked[position - 1])
    if k not in order:
        order.append(k)
    return pd.DataFrame({"index": order, "char": [vocab[i] for i in order],
                         "p": p[order], "picked": [i == k for i in order]})


# -- the page's live view (rnnviz.live.feed) ---------------------------------------------
class TextgenScene(Scene):
    """The Generate page's frames. View options: prompt, n, temperature, greedy, seed, pos
    (the position whose next-character distribution is shown)."""

    rows = (("perplexity", "strip"), ("bars",))





    def status(self, run, view, facts: dict) -> list[tuple[str, str]]:
        pp = perplexity_frame(run.history)
        h = pp.iloc[-1] if len(pp) else None
        return [("Epoch", str(run.epoch)),
                ("Train perplexity", numbers.fixed(h["train"]) if h is not None
                 else numbers.DASH),
                ("Test perplexity", numbers.fixed(h["test"]) if h is not None
                 else numbers.DASH),
                ("Uniform guess", str(len(run.task.vocab)))]

    def fast(self, run, view) -> dict:
        """The perplexity curve: every frame (its epochs pass in milliseconds)."""
        return {"perplexity": fig.perplexity_figure(perplexity_frame(run.history),
                                                    run.task.baselines, big=view.big)}

    def slow(self, run, view) -> tuple[dict, list, dict]:
        """The perplexity curve, a fresh sample from the model as it is now, and the
        next-character distribution at one position of that sample."""
        o, big, vocab = dict(view.options), view.big, run.task.vocab
        n, greedy, temp = o.get("n", 120), o.get("greedy", False), o.get("temperature", 1.0)
        pos = min(max(o.get("pos", 1), 1), n)
        pp = perplexity_frame(run.history)
        g = generate(run.model, run.task, o.get("prompt", ""), n, temp, greedy, o.get("seed", 0))
        s = g.sample
        table = next_char_table(g, vocab, pos)
        how = " (greedy: the largest)" if greedy else f" (softmax(logits / {temp:g}))"
        figs = {"perplexity": fig.perplexity_figure(pp, run.task.baselines, big=big),
                "strip": fig.sample_strip(s.prompt, s.text, s.chosen_p, s.probs, vocab, big=big),
                "bars": fig.next_char_bars(table, pos, how, big=big)}
        shown = table[(table.index < 8) | table["picked"]]  # the 8 most likely and the pick
        shown = shown.assign(char=[display_char(c) for c in shown["char"]])
        tasks = [{"title": "A sample from the model now", "code": s.prompt + s.text},
                 {"title": "", "text": " ".join(t for t in (overfit_note(pp, len(vocab)),
                                                           g.note) if t)},
                 {"title": f"Read so far (the last 40 characters before position {pos})",
                  "code": (s.prompt + s.text)[: len(s.prompt) + pos - 1][-40:]},
                 {"title": f"Position {pos}: the most likely next characters and the pick",
                  "table": numbers.table(shown[["char", "p", "picked"]], digits=4)}]
        return figs, [t for t in tasks if t.get("text", True)], {}
