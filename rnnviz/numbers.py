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


def sci(v: float) -> str:
    """0.25, 0.019, 1.1e-06: two significant digits, scientific below 0.01."""
    return f"{v:.2g}" if v >= 0.01 else f"{v:.1e}"


def measured(x: float) -> str:
    """A measured number for a metric; inf/NaN read "overflow", exact 0 "0"."""
    if not math.isfinite(x):
        return "overflow"
    return "0" if x == 0 else f"{x:.2e}"


def sig3(v: float) -> str:
    """Three significant digits; inf and NaN as they are."""
    return f"{v:.3g}" if math.isfinite(v) else str(v)


def decimals3(v: float, fixed: bool = False) -> str:
    """3 decimals; trailing zeros dropped for given numbers (weights, inputs), kept for
    computed ones (`fixed`) so 0.380 does not read as a 2-decimal rounding; no "-0"."""
    s = f"{v:.3f}"
    if not fixed:
        s = s.rstrip("0").rstrip(".")
    return s[1:] if s.startswith("-") and float(s) == 0 else s


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
