"""The Cell page's logic: presets, editable tables <-> arrays, one step with every term.

Pure NumPy/pandas, no Streamlit. Every number shown comes from `rnnviz.core.cells`
(`Cell.step`); this module only slices, labels and formats what the cell returned.

Conventions: row vectors, h_t = act(x_t W_xh + h_{t-1} W_hh + b_h); time steps t = 1..T;
units and input components counted from 0 ("unit 0", "x[0]"), as on the other pages.
Gated cells keep PyTorch's gate order: LSTM (i, f, g, o), GRU (r, z, n).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from rnnviz import numbers
from rnnviz.core.cells import make_cell
from rnnviz.core.config import ModelConfig
from rnnviz.core.init import param_shapes
from rnnviz.lessons.worked_examples import EXAMPLES, WorkedExample, slips

CELLS = {"rnn": "Vanilla RNN", "lstm": "LSTM", "gru": "GRU"}
ACTIVATIONS = ("tanh", "relu", "sigmoid")
PRESETS = {"three-units": "3 units (Mayank Sharma's guide)",  # id (in links) -> label
           "one-unit": "One unit (the Keras tutorial)"}
SYMBOLS = {"rnn": (), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
GATE_TITLES = {"i": "input gate", "f": "forget gate", "g": "cell candidate", "o": "output gate",
               "r": "reset gate", "z": "update gate", "n": "candidate"}
SOURCE_NOTES = {"one-unit": ". It calls the weights W_in (our W_xh) and W_hid (our W_hh) and "
                          "has no bias, so b_h = 0; its h_{t-1} = 0.1 is our h_0"}
LIMIT = 1000.0  # |value| allowed in the tables: keeps every activation finite
RANDOM_RANGE = 0.6  # gated presets: weights uniform in [-0.6, 0.6], rounded to 2 decimals


# -- setups -------------------------------------------------------------------------------
@dataclass
class Setup:
    """Everything one step-through needs. arrays: W_xh (D, G*H), W_hh (H, G*H), b_h (G*H,),
    [b_hn (H,) GRU], xs (T, D), h0 (H,)."""

    kind: str  # "rnn", "lstm" or "gru"
    activation: str  # vanilla cell only; gated cells use sigmoid / tanh by definition
    arrays: dict[str, np.ndarray]
    name: str  # the preset: "three-units", "one-unit", "lstm-seed0", ...
    source: str  # one line saying where the numbers come from
    example: WorkedExample | None = field(default=None, repr=False)  # the tutorial's numbers

    @property
    def params(self) -> dict[str, np.ndarray]:
        return {k: v for k, v in self.arrays.items() if k not in ("xs", "h0")}

    @property
    def T(self) -> int:
        return self.arrays["xs"].shape[0]

    @property
    def D(self) -> int:
        return self.arrays["xs"].shape[1]

    @property
    def H(self) -> int:
        return self.arrays["h0"].shape[0]

    def same_numbers(self, other: Setup) -> bool:
        """True when every table holds exactly the other setup's numbers."""
        return self.arrays.keys() == other.arrays.keys() and all(
            np.array_equal(v, other.arrays[k]) for k, v in self.arrays.items())


def preset(kind: str, choice: str | int = "three-units", activation: str = "tanh") -> Setup:
    """The vanilla presets are the tutorials' examples (choice "three-units" / "one-unit"); gated
    cells get small random weights from np.random.default_rng(choice) and the 3-unit inputs."""
    if kind == "rnn":
        ex = EXAMPLES[choice]()
        arrays = {"W_xh": ex.W_xh, "W_hh": ex.W_hh, "b_h": ex.b_h, "xs": ex.xs, "h0": ex.h0}
        return Setup(kind, activation, {k: v.astype(float) for k, v in arrays.items()},
                     str(choice), ex.source + SOURCE_NOTES.get(str(choice), ""), ex)
    seed = int(choice)
    ex = EXAMPLES["three-units"]()
    cfg = ModelConfig(cell=kind, input_size=ex.xs.shape[1], hidden_size=ex.W_hh.shape[0])
    rng = np.random.default_rng(seed)
    arrays = {k: np.round(rng.uniform(-RANDOM_RANGE, RANDOM_RANGE, s), 2)
              for k, s in param_shapes(cfg).items() if k not in ("W_hy", "b_y")}
    arrays |= {"xs": ex.xs.copy(), "h0": np.zeros(cfg.hidden_size)}
    source = (f"weights and biases: np.random.default_rng({seed}).uniform(-{RANDOM_RANGE}, "
              f"{RANDOM_RANGE}), rounded to 2 decimals; inputs x_1..x_3: those of {ex.short}")
    return Setup(kind, "tanh", arrays, f"{kind}-seed{seed}", source)


