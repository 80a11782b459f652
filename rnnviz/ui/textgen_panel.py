"""The text-generation page's live panel: perplexity, the sample and one position's choice."""

from __future__ import annotations

import streamlit as st

from rnnviz.figures import textgen_charts as fig
from rnnviz.lessons import textgen as tg
from rnnviz.tasks import display_char
from rnnviz.ui.livechart import chart
from rnnviz.ui.pagerun import columns

POS = "generate:position"
SEED = "generate:seed"


def controls(big: bool) -> tuple[str, int, float, bool, int]:
    """Prompt, length, temperature, greedy and a New-sample button (a new seed).
    Returns (prompt, n, temperature, greedy, seed)."""
    ss = st.session_state
    if big:  # two rows, so the labels fit on a projector
        r1 = st.columns(3, vertical_alignment="bottom")
        r2 = st.columns([1, 1, 2], vertical_alignment="bottom")
        c = [r1[0], r1[1], r2[0], r1[2], r2[1]]
    else:
        c = st.columns([2.4, 1.8, 1.4, 1.8, 1.8], vertical_alignment="bottom")
    prompt = c[0].text_input("Prompt to continue", key="generate:prompt", max_chars=500,
                             placeholder="empty: the text's first character")
    greedy = c[2].toggle("Greedy", key="generate:greedy", help="always pick the most likely")
    temp = c[1].slider("Temperature", 0.1, 2.0, 1.0, 0.05, key="generate:temperature",
                       disabled=greedy, help="p = softmax(logits / temperature)")
    n = c[3].slider("Characters to generate", 10, 400, 120, 10, key="generate:n")
    c[4].button("New sample", icon=":material/casino:", width="stretch", disabled=greedy,
                on_click=lambda: ss.update({SEED: ss.get(SEED, 0) + 1}))
    return prompt, n, temp, greedy, ss.get(SEED, 0)


def draw(run, prompt: str, n: int, temperature: float, greedy: bool, seed: int,
         big: bool) -> None:
    """Metrics, the perplexity curve, a fresh sample from the current model, and the
    next-character distribution at a chosen position of that sample."""
    pp = tg.perplexity_frame(run.history)
    h = pp.iloc[-1] if len(pp) else None
    V = len(run.task.vocab)
    m = st.columns(4)
    m[0].metric("Epoch", run.epoch)
    m[1].metric("Train perplexity", f"{h['train']:.3f}" if h is not None else "–")
    m[2].metric("Test perplexity", f"{h['test']:.3f}" if h is not None else "–")
    m[3].metric("Uniform guess", V, help="the perplexity of p = 1/V for every character")
    g = tg.generate(run.model, run.task, prompt, n, temperature, greedy, seed)
    s, vocab = g.sample, run.task.vocab
    left, right = columns([2, 3], big)
    chart(fig.perplexity_figure(pp, V, big=big), key="gen_perplexity", where=left)
    if note := tg.overfit_note(pp, V):
        left.caption(note)
    right.code(s.prompt + s.text, language=None, wrap_lines=True)
    if g.note:
        right.caption(g.note)
    chart(fig.sample_strip(s.prompt, s.text, s.chosen_p, s.probs, vocab, big=big),
          key="gen_strip", where=right)
    st.session_state[POS] = min(st.session_state.get(POS, 1), n)
    pos = st.slider("Show the distribution at position", 1, n, key=POS)
    table = tg.next_char_table(g, vocab, pos)
    how = " (greedy: the largest)" if greedy else f" (softmax(logits / {temperature:g}))"
    left, right = columns([3, 2], big)
    chart(fig.next_char_bars(table, pos, how, big=big), key="gen_bars", where=left)
    right.markdown(f"**Read so far** (the last 40 characters before position {pos}):")
    right.code((s.prompt + s.text)[: len(s.prompt) + pos - 1][-40:], language=None)
    shown = table[(table.index < 8) | table["picked"]]  # the 8 most likely and the pick
    right.dataframe(shown.assign(char=[display_char(c) for c in shown["char"]])
                    [["char", "p", "picked"]], hide_index=True, width="stretch",
                    column_config={"p": st.column_config.NumberColumn(format="%.4f")})
