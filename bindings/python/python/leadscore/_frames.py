"""DataFrames in and out without a hard dependency on any frame library.

Input: anything exposing ``__arrow_c_stream__`` (pandas >= 2.2, polars,
pyarrow tables and ``RecordBatchReader``s, duckdb ...), and polars
``LazyFrame`` (collected once, by the streaming engine where polars has it,
for the columns needed). polars' all-missing ``Null`` columns are read as
missing text. Output: Arrow arrays built by the native module, handed to the
caller's library: pyarrow as they are, polars through its own Arrow reader
(no pyarrow needed), pandas through pyarrow's ``to_pandas``; pandas without
pyarrow (and dicts) get numpy arrays and lists. The kind is read from the
type's module, so nothing is imported that the caller did not already use.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from typing import Any


def _kind(obj: Any) -> str:
    module = type(obj).__module__.split(".")[0]
    if module in ("pandas", "polars", "pyarrow"):
        return module
    if isinstance(obj, dict):
        return "dict"
    return "pyarrow"


def _is_lazy(obj: Any) -> bool:
    """A polars ``LazyFrame`` (collected before reading)."""
    return _kind(obj) == "polars" and hasattr(obj, "collect") and hasattr(obj, "collect_schema")


def column_names(obj: Any) -> list[str] | None:
    """The column names of a frame-like input, or None for an object that
    only has ``__arrow_c_stream__`` (or ``__arrow_c_schema__``): the native
    module reads its schema."""
    if isinstance(obj, dict):
        return [str(k) for k in obj]
    if _is_lazy(obj):
        return [str(n) for n in obj.collect_schema().names()]
    schema = getattr(obj, "schema", None)
    if _kind(obj) == "pyarrow" and schema is not None and not hasattr(obj, "column_names"):
        return [str(n) for n in schema.names]  # a RecordBatchReader
    names = getattr(obj, "column_names", None)  # pyarrow
    if names is None:
        names = getattr(obj, "columns", None)  # pandas, polars
    if names is None:
        if hasattr(obj, "__arrow_c_stream__") or hasattr(obj, "__arrow_c_schema__"):
            return None
        raise TypeError(
            "expected a pandas, polars or pyarrow frame (anything with __arrow_c_stream__), "
            f"got {type(obj).__name__}"
        )
    return [str(n) for n in names]


def to_arrow(obj: Any, columns: list[str] | None = None, keep: str | None = None) -> Any:
    """Returns an object with ``__arrow_c_stream__`` for a frame-like input,
    holding only ``columns`` when given. A pandas frame with text held as
    Python objects (pandas 2's ``object`` columns, ``category`` columns of
    text) is returned as ``PandasColumns``: those columns are read by the
    native module from the objects themselves, the rest through Arrow;
    ``keep`` (the id the output copies as it is) always goes through Arrow."""
    kind = _kind(obj)
    if _is_lazy(obj):
        obj = _collect(obj.select(columns) if columns is not None else obj)
    if kind == "polars":
        obj = _polars_without_null_columns(obj)
    if columns is not None and kind in ("pandas", "polars"):
        obj = obj[columns]
    elif columns is not None and kind == "pyarrow" and hasattr(obj, "select"):
        obj = obj.select(columns)
    if kind == "pandas":
        # Text held as Python objects is read natively, once per distinct
        # object; the rest goes through pandas' export, which needs pyarrow
        # (explicitly, so the index is dropped). Without pyarrow, the rest
        # goes to the native module as numpy arrays and lists, which it
        # builds into Arrow arrays itself.
        native = _native_text_columns(obj, keep)
        rest = [name for name in obj.columns if str(name) not in {n for n, _, _ in native}]
        if not native:
            return plain_columns(obj) if not _has("pyarrow") else _pandas_to_arrow(obj)
        part = obj[rest]
        arrow = None if not rest else plain_columns(part) if not _has("pyarrow") else _pandas_to_arrow(part)
        return PandasColumns([str(n) for n in obj.columns], arrow, native)
    if hasattr(obj, "__arrow_c_stream__"):
        return obj
    if isinstance(obj, dict):
        if not _has("pyarrow"):
            return plain_columns({k: obj[k] for k in (columns or obj)})
        import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

        return pa.table({k: obj[k] for k in (columns or obj)})
    raise TypeError(
        f"expected a pandas, polars or pyarrow frame (anything with __arrow_c_stream__), got {type(obj).__name__}"
    )


def _collect(lazy: Any) -> Any:
    """A ``LazyFrame``'s query run once, by the streaming engine where this
    polars has it (row order kept)."""
    try:
        return lazy.collect(engine="streaming")
    except TypeError:  # a polars without the engine argument
        return lazy.collect()


def _polars_without_null_columns(frame: Any) -> Any:
    """A polars frame with its all-missing (``Null`` dtype) columns as text:
    polars exports those in a form Arrow's C data interface refuses."""
    import polars as pl

    nulls = [name for name, dtype in frame.schema.items() if dtype == pl.Null]
    if not nulls:
        return frame
    return frame.with_columns([pl.col(name).cast(pl.String) for name in nulls])


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


class PandasColumns:
    """A pandas frame split for the native module: ``names`` in the frame's
    order, ``arrow`` (the other columns: an Arrow table, or ``plain_columns``
    without pyarrow; None when there are none) and ``native``, ``(name,
    kind, data)`` for each text column held as Python objects: ``object``
    with the column's numpy object array, or ``category`` with ``(codes,
    categories)`` (a numpy integer array, -1 missing, and the list of its
    text categories)."""

    def __init__(self, names: list[str], arrow: Any, native: list[tuple[str, str, Any]]) -> None:
        self.names = names
        self.arrow = arrow
        self.native = native


