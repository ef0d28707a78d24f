"""Closing the loop from Python: leadscore.outcomes against pandas, the speed
effect, bad rows, files, and leadscore.promote."""

import json

import numpy as np
import pandas as pd
import pytest

import leadscore


def _pandas_figures(decisions, touches, deals):
    """Per tier, what leadscore.outcomes computes, written with pandas."""
    t = touches.assign(touched_at=pd.to_datetime(touches["touched_at"], utc=True))
    first = t.groupby("lead_id")["touched_at"].min()
    d = decisions.set_index("lead_id").copy()
    d["first"] = first
    d["due"] = pd.to_datetime(d["sla_due"], utc=True)
    hours = d["sla"].str.rstrip("h").astype(float)
    d["created"] = d["due"] - pd.to_timedelta(hours, unit="h")
    d = d.join(deals.set_index("lead_id")["outcome"])
    rows = {}
    for tier, g in d.groupby("tier"):
        with_sla = g[g["due"].notna()]
        touched = g[g["first"].notna()]
        h = ((touched["first"] - touched["created"]).dt.total_seconds() / 3600).dropna()
        closed = g[g["outcome"].isin(["won", "lost"])]
        on_time = closed[closed["due"].notna() & (closed["first"] <= closed["due"])]
        late = closed[closed["due"].notna() & (closed["first"] > closed["due"])]
        rows[tier] = {
            "leads": len(g),
            "touched": len(touched),
            "within_sla": (with_sla["first"] <= with_sla["due"]).mean() if len(with_sla) else np.nan,
            "median_hours_to_touch": h.quantile(0.5) if len(h) else np.nan,
            "p95_hours_to_touch": h.quantile(0.95) if len(h) else np.nan,
            "win_rate": (closed["outcome"] == "won").mean(),
            "win_rate_within_sla": (on_time["outcome"] == "won").mean() if len(on_time) else np.nan,
            "win_rate_after_sla": (late["outcome"] == "won").mean() if len(late) else np.nan,
        }
    return rows


def test_tier_figures_equal_pandas():
    decisions, touches, deals = leadscore.synthetic_closed_loop(8000, seed=4)
    o = leadscore.outcomes(decisions, touches, deals, id="lead_id")
    tiers = o.tiers.set_index("tier")
    expected = _pandas_figures(decisions, touches, deals)
    assert set(expected) == {"A", "B", "C"}
    for tier, figures in expected.items():
        for key, value in figures.items():
            got = tiers.loc[tier, key]
            if np.isnan(value):
                assert np.isnan(got), (tier, key, got)
            else:
                assert got == pytest.approx(value, abs=1e-9), (tier, key)
    assert list(o.tiers["tier"]) == ["A", "B", "C", "all"]
    assert o.leads == 8000
    assert o.problems.empty and o.problem_counts == []


def test_a_planted_speed_effect_is_recovered_and_none_found_where_none_was_planted():
    for planted in (0.1, 0.0):
        d, t, k = leadscore.synthetic_closed_loop(40_000, seed=12, speed_effect=planted)
        a = leadscore.outcomes(d, t, k, id="lead_id", bands=10).tiers.iloc[-1]
        assert a["speed_effect_low"] <= planted <= a["speed_effect_high"], a
        # Good leads are touched first: the unadjusted difference overstates it.
        assert a["speed_effect_unadjusted"] > a["speed_effect_high"], a


def test_bad_rows_are_reported_with_row_column_and_value():
    decisions = pd.DataFrame(
        {
            "lead_id": ["L1", "L2"],
            "tier": ["A", "A"],
            "sla": ["4h", "4h"],
            "sla_due": ["2024-03-01T13:00:00Z", "2024-03-01T14:00:00Z"],
            "points": [12.0, 11.0],
        }
    )
    touches = pd.DataFrame(
        {
            "lead_id": ["L1", "L9", "L2", "L2"],
            "touched_at": ["2024-03-01T10:00:00Z", "2024-03-01T10:00:00Z", "2024-02-01", "soon"],
        }
    )
    deals = pd.DataFrame({"lead_id": ["L1", "L2"], "outcome": ["won", "lost"]})
    o = leadscore.outcomes(decisions, touches, deals, id="lead_id")
    p = o.problems
    assert list(p["row"]) == [2, 3, 4]
    assert list(p["column"]) == ["lead_id", "touched_at", "touched_at"]
    assert list(p["value"]) == ["L9", "2024-02-01", "soon"]
    assert p["problem"][0] == "no decision for this lead"
    assert sum(rows for file, _, rows in o.problem_counts if file == "touches") == 3
    a = o.tiers.iloc[0]
    assert (a["touched"], a["within_sla"]) == (1, 0.5)


