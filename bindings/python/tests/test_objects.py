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
