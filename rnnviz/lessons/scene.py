"""What a lesson's live view answers (rnnviz.live.feed asks each frame), with defaults.

A scene draws a run as frames: `layout` (rows of chart keys), `status` (the numbers above
the charts), `fast` (charts redrawn every frame), `slow` (charts rebuilt at most once an
epoch, the task views under them, and facts the status row may show), `key` (anything
else that must rebuild the slow part), `refresh` (a value whose change asks the page to
rerun, for text the page draws itself) and `reset_note`.
"""

from __future__ import annotations


class Scene:
    reset_note = "Reset: fresh weights from the same seed, epoch 0."
    rows: tuple = ()  # the layout, when it does not depend on the run

    def layout(self, run, view) -> tuple:
        return self.rows

    def key(self, run, view):
        return None

    def refresh(self, run):
        return None

    def caption(self, run) -> str:
        return run.task.title

    def fast(self, run, view) -> dict:
        return {}

    def status(self, run, view, facts: dict) -> list[tuple[str, str]]:
        raise NotImplementedError

    def slow(self, run, view) -> tuple[dict, object, dict]:
        raise NotImplementedError
