"""The Train page's live feed: the training thread, the frame files, their numbers."""

from __future__ import annotations

import gc
import json
import os
import threading
import time

import pytest

from rnnviz.lessons import training
from rnnviz.lessons import training as live_figs
from rnnviz.live import board as classroom
from rnnviz.live import feed, frames, pace
from rnnviz.train import settings as cf
from rnnviz.train.recipes import configured
from rnnviz.train.run import TrainingRun


def make_feed(tmp_path, cfg=None) -> feed.Feed:
    run = TrainingRun(cfg or configured("sine"))
    return feed.Feed(run, threading.RLock(), "s1", folder=tmp_path)


def read(f: feed.Feed) -> tuple[int, dict]:
    return frames.unpack(f.path.read_bytes())


def wait_for(cond, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.02)
    return cond()


def test_a_turn_trains_then_writes_the_frame_of_the_run_as_it_is(tmp_path):
    f = make_feed(tmp_path)
    assert not f.turn(0.01) and f.run.batches == 0  # not playing: nothing happens
    assert f.play()
    while f.run.epoch < 2:
        assert f.turn(0.02)
    seq, frame = read(f)
    run = f.run
    assert seq == frame["seq"] == f.seq and frame["playing"]
    assert frame["epoch"] == run.epoch
    assert dict(frame["status"])["Epoch"] == str(run.epoch)
    assert frame["note"].startswith("last turn: ") and "ms training" in frame["note"]
    assert f.url == f"app/static/live/{f.token}.gz" and len(f.token) >= 20
    keys = [k for row in live_figs.LAYOUT for k in row if k in frame["charts"]]
    assert [k for row in frame["rows"] for k in row] == keys and len(keys) == 8
    trace = run.probe_trace.grad_norm  # the gradient-flow chart is the run's own record
    flow = frame["charts"]["flow"]["data"][0]["y"]
    assert flow["dtype"] == "f4" and len(trace) == len(frame["charts"]["hidden"]["data"][0]["x"])


def test_per_epoch_charts_wait_while_the_learning_curves_move_every_turn(tmp_path):
    f = make_feed(tmp_path, cf.default_config())  # sentiment: a batch of 1 sentence
    f.play()
    f.turn(0.0)  # one batch: the epoch goes on
    ids = read(f)[1]["ids"]
    epoch = f.run.epoch
    f.turn(0.0)
    again = read(f)[1]["ids"]
    assert f.run.epoch == epoch, "the epoch ended: the test needs a longer one"
    assert again["loss"] != ids["loss"]  # the epoch in progress moved
    assert {k: v for k, v in again.items() if k != "loss"} == {
        k: v for k, v in ids.items() if k != "loss"}  # per-epoch charts: not rebuilt yet


def test_snapshots_and_written_frames_share_one_order(tmp_path):
    f = make_feed(tmp_path)
    f.play()
    f.turn(0.01)
    frame, playing = f.snapshot()
    inline = json.loads(frame)
    assert playing and inline["playing"]
    assert inline["seq"] == read(f)[0] + 1  # the page's frame is newer than the file's
    f.pause()
    frame, playing = f.snapshot()
    assert not playing and not json.loads(frame)["playing"]


def test_a_diverging_run_stops_itself_and_its_last_frame_says_so(tmp_path):
    cfg, _ = cf.from_query({"preset": ["exploding"], "lr": ["10"], "scale": ["4"]})
    f = make_feed(tmp_path, cfg)
    f.play()
    for _ in range(200):
        if not f.turn(0.02):
            break
    assert f.run.diverged and not f.playing
    frame = read(f)[1]
    assert not frame["playing"] and "diverged at epoch" in frame["diverged"]
    assert not f.play()  # a diverged run cannot play until Reset


def test_the_trainer_thread_trains_playing_feeds_and_leaves_paused_ones(tmp_path):
    t = feed.Trainer(pace.Pace())
    a, b = make_feed(tmp_path), make_feed(tmp_path)
    t.add(a)
    t.add(b)
    a.play()
    t.wake()
    assert wait_for(lambda: a.run.epoch >= 2 and a.path.exists())
    assert b.run.batches == 0 and not b.path.exists()  # paused: untouched
    a.pause()
    epoch = a.run.epoch
    assert t.wait_passes(3, timeout=20)
    assert a.run.epoch == epoch  # paused: three passes of the loop left it alone
    b.play()
    gone = [False]
    b.alive = lambda: not gone[0]
    t.wake()
    assert wait_for(lambda: b.run.batches > 0)
    gone[0] = True  # the browser session ended: the trainer pauses its feed ...
    assert wait_for(lambda: not b.playing)
    assert not read(b)[1]["playing"]  # ... and says so to a page that still polls
    t.stop_all()


class SlowWrites:
    """feed._write slowed down: the window between a state change and the frame file that
    reports it is wide open, so a reader who looks in between would see the old frame."""

    def __init__(self, monkeypatch, seconds: float = 0.3):
        self.real, self.seconds = feed._write, seconds
        monkeypatch.setattr(feed, "_write", self)

    def __call__(self, f, frame):
        time.sleep(self.seconds)
        self.real(f, frame)


