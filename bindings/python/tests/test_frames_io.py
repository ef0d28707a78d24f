"""Frames that just work: Arrow streams in, Arrow-built results out, per-lead
unseen values, notebook display."""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import leadscore
from conftest import ROOT, as_kind, column

pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")


class StreamOnly:
    """An object with nothing but ``__arrow_c_stream__`` (re-readable)."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self._table.__arrow_c_stream__(requested_schema)


class OneShotStream:
    """An object with nothing but ``__arrow_c_stream__``, readable once."""

    def __init__(self, table: Any) -> None:
        self._reader: Any = table.to_reader()

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        if self._reader is None:
            raise RuntimeError("this stream was read already")
        reader, self._reader = self._reader, None
        return reader.__arrow_c_stream__(requested_schema)


def streams(frame: Any) -> dict[str, Any]:
    """``frame`` as a RecordBatchReader and as stream-only objects, fresh."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    return {
        "RecordBatchReader": table.to_reader(max_chunksize=64),
        "stream": StreamOnly(table),
        "one-shot stream": OneShotStream(table),
    }


@pytest.mark.parametrize("name", ["RecordBatchReader", "stream", "one-shot stream"])
def test_score_explain_and_unseen_read_any_arrow_stream(model: leadscore.Model, leads: Any, name: str) -> None:
    expected = model.score(leads)
    scores = model.score(streams(leads)[name])
    assert isinstance(scores, pa.Table)
    assert scores.column_names == ["deal_id", "probability", "points"]
    assert scores.column("deal_id").to_pylist() == leads["deal_id"].tolist()
    np.testing.assert_array_equal(scores.column("points").to_numpy(), expected["points"].to_numpy())
    why = model.explain(streams(leads)[name], top=2)
    assert why.num_rows == len(leads) * len(model.feature_columns)
    assert why.column("row").to_pylist()[0] == 1
    assert model.unseen(streams(leads)[name]).num_rows == 0


@pytest.mark.parametrize("name", ["RecordBatchReader", "stream", "one-shot stream"])
def test_fit_reads_any_arrow_stream(deals: Any, model: leadscore.Model, name: str) -> None:
    again = leadscore.Model.fit(
        streams(deals)[name], target="outcome", positive="Won", id="deal_id", ignore=["created_at", "closed_at"], l2=3.0
    )
    assert again.fingerprint == model.fingerprint


@pytest.mark.parametrize("name", ["RecordBatchReader", "stream", "one-shot stream"])
def test_qualify_reads_any_arrow_stream(model: leadscore.Model, leads: Any, name: str) -> None:
    policy = leadscore.Policy.load(ROOT / "examples" / "policy.toml")
    expected = policy.qualify(leads, model=model)
    decisions = policy.qualify(streams(leads)[name], model=model)
    assert isinstance(decisions, pa.Table)
    assert decisions.column_names == list(expected.columns)
    assert decisions.column("tier").to_pylist() == expected["tier"].tolist()


def test_a_stream_missing_a_column_names_it(model: leadscore.Model, leads: Any) -> None:
    for stream in streams(leads.drop(columns=["industry"])).values():
        with pytest.raises(leadscore.DataError, match="industry"):
            model.score(stream)


def test_a_lazy_frame_runs_its_query_once(model: leadscore.Model, leads: Any) -> None:
    runs: list[int] = []

    def counted(s: Any) -> Any:
        runs.append(len(s))
        return s

    lazy = pl.from_pandas(leads).lazy().with_columns(pl.col("employees").map_batches(counted, return_dtype=pl.Float64))
    scores = model.score(lazy)
    assert runs == [len(leads)]  # once, for the features and the id alike
    assert isinstance(scores, pl.DataFrame)
    assert scores["deal_id"].to_list() == leads["deal_id"].tolist()
    runs.clear()
    why = model.explain(lazy, top=1)
    assert runs == [len(leads)]
    assert why["deal_id"].to_list()[:1] == leads["deal_id"].tolist()[:1]


@pytest.mark.parametrize("kind", ["pandas", "polars", "pyarrow"])
def test_the_id_keeps_the_type_the_input_gave_it(model: leadscore.Model, leads: Any, kind: str) -> None:
    numbered = leads.assign(deal_id=np.arange(1, len(leads) + 1, dtype=np.int64))
    frame = as_kind(numbered, kind)
    scores = model.score(frame)
    assert column(scores, "deal_id") == list(range(1, len(leads) + 1))
    why = model.explain(frame, top=1)
    ids = column(why, "deal_id")
    assert ids[0] == 1 and ids[-1] == len(leads)
    assert all(isinstance(i, int) for i in ids[:5])


