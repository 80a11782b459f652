"""pages/sentiment_lab.py through Streamlit's AppTest: recipes, live buttons, typed sentences."""

from __future__ import annotations

from pathlib import Path

from apptest import chart_specs, live_frame, metric, open_page, trainer_passes, wait_until
from streamlit.testing.v1 import AppTest

from rnnviz.lessons import sentiment_probe as sv
from rnnviz.train.run import TrainingRun

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages/sentiment_lab.py")
RUN, PLAYING, EVERY, TEXT = "sentiment:run", "sentiment:playing", "sentiment:every", \
    "sentiment:text"


def _app(**session) -> AppTest:
    return open_page("pages/sentiment_lab.py", **session)


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _metric(at: AppTest, label: str) -> str:
    return metric(at, label)  # the live element's status row


def _log(at: AppTest) -> str:
    return next(t["code"] for t in live_frame(at)["task"] if "training log" in t["title"])


def _charts(at: AppTest) -> list[dict]:
    return chart_specs(at)


def _click(at: AppTest, label: str) -> AppTest:
    _button(at, label).click().run()
    assert not at.exception, at.exception
    return at


def _type(at: AppTest, text: str) -> AppTest:
    at.text_input(key=TEXT).set_value(text).run()
    assert not at.exception, at.exception
    return at


def test_loads_with_its_own_run_and_the_default_sentence():
    at = _app()
    run = at.session_state[RUN]
    assert sv.recipe_of(run.cfg) == "modern" and run.epoch == 0
    assert "train:run" not in at.session_state  # the Train page's run is not touched
    assert at.selectbox(key=EVERY).value == 10
    assert _metric(at, "Epoch") == "0" and _metric(at, "Words read") == "6"
    assert "first entry appears at epoch 10" in _log(at)
    titles = [c["layout"]["title"]["text"] for c in _charts(at)]
    assert titles == ["Learning curves", "Hidden state h_t after each word",
                      "Which words moved the prediction",
                      "The hidden state's path, word by word (2-D PCA)"]
    assert any("PCA fitted on the hidden states h_t of the 64 training" in c.value
               for c in at.caption)
    assert any("P(positive | h_{t−1})" in c.value for c in at.caption)


def test_recipe_buttons_build_runs_and_set_the_log_period():
    at = _click(_app(), "Tutorial recipe")
    run = at.session_state[RUN]
    assert run.cfg.train.optimizer == "sgd" and run.cfg.train.batch_size == 1
    assert at.session_state[EVERY] == 100 and any("tutorial" in i.value for i in at.info)
    at = _click(at, "Modern recipe")
    assert at.session_state[RUN].cfg.train.optimizer == "adam" and at.session_state[EVERY] == 10


def test_step_writes_the_seeds_log_and_the_prediction_follows_the_model():
    at = _app()
    at.selectbox(key=EVERY).set_value(1).run()
    for _ in range(2):
        _click(at, "Step")
    run = at.session_state[RUN]
    assert run.epoch == 2 and _metric(at, "Epoch") == "2"
    log = _log(at)
    h = run.history[1]
    assert "--- Epoch 2" in log
    assert f"Test:   Loss {h['test_loss']:.3f} | Accuracy: {h['test_accuracy']:.3f}" in log
    v = sv.analyse(run.model, run.task, "i am not at all happy")
    assert _metric(at, "P(positive)") == f"{v.probs[1]:.3f}"
    bars = _charts(at)[2]["data"][0]
    assert len(bars["x"]) == 6 and bars["x"][2] == "3: not"
    line = _charts(at)[2]["data"][2]
    assert line["name"] == "P(positive | h_t)" and line["x"][0] == "start"


def test_play_pause_reset():
    at = _click(_app(), "Play")
    assert at.session_state[PLAYING] is True
    run = at.session_state[RUN]
    assert wait_until(lambda: run.epoch > 0), "the training thread did not train the run"
    at = _click(at, "Pause")
    assert at.session_state[PLAYING] is False
    epoch = run.epoch
    trainer_passes()
    at.run()
    assert at.session_state[RUN].epoch == epoch
    at = _click(at, "Reset")
    assert at.session_state[RUN].epoch == 0 and at.session_state[RUN] is not run
    assert any("Reset" in i.value for i in at.info)


def test_unknown_words_and_html_are_plain_text():
    at = _type(_app(), "this is <b>x</b> zorp <script>alert(1)</script>")
    warn = " ".join(w.value for w in at.warning)
    for word in ("zorp", "`b`", "`x`", "script", "alert"):
        assert word in warn
    assert _metric(at, "Words read") == "10"
    heat = _charts(at)[1]["data"][0]
    assert "3: b (unknown)" in heat["x"]
    for el in at.markdown:  # nothing the user typed is rendered as HTML
        assert not el.proto.allow_html or "<b>x</b>" not in el.value


def test_empty_and_long_text():
    at = _type(_app(), "  ?! ")
    assert any("text is empty" in i.value for i in at.info)
    assert len(_charts(at)) == 1  # only the learning curves
    at = _type(at, " ".join(["good"] * 230))
    assert any("first 200 words" in w.value and "30 more" in w.value for w in at.warning)
    assert _metric(at, "Words read") == "200"


def test_a_run_on_uploaded_sentences_and_an_upload_error():
    csv = "text,label\n" + "".join(f"good {i},1\nbad {i},0\n" for i in range(10))
    train, test, note = sv.load_user_data(csv.encode())
    run = TrainingRun(sv.recipe_config("tutorial", {"train": train, "test": test,
                                                    "note": note}))
    at = _app(**{RUN: run, "sentiment:upload_error": "training file: labels must be 0/1. "
                                                      "The current run is unchanged."})
    assert any("your sentences (16 train, 4 test" in c.value and "20% held out" in c.value
               for c in at.caption)
    assert any("The current run is unchanged" in e.value for e in at.error)
    at = _click(at, "Modern recipe")  # the recipe switches, the user's data stays
    new = at.session_state[RUN]
    assert sv.recipe_of(new.cfg) == "modern" and new.task.n_train == 16
    at = _click(at, "Back to the bundled sentences")
    assert at.session_state[RUN].task.bundled and at.session_state[RUN].task.n_train == 64


def test_the_upload_callback_keeps_the_run_when_nothing_is_chosen():
    at = _app()
    run = at.session_state[RUN]
    at = _click(at, "Train on these files")
    assert at.session_state[RUN] is run
    assert any("choose a training CSV file first" in e.value for e in at.error)


def test_presentation_mode_makes_figures_bigger():
    small = _charts(_app())
    big = _charts(_app(presentation=True))
    for s, b in zip(small, big, strict=True):
        assert b["layout"]["font"]["size"] > s["layout"]["font"]["size"]
    assert len(small) == len(big) == 4
