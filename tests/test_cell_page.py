"""The Cell page through Streamlit's AppTest: stepping, presets, cells, edits, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from apptest import chart_specs
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def run_page(**state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages/cell_step.py"), default_timeout=60)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if label in b.label)


def radio(at: AppTest, label: str):
    return next(r for r in at.radio if r.label == label)


def step_heading(at: AppTest) -> str:
    return next(h.value for h in at.subheader if h.value.startswith("Step t ="))


def step_table(at: AppTest):
    """The step's table: the read-only dataframe whose last row is h_t."""
    return next(d.value for d in at.dataframe
                if d.editing_mode == "read_only" and str(d.value.index[-1]).startswith("h_t"))


def editor(at: AppTest, table: str):
    return next(d for d in at.data_editor if d.key.endswith(f":{table}"))


def edit(at: AppTest, table: str, row: int, column: str, value) -> AppTest:
    at.session_state[editor(at, table).key] = {
        "edited_rows": {row: {column: value}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, at.exception
    return at


def test_loads_with_seed000_at_t1():
    at = run_page()
    assert step_heading(at) == "Step t = 1 of 3"
    assert len(at.data_editor) == 5  # x_t, h_0, W_xh, W_hh, b_h
    assert all(d.editing_mode == "fixed" for d in at.data_editor)  # no rows added or deleted
    w_xh = editor(at, "W_xh").value
    np.testing.assert_array_equal(w_xh.to_numpy(), [[0.5, 0.2, -0.1], [-0.3, 0.4, 0.6]])
    assert list(w_xh.index) == ["x[0]", "x[1]"] and list(w_xh.columns)[0] == "unit 0"
    np.testing.assert_array_equal(np.round(step_table(at).iloc[-1].to_numpy(), 2),
                                  [0.42, 0.29, 0.38])
    assert any("Matches Mayank Sharma's guide" in s.value for s in at.success)
    assert not at.warning and not at.error
    assert button(at, "Previous").disabled and not button(at, "Next").disabled
    assert any("transpose" in c.value for c in at.caption)
    assert r"\tanh" in at.latex[0].value


def test_next_shows_the_slip_and_previous_goes_back():
    at = run_page()
    button(at, "Next").click().run()
    assert not at.exception
    assert step_heading(at) == "Step t = 2 of 3"
    (warning,) = at.warning
    for s in ("0.096", "0.081", "0.106", "0.097", "[0.24, 0.63, 0.73]", "[0.23, 0.63, 0.73]"):
        assert s in warning.value, s
    np.testing.assert_array_equal(np.round(step_table(at).iloc[-1].to_numpy(), 2),
                                  [0.24, 0.63, 0.73])
    assert "h_{1} W_{hh}" in at.latex[0].value and "0.106" in at.latex[0].value
    button(at, "Next").click().run()
    assert step_heading(at) == "Step t = 3 of 3" and button(at, "Next").disabled
    assert not at.warning and any("stops at t = 2" in i.value for i in at.info)
    button(at, "Previous").click().run()
    button(at, "Previous").click().run()
    assert not at.exception and step_heading(at) == "Step t = 1 of 3"
    assert not at.warning


def test_seed002_preset_shows_042():
    at = run_page()
    button(at, "Next").click().run()  # t = 2, then a preset with one step: t goes back to 1
    next(s for s in at.selectbox if s.label == "Example").set_value("one-unit").run()
    assert not at.exception
    assert step_heading(at) == "Step t = 1 of 1"
    table = step_table(at)
    assert table.shape == (5, 1) and round(table.iloc[-1, 0], 2) == 0.42
    assert any("0.42" in s.value for s in at.success)
    assert button(at, "Next").disabled and button(at, "Previous").disabled
    assert "0.45" in at.latex[0].value


def test_switching_activation_changes_h():
    at = run_page()
    h = {}
    for act in ("tanh", "relu", "sigmoid"):
        radio(at, "Activation").set_value(act).run()
        assert not at.exception
        h[act] = step_table(at).iloc[-1].to_numpy()
        assert step_table(at).index[-1] == f"h_t = {act}(a_t)"
    np.testing.assert_allclose(h["relu"], [0.45, 0.30, 0.40])
    assert not np.allclose(h["tanh"], h["sigmoid"])
    # with relu the numbers are not the tutorial's: no slip note at t = 2
    radio(at, "Activation").set_value("relu").run()
    button(at, "Next").click().run()
    assert not at.warning and any("no longer" in i.value for i in at.info)


def test_lstm_and_gru_show_gates():
    at = run_page()
    expected = {"lstm": ["i_t", "f_t", "g_t", "o_t", "c_t"], "gru": ["r_t", "z_t", "n_t"]}
    for kind, rows in expected.items():
        radio(at, "Cell").set_value(kind).run()
        assert not at.exception
        index = [r.split()[0] for r in step_table(at).index]
        assert all(r in index for r in rows), index
        assert len(at.data_editor) == 2 + len(rows) - (kind == "lstm")  # x, h_0, one per gate
        assert r"\sigma" in at.latex[0].value and r"\odot" in at.latex[0].value
        assert any("default_rng(0)" in c.value for c in at.caption)
        button(at, "Next").click().run()
        assert step_heading(at) == "Step t = 2 of 3" and not at.warning
        gates = step_table(at)
        assert ((gates.loc[[r for r in gates.index if r.startswith(("i_t", "f_t", "o_t", "r_t",
                                                                   "z_t"))]] > 0).all().all())
        button(at, "Previous").click().run()
    # another seed, other weights
    before = step_table(at).iloc[-1].to_numpy()
    next(n for n in at.number_input if "Seed" in n.label).set_value(5).run()
    assert not at.exception and not np.allclose(before, step_table(at).iloc[-1].to_numpy())


def test_a_bad_cell_shows_an_error_and_keeps_the_numbers():
    at = run_page()
    button(at, "Next").click().run()
    h_before = step_table(at).iloc[-1].to_numpy()
    edit(at, "W_hh", 1, "unit 2", None)  # the cell emptied
    (error,) = at.error
    assert "W_{hh}" in error.value and "row h[1]" in error.value
    assert "column unit 2" in error.value and "empty" in error.value
    np.testing.assert_array_equal(step_table(at).iloc[-1].to_numpy(), h_before)
    # a valid number: new numbers, and the note no longer claims the tutorial's arithmetic
    edit(at, "W_hh", 1, "unit 2", 0.9)
    assert not at.error and not at.warning
    assert any("no longer the numbers of Mayank Sharma's guide" in i.value for i in at.info)
    assert not np.allclose(step_table(at).iloc[-1].to_numpy(), h_before)
    # Reset numbers: the tutorial's tables and its slip note come back
    button(at, "Reset numbers").click().run()
    assert not at.exception and len(at.warning) == 1 and "0.106" in at.warning[0].value
    np.testing.assert_array_equal(step_table(at).iloc[-1].to_numpy(), h_before)


def test_editing_the_inputs_changes_the_step():
    at = run_page()
    edit(at, "xs", 0, "x[0]", 2.0)
    assert r"x_{1} W_{xh} &= \begin{bmatrix}2 & 0.5\end{bmatrix}" in at.latex[0].value
    assert step_table(at).iloc[0, 0] == pytest.approx(2.0 * 0.5 + 0.5 * -0.3)  # x_1 W_xh[:, 0]


def test_presentation_mode_makes_the_figure_bigger():
    heights = {}
    for big in (False, True):
        at = run_page(presentation=big)
        spec = chart_specs(at)[0]
        heights[big] = spec["layout"]["height"]
    assert heights[True] > heights[False]