@pytest.mark.parametrize("kind", ["pandas", "polars", "pyarrow"])
def test_result_columns_are_typed_even_when_empty(leads: Any, kind: str) -> None:
    # No finding at all: the text columns are still text, not untyped nulls.
    clean = leads[["deal_id", "employees", "industry", "outcome"]]
    findings = leadscore.audit(as_kind(clean, kind), target="outcome", positive="Won", id="deal_id")
    if kind == "pyarrow":
        assert findings.num_rows == 0
        assert findings.schema.field("column").type == pa.string()
        assert findings.schema.field("figure").type == pa.float64()
    elif kind == "polars":
        assert findings.height == 0 and findings.schema["column"] == pl.String
    else:
        assert len(findings) == 0 and findings["column"].dtype != np.float64


@pytest.mark.parametrize("kind", ["pandas", "polars", "pyarrow"])
def test_score_gives_the_unseen_columns_of_each_lead_when_asked(model: leadscore.Model, leads: Any, kind: str) -> None:
    odd = leads.copy()
    odd.loc[[0, 3], "industry"] = "Space Mining"
    odd.loc[3, "country"] = "Atlantis"
    frame = as_kind(odd, kind)
    plain = model.score(frame)
    with_unseen = model.score(frame, unseen=True)
    names = list(plain.columns) if kind != "pyarrow" else plain.column_names
    assert names == ["deal_id", "probability", "points"]  # the contract, unchanged
    names = list(with_unseen.columns) if kind != "pyarrow" else with_unseen.column_names
    assert names == ["deal_id", "probability", "points", "unseen"]
    unseen = [list(u) for u in column(with_unseen, "unseen")]
    assert unseen[0] == ["industry"]
    assert unseen[3] == ["industry", "country"]
    assert unseen[1] == []
    # As score_one and the per-column summary count them.
    lead = {k: (None if isinstance(v, float) and v != v else v) for k, v in odd.iloc[3].to_dict().items()}
    assert model.score_one(lead)["unseen"] == unseen[3]
    summary = model.unseen(odd)
    assert dict(zip(summary["column"], summary["leads"])) == {
        c: sum(c in u for u in unseen) for c in ("industry", "country")
    }
    np.testing.assert_array_equal(np.array(column(with_unseen, "points")), np.array(column(plain, "points")))


def test_the_model_shows_as_a_compact_html_summary(model: leadscore.Model) -> None:
    html = model._repr_html_()
    assert html.startswith('<div class="leadscore-model">')
    s = model.summary
    for text in ("outcome", "Won", f"{s['won']} won", f"{s['lost']} lost", model.fingerprint, "employees"):
        assert text in html, text
    assert "AUC" in html and "<script" not in html
    assert f"{len(model.feature_columns)} (" in html
    assert_scoped(html, "leadscore-model")


def assert_scoped(html: str, root: str) -> None:
    """Every CSS rule of ``html`` applies under ``.root`` only."""
    styles = re.findall(r"<style>(.*?)</style>", html, flags=re.S)
    assert styles
    for css in styles:
        for rule in filter(None, css.split("}")):
            selectors, _ = rule.split("{", 1)
            for selector in selectors.split(","):
                assert selector.split()[0] == f".{root}", f"{selector!r} restyles the page"


def test_the_html_report_is_a_page_shown_in_a_notebook_as_a_fragment(model: leadscore.Model, leads: Any) -> None:
    report = model.report(leads, title="Synthetic <b>")
    assert isinstance(report, str) and isinstance(report, leadscore.HtmlReport)
    assert report.startswith("<!DOCTYPE html>") and report.rstrip().endswith("</html>")
    fragment = report._repr_html_()
    undated = re.compile(r"Generated .*?\. Model")
    alone = model.report(leads, format="fragment", title="Synthetic <b>")
    assert undated.sub("", fragment) == undated.sub("", alone)
    assert fragment.startswith('<div class="leadscore-report">') and fragment.endswith("</div>")
    for page_wide in ("<!DOCTYPE", "<html", "<body", "<head", "<script", "<main"):
        assert page_wide not in fragment, page_wide
    assert "Synthetic &lt;b&gt;" in fragment and "<svg" in fragment
    assert_scoped(fragment, "leadscore-report")
    assert fragment in report  # the page holds the fragment
    again = pickle.loads(pickle.dumps(report))
    assert again == report and again._repr_html_() == fragment


