"""Every page's link: the one table of what each page keeps in its URL (no Streamlit).

A page's settings are `Link` rows: the URL key, the widget's session key, the kind and the
limits (a settings.Setting, so a URL value is parsed and clamped by settings.coerce, as the
Train page's), the default (left out of the URL: links stay short) and the other names a
lecturer may write in `hide=`. The Train page's settings are settings.SETTINGS themselves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rnnviz.core.config import ACTIVATIONS, CELLS
from rnnviz.lessons import cellrace, cellwalk, encdec, gradlab, sentiment_probe, textgen, unrolling
from rnnviz.train import settings as cf

HIDE = "hide"  # the URL key of the hidden controls: hide=opt,lr,init
MAX_TEXT = 500  # characters of a text setting (a prompt, a sentence) a link may carry


@dataclass(frozen=True)
class Link:
    """One setting of a page's URL."""

    key: str  # in the URL
    widget: str  # the session key the page's widget (or state) reads
    kind: str  # int | float | bool | choice | text
    default: object = None  # None: the page's own default (it depends on the run)
    lo: float | None = None
    hi: float | None = None
    choices: tuple = ()  # str choices, or the numbers a select_slider offers
    step: float | None = None  # a float slider's step: values snap to it
    names: tuple = ()  # other names for hide= (long names)

    @property
    def setting(self) -> cf.Setting:
        numeric = self.kind in ("int", "float")
        lo, hi = (min(self.choices), max(self.choices)) if numeric and self.choices else \
            (self.lo, self.hi)
        return cf.Setting(self.key, "link", self.widget, self.kind, lo, hi,
                          () if numeric else self.choices)


@dataclass(frozen=True)
class Page:
    """One page's link: its settings and what a link cannot carry (the copy button's help)."""

    url: str
    links: tuple[Link, ...]
    note: str = ""


GRAD_INITS = ("xavier", "orthogonal", "identity", "normal")
HIDDEN_SIZES = (2, 4, 8, 16, 32, 64)  # Gradient lab's H
INPUT_SCALES = (0.001, 0.01, 0.1, 0.3, 1.0, 3.0)
CLIP_AT = (0.1, 0.5, 1.0, 5.0, 25.0)
COMPARE_HIDDEN = (4, 8, 16, 32, 64, 128)
LOG_EVERY = (1, 5, 10, 20, 50, 100, 200)
SEED_MAX = 2**31 - 1

