"""The Cell page's logic (rnnviz.lessons.cellwalk): numbers, notes, tables, validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import rnnviz
from rnnviz.lessons import cellwalk as sp
from rnnviz.lessons.worked_examples import run_example, sharma_three_units


def model_like(setup: sp.Setup) -> rnnviz.Model:
    """A one-layer Model holding the setup's weights."""
    cfg = rnnviz.ModelConfig(cell=setup.kind, input_size=setup.D, hidden_size=setup.H,
                             output_size=1, readout="all", activation=setup.activation)
    m = rnnviz.Model(cfg)
    for k, v in setup.params.items():
        m.params[k][:] = v
    return m


def trace_of(setup: sp.Setup):
    h0 = setup.arrays["h0"][None, None]  # (layers, B, H)
    return model_like(setup).trace(setup.arrays["xs"][None], h0=h0).top[0]


def frames_of(setup: sp.Setup) -> dict[str, pd.DataFrame]:
    return {t.key: t.frame(setup) for group in sp.tables(setup) for t in group}


# -- the numbers ----------------------------------------------------------------------------
def test_seed000_steps_equal_the_models_forward_pass():
    setup = sp.preset("rnn", "three-units")
    steps = sp.run(setup)
    tr = trace_of(setup)
    assert len(steps) == 3
    np.testing.assert_allclose(np.stack([s["h"] for s in steps]), tr.h[:, 0], atol=1e-14)
    np.testing.assert_allclose(np.stack([s["pre"] for s in steps]), tr.pre[:, 0], atol=1e-14)
    for s, ref in zip(steps, run_example(sharma_three_units()), strict=True):  # test_seeds' numbers
        for k in ("x_W_xh", "h_W_hh", "pre", "h", "h_prev"):
            np.testing.assert_array_equal(s[k], ref[k])
    np.testing.assert_array_equal(np.round(steps[0]["h"], 2), [0.42, 0.29, 0.38])
    np.testing.assert_array_equal(np.round(steps[1]["h"], 2), [0.24, 0.63, 0.73])
    # every term adds up: x W_xh + h W_hh + b_h is the pre-activation the cell used
    for s in steps:
        np.testing.assert_allclose(s["x_W_xh"] + s["h_W_hh"] + s["b_h"], s["pre"], atol=1e-14)


@pytest.mark.parametrize("act", sp.ACTIVATIONS)
def test_each_activation_equals_the_model(act):
    setup = sp.preset("rnn", "three-units", act)
    steps = sp.run(setup)
    np.testing.assert_allclose(np.stack([s["h"] for s in steps]), trace_of(setup).h[:, 0],
                               atol=1e-14)


def test_activation_changes_h():
    hs = {a: sp.view(sp.preset("rnn", "three-units", a), 1).table.iloc[-1].to_numpy()
          for a in sp.ACTIVATIONS}
    np.testing.assert_allclose(hs["relu"], [0.45, 0.30, 0.40])  # relu of a_1 = [0.45, 0.3, 0.4]
    assert not np.allclose(hs["tanh"], hs["sigmoid"])
    assert not np.allclose(hs["tanh"], hs["relu"])


def test_seed002_scalar_preset():
    setup = sp.preset("rnn", "one-unit")
    assert setup.T == 1 and setup.H == 1
    v = sp.view(setup, 1, setup)
    col = v.table["unit 0"]
    assert col["x_t W_xh"] == pytest.approx(0.4)
    assert col["h_{t-1} W_hh"] == pytest.approx(0.05)
    assert col["= pre-activation a_t"] == pytest.approx(0.45)
    assert round(col["h_t = tanh(a_t)"], 2) == 0.42
    kind, text = v.note
    assert kind == "success" and "0.42" in text
    assert r"0.5 \times 0.8 = 0.400" in v.latex


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("seed", [0, 7])
def test_gates_equal_a_model_trace(kind, seed):
    setup = sp.preset(kind, seed)
    assert setup.example is None and f"default_rng({seed})" in setup.source
    np.testing.assert_array_equal(setup.arrays["xs"], sharma_three_units().xs)  # the seed's inputs
    tr = trace_of(setup)
    steps = sp.run(setup)
    names = dict(zip(sp.SYMBOLS[kind], rnnviz.Model(rnnviz.ModelConfig(cell=kind)).cell.gate_names,
                     strict=True))
    for t, s in enumerate(steps):
        gates = sp.gate_values(setup, s)
        assert list(gates) == list(sp.SYMBOLS[kind])  # PyTorch order
        for sym, name in names.items():
            np.testing.assert_allclose(gates[sym], tr.gates[name][t, 0], atol=1e-14)
        np.testing.assert_allclose(s["h"], tr.h[t, 0], atol=1e-14)
        if kind == "lstm":
            np.testing.assert_allclose(s["c"], tr.c[t, 0], atol=1e-14)
        v = sp.view(setup, t + 1)
        for sym in sp.SYMBOLS[kind]:  # the table shows the cell's gate values
            row = next(r for r in v.table.index if r.startswith(f"{sym}_t"))
            np.testing.assert_array_equal(v.table.loc[row].to_numpy(), gates[sym])
            assert f"{sym}_{{{t + 1}}} &=" in v.latex
        assert v.note is None and not v.gate_terms[sp.SYMBOLS[kind][0]].empty