# -- editable tables ----------------------------------------------------------------------
@dataclass
class Table:
    """One editable table: each row is a slice of one array. rows: (label, array name,
    row index or None for a 1-D array, first column, number of columns)."""

    key: str
    title: str
    columns: list[str]
    rows: list[tuple[str, str, int | None, int, int]]

    def _cells(self, arrays: dict, label_row: tuple) -> np.ndarray:
        _, name, r, c0, n = label_row
        a = arrays[name]
        return a[c0 : c0 + n] if r is None else a[r, c0 : c0 + n]

    def frame(self, setup: Setup) -> pd.DataFrame:
        data = [self._cells(setup.arrays, row) for row in self.rows]
        return pd.DataFrame(np.array(data, dtype=float), index=[r[0] for r in self.rows],
                            columns=self.columns)

    def read(self, df) -> tuple[np.ndarray | None, list[str]]:
        """(values (rows, cols) or None, errors naming the table and each bad cell)."""
        shape = (len(self.rows), len(self.columns))
        if not isinstance(df, pd.DataFrame) or df.shape != shape:
            got = getattr(df, "shape", type(df).__name__)
            return None, [f"**{self.title}** must keep {shape[0]} rows and {shape[1]} columns "
                          f"(got {got})."]
        errors = []
        values = np.empty(shape)
        for i in range(shape[0]):
            for j in range(shape[1]):
                raw = df.iat[i, j]
                where = f"**{self.title}**, row {self.rows[i][0]}, column {self.columns[j]}"
                v = _number(raw)
                if v is None:
                    what = "is empty" if _blank(raw) else f"holds {str(raw)!r}, not a number"
                    errors.append(f"{where} {what}.")
                elif not abs(v) <= LIMIT:
                    errors.append(f"{where}: {raw} is outside [-{LIMIT:g}, {LIMIT:g}].")
                else:
                    values[i, j] = v
        return (None, errors) if errors else (values, [])

    def write(self, arrays: dict, values: np.ndarray) -> None:
        for row, v in zip(self.rows, values, strict=True):
            self._cells(arrays, row)[:] = v


def _blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or (
        isinstance(raw, float) and np.isnan(raw)) or raw is pd.NA


def _number(raw) -> float | None:
    if _blank(raw) or isinstance(raw, bool):
        return None
    try:
        return float(str(raw).strip()) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        return None