def test_the_report_fragment_format_and_the_old_formats(model: leadscore.Model, leads: Any) -> None:
    fragment = model.report(leads, format="fragment")
    assert type(fragment) is str and fragment.startswith('<div class="leadscore-report">')
    assert type(model.report(leads, format="md")) is str
    assert type(model.report(leads, format="json")) is str
    with pytest.raises(leadscore.ParameterError, match="fragment"):
        model.report(leads, format="pdf")  # type: ignore[arg-type]


_WITHOUT_PYARROW = """
import leadscore, numpy as np, polars as pl
try:
    import pyarrow
except ImportError:
    pass
else:
    raise SystemExit("pyarrow is importable")
deals = leadscore.synthetic_deals(2000, seed=1, kind="polars")
model = leadscore.Model.fit(deals, target="outcome", positive="Won", id="deal_id",
                            ignore=["created_at", "closed_at"], l2=3.0)
scores = model.score(deals.lazy().head(5), unseen=True)
assert isinstance(scores, pl.DataFrame), type(scores)
assert scores.columns == ["deal_id", "probability", "points", "unseen"], scores.columns
assert scores["deal_id"].to_list() == deals["deal_id"].head(5).to_list()
why = model.explain(deals.head(3), top=1)
assert isinstance(why, pl.DataFrame) and why["row"].to_list()[0] == 1
assert isinstance(model.scorecard(kind="polars"), pl.DataFrame)
assert isinstance(model.unseen(deals), pl.DataFrame)
card = model.scorecard(kind="pandas")  # pandas without pyarrow: numpy columns
assert type(card).__module__.startswith("pandas") and card["points"].dtype == np.float64
assert len(leadscore.synthetic_deals(3, kind="pandas")) == 3
print("ok")
"""


def test_a_polars_only_install_works_without_pyarrow(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    # A site directory of everything installed but pyarrow, and leadscore.
    site = Path(pl.__file__).resolve().parent.parent
    for entry in site.iterdir():
        if not entry.name.startswith("pyarrow") and not entry.name.endswith(".pth"):
            (tmp_path / entry.name).symlink_to(entry)
    path = [str(tmp_path)]
    package = Path(leadscore.__file__).resolve().parent.parent
    if package != site:  # an editable install
        path.append(str(package))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
    run = subprocess.run(
        [sys.executable, "-S", "-c", _WITHOUT_PYARROW], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().endswith("ok")


def test_pandas_without_pyarrow_is_read_as_with_it(
    monkeypatch: pytest.MonkeyPatch, deals: Any, model: leadscore.Model, leads: Any
) -> None:
    """The numpy-and-lists path of a pandas frame (taken where pyarrow is not
    installed) gives the same scores, fit and errors as the Arrow path."""
    import leadscore._frames as frames

    want = model.score(leads)
    want_fit = leadscore.Model.fit(deals, target="outcome", positive="Won", id="deal_id", l2=3.0,
                                   ignore=["created_at", "closed_at"])
    plain = frames.plain_columns

    def no_pyarrow(obj: Any, columns: list[str] | None = None, keep: str | None = None) -> Any:
        return plain(obj[columns] if columns is not None else obj)

    monkeypatch.setattr(frames, "to_arrow", no_pyarrow)
    kinds = {kind for _, kind, _ in plain(leads)}
    assert kinds == {"number", "text"}
    got = model.score(leads)
    assert got["points"].tolist() == want["points"].tolist()
    assert got["deal_id"].tolist() == want["deal_id"].tolist()
    fit = leadscore.Model.fit(deals, target="outcome", positive="Won", id="deal_id", l2=3.0,
                              ignore=["created_at", "closed_at"])
    assert fit.scorecard()["points"].tolist() == want_fit.scorecard()["points"].tolist()
    bad = leads.copy()
    bad["employees"] = bad["employees"].astype(object)
    bad.loc[3, "employees"] = "many"
    with pytest.raises(leadscore.DataError) as info:
        model.score(bad)
    assert (info.value.row, info.value.column, info.value.value) == (4, "employees", "many")
    flags = leads.assign(demo_requested=leads["demo_requested"] == "yes")
    assert plain(flags[["demo_requested"]])[0][1] == "bool"
    assert model.score(flags)["points"].tolist() == want["points"].tolist()
