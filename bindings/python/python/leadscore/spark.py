"""Scoring inside Spark: ``df.mapInArrow(*leadscore.spark.map_in_arrow(model))``.

:func:`map_in_arrow` and :func:`map_in_pandas` return a ``(function, schema)``
pair for ``DataFrame.mapInArrow`` and ``DataFrame.mapInPandas``::

    import leadscore
    import leadscore.spark
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.getOrCreate()
    deals = leadscore.synthetic_deals(2000, seed=7)
    model = leadscore.Model.fit(deals, target="outcome", positive="Won", id="deal_id",
                                ignore=["created_at", "closed_at"], l2=3.0)  # or Model.load(path)

    leads = spark.createDataFrame(leadscore.synthetic_deals(5000, seed=8, kind="pyarrow"))
    scores = leads.mapInArrow(*leadscore.spark.map_in_arrow(model))
    scores.show(3)                                       # deal_id, probability, points

    # Input columns passed through beside the scores:
    function, schema = leadscore.spark.map_in_pandas(model, keep=["country"], input_schema=leads.schema)
    assert leads.mapInPandas(function, schema).columns == ["deal_id", "probability", "points", "country"]

How the model reaches the workers: the function closes over the model's JSON
document (a few kilobytes of text, pickled with the function) and parses it at
most once per Python worker process; a module-level cache keyed by the
document's SHA-256 keeps the parsed model for every later batch and task that
the process runs. Only the columns the model reads (its feature columns and its
id column) are converted; the output has one row per input row, in order.

Importing this module does not import pyspark (nor pyarrow or pandas: the
workers import those that Spark itself needs); without ``keep`` the schema is
a DDL string.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from leadscore._leadscore import Model
from leadscore.exceptions import DataError

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
    from pyspark.sql.types import StructType  # type: ignore[import-not-found,unused-ignore]

__all__ = ["ArrowFunction", "PandasFunction", "map_in_arrow", "map_in_pandas"]

ArrowFunction = Callable[[Iterator["pa.RecordBatch"]], Iterator["pa.RecordBatch"]]
"""A function for ``DataFrame.mapInArrow``."""

PandasFunction = Callable[[Iterator["pd.DataFrame"]], Iterator["pd.DataFrame"]]
"""A function for ``DataFrame.mapInPandas``."""

_SCORE_COLUMNS = ("probability", "points")

# Per Python process: parsed models by the SHA-256 of their document, and how
# many times each document was parsed here (read by the tests: it stays 1).
_models: dict[str, Model] = {}
_parses: Counter[str] = Counter()
_lock = threading.Lock()


def map_in_arrow(
    model: Model,
    *,
    keep: Sequence[str] | None = None,
    input_schema: StructType | None = None,
) -> tuple[ArrowFunction, str | StructType]:
    """A function and its output schema for ``df.mapInArrow(function, schema)``.

    ``df.mapInArrow(*leadscore.spark.map_in_arrow(model))`` scores every row of
    ``df``: the output has the model's id column (as a string) when the model
    has one, ``probability`` and ``points`` (doubles), one row per input row in
    the order of each Arrow batch. The function closes over the model's JSON
    document only and parses it at most once per Python worker process.

    ``keep`` names input columns to pass through unchanged after the scores
    (an email, a region, a timestamp ...). Their Spark types come from
    ``input_schema``, the input DataFrame's ``df.schema``, which ``keep``
    requires; the schema returned is then a ``StructType`` (the kept fields
    copied as they are), otherwise the DDL string
    ``"`deal_id` string, `probability` double, `points` double"``.

    A bad cell (text in a numeric column, a missing column) raises
    :class:`leadscore.DataError` in the Spark task and fails the job; nothing
    is dropped or nulled. Its row number counts from 1 within the Arrow batch
    (``spark.sql.execution.arrow.maxRecordsPerBatch`` rows at most), not within
    the DataFrame, so the message also gives the row's id when the model has
    an id column.
    """
    document, key, output, kept = _prepare(model, keep, input_schema)

    # The closure holds strings only and calls a module-level function, which
    # cloudpickle pickles by reference: the worker uses its own module's cache.
    def score_arrow_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return _score_arrow_batches(document, key, kept, batches)

    return score_arrow_batches, output


def map_in_pandas(
    model: Model,
    *,
    keep: Sequence[str] | None = None,
    input_schema: StructType | None = None,
) -> tuple[PandasFunction, str | StructType]:
    """A function and its output schema for ``df.mapInPandas(function, schema)``.

    The pandas twin of :func:`map_in_arrow`, with the same output, the same
    ``keep`` and ``input_schema``, the same errors (row numbers within each
    pandas batch) and the same once-per-worker parsing. Prefer
    :func:`map_in_arrow`: it skips the conversion of every batch to pandas and
    back. A non-text id column becomes text with pandas ``astype("string")``.
    """
    document, key, output, kept = _prepare(model, keep, input_schema)

    # As in map_in_arrow: strings and a module-level function only.
    def score_pandas_batches(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        return _score_pandas_batches(document, key, kept, frames)

    return score_pandas_batches, output


def _prepare(
    model: Model, keep: Sequence[str] | None, input_schema: StructType | None
) -> tuple[str, str, str | StructType, tuple[str, ...]]:
    """The model's document and its key, the output schema and the kept columns."""
    if not isinstance(model, Model):
        raise TypeError(
            f"expected a leadscore.Model, got {type(model).__name__} "
            "(load one with leadscore.Model.load(path) or Model.from_json(text))"
        )
    if isinstance(keep, str):
        raise TypeError(f"keep must be a list of column names, not the string {keep!r}")
    kept = tuple(keep or ())
    outputs = [*([model.id_column] if model.id_column else []), *_SCORE_COLUMNS]
    for name in kept:
        if name in outputs:
            raise ValueError(f"cannot keep column {name!r}: the scores have a column of that name")
    if len(set(kept)) != len(kept):
        raise ValueError(f"keep names a column twice: {list(kept)}")
    document = model.to_json()
    key = hashlib.sha256(document.encode()).hexdigest()
    types_of = {name: "string" if name == model.id_column else "double" for name in outputs}
    ddl = ", ".join(f"{_quote(name)} {kind}" for name, kind in types_of.items())
    if not kept:
        return document, key, ddl, kept
    if input_schema is None:
        raise ValueError("keep needs input_schema=df.schema (the input DataFrame's schema) for the kept columns")
    from pyspark.sql import types  # type: ignore[import-not-found,unused-ignore]

    available = list(input_schema.fieldNames())
    for name in kept:
        if name not in available:
            raise ValueError(f"cannot keep column {name!r}: the input has {available}")
    spark_types = {"string": types.StringType(), "double": types.DoubleType()}
    fields = [types.StructField(name, spark_types[kind]) for name, kind in types_of.items()]
    schema = types.StructType([*fields, *(input_schema[name] for name in kept)])
    return document, key, schema, kept