PAGES: dict[str, Page] = {p.url: p for p in (
    Page("train", (), "Your own data and the trained weights are not in a link: it rebuilds "
         "the model from its settings, at epoch 0."),
    Page("gradients", (
        Link("cell", "lab_cell", "choice", "rnn", choices=CELLS),
        Link("act", "lab_act", "choice", "tanh", choices=ACTIVATIONS, names=("activation",)),
        Link("init", "lab_init", "choice", "xavier", choices=GRAD_INITS,
             names=("initialiser", "initializer")),
        Link("mode", "lab_mode", "choice", "scale", choices=gradlab.MODES),
        Link("value", "lab_value", "float", 1.0, 0.1, 3.0, step=0.05,
             names=("scale", "radius")),
        Link("T", "lab_T", "int", 100, 2, 400, names=("length", "seq_len")),
        Link("H", "lab_H", "int", 32, choices=HIDDEN_SIZES, names=("hidden",)),
        Link("xs", "lab_xs", "float", 1.0, choices=INPUT_SCALES, names=("input_scale",)),
        Link("seed", "lab_seed", "int", 0, 0, 9999),
        Link("clip", "lab_clip", "float", 1.0, choices=CLIP_AT, names=("clip_at",)),
    )),
    Page("compare", (
        Link("task", "compare:task", "choice", "adding", choices=tuple(cellrace.TASKS)),
        Link("seq_len", "compare:seq_len", "int", cellrace.CompareSettings.seq_len,
             *cellrace.SEQ_RANGE, names=("length",)),
        Link("hidden", "compare:hidden", "int", cellrace.CompareSettings.hidden,
             choices=COMPARE_HIDDEN),
        Link("seed", "compare:seed", "int", 0, 0, SEED_MAX),
        Link("budget", "compare:budget", "int", cellrace.DEFAULT_BUDGET, 1, 100,
             names=("epochs",)),
    ), "The trained weights are not in a link: it builds the three networks again, at "
       "epoch 0."),
    Page("sentiment", (
        Link("recipe", "sentiment:recipe", "choice", "modern",
             choices=tuple(sentiment_probe.RECIPES)),
        Link("every", "sentiment:every", "int", None, choices=LOG_EVERY, names=("log",)),
        Link("text", "sentiment:text", "text", "i am not at all happy",
             names=("sentence",)),
    ), "Uploaded sentences cannot go in a link: it opens on the bundled ones. The trained "
       "weights are not in it either (epoch 0)."),
    Page("generate", (
        Link("source", "generate:source", "choice", "hello",
             choices=tuple(s for s in textgen.SOURCES if s != "custom")),
        Link("prompt", "generate:prompt", "text", ""),
        Link("temp", "generate:temperature", "float", 1.0, 0.1, 2.0, step=0.05,
             names=("temperature",)),
        Link("greedy", "generate:greedy", "bool", False),
        Link("n", "generate:n", "int", 120, 10, 400, step=10, names=("length",)),
        Link("sample", "generate:seed", "int", 0, 0, SEED_MAX),
        Link("pos", "generate:position", "int", 1, 1, 400, names=("position",)),
    ), "Your own pasted text cannot go in a link: it opens on hello world. The trained "
       "weights are not in it either (epoch 0)."),
    Page("seq2seq", (
        Link("task", "seq2seq:task", "choice", "reverse", choices=tuple(encdec.TASKS)),
        Link("seq_len", "seq2seq:seq_len", "int", encdec.Settings.seq_len, *encdec.LENGTHS,
             names=("length", "T")),
        Link("symbols", "seq2seq:symbols", "int", encdec.Settings.symbols, 2, 10,
             names=("alphabet",)),
        Link("cell", "seq2seq:cell", "choice", "lstm", choices=CELLS),
        Link("hidden", "seq2seq:hidden", "int", encdec.Settings.hidden, choices=encdec.HIDDEN),
        Link("lr", "seq2seq:lr", "float", encdec.Settings.lr, choices=encdec.RATES,
             names=("learning_rate",)),
        Link("seed", "seq2seq:seed", "int", 0, 0, SEED_MAX),
        Link("teacher", "seq2seq:teacher", "bool", False, names=("teacher_forcing",)),
        Link("text", "seq2seq:typed", "text", "", names=("typed", "sequence")),
    ), "The trained weights and your other runs' results are not in a link: it builds the "
       "model again, at epoch 0."),
    Page("cell", (
        Link("cell", "cell_kind", "choice", "rnn", choices=tuple(cellwalk.CELLS)),
        Link("example", "cell_preset", "choice", "three-units", choices=tuple(cellwalk.PRESETS)),
        Link("act", "cell_act", "choice", "tanh", choices=cellwalk.ACTIVATIONS,
             names=("activation",)),
        Link("seed", "cell_seed", "int", 0, 0, 9999),
        Link("t", "cell_t", "int", 1, 1, 1000, names=("step",)),
    ), "Numbers you edited in the tables are not in a link: it opens on the example's own."),
    Page("unrolled", (
        Link("sample", "unrolled_sample", "int", 0, 0, 10_000),
        Link("pattern", "unrolled_pattern", "choice", None, choices=unrolling.PATTERNS),
        Link("walk", "unrolled_walk", "int", None, 0, 100_000),
    ), "The link carries the Train run's settings, not its trained weights: it draws a new "
       "model at epoch 0."),
)}


