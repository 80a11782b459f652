"""Tests for the task/data layer (rnnviz.tasks): shapes, determinism, data files, error paths."""

from __future__ import annotations

import io

import numpy as np
import pytest

from rnnviz.core import config
from rnnviz.tasks import (
    PAD,
    TASKS,
    UNK,
    AddingTask,
    Batch,
    CharLMTask,
    CopyTask,
    DataError,
    MinMaxScaler,
    SentimentTask,
    SineTask,
    bundled_text,
    create_windows,
    forecast,
    load_bundled_sentiment,
    load_labelled_csv,
    load_series_csv,
    load_text,
    make_task,
    pad_sequences,
    tokenize,
)

SMALL = {  # fast constructor arguments for every task
    "sentiment": {},
    "charlm": {"text": "hello world", "seq_len": 3},
    "sine": {"n_points": 120, "noise": 0.1, "window": 10},
    "adding": {"seq_len": 12, "n_train": 50, "n_test": 20},
    "copy": {"seq_len": 8, "n_train": 50, "n_test": 20},
    "reverse": {"seq_len": 4, "n_train": 50, "n_test": 20},
    "digits": {"seq_len": 3, "n_train": 50, "n_test": 20},
}


@pytest.fixture(scope="module")
def sentiment() -> SentimentTask:
    return SentimentTask()


def all_batches(task, batch_size=7, seed=0) -> list[Batch]:
    return list(task.train_batches(batch_size, np.random.default_rng(seed)))


# --- common interface ---------------------------------------------------------------------
@pytest.mark.parametrize("name", list(TASKS))
def test_batch_shapes_and_dtypes(name):
    task = make_task(name, **SMALL[name])
    assert task.name == name and task.readout in ("last", "all")
    assert len(task.explanation.split(". ")) >= 3
    for b in [*all_batches(task), task.test_batch(), task.probe_batch()]:
        B, T, D = b.X.shape
        assert b.X.dtype == np.float64 and task.input_size == D
        if task.loss == "cross_entropy":
            assert b.Y.dtype == np.int64
            assert b.Y.shape == ((B,) if task.readout == "last" else (B, T))
            assert b.Y.min() >= 0 and b.Y.max() < task.output_size
        else:
            assert b.Y.dtype == np.float64
            assert b.Y.shape == ((B, task.output_size) if task.readout == "last" else (B, T, 1))
        assert b.mask is None or (b.mask.shape == (B, T) and b.mask.dtype == bool)
        assert len(b.tokens) == B and all(len(row) == T for row in b.tokens)
    assert 1 <= task.probe_batch().size <= 4
    cfg = task.default_model()
    assert cfg["input_size"] == task.input_size and cfg["output_size"] == task.output_size
    assert cfg["readout"] == task.readout


@pytest.mark.parametrize("name", list(TASKS))
def test_default_model_is_a_valid_model_config(name):
    config.ModelConfig(**make_task(name, **SMALL[name]).default_model())


@pytest.mark.parametrize("name", list(TASKS))
def test_epoch_covers_every_training_sample_once(name):
    task = make_task(name, **SMALL[name])
    batches = all_batches(task, batch_size=7)
    assert [b.size for b in batches[:-1]] == [7] * (len(batches) - 1)
    assert 1 <= batches[-1].size <= 7
    assert sum(b.size for b in batches) == task.n_train
    # Every sample appears exactly once: compare sorted rows with the unshuffled set.
    ordered = task._batch("train", np.arange(task.n_train))

    def rows(bs):
        out = []
        for b in bs:
            for i in range(b.size):
                x = b.X[i] if b.mask is None else b.X[i][b.mask[i]]
                out.append(x.tobytes() + np.asarray(b.Y[i]).tobytes())
        return sorted(out)

    assert rows(batches) == rows([ordered])


@pytest.mark.parametrize("name", list(TASKS))
def test_same_args_give_identical_arrays(name):
    a, b = make_task(name, **SMALL[name]), make_task(name, **SMALL[name])
    for x, y in [(a.test_batch(), b.test_batch()), (a.probe_batch(), b.probe_batch())]:
        np.testing.assert_array_equal(x.X, y.X)
        np.testing.assert_array_equal(x.Y, y.Y)
        assert x.tokens == y.tokens
    for x, y in zip(all_batches(a, seed=5), all_batches(b, seed=5), strict=True):
        np.testing.assert_array_equal(x.X, y.X)
    # A different shuffling seed gives a different order.
    first = [all_batches(a, seed=s)[0].X for s in (1, 2)]
    assert not np.array_equal(*first)


