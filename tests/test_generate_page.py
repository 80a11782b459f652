"""pages/generate_text.py through Streamlit's AppTest: texts, live buttons, sampling controls."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from apptest import chart_specs, open_page
from streamlit.testing.v1 import AppTest

from rnnviz.lessons import textgen as tg
from rnnviz.tasks import bundled_text
from rnnviz.train.run import TrainingRun

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages/generate_text.py")
RUN, PLAYING = "generate:run", "generate:playing"


def _app(**session) -> AppTest:
    return open_page("pages/generate_text.py", **session)


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


def _click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    return _ok(at)


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _charts(at: AppTest) -> list[dict]:
    return chart_specs(at)


def _sample(at: AppTest) -> str:
    return at.code[0].value


def _trained(steps: int = 40) -> TrainingRun:
    run = TrainingRun(tg.source_config("hello"))
    for _ in range(steps):
        run.step()
    return run


def test_loads_hello_world_with_its_own_run():
    at = _app()
    run = at.session_state[RUN]
    assert run.task.text == "hello world" and "run" not in at.session_state
    assert at.radio(key="generate:source").value == "hello"
    assert _metric(at, "Uniform guess") == "8" and _metric(at, "Epoch") == "0"
    titles = [c["layout"]["title"]["text"] for c in _charts(at)]
    assert titles[0] == "Perplexity per character" and titles[2].startswith("Position 1:")
    assert _sample(at).startswith("h") and len(_sample(at)) == 1 + 120
    assert any("Empty prompt" in c.value for c in at.caption)


def test_step_play_pause_reset_and_perplexity():
    at = _click(_app(), "Step")
    run = at.session_state[RUN]
    assert run.epoch == 1
    h = run.history[-1]
    assert _metric(at, "Test perplexity") == f"{np.exp(h['test_loss']):.3f}"
    assert _metric(at, "Train perplexity") == f"{np.exp(h['train_loss']):.3f}"
    at = _click(at, "Play")
    assert at.session_state[PLAYING] is True
    at.run()
    assert run.epoch > 1
    at = _click(at, "Pause")
    epoch = run.epoch
    at.run()
    assert run.epoch == epoch and at.session_state[PLAYING] is False
    at = _click(at, "Reset")
    assert at.session_state[RUN].epoch == 0 and at.session_state[RUN] is not run


def test_bundled_text_and_pasted_text():
    at = _app()
    at.radio(key="generate:source").set_value("bundled").run()
    _ok(at)
    assert at.session_state[RUN].task.text == bundled_text("gettysburg")
    before = at.session_state[RUN]
    at.radio(key="generate:source").set_value("custom").run()
    assert _ok(at).session_state[RUN] is before  # waits for the button
    for text, message in (("", "text is empty"), ("zzzzzz", "single distinct character"),
                          ("ab" * 100_001, "the limit is 200.0 KB")):
        at.text_area(key="generate:text").set_value(text).run()
        at = _click(at, "Train on this text")
        assert at.session_state[RUN] is before
        assert any(message in e.value and "unchanged" in e.value for e in at.error), message
    at.text_area(key="generate:text").set_value("ça va? 🙂 <b>oui</b> 🙂 ça va!").run()
    at = _click(at, "Train on this text")
    run = at.session_state[RUN]
    assert run is not before and "🙂" in run.task.vocab and not at.error
    assert _metric(at, "Uniform guess") == str(len(run.task.vocab))
    at = _click(at, "Step")
    assert at.session_state[RUN].epoch == 1


def test_temperature_greedy_and_seed_change_the_sample():
    at = _app(**{RUN: _trained(5)})
    first = _sample(at)
    at.slider(key="generate:temperature").set_value(2.0).run()
    hot = _sample(_ok(at))
    assert hot != first
    at = _click(at, "New sample")
    assert _sample(at) != hot
    at.toggle(key="generate:greedy").set_value(True).run()
    run = at.session_state[RUN]
    g = tg.generate(run.model, run.task, "", 120, 1.0, True)
    assert _sample(_ok(at)) == g.sample.prompt + g.sample.text
    assert at.slider(key="generate:temperature").disabled
    assert "greedy" in _charts(at)[2]["layout"]["title"]["text"]


def test_prompt_unknown_characters_and_position():
    at = _app(**{RUN: _trained()})
    at.text_input(key="generate:prompt").set_value("hel<b>").run()
    _ok(at)
    assert _sample(at).startswith("hel")
    assert any("skipped" in c.value and "`<`" in c.value for c in at.caption)
    at.slider(key="generate:n").set_value(30).run()
    assert len(_ok(at).code[0].value) == 3 + 30
    at.slider(key="generate:position").set_value(30).run()
    assert _charts(_ok(at))[2]["layout"]["title"]["text"].startswith("Position 30:")
    text = _sample(at)
    assert at.code[1].value == text[: 3 + 30 - 1][-40:]  # what the model had read
    table = at.dataframe[0].value
    picked = table[table["picked"]]
    assert len(picked) == 1 and picked["char"].item() in (text[3 + 29], "␣", "↵")
    at.slider(key="generate:n").set_value(10).run()  # the position follows a shorter sample
    assert _ok(at).slider(key="generate:position").value == 10
    at.text_input(key="generate:prompt").set_value("###").run()
    assert any("None of the prompt" in c.value for c in _ok(at).caption)


def test_presentation_mode_makes_figures_bigger():
    small, big = _charts(_app()), _charts(_app(presentation=True))
    assert len(small) == len(big) == 3
    for s, b in zip(small, big, strict=True):
        assert b["layout"]["font"]["size"] > s["layout"]["font"]["size"]
        assert b["layout"]["height"] > s["layout"]["height"]
