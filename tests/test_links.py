"""Every view a link (lessons/pagelinks.py, ui/links.py): each page's settings go into the
URL and a fresh session opened on that URL shows the same view; hostile links fall back with
a warning; hide= hides named controls and 'Show all controls' brings them back."""

from __future__ import annotations

import pytest
from apptest import chart_specs, open_app

from rnnviz.lessons import pagelinks
from rnnviz.train import settings as cf

FILES = {"train": "pages/train_live.py", "gradients": "pages/gradient_lab.py",
         "compare": "pages/compare_cells.py", "sentiment": "pages/sentiment_lab.py",
         "generate": "pages/generate_text.py", "cell": "pages/cell_step.py",
         "unrolled": "pages/unrolled_view.py"}

# page -> widgets to set (kind, session key, value) and the query they must give
ROUND_TRIPS = {
    "gradients": ([("radio", "lab_cell", "gru"), ("slider", "lab_T", 37),
                   ("select_slider", "lab_H", 8), ("select_slider", "lab_xs", 0.1),
                   ("number_input", "lab_seed", 7), ("slider", "lab_value", 1.5),
                   ("select_slider", "lab_clip", 5.0)],
                  {"cell": "gru", "T": "37", "H": "8", "xs": "0.1", "seed": "7",
                   "value": "1.5", "clip": "5"}),
    "compare": ([("selectbox", "compare:task", "copy"), ("slider", "compare:seq_len", 20),
                 ("select_slider", "compare:hidden", 16), ("number_input", "compare:seed", 3),
                 ("slider", "compare:budget", 5)],
                {"task": "copy", "seq_len": "20", "hidden": "16", "seed": "3", "budget": "5"}),
    "sentiment": ([("selectbox", "sentiment:every", 50),
                   ("text_input", "sentiment:text", "not good at all")],
                  {"every": "50", "text": "not good at all"}),
    "generate": ([("radio", "generate:source", "bundled"),
                  ("slider", "generate:temperature", 0.5), ("toggle", "generate:greedy", True),
                  ("slider", "generate:n", 60), ("text_input", "generate:prompt", "Four"),
                  ("slider", "generate:position", 9)],
                 {"source": "bundled", "temp": "0.5", "greedy": "1", "n": "60",
                  "prompt": "Four", "pos": "9"}),
    "cell": ([("selectbox", "cell_preset", "one-unit"), ("radio", "cell_act", "relu")],
             {"example": "one-unit", "act": "relu"}),
    "unrolled": ([("radio", "unrolled_pattern", "one-to-many"), ("slider", "unrolled_walk", 3),
                  ("selectbox", "unrolled_sample", 1)],
                 {"pattern": "one-to-many", "walk": "3", "sample": "1"}),
}