def tables(setup: Setup) -> list[list[Table]]:
    """The editable tables, grouped into the page's rows: what goes in (x_t, h_0), then the
    cell's parameters (vanilla: W_xh, W_hh, b_h; gated: one table per gate, LSTM 2 + 2)."""
    D, H, T = setup.D, setup.H, setup.T
    units = [f"unit {j}" for j in range(H)]
    inputs = [f"x[{k}]" for k in range(D)]
    first = [
        Table("xs", "Inputs $x_t$", inputs, [(f"x_{t + 1}", "xs", t, 0, D) for t in range(T)]),
        Table("h0", "Initial state $h_0$", units, [("h_0", "h0", None, 0, H)]),
    ]
    x_rows = [(f"x[{k}]", "W_xh", k, 0, H) for k in range(D)]
    h_rows = [(f"h[{k}]", "W_hh", k, 0, H) for k in range(H)]
    if setup.kind == "rnn":
        return [first, [Table("W_xh", "$W_{xh}$", units, x_rows),
                        Table("W_hh", "$W_{hh}$", units, h_rows),
                        Table("b_h", "$b_h$", units, [("b_h", "b_h", None, 0, H)])]]
    gates = []
    for g, s in enumerate(SYMBOLS[setup.kind]):
        c0 = g * H
        rows = ([(lab, n, r, c0, H) for lab, n, r, _, _ in x_rows + h_rows]
                + [("b_h", "b_h", None, c0, H)])
        if s == "n":
            rows.append(("b_hn", "b_hn", None, 0, H))
        gates.append(Table(f"gate_{s}", f"${s}$: {GATE_TITLES[s]}", units, rows))
    n_rows = -(-len(gates) // 3)  # at most 3 tables side by side, rows filled evenly
    per_row = -(-len(gates) // n_rows)
    return [first] + [gates[i : i + per_row] for i in range(0, len(gates), per_row)]


def apply_edits(base: Setup, frames: dict, last: Setup | None = None) -> tuple[Setup, list[str]]:
    """The setup the edited tables describe, and the errors found.

    A table with a bad cell is ignored as a whole: its numbers stay as in `last` (the
    previous valid setup), or as in `base` when there is none.
    """
    fallback = last if last is not None and last.arrays.keys() == base.arrays.keys() else base
    arrays = {k: v.copy() for k, v in fallback.arrays.items()}
    errors = []
    for table in (t for group in tables(base) for t in group):
        if table.key not in frames:
            continue
        values, errs = table.read(frames[table.key])
        if errs:
            errors += errs
        else:
            table.write(arrays, values)
    return replace(base, arrays=arrays), errors


# -- stepping -----------------------------------------------------------------------------
def run(setup: Setup) -> list[dict]:
    """Cell.step through xs; per t = 1..T a dict of 1-D arrays: every term the cell returned
    plus its inputs x, h_prev (and c_prev for the LSTM)."""
    cell = make_cell(setup.kind, setup.activation)
    p = setup.params
    h = setup.arrays["h0"][None]  # (1, H)
    c = np.zeros_like(h) if cell.has_c else None
    out = []
    for x_t in setup.arrays["xs"]:
        terms = cell.step(x_t[None], h, p, c_prev=c)
        step = {k: np.asarray(v).reshape(-1).copy() for k, v in terms.items()}
        step |= {"x": x_t.copy(), "h_prev": h.reshape(-1).copy()}
        if c is not None:
            step["c_prev"] = c.reshape(-1).copy()
            c = terms["c"]
        out.append(step)
        h = terms["h"]
    return out


def gate_values(setup: Setup, step: dict) -> dict[str, np.ndarray]:
    """symbol -> (H,) gate activation, from the names Cell.step uses."""
    names = make_cell(setup.kind).gate_names
    return {s: step[n] for s, n in zip(SYMBOLS[setup.kind], names, strict=True)}


@dataclass
class StepView:
    """What the page shows for step t."""

    t: int
    table: pd.DataFrame  # the step: rows = terms (vanilla) or gates and states (gated)
    latex: str  # the equations with this step's numbers
    bars: pd.DataFrame  # rows drawn as bars per unit
    gate_terms: dict[str, pd.DataFrame]  # gated: symbol -> every term of that gate
    note: tuple[str, str] | None  # ("success" | "warning" | "info", markdown) vs the tutorial
    compare: pd.DataFrame | None  # the tutorial's printed numbers vs ours at t (rows in pairs)
    slipped: list[dict]  # the slips at t (entries of worked.slips)


ACT_TEX = {"tanh": r"\tanh", "relu": r"\operatorname{ReLU}", "sigmoid": r"\sigma"}
TERM_LABELS = {"x_W_xh": "x_t W_xh", "h_W_hh": "h_{t-1} W_hh", "b_h": "+ b_h",
               "pre": "= pre-activation a_t", "h": "h_t"}


def view(setup: Setup, t: int, base: Setup | None = None) -> StepView:
    """Step t (1-based) of setup; base is the unedited preset (to compare with the tutorial)."""
    steps = run(setup)
    t = min(max(int(t), 1), len(steps))
    s = steps[t - 1]
    H = setup.H
    units = [f"unit {j}" for j in range(H)]
    gate_terms: dict[str, pd.DataFrame] = {}
    if setup.kind == "rnn":
        labels = dict(TERM_LABELS, h=f"h_t = {setup.activation}(a_t)")
        table = pd.DataFrame([s[k] for k in labels], index=list(labels.values()), columns=units)
        bars = table.rename(index={labels["pre"]: "a_t", labels["b_h"]: "b_h",
                                   labels["h"]: "h_t"})
        latex = _latex_rnn(setup, s, t)
    else:
        g = gate_values(setup, s)
        rows = {"h_{t-1}": s["h_prev"]}
        if setup.kind == "lstm":
            rows["c_{t-1}"] = s["c_prev"]
        rows |= {f"{k}_t  {GATE_TITLES[k]}": v for k, v in g.items()}
        if setup.kind == "lstm":
            rows["c_t  cell state"] = s["c"]
        rows["h_t  hidden state"] = s["h"]
        table = pd.DataFrame(list(rows.values()), index=list(rows), columns=units)
        bars = table.iloc[1 if setup.kind == "gru" else 2 :].rename(index=lambda r: r.split()[0])
        for k, sym in enumerate(SYMBOLS[setup.kind]):
            blk = slice(k * H, (k + 1) * H)
            terms = {"x_t W_xh": s["x_W_xh"][blk], "h_{t-1} W_hh": s["h_W_hh"][blk],
                     "b_h": s["b_h"][blk]}
            if sym == "n":
                terms["b_hn"] = setup.arrays["b_hn"]
            terms["pre-activation a_t"] = s["pre"][blk]
            terms[f"{sym}_t"] = g[sym]
            gate_terms[sym] = pd.DataFrame(list(terms.values()), index=list(terms),
                                           columns=units)
        latex = _latex_gated(setup, s, g, t)
    note, compare, slipped = _seed_note(setup, steps, t, base)
    return StepView(t, table, latex, bars, gate_terms, note, compare, slipped)


# -- the tutorial's printed numbers--------------------------------------------------------
SEED_TERMS = {"x_W_xh": "x_t W_xh", "h_W_hh": "h_{t-1} W_hh", "pre": "pre-activation",
              "h": "h_t"}
TEX_TERMS = {"x_W_xh": "x_t W_{xh}", "h_W_hh": "h_{t-1} W_{hh}", "pre": "a_t", "h": "h_t"}
SEED_SAYS = {"x_W_xh": "W_xh @ x_{t}", "h_W_hh": "W_hh @ h_{p}", "pre": "h_{t}_pre",
             "h": "h_{t}"}  # how the tutorial writes each term


def _seed_note(setup, steps, t, base):
    ex = setup.example
    if ex is None or base is None:
        return None, None, []
    who = ex.short
    Who = who[0].upper() + who[1:]  # at the start of a sentence
    changed, fixes = [], []
    if not setup.same_numbers(base):
        changed.append("you edited the tables")
        fixes.append("press **Reset numbers**")
    if setup.activation != "tanh":
        changed.append(f"the tutorial uses tanh, not {setup.activation}")
        fixes.append("choose tanh")
    if changed:
        return ("info", f"These are no longer the numbers of {who} ({'; '.join(changed)}), "
                f"so there is nothing to compare with it: {' and '.join(fixes)} to get them "
                "back."), None, []
    if t not in ex.printed:
        last = max(ex.printed)
        return ("info", f"{Who} stops at t = {last}; from here on the numbers are the cell's "
                "alone."), None, []
    found = [d for d in slips(ex, steps) if d["t"] == t]
    printed = ex.printed[t]
    compare = _compare_frame(printed, steps[t - 1], setup.H)
    h_seed = printed["h"]
    places = max(len(repr(v).split(".")[-1]) for v in h_seed)
    h_ours = [round(float(v), places) for v in steps[t - 1]["h"]]
    says = {k: v.format(t=t, p=t - 1) for k, v in SEED_SAYS.items()}
    if not found:
        return ("success", f"Matches {who}: it prints $h_{t}$ = {_plain(h_seed)}; the "
                f"cell gives {_plain(steps[t - 1]['h'], 4)}, which rounds to the same."), \
            compare, []
    first = found[0]["term"]
    wrong = [d for d in found if d["term"] == first]
    items = " and ".join(f"**{d['printed']:g}** (unit {d['unit']})" for d in wrong)
    right = " and ".join(f"**{d['computed']:.3f}**" for d in wrong)
    later = [SEED_TERMS[k] for k in dict.fromkeys(d["term"] for d in found)
             if k not in (first, "h")]
    its_h = f"its $h_{t}$ = {_plain(h_seed)}; the correct $h_{t}$ = **{_plain(h_ours)}**"
    if any(d["term"] == "h" for d in found):
        carry = "The slip carries into " + " and ".join([f"its {x}" for x in later] + [its_h])
    else:
        carry = f"Its $h_{t}$ = {_plain(h_seed)} still agrees with ours after rounding"
    text = (f"Where {who} slips at t = {t}: in `{says[first]}` (our ${TEX_TERMS[first]}$) "
            f"it prints {items}; the products are {right}. {carry}.")
    return ("warning", text), compare, found


def _compare_frame(printed: dict, step: dict, H: int) -> pd.DataFrame:
    rows, index = [], []
    for term, values in printed.items():
        index += [f"{SEED_TERMS[term]}: printed", f"{SEED_TERMS[term]}: cell"]
        rows += [list(values), list(step[term][:H])]
    return pd.DataFrame(rows, index=index, columns=[f"unit {j}" for j in range(H)])


def compare_style(v: StepView):
    """The comparison table styled: the tutorial's numbers as printed, ours to 4 decimals, the
    slipped cells highlighted."""
    df = v.compare
    seed_rows = [r for r in df.index if r.endswith(": printed")]
    cell_rows = [r for r in df.index if r.endswith(": cell")]
    bad = {(SEED_TERMS[d["term"]], d["unit"]) for d in v.slipped}

    def colour(col: pd.Series) -> list[str]:
        j = int(col.name.split()[-1])
        return ["background-color: #FBD9A5; font-weight: bold"
                if (r.rsplit(":", 1)[0], j) in bad else "" for r in col.index]

    return (df.style.format("{:g}", subset=(seed_rows, df.columns))
            .format("{:.4f}", subset=(cell_rows, df.columns)).apply(colour, axis=0))


def _plain(v, d: int | None = None) -> str:
    if len(v) == 1:
        return f"{v[0]:g}" if d is None else f"{v[0]:.{d}f}"
    return "[" + ", ".join(f"{x:g}" if d is None else f"{x:.{d}f}" for x in v) + "]"


# -- LaTeX with the numbers ---------------------------------------------------------------
def _vec(v, fixed: bool = True) -> str:
    v = np.asarray(v).reshape(-1)
    if v.size == 1:
        return numbers.decimals3(v[0], fixed)
    cells = " & ".join(numbers.decimals3(x, fixed) for x in v)
    return r"\begin{bmatrix}" + cells + r"\end{bmatrix}"


def _mat(M) -> str:
    M = np.atleast_2d(M)
    if M.size == 1:
        return numbers.decimals3(M[0, 0])
    body = r" \\ ".join(" & ".join(numbers.decimals3(x) for x in row) for row in M)
    return r"\begin{bmatrix}" + body + r"\end{bmatrix}"


def _times(a, M, fixed: bool) -> str:
    """x W with the numbers: juxtaposed matrices, or a x b for scalars."""
    op = r" \times " if np.size(M) == 1 else r"\,"
    return f"{_vec(a, fixed)}{op}{_mat(M)}"


def _latex_rnn(setup: Setup, s: dict, t: int) -> str:
    p, act = setup.params, ACT_TEX[setup.activation]
    ht, hp, xt, at = f"h_{{{t}}}", f"h_{{{t - 1}}}", f"x_{{{t}}}", f"a_{{{t}}}"
    lines = [
        f"{xt} W_{{xh}} &= {_times(s['x'], p['W_xh'], False)} = {_vec(s['x_W_xh'])}",
        f"{hp} W_{{hh}} &= {_times(s['h_prev'], p['W_hh'], t > 1)} = {_vec(s['h_W_hh'])}",
        f"{at} &= {xt} W_{{xh}} + {hp} W_{{hh}} + b_h",
        f"&= {_vec(s['x_W_xh'])} + {_vec(s['h_W_hh'])} + {_vec(s['b_h'], False)}",
        f"&= {_vec(s['pre'])}",
        f"{ht} &= {act}({at}) = {_vec(s['h'])}",
    ]
    return r"\begin{aligned}" + r" \\[6pt] ".join(lines) + r"\end{aligned}"


def _latex_gated(setup: Setup, s: dict, g: dict, t: int) -> str:
    """The gate equations once in symbols, then each gate with its numbers. No line holds more
    than three vectors, so it fits a projector."""
    H, syms = setup.H, SYMBOLS[setup.kind]
    hp, ht, cp, ct = f"h_{{{t - 1}}}", f"h_{{{t}}}", f"c_{{{t - 1}}}", f"c_{{{t}}}"
    plain = [k for k in syms if k != "n"]
    lines = [f"a^{{(k)}}_{{{t}}} &= x_{{{t}}} W^{{(k)}}_{{xh}} + {hp} W^{{(k)}}_{{hh}} + "
             f"b^{{(k)}}_h, \\quad k \\in \\{{{', '.join(plain)}\\}}"]
    if setup.kind == "gru":
        lines.append(f"a^{{(n)}}_{{{t}}} &= x_{{{t}}} W^{{(n)}}_{{xh}} + b^{{(n)}}_h + "
                     f"r_{{{t}}} \\odot ({hp} W^{{(n)}}_{{hh}} + b_{{hn}})")
    for k, sym in enumerate(syms):
        f = r"\tanh" if sym in ("g", "n") else r"\sigma"
        pre = s["pre"][k * H : (k + 1) * H]
        lines.append(f"{sym}_{{{t}}} &= {f}(a^{{({sym})}}_{{{t}}}) = {f}\\left({_vec(pre)}\\right)"
                     f" = {_vec(g[sym])}")
    if setup.kind == "lstm":
        i, f_, gg, o = (g[k] for k in syms)
        lines += [
            f"{ct} &= f_{{{t}}} \\odot {cp} + i_{{{t}}} \\odot g_{{{t}}} = {_vec(f_)} \\odot "
            f"{_vec(s['c_prev'])}",
            f"&\\quad + {_vec(i)} \\odot {_vec(gg)}",
            f"&= {_vec(s['c'])}",
            f"{ht} &= o_{{{t}}} \\odot \\tanh({ct}) = {_vec(o)} \\odot "
            f"\\tanh\\left({_vec(s['c'])}\\right)",
            f"&= {_vec(s['h'])}",
        ]
    else:
        z, n = g["z"], g["n"]
        lines += [
            f"{ht} &= (1 - z_{{{t}}}) \\odot n_{{{t}}} + z_{{{t}}} \\odot {hp}",
            f"&= \\left(1 - {_vec(z)}\\right) \\odot {_vec(n)}",
            f"&\\quad + {_vec(z)} \\odot {_vec(s['h_prev'])}",
            f"&= {_vec(s['h'])}",
        ]
    return r"\begin{aligned}" + r" \\[6pt] ".join(lines) + r"\end{aligned}"
