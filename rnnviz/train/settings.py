"""Every setting of a run in one table (like TensorFlow Playground's state.ts).

RunConfig = task + model + training settings. The SETTINGS table gives each one a short key,
its type, range or choices, and is the single source for URL query strings, the CLI and
clamping of hostile input. Presets (lecture scenarios) are rows of overrides on the defaults.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace

from rnnviz.core.config import ACTIVATIONS, CELLS, DTYPES, INITS, RENAMED_INITS, ModelConfig
from rnnviz.core.optim import OPTIMIZERS

SEQ2SEQ_TASKS = ("reverse", "digits")  # encoder-decoder tasks: train/seq2seq_run.Seq2SeqRun
TASK_NAMES = ("sentiment", "charlm", "sine", "adding", "copy", *SEQ2SEQ_TASKS)
TEXTS = ("hello", "bundled", "custom")
CLIPS = ("none", "norm", "value")


@dataclass
class TaskConfig:
    """Which data the network learns from."""

    name: str = "sentiment"  # sentiment | charlm | sine | adding | copy | reverse | digits
    seq_len: int | None = None  # charlm window, sine window, adding/copy/reverse length,
    # digits: number of digits (None: the task's default)
    text: str = "hello"  # charlm: "hello" ("hello world", Mayank Sharma's), "bundled", "custom"
    freq: float = 0.04  # sine: cycles per step
    noise: float = 0.0  # sine: std of added Gaussian noise
    n_symbols: int = 4  # copy: symbols to remember; reverse: the alphabet's size
    seed: int = 0  # data generation seed (sine noise, adding, copy)
    data: dict | None = field(default=None, repr=False)  # user data (never in the URL)


@dataclass
class TrainConfig:
    """How the network learns."""

    optimizer: str = "adam"  # sgd | momentum | adam
    lr: float = 0.01  # learning rate (changes live)
    batch_size: int = 16
    epochs: int = 100  # for the CLI; the live page runs until paused
    clip: str = "norm"  # none | norm (global norm, Keras clipnorm) | value (V. Zhou's np.clip)
    clip_threshold: float = 1.0  # the norm or the value to clip at (changes live)

    @property
    def clip_norm(self) -> float | None:
        return self.clip_threshold if self.clip == "norm" else None

    @property
    def clip_value(self) -> float | None:
        return self.clip_threshold if self.clip == "value" else None


@dataclass
class RunConfig:
    task: TaskConfig = field(default_factory=TaskConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict:
        d = {"task": asdict(self.task), "model": self.model.to_dict(), "train": asdict(self.train)}
        d["task"].pop("data")
        return d

    @classmethod
    def from_dict(cls, d: dict) -> RunConfig:
        for part in ("task", "model", "train"):
            if not isinstance(d.get(part), dict):
                raise ValueError(f"config has no '{part}' section")
        return cls(
            task=_build(TaskConfig, d["task"]),
            model=ModelConfig.from_dict(d["model"]),
            train=_build(TrainConfig, d["train"]),
        )


def _build(cls, d: dict):
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(d) - known)
    if unknown:
        raise ValueError(f"unknown {cls.__name__} field(s): {', '.join(unknown)}")
    return cls(**d)


@dataclass(frozen=True)
class Setting:
    """One row of the table: URL key -> (section, field), with its type and limits."""

    key: str
    section: str  # task | model | train
    field: str
    kind: str  # int | float | bool | choice
    lo: float | None = None
    hi: float | None = None
    choices: tuple = ()
    label: str = ""
    log: bool = False  # a log-scale slider
    live: bool = False  # can change during a run without a new model


SETTINGS: tuple[Setting, ...] = (
    Setting("task", "task", "name", "choice", choices=TASK_NAMES, label="Task"),
    Setting("seq_len", "task", "seq_len", "int", 2, 400, label="Sequence length"),
    Setting("text", "task", "text", "choice", choices=TEXTS, label="Text"),
    Setting("freq", "task", "freq", "float", 0.005, 0.5, label="Sine frequency"),
    Setting("noise", "task", "noise", "float", 0.0, 1.0, label="Noise"),
    Setting("symbols", "task", "n_symbols", "int", 2, 10, label="Symbols"),
    Setting("data_seed", "task", "seed", "int", 0, 2**31 - 1, label="Data seed"),
    Setting("cell", "model", "cell", "choice", choices=CELLS, label="Cell"),
    Setting("hidden", "model", "hidden_size", "int", 1, 512, label="Hidden size"),
    Setting("layers", "model", "num_layers", "int", 1, 4, label="Layers"),
    Setting("bidir", "model", "bidirectional", "bool", label="Bidirectional"),
    Setting("act", "model", "activation", "choice", choices=ACTIVATIONS, label="Activation"),
    Setting("init", "model", "init", "choice", choices=INITS, label="Initialiser"),
    Setting("scale", "model", "init_scale", "float", 0.0, 4.0, label="W_hh scale"),
    Setting("bptt", "model", "bptt_truncate", "int", 0, 400, label="Truncate BPTT (0 = full)"),
    Setting("dtype", "model", "dtype", "choice", choices=DTYPES, label="Precision"),
    Setting("seed", "model", "seed", "int", 0, 2**31 - 1, label="Seed"),
    Setting("opt", "train", "optimizer", "choice", choices=OPTIMIZERS, label="Optimiser"),
    Setting("lr", "train", "lr", "float", 1e-5, 10.0, label="Learning rate", log=True,
            live=True),
    Setting("batch", "train", "batch_size", "int", 1, 512, label="Batch size"),
    Setting("epochs", "train", "epochs", "int", 1, 100_000, label="Epochs"),
    Setting("clip", "train", "clip", "choice", choices=CLIPS, label="Clipping", live=True),
    Setting("clip_at", "train", "clip_threshold", "float", 0.01, 100.0, label="Clip at",
            log=True, live=True),
)
BY_KEY = {s.key: s for s in SETTINGS}


def get(cfg: RunConfig, s: Setting):
    v = getattr(getattr(cfg, s.section), s.field)
    if s.key == "bptt" and v is None:
        return 0
    return v


def with_value(cfg: RunConfig, s: Setting, value) -> RunConfig:
    """A copy of cfg with one setting changed (validated by the section's dataclass)."""
    if s.key == "bptt" and value == 0:
        value = None
    section = replace(getattr(cfg, s.section), **{s.field: value})
    return replace(cfg, **{s.section: section})


def coerce(s: Setting, raw) -> tuple[object, str | None]:
    """Parse and clamp one raw value (str from a URL, or a Python value).

    Returns (value, warning). value is None when raw cannot be used at all.
    """
    text = str(raw).strip()
    if s.kind == "choice":
        if text in s.choices:
            return text, None
        if s.key == "init" and text in RENAMED_INITS:
            new = RENAMED_INITS[text]
            return new, f"init={text[:40]!r} was renamed {new!r}: use init={new}"
        return None, f"{s.key}={text[:40]!r} is not one of {', '.join(s.choices)}: ignored"
    if s.kind == "bool":
        if text.lower() in ("1", "true", "yes", "on"):
            return True, None
        if text.lower() in ("0", "false", "no", "off"):
            return False, None
        return None, f"{s.key}={text[:40]!r} is not true/false: ignored"
    try:
        v = float(text)
    except ValueError:
        return None, f"{s.key}={text[:40]!r} is not a number: ignored"
    if not math.isfinite(v):
        return None, f"{s.key}={text[:40]!r} is not a finite number: ignored"
    if s.kind == "int":
        if v != int(v):
            return None, f"{s.key}={text[:40]!r} is not a whole number: ignored"
        v = int(v)
    clamped = min(max(v, s.lo), s.hi)
    if s.kind == "int":
        clamped = int(clamped)
    if clamped != v:
        return clamped, f"{s.key}={text[:40]} is outside [{_fmt(s.lo)}, {_fmt(s.hi)}]: " \
                        f"clamped to {_fmt(clamped)}"
    return clamped, None


def fmt(v) -> str:
    """A number as it reads in a URL or a warning: 0.01, 1e-05, 50."""
    return f"{v:g}" if isinstance(v, float) else str(v)


_fmt = fmt
LINK_KEYS = ("preset", "hide")  # query keys that are not settings (hide=: ui/links.py)


def to_query(cfg: RunConfig) -> dict[str, str]:
    """Every setting as URL query parameters."""
    out = {}
    for s in SETTINGS:
        v = get(cfg, s)
        if v is None:
            continue
        out[s.key] = ("1" if v else "0") if s.kind == "bool" else _fmt(v)
    return out


def from_query(query: dict, base: RunConfig | None = None) -> tuple[RunConfig, list[str]]:
    """Apply query parameters over base (the app's default preset). Bad keys/values are
    ignored or clamped with a warning each; never raises."""
    cfg = base or preset_config(DEFAULT_PRESET)
    warnings = []
    query = {k: (v[-1] if v else "") if isinstance(v, list) else v for k, v in query.items()}
    preset = query.get("preset")
    if preset is not None:
        pid, renamed = preset_id(preset)
        if pid is not None:
            cfg = preset_config(pid)
            warnings += [f"{renamed}: use ?preset={pid}"] if renamed else []
        else:
            warnings.append(f"preset={str(preset)[:40]!r} is unknown: ignored")
    for key, raw in query.items():
        if key in LINK_KEYS:
            continue
        s = BY_KEY.get(key)
        if s is None:
            warnings.append(f"unknown setting {str(key)[:40]!r}: ignored")
            continue
        value, warn = coerce(s, raw)
        if warn:
            warnings.append(warn)
        if value is None:
            continue
        try:
            cfg = with_value(cfg, s, value)
        except ValueError as e:
            warnings.append(f"{key}: {e}: ignored")
    return cfg, warnings


def default_config() -> RunConfig:
    return RunConfig()


LIVE_DTYPE = "float32"  # the Train page's precision unless its link says otherwise


def live(cfg: RunConfig) -> RunConfig:
    """cfg in the live page's fast mode (float32). float64 stays the default everywhere
    else (the core, the CLI, the experiments): exact gradients and reproducible numbers."""
    return with_value(cfg, BY_KEY["dtype"], LIVE_DTYPE)


# -- lecture presets: shared by the CLI and the app --------------------------------------
V_ZHOU = "Victor Zhou's tutorial"  # *An Introduction to Recurrent Neural Networks for Beginners*
M_SHARMA = "Mayank Sharma's guide"  # *Understanding Recurrent Neural Networks: A Complete Guide*
KERAS = "the Keras tutorial"  # *Recurrent Neural Networks*: the gradient crisis, LSTM/GRU, Keras


@dataclass(frozen=True)
class Preset:
    """A lecture scenario: overrides (by URL key) on the defaults."""

    id: str  # in links (?preset=<id>) and the CLI (--preset <id>)
    title: str
    text: str
    overrides: dict
    hide: tuple[str, ...] = ()  # setting keys a lecturer hides for this lesson


_PRESETS = (
    Preset(
        "sentiment-tutorial", "Sentiment, tutorial recipe",
        f"The from-scratch recipe of {V_ZHOU}: plain SGD (lr 0.02), one sentence at a time, "
        "weights randn/1000, every gradient clipped to [-1, 1], 1000 epochs. Slow but it "
        "gets there.",
        {"task": "sentiment", "cell": "rnn", "hidden": 64, "init": "randn1000", "opt": "sgd",
         "lr": 0.02, "batch": 1, "clip": "value", "clip_at": 1.0, "epochs": 1000},
    ),
    Preset(
        "sentiment-modern", "Sentiment, modern recipe",
        f"The same network and data as {V_ZHOU}; Adam, an orthogonal W_hh and global-norm "
        f"clipping (clipnorm, as in {KERAS}) learn it in a few dozen epochs.",
        {"task": "sentiment", "cell": "rnn", "hidden": 64, "init": "orthogonal", "opt": "adam",
         "lr": 0.01, "batch": 4, "clip": "norm", "clip_at": 1.0, "epochs": 100},
    ),
    Preset(
        "hello-world", "Hello world (character model)",
        f"The character-level language model of {M_SHARMA} on 'hello world': predict the "
        "next character, then generate text one character at a time. The guide cuts "
        "3-character windows; then a window's first 'l' may be followed by 'l', 'o' or 'd' "
        "and the loss cannot reach 0. One 10-character window gives every step its full "
        "context.",
        {"task": "charlm", "text": "hello", "seq_len": 10, "cell": "rnn", "hidden": 10,
         "init": "xavier", "opt": "adam", "lr": 0.05, "batch": 4, "clip": "norm",
         "clip_at": 5.0, "epochs": 200},
    ),
    Preset(
        "sine", "Sine forecasting",
        f"The time-series recipe of {KERAS}: min-max scaled sine, sliding windows of 20 "
        "steps, predict the next value (MSE).",
        {"task": "sine", "seq_len": 20, "freq": 0.04, "noise": 0.02, "cell": "rnn",
         "hidden": 32, "init": "orthogonal", "opt": "adam", "lr": 0.01, "batch": 32,
         "clip": "norm", "clip_at": 1.0, "epochs": 100},
    ),
    Preset(
        "vanishing", "Vanishing gradients",
        "A long sequence (adding problem, 100 steps) and a small W_hh (orthogonal x 0.6): "
        "||dL/dh_t|| shrinks like 0.6^k back through time, so early steps barely learn.",
        {"task": "adding", "seq_len": 100, "cell": "rnn", "hidden": 32, "init": "orthogonal",
         "scale": 0.6, "opt": "adam", "lr": 0.003, "batch": 32, "clip": "norm",
         "clip_at": 1.0, "epochs": 50},
        hide=("opt", "lr"),  # the lesson is W_hh and T, not the optimiser
    ),
    Preset(
        "exploding", "Exploding gradients",
        "W_hh = 1.5 x an orthogonal matrix, ReLU, plain SGD and no clipping: gradients "
        "grow back through time until an update blows the weights up.",
        {"task": "adding", "seq_len": 50, "cell": "rnn", "hidden": 32, "act": "relu",
         "init": "orthogonal", "scale": 1.5, "opt": "sgd", "lr": 0.05, "batch": 32,
         "clip": "none", "epochs": 50},
        hide=("opt", "lr"),  # a lower lr or Adam would hide the explosion
    ),
    Preset(
        "clipping", "Clipping rescues it",
        "The exploding setting again, with the gradient's global norm clipped at 1 "
        f"(clipnorm=1.0, as in {KERAS}): the same run now trains.",
        {"task": "adding", "seq_len": 50, "cell": "rnn", "hidden": 32, "act": "relu",
         "init": "orthogonal", "scale": 1.5, "opt": "sgd", "lr": 0.05, "batch": 32,
         "clip": "norm", "clip_at": 1.0, "epochs": 50},
    ),
    Preset(
        "lstm-memory", "LSTM remembers",
        "The adding problem over 50 steps with an LSTM: its cell state carries the two "
        "marked numbers to the end where a vanilla RNN forgets them.",
        {"task": "adding", "seq_len": 50, "cell": "lstm", "hidden": 32, "init": "xavier",
         "opt": "adam", "lr": 0.01, "batch": 32, "clip": "norm", "clip_at": 1.0,
         "epochs": 60},
    ),
)
PRESETS: dict[str, Preset] = {p.id: p for p in _PRESETS}  # id -> preset, in lecture order
RENAMED_PRESETS = {"seed003-tutorial": "sentiment-tutorial",  # old id -> id; old links work
                   "seed003-modern": "sentiment-modern"}
DEFAULT_PRESET = "sentiment-modern"  # what the app opens with
CHOICE_LABELS = {"init": {"randn1000": f"randn/1000 ({V_ZHOU})"}}  # key -> value -> on screen


def choice_label(key: str, value) -> str:
    """How a choice of setting ``key`` reads in a select box (the value itself by default)."""
    return CHOICE_LABELS.get(key, {}).get(value, str(value))


def preset_id(name: str) -> tuple[str | None, str | None]:
    """(the preset's id, a note if ``name`` is an old id) for a name from a link or the CLI;
    (None, None) when no preset has that name."""
    name = str(name)
    if name in PRESETS:
        return name, None
    if name in RENAMED_PRESETS:
        new = RENAMED_PRESETS[name]
        return new, f"preset {name[:40]!r} was renamed {new!r}"
    return None, None


def preset_config(name: str) -> RunConfig:
    """The defaults with a preset's overrides applied (old ids work too)."""
    pid, _ = preset_id(name)
    if pid is None:
        raise ValueError(f"preset must be one of {', '.join(PRESETS)}; got {name!r}")
    cfg = default_config()
    for key, value in PRESETS[pid].overrides.items():
        cfg = with_value(cfg, BY_KEY[key], value)
    return cfg
