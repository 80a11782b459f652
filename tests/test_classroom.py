"""Follow the lecturer: the shared board and the Watch page (/watch)."""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import threading
import time
import types

import numpy as np
import pytest
from apptest import chart_specs, component_data, open_app

from rnnviz.lessons import training as live_figs
from rnnviz.live import board as classroom
from rnnviz.live import frames
from rnnviz.live.frames import to_json
from rnnviz.train.recipes import configured
from rnnviz.train.run import TrainingRun
from rnnviz.ui import process


@pytest.fixture(autouse=True)
def fresh_board(tmp_path, monkeypatch):
    """Each test its own board folders (the real ones are ./static/board and a temp dir)."""
    monkeypatch.setattr(classroom, "STATIC", tmp_path / "static")
    monkeypatch.setattr(classroom, "_private_default", lambda: tmp_path / "private")
    process.board.clear()  # st.cache_resource: one board per process
    yield
    process.board.clear()


def sine_run() -> TrainingRun:
    return TrainingRun(configured("sine"))


def read_frame(board: classroom.Board) -> dict | None:
    """The frame as a browser gets it: header, gunzip, JSON."""
    if not board.frame_path.exists():
        return None
    seq, frame = frames.unpack(board.frame_path.read_bytes())
    assert frame["seq"] == seq
    return frame


def post(board, owner, run, playing=False) -> bool:
    charts = {"flow": to_json(live_figs.train_figures(run, 0, False)["flow"])}
    frame = frames.frame_json(live_figs.LAYOUT, charts, epoch=run.epoch, playing=playing,
                                 caption="c", status=[("Epoch", str(run.epoch))],
                                 diverged=None)
    return board.post(owner, (id(run), run.batches, playing), frame)


def test_one_owner_at_a_time_and_only_the_owner_stops_sharing():
    b = classroom.Board()
    assert b.holder()[0] is None and read_frame(b) is None  # nothing shared yet
    assert b.claim("lecturer")
    assert not b.claim("student")
    run = sine_run()
    assert not post(b, "student", run)  # only the owner posts
    assert post(b, "lecturer", run) and read_frame(b)["epoch"] == 0
    b.stop("student")
    assert b.holder()[0] == "lecturer" and read_frame(b) is not None
    b.stop("lecturer")
    assert b.holder()[0] is None and read_frame(b) is None
    assert b.claim("student")


def test_a_silent_owner_can_be_replaced():
    b = classroom.Board()
    assert b.claim("lecturer")
    long_ago = time.time() - classroom.STALE_S - 1  # the lecturer's tab closed long ago
    os.utime(b.owner_path, (long_ago, long_ago))
    assert b.claim("new lecturer")
    assert b.holder()[0] == "new lecturer"


def test_the_frame_of_an_ended_server_process_is_swept_away():
    b = classroom.Board()
    assert b.claim("lecturer") and post(b, "lecturer", sine_run())
    dead = subprocess.Popen(["true"])  # noqa: S607
    dead.wait()
    b.owner_path.write_text(f"{dead.pid} lecturer")  # as if another process had shared it
    assert b.holder()[0] is None
    classroom.Board()  # the next process to open the board
    assert read_frame(b) is None and not b.owner_path.exists()


