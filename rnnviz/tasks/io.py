"""Loading user files (labelled CSV, plain text, numeric series) with specific error messages."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

LABEL_VALUES = {
    "1": 1, "true": 1, "positive": 1, "pos": 1,
    "0": 0, "false": 0, "negative": 0, "neg": 0,
}  # fmt: skip
LABEL_HELP = "0/1, true/false, positive/negative or pos/neg"


class DataError(ValueError):
    """A user-supplied file cannot be used; the message says why, in plain words."""


def _size(n: int) -> str:
    """Human size: 2_300_000 -> "2.3 MB", 1500 -> "1.5 KB"."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    if n >= 1_000:
        return f"{n / 1_000:.1f} KB"
    return f"{n} bytes"


def _too_big(n: int, max_bytes: int) -> DataError:
    got, limit = _size(n), _size(max_bytes)
    if got == limit:  # e.g. 1_000_001 vs 1_000_000 both print "1.0 MB"
        got, limit = f"{n:,} bytes", f"{max_bytes:,} bytes"
    return DataError(f"file is {got}; the limit is {limit}")


def read_bytes(source, max_bytes: int) -> bytes:
    """Raw bytes of ``source``: bytes, a str/Path file path, or a file-like object (e.g. an upload).

    Raises DataError if the file is missing or larger than ``max_bytes``.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise DataError(f"file not found: {path}")
        n = path.stat().st_size
        if n > max_bytes:
            raise _too_big(n, max_bytes)
        data = path.read_bytes()
    elif hasattr(source, "read"):
        n = _remaining_size(source)
        if n is not None and n > max_bytes:
            raise _too_big(n, max_bytes)
        data = source.read() if n is not None else source.read(max_bytes + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
        if n is None and len(data) > max_bytes:
            raise DataError(f"file is larger than the limit of {_size(max_bytes)}")
    else:
        raise DataError(
            f"cannot read {type(source).__name__}: give bytes, a file path or an open file"
        )
    if len(data) > max_bytes:
        raise _too_big(len(data), max_bytes)
    return data


def _remaining_size(f) -> int | None:
    """Bytes left in a seekable file-like object, or None if it cannot seek."""
    try:
        if not f.seekable():
            return None
        pos = f.tell()
        end = f.seek(0, io.SEEK_END)
        f.seek(pos)
        return end - pos
    except (AttributeError, OSError, ValueError):
        return None


def decode_text(data: bytes) -> str:
    """UTF-8 text (a BOM is dropped, line endings become "\\n"), or DataError for empty/binary."""
    if len(data) == 0:
        raise DataError("file is empty (0 bytes)")
    if b"\x00" in data:
        raise DataError("file looks binary (it contains NUL bytes); expected a UTF-8 text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError(
            f"file is not UTF-8 text (undecodable byte 0x{data[e.start]:02x} at position "
            f"{e.start}); save it with UTF-8 encoding and try again"
        ) from None
    if not text.strip():
        raise DataError("file is empty (only whitespace)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def load_text(source, max_bytes: int = 200_000) -> str:
    """A plain UTF-8 text file (for the character language model)."""
    return decode_text(read_bytes(source, max_bytes))


def _read_csv(text: str, **kwargs):
    import pandas as pd

    text = text.rstrip() + "\n"  # trailing blank lines are not rows; inner ones are (row numbers)
    try:
        return pd.read_csv(io.StringIO(text), skip_blank_lines=False, **kwargs)
    except pd.errors.EmptyDataError:
        raise DataError("file has no CSV content (no header row)") from None
    except (pd.errors.ParserError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise DataError(f"could not parse the file as CSV: {first}") from None


def _quote_list(names, limit: int = 10) -> str:
    shown = [repr(str(c)) for c in list(names)[:limit]]
    more = len(names) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _rows(numbers: list[int], limit: int = 5) -> str:
    """Row numbers as text; row numbers count the header as row 1 (like a spreadsheet)."""
    s = ", ".join(str(n) for n in numbers[:limit])
    return s + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")


def load_labelled_csv(source, max_bytes: int = 1_000_000) -> list[tuple[str, int]]:
    """(text, label) pairs from a CSV with columns ``text`` and ``label`` (1 = positive).

    Labels may be 0/1, true/false, positive/negative or pos/neg (any case). Row numbers in
    error messages count the header as row 1, as a spreadsheet shows them.
    """
    text = decode_text(read_bytes(source, max_bytes))
    df = _read_csv(text, dtype=str, keep_default_na=False, skipinitialspace=True)
    columns = {str(c).strip().lower(): c for c in df.columns}
    missing = [c for c in ("text", "label") if c not in columns]
    if missing:
        raise DataError(
            f"missing column{'s' if len(missing) > 1 else ''} {_quote_list(missing)}; "
            f"found column{'s' if len(df.columns) != 1 else ''} {_quote_list(df.columns)}. "
            "The first row must be a header naming the columns text and label."
        )
    texts = [str(t).strip() for t in df[columns["text"]]]
    raw_labels = [str(v).strip() for v in df[columns["label"]]]
    rows = [i + 2 for i, (t, v) in enumerate(zip(texts, raw_labels, strict=True)) if t or v]
    texts = [texts[r - 2] for r in rows]  # fully blank lines are skipped
    raw_labels = [raw_labels[r - 2] for r in rows]
    empty = [r for r, t in zip(rows, texts, strict=True) if not t]
    if empty:
        raise DataError(
            f"{len(empty)} row{'s have' if len(empty) > 1 else ' has'} empty text "
            f"(row{'s' if len(empty) > 1 else ''} {_rows(empty)})"
        )
    bad = [(r, v) for r, v in zip(rows, raw_labels, strict=True) if v.lower() not in LABEL_VALUES]
    if bad:
        shown = ", ".join(f"{v!r} (row {r})" for r, v in bad[:3])
        more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
        raise DataError(f"labels must be {LABEL_HELP}; found {shown}{more}")
    pairs = [(t, LABEL_VALUES[v.lower()]) for t, v in zip(texts, raw_labels, strict=True)]
    if len(pairs) < 2:
        raise DataError(f"need at least 2 rows, found {len(pairs)}")
    classes = {y for _, y in pairs}
    if len(classes) < 2:
        which = "positive" if 1 in classes else "negative"
        raise DataError(
            f"all {len(pairs)} rows are labelled {which}; need both positive and negative examples"
        )
    return pairs


def _is_number(s) -> bool:
    try:
        float(str(s))
    except ValueError:
        return False
    return True


def load_series_csv(
    source, column: str | None = None, max_bytes: int = 1_000_000, window: int = 20
) -> tuple[np.ndarray, str, list[str]]:
    """One numeric column of a CSV: returns (values (N,) float64, column name, numeric columns).

    ``column=None`` takes the first numeric column. A file whose first row is all numbers is
    read as having no header (columns are then named "value" or "column_1", "column_2", ...).
    Needs at least ``window + 2`` rows (one training window plus a test value).
    """
    import pandas as pd

    text = decode_text(read_bytes(source, max_bytes))
    df = _read_csv(text)
    header = True
    if len(df.columns) and all(_is_number(c) for c in df.columns):
        df = _read_csv(text, header=None)
        names = ["value"] if df.shape[1] == 1 else [f"column_{i + 1}" for i in range(df.shape[1])]
        df.columns = names
        header = False
    df.columns = [str(c).strip() for c in df.columns]
    numeric = [
        c
        for c in df.columns
        if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
    ]
    if column is None:
        if not numeric:
            raise DataError(f"no numeric column found; columns: {_quote_list(df.columns)}")
        column = numeric[0]
    elif column not in df.columns:
        raise DataError(f"column {column!r} not found; columns: {_quote_list(df.columns)}")
    elif column not in numeric:
        col = df[column]
        bad = pd.to_numeric(col, errors="coerce").isna() & col.notna()
        i = int(np.flatnonzero(bad.to_numpy())[0]) if bad.any() else 0
        raise DataError(
            f"column {column!r} is not numeric (row {i + 1 + header}: {col.iloc[i]!r}); "
            f"numeric columns: {_quote_list(numeric) if numeric else 'none'}"
        )
    values = df[column].to_numpy(dtype=np.float64)  # (N,)
    bad = ~np.isfinite(values)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"column {column!r} has {int(bad.sum())} missing, NaN or infinite value"
            f"{'s' if bad.sum() > 1 else ''} (first at row {first + 1 + header}); "
            "fill or remove them"
        )
    if len(values) < window + 2:
        raise DataError(
            f"column {column!r} has {len(values)} rows; with window={window} at least "
            f"{window + 2} are needed"
        )
    return values, column, numeric
