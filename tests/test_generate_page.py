"""pages/generate_text.py through Streamlit's AppTest: texts, live buttons, sampling controls."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from apptest import chart_specs, live_frame, metric, open_page, trainer_passes, wait_until
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
    return metric(at, label)  # the live element's status row


def _charts(at: AppTest) -> list[dict]:
    return chart_specs(at)


def _task(at: AppTest, title: str) -> dict:
    """The frame's task view whose title starts with `title`."""
    return next(t for t in live_frame(at)["task"] if t["title"].startswith(title))


def _sample(at: AppTest) -> str:
    return _task(at, "A sample")["code"]


def _notes(at: AppTest) -> str:
    return " ".join(t.get("text", "") for t in live_frame(at)["task"])


def _trained(steps: int = 40) -> TrainingRun:
    run = TrainingRun(tg.source_config("hello"))
    for _ in range(steps):
        run.step()
    return run


def test_loads_hello_world_with_its_own_run():
    at = _app()
    run = at.session_state[RUN]
    assert run.task.text == "hello world" and "train:run" not in at.session_state
    assert at.radio(key="generate:source").value == "hello"
    assert _metric(at, "Uniform guess") == "8" and _metric(at, "Epoch") == "0"
    titles = [c["layout"]["title"]["text"] for c in _charts(at)]
    assert titles[0] == "Perplexity per character" and titles[2].startswith("Position 1:")
    assert _sample(at).startswith("h") and len(_sample(at)) == 1 + 120
    assert "Empty prompt" in _notes(at)


def test_step_play_pause_reset_and_perplexity():
    at = _click(_app(), "Step")
    run = at.session_state[RUN]
    assert run.epoch == 1
    h = run.history[-1]
    assert _metric(at, "Test perplexity") == f"{np.exp(h['test_loss']):.3f}"
    assert _metric(at, "Train perplexity") == f"{np.exp(h['train_loss']):.3f}"
    at = _click(at, "Play")
    assert at.session_state[PLAYING] is True
    assert wait_until(lambda: run.epoch > 1), "the training thread did not train the run"
    at = _click(at, "Pause")
    epoch = run.epoch
    trainer_passes()
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
    assert "skipped" in _notes(at) and "`<`" in _notes(at)
    at.slider(key="generate:n").set_value(30).run()
    assert len(_sample(_ok(at))) == 3 + 30
    at.slider(key="generate:position").set_value(30).run()
    assert _charts(_ok(at))[2]["layout"]["title"]["text"].startswith("Position 30:")
    text = _sample(at)
    assert _task(at, "Read so far")["code"] == text[: 3 + 30 - 1][-40:]  # what it had read
    table = _task(at, "Position 30")["table"]
    picked = [row for row in table["rows"] if row[2] == "✓"]
    assert table["columns"] == ["char", "p", "picked"]
    assert len(picked) == 1 and picked[0][0] in (text[3 + 29], "␣", "↵")
    at.slider(key="generate:n").set_value(10).run()  # the position follows a shorter sample
    assert _ok(at).slider(key="generate:position").value == 10
    at.text_input(key="generate:prompt").set_value("###").run()
    assert "None of the prompt" in _notes(_ok(at))


def test_presentation_mode_makes_figures_bigger():
    small, big = _charts(_app()), _charts(_app(presentation=True))
    assert len(small) == len(big) == 3
    for s, b in zip(small, big, strict=True):
        assert b["layout"]["font"]["size"] > s["layout"]["font"]["size"]
        assert b["layout"]["height"] > s["layout"]["height"]