def stopped_and_read(f: feed.Feed, stop) -> dict:
    """Call stop() in a thread; the moment f.playing turns False, read the frame file."""
    th = threading.Thread(target=stop)
    th.start()
    assert wait_for(lambda: not f.playing, timeout=20), "the run did not stop"
    frame = read(f)[1]  # what a page polling right now is told
    th.join(timeout=20)
    return frame


@pytest.mark.parametrize("how", ["trainer stops it", "pause", "it diverges", "new run"])
def test_once_a_run_is_stopped_its_frame_never_says_it_plays(tmp_path, monkeypatch, how):
    f = make_feed(tmp_path)
    f.play()
    f.turn(0.0)
    assert read(f)[1]["playing"]
    SlowWrites(monkeypatch)
    if how == "it diverges":  # the run's own divergence path, on its next batch
        monkeypatch.setattr(f.run, "advance", lambda seconds: f.run._diverge(1e30))

        def stop():
            f.turn(0.01)
    else:
        stop = {"trainer stops it": f.stop, "pause": f.pause,
                "new run": lambda: f.attach(TrainingRun(configured("sine")), f.view)}[how]
    frame = stopped_and_read(f, stop)
    assert not frame["playing"], "the flag said stopped while the frame said playing"
    if how == "it diverges":
        assert f.run.diverged and "diverged at epoch" in frame["diverged"]


def test_a_turn_that_fails_stops_that_run_only_and_says_why(tmp_path, monkeypatch):
    t = feed.Trainer(pace.Pace())
    good, bad = make_feed(tmp_path), make_feed(tmp_path)
    for f in (good, bad):
        t.add(f)
        f.play()
    bad.turn(0.0)  # one good frame first

    def broken(seconds):
        raise RuntimeError("boom")

    monkeypatch.setattr(bad.run, "advance", broken)
    t.wake()
    assert wait_for(lambda: not bad.playing and good.run.epoch >= 2)
    assert good.playing and bad.error == "RuntimeError: boom"
    assert not read(bad)[1]["playing"]  # the page's element sees it stopped and reruns
    assert bad.play() and bad.error is None  # Play again clears the message
    t.stop_all()


def test_a_feed_whose_session_is_gone_leaves_no_file_and_no_work(tmp_path):
    t = feed.Trainer(pace.Pace())
    f = make_feed(tmp_path)
    t.add(f)
    f.play()
    f.turn(0.0)
    path = f.path
    assert path.exists() and t.playing() == [f]
    f.pause()
    del f
    gc.collect()
    assert not path.exists() and t.playing() == []


def test_a_shared_feed_posts_the_class_board(tmp_path):
    board = classroom.Board(public=tmp_path / "board", private=tmp_path / "private")
    assert board.claim("lecturer")
    f = make_feed(tmp_path)
    f.board = board
    f.view = feed.View(share="lecturer")
    f.play()
    f.turn(0.02)
    seq, frame = frames.unpack(board.frame_path.read_bytes())
    assert frame["seq"] == seq and frame["epoch"] == f.run.epoch and frame["playing"]
    assert "shared with the class, 0 watching" in frame["note"]


def test_old_frame_files_are_swept(tmp_path):
    old, new = tmp_path / "old.gz", tmp_path / "new.gz"
    old.write_bytes(b"x")
    new.write_bytes(b"x")
    t = time.time() - feed.STALE_FILE_S - 10
    os.utime(old, (t, t))
    assert feed.sweep(tmp_path) == 1 and not old.exists() and new.exists()


@pytest.mark.parametrize("preset, kind", [("sentiment-modern", "table"),
                                          ("hello-world", "code"), ("sine", None)])
def test_task_views_are_text_ready_to_show(preset, kind):
    view = training.task_view(TrainingRun(configured(preset)))
    if kind is None:
        assert view is None  # sine's view is a chart
    elif kind == "code":
        assert view["code"].startswith("greedy:") and "temperature 1.0" in view["code"]
    else:
        cols, rows = view["table"]["columns"], view["table"]["rows"]
        assert cols[:3] == ["sentence", "label", "P(positive)"]
        assert all(len(r) == len(cols) and isinstance(r[2], str) for r in rows)
        assert all(0 <= float(r[2]) <= 1 and r[4] in ("✓", "✗") for r in rows)


def test_rounds_adapt_their_training_time_to_keep_half_of_each_interval():
    fit = feed.BUDGET
    for _ in range(30):  # a busy machine: every round takes its whole interval
        fit = feed.fitted(fit, body_s=feed.TICK, every=feed.TICK)
    assert fit == pace.MIN_BUDGET
    for _ in range(60):
        fit = feed.fitted(fit, body_s=0.1 * feed.TICK, every=feed.TICK)
    assert fit == feed.BUDGET
