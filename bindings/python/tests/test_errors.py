"""Every error maps to a clear Python exception."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import leadscore


def test_bad_value_names_row_column_value(model: leadscore.Model, leads: Any) -> None:
    frame = leads.head(5).copy()
    frame["employees"] = frame["employees"].astype(object)
    frame.loc[3, "employees"] = "lots"
    with pytest.raises(leadscore.DataError) as info:
        model.score(frame)
    err = info.value
    assert isinstance(err, ValueError) and isinstance(err, leadscore.LeadscoreError)
    assert (err.row, err.column, err.value) == (4, "employees", "lots")
    assert err.total == 1 and err.errors[0]["reason"] == "not a number"
    assert 'row 4, column "employees", value "lots"' in str(err)


def test_missing_column_is_named(model: leadscore.Model, leads: Any) -> None:
    with pytest.raises(leadscore.DataError, match='column "campaign" not found') as info:
        model.score(leads.drop(columns=["campaign"]))
    assert info.value.column == "campaign"


def test_unknown_outcome_values(deals: Any) -> None:
    frame = deals.head(100).copy()
    frame.loc[10, "outcome"] = "Maybe"
    with pytest.raises(leadscore.DataError) as info:
        leadscore.Model.fit(frame, target="outcome", positive="Won", negative="Lost")
    assert (info.value.row, info.value.value) == (11, "Maybe")


def test_too_few_won_deals(deals: Any) -> None:
    frame = deals[(deals["outcome"] == "Lost") | (deals.index < 40)]
    won = int((frame["outcome"] == "Won").sum())
    assert won < 20
    with pytest.raises(leadscore.TrainingError, match=f"{won} won"):
        leadscore.Model.fit(frame, target="outcome", positive="Won")


def test_bad_parameter(deals: Any) -> None:
    with pytest.raises(leadscore.ParameterError, match="l2"):
        leadscore.Model.fit(deals, target="outcome", positive="Won", l2=-1.0)


def test_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        leadscore.Model.load(tmp_path / "nope.json")
    assert info.value.filename == str(tmp_path / "nope.json")


def test_newer_format_version_is_a_model_format_error(model: leadscore.Model) -> None:
    doc = json.loads(model.to_json())
    doc["format_version"] = "2.0"
    with pytest.raises(leadscore.ModelFormatError, match="2.0"):
        leadscore.Model.from_json(json.dumps(doc))


def test_not_a_frame_is_a_type_error(model: leadscore.Model) -> None:
    with pytest.raises(TypeError, match="frame"):
        model.score([1, 2, 3])
