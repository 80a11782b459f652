"""rnnviz.lessons.textgen: which text, refusing bad pasted text, perplexity and honest samples."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnnviz.figures import textgen_charts as fig
from rnnviz.lessons import textgen as tg
from rnnviz.tasks import DataError, bundled_text, one_hot
from rnnviz.train.run import TrainingRun


@pytest.fixture(scope="module")
def hello() -> TrainingRun:
    r = TrainingRun(tg.source_config("hello"))
    for _ in range(30):
        r.step()
    return r


@pytest.fixture(scope="module")
def custom() -> TrainingRun:
    """A slightly longer text, a few epochs: the distributions are not one-hot yet."""
    text = "the cat sat on the mat. the dog sat on the log. 🙂 " * 4
    r = TrainingRun(tg.source_config("custom", text))
    r.step()
    return r


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _replay_logits(run, g) -> np.ndarray:
    """Run the model over prompt + generated text in one pass: (n, V) logits that produced
    each generated character (the step before it)."""
    t = run.task
    chars = g.sample.prompt + g.sample.text
    X = one_hot([t.char_to_idx[c] for c in chars], len(t.vocab))[None]
    out, _ = run.model.forward(X)  # (1, T, V)
    P = len(g.sample.prompt)
    return out[0, P - 1 : P - 1 + len(g.sample.text)]


# -- pasted text --------------------------------------------------------------------------
def test_check_text_refuses_what_cannot_be_learnt():
    for empty in ("", "   \n\t", None):
        with pytest.raises(DataError, match="empty"):
            tg.check_text(empty)
    with pytest.raises(DataError, match="single distinct character"):
        tg.check_text("aaaaaaaa")
    with pytest.raises(DataError, match="limit is 200.0 KB"):
        tg.check_text("ab" * 100_001)
    with pytest.raises(DataError, match="limit is 200.0 KB"):
        tg.check_text("é" * 100_001)  # 200,002 bytes in UTF-8, 100,001 characters
    with pytest.raises(DataError, match="distinct characters; the limit is 300"):
        tg.check_text("".join(chr(0x4E00 + i) for i in range(301)))
    assert tg.check_text("a\r\nb\rc") == "a\nb\nc"
    assert tg.check_text("héllo 🙂 wörld") == "héllo 🙂 wörld"


def test_source_configs():
    h = tg.source_config("hello")
    assert h.task.text == "hello" and h.model.hidden_size == 10 and h.task.data is None
    b = tg.source_config("bundled")
    assert b.task.text == "bundled" and b.task.seq_len == 25 and b.model.hidden_size == 64
    c = tg.source_config("custom", "ab🙂" * 20)
    assert c.task.text == "custom" and c.task.data == {"text": "ab🙂" * 20}
    assert tg.source_config("custom", "abc abd").model.hidden_size == 10  # short: hello-sized
    with pytest.raises(DataError):
        tg.source_config("custom", "zzzz")
    with pytest.raises(ValueError, match="source"):
        tg.source_config("web")
    r = TrainingRun(tg.source_config("custom", "ab🙂 " * 20))
    assert "🙂" in r.task.vocab and len(r.task.vocab) == 4


def test_bundled_text_is_the_gettysburg_address():
    r = TrainingRun(tg.source_config("bundled"))
    assert r.task.text == bundled_text("gettysburg") and r.task.held_out


def test_perplexity_is_exp_of_the_loss(hello):
    pp = tg.perplexity_frame(hello.history)
    h = hello.history_frame()
    np.testing.assert_allclose(pp["train"], np.exp(h["train_loss"]))
    np.testing.assert_allclose(pp["test"], np.exp(h["test_loss"]))
    assert pp["epoch"].tolist() == list(range(1, 31))
    assert len(tg.perplexity_frame([])) == 0
    f = fig.perplexity_figure(pp, hello.task.baselines)
    np.testing.assert_allclose(f.data[1].y, np.exp(h["test_loss"]))
    uniform = f.data[2]  # the first baseline: a uniform guess has perplexity V
    np.testing.assert_allclose(uniform.y, len(hello.task.vocab), rtol=1e-6)
    assert f.layout.yaxis.type == "log"


# -- samples ------------------------------------------------------------------------------
@pytest.mark.parametrize("temperature", [0.3, 1.0, 1.7])
def test_sample_probabilities_are_the_models_softmax(custom, temperature):
    g = tg.generate(custom.model, custom.task, "the c", n=40, temperature=temperature, seed=3)
    assert g.sample.prompt == "the c" and len(g.sample.text) == 40
    logits = _replay_logits(custom, g)
    np.testing.assert_allclose(g.sample.probs, _softmax(logits / temperature), atol=1e-12)
    np.testing.assert_allclose(g.sample.chosen_p, g.sample.probs[np.arange(40), g.picked])
    assert [custom.task.vocab[k] for k in g.picked] == list(g.sample.text)


def test_greedy_picks_the_argmax_of_the_plain_softmax(custom):
    g = tg.generate(custom.model, custom.task, "the ", n=30, temperature=0.2, greedy=True)
    logits = _replay_logits(custom, g)
    np.testing.assert_allclose(g.sample.probs, _softmax(logits), atol=1e-12)  # T ignored
    np.testing.assert_array_equal(g.picked, logits.argmax(axis=1))
    again = tg.generate(custom.model, custom.task, "the ", n=30, greedy=True, seed=99)
    assert again.sample.text == g.sample.text  # greedy ignores the seed


def test_temperature_and_seed_change_the_sample(custom):
    a = tg.generate(custom.model, custom.task, "the", n=60, temperature=0.1, seed=0)
    b = tg.generate(custom.model, custom.task, "the", n=60, temperature=2.0, seed=0)
    c = tg.generate(custom.model, custom.task, "the", n=60, temperature=2.0, seed=1)
    assert a.sample.text != b.sample.text and b.sample.text != c.sample.text
    # a lower temperature sharpens: the picked characters are more probable on average
    assert a.sample.chosen_p.mean() > b.sample.chosen_p.mean()


def test_prompts_unknown_and_empty(hello):
    m, t = hello.model, hello.task
    g = tg.generate(m, t, "h<b>é", n=5)
    assert g.unknown == ["<", "b", ">", "é"] and g.sample.prompt == "h"
    assert "skipped" in g.note and "`<`" in g.note and "`é`" in g.note
    g = tg.generate(m, t, "", n=5)
    assert g.sample.prompt == "h" and "Empty prompt" in g.note and g.unknown == []
    g = tg.generate(m, t, "ZZ`", n=5)
    assert g.sample.prompt == "h" and "None of the prompt" in g.note and "backtick" in g.note
    assert tg.generate(m, t, "hel", n=5).note is None
    assert tg.generate(m, t, "hello", n=6, greedy=True).sample.text == " world"  # it learnt


def test_next_char_table(custom):
    g = tg.generate(custom.model, custom.task, "the", n=20, temperature=1.5, seed=2)
    V = len(custom.task.vocab)
    for pos in (1, 7, 20):
        df = tg.next_char_table(g, custom.task.vocab, pos, top=5)
        p = g.sample.probs[pos - 1]
        k = int(g.picked[pos - 1])
        assert df["picked"].sum() == 1 and df.loc[df["picked"], "index"].item() == k
        top = df.iloc[:5]
        np.testing.assert_allclose(top["p"], np.sort(p)[::-1][:5])
        assert len(df) in (5, 6) and set(df["index"]) <= set(range(V))
    with pytest.raises(ValueError):
        tg.next_char_table(g, custom.task.vocab, 21)


def test_figures_escape_and_colour_by_probability(custom):
    g = tg.generate(custom.model, custom.task, "the", n=50, seed=1)
    s = g.sample
    strip = fig.sample_strip("<b>" + s.prompt, s.text, s.chosen_p, s.probs, custom.task.vocab,
                             width=20)
    prompt, gen = strip.data
    z = np.asarray(gen.z, dtype=float)
    assert z.shape == (3, 20)  # 6 prompt + 50 generated characters, 20 per row
    np.testing.assert_allclose(z.ravel()[6:56], s.chosen_p)
    assert np.isnan(z.ravel()[:6]).all() and np.isnan(np.asarray(prompt.z, float)[2, 16:]).all()
    assert prompt.text[0][0] == "&lt;" and prompt.text[0][3] == "t"
    assert "&lt;" in prompt.customdata[0][0] and "<b>" not in json.dumps(strip.to_json())
    df = tg.next_char_table(g, custom.task.vocab, 1)
    bars = fig.next_char_bars(df, 1)
    np.testing.assert_allclose(bars.data[0].y, df["p"])
    assert "Position 1" in bars.layout.title.text
    assert fig.label(" ") == "␣" and fig.label("<") == "&lt;"


def test_overfit_note_reads_the_numbers():
    import pandas as pd

    def frame(test):
        return pd.DataFrame({"epoch": range(1, len(test) + 1), "train": 1.0, "test": test})

    assert tg.overfit_note(frame([5.0]), 8) is None
    assert tg.overfit_note(frame([6.0, 4.0, 3.0]), 8) is None  # still improving
    note = tg.overfit_note(frame([6.0, 2.0, 3.5]), 8)
    assert "best at epoch 2 (2.00)" in note and "3.50 now" in note
    assert "above 8, the uniform guess" in tg.overfit_note(frame([6.0, 2.0, 9.5]), 8)
