"""Starting from marketing's points sheet in Python: Model.fit(prior=frame or
path, prior_strength=), Model.prior, and the same model as the CLI's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl
import pytest

import leadscore

SHEET = pd.DataFrame(
    {
        "column": ["demo_requested", "job_seniority", "email_clicks", "job_title"],
        "value": ["yes", "Student", ">=5", "VP"],
        "points": [20, -10, 10, 15],
    }
)


def fit(deals: object, **kw: object) -> leadscore.Model:
    return leadscore.Model.fit(
        deals,
        target="outcome",
        id="deal_id",
        ignore=["created_at", "closed_at", "deal_value"],
        **kw,
    )


def test_fit_from_a_sheet_frame_or_file(tmp_path: Path) -> None:
    deals = leadscore.synthetic_deals(3000, seed=8)
    model = fit(deals, prior=SHEET)
    prior = model.prior
    assert prior is not None
    assert 0.0 <= prior["strength"] <= 1.0
    assert len(prior["candidates"]) == 5
    demo = next(
        a for a in prior["attributes"] if a["column"] == "demo_requested" and a["attribute"] == "yes"
    )
    assert demo["sheet_points"] == 20.0
    assert demo["moved"] == pytest.approx(demo["learned_points"] - demo["sheet_points"])
    lo, hi = demo["learned_interval"]
    assert lo <= demo["learned_points"] <= hi
    # The rule on a column the deals lack is reported with its row.
    assert [(p["row"], p["column"]) for p in prior["problems"]] == [(4, "job_title")]
    # The same sheet as a polars frame or a CSV file: the same model.
    path = tmp_path / "sheet.csv"
    SHEET.to_csv(path, index=False)
    for other in (fit(deals, prior=pl.from_pandas(SHEET)), fit(deals, prior=str(path)), fit(deals, prior=path)):
        assert other.fingerprint == model.fingerprint
    assert fit(deals).prior is None


def test_a_fixed_strength_and_few_deals() -> None:
    deals = leadscore.synthetic_deals(40, seed=8)
    with pytest.raises(leadscore.TrainingError):
        fit(deals)
    model = fit(deals, prior=SHEET, prior_strength=0.5)
    assert model.prior is not None and model.prior["strength"] == 0.5
    with pytest.raises(leadscore.ParameterError, match="prior_strength"):
        fit(deals, prior=SHEET, prior_strength=1.5)
    with pytest.raises(leadscore.ParameterError, match="prior_strength"):
        fit(deals, prior_strength=0.5)
