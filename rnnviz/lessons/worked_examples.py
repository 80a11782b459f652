"""The tutorials' worked examples as data, reproduced by running our cell on their numbers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rnnviz.core.cells import make_cell


@dataclass
class WorkedExample:
    """Weights in our row convention (h_t = act(x_t W_xh + h_{t-1} W_hh + b_h)) and inputs."""

    name: str
    source: str  # the tutorial in full (title, author) and the section
    short: str  # the tutorial's short name, for sentences after the first mention
    W_xh: np.ndarray  # (D, H)
    W_hh: np.ndarray  # (H, H)
    b_h: np.ndarray  # (H,)
    xs: np.ndarray  # (T, D)
    h0: np.ndarray  # (H,)
    printed: dict = field(default_factory=dict)  # what the tutorial printed, to compare against


def sharma_three_units() -> WorkedExample:
    """Mayank Sharma's 3-unit example. It writes W_xh @ x (column vectors): we transpose."""
    W_xh_col = np.array([[0.5, -0.3], [0.2, 0.4], [-0.1, 0.6]])  # (3, 2) as printed
    W_hh_col = np.array([[0.3, -0.2, 0.1], [0.4, 0.5, -0.3], [-0.2, 0.1, 0.4]])  # (3, 3)
    return WorkedExample(
        name="3 hidden units, 2 inputs",
        source="*Understanding Recurrent Neural Networks: A Complete Guide from Theory to "
               "Practice* (Mayank Sharma), section 'The Mathematics of RNNs'",
        short="Mayank Sharma's guide",
        W_xh=W_xh_col.T.copy(),
        W_hh=W_hh_col.T.copy(),
        b_h=np.array([0.1, -0.1, 0.2]),
        xs=np.array([[1.0, 0.5], [0.8, 1.2], [0.3, 0.9]]),
        h0=np.zeros(3),
        printed={
            1: {"x_W_xh": [0.35, 0.40, 0.20], "pre": [0.45, 0.30, 0.40], "h": [0.42, 0.29, 0.38]},
            2: {"x_W_xh": [0.04, 0.64, 0.64], "h_W_hh": [0.096, 0.199, 0.081],
                "pre": [0.236, 0.739, 0.921], "h": [0.23, 0.63, 0.73]},
        },
    )


def keras_one_unit() -> WorkedExample:
    """The Keras tutorial's scalar example: x = 0.5, h_prev = 0.1, W_in = 0.8, W_hid = 0.5."""
    return WorkedExample(
        name="one unit (scalar)",
        source="*Recurrent Neural Networks* (the tutorial with Keras code), section 'Manual RNN "
               "State Update'",
        short="the Keras tutorial",
        W_xh=np.array([[0.8]]),
        W_hh=np.array([[0.5]]),
        b_h=np.zeros(1),
        xs=np.array([[0.5]]),
        h0=np.array([0.1]),
        printed={1: {"x_W_xh": [0.4], "h_W_hh": [0.05], "pre": [0.45], "h": [0.42]}},
    )


EXAMPLES = {"three-units": sharma_three_units, "one-unit": keras_one_unit}


def run_example(ex: WorkedExample, activation: str = "tanh") -> list[dict]:
    """Step the vanilla cell through ex.xs; one dict of every term per step t = 1..T."""
    cell = make_cell("rnn", activation)
    p = {"W_xh": ex.W_xh, "W_hh": ex.W_hh, "b_h": ex.b_h}
    h = ex.h0[None]
    steps = []
    for x_t in ex.xs:
        terms = cell.step(x_t[None], h, p)
        steps.append({k: np.asarray(v).reshape(-1) for k, v in terms.items()}
                     | {"h_prev": h.reshape(-1).copy()})
        h = terms["h"]
    return steps


def slips(ex: WorkedExample, steps: list[dict]) -> list[dict]:
    """Where the tutorial's printed numbers differ from ours beyond rounding.

    Each entry: step t, term, unit index, printed value, computed value.
    """
    out = []
    for t, printed in ex.printed.items():
        for term, values in printed.items():
            ours = steps[t - 1][term]
            for j, v in enumerate(values):
                places = len(repr(v).split(".")[-1])
                # half a unit in the printed place, plus slack for the tutorial reusing rounded h
                if abs(ours[j] - v) > 0.5 * 10**-places + 0.005:
                    out.append({"t": t, "term": term, "unit": j, "printed": v,
                                "computed": float(ours[j])})
    return out
