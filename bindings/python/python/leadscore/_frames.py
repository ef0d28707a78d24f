"""DataFrames in and out without a hard dependency on any frame library.

Input: anything exposing ``__arrow_c_stream__`` (pandas >= 2.2, polars,
pyarrow, duckdb ...). Output: the same kind as the input, built from a dict of
columns; the kind is read from the type's module, so nothing is imported that
the caller did not already use.
"""

from __future__ import annotations

from typing import Any


def _kind(obj: Any) -> str:
    module = type(obj).__module__.split(".")[0]
    if module in ("pandas", "polars", "pyarrow"):
        return module
    if isinstance(obj, dict):
        return "dict"
    return "pyarrow"


def to_arrow(obj: Any) -> Any:
    """Returns an object with ``__arrow_c_stream__`` for a frame-like input."""
    if hasattr(obj, "__arrow_c_stream__"):
        if _kind(obj) == "pandas":
            # pandas' own export needs pyarrow; go through it explicitly so
            # the index is dropped and object columns become strings.
            return _pandas_to_arrow(obj)
        return obj
    if isinstance(obj, dict):
        import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

        return pa.table(obj)
    raise TypeError(
        f"expected a pandas, polars or pyarrow frame (anything with __arrow_c_stream__), got {type(obj).__name__}"
    )


def _pandas_to_arrow(frame: Any) -> Any:
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # An object column mixing numbers and text: pass it on as text, so a
        # bad value reaches leadscore and is reported with its row and column.
        frame = frame.copy()
        for name in frame.columns:
            if frame[name].dtype == object:
                frame[name] = [None if _is_missing(v) else str(v) for v in frame[name]]
        return pa.Table.from_pandas(frame, preserve_index=False)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def empty_of_kind(kind: str) -> Any:
    """A stand-in whose kind ``to_frame`` copies (for results with no input frame)."""
    if kind not in ("pandas", "polars", "pyarrow"):
        raise ValueError(f"kind must be 'pandas', 'polars' or 'pyarrow', not {kind!r}")
    return _Kind(kind)


class _Kind:
    def __init__(self, kind: str) -> None:
        self.kind = kind


def to_frame(columns: dict[str, Any], like: Any) -> Any:
    """Builds a frame of the same kind as ``like`` from a dict of columns."""
    kind = like.kind if isinstance(like, _Kind) else _kind(like)
    if kind == "pandas":
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]

        return pd.DataFrame(columns)
    if kind == "polars":
        import polars as pl

        return pl.DataFrame(columns)
    if kind == "dict":
        return columns
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

    return pa.table(columns)
