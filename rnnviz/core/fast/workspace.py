"""Workspace: the big arrays of one pass, lent again to the next pass once nobody holds them.

Each training step needs the same (T, B, G*H) buffers again. Allocated anew every step, they
are handed back to the operating system in between (glibc returns a large free block at the
top of its heap) and come back as fresh pages that the kernel faults in and zeroes one by one:
on the benchmark's B=32 T=100 H=128 step that cost as much as all its matrix products.

A Workspace keeps each named array and hands it out again only while nothing else refers to
it: once the Trace that showed it has been dropped. An array someone still reads is never
overwritten; a new one is allocated instead.
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
