"""Workspace: the big arrays of one pass, lent again to the next pass once nobody holds them
(e.g. once the Trace that showed them is dropped), so each step does not pay for fresh pages
that the kernel faults in and zeroes; an array someone still reads is never overwritten.
Measurements: benchmarks/notes/core.md.
"""

from __future__ import annotations

import sys

import numpy as np


class Workspace:
    """Named reusable arrays; `part(key)` gives each layer-direction its own names."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}
        self._parts: dict = {}

    def empty(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        """Like np.empty(shape, dtype): the array of the last pass if it is free, else new."""
        a = self._arrays.get(name)
        if a is None or a.shape != shape or a.dtype != dtype or sys.getrefcount(a) > _ALONE:
            a = self._arrays[name] = np.empty(shape, dtype)
        return a

    def part(self, key) -> Workspace:
        """The workspace of one part of the model, e.g. key (layer, direction)."""
        ws = self._parts.get(key)
        if ws is None:
            ws = self._parts[key] = Workspace()
        return ws


def _refcount_alone() -> int:
    """What `Workspace.empty` counts for an array that only its dict holds (the dict, the
    local name and getrefcount's argument: 3 on CPython 3.11), measured the same way."""
    arrays = {"a": np.empty(0)}
    a = arrays.get("a")
    return sys.getrefcount(a)


_ALONE = _refcount_alone()