def test_gru_candidate_shows_b_hn_and_lstm_shows_c():
    gru = sp.view(sp.preset("gru", 0), 2)
    assert "b_hn" in gru.gate_terms["n"].index and "b_{hn}" in gru.latex
    np.testing.assert_array_equal(gru.gate_terms["n"].loc["b_hn"], sp.preset("gru", 0)
                                  .arrays["b_hn"])
    lstm = sp.view(sp.preset("lstm", 0), 2)
    assert "c_t  cell state" in lstm.table.index and "c_{t-1}" in lstm.table.index
    np.testing.assert_array_equal(lstm.table.loc["c_{t-1}"], sp.run(sp.preset("lstm", 0))[0]["c"])


# -- the tutorial's slip ------------------------------------------------------------------------
def test_seed000_slip_at_t2_is_shown_from_worked_slips():
    base = sp.preset("rnn", "three-units")
    v = sp.view(base, 2, base)
    kind, text = v.note
    assert kind == "warning"
    for s in ("0.096", "0.081", "0.106", "0.097", "[0.23, 0.63, 0.73]", "[0.24, 0.63, 0.73]"):
        assert s in text, s
    assert "W_hh @ h_1" in text
    assert {(d["term"], d["unit"]) for d in v.slipped} >= {("h_W_hh", 0), ("h_W_hh", 2)}
    assert ("h_W_hh", 1) not in {(d["term"], d["unit"]) for d in v.slipped}
    assert "0.106" in v.latex and "0.097" in v.latex
    # the comparison table: printed next to computed, the slipped cells coloured
    cmp = v.compare
    assert cmp.loc["h_{t-1} W_hh: printed", "unit 0"] == 0.096
    assert round(cmp.loc["h_{t-1} W_hh: cell", "unit 0"], 3) == 0.106
    html = sp.compare_style(v).to_html()
    assert html.count("background-color") >= 1 and "0.1063" in html


def test_seed000_t1_matches_and_t3_is_beyond_the_seed():
    base = sp.preset("rnn", "three-units")
    kind, text = sp.view(base, 1, base).note
    assert kind == "success" and "[0.42, 0.29, 0.38]" in text
    kind, text = sp.view(base, 3, base).note
    assert kind == "info" and "stops at t = 2" in text


def test_slip_note_goes_when_numbers_are_not_the_seeds():
    base = sp.preset("rnn", "three-units")
    frames = frames_of(base)
    frames["W_hh"].iloc[0, 0] = 0.31
    edited, errors = sp.apply_edits(base, frames)
    assert not errors and not edited.same_numbers(base)
    kind, text = sp.view(edited, 2, base).note
    assert kind == "info" and "no longer" in text and "0.096" not in text
    relu = sp.preset("rnn", "three-units", "relu")
    kind, text = sp.view(relu, 2, relu).note
    assert kind == "info" and "tanh" in text
    # typing the tutorial's number back restores the comparison
    frames["W_hh"].iloc[0, 0] = 0.3
    back, _ = sp.apply_edits(base, frames)
    assert sp.view(back, 2, base).note[0] == "warning"


# -- tables and edits -----------------------------------------------------------------------
@pytest.mark.parametrize("kind,choice", [("rnn", "three-units"), ("rnn", "one-unit"), ("lstm", 0),
                                         ("gru", 3)])
def test_tables_round_trip(kind, choice):
    base = sp.preset(kind, choice)
    frames = frames_of(base)
    for df in frames.values():
        assert df.index.is_unique and not df.isna().any().any()
    setup, errors = sp.apply_edits(base, frames)
    assert not errors and setup.same_numbers(base)
    # every array element appears in exactly one table cell
    n_cells = sum(df.size for df in frames.values())
    assert n_cells == sum(a.size for a in base.arrays.values())


