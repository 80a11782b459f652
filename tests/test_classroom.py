"""Follow the lecturer: the shared board and the Watch page (/watch)."""

from __future__ import annotations

import json

import pytest
from apptest import chart_specs, open_app

from rnnviz.experiments import configured
from rnnviz.figures import live as live_figs
from rnnviz.session import TrainingRun
from rnnviz.ui import classroom
from rnnviz.ui.livechart import to_json


@pytest.fixture(autouse=True)
def fresh_board():
    classroom.board.clear()  # st.cache_resource: one board per process
    yield
    classroom.board.clear()


def frame(epochs: int = 0, playing: bool = True) -> classroom.Frame:
    """A Frame as the lecturer's tick posts it: its status and its charts' JSON."""
    run = TrainingRun(configured("sine"))
    for _ in range(epochs):
        run.step()
    charts = {k: to_json(v) for k, v in live_figs.train_figures(run, 0, big=False).items()}
    return classroom.frame_of(run, live_figs.status(run), charts, playing)


def test_one_owner_at_a_time_and_only_the_owner_stops_sharing():
    b = classroom.Board()
    f = frame()
    assert b.latest() is None  # nothing shared yet
    assert b.publish("lecturer", f)
    assert not b.publish("student", frame())
    assert b.latest() is f
    b.stop("student")
    assert b.holder()[0] == "lecturer"
    b.stop("lecturer")
    assert b.holder()[0] is None and b.latest() is None
    assert b.publish("student", f)


def test_a_silent_owner_can_be_replaced():
    b = classroom.Board()
    assert b.publish("lecturer", frame())
    b.seen -= classroom.STALE_S + 1  # the lecturer's tab closed long ago
    assert b.publish("new lecturer", frame())
    assert b.holder()[0] == "new lecturer"


def test_every_viewer_gets_the_frame_the_lecturer_posted():
    b = classroom.Board()
    first = frame(epochs=1)
    b.publish("lecturer", first)
    assert b.latest(viewer="a") is first and b.latest(viewer="b") is first  # same strings
    assert b.watching() == 2
    assert first.status["epoch"] == 1 and "Time series" in first.caption
    grid = json.loads(first.grid)
    assert [k for row in grid["rows"] for k in row][:3] == ["loss", "flow", "hidden"]
    assert set(grid["ids"]) == set(grid["charts"])  # the browser redraws by hash
    second = frame(epochs=2)
    b.publish("lecturer", second)
    assert b.latest(viewer="a") is second and second.status["epoch"] == 2
    y = grid["charts"]["flow"]["data"][0]["y"]
    assert y["dtype"] == "f4"  # float32 over the websocket


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
