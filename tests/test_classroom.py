"""Follow the lecturer: the shared board and the Watch page (/watch)."""

from __future__ import annotations

import base64
import json
import threading

import numpy as np
import pytest
from apptest import chart_specs, open_app

from rnnviz.experiments import configured
from rnnviz.session import TrainingRun
from rnnviz.ui import classroom


@pytest.fixture(autouse=True)
def fresh_board():
    classroom.board.clear()  # st.cache_resource: one board per process
    yield
    classroom.board.clear()


def sine_run() -> TrainingRun:
    return TrainingRun(configured("sine"))


def test_one_owner_at_a_time_and_only_the_owner_stops_sharing():
    b = classroom.Board()
    run, lock = sine_run(), threading.RLock()
    assert b.frame(big=False) is None  # nothing shared yet
    assert b.publish("lecturer", run, lock, 0, playing=True)
    assert not b.publish("student", sine_run(), threading.RLock(), 0, playing=True)
    b.stop("student")
    assert b.holder()[0] == "lecturer"
    b.stop("lecturer")
    assert b.holder()[0] is None and b.frame(big=False) is None
    assert b.publish("student", run, lock, 0, playing=False)


def test_a_silent_owner_can_be_replaced(monkeypatch):
    b = classroom.Board()
    assert b.publish("lecturer", sine_run(), threading.RLock(), 0, playing=True)
    b.seen -= classroom.STALE_S + 1  # the lecturer's tab closed long ago
    assert b.publish("new lecturer", sine_run(), threading.RLock(), 0, playing=True)
    assert b.holder()[0] == "new lecturer"


def test_a_frame_is_built_once_per_run_state_and_shared_by_every_viewer():
    b = classroom.Board()
    run = sine_run()
    b.publish("lecturer", run, threading.RLock(), 0, playing=True)
    first = b.frame(big=False, viewer="a")
    assert b.frame(big=False, viewer="b") is first  # same strings for the second viewer
    assert b.watching() == 2
    assert first.status["epoch"] == 0 and set(first.charts) >= {"loss", "flow", "hidden"}
    run.step()
    second = b.frame(big=False, viewer="a")
    assert second is not first and second.status["epoch"] == 1
    # the numbers come from the run itself: the flow curve is the probe trace's norms
    y = json.loads(second.charts["flow"])["data"][0]["y"]
    flow = np.frombuffer(base64.b64decode(y["bdata"]), np.dtype(y["dtype"]))
    assert y["dtype"] == "f4"  # float32 over the websocket
    np.testing.assert_allclose(flow, run.probe_trace.grad_norm, rtol=1e-6)
    assert b.frame(big=True) is not second  # presentation mode has its own figures


def test_watch_page_says_how_to_start_when_nothing_is_shared():
    at = open_app("pages/watch_lecturer.py")
    assert any("Nothing is shared right now" in i.value for i in at.info)
    assert chart_specs(at) == []


def test_students_see_the_lecturers_run_and_its_progress():
    lecturer = open_app("pages/train_live.py", query={"preset": "sine"})
    next(t for t in lecturer.toggle if t.label == "Share with the class").set_value(True).run()
    assert any("Shared with the class" in c.value for c in lecturer.caption)
    lecturer.button[1].click().run()  # Step: one epoch
    run = lecturer.session_state["run"]
    assert run.epoch == 1

    student = open_app("pages/watch_lecturer.py")
    assert not student.info
    assert next(m.value for m in student.metric if m.label == "Epoch") == "1"
    watched = chart_specs(student)
    own = chart_specs(lecturer)
    assert len(watched) == len(own) == 8
    assert watched[1]["data"] == own[1]["data"]  # the same gradient-flow curve
    assert "paused" in " ".join(c.value for c in student.caption)

    lecturer.button[1].click().run()  # another epoch: the student's next refresh shows it
    student.run()
    assert next(m.value for m in student.metric if m.label == "Epoch") == "2"

    next(t for t in lecturer.toggle if t.label == "Share with the class").set_value(False).run()
    student.run()
    assert any("Nothing is shared right now" in i.value for i in student.info)


def test_sessions_training_at_once_share_the_budget(monkeypatch):
    from rnnviz.ui import pace

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
    from rnnviz.ui import live, pace

    assert pace.interval(live.TICK, 1) == live.TICK  # alone: 10 ticks a second
    assert pace.interval(live.TICK, 10) == pytest.approx(10 * pace.PER_SESSION)
    assert pace.interval(live.TICK, 200) == pace.MAX_INTERVAL < 0.5
