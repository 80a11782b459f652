"""pages/encoder_decoder.py through Streamlit's AppTest: the live run, the teacher-forcing
toggle, new runs on new settings, the link, the typed sequence and the length chart."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from apptest import chart_specs, live_frame, metric, open_app, trainer_passes, wait_until

from rnnviz.lessons import encdec as ed

PAGE = "pages/encoder_decoder.py"
RUN, PLAYING = "seq2seq:run", "seq2seq:playing"
TITLES = ("Probe sample 1", "Loss (left)", "Accuracy against length",
          "Accuracy per output, epoch", "Accuracy per output over",
          "Gradient ‖dL/dh‖ through time, sample", "Gradient through time, over training")


def _ok(at):
    assert not at.exception, at.exception
    return at


def _click(at, label: str):
    next(b for b in at.button if b.label == label).click().run()
    return _ok(at)


def _chart(at, title: str) -> dict:
    return next(c for c in chart_specs(at) if c["layout"]["title"]["text"].startswith(title))


def _texts(at, name: str) -> list[str]:
    """The labels of the diagram's text row `name` (source, fed, predicted, target)."""
    return list(next(t for t in _chart(at, "Probe sample")["data"] if t.get("name") == name)
                ["text"])


def _values(spec) -> np.ndarray:
    """A chart array as numbers (the frame sends typed arrays, frames._typed)."""
    if isinstance(spec, dict):
        return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.dtype(spec["dtype"]))
    return np.asarray(spec)


def _lstm_line(at) -> dict:
    """The length chart's line of the LSTM runs."""
    return next(t for t in _chart(at, "Accuracy against length")["data"]
                if t["name"].startswith("LSTM"))


def _views(at) -> dict[str, dict]:
    return {t["title"]: t for t in live_frame(at)["task"]}


