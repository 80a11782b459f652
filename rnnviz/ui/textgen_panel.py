"""The Generate page's sampling controls around its live run (ui/player.Player)."""

from __future__ import annotations

import streamlit as st

from rnnviz.lessons import textgen as tg
from rnnviz.train.run import TrainingRun
from rnnviz.ui import links
from rnnviz.ui.player import Player

POS = "generate:position"
SEED = "generate:seed"

SOURCE = "generate:source"  # "hello", "bundled" or "custom" (the radio; links.start)


def _from_link() -> TrainingRun:
    """The first run: the link's source (your own text is never in a link)."""
    source = st.session_state.get(SOURCE)
    return TrainingRun(tg.source_config(source if source in ("hello", "bundled") else "hello"))


GENERATE = Player("generate", tg.TextgenScene(), _from_link)


def controls(big: bool) -> tuple:
    """Prompt, length, temperature, greedy, a New-sample button (a new seed) and the
    position whose next-character distribution is shown: the scene's view options."""
    ss = st.session_state
    if big:  # two rows, so the labels fit on a projector
        r1 = st.columns(3, vertical_alignment="bottom")
        r2 = st.columns([1, 1, 2], vertical_alignment="bottom")
        c = [r1[0], r1[1], r2[0], r1[2], r2[1]]
    else:
        c = st.columns([2.4, 1.8, 1.4, 1.8, 1.8], vertical_alignment="bottom")
    c = [links.place("generate", k, where) for k, where in zip(
        ("prompt", "temp", "greedy", "n", "sample"), c, strict=True)]
    prompt = c[0].text_input("Prompt to continue", key="generate:prompt", max_chars=500,
                             placeholder="empty: the text's first character")
    greedy = c[2].toggle("Greedy", key="generate:greedy", help="always pick the most likely")
    temp = c[1].slider("Temperature", 0.1, 2.0, step=0.05, key="generate:temperature",
                       disabled=greedy, help="p = softmax(logits / temperature)")
    n = c[3].slider("Characters to generate", 10, 400, step=10, key="generate:n")
    c[4].button("New sample", icon=":material/casino:", width="stretch", disabled=greedy,
                on_click=lambda: ss.update({SEED: ss.get(SEED, 0) + 1}))
    ss[POS] = min(ss.get(POS, 1), n)
    pos = links.place("generate", "pos").slider("Show the distribution at position", 1, n,
                                                key=POS)
    links.finish("generate")
    return (("prompt", prompt), ("n", n), ("temperature", temp), ("greedy", greedy),
            ("seed", ss.get(SEED, 0)), ("pos", pos))