@pytest.mark.parametrize("name", ["sine", "adding", "copy"])
def test_different_data_seed_gives_different_data(name):
    a = make_task(name, **SMALL[name], seed=0).test_batch()
    b = make_task(name, **SMALL[name], seed=1).test_batch()
    assert not np.array_equal(a.X, b.X)


def test_make_task_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="valid names: sentiment, charlm, sine, adding, copy"):
        make_task("translate")


@pytest.mark.parametrize(
    "name, kwargs, bad",
    [
        ("adding", {"seq_len": 1}, "seq_len"),
        ("adding", {"n_train": 0}, "n_train"),
        ("copy", {"n_symbols": 1}, "n_symbols"),
        ("copy", {"seq_len": 2.5}, "seq_len"),
        ("charlm", {"text": "a"}, "text"),
        ("charlm", {"text": "aaaa"}, "text"),
        ("charlm", {"seq_len": 0}, "seq_len"),
        ("charlm", {"stride": 0}, "stride"),
        ("sine", {"window": 0}, "window"),
        ("sine", {"freq": 0}, "freq"),
        ("sine", {"noise": -1}, "noise"),
        ("sine", {"test_fraction": 1.0}, "test_fraction"),
        ("sine", {"n_points": 20, "window": 20}, "n_points"),
        ("sine", {"feature_range": (1, 0)}, "feature_range"),
        ("sentiment", {"train": [("good", 1), ("bad", 2)]}, "label"),
        ("sentiment", {"train": [("good", 1), ("happy", 1)]}, "train"),
    ],
)
def test_bad_constructor_args_raise_value_error_naming_them(name, kwargs, bad):
    with pytest.raises(ValueError, match=bad):
        make_task(name, **kwargs)


def test_metric_accuracy_respects_mask():
    task = CharLMTask("hello world", seq_len=3)
    Y = np.array([[1, 2, 0]])
    mask = np.array([[True, True, False]])
    b = Batch(X=np.zeros((1, 3, task.input_size)), Y=Y, mask=mask, tokens=[["a", "b", PAD]])
    logits = np.zeros((1, 3, task.output_size))
    logits[0, 0, 1] = logits[0, 1, 0] = logits[0, 2, 3] = 1.0  # right, wrong, padding
    assert task.metric(logits, b) == 0.5
    with pytest.raises(ValueError, match="shape"):
        task.metric(np.zeros((1, 3)), b)


def test_metric_mse():
    task = AddingTask(**SMALL["adding"])
    b = task.test_batch()
    assert task.metric(b.Y, b) == 0.0
    assert task.metric(b.Y + 0.5, b) == pytest.approx(0.25)


# --- padding ------------------------------------------------------------------------------
def test_pad_sequences_pads_at_the_end():
    X, mask = pad_sequences([np.ones((2, 3)), np.full((4, 3), 2.0)])
    assert X.shape == (2, 4, 3)
    np.testing.assert_array_equal(mask, [[1, 1, 0, 0], [1, 1, 1, 1]])
    np.testing.assert_array_equal(X[0, 2:], 0.0)
    np.testing.assert_array_equal(X[1], 2.0)
    with pytest.raises(ValueError, match="empty"):
        pad_sequences([])


# --- sentiment ----------------------------------------------------------------------------
def test_sentiment_bundled_data_is_sound(sentiment):
    train, test = load_bundled_sentiment()
    assert 55 <= len(train) <= 75 and 18 <= len(test) <= 25
    train_texts = {t for t, _ in train}
    assert len(train_texts) == len(train), "duplicate training sentences"
    assert train_texts.isdisjoint(t for t, _ in test)
    train_words = {w for t, _ in train for w in tokenize(t)}
    assert {w for t, _ in test for w in tokenize(t)} <= train_words
    assert 18 <= len(train_words) <= 22
    for data in (train, test):
        assert {y for _, y in data} == {0, 1}
    # Order matters: some test sentences are anagrams of each other with opposite labels.
    bags = {}
    for t, y in train + test:
        bags.setdefault(tuple(sorted(t.split())), set()).add(y)
    assert any(len(ys) == 2 for ys in bags.values())


def test_sentiment_vocabulary_and_unknown_words(sentiment):
    assert sentiment.vocab[0] == UNK
    assert sentiment.vocab[1:] == sorted(sentiment.vocab[1:])
    assert sentiment.input_size == len(sentiment.vocab) and sentiment.output_size == 2
    X, tokens, unknown = sentiment.encode("This is NOT bad, Dude!")
    assert tokens == ["this", "is", "not", "bad", "dude"]
    assert unknown == ["dude"]
    assert X.shape == (1, 5, len(sentiment.vocab))
    np.testing.assert_array_equal(X.sum(axis=-1), 1.0)
    assert X[0, 4, 0] == 1.0  # dude -> <unk>
    assert X[0, 3, sentiment.word_to_idx["bad"]] == 1.0
    for empty in ("", "  ", "?!"):
        with pytest.raises(ValueError, match="text is empty"):
            sentiment.encode(empty)


