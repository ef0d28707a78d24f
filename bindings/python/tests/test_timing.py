"""Open deals as not-yet-known outcomes from Python: Model.fit with open=,
created=, closed=, horizons=; score(as_of=) with the chances within each
horizon, of ever winning and the median close date, equal to the CLI's."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

import leadscore
from conftest import leadscore_cli

AS_OF = "2025-06-30"


def fit(deals: object, **kw: object) -> leadscore.Model:
    return leadscore.Model.fit(
        deals,
        target="stage",
        positive="Won",
        negative="Lost",
        open=["Open"],
        id="deal_id",
        created="created_at",
        closed="closed_at",
        ignore=["deal_value"],
        l2=1.0,
        **kw,
    )


def test_open_deals_get_their_chance_within_each_horizon() -> None:
    deals = leadscore.synthetic_pipeline(6000, seed=4, as_of=AS_OF)
    assert set(deals["stage"]) == {"Won", "Lost", "Open"}
    model = fit(deals, horizons=[30, 90], as_of=AS_OF)
    open_deals = deals[deals["stage"] == "Open"]
    s = model.score(open_deals, as_of=AS_OF)
    assert list(s.columns) == [
        "deal_id",
        "probability",
        "points",
        "win_within_30d",
        "win_within_90d",
        "win_eventually",
        "expected_close",
    ]
    assert (s["win_within_30d"] <= s["win_within_90d"] + 1e-12).all()
    assert (s["win_within_90d"] <= s["win_eventually"] + 1e-12).all()
    assert (s["probability"] == s["win_eventually"]).all()
    # Median close dates lie after the scoring date.
    assert (pd.to_datetime(s["expected_close"].dropna()) >= pd.Timestamp(AS_OF)).all()
    # The same on a polars frame.
    sp = model.score(pl.from_pandas(open_deals), as_of=AS_OF)
    assert sp["win_within_90d"].to_list() == s["win_within_90d"].tolist()


def test_scores_equal_the_command_line(tmp_path: Path) -> None:
    deals = leadscore.synthetic_pipeline(3000, seed=9, as_of=AS_OF)
    deals.to_csv(tmp_path / "deals.csv", index=False)
    model = fit(deals)
    model.save(str(tmp_path / "m.json"))
    exe = leadscore_cli()
    subprocess.run(
        [str(exe), "score", "deals.csv", "--model", "m.json", "--as-of", AS_OF, "--out", "s.csv", "-q"],
        cwd=tmp_path,
        check=True,
    )
    cli = pd.read_csv(tmp_path / "s.csv")
    py = model.score(deals, as_of=AS_OF)
    assert (cli["win_within_90d"].to_numpy() == py["win_within_90d"].to_numpy()).all()
    assert cli["expected_close"].fillna("").tolist() == py["expected_close"].fillna("").tolist()


def test_a_lead_without_its_created_date_is_a_data_error() -> None:
    deals = leadscore.synthetic_pipeline(3000, seed=2, as_of=AS_OF)
    model = fit(deals)
    leads = deals.head(3).copy()
    leads.loc[1, "created_at"] = "soon"
    with pytest.raises(leadscore.DataError, match="created_at"):
        model.score(leads, as_of=AS_OF)
    with pytest.raises(leadscore.ParameterError, match="created"):
        leadscore.Model.fit(deals, target="stage", positive="Won", negative="Lost", open=["Open"])


RANKED = """
format = "leadscore.policy"
format_version = "1.1"
version = "q3"
rank_by = "win_within_90d"

[capacity]
reps = 2
leads_per_rep = 50

[[tier]]
name = "A"
capacity = true
route = "sales"
owner = "Account Executives"
sla = "1d"

[[tier]]
name = "B"
route = "nurture"
"""


def test_a_policy_ranks_and_cuts_by_the_chance_within_the_horizon() -> None:
    deals = leadscore.synthetic_pipeline(6000, seed=4, as_of=AS_OF)
    model = fit(deals, horizons=[30, 90], as_of=AS_OF)
    open_deals = deals[deals["stage"] == "Open"].reset_index(drop=True)
    policy = leadscore.Policy.from_toml(RANKED)
    d = policy.qualify(open_deals, model=model, as_of=AS_OF)
    for c in ["win_within_30d", "win_within_90d", "win_eventually", "expected_close"]:
        assert c in d.columns
    s = model.score(open_deals, as_of=AS_OF)
    assert d["win_within_90d"].tolist() == s["win_within_90d"].tolist()
    a = d[d["tier"] == "A"]
    assert len(a) == 100
    assert a["win_within_90d"].min() >= d.loc[d["tier"] != "A", "win_within_90d"].max()
    # Ranked by that chance inside the tier.
    assert a.sort_values("rank")["win_within_90d"].is_monotonic_decreasing
    # Another scoring date, other chances.
    later = policy.qualify(open_deals, model=model, as_of="2025-12-31")
    assert later["win_within_90d"].tolist() != d["win_within_90d"].tolist()
    # A horizon the model was not trained for is named.
    with pytest.raises(leadscore.ParameterError, match="win_within_60d"):
        leadscore.Policy.from_toml(RANKED.replace("90d", "60d")).qualify(
            open_deals, model=model, as_of=AS_OF
        )
