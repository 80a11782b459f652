"""A second core for the weight gradients: one worker thread multiplies out each finished
chunk of BPTT steps (dW = sum over steps) while the loop over time goes on, with the same
BLAS call on the same arrays, so the result does not depend on which thread ran it.

`ENABLED` (read when a pass starts) is on with more than one core and single-threaded BLAS;
multi-threaded BLAS splits the big products itself (measurements: benchmarks/notes/core.md).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable


def _cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _blas_threads_env() -> str | None:
    """The thread count NumPy's OpenBLAS reads from the environment (None: all cores)."""
    for name in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(name):
            return os.environ[name].strip()
    return None


ENABLED = _cores() > 1 and _blas_threads_env() == "1"


class Job:
    """A product handed over; result() waits for it and re-raises what it raised."""

    __slots__ = ("_fn", "_done", "_value", "_error")

    def __init__(self, fn: Callable[[], object]) -> None:
        self._fn, self._done = fn, threading.Event()
        self._value = self._error = None

    def run(self) -> None:
        try:
            self._value = self._fn()
        except BaseException as e:  # noqa: BLE001 -- handed to whoever waits for it
            self._error = e
        finally:
            self._fn = None  # drop the closure: its arrays go back to the Workspace
            self._done.set()

    def result(self):
        self._done.wait()
        if self._error is not None:
            raise self._error
        value, self._value = self._value, None
        return value


class _Worker:
    """One daemon thread running jobs in the order they came; at most one owner at a time."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._owner = threading.Lock()
        self._start = threading.Lock()
        self._thread: threading.Thread | None = None

    def claim(self) -> bool:
        return self._owner.acquire(blocking=False)

    def release(self) -> None:
        self._owner.release()

    def submit(self, job: Job) -> None:
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._loop, daemon=True,
                                                    name="rnnviz-background")
                    self._thread.start()
        self._jobs.put(job)

    def _loop(self) -> None:
        while True:
            self._jobs.get().run()


_worker = _Worker()


class Lane:
    """Where one training pass sends its products: the worker if this pass got it, else
    the pass's own thread (at once). Use as a context manager; leaving it waits for nothing,
    so collect every job's result inside it."""

    def __init__(self) -> None:
        self.claimed = ENABLED and _worker.claim()

    def submit(self, fn: Callable[[], object], here: bool = False) -> Job:
        """Run fn on the worker (or at once: without the worker, or if `here`)."""
        job = Job(fn)
        if self.claimed and not here:
            _worker.submit(job)
        else:
            job.run()
        return job

    def close(self) -> None:
        if self.claimed:
            self.claimed = False
            _worker.release()

    def __enter__(self) -> Lane:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
