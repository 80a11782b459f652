"""Every page through Streamlit's AppTest: loads, controls act, no exception."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import numpy as np
import pytest
from apptest import chart_specs, live_element, live_frame, metric, open_app, trainer_passes
from streamlit.testing.v1 import AppTest

from rnnviz.train import settings as cf

ROOT = Path(__file__).resolve().parents[1]


def app(page: str | None = None, query: dict | None = None) -> AppTest:
    return open_app(page, query)


def charts(at) -> list[dict]:
    """The plotly specs on the page, in order."""
    return chart_specs(at)


def values(spec) -> np.ndarray:
    """A plotly array from a chart spec: a list, or {"dtype", "bdata"} base64."""
    if isinstance(spec, dict):
        return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.dtype(spec["dtype"]))
    return np.asarray(spec)


def trained(at, timeout: float = 20.0):
    """Wait until the session's run has trained while playing (the trainer thread); its
    run, after the page ran again (as a click or the live element's rerun would)."""
    run = at.session_state["train:run"]
    deadline = time.monotonic() + timeout
    while run.batches == 0 and run.epoch == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert run.batches or run.epoch, "the training thread did not train the run"
    return run


def test_home_has_the_recurrence_the_map_and_every_preset():
    at = app()
    assert any("W_{hh}" in x.value for x in at.latex)
    titles = " ".join(m.value for m in at.markdown)
    for name, preset in cf.PRESETS.items():
        assert preset.title in titles, name
    assert len([b for b in at.button if b.label == "Open"]) == len(cf.PRESETS)


def test_home_preset_card_builds_the_run():
    at = app()
    at.button(key="open_sine").click().run()
    assert not at.exception
    run = at.session_state["train:run"]
    assert run.task.name == "sine" and run.cfg.model.hidden_size == 32


@pytest.mark.parametrize(
    "page", ["pages/train_live.py", "pages/cell_step.py", "pages/unrolled_view.py"])
def test_every_page_loads(page):
    app(page)


def test_play_trains_pause_stops_step_and_reset():
    at = app("pages/train_live.py")
    assert metric(at, "Epoch") == "0"
    at.button[0].click().run()  # Play
    assert at.session_state["train:playing"] is True
    el = live_element(at)
    assert el["playing"] and el["live"].startswith("app/static/live/") and el["every"] > 0
    run = at.session_state["train:run"]
    deadline = time.monotonic() + 30
    while run.epoch < 1 and time.monotonic() < deadline:  # the trainer thread trains it
        time.sleep(0.05)
    at.button[0].click().run()  # Pause
    assert at.session_state["train:playing"] is False
    assert run.epoch > 0 and metric(at, "Epoch") == str(run.epoch)
    assert not live_element(at)["playing"]
    epoch = run.epoch
    trainer_passes()  # paused: the trainer leaves it alone
    at.run()
    assert at.session_state["train:run"].epoch == epoch  # paused: nothing trains
    at.button[1].click().run()  # Step = one epoch
    assert at.session_state["train:run"].epoch == epoch + 1
    at.button[2].click().run()  # Reset
    assert at.session_state["train:run"].epoch == 0 and at.session_state["train:run"] is not run


def test_the_charts_show_the_run():
    at = app("pages/train_live.py")
    at.button[1].click().run()  # Step
    run = at.session_state["train:run"]
    specs = charts(at)
    assert len(specs) == 7  # 6 charts and the compact unrolled network
    loss = specs[0]["data"]
    assert [d["name"] for d in loss] == ["train", "test", "train", "test",
                                         run.task.baseline.label]  # + the no-learning line
    flow = specs[1]["data"][0]
    np.testing.assert_allclose(values(flow["y"]), run.probe_trace.grad_norm, rtol=1e-6)
    heat = specs[2]["data"][0]
    assert heat["zmid"] == 0 and heat["zmin"] == -1 and heat["zmax"] == 1
    assert heat["x"][0].endswith(run.probe.tokens[0][0])
    probe = at.radio(key="probe_sample")  # each sentence by whole words, "…" where cut
    for b, label in enumerate(probe.options):
        words = [w for w in run.probe.tokens[b] if w != "<pad>"]
        shown = label.removesuffix(" …").split()
        assert len(label) <= 40 and shown == words[:len(shown)], label
        assert label.endswith(" …") or shown == words, label


def test_changing_the_model_resets_and_says_so():
    at = app("pages/train_live.py")
    at.button[1].click().run()
    next(s for s in at.slider if s.label == "Hidden size").set_value(16).run()
    assert not at.exception
    run = at.session_state["train:run"]
    assert run.cfg.model.hidden_size == 16 and run.epoch == 0
    assert any("new model" in i.value for i in at.info)
    assert at.query_params["hidden"] in ("16", ["16"])  # the link now carries the setting


def test_learning_rate_and_clipping_change_live():
    at = app("pages/train_live.py")
    at.button[1].click().run()
    run = at.session_state["train:run"]
    next(s for s in at.select_slider if s.label == "Learning rate").set_value(0.001).run()
    assert at.session_state["train:run"] is run and run.epoch == 1 and run.opt.lr == 0.001
    next(s for s in at.selectbox if s.label == "Clipping").set_value("value").run()
    assert at.session_state["train:run"] is run and run.cfg.train.clip == "value"


@pytest.mark.parametrize("task", ["sentiment", "charlm", "sine", "adding", "copy"])
def test_each_task_has_its_own_view(task):
    at = app("pages/train_live.py")
    next(s for s in at.selectbox if s.label == "Task").set_value(task).run()
    at.button[1].click().run()
    assert not at.exception
    assert at.session_state["train:run"].task.name == task
    view = live_frame(at)["task"]
    if task == "sine":
        assert len(chart_specs(at)) == 8 and view is None  # its view is a chart
    elif task == "charlm":
        assert "greedy" in view["code"] and "temperature 1.0" in view["code"]
    else:
        table = view["table"]
        assert len(table["rows"]) >= 1 and len(table["rows"][0]) == len(table["columns"])


def test_divergence_shows_a_banner_and_reset_recovers():
    at = app("pages/train_live.py", query={"preset": "exploding", "lr": "10"})
    for _ in range(5):
        at.button[1].click().run()
        if at.session_state["train:run"].diverged:
            break
    run = at.session_state["train:run"]
    assert run.diverged
    assert any("diverged at epoch" in e.value and "Lower the learning rate" in e.value
               for e in at.error)
    at.button[2].click().run()  # Reset
    assert not at.session_state["train:run"].diverged and not at.error


def test_url_round_trip_and_a_hostile_query():
    at = app("pages/train_live.py", query={"preset": "sine", "hidden": "99999", "cell": "<b>x</b>",
                                      "zzz": "1"})
    run = at.session_state["train:run"]
    assert run.task.name == "sine" and run.cfg.model.hidden_size == 512
    texts = " ".join(w.value for w in at.warning)
    assert "clamped to 512" in texts and "not one of" in texts and "unknown setting" in texts


def test_presentation_mode_makes_figures_bigger():
    at = app("pages/train_live.py")
    small = charts(at)
    next(t for t in at.toggle if t.label == "Presentation mode").set_value(True).run()
    big = charts(at)
    assert big[0]["layout"]["font"]["size"] > small[0]["layout"]["font"]["size"]
    assert big[0]["layout"]["height"] > small[0]["layout"]["height"]


def test_pasted_text_trains_the_character_model_and_bad_text_is_refused():
    at = app("pages/train_live.py", query={"preset": "hello-world"})
    box = next(t for t in at.text_area if t.label.startswith("Your own text"))
    box.set_value("").run()
    assert not at.exception
    box = next(t for t in at.text_area if t.label.startswith("Your own text"))
    box.set_value("aaaa").run()  # one distinct character: nothing to predict
    assert any("current run is unchanged" in e.value for e in at.sidebar.error)
    assert at.session_state["train:run"].task.text == "hello world"
    box = next(t for t in at.text_area if t.label.startswith("Your own text"))
    box.set_value("to be or not to be, <b>that</b> is the question 🙂").run()
    assert not at.exception
    run = at.session_state["train:run"]
    assert "🙂" in run.task.vocab and run.cfg.task.text == "custom"
    assert any("Training on your text" in i.value for i in at.info)


def test_extreme_settings_diverge_or_are_refused_with_a_clear_status():
    # the largest learning rate and W_hh scale without clipping: diverges with a banner
    at = app("pages/train_live.py", query={"preset": "exploding", "lr": "10", "scale": "4"})
    for _ in range(10):
        at.button[1].click().run()
        if at.session_state["train:run"].diverged:
            break
    assert at.session_state["train:run"].diverged and any("diverged" in e.value for e in at.error)
    assert all(np.isfinite(p).all() for p in at.session_state["train:run"].model.params.values())
    # the longest sequence, the largest hidden size and batch: refused with the cap
    at = app("pages/train_live.py", query={"preset": "lstm-memory"})
    for label, value in (("Batch size", 512), ("Hidden size", 512)):
        next(s for s in at.slider if s.label == label).set_value(value).run()
    assert not at.exception
    assert any("the limit is 25M" in e.value for e in at.sidebar.error)
    run = at.session_state["train:run"]  # the last settings that fit are kept
    assert (run.cfg.train.batch_size, run.cfg.model.hidden_size) == (512, 32)


def test_charts_are_rebuilt_when_an_epoch_ends_and_reused_otherwise():
    at = app("pages/train_live.py", query={"preset": "sine"})
    at.button[1].click().run()  # Step: epoch 1
    first = chart_specs(at)
    at.run()  # a rerun without training: the same epoch, the same charts
    assert chart_specs(at) == first
    at.button[1].click().run()  # epoch 2: new curves and a new probe trace
    second = chart_specs(at)
    assert second[0] != first[0] and second[1] != first[1]
    assert "epoch 2" in second[1]["layout"]["title"]["text"]


def test_pause_lets_the_model_drop_its_step_buffers():
    at = app("pages/train_live.py", query={"preset": "sine"})
    at.button[0].click().run()  # Play
    run = trained(at)  # training: the model keeps its step buffers for the next pass
    assert run.batches > 0 and (run.model._ws._arrays or run.model._ws._parts)
    at.button[0].click().run()  # Pause
    assert not at.session_state["train:playing"]
    assert not run.model._ws._arrays and not run.model._ws._parts


def test_another_page_pauses_the_run_and_the_train_page_resumes_it():
    at = app("pages/train_live.py", query={"preset": "sine"})
    at.button[0].click().run()  # Play
    run = trained(at)
    at.switch_page("pages/unrolled_view.py").run()  # it reads the same run: no training now
    assert not at.exception
    feed = at.session_state["train:feed"]
    assert not feed.playing and feed.away
    batches = run.batches
    trainer_passes()
    assert run.batches == batches
    at.switch_page("pages/train_live.py").run()  # back: it plays again
    assert feed.playing and at.session_state["train:playing"] and live_element(at)["playing"]
    at.button[0].click().run()  # Pause
    assert not feed.playing and not feed.away


def test_a_run_that_stops_itself_while_the_page_runs_is_drawn_again():
    """The trainer may stop a run (it diverged) after the buttons were drawn as playing:
    the page then runs again, so it never shows Pause for a run that does not play."""
    at = app("pages/train_live.py", query={"preset": "sine"})
    at.button[0].click().run()  # Play
    feed = at.session_state["train:feed"]
    snapshot = feed.snapshot
    feed.snapshot = lambda: (feed.stop(), snapshot())[1]  # it stops during this run
    at.run()
    feed.snapshot = snapshot
    assert not at.exception
    assert at.button[0].label == "Play" and at.session_state["train:playing"] is False
    assert not live_element(at)["playing"]


def test_the_live_page_trains_in_float32_unless_the_link_says_float64():
    at = app("pages/train_live.py")
    run = at.session_state["train:run"]
    assert run.cfg.model.dtype == "float32" and run.model.params["W_hh"].dtype == np.float32
    assert at.query_params["dtype"] in ("float32", ["float32"])  # the link says so too
    at = app("pages/train_live.py", query={"preset": "sine", "dtype": "float64"})
    assert at.session_state["train:run"].model.params["W_hh"].dtype == np.float64
    at = app()
    at.button(key="open_vanishing").click().run()  # a preset card
    assert at.session_state["train:run"].cfg.model.dtype == "float32"


def test_widgets_all_at_their_defaults_at_once_keep_the_run():
    """A click while Streamlit's frontend is still drawing the sidebar can send every
    widget's own default (first choice, minimum) in one rerun: not a user's choice (one
    click changes one widget), so the run and its training are kept."""
    from rnnviz.ui import controls

    at = app("pages/train_live.py")
    at.button[1].click().run()  # Step: something trained that must not be lost
    run = at.session_state["train:run"]
    for key in ("hidden", "batch", "scale"):
        s = cf.BY_KEY[key]
        next(w for w in at.slider if w.key == controls.PREFIX + key).set_value(
            controls.widget_default(s))
    next(w for w in at.selectbox if w.key == controls.PREFIX + "opt").set_value(
        controls.widget_default(cf.BY_KEY["opt"]))
    at.run()
    assert not at.exception
    assert at.session_state["train:run"] is run and run.epoch == 1
    assert next(w for w in at.slider if w.key == "set_hidden").value == run.cfg.model.hidden_size
    # one deliberate change to a minimum is a choice: a new model, as always
    next(w for w in at.slider if w.key == "set_hidden").set_value(1).run()
    assert at.session_state["train:run"].cfg.model.hidden_size == 1
