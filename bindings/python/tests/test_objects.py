"""Models are immutable, pickle through their JSON document, and score from many threads at once."""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import leadscore


def test_pickle_round_trip(model: leadscore.Model, leads: Any) -> None:
    again = pickle.loads(pickle.dumps(model))
    assert again.fingerprint == model.fingerprint
    np.testing.assert_array_equal(again.score(leads)["points"], model.score(leads)["points"])


def test_save_and_load(model: leadscore.Model, leads: Any, tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    model.save(path)
    loaded = leadscore.Model.load(path)
    assert loaded.to_json() == model.to_json()
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_four_threads_score_alike(model: leadscore.Model) -> None:
    batches = [leadscore.synthetic_deals(5000, seed=s) for s in range(4)]
    expected = [model.score(b)["points"].to_numpy() for b in batches]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(3):
            got = list(pool.map(lambda b: model.score(b)["points"].to_numpy(), batches))
            for g, e in zip(got, expected):
                np.testing.assert_array_equal(g, e)


def test_models_are_immutable(model: leadscore.Model) -> None:
    with pytest.raises(AttributeError):
        model.fingerprint = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        model.anything = 1  # type: ignore[attr-defined]


def test_repr_and_summary(model: leadscore.Model) -> None:
    assert "trained_on=3000 deals" in repr(model)
    summary = model.summary
    assert summary["rows"] == 3000 and summary["l2"] == 3.0
    assert summary["won"] + summary["lost"] == 3000


def test_fit_takes_the_train_options_of_the_command_line(deals: Any) -> None:
    base = dict(target="outcome", positive="Won", id="deal_id", ignore=["created_at", "closed_at"])
    model = leadscore.Model.fit(
        deals,
        **base,
        l2_grid=[0.3, 3.0, 30.0],
        l2_rule="one-standard-error",
        special={"pricing_page_visits": 0},
        max_bins=4,
        min_level_count=50,
        tolerance=1e-10,
        max_iterations=50,
        points_to_double_odds=20.0,
        base_points=600.0,
        base_odds=0.5,
    )
    card = model.scorecard()
    visits = card[card["column"] == "pricing_page_visits"]["attribute"].tolist()
    assert "= 0 (special)" in visits
    # max_bins=4: at most 4 ranges besides the special value and (missing).
    assert len(visits) <= 6
    summary = model.summary
    assert summary["cross_validation"]["rule"] == "one_standard_error"
    assert {p["l2"] for p in summary["cross_validation"]["grid"]} <= {0.3, 3.0, 30.0, None}
    # The scale: 600 points at odds 1:2, 20 points double the odds.
    assert abs(model.base_points - leadscore.Model.fit(deals, **base, l2=3.0).base_points) > 100


def test_fit_rejects_a_bad_rule_and_an_empty_grid(deals: Any) -> None:
    base = dict(target="outcome", positive="Won", id="deal_id", ignore=["created_at", "closed_at"])
    with pytest.raises(ValueError, match="l2_rule"):
        leadscore.Model.fit(deals, **base, l2_rule="best")
    with pytest.raises(ValueError, match="l2_grid"):
        leadscore.Model.fit(deals, **base, l2_grid=[])


def test_fit_finds_the_one_date_column_unless_asked_for_random_folds(deals: Any) -> None:
    base = dict(target="outcome", positive="Won", id="deal_id", ignore=["closed_at"], l2_grid=[1.0, 10.0])
    found = leadscore.Model.fit(deals, **base).summary["cross_validation"]
    assert found["time_column"] == "created_at" and found["time_column_found"] is True
    assert "created_at" not in leadscore.Model.fit(deals, **base).feature_columns
    random = leadscore.Model.fit(deals, **base, random_folds=True).summary["cross_validation"]
    assert random["time_column"] is None


def test_score_one_takes_a_dict_and_scores_as_the_frame(model: leadscore.Model, leads: Any) -> None:
    scores = model.score(leads)
    for r in (0, 7, 42):
        row = leads.iloc[r]
        lead = {c: (None if row[c] is None or row[c] != row[c] else row[c]) for c in leads.columns}
        lead = {c: (v.item() if hasattr(v, "item") else v) for c, v in lead.items()}
        one = model.score_one(lead)
        assert one["deal_id"] == scores["deal_id"].iloc[r]
        assert one["points"] == scores["points"].iloc[r]
        assert one["probability"] == scores["probability"].iloc[r]
        assert one["unseen"] == []
    # A boolean takes the model's spelling, an unseen value is named, a
    # missing key is an error naming the column.
    lead = {c: (v.item() if hasattr(v, "item") else v) for c, v in leads.iloc[0].items()}
    as_text = model.score_one(lead)
    lead["demo_requested"] = lead["demo_requested"] == "yes"
    assert model.score_one(lead)["points"] == as_text["points"]
    lead["industry"] = "Space Mining"
    assert model.score_one(lead)["unseen"] == ["industry"]
    del lead["industry"]
    with pytest.raises(leadscore.DataError, match="industry"):
        model.score_one(lead)
    with pytest.raises(TypeError, match="employees"):
        model.score_one({**lead, "industry": "Software", "employees": [1]})


def test_explain_one_takes_a_dict_and_explains_as_the_frame(model: leadscore.Model, leads: Any) -> None:
    lead = {c: (v.item() if hasattr(v, "item") else v) for c, v in leads.iloc[3].items()}
    one = model.explain_one(lead, top=2)
    why = model.explain(leads.iloc[[3]], top=2)
    assert one["deal_id"] == lead["deal_id"]
    assert [c["column"] for c in one["contributions"]] == why["column"].tolist()
    assert [c["points"] for c in one["contributions"]] == why["contribution"].tolist()
    total = one["base_points"] + sum(c["points"] for c in one["contributions"])
    assert total == pytest.approx(one["points"], abs=1e-9)
    assert one["points"] == model.score_one(lead)["points"]
    assert one["unseen"] == []
    odd = model.explain_one({**lead, "industry": "Quantum Basket Weaving"}, top=2)
    assert odd["unseen"] == ["industry"]
    assert {"column": "industry", "attribute": "(other)"}.items() <= next(
        c for c in odd["contributions"] if c["column"] == "industry"
    ).items()