def test_sentiment_masks_match_sentence_lengths(sentiment):
    for b in all_batches(sentiment, batch_size=9):
        lengths = [sum(tok != PAD for tok in row) for row in b.tokens]
        np.testing.assert_array_equal(b.mask.sum(axis=1), lengths)
        assert b.mask.shape[1] == max(lengths)  # padded to the longest in the batch
        for i, n in enumerate(lengths):
            assert b.mask[i, :n].all() and not b.mask[i, n:].any()
            np.testing.assert_array_equal(b.X[i, n:], 0.0)
            np.testing.assert_array_equal(b.X[i, :n].sum(axis=-1), 1.0)


def test_sentiment_probe_has_both_classes(sentiment):
    p = sentiment.probe_batch()
    assert p.size == 4 and sorted(p.Y.tolist()) == [0, 0, 1, 1]


def test_sentiment_user_data_builds_its_own_vocabulary():
    task = SentimentTask(train=[("Great movie", 1), ("awful movie", 0)], test=[("great", 1)])
    assert task.vocab == [UNK, "awful", "great", "movie"]
    assert task.test_batch().Y.tolist() == [1]


# --- character language model ------------------------------------------------------------
def test_charlm_hello_world_windows():
    task = CharLMTask("hello world", seq_len=3)
    assert task.vocab == sorted(set("hello world"))
    assert task.n_train == 8 and not task.held_out  # tiny text: test = train windows
    b = task._batch("train", np.array([0, 7]))
    assert task.decode(b.X[0].argmax(-1)) == "hel" and task.decode(b.Y[0]) == "ell"
    assert task.decode(b.X[1].argmax(-1)) == "orl" and task.decode(b.Y[1]) == "rld"
    assert b.tokens[0] == ["h", "e", "l"]
    np.testing.assert_array_equal(task.test_batch().X, task._batch("train", np.arange(8)).X)


def test_charlm_short_text_shrinks_seq_len():
    task = CharLMTask("hello world", seq_len=50)
    assert task.seq_len == 10 and task.n_train == 1


def test_charlm_bundled_text_holds_out_the_end():
    text = bundled_text("gettysburg")
    assert 1000 < len(text) < 3000 and text.startswith("Four score")
    task = CharLMTask("bundled", seq_len=20)
    assert task.held_out and task.stride == 1
    train_starts, test_starts = task._starts["train"], task._starts["test"]
    assert train_starts.max() + task.seq_len < test_starts.min()  # no overlap
    assert task.n_test == int(np.ceil(0.1 * (len(text) - 20)))
    long = CharLMTask(text * 2, seq_len=20)
    assert long.stride == 10


def test_charlm_encode_prompt():
    task = CharLMTask("hello world")
    X, unknown = task.encode_prompt("hex!")
    assert unknown == ["x", "!"] and X.shape == (1, 2, task.input_size)
    assert task.decode(X[0].argmax(-1)) == "he"
    with pytest.raises(ValueError, match="empty"):
        task.encode_prompt("")
    with pytest.raises(ValueError, match="no character"):
        task.encode_prompt("xyz")


# --- time series -------------------------------------------------------------------------
def test_create_windows_hand_computed():
    X, y = create_windows(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 3)
    np.testing.assert_array_equal(X[..., 0], [[1, 2, 3], [2, 3, 4]])
    np.testing.assert_array_equal(y, [[4], [5]])
    assert X.shape == (2, 3, 1)
    X2, y2 = create_windows(np.arange(6.0), 2, horizon=3)
    np.testing.assert_array_equal(X2[..., 0], [[0, 1], [1, 2]])
    np.testing.assert_array_equal(y2, [[4], [5]])
    with pytest.raises(ValueError, match="at least"):
        create_windows(np.arange(3.0), 3)


@pytest.mark.parametrize("feature_range", [(0.0, 1.0), (-1.0, 1.0)])
def test_scaler_round_trip_and_range(feature_range):
    x = np.array([3.0, -2.0, 7.0, 0.5])
    s = MinMaxScaler(feature_range)
    z = s.fit_transform(x)
    assert z.min() == feature_range[0] and z.max() == feature_range[1]
    np.testing.assert_allclose(s.inverse_transform(z), x)
    with pytest.raises(ValueError, match="not fitted"):
        MinMaxScaler().transform(x)