def train_names() -> dict[str, str]:
    """hide= names of the Train page's controls: each setting's key and field name."""
    out = {}
    for s in cf.SETTINGS:
        out[s.key.lower()] = s.key
        out[s.field.lower()] = s.key
    return out | {"optimiser": "opt", "initialiser": "init", "initializer": "init"}


def names(page: str) -> dict[str, str]:
    """Every name hide= accepts on `page` -> the control's URL key."""
    if page == "train":
        return train_names()
    out = {}
    for link in PAGES[page].links:
        out |= {n.lower(): link.key for n in (link.key, link.widget, *link.names)}
    return out


def parse_hide(page: str, raw: str) -> tuple[tuple[str, ...], list[str]]:
    """hide=a,b,c -> (the controls' keys, warnings for the names this page has not)."""
    known, keys, warnings = names(page), [], []
    for name in str(raw)[:1000].replace(" ", ",").split(","):
        if not name:
            continue
        key = known.get(name.lower())
        if key is None:
            warnings.append(f"hide={name[:40]!r} names no control of this page: ignored")
        elif key not in keys:
            keys.append(key)
    return tuple(keys), warnings


def coerce(link: Link, raw) -> tuple[object, str | None]:
    """A URL value for `link`: parsed, clamped and snapped to its options or step (a warning
    says what changed), or (None, why) when it cannot be used."""
    if link.kind == "text":
        text = str(raw)
        if len(text) > MAX_TEXT:
            return text[:MAX_TEXT], f"{link.key}: longer than {MAX_TEXT} characters: cut"
        return text, None
    value, warning = cf.coerce(link.setting, raw)
    if value is None or link.kind not in ("int", "float"):
        return value, warning
    snapped = value
    if link.choices:
        snapped = min(link.choices, key=lambda c: (abs(c - value), c))
    elif link.step:
        snapped = link.lo + round((value - link.lo) / link.step) * link.step
        snapped = min(max(round(snapped, 10), link.lo), link.hi)
    snapped = int(snapped) if link.kind == "int" else float(snapped)
    if snapped != value and warning is None:
        warning = f"{link.key}={cf.fmt(value)} is not offered: {cf.fmt(snapped)} is used"
    return snapped, warning


def to_text(link: Link, value) -> str:
    """A value as it reads in the URL."""
    if link.kind == "bool":
        return "1" if value else "0"
    if link.kind == "float" and isinstance(value, float) and math.isfinite(value):
        return cf.fmt(value)
    return str(value)


def from_query(page: str, query: dict) -> tuple[dict[str, object], list[str]]:
    """A page's query -> ({URL key: value} for the settings it names, warnings). Keys of no
    setting (except hide=, and the Train settings on Unrolled, which draws the Train run)
    are reported; nothing raises."""
    values, warnings = {}, []
    by_key = {link.key: link for link in PAGES[page].links}
    for key, raw in query.items():
        raw = (raw[-1] if raw else "") if isinstance(raw, list) else raw
        if key == HIDE or (page == "unrolled" and (key in cf.BY_KEY or key in cf.LINK_KEYS)):
            continue
        link = by_key.get(key)
        if link is None:
            warnings.append(f"unknown setting {str(key)[:40]!r}: ignored")
            continue
        value, warn = coerce(link, raw)
        if warn:
            warnings.append(warn)
        if value is not None:
            values[key] = value
    return values, warnings


def to_query(page: str, values: dict, defaults: dict | None = None) -> dict[str, str]:
    """{URL key: value} -> the query of the values that differ from their defaults
    (`defaults` overrides the table's, for the ones the page decides)."""
    defaults = defaults or {}
    out = {}
    for link in PAGES[page].links:
        if link.key not in values:
            continue
        value = values[link.key]
        default = defaults.get(link.key, link.default)
        if value is None or value == default:
            continue
        if link.kind == "choice" and value not in link.choices:
            continue  # e.g. Generate's "custom": not linkable
        out[link.key] = to_text(link, value)
    return out