def test_frames_carry_the_runs_own_numbers_and_are_written_at_a_bounded_rate(monkeypatch):
    clock = [1000.0]  # the board's clock stands still unless the test moves it: a slow
    # run.step() on a busy machine must not count as time between frames
    monkeypatch.setattr(classroom, "time", types.SimpleNamespace(
        monotonic=lambda: clock[0], time=time.time, time_ns=time.time_ns))
    b = classroom.Board()
    run = sine_run()
    b.claim("lecturer")
    assert post(b, "lecturer", run, playing=True)
    first = read_frame(b)
    assert not post(b, "lecturer", run, playing=True)  # the same view: not written again
    run.step()
    assert not post(b, "lecturer", run, playing=True)  # within MIN_INTERVAL while playing
    assert post(b, "lecturer", run, playing=False)  # Pause shows at once
    second = read_frame(b)
    assert second["seq"] > first["seq"] and second["epoch"] == 1 and not second["playing"]
    run.step()
    assert post(b, "lecturer", run, playing=False)  # paused: each Step shows at once
    third = read_frame(b)
    assert third["epoch"] == 2 and third["status"] == [["Epoch", "2"]]
    assert third["rows"] == [["flow"]] and set(third["ids"]) == {"flow"}
    # the numbers come from the run itself: the flow curve is the probe trace's norms
    y = third["charts"]["flow"]["data"][0]["y"]
    flow = np.frombuffer(base64.b64decode(y["bdata"]), np.dtype(y["dtype"]))
    assert y["dtype"] == "f4"  # float32 to the browsers
    np.testing.assert_allclose(flow, run.probe_trace.grad_norm, rtol=1e-6)
    assert post(b, "lecturer", run, playing=True)  # Play again shows at once
    run.step()
    assert not post(b, "lecturer", run, playing=True)  # then within the interval: not yet
    clock[0] += classroom.MIN_INTERVAL
    assert post(b, "lecturer", run, playing=True)  # once it has passed: the next frame
    assert read_frame(b)["epoch"] == 3


def test_frame_files_keep_their_size_so_a_replaced_file_matches_the_served_length():
    small = frames.pack(7, '{"seq":7,"x":"' + "a" * 100 + '"}')
    assert len(small) == frames.SIZE_STEP and small.startswith(b"rnnviz-frame ")
    assert frames.unpack(small) == (7, {"seq": 7, "x": "a" * 100})
    rng = np.random.default_rng(0)  # incompressible: gzip cannot shrink it
    big = frames.pack(8, json.dumps({"seq": 8, "x": rng.bytes(20_000).hex()}))
    assert len(big) % frames.SIZE_STEP == 0 and len(big) > 20_000
    again = frames.pack(9, '{"seq":9}', size=len(big))  # a smaller frame: same size
    assert len(again) == len(big) and frames.unpack(again) == (9, {"seq": 9})
    with pytest.raises(ValueError):
        frames.unpack(gzip.compress(b'{"seq": 1}') + bytes(100))


def test_viewers_are_counted_by_their_recent_heartbeats():
    b = classroom.Board()
    b.watch("a")
    b.watch("b")
    b.watch("a")
    assert b.watching() == 2
    old = time.time() - classroom.WATCH_S - 1
    for p in b.watchers.iterdir():
        os.utime(p, (old, old))
    b._count = (0.0, 0)  # counted once a second: forget the last count
    assert b.watching() == 0


def test_watch_page_polls_the_shared_frame():
    at = open_app("pages/watch_lecturer.py")
    follow = [json.loads(s) for s in component_data(at) if s.startswith('{"follow"')]
    assert follow == [{"follow": classroom.URL, "every": 0.3, "idle": 1.5}]
    assert classroom.URL == "app/static/board/frame.gz"
    assert process.board().watching() == 1  # its heartbeat


def test_students_see_the_lecturers_run_and_its_progress():
    lecturer = open_app("pages/train_live.py", query={"preset": "sine"})
    next(t for t in lecturer.toggle if t.label == "Share with the class").set_value(True).run()
    assert any("Shared with the class" in c.value for c in lecturer.caption)
    lecturer.button[1].click().run()  # Step: one epoch
    run = lecturer.session_state["train:run"]
    assert run.epoch == 1
    open_app("pages/watch_lecturer.py")  # a student
    process.board()._count = (0.0, 0)  # counted once a second: count again now
    lecturer.run()
    assert any("1 watching now" in c.value for c in lecturer.caption)

    frame = read_frame(process.board())
    assert frame["epoch"] == 1 and not frame["playing"]
    assert dict(frame["status"])["Epoch"] == "1"
    assert "sine wave" in frame["caption"] and "parameters" in frame["caption"]
    own = chart_specs(lecturer)  # what the lecturer's page drew
    assert len(frame["charts"]) == len(own) == 8
    assert frame["charts"]["flow"]["data"] == own[1]["data"]  # the same gradient-flow curve
    assert [k for row in frame["rows"] for k in row] == [
        k for row in live_figs.LAYOUT for k in row if k in frame["charts"]]

    lecturer.button[1].click().run()  # another epoch: the frame follows
    assert read_frame(process.board())["epoch"] == 2

    next(t for t in lecturer.toggle if t.label == "Share with the class").set_value(False).run()
    assert read_frame(process.board()) is None  # students see "Nothing is shared"


