"""The one page table: app.py's navigation and the Home page's links are both made from it.

Page files are named apart from their URL paths (train_live.py serves /train): a file
pages/train.py would be run as a legacy page, without app.py, on a deep link to /train as
the first request of a fresh server.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    file: str  # below the project folder
    url: str  # the URL path ("" for Home)
    title: str  # in the navigation
    icon: str  # a Material icon name
    section: str  # the navigation's group
    blurb: str = ""  # the Home page's link text (Markdown); "" = not linked from Home


PAGES = (
    Page("pages/home.py", "", "Home", "home", "Explore"),
    Page("pages/train_live.py", "train", "Train (live)", "play_circle", "Explore",
         "**Train (live)**: press Play, watch it learn"),
    Page("pages/watch_lecturer.py", "watch", "Watch the lecturer", "cast_for_education",
         "Explore", "**Watch the lecturer**: follow a shared run"),
    Page("pages/cell_step.py", "cell", "Cell, step by step", "calculate", "Explore",
         "**Cell**: one time step with every number"),
    Page("pages/unrolled_view.py", "unrolled", "Unrolled network", "linear_scale", "Explore",
         "**Unrolled**: the network through time"),
    Page("pages/gradient_lab.py", "gradients", "Gradient lab", "science", "Experiments",
         "**Gradient lab**: vanishing and exploding"),
    Page("pages/compare_cells.py", "compare", "RNN vs LSTM vs GRU", "compare_arrows",
         "Experiments", "**RNN vs LSTM vs GRU**: who remembers"),
    Page("pages/sentiment_lab.py", "sentiment", "Sentiment", "sentiment_satisfied",
         "Experiments", "**Sentiment**: a many-to-one RNN, word by word"),
    Page("pages/generate_text.py", "generate", "Generate text", "edit_note", "Experiments",
         "**Generate text**: a character model"),
    Page("pages/encoder_decoder.py", "seq2seq", "Encoder-decoder", "swap_horiz", "Experiments",
         "**Encoder-decoder**: a sequence in, a sequence out"),
    Page("pages/about_sources.py", "about", "About / sources", "menu_book", "About",
         "**About / sources**: the four tutorials behind the pages"),
)


def by_url(url: str) -> Page:
    return next(p for p in PAGES if p.url == url)