def _quote(name: str) -> str:
    """A column name quoted for a Spark DDL string."""
    return "`" + name.replace("`", "``") + "`"


def _model(document: str, key: str) -> Model:
    """The parsed model of ``document``: parsed on first use in this process."""
    with _lock:
        model = _models.get(key)
        if model is None:
            model = Model.from_json(document)
            _models[key] = model
            _parses[key] += 1
        return model


def _score_arrow_batches(
    document: str, key: str, keep: tuple[str, ...], batches: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

    model = _model(document, key)
    id_column = model.id_column
    for batch in batches:
        table = pa.Table.from_batches([batch])
        try:
            scores = model.score(table)  # converts only the columns the model reads
        except DataError as err:
            ids = table.column(id_column).to_pylist() if id_column in table.column_names else None
            raise _in_batch(err, batch.num_rows, id_column, ids) from err
        names: list[str] = []
        arrays: list[Any] = []
        if id_column is not None:
            id_array = scores.column(id_column).combine_chunks()
            if not (pa.types.is_string(id_array.type) or pa.types.is_large_string(id_array.type)):
                id_array = id_array.cast(pa.string())
            names.append(id_column)
            arrays.append(id_array)
        for name in _SCORE_COLUMNS:
            names.append(name)
            arrays.append(scores.column(name).combine_chunks())
        for name in keep:
            names.append(name)
            arrays.append(batch.column(name))
        yield pa.RecordBatch.from_arrays(arrays, names=names)


def _score_pandas_batches(
    document: str, key: str, keep: tuple[str, ...], frames: Iterator[pd.DataFrame]
) -> Iterator[pd.DataFrame]:
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    model = _model(document, key)
    id_column = model.id_column
    for frame in frames:
        try:
            scores = model.score(frame)  # converts only the columns the model reads
        except DataError as err:
            ids = frame[id_column].tolist() if id_column in frame.columns else None
            raise _in_batch(err, len(frame), id_column, ids) from err
        if id_column is not None and not pd.api.types.is_string_dtype(scores[id_column]):
            scores[id_column] = scores[id_column].astype("string")
        for name in keep:
            scores[name] = frame[name].reset_index(drop=True)
        yield scores


def _in_batch(err: DataError, rows: int, id_column: str | None, ids: list[Any] | None) -> DataError:
    """``err`` with a note that its rows count within the batch, and the bad row's id."""
    where = f"row numbers count within this Spark batch of {rows} rows"
    if ids is not None and err.row is not None and 1 <= err.row <= len(ids):
        where += f"; row {err.row} has {id_column} {ids[err.row - 1]!r}"
    message = f"{err}\n({where})"
    return DataError(message, row=err.row, column=err.column, value=err.value, errors=err.errors, total=err.total)
