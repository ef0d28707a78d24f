"""DataFrames in and out: pandas, polars and pyarrow give the same results."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import leadscore
from conftest import KINDS, as_kind, column


@pytest.mark.parametrize("kind", KINDS)
def test_score_returns_the_same_kind_in_input_order(model: leadscore.Model, leads: Any, kind: str) -> None:
    frame = as_kind(leads, kind)
    scores = model.score(frame)
    assert type(scores).__module__.split(".")[0] == kind
    assert list(scores.columns if kind != "pyarrow" else scores.column_names) == ["deal_id", "probability", "points"]
    assert column(scores, "deal_id") == leads["deal_id"].tolist()
    p = np.array(column(scores, "probability"))
    assert ((p > 0) & (p < 1)).all()


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_scores_alike(model: leadscore.Model, leads: Any, kind: str) -> None:
    reference = model.score(leads)["points"].to_numpy()
    points = np.array(column(model.score(as_kind(leads, kind)), "points"))
    np.testing.assert_array_equal(points, reference)


@pytest.mark.parametrize("kind", KINDS)
def test_fit_from_every_kind_gives_the_same_model(deals: Any, model: leadscore.Model, kind: str) -> None:
    again = leadscore.Model.fit(
        as_kind(deals, kind),
        target="outcome",
        positive="Won",
        id="deal_id",
        ignore=["created_at", "closed_at"],
        l2=3.0,
    )
    assert again.fingerprint == model.fingerprint


@pytest.mark.parametrize("kind", KINDS)
def test_explain_contributions_add_up_to_points(model: leadscore.Model, leads: Any, kind: str) -> None:
    frame = as_kind(leads, kind)
    why = model.explain(frame, top=3)
    rows = np.array(column(why, "row"))
    contribution = np.array(column(why, "contribution"))
    points = np.array(column(why, "points"))
    base = np.array(column(why, "base_points"))
    n_features = len(model.feature_columns)
    assert len(rows) == 200 * n_features
    assert rows.min() == 1 and rows.max() == 200  # 1-based, as every row number
    for r in (1, 57, 200):
        mask = rows == r
        assert base[mask][0] + contribution[mask].sum() == pytest.approx(points[mask][0], abs=1e-9)


@pytest.mark.parametrize("kind", KINDS)
def test_scorecard_of_every_kind(model: leadscore.Model, kind: str) -> None:
    card = model.scorecard(kind=kind)  # type: ignore[arg-type]
    assert type(card).__module__.split(".")[0] == kind
    attributes = column(card, "attribute")
    columns = column(card, "column")
    assert ("demo_requested", "yes") in zip(columns, attributes)
    demo = [p for c, a, p in zip(columns, attributes, column(card, "points")) if c == "demo_requested" and a == "yes"]
    assert demo[0] > 0


def test_numpy_path_matches_score(model: leadscore.Model, leads: Any) -> None:
    x = model.encode(leads)
    assert x.shape == (200, len(model.attribute_names))
    assert (x.sum(axis=1) == len(model.feature_columns)).all()
    np.testing.assert_allclose(model.probabilities(x), model.score(leads)["probability"].to_numpy(), rtol=0, atol=1e-12)


def test_missing_values_and_categories_from_pandas(model: leadscore.Model, leads: Any) -> None:
    frame = leads.copy()
    frame["industry"] = frame["industry"].astype("category")
    frame.loc[0, "employees"] = np.nan
    scores = model.score(frame)
    assert len(scores) == 200
    why = model.explain(frame.head(1), top=20)
    employees = why[why["column"] == "employees"]["attribute"].tolist()
    assert employees == ["(missing)"]


@pytest.mark.parametrize("dtype", ["bool", "boolean"])
def test_a_boolean_column_takes_the_model_spelling(model: leadscore.Model, leads: Any, dtype: str) -> None:
    # The model learned demo_requested as the texts "yes" and "no".
    as_bool = leads.copy()
    as_bool["demo_requested"] = (leads["demo_requested"] == "yes").astype(dtype)
    expected = model.score(leads)["points"].to_numpy()
    np.testing.assert_array_equal(model.score(as_bool)["points"].to_numpy(), expected)
    # pandas' nullable boolean: a missing value stays missing.
    if dtype == "boolean":
        with_na = as_bool.copy()
        with_na.loc[0, "demo_requested"] = None
        missing = leads.copy()
        missing.loc[0, "demo_requested"] = None
        np.testing.assert_array_equal(
            model.score(with_na)["points"].to_numpy(), model.score(missing)["points"].to_numpy()
        )


def test_a_boolean_column_for_a_text_feature_of_other_values_is_refused(model: leadscore.Model, leads: Any) -> None:
    wrong = leads.copy()
    wrong["industry"] = True
    with pytest.raises(TypeError, match="industry.*boolean"):
        model.score(wrong)


def test_polars_null_columns_and_lazy_frames_score_like_pandas(model: leadscore.Model, leads: Any) -> None:
    pl = pytest.importorskip("polars")
    missing = leads.copy()
    missing["industry"] = None
    expected = model.score(missing)["points"].to_numpy()
    frame = pl.from_pandas(leads).with_columns(pl.lit(None).alias("industry"))
    assert frame.schema["industry"] == pl.Null
    np.testing.assert_array_equal(np.array(column(model.score(frame), "points")), expected)
    lazy = frame.lazy()
    np.testing.assert_array_equal(np.array(column(model.score(lazy), "points")), expected)



def test_the_id_column_is_optional_as_in_rust(model: leadscore.Model, leads: Any) -> None:
    without = leads.drop(columns=["deal_id"])
    scores = model.score(without)
    assert list(scores.columns) == ["probability", "points"]
    np.testing.assert_array_equal(scores["points"].to_numpy(), model.score(leads)["points"].to_numpy())
    why = model.explain(without, top=2)
    assert "deal_id" not in why.columns and why["row"].min() == 1


def test_unseen_values_are_returned(model: leadscore.Model, leads: Any) -> None:
    odd = leads.copy()
    odd.loc[[0, 3], "industry"] = "Space Mining"
    unseen = model.unseen(odd)
    row = unseen[unseen["column"] == "industry"]
    assert row["leads"].tolist() == [2]
    assert "Space Mining" in row["examples"].iloc[0]
    assert "industry" not in model.unseen(leads)["column"].tolist()
