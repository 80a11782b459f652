"""ModelConfig: every setting that defines a network, validated in one place."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

CELLS = ("rnn", "lstm", "gru")
ACTIVATIONS = ("tanh", "relu", "sigmoid")
READOUTS = ("last", "all")
INITS = ("xavier", "orthogonal", "identity", "normal", "randn1000")
RENAMED_INITS = {"seed003": "randn1000"}  # old name -> name (old run files and links work)
DTYPES = ("float64", "float32")
LOSSES = ("cross_entropy", "mse")


@dataclass
class ModelConfig:
    """The architecture of a recurrent network (nanoGPT-style config)."""

    cell: str = "rnn"  # "rnn" (vanilla), "lstm" or "gru"
    input_size: int = 3  # D: size of x_t
    hidden_size: int = 4  # H: size of h_t (per direction)
    output_size: int = 2  # O: size of y_t
    num_layers: int = 1  # stacked layers; layer l+1 reads the h_t of layer l
    bidirectional: bool = False  # a second chain reads the sequence backwards; h_t = [h_fwd; h_rev]
    activation: str = "tanh"  # vanilla RNN only: "tanh", "relu" or "sigmoid"
    readout: str = "last"  # "last": y from the final h (many-to-one); "all": y_t at every step
    init: str = "xavier"  # "xavier", "orthogonal" (W_hh), "identity" (IRNN), "normal", "randn1000"
    init_scale: float = 1.0  # multiplies W_hh after init: sets its spectral radius on purpose
    init_std: float = 0.01  # standard deviation for init="normal"
    bptt_truncate: int | None = None  # None: full BPTT; k: gradient flows back at most k steps
    dtype: str = "float64"  # "float64" (exact, default) or "float32" (fast)
    seed: int = 0  # parameters are drawn from np.random.default_rng(seed)

    def __post_init__(self) -> None:
        self.init = RENAMED_INITS.get(self.init, self.init)
        self.validate()

    def validate(self) -> None:
        """Raise ValueError naming the first bad setting."""
        _choice("cell", self.cell, CELLS)
        _choice("activation", self.activation, ACTIVATIONS)
        _choice("readout", self.readout, READOUTS)
        _choice("init", self.init, INITS)
        _choice("dtype", self.dtype, DTYPES)
        for name in ("input_size", "hidden_size", "output_size", "num_layers"):
            _int_range(name, getattr(self, name), 1, 100_000)
        _int_range("seed", self.seed, 0, 2**32 - 1)
        if not isinstance(self.bidirectional, bool):
            raise ValueError(f"bidirectional must be True or False, got {self.bidirectional!r}")
        for name in ("init_scale", "init_std"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not (0 <= v < 1e6):
                raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
        if self.bptt_truncate is not None:
            _int_range("bptt_truncate", self.bptt_truncate, 1, 10**9)

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ModelConfig:
        """Build from a dict, rejecting unknown keys with a clear message."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown ModelConfig field(s): {', '.join(unknown)}")
        return cls(**d)


def _choice(name: str, value, options) -> None:
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(options)}; got {value!r}")


def _int_range(name: str, value, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not (lo <= value <= hi):
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {value!r}")
