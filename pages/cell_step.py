"""Cell page: one time step of a vanilla RNN, LSTM or GRU, every term with its numbers."""

from __future__ import annotations

import streamlit as st

from rnnviz import prose
from rnnviz.figures.cellwalk_charts import step_bars
from rnnviz.lessons import cellwalk as sp
from rnnviz.ui import links
from rnnviz.ui.livechart import chart

ss = st.session_state
NUMBER = st.column_config.NumberColumn(width=64)  # any precision; 3 columns fit side by side
st.set_page_config(layout="wide")


def move(by: int, T: int) -> None:
    ss.cell_t = min(max(ss.get("cell_t", 1) + by, 1), T)


def reset() -> None:  # new editor keys: every table back to the preset
    ss.cell_nonce = ss.get("cell_nonce", 0) + 1


def at(key: str, column):  # the column, or nowhere if the link hides this control
    return links.place("cell", key, column)


links.start("cell")  # the link's cell, example, activation, seed and step
st.title("One step of a cell, number by number")
c1, c2, c3, c4 = st.columns([2.4, 2.8, 2.4, 2], vertical_alignment="bottom")

kind = at("cell", c1).radio("Cell", list(sp.CELLS), format_func=sp.CELLS.get, horizontal=True,
                            key="cell_kind")
if kind == "rnn":
    choice = at("example", c2).selectbox("Example", list(sp.PRESETS),
                                         format_func=sp.PRESETS.get, key="cell_preset")
    act = at("act", c3).radio("Activation", sp.ACTIVATIONS, horizontal=True, key="cell_act")
else:
    choice = at("seed", c2).number_input("Seed of the random weights", 0, 9999, key="cell_seed")
    act = "tanh"
c4.button("Reset numbers", on_click=reset, width="stretch")
base = sp.preset(kind, choice, act)
tag = f"{base.name}:{ss.get('cell_nonce', 0)}"

st.caption(f"{prose.text('cell', 'convention')} "
           f"{prose.text('cell', 'gates') if kind != 'rnn' else ''}")
st.caption(f"Numbers from {base.source}. Edit any cell: the step below follows.")
frames = {}
for group in sp.tables(base):
    cols = st.columns([len(table.columns) + 1 for table in group])
    for col, table in zip(cols, group, strict=True):
        col.markdown(f"**{table.title}**")
        frames[table.key] = col.data_editor(
            table.frame(base), key=f"cell_ed:{tag}:{table.key}", num_rows="fixed",
            width="stretch", column_config=dict.fromkeys(table.columns, NUMBER))
setup, errors = sp.apply_edits(base, frames, ss.get(f"cell_last:{tag}"))
ss[f"cell_last:{tag}"] = setup
if errors:
    st.error("Please enter a number in each of these cells:\n"
             + "\n".join(f"- {e}" for e in errors)
             + "\n\nUntil then the step below uses the last valid numbers of that table.")

T = setup.T
t = ss["cell_t"] = min(ss.get("cell_t", 1), T)
links.finish("cell")
n1, n2, n3 = st.columns([1, 1, 5], vertical_alignment="center")
n1, n2 = at("t", n1), at("t", n2)
n1.button("◀ Previous", on_click=move, args=(-1, T), disabled=t <= 1, width="stretch")
n2.button("Next ▶", on_click=move, args=(1, T), disabled=t >= T, width="stretch")
n3.subheader(f"Step t = {t} of {T}", anchor=False)

v = sp.view(setup, t, base)
st.latex(v.latex)
if v.note:
    getattr(st, v.note[0])(v.note[1])
big = ss.get("presentation", False)  # projector: the figure gets the full width
left, right = (st.container(), st.container()) if big else st.columns(2)
left.dataframe(v.table.style.format(precision=4), width="stretch")
chart(step_bars(v.bars, f"The terms of step {t}, unit by unit", big=big), key="cell_bars",
      where=right)
if v.compare is not None:
    with st.expander("The tutorial's printed numbers next to the cell's", expanded=bool(v.slipped)):
        st.dataframe(sp.compare_style(v), width="stretch")
if v.gate_terms:
    with st.expander("Every term of each gate"):
        for col, (sym, df) in zip(st.columns(len(v.gate_terms)), v.gate_terms.items(),
                                  strict=True):
            col.markdown(f"**{sym}: {sp.GATE_TITLES[sym]}**")
            col.dataframe(df.style.format(precision=4), width="stretch")
st.markdown({"rnn": prose.text("cell", "rnn"), "lstm": prose.text("cell", "lstm"),
             "gru": prose.text("cell", "gru")}[kind])