def test_sessions_training_at_once_share_the_budget(monkeypatch):
    from rnnviz.live import pace

    now = [100.0]
    monkeypatch.setattr(pace.time, "monotonic", lambda: now[0])
    p = pace.Pace()
    assert p.share("lecturer", 0.05) == 0.05  # alone: the full budget
    assert p.share("student", 0.05) == 0.025 and p.active() == 2
    for k in range(40):
        p.share(f"s{k}", 0.05)
    assert p.share("lecturer", 0.05) == pace.MIN_BUDGET  # a crowd: never below the floor
    now[0] += pace.ACTIVE_S + 0.1  # everybody else paused
    assert p.share("lecturer", 0.05) == 0.05 and p.active() == 1


def test_the_tick_interval_grows_with_the_crowd_up_to_two_refreshes_a_second():
    from rnnviz.live import feed as live
    from rnnviz.live import pace

    assert pace.interval(live.TICK, 1) == live.TICK  # alone: 10 ticks a second
    assert pace.interval(live.TICK, 10) == pytest.approx(10 * pace.PER_SESSION)
    assert pace.interval(live.TICK, 200) == pace.MAX_INTERVAL < 0.5


def test_the_training_time_per_tick_adapts_so_ticks_keep_their_interval():
    from rnnviz.live import feed as live
    from rnnviz.live import pace

    every = live.TICK
    fit = live.BUDGET
    for _ in range(30):  # a busy machine: every tick's body takes the whole interval
        fit = live.fitted(fit, body_s=every, every=every)
    assert fit == pace.MIN_BUDGET  # trains as little as a tick may, the charts stay live
    for _ in range(60):  # quiet again: bodies well within KEEP of the interval
        fit = live.fitted(fit, body_s=0.1 * every, every=every)
    assert fit == live.BUDGET  # back to the full budget, never above it
    assert live.fitted(live.BUDGET, body_s=live.KEEP * every * 1.01, every=every) < live.BUDGET


def test_frame_files_grow_safely_under_the_pages_range_requests(tmp_path):
    """The board and live frame files are replaced while browsers read them, and only grow.
    Asked for as livechart.js asks (Range: bytes=0-), a read that a larger file replaced
    midway ends short instead of breaking the response; the frame is whole or says so."""
    import http.client

    from browser import served_app


    path = frames.STATIC / "board" / "growing-test.gz"
    path.parent.mkdir(exist_ok=True)
    stop = threading.Event()

    def grow():  # frames of growing size, each written atomically, as Board.post does
        n = 0
        while not stop.is_set():
            n += 1
            frame = json.dumps({"seq": n, "pad": os.urandom(128 * n).hex()})  # gzip keeps it
            frames.write_atomic(path, frames.pack(n, frame, 0))
            time.sleep(0.002)

    with served_app() as url:
        writer = threading.Thread(target=grow, daemon=True)
        frames.write_atomic(path, frames.pack(0, "{}", 0))
        writer.start()
        host, port = url.removeprefix("http://").split(":")
        answers, whole = 0, 0
        try:
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                conn = http.client.HTTPConnection(host, int(port), timeout=5)
                conn.request("GET", "/app/static/board/growing-test.gz",
                             headers={"Range": "bytes=0-"})
                r = conn.getresponse()
                body = r.read()  # raises if the server broke the response off
                conn.close()
                assert r.status == 206
                answers += 1
                seq_len = body[:frames.HEADER].split()
                if frames.HEADER + int(seq_len[2]) <= len(body):
                    whole += 1
                    assert frames.unpack(body)[1]["seq"] == int(seq_len[1])
        finally:
            stop.set()
            writer.join()
            path.unlink(missing_ok=True)
    assert answers > 50 and whole > answers // 2