def test_sine_scaler_is_fit_on_training_part_only():
    series = np.concatenate([np.linspace(0, 1, 80), np.linspace(1, 3, 20)])
    task = SineTask(series=series, window=5, test_fraction=0.2)
    assert task.n_train_points == 80
    assert task.scaler.data_min_ == 0.0 and task.scaler.data_max_ == 1.0
    assert task.scaled[:80].max() == 1.0 and task.scaled[80:].max() > 1.0
    assert task.n_test == 20 and task.n_train == 80 - 5
    np.testing.assert_allclose(task.inverse(task.test_batch().Y[:, 0]), series[80:])


def test_sine_values_and_feature_range():
    task = SineTask(n_points=100, freq=0.25, window=4, feature_range=(-1, 1))
    np.testing.assert_allclose(task.raw[:4], [0, 1, 0, -1], atol=1e-12)
    b = task._batch("train", np.array([0]))
    np.testing.assert_allclose(b.X[0, :, 0], [0, 1, 0, -1], atol=1e-12)
    assert b.tokens[0] == ["0.00", "1.00", "0.00", "-1.00"]


def test_forecast_with_repeat_last_value():
    out = forecast(lambda X: X[:, -1, :], np.array([0.1, 0.2, 0.3]), steps=4)
    np.testing.assert_array_equal(out, [0.3, 0.3, 0.3, 0.3])
    # Mean of the window: the predictions feed back into the window.
    out = forecast(lambda X: X.mean(axis=1), np.array([[0.0], [3.0]]), steps=3)
    np.testing.assert_allclose(out, [1.5, 2.25, 1.875])


def test_forecast_test_returns_original_units():
    task = SineTask(series=np.arange(50.0), window=5)
    out = task.forecast_test(lambda X: X[:, -1, :])  # repeat the last training value
    np.testing.assert_allclose(out, np.full(10, 39.0))


# --- adding and copy ---------------------------------------------------------------------
def test_adding_targets_and_marker_halves():
    task = AddingTask(seq_len=11, n_train=300, n_test=10, seed=3)
    b = task._batch("train", np.arange(task.n_train))
    values, markers = b.X[..., 0], b.X[..., 1]
    assert ((values >= 0) & (values < 1)).all()
    np.testing.assert_array_equal(markers[:, :5].sum(1), 1)  # first half: steps 0..4
    np.testing.assert_array_equal(markers[:, 5:].sum(1), 1)  # second half: steps 5..10
    np.testing.assert_allclose(b.Y[:, 0], (values * markers).sum(1))
    assert "0.167" in task.explanation
    marked = [tok for tok in b.tokens[0] if tok.startswith("[")]
    assert len(marked) == 2


def test_adding_baseline_mse_is_one_sixth():
    task = AddingTask(seq_len=10, n_train=10, n_test=20_000, seed=1)
    b = task.test_batch()
    assert task.metric(np.ones_like(b.Y), b) == pytest.approx(1 / 6, abs=0.01)


def test_copy_targets_are_the_first_symbol():
    task = CopyTask(seq_len=6, n_symbols=3, n_train=200, n_test=10, seed=2)
    b = task._batch("train", np.arange(task.n_train))
    S = task.n_symbols
    np.testing.assert_array_equal(b.X[:, 0, :S].argmax(-1), b.Y)
    assert set(b.Y.tolist()) == {0, 1, 2}
    assert (b.X[:, 1:-1, :S] == 0).all() and (b.X[:, 1:-1, S:-1].sum(-1) == 1).all()
    assert (b.X[:, -1, -1] == 1).all() and (b.X[:, :-1, -1] == 0).all()
    assert b.tokens[0][0] in "ABC" and b.tokens[0][-1] == "?"
    assert "1/3" in task.explanation
    assert "Steps 1 to 4 " in task.explanation
    assert "next and last" in CopyTask(seq_len=2, n_train=5, n_test=5).explanation
    blank = CopyTask(seq_len=5, n_distractors=0, n_train=5, n_test=5)
    assert (blank.test_batch().X[:, 1:-1] == 0).all() and blank.input_size == 5