def query(at) -> dict[str, str]:
    return {k: (v[-1] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def widget(at, kind: str, key: str):
    return getattr(at, kind)(key=key)


def warnings(at) -> str:
    return " ".join(w.value for w in at.warning)


def shown_keys(at) -> set[str]:
    kinds = ("slider", "select_slider", "radio", "selectbox", "number_input", "toggle",
             "text_input", "button")
    return {w.key for kind in kinds for w in getattr(at, kind) if w.key}


@pytest.mark.parametrize("page", list(ROUND_TRIPS))
def test_a_copied_link_opens_the_same_view_in_a_fresh_session(page):
    changes, expected = ROUND_TRIPS[page]
    at = open_app(FILES[page])
    assert query(at) == {}, "an untouched page links its defaults: no query"
    for kind, key, value in changes:
        widget(at, kind, key).set_value(value).run()
        assert not at.exception, at.exception
    link = query(at)
    assert expected.items() <= link.items(), link
    fresh = open_app(FILES[page], query=link)
    for kind, key, value in changes:
        assert widget(fresh, kind, key).value == value, key
    assert "Link:" not in warnings(fresh)
    assert query(fresh) == link


def test_the_training_pages_build_their_run_from_the_link():
    at = open_app(FILES["compare"], query={"task": "copy", "seq_len": "12", "hidden": "8"})
    c = at.session_state["compare:run"]
    assert (c.settings.task, c.settings.seq_len, c.settings.hidden) == ("copy", 12, 8)
    at = open_app(FILES["sentiment"], query={"recipe": "tutorial"})
    assert at.session_state["sentiment:run"].cfg.train.optimizer == "sgd"
    assert at.selectbox(key="sentiment:every").value == 100  # the tutorial recipe's own
    at = open_app(FILES["generate"], query={"source": "bundled"})
    assert at.session_state["generate:run"].cfg.task.text == "bundled"
    at = open_app(FILES["unrolled"], query={"cell": "gru", "hidden": "8", "walk": "2"})
    run = at.session_state["train:run"]
    assert (run.cfg.model.cell, run.cfg.model.hidden_size) == ("gru", 8)
    assert at.slider(key="unrolled_walk").value == 2
    assert {"cell": "gru", "hidden": "8", "walk": "2"}.items() <= query(at).items()


HOSTILE = {"zzz": "1", "<script>": "x", "hide": "nothing-here," * 200}


@pytest.mark.parametrize("page", list(FILES))
def test_a_hostile_link_falls_back_with_a_warning(page):
    links = pagelinks.PAGES[page].links
    bad = dict(HOSTILE)
    for link in links:  # every setting at its worst: garbage, far out of range, huge
        bad[link.key] = {"choice": "<b>x</b>", "bool": "maybe", "text": "x" * 100_000,
                         "int": "1e12", "float": "-inf"}[link.kind]
    at = open_app(FILES[page], query=bad)
    assert not at.exception
    text = warnings(at)
    assert "unknown setting" in text and "names no control" in text
    for link in links:
        assert f"{link.key}" in text, link.key
    assert len(at.warning) >= len(links) + 2


def test_a_link_with_a_thousand_unknown_keys_shows_a_count_not_a_thousand_warnings():
    at = open_app(FILES["cell"], query={f"k{i}": "1" for i in range(1000)})
    assert not at.exception
    assert len(at.warning) == 21 and "980 more parts" in at.warning[-1].value


def test_out_of_range_values_are_clamped_and_snapped():
    at = open_app(FILES["gradients"], query={"T": "99999", "H": "5", "value": "1.03",
                                             "cell": "tree"})
    assert at.slider(key="lab_T").value == 400
    assert at.select_slider(key="lab_H").value == 4
    assert at.slider(key="lab_value").value == pytest.approx(1.05)
    assert at.radio(key="lab_cell").value == "rnn"
    text = warnings(at)
    assert "clamped to 400" in text and "not offered" in text and "not one of" in text


def test_custom_text_is_not_linked_and_says_so():
    at = open_app(FILES["generate"], query={"source": "custom"})
    assert "not one of hello, bundled" in warnings(at)
    assert at.session_state["generate:run"].cfg.task.text == "hello"
    assert "pasted text cannot go in a link" in pagelinks.PAGES["generate"].note
    assert "Uploaded sentences cannot go in a link" in pagelinks.PAGES["sentiment"].note


@pytest.mark.parametrize("page,hide,gone", [
    ("gradients", "H,input_scale,clip_at", {"lab_H", "lab_xs", "lab_clip"}),
    ("compare", "budget,seed", {"compare:budget", "compare:seed"}),
    ("generate", "temperature,greedy", {"generate:temperature", "generate:greedy"}),
    ("cell", "activation,step", {"cell_act"}),
    ("unrolled", "pattern", {"unrolled_pattern"}),
    ("sentiment", "recipe,text", {"sentiment:tutorial", "sentiment:modern",
                                  "sentiment:text"}),
])
def test_hide_hides_named_controls_and_show_all_brings_them_back(page, hide, gone):
    every = shown_keys(open_app(FILES[page]))
    assert gone <= every
    at = open_app(FILES[page], query={"hide": hide})
    assert not gone & shown_keys(at)
    assert (every - gone) - {"rnnviz_copylink"} <= shown_keys(at) | {f"links:{page}:show_toggle"}
    assert query(at)["hide"]  # a copied link keeps hiding them
    at.toggle(key=f"links:{page}:show_toggle").set_value(True).run()
    assert gone <= shown_keys(at)


def test_hidden_controls_keep_the_links_values():
    at = open_app(FILES["gradients"], query={"T": "25", "hide": "T"})
    assert "lab_T" not in shown_keys(at)
    assert at.session_state["lab_T"] == 25
    assert query(at) == {"T": "25", "hide": "T"}
    shown = open_app(FILES["gradients"], query={"T": "25"})
    assert chart_specs(at) == chart_specs(shown)  # the lab measured T = 25 all the same
    assert chart_specs(at) != chart_specs(open_app(FILES["gradients"]))


def sidebar_labels(at) -> set[str]:
    return {w.label for kind in ("slider", "select_slider", "selectbox", "toggle")
            for w in getattr(at.sidebar, kind)}


def test_train_hides_the_issues_example_and_a_presets_hide_field():
    at = open_app(FILES["train"], query={"preset": "sine", "hide": "optimizer,lr,init"})
    labels = sidebar_labels(at)
    assert not {"Optimiser", "Learning rate", "Initialiser"} & labels
    assert {"Hidden size", "Show all controls"} <= labels
    assert query(at)["hide"] == "opt,lr,init"
    run = at.session_state["train:run"]
    assert run.cfg.train.optimizer == "adam" and run.cfg.train.lr == 0.01  # the preset's
    at.toggle(key="links:train:show_toggle").set_value(True).run()
    assert {"Optimiser", "Learning rate", "Initialiser"} <= sidebar_labels(at)
    assert at.session_state["train:run"] is run  # showing them builds nothing new

    assert cf.PRESETS["vanishing"].hide == ("opt", "lr")
    at = open_app(FILES["train"], query={"preset": "vanishing"})
    assert not {"Optimiser", "Learning rate"} & sidebar_labels(at)
    at = open_app(FILES["train"])
    assert {"Optimiser", "Learning rate"} <= sidebar_labels(at)
    assert "Show all controls" not in sidebar_labels(at)
    at.selectbox(key="preset_pick").set_value("exploding").run()  # the sidebar's picker
    assert not {"Optimiser", "Learning rate"} & sidebar_labels(at)
    assert query(at)["hide"] == "opt,lr"


def test_leaving_a_page_and_coming_back_keeps_its_settings():
    at = open_app(FILES["gradients"], query={"T": "25", "cell": "lstm"})
    at.switch_page(FILES["cell"]).run()
    assert not at.exception
    at.radio(key="cell_kind").set_value("lstm").run()
    at.switch_page(FILES["gradients"]).run()
    assert at.slider(key="lab_T").value == 25 and at.radio(key="lab_cell").value == "lstm"
    at.switch_page(FILES["cell"]).run()
    assert at.radio(key="cell_kind").value == "lstm"
    assert "unknown setting" not in warnings(at)


def test_every_default_reads_back_unchanged():
    """The table's defaults and options are values coerce accepts as they are."""
    for page in pagelinks.PAGES.values():
        keys = [link.widget for link in page.links]
        assert len(set(keys)) == len(keys)
        for link in page.links:
            for value in (link.default, *link.choices):
                if value is None:
                    continue
                assert pagelinks.coerce(link, pagelinks.to_text(link, value)) == (value, None)


def test_the_copy_buttons_javascript_parses(tmp_path):
    """copylink.js is an ES module (components v2 imports its default export)."""
    import shutil
    import subprocess

    from rnnviz.ui import links

    assert shutil.which("node"), "node is needed to parse the JavaScript"
    module = tmp_path / "copylink.mjs"
    module.write_text(links.JS, encoding="utf-8")
    subprocess.run(["node", "--check", str(module)], check=True, capture_output=True)
