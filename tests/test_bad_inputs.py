"""Every bad upload and pasted text, through the functions the pages call, gets a specific
message naming the problem (table-driven). The pages keep the current run when these raise
(tested in test_app.py, test_browser.py and the page tests)."""

from __future__ import annotations

import io

import numpy as np
import pytest

from rnnviz.lessons.sentiment_probe import load_user_data
from rnnviz.lessons.textgen import check_text
from rnnviz.tasks import DataError, load_series_csv, load_text
from rnnviz.train import runfile as runio
from rnnviz.train.recipes import configured
from rnnviz.train.run import TrainingRun

GOOD_CSV = b"text,label\ngood,1\nbad,0\nnot good,0\nnot bad,1\n"
BINARY = b"\x00\x01\x02\xff\xfe binary \x00"
LATIN1 = "text,label\ncaf\xe9 good,1\nbad,0\n".encode("latin-1")

SENTIMENT = [
    ("empty", b"", "empty"),
    ("binary", BINARY, "binary"),
    ("wrong encoding", LATIN1, "UTF-8"),
    ("missing column", b"sentence,label\ngood,1\nbad,0\n", "text"),
    ("wrong columns", b"a,b\n1,2\n3,4\n", "columns"),
    ("single row", b"text,label\ngood,1\n", "at least 2"),
    ("labels outside the set", b"text,label\ngood,maybe\nbad,0\n", "maybe"),
    ("one class only", b"text,label\ngood,1\nhappy,1\n", "both positive and negative"),
    ("empty text cell", b"text,label\n,1\nbad,0\n", "empty"),
    ("over the size limit", b"text,label\n" + b"good,1\n" * 200_000, "limit"),
]

SERIES = [
    ("empty", b"", "empty"),
    ("binary", BINARY, "binary"),
    ("no numeric column", b"name,city\na,b\nc,d\n", "no numeric column"),
    ("NaN", b"v\n1\n2\nnan\n" + b"3\n" * 40, "NaN"),
    ("inf", b"v\n1\ninf\n" + b"3\n" * 40, "infinite"),
    ("too few rows", b"v\n1\n2\n3\n", "rows"),
    ("over the size limit", b"v\n" + b"1.0\n" * 400_000, "limit"),
]

TEXT = [
    ("empty", b"", "empty"),
    ("binary", BINARY, "binary"),
    ("wrong encoding", "caf\xe9 au lait".encode("latin-1"), "UTF-8"),
    ("over the size limit", b"ab" * 150_000, "limit"),
]

PASTED = [
    ("empty", "", "empty"),
    ("whitespace", "   \n ", "empty"),
    ("one distinct character", "aaaaaaaa", "single distinct character"),
    ("over the size limit", "ab" * 150_000, "limit"),
]


@pytest.mark.parametrize("name,data,needle", SENTIMENT, ids=[r[0] for r in SENTIMENT])
def test_bad_sentiment_csv(name, data, needle):
    with pytest.raises(DataError, match=needle) as e:
        load_user_data(io.BytesIO(data), io.BytesIO(GOOD_CSV))
    assert str(e.value).startswith("training file:")


@pytest.mark.parametrize("name,data,needle", SERIES, ids=[r[0] for r in SERIES])
def test_bad_series_csv(name, data, needle):
    with pytest.raises(DataError, match=needle):
        load_series_csv(data, window=20)


@pytest.mark.parametrize("name,data,needle", TEXT, ids=[r[0] for r in TEXT])
def test_bad_text_file(name, data, needle):
    with pytest.raises(DataError, match=needle):
        load_text(data)


@pytest.mark.parametrize("name,text,needle", PASTED, ids=[r[0] for r in PASTED])
def test_bad_pasted_text(name, text, needle):
    with pytest.raises(DataError, match=needle):
        check_text(text)


def _saved() -> bytes:
    return runio.to_bytes(TrainingRun(configured("sentiment-modern")))


def _swap(data: bytes, **changes) -> bytes:
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    for k, v in changes.items():
        arrays[k.replace("__", "/")] = v
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _other_model_params() -> bytes:
    """A run file whose weights belong to another model (hidden 8) but claim this config."""
    mine, other = _saved(), runio.to_bytes(TrainingRun(configured("sentiment-modern", hidden=8)))
    with np.load(io.BytesIO(other), allow_pickle=False) as z:
        params = {k: z[k] for k in z.files if k.startswith("param/")}
    return _swap(mine, **{k.replace("/", "__"): v for k, v in params.items()})


RUNS = [
    ("empty", lambda: b"", "empty"),
    ("binary", lambda: BINARY, "not an rnnviz run"),
    ("a text file", lambda: GOOD_CSV, "not an rnnviz run"),
    ("truncated", lambda: _saved()[:500], "not an rnnviz run"),
    ("tampered meta", lambda: _swap(_saved(), meta=np.frombuffer(b"{", np.uint8)), "JSON"),
    ("weights of another model", _other_model_params, "shape"),
    ("non-finite weights", lambda: _swap(_saved(), param__b_y=np.array([np.inf, 0.0])),
     "non-finite"),
    ("a pickle inside", lambda: _swap(_saved(), param__b_y=np.array([{"x": 1}, None],
                                                                    dtype=object)), "run"),
]


@pytest.mark.parametrize("name,make,needle", RUNS, ids=[r[0] for r in RUNS])
def test_bad_saved_run(name, make, needle):
    with pytest.raises(runio.RunFileError, match=needle):
        runio.from_bytes(make())
