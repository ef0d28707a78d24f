"""leadscore.spark: scores computed by Spark (local[2]) equal local scores.

Needs pyspark (pinned in .ci/test) and Java. Without pyspark the Spark tests
skip, and fail where the environment variable CI is set.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped,unused-ignore]
import pytest

import leadscore
import leadscore.spark
from conftest import ROOT

README = ROOT / "README.md"
ROWS = 20_000
PARTITIONS = 8
BATCH_ROWS = 1000  # spark.sql.execution.arrow.maxRecordsPerBatch: 3 batches per partition

# pyspark 4.x warns on every pandas conversion while pandas >= 3 is not yet
# officially supported; the conversions these tests make work.
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session for the whole run: 2 cores, no UI, quiet."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as err:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and pyspark cannot be imported ({err}); .ci/test installs it")
        pytest.skip(f"pyspark is not installed ({err}); .ci/test installs the pinned version")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        if os.environ.get("CI"):
            pytest.fail("CI is set and there is no Java for Spark; .ci/run installs openjdk-17-jre-headless")
        pytest.skip("no Java for Spark (java not on PATH, JAVA_HOME unset); install openjdk-17-jre-headless")
    # Workers run this interpreter, which has leadscore installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("leadscore-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", str(PARTITIONS))  # createDataFrame slices, no shuffle
        # A short-lived JVM: start fast rather than optimise long runs.
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(BATCH_ROWS))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def leads() -> Any:
    return leadscore.synthetic_deals(ROWS, seed=5).drop(columns=["outcome"])


@pytest.fixture(scope="module")
def frame(spark: Any, leads: Any) -> Any:
    """The leads as a Spark DataFrame of several partitions."""
    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

    table = pa.Table.from_pandas(leads, preserve_index=False)
    return spark.createDataFrame(table).cache()


def collect(frame: Any) -> Any:
    """A Spark DataFrame as pandas, through Arrow (pyspark's toPandas warns on pandas 3)."""
    return frame.toArrow().to_pandas()


def by_id(scores: Any) -> Any:
    return scores.sort_values("deal_id").reset_index(drop=True)


@pytest.mark.parametrize("how", ["arrow", "pandas"])
def test_spark_scores_equal_local_scores(
    spark: Any, model: leadscore.Model, leads: Any, frame: Any, how: str
) -> None:
    assert frame.rdd.getNumPartitions() == PARTITIONS
    if how == "arrow":
        scored = frame.mapInArrow(*leadscore.spark.map_in_arrow(model))
    else:
        scored = frame.mapInPandas(*leadscore.spark.map_in_pandas(model))
    assert scored.columns == ["deal_id", "probability", "points"]
    assert [f.dataType.simpleString() for f in scored.schema.fields] == ["string", "double", "double"]
    remote = by_id(collect(scored))
    local = by_id(model.score(leads))
    assert len(remote) == len(local) == ROWS
    assert remote["deal_id"].tolist() == local["deal_id"].tolist()
    np.testing.assert_allclose(remote["probability"], local["probability"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(remote["points"], local["points"], rtol=0, atol=1e-9)


def test_model_without_id_column_keeps_input_order(spark: Any, deals: Any, leads: Any, frame: Any) -> None:
    ignore = ["deal_id", "created_at", "closed_at"]
    model = leadscore.Model.fit(deals, target="outcome", positive="Won", ignore=ignore, l2=3.0)
    function, schema = leadscore.spark.map_in_arrow(model)
    assert schema == "`probability` double, `points` double"
    # createDataFrame slices the rows in order and nothing shuffles them.
    remote = collect(frame.mapInArrow(function, schema))
    local = model.score(leads)
    assert list(remote.columns) == ["probability", "points"]
    np.testing.assert_allclose(remote["probability"], local["probability"], rtol=0, atol=1e-12)


@pytest.mark.parametrize("how", ["arrow", "pandas"])
def test_keep_passes_input_columns_through(model: leadscore.Model, leads: Any, frame: Any, how: str) -> None:
    from pyspark.sql import functions as F

    frame = frame.withColumn("seq", F.monotonically_increasing_id())  # a bigint
    keep = ["created_at", "seq"]
    make = leadscore.spark.map_in_arrow if how == "arrow" else leadscore.spark.map_in_pandas
    function, schema = make(model, keep=keep, input_schema=frame.schema)
    scored = frame.mapInArrow(function, schema) if how == "arrow" else frame.mapInPandas(function, schema)
    assert scored.columns == ["deal_id", "probability", "points", *keep]
    assert [scored.schema[name] for name in keep] == [frame.schema[name] for name in keep]
    expected = collect(frame.select("deal_id", *keep))
    joined = collect(scored).merge(expected, on="deal_id", suffixes=("", "_input"))
    assert len(joined) == ROWS
    for name in keep:
        assert joined[name].equals(joined[f"{name}_input"]), name


@pytest.mark.parametrize("how", ["arrow", "pandas"])
def test_numeric_ids_become_strings(model: leadscore.Model, frame: Any, how: str) -> None:
    from pyspark.sql import functions as F

    numbered = frame.withColumn("seq", F.monotonically_increasing_id()).withColumn("deal_id", F.col("seq"))
    make = leadscore.spark.map_in_arrow if how == "arrow" else leadscore.spark.map_in_pandas
    function, schema = make(model, keep=["seq"], input_schema=numbered.schema)
    scored = numbered.mapInArrow(function, schema) if how == "arrow" else numbered.mapInPandas(function, schema)
    assert scored.schema["deal_id"].dataType.simpleString() == "string"
    out = collect(scored)
    assert len(out) == ROWS
    assert out["deal_id"].tolist() == [str(n) for n in out["seq"]]


def test_model_is_parsed_once_per_worker_process(spark: Any, model: leadscore.Model, frame: Any) -> None:
    function, _ = leadscore.spark.map_in_arrow(model)
    key = hashlib.sha256(model.to_json().encode()).hexdigest()

    def traced(batches: Iterator[Any]) -> Iterator[Any]:
        # Runs in the worker: after each scored batch, report this process
        # and how many times it has parsed the model document so far.
        import os

        import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

        import leadscore.spark

        for scores in function(batches):
            n = scores.num_rows
            yield pa.RecordBatch.from_arrays(
                [pa.array([os.getpid()] * n), pa.array([leadscore.spark._parses[key]] * n), pa.array([n] * n)],
                names=["pid", "parses", "batch_rows"],
            )

    trace = collect(frame.mapInArrow(traced, "pid long, parses long, batch_rows long"))
    assert len(trace) == ROWS
    batches = trace.groupby(["pid", "batch_rows"]).size()  # for the messages: rows by process and batch size
    per_process = trace.groupby("pid").agg(parses=("parses", "max"), rows=("pid", "size"))
    assert (per_process["parses"] == 1).all(), per_process
    # Not vacuous: a process scored several batches, and (Spark reuses its
    # Python workers) the batches of more than one task.
    assert (per_process["rows"] > BATCH_ROWS).any(), batches
    assert (per_process["rows"] > ROWS // PARTITIONS).any(), batches
    assert trace["batch_rows"].max() <= BATCH_ROWS


@pytest.mark.parametrize("how", ["arrow", "pandas"])
def test_bad_cell_fails_the_job_naming_column_and_value(
    spark: Any, model: leadscore.Model, leads: Any, frame: Any, how: str
) -> None:
    from pyspark.errors import PythonException
    from pyspark.sql import functions as F

    bad_id = leads["deal_id"].iloc[12_345]
    employees = F.col("employees").cast("string")
    bad = frame.withColumn("employees", F.when(F.col("deal_id") == bad_id, F.lit("lots")).otherwise(employees))
    if how == "arrow":
        scored = bad.mapInArrow(*leadscore.spark.map_in_arrow(model))
    else:
        scored = bad.mapInPandas(*leadscore.spark.map_in_pandas(model))
    with pytest.raises(PythonException) as info:
        scored.collect()
    message = str(info.value)
    assert "DataError" in message
    assert re.search(r'row \d+, column "employees", value "lots"', message), message
    assert f"deal_id {bad_id!r}" in message, message


def test_documented_examples_run(spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's ```python spark blocks and the module docstring's example
    run against this session."""
    blocks = re.findall(r"```python spark\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README has no ```python spark block"
    docstring = leadscore.spark.__doc__ or ""
    example = re.search(r"::\n\n((?:    .*\n|\n)+)", docstring)
    assert example, "the module docstring has no example"
    blocks.append(textwrap.dedent(example.group(1)))
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, "<example>", "exec"), {})


def test_schema_without_keep_is_a_ddl_string(model: leadscore.Model) -> None:
    for make in (leadscore.spark.map_in_arrow, leadscore.spark.map_in_pandas):
        function, schema = make(model)
        assert schema == "`deal_id` string, `probability` double, `points` double"
        assert callable(function)


def test_keep_needs_the_input_schema_and_new_names(model: leadscore.Model) -> None:
    with pytest.raises(ValueError, match="input_schema=df.schema"):
        leadscore.spark.map_in_arrow(model, keep=["country"])
    with pytest.raises(ValueError, match="'points'"):
        leadscore.spark.map_in_arrow(model, keep=["points"])
    with pytest.raises(TypeError, match="list of column names"):
        leadscore.spark.map_in_pandas(model, keep="country")
    with pytest.raises(TypeError, match="leadscore.Model"):
        leadscore.spark.map_in_arrow(model.to_json())  # type: ignore[arg-type]


def test_the_function_pickles_small_and_parses_once(model: leadscore.Model) -> None:
    """What Spark ships: a small pickle; scoring pandas batches in this process."""
    import pickle

    function, _ = leadscore.spark.map_in_pandas(model)
    cloudpickle = pytest.importorskip("cloudpickle")  # what pyspark and dask pickle functions with
    shipped = cloudpickle.dumps(function)
    assert len(shipped) < len(model.to_json()) + 2_000  # the document, not a parsed model or a cache
    again = pickle.loads(shipped)
    leads = leadscore.synthetic_deals(50, seed=3)
    out = pd.concat(list(again(iter([leads.head(20), leads.tail(30)]))), ignore_index=True)
    key = hashlib.sha256(model.to_json().encode()).hexdigest()
    assert leadscore.spark._parses[key] == 1
    pd.testing.assert_frame_equal(out, model.score(leads).astype({"deal_id": out["deal_id"].dtype}))
