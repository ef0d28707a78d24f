"""pandas text held as Python objects (pandas 2's ``object`` columns, and
``category`` columns) gives exactly what the same frame with Arrow strings
gives: the same model, scores, explanations and decisions; bad values still
name their row, column and value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import leadscore

FIT = dict(target="outcome", positive="Won", id="deal_id", ignore=["created_at", "closed_at"], l2=3.0)


def _objects(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text column as Python objects, as pandas 2 holds it."""
    out = frame.copy()
    for name in out.columns:
        if not pd.api.types.is_numeric_dtype(out[name]) and not pd.api.types.is_bool_dtype(out[name]):
            out[name] = out[name].astype(object).where(out[name].notna(), None)
    return out


def _categories(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for name in ("industry", "country", "lead_source", "campaign"):
        out[name] = out[name].astype("category")
    return out


def _is_object(frame: pd.DataFrame, name: str) -> bool:
    return frame[name].dtype == object


def test_object_and_category_frames_fit_score_explain_and_decide_as_arrow_strings(tmp_path: Path) -> None:
    deals = leadscore.synthetic_deals(3000, seed=1)
    leads = leadscore.synthetic_deals(500, seed=2)
    objects, categories = _objects(deals), _categories(deals)
    assert _is_object(objects, "industry") and str(categories["industry"].dtype) == "category"
    base = leadscore.Model.fit(deals, **FIT)
    for frame in (objects, categories):
        assert leadscore.Model.fit(frame, **FIT).fingerprint == base.fingerprint
    want = base.score(leads)
    want_explained = base.explain(leads, top=3)
    policy = leadscore.Policy.from_toml(
        'format = "leadscore.policy"\nformat_version = "1.0"\nversion = "1"\n'
        '[[tier]]\nname = "A"\nmin_points = 55\nroute = "sales"\nowner = "AE"\nsla = "4h"\n'
        '[[disqualify]]\nname = "Students"\ncolumn = "job_seniority"\nin = ["Student"]\n'
        '[[tier]]\nname = "B"\nroute = "nurture"\n'
    )
    want_decisions = policy.qualify(leads, model=base)
    for frame in (_objects(leads), _categories(leads)):
        got = base.score(frame)
        assert got["deal_id"].tolist() == want["deal_id"].tolist()
        np.testing.assert_array_equal(got["probability"].to_numpy(), want["probability"].to_numpy())
        np.testing.assert_array_equal(got["points"].to_numpy(), want["points"].to_numpy())
        assert base.explain(frame, top=3).to_dict() == want_explained.to_dict()
        decisions = policy.qualify(frame, model=base)
        assert decisions["tier"].tolist() == want_decisions["tier"].tolist()
        assert decisions["reasons"].tolist() == want_decisions["reasons"].tolist()


def test_missing_markers_spaces_and_repeated_or_distinct_objects_read_alike() -> None:
    deals = leadscore.synthetic_deals(2000, seed=3)
    model = leadscore.Model.fit(deals, **FIT)
    leads = leadscore.synthetic_deals(60, seed=4)
    arrow = leads.copy()
    arrow.loc[0:9, "industry"] = None
    arrow.loc[10:14, "country"] = "  Germany "
    arrow.loc[15:19, "country"] = ""
    objects = _objects(leads)
    markers = [None, float("nan"), pd.NA, None, float("nan"), pd.NA, None, pd.NaT, None, None]
    objects["industry"] = pd.Series(list(markers) + list(objects["industry"][10:]), dtype=object)
    objects.loc[10:14, "country"] = "  Germany "
    objects.loc[15:19, "country"] = ""
    # Every cell its own str object (not the repeated objects of read_csv).
    distinct = objects.copy()
    distinct["campaign"] = pd.Series(["".join(list(v)) for v in objects["campaign"]], dtype=object)
    want = model.score(arrow)
    for frame in (objects, distinct):
        got = model.score(frame)
        np.testing.assert_array_equal(got["points"].to_numpy(), want["points"].to_numpy())


def test_a_number_column_of_objects_names_the_bad_row_column_and_value() -> None:
    deals = leadscore.synthetic_deals(2000, seed=5)
    model = leadscore.Model.fit(deals, **FIT)
    leads = _objects(leadscore.synthetic_deals(20, seed=6))
    leads["employees"] = pd.Series([None if pd.isna(x) else str(int(x)) for x in leads["employees"]], dtype=object)
    # Text that is a number scores as the number.
    np.testing.assert_array_equal(
        model.score(leads)["points"].to_numpy(),
        model.score(leadscore.synthetic_deals(20, seed=6))["points"].to_numpy(),
    )
    leads.loc[7, "employees"] = "lots"
    with pytest.raises(leadscore.DataError) as e:
        model.score(leads)
    assert (e.value.row, e.value.column, e.value.value) == (8, "employees", "lots"), str(e.value)
    # As the same frame with Arrow strings says it.
    strings = leads.astype({"employees": "string[pyarrow]"})
    with pytest.raises(leadscore.DataError) as same:
        model.score(strings)
    assert str(same.value) == str(e.value)


def test_objects_of_other_types_read_as_pandas_export_reads_them() -> None:
    deals = leadscore.synthetic_deals(2000, seed=7)
    model = leadscore.Model.fit(deals, **FIT)
    leads = leadscore.synthetic_deals(30, seed=8)
    want = model.score(leads)["points"].to_numpy()
    # Numbers held as Python objects (an object column of ints and floats).
    mixed = _objects(leads)
    mixed["employees"] = pd.Series(
        [None if pd.isna(x) else int(x) if float(x).is_integer() else float(x) for x in leads["employees"]],
        dtype=object,
    )
    np.testing.assert_array_equal(model.score(mixed)["points"].to_numpy(), want)
    # Text and numbers mixed in a text column: each value as its text.
    odd = _objects(leads)
    odd.loc[3, "industry"] = 12
    unseen = model.unseen(odd)
    assert "industry" in unseen["column"].tolist()
    strings = odd.copy()
    strings["industry"] = pd.Series([None if v is None else str(v) for v in odd["industry"]], dtype="string[pyarrow]")
    np.testing.assert_array_equal(
        model.score(odd)["points"].to_numpy(), model.score(strings)["points"].to_numpy()
    )


def test_read_csv_object_columns_score_as_the_file(tmp_path: Path) -> None:
    deals = leadscore.synthetic_deals(2000, seed=9)
    model = leadscore.Model.fit(deals, **FIT)
    path = tmp_path / "leads.csv"
    leads = leadscore.synthetic_deals(400, seed=10)
    leads.to_csv(path, index=False)
    # As pandas 2 reads it: text as Python objects.
    text = [c for c in leads.columns if not pd.api.types.is_numeric_dtype(leads[c])]
    frame = pd.read_csv(path, dtype={c: object for c in text})
    assert _is_object(frame, "industry")
    # read_csv hands every cell of a value the same object.
    assert frame["industry"][0] is next(v for v in frame["industry"][1:] if v == frame["industry"][0])
    np.testing.assert_array_equal(
        model.score(frame)["points"].to_numpy(), model.score(pd.read_csv(path))["points"].to_numpy()
    )


def test_an_object_id_is_copied_as_it_is(tmp_path: Any) -> None:
    deals = leadscore.synthetic_deals(2000, seed=11)
    model = leadscore.Model.fit(deals, **FIT)
    leads = _objects(leadscore.synthetic_deals(50, seed=12))
    assert _is_object(leads, "deal_id")
    scores = model.score(leads)
    assert scores["deal_id"].tolist() == leads["deal_id"].tolist()


def test_without_pyarrow_object_columns_read_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    import leadscore._frames as frames

    deals = leadscore.synthetic_deals(2000, seed=13)
    model = leadscore.Model.fit(deals, **FIT)
    leads = leadscore.synthetic_deals(100, seed=14)
    want = model.score(leads)["points"].tolist()
    objects = _objects(leads)
    objects.loc[5, "industry"] = 7  # another object: read as its text
    strings = leads.copy()
    strings.loc[5, "industry"] = "7"
    want_odd = model.score(strings)["points"].tolist()
    has = frames._has
    monkeypatch.setattr(frames, "_has", lambda module: module != "pyarrow" and has(module))
    assert frames.route(objects) == ("pandas", False)
    assert model.score(_objects(leads))["points"].tolist() == want
    assert model.score(objects)["points"].tolist() == want_odd


def test_a_column_of_many_distinct_objects_reads_the_same() -> None:
    # Each cell its own str object, more of them than a column read in
    # parallel takes: the column is read again with the GIL held.
    deals = leadscore.synthetic_deals(2000, seed=15)
    model = leadscore.Model.fit(deals, **FIT)
    leads = leadscore.synthetic_deals(6000, seed=16)
    objects = _objects(leads)
    for name in ("campaign", "industry"):
        objects[name] = pd.Series([None if v is None else "".join(list(v)) for v in objects[name]], dtype=object)
    assert len({id(v) for v in objects["campaign"]}) > 4096
    np.testing.assert_array_equal(model.score(objects)["points"].to_numpy(), model.score(leads)["points"].to_numpy())