def query(at) -> dict[str, str]:
    return {k: (v[-1] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def test_the_page_opens_on_its_own_run_with_every_chart():
    at = open_app(PAGE)
    run = at.session_state[RUN]
    assert run.seq2seq and (run.T, run.U) == (5, 5) and run.epoch == 0
    assert "train:run" not in at.session_state  # not the Train page's run
    titles = [c["layout"]["title"]["text"] for c in chart_specs(at)]
    assert len(titles) == len(TITLES)
    for want in TITLES:
        assert any(t.startswith(want) for t in titles), (want, titles)
    assert metric(at, "Epoch") == "0" and metric(at, "Train loss") == "–"
    assert _texts(at, "source") == run.probe.tokens[0]
    assert _texts(at, "fed")[0] == "&lt;start&gt;"  # escaped for plotly
    assert query(at) == {} and not at.warning and not at.error


def test_step_trains_one_epoch_and_the_status_and_charts_follow():
    at = open_app(PAGE)
    run = at.session_state[RUN]
    before = chart_specs(at)
    at = _click(at, "Step")
    assert run.epoch == 1 and metric(at, "Epoch") == "1"
    h = run.history[-1]
    assert metric(at, "Train loss") == f"{h['train_loss']:.3g}"
    assert metric(at, "Held-out sequences right (generating)") == \
        f"{h['test_seq_accuracy']:.1%}"
    assert metric(at, "Held-out tokens right (teacher-forced)") == \
        f"{h['test_token_accuracy_tf']:.1%}"
    after = chart_specs(at)
    for b, a in zip(before, after, strict=True):
        assert a != b, a["layout"]["title"]["text"]  # every chart shows the new epoch
    bars = _chart(at, "Accuracy per output, epoch 1")["data"][0]
    epochs, acc = run.position_matrix(False)
    assert list(epochs) == [1]
    assert np.allclose(_values(bars["y"]), acc[-1], atol=1e-6)
    assert "Which outputs fail" in _views(at)


def test_play_trains_in_the_background_and_pause_stops_it():
    at = _click(open_app(PAGE), "Play")
    run = at.session_state[RUN]
    assert at.session_state[PLAYING] is True
    assert wait_until(lambda: run.epoch >= 2, 120), "the training thread did not train"
    at = _click(at, "Pause")
    epoch = run.epoch
    trainer_passes()
    at.run()
    assert run.epoch == epoch and at.session_state[PLAYING] is False
    assert metric(at, "Epoch") == str(epoch)


def test_teacher_forcing_toggle_changes_the_probe_not_the_weights():
    at = _click(open_app(PAGE), "Step")
    run = at.session_state[RUN]
    weights = {k: v.copy() for k, v in run.model.params.items()}
    generated = _texts(at, "fed")
    pred = [p.removeprefix("<b>").removesuffix("</b>") for p in _texts(at, "predicted")]
    assert generated[1:] == pred[:-1]  # generating: fed its own previous prediction
    at.radio(key="seq2seq:teacher").set_value(True).run()
    _ok(at)
    assert run.teacher is True and run.probe_trace is run.probe_traces[True]
    forced = _texts(at, "fed")
    assert forced[1:] == _texts(at, "target")[:-1]  # teacher forcing: the true previous
    assert forced != generated or pred[:-1] == _texts(at, "target")[:-1]
    assert "true previous token" in _chart(at, "Probe sample")["layout"]["title"]["subtitle"][
        "text"]
    assert all(np.array_equal(v, run.model.params[k]) for k, v in weights.items())
    assert query(at) == {"teacher": "1"}


def test_a_new_length_builds_a_new_run_and_the_old_one_stays_on_the_length_chart():
    at = _click(open_app(PAGE), "Step")
    old = at.session_state[RUN]
    best = old.history[-1]["test_seq_accuracy"]
    at.slider(key="seq2seq:seq_len").set_value(7).run()
    _ok(at)
    run = at.session_state[RUN]
    assert run is not old and (run.T, run.U, run.epoch) == (7, 7, 0)
    assert any("Changed length" in i.value for i in at.info)
    line = _lstm_line(at)
    assert list(_values(line["x"])) == [5] and np.isclose(_values(line["y"])[0], best)
    at = _click(at, "Step")  # the new run joins the line as it trains
    line = _lstm_line(at)
    assert list(_values(line["x"])) == [5, 7]
    at.selectbox(key="seq2seq:cell").set_value("gru").run()
    _ok(at)
    assert at.session_state[RUN].cfg.model.cell == "gru"
    names = [t["name"] for t in _chart(at, "Accuracy against length")["data"]]
    assert "LSTM, 64 units, lr 0.003" in names  # the runs so far, GRU's line comes with epochs


def test_reset_keeps_the_runs_result_on_the_length_chart():
    at = _click(open_app(PAGE), "Step")
    at = _click(at, "Reset")
    assert at.session_state[RUN].epoch == 0
    assert [r[2] for r in at.session_state["seq2seq:records"]] == [5]


def test_digit_words_task_and_the_disabled_alphabet():
    at = open_app(PAGE)
    at.selectbox(key="seq2seq:task").set_value("digits").run()
    run = _ok(at).session_state[RUN]
    assert run.task.name == "digits" and run.T == 5
    assert at.slider(key="seq2seq:symbols").disabled
    assert _texts(at, "source")[0] in ed.DIGIT_WORDS
    at.text_input(key="seq2seq:typed").set_value("three one four").run()
    text = _views(_ok(at))["Your sequence, through the model as it is now (generating)"]["text"]
    assert "Reads `three one four`" in text and "the answer is `3 1 4`" in text
    assert "trained on length 5 only" in text


ROUND_TRIP = ([("selectbox", "seq2seq:cell", "gru"), ("slider", "seq2seq:seq_len", 4),
               ("slider", "seq2seq:symbols", 5), ("select_slider", "seq2seq:hidden", 32),
               ("select_slider", "seq2seq:lr", 0.01), ("number_input", "seq2seq:seed", 3),
               ("radio", "seq2seq:teacher", True), ("text_input", "seq2seq:typed", "A B C")],
              {"cell": "gru", "seq_len": "4", "symbols": "5", "hidden": "32", "lr": "0.01",
               "seed": "3", "teacher": "1", "text": "A B C"})


def test_a_copied_link_opens_the_same_view_and_builds_its_run():
    changes, expected = ROUND_TRIP
    at = open_app(PAGE)
    for kind, key, value in changes:
        getattr(at, kind)(key=key).set_value(value).run()
        _ok(at)
    link = query(at)
    assert link == expected, link
    fresh = open_app(PAGE, query=link)
    for kind, key, value in changes:
        assert getattr(fresh, kind)(key=key).value == value, key
    run = fresh.session_state[RUN]
    assert ed.settings_of(run) == ed.Settings("reverse", 4, 5, "gru", 32, 0.01, 3)
    assert run.teacher is True and not fresh.warning
    assert query(fresh) == link


def test_a_hostile_link_warns_per_setting_and_opens_the_defaults():
    bad = {"task": "<b>x</b>", "seq_len": "1e12", "symbols": "-inf", "cell": "tree",
           "hidden": "5", "lr": "nan", "seed": "-3", "teacher": "maybe", "text": "x" * 10_000,
           "zzz": "1", "hide": "nothing,seq_len"}
    at = open_app(PAGE, query=bad)
    _ok(at)
    text = " ".join(w.value for w in at.warning)
    for key in ("task", "seq_len", "symbols", "cell", "hidden", "lr", "teacher", "text",
                "zzz", "nothing"):
        assert key in text, key
    run = at.session_state[RUN]
    assert (run.T, ed.LENGTHS[1]) == (12, 12)  # clamped to the page's longest
    assert "seq2seq:seq_len" not in {s.key for s in at.slider}  # hide= hid it


@pytest.mark.parametrize("typed, message", [
    ("Z Q", "cannot read 'Z', 'Q'"), ("<script>alert(1)</script>", "cannot read"),
    ("A " * 30, "at most 24"), ("🙂 ☃", "the alphabet is A … H"),
    ("three one four", "cannot read 'three'")])
def test_hostile_typed_input_gives_a_message_not_a_traceback(typed, message):
    at = open_app(PAGE)
    at.text_input(key="seq2seq:typed").set_value(typed).run()
    _ok(at)
    assert any(message in w.value for w in at.warning), [w.value for w in at.warning]
    assert not any(t.startswith("Your sequence") for t in _views(at))


def test_a_typed_sequence_goes_through_the_model_as_it_is():
    at = _click(open_app(PAGE), "Step")
    at.text_input(key="seq2seq:typed").set_value("cab").run()
    run = _ok(at).session_state[RUN]
    got = ed.translate(run, [2, 0, 1])
    assert got["expected"] == ["B", "A", "C"]
    text = _views(at)["Your sequence, through the model as it is now (generating)"]["text"]
    assert f"writes `{' '.join(got['output'])}`" in text and not at.warning


def test_presentation_mode_makes_the_figures_bigger():
    small = chart_specs(open_app(PAGE))
    big = chart_specs(open_app(PAGE, session={"presentation": True}))
    assert len(small) == len(big) == len(TITLES)
    for s, b in zip(small, big, strict=True):
        assert b["layout"]["font"]["size"] > s["layout"]["font"]["size"]
        assert b["layout"]["height"] > s["layout"]["height"]


def test_the_scene_explains_what_the_positions_measure():
    acc = np.array([1.0, 0.9, 0.6])
    note = ed.position_note("reverse", 3, acc, 4, "generating")
    assert "weakest output is **y3** (60% right), which must recall x1 from 5 steps" in note
    assert "strongest is **y1** (100%), its input 1 step back" in note
    assert [ed.distance("digits", 4, u) for u in (1, 2, 3, 4)] == [4, 4, 4, 4]
    assert "about equally" in ed.position_note("digits", 3, np.array([0.5, 0.5, 0.51]), 1,
                                               "generating")
    records = ed.merge((), ("k", "g", 5, 0.5, 3, 4))
    assert ed.merge(records, ("k", "g", 5, 0.4, 5, 6)) == records  # a worse run: kept best
    assert ed.merge(records, ("k", "g", 5, 0.7, 5, 6)) == (("k", "g", 5, 0.7, 5, 6),)
    assert len(ed.merge(records, ("k", "g", 6, 0.1, 1, 1))) == 2


def test_hide_and_show_all_controls_and_coming_back_keeps_the_run():
    at = open_app(PAGE, query={"seq_len": "6", "hide": "lr,seed"})
    keys = {w.key for kind in ("slider", "select_slider", "number_input") for w in
            getattr(at, kind)}
    assert "seq2seq:seq_len" in keys and not {"seq2seq:lr", "seq2seq:seed"} & keys
    assert query(at) == {"seq_len": "6", "hide": "lr,seed"}
    at.toggle(key="links:seq2seq:show_toggle").set_value(True).run()
    keys = {w.key for kind in ("select_slider", "number_input") for w in getattr(_ok(at), kind)}
    assert {"seq2seq:lr", "seq2seq:seed"} <= keys
    run = _click(at, "Step").session_state[RUN]
    at.switch_page("pages/cell_step.py").run()
    at.switch_page(PAGE).run()
    assert _ok(at).session_state[RUN] is run and run.epoch == 1
    assert at.slider(key="seq2seq:seq_len").value == 6 and metric(at, "Epoch") == "1"


def test_settings_that_cannot_be_built_give_a_message_and_keep_the_run(monkeypatch):
    at = open_app(PAGE)
    run = at.session_state[RUN]
    build = ed.new_run

    def refuse(s, teacher=False):
        if s.seq_len == 9:
            raise ValueError("these settings record 99M numbers per batch")
        return build(s, teacher)

    monkeypatch.setattr(ed, "new_run", refuse)
    at.slider(key="seq2seq:seq_len").set_value(9).run()
    _ok(at)
    assert at.session_state[RUN] is run
    assert any("99M numbers" in e.value and "unchanged" in e.value for e in at.error)
    assert at.slider(key="seq2seq:seq_len").value == 5  # back to the run's


def test_the_fastest_learning_rate_trains_or_stops_with_a_message():
    at = open_app(PAGE, query={"cell": "rnn", "lr": "0.03", "hidden": "128"})
    for _ in range(3):
        at = _click(at, "Step")
    run = at.session_state[RUN]
    if run.diverged:
        assert any("Lower the learning rate" in e.value for e in at.error)
    else:
        assert run.epoch == 3 and metric(at, "Epoch") == "3"


def test_the_diagram_takes_arrays_and_refuses_mismatched_ones():
    from rnnviz.figures import encdec_charts as fig

    h_enc, h_dec = np.zeros((3, 4)), np.ones((2, 4)) * 0.5
    f = fig.encdec_diagram(h_enc, h_dec, np.array([1e-3, 1e-2, 1e-1]), np.array([1.0, 2.0]),
                           ["A", "B", "C"], ["<start>", "C"], ["C", "A"], ["C", "B"],
                           teacher=True)
    rows = {t.get("name"): t for t in f.spec["data"]}
    assert list(rows["fed"]["text"]) == ["&lt;start&gt;", "C"]
    assert rows["predicted"]["textfont"]["color"] == [fig.RIGHT_C, fig.WRONG_C]
    assert list(fig.positions(3, 2)) == [0, 1, 2, 4, 5]  # the gap is the bottleneck
    with pytest.raises(ValueError, match="h_enc"):
        fig.encdec_diagram(h_enc, np.zeros((2, 5)), None, None, ["A"] * 3, ["x"] * 2,
                           ["x"] * 2, ["x"] * 2, teacher=False)