def test_w_xh_is_the_seeds_matrix_transposed():
    frame = frames_of(sp.preset("rnn", "three-units"))["W_xh"]
    assert frame.shape == (2, 3)  # (D, H): rows x[k], columns units
    np.testing.assert_array_equal(frame.to_numpy(), [[0.5, 0.2, -0.1], [-0.3, 0.4, 0.6]])


def test_gate_tables_slice_the_right_blocks():
    base = sp.preset("lstm", 0)
    H = base.H
    f = frames_of(base)["gate_f"]  # forget gate: the second block of columns
    np.testing.assert_array_equal(f.loc["h[1]"], base.arrays["W_hh"][1, H : 2 * H])
    np.testing.assert_array_equal(f.loc["x[0]"], base.arrays["W_xh"][0, H : 2 * H])
    np.testing.assert_array_equal(f.loc["b_h"], base.arrays["b_h"][H : 2 * H])


@pytest.mark.parametrize("kind,choice,key", [("rnn", "three-units", "W_hh"),
                                             ("rnn", "three-units", "xs"),
                                             ("lstm", 0, "gate_o"), ("gru", 0, "gate_n")])
def test_edits_produce_new_numbers(kind, choice, key):
    base = sp.preset(kind, choice)
    frames = frames_of(base)
    frames[key].iloc[-1, -1] += 0.5
    edited, errors = sp.apply_edits(base, frames)
    assert not errors
    before, after = sp.run(base), sp.run(edited)
    assert not np.allclose(before[-1]["h"], after[-1]["h"])
    np.testing.assert_allclose(np.stack([s["h"] for s in after]), trace_of(edited).h[:, 0],
                               atol=1e-14)


def test_h0_edit_is_used():
    base = sp.preset("rnn", "three-units")
    frames = frames_of(base)
    frames["h0"].iloc[0] = [0.1, 0.2, 0.3]
    edited, _ = sp.apply_edits(base, frames)
    s = sp.run(edited)[0]
    np.testing.assert_array_equal(s["h_prev"], [0.1, 0.2, 0.3])
    np.testing.assert_allclose(s["h"], trace_of(edited).h[0, 0])


@pytest.mark.parametrize("bad,message", [(None, "is empty"), (np.nan, "is empty"),
                                         ("", "is empty"), ("abc", "not a number"),
                                         (np.inf, "outside"), (1e9, "outside")])
def test_bad_cells_are_named_and_the_last_valid_numbers_stay(bad, message):
    base = sp.preset("rnn", "three-units")
    frames = frames_of(base)
    frames["W_hh"].iloc[0, 0] = 0.9  # a valid edit first
    last, errors = sp.apply_edits(base, frames)
    assert not errors
    frames["W_hh"] = frames["W_hh"].astype(object)
    frames["W_hh"].iloc[1, 2] = bad
    frames["b_h"].iloc[0, 0] = 0.5  # another table, valid: it is used
    setup, errors = sp.apply_edits(base, frames, last)
    assert len(errors) == 1
    assert "W_{hh}" in errors[0] and "row h[1]" in errors[0] and "column unit 2" in errors[0]
    assert message in errors[0]
    np.testing.assert_array_equal(setup.arrays["W_hh"], last.arrays["W_hh"])  # kept
    assert setup.arrays["W_hh"][0, 0] == 0.9
    assert setup.arrays["b_h"][0] == 0.5
    assert np.all(np.isfinite(sp.run(setup)[-1]["h"]))


def test_numeric_strings_are_accepted_and_shape_changes_refused():
    base = sp.preset("rnn", "three-units")
    frames = frames_of(base)
    frames["xs"] = frames["xs"].astype(object)
    frames["xs"].iloc[0, 0] = " 2.5 "
    setup, errors = sp.apply_edits(base, frames)
    assert not errors and setup.arrays["xs"][0, 0] == 2.5
    frames["xs"] = frames["xs"].iloc[:2]  # a row dropped
    setup2, errors = sp.apply_edits(base, frames, setup)
    assert len(errors) == 1 and "3 rows and 2 columns" in errors[0]
    np.testing.assert_array_equal(setup2.arrays["xs"], setup.arrays["xs"])


def test_view_clamps_t():
    base = sp.preset("rnn", "one-unit")
    assert sp.view(base, 3, base).t == 1
    assert sp.view(sp.preset("rnn", "three-units"), 0).t == 1