def test_files_and_polars_give_the_same_figures(tmp_path):
    pl = pytest.importorskip("polars")
    d, t, k = leadscore.synthetic_closed_loop(3000, seed=6)
    paths = []
    for name, frame in (("decisions", d), ("touches", t), ("deals", k)):
        path = tmp_path / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    from_frames = leadscore.outcomes(d, t, k, id="lead_id", by=["owner", "month"])
    from_files = leadscore.outcomes(*paths, id="lead_id", by=["owner", "month"])
    assert from_frames.to_dict() == from_files.to_dict()
    pd.testing.assert_frame_equal(from_frames.groups("owner"), from_files.groups("owner"))
    polars = leadscore.outcomes(
        *(pl.from_pandas(x) for x in (d, t, k)), id="lead_id", by=["month"]
    )
    assert isinstance(polars.tiers, pl.DataFrame)
    assert polars.tiers["leads"].to_list() == list(from_frames.tiers["leads"])
    with pytest.raises(ValueError, match="not grouped by route"):
        from_frames.groups("route")
    assert "What happened to the decisions" in from_frames.to_html()
    assert from_frames._repr_html_().startswith('<div class="leadscore-report">')
    assert json.loads(from_frames.to_json())["tiers"][0]["tier"] == "A"
    assert "By tier" in str(from_frames)


def test_a_frame_beside_csv_paths_gives_the_same_figures(tmp_path):
    d, t, k = leadscore.synthetic_closed_loop(2000, seed=9)
    touches = tmp_path / "touches.csv"
    t.to_csv(touches, index=False)
    deals = tmp_path / "deals.csv"
    k.to_csv(deals, index=False)
    mixed = leadscore.outcomes(d, touches, deals, id="lead_id")
    frames = leadscore.outcomes(d, t, k, id="lead_id")
    assert mixed.to_dict() == frames.to_dict()
    assert mixed.tiers["touched"].sum() > 0


def test_a_parquet_path_is_refused_by_name_not_read_as_csv(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    d, t, k = leadscore.synthetic_closed_loop(500, seed=9)
    touches = tmp_path / "touches.parquet"
    pq.write_table(pa.Table.from_pandas(t, preserve_index=False), touches)
    with pytest.raises(leadscore.LeadscoreError, match="Parquet"):
        leadscore.outcomes(d, touches, k, id="lead_id")


def _fit(deals):
    return leadscore.Model.fit(
        deals, target="outcome", positive="Won", id="deal_id", ignore=["created_at", "closed_at"], l2=3.0
    )


def test_promote_refuses_a_model_of_shuffled_outcomes(tmp_path):
    active = _fit(leadscore.synthetic_deals(3000, seed=1))
    newer = leadscore.synthetic_deals(3000, seed=2)
    candidate = _fit(newer)
    shuffled = newer.assign(outcome=newer["outcome"].sample(frac=1.0, random_state=3).to_numpy())
    bad = _fit(shuffled)
    recent = leadscore.synthetic_deals(1500, seed=3)
    log = tmp_path / "promotions.jsonl"
    refused = leadscore.promote(active, bad, recent, log=log, active_file="active.json")
    assert not refused.passed and not refused
    assert any("AUC" in r for r in refused.reasons)
    passed = leadscore.promote(active, candidate, recent, log=log, gate={"min_auc_ratio": 0.9})
    assert passed.passed, str(passed)
    metrics = {m: (a, c) for m, a, c in passed.comparison}
    assert metrics["auc"][1] > 0.7
    assert passed.to_dict()["gate"]["min_auc_ratio"] == 0.9
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert [x["verdict"] for x in lines] == ["refused", "promoted"]
    assert lines[0]["active_file"] == "active.json"
    assert lines[1]["candidate_fingerprint"] == candidate.fingerprint
    with pytest.raises(leadscore.ParameterError, match="min_auc_ratio"):
        leadscore.promote(active, candidate, recent, gate={"min_auc_ratio": 0})
    with pytest.raises(ValueError, match="unknown field"):
        leadscore.promote(active, candidate, recent, gate={"max_log_loss": 1})
