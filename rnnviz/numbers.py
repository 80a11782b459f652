"""How numbers read on screen: one place for every page, figure note and frame.

Pure Python: lessons, figures, the live frames and the UI all format through these.
"""

from __future__ import annotations

import math

DASH = "–"  # a value not known yet (before the first epoch)


def num(x, spec: str = ".3g") -> str:
    """A number with `spec`, or the dash when there is none (None, NaN)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return DASH
    return format(x, spec)


def metric(x, kind: str) -> str:
    """A test metric: accuracy as a percentage, losses with 3 significant digits."""
    if x is None:
        return DASH
    return f"{x:.0%}" if kind == "accuracy" else f"{x:.3g}"


def fixed(x, digits: int = 3) -> str:
    """A probability or loss with a fixed number of decimals (tables, metrics)."""
    return num(x, f".{digits}f")


def sci(x: float) -> str:
    """A value that may span many orders of magnitude: 0.012, 3.4e-07, 2.1e+05."""
    return f"{x:.2g}" if 1e-3 <= abs(x) < 1e4 or x == 0 else f"{x:.1e}"


def cell(x, digits: int = 3) -> str:
    """A table cell: booleans as ✓/✗, floats with `digits` decimals, the rest as text."""
    if isinstance(x, bool) or type(x).__name__ == "bool_":
        return "✓" if x else "✗"
    if isinstance(x, float) or type(x).__name__.startswith("float"):
        return format(float(x), f".{digits}f")
    return str(x)


def table(df, digits: int = 3) -> dict:
    """A DataFrame as {"columns", "rows"} of text, ready for the browser."""
    return {"columns": [str(c) for c in df.columns],
            "rows": [[cell(x, digits) for x in row] for row in df.itertuples(index=False)]}