# --- file loading errors -----------------------------------------------------------------
BAD_LABELLED = [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"\x00\x01\xff", "binary"),
    ("text,label\ncaf\u00e9,1\nbad,0\n".encode("latin-1"), "not UTF-8"),
    (
        b"sentence,y\nok,1\nbad,0\n",
        "missing columns 'text', 'label'; found columns 'sentence', 'y'",
    ),
    (b"text,score\nok,1\nbad,0\n", "missing column 'label'"),
    (b"text,label\ngood,1\n ,0\n", "empty text.*row 3"),
    (b"text,label\ngood,1\nbad,meh\nok,2\n", r"'meh' \(row 3\), '2' \(row 4\)"),
    (b"text,label\ngood,1\n\nbad,meh\n", r"'meh' \(row 4\)"),  # blank line skipped, counted
    (b"text,label\ngood,1\n", "at least 2 rows, found 1"),
    (b"text,label\n", "at least 2 rows, found 0"),
    (b"text,label\ngood,1\nhappy,pos\n", "all 2 rows are labelled positive"),
    (b"text,label\n" + b"good,1\n" * 200_000, r"file is 1\.4 MB; the limit is 1\.0 MB"),
]


@pytest.mark.parametrize("data, message", BAD_LABELLED)
def test_load_labelled_csv_errors(data, message):
    with pytest.raises(DataError, match=message):
        load_labelled_csv(data)


def test_load_labelled_csv_accepts_label_spellings_and_sources(tmp_path):
    data = '\ufeffText,LABEL\ngood,Positive\nbad,neg\nok,TRUE\nmeh,0\n"sad, very",false\n'
    expected = [("good", 1), ("bad", 0), ("ok", 1), ("meh", 0), ("sad, very", 0)]
    path = tmp_path / "d.csv"
    path.write_text(data, encoding="utf-8")
    assert load_labelled_csv(data.encode()) == expected
    assert load_labelled_csv(str(path)) == expected
    assert load_labelled_csv(io.BytesIO(data.encode())) == expected
    with pytest.raises(DataError, match="not found"):
        load_labelled_csv(str(tmp_path / "missing.csv"))
    with pytest.raises(DataError, match=r"file is 3\.0 KB; the limit is 1\.0 KB"):
        load_labelled_csv(io.BytesIO(b"x" * 3000), max_bytes=1000)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"\x00\x01\xff", "binary"),
        ("na\u00efve".encode("latin-1"), "not UTF-8"),
        (b"a" * 300, r"file is 300 bytes; the limit is 100 bytes"),
    ],
)
def test_load_text_errors(data, message):
    with pytest.raises(DataError, match=message):
        load_text(data, max_bytes=100)


def test_load_text_normalises_newlines():
    assert load_text("caf\u00e9\r\nok".encode()) == "caf\u00e9\nok"


def _csv(rows: list[str]) -> bytes:
    return ("\n".join(rows) + "\n").encode()


NUMS = [str(i / 10) for i in range(30)]
BAD_SERIES = [
    (b"", {}, "empty"),
    (b"\x00\x01\xff", {}, "binary"),
    ("t,x\n1,\u00e9\n".encode("latin-1"), {}, "not UTF-8"),
    (_csv(["date,name"] + ["2020-01-01,a"] * 30), {},
     "no numeric column found; columns: 'date', 'name'"),
    (_csv(["a,b"] + [f"{v},1" for v in NUMS]), {"column": "c"}, "'c' not found; columns: 'a', 'b'"),
    (_csv(["a,b"] + [f"{v},x" for v in NUMS]), {"column": "b"}, "'b' is not numeric"),
    (_csv(["x"] + NUMS[:5] + ["nan"] + NUMS[6:9] + [""] + NUMS[10:]), {},
     r"2 missing, NaN or infinite values \(first at row 7\)"),
    (_csv(["x"] + NUMS[:3] + ["inf"] + NUMS[4:]), {}, "1 missing, NaN or infinite value "),
    (_csv(["x"] + NUMS[:21]), {}, "has 21 rows; with window=20 at least 22"),
    (b"x\n" + b"1.5\n" * 300_000, {}, r"file is 1\.2 MB; the limit is 1\.0 MB"),
]  # fmt: skip


@pytest.mark.parametrize("data, kwargs, message", BAD_SERIES)
def test_load_series_csv_errors(data, kwargs, message):
    with pytest.raises(DataError, match=message):
        load_series_csv(data, **kwargs)


def test_load_series_csv_picks_numeric_columns():
    data = _csv(["date,price,volume"] + [f"d{i},{i * 1.5},{i}" for i in range(25)])
    values, name, numeric = load_series_csv(data)
    assert name == "price" and numeric == ["price", "volume"]
    np.testing.assert_allclose(values, np.arange(25) * 1.5)
    values, name, _ = load_series_csv(data, column="volume")
    assert name == "volume" and values[-1] == 24.0
    headerless, name, _ = load_series_csv(_csv(NUMS), window=5)
    assert name == "value" and len(headerless) == 30


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)