def _native_text_columns(frame: Any, keep: str | None) -> list[tuple[str, str, Any]]:
    """The columns of a pandas frame the native module reads from their
    objects: ``object`` dtype, and ``category`` with text categories (but
    ``keep``, and columns of a frame whose names are not unique text)."""
    names = [str(n) for n in frame.columns]
    if len(set(names)) != len(names) or not all(isinstance(n, str) for n in frame.columns):
        return []
    out: list[tuple[str, str, Any]] = []
    for name in names:
        if name == keep:
            continue
        column = frame[name]
        dtype = column.dtype
        if dtype == object:
            out.append((name, "object", column.to_numpy(dtype=object, copy=False)))
        elif str(dtype) == "category":
            categories = column.cat.categories
            if categories.dtype == object and all(isinstance(c, str) for c in categories):
                codes = column.cat.codes.to_numpy().astype("int64", copy=False)
                out.append((name, "category", (codes, list(categories))))
    return out


def object_column(values: Any) -> Any:
    """One object column the native module could not read as text (it holds
    other objects: numbers, dates, booleans): a pyarrow array as pandas'
    export builds it, or, when the values mix types, each value's ``str``
    (so a bad value is reported with its row and column); without pyarrow a
    list of ``str`` and ``None``."""
    if not _has("pyarrow"):
        return [None if _missing_cell(v) else str(v) for v in values]
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if _is_missing(v) else str(v) for v in values], type=pa.string())


def _missing_cell(v: Any) -> bool:
    """Whether a cell is missing: None, NaN, or what pandas (when loaded)
    calls missing (``pd.NA``, ``pd.NaT``)."""
    isna = getattr(sys.modules.get("pandas"), "isna", None)
    return _is_missing(v) or (isna is not None and isinstance(isna(v), bool) and bool(isna(v)))


def plain_columns(frame: Any) -> list[tuple[str, str, Any]]:
    """The columns of a pandas frame (or a dict of sequences) without
    pyarrow, as ``(name, kind, data)`` for the native module: ``number``
    (a float64 numpy array, NaN missing), ``bool`` (a list of ``True``,
    ``False`` and ``None``) or ``text`` (a list of ``str`` and ``None``; any
    other value as its ``str``, so that a bad cell is reported with its row
    and column)."""
    import numpy as np

    missing = _missing_cell
    out: list[tuple[str, str, Any]] = []
    for name in frame.columns if hasattr(frame, "columns") else frame:
        column = frame[name]
        dtype = getattr(column, "dtype", None)
        if dtype is None:
            column = np.asarray(column)
            dtype = column.dtype
        kind = getattr(dtype, "kind", "O")
        text = str(dtype)
        if text in ("boolean", "bool") or kind == "b":
            out.append((str(name), "bool", [None if missing(v) else bool(v) for v in column]))
        elif kind in "iuf" or text in ("Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "Float32", "Float64"):
            values = column.to_numpy(dtype="float64", na_value=np.nan) if hasattr(column, "to_numpy") else column
            out.append((str(name), "number", np.ascontiguousarray(values, dtype="float64")))
        else:
            out.append((str(name), "text", [None if missing(v) else str(v) for v in column]))
    return out


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def empty_of_kind(kind: str) -> Any:
    """A stand-in whose kind ``route`` copies (for results with no input frame)."""
    if kind not in ("pandas", "polars", "pyarrow"):
        raise ValueError(f"kind must be 'pandas', 'polars' or 'pyarrow', not {kind!r}")
    return _Kind(kind)


class _Kind:
    def __init__(self, kind: str) -> None:
        self.kind = kind


@functools.cache
def _has(module: str) -> bool:
    """Whether ``module`` can be imported (looked up once)."""
    if module in sys.modules:
        return sys.modules[module] is not None
    return importlib.util.find_spec(module) is not None


def route(like: Any) -> tuple[str, bool]:
    """The kind of frame results go back as, for an input ``like`` (``pandas``,
    ``polars``, ``pyarrow`` or ``dict``), and whether they go through Arrow
    (else as numpy arrays and lists: pandas without pyarrow, dicts)."""
    kind = like.kind if isinstance(like, _Kind) else _kind(like)
    if kind == "dict":
        return kind, False
    if kind == "pandas":
        return kind, _has("pyarrow")
    return kind, True


def from_arrow(table: Any, kind: str) -> Any:
    """Result columns, an object with ``__arrow_c_stream__`` built by the
    native module, as a frame of ``kind``."""
    if kind == "polars":
        import polars as pl

        try:
            return pl.DataFrame(table)
        except TypeError:  # a polars that cannot read the Arrow C stream itself
            import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

            return pl.from_arrow(pa.table(table))
    if not _has("pyarrow"):
        # Another object with __arrow_c_stream__ and no pyarrow: the Arrow
        # table as it is (it has __arrow_c_stream__ too).
        return table
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

    arrow = pa.table(table)
    if kind == "pandas":
        return arrow.to_pandas()
    return arrow


def from_columns(columns: dict[str, Any], kind: str) -> Any:
    """A frame of ``kind`` from a dict of columns (numpy arrays and lists)."""
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
