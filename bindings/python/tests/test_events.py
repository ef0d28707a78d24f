"""Behaviour over time from Python: fit with an event log, score and explain
with the leads' events, unseen event types warned about."""

from __future__ import annotations

from typing import Any

import pytest

import leadscore
from conftest import as_kind, column


@pytest.fixture(scope="module")
def data() -> tuple[Any, Any]:
    return leadscore.synthetic_deals_with_events(4000, seed=5)


@pytest.fixture(scope="module")
def model(data: tuple[Any, Any]) -> leadscore.Model:
    deals, events = data
    return leadscore.Model.fit(
        deals, target="outcome", id="deal_id", ignore=["closed_at", "deal_value"], events=events, as_of="created_at", l2=1.0
    )


def test_event_types_are_learned_with_points_and_half_lives(model: leadscore.Model) -> None:
    by_type = {e["event"]: e for e in model.events}
    assert set(by_type) >= {"demo_request", "pricing_view", "webinar", "unsubscribe"}
    assert by_type["demo_request"]["points_at_0"] > 0
    assert by_type["unsubscribe"]["points_at_0"] < 0
    assert 0 < by_type["demo_request"]["half_life_days"] < by_type["webinar"]["half_life_days"]


def test_one_fixed_half_life_for_every_type(data: tuple[Any, Any]) -> None:
    deals, events = data
    fixed = leadscore.Model.fit(
        deals, target="outcome", id="deal_id", ignore=["closed_at", "deal_value"], events=events,
        as_of="created_at", l2=1.0, event_half_life=30.0,
    )
    assert {e["half_life_days"] for e in fixed.events} == {30.0}
    with pytest.raises(leadscore.ParameterError, match="half-life"):
        leadscore.Model.fit(
            deals, target="outcome", id="deal_id", events=events, as_of="created_at", l2=1.0,
            event_half_life=-1.0,
        )


@pytest.mark.parametrize("kind", ["pandas", "polars", "pyarrow"])
def test_scores_with_events_match_across_frame_kinds_and_the_cli_contract(
    model: leadscore.Model, data: tuple[Any, Any], kind: str
) -> None:
    deals, events = data
    leads = deals.head(50)
    expected = column(model.score(leads, events=events), "points")
    got = model.score(as_kind(leads, kind), events=as_kind(events, kind))
    assert column(got, "points") == pytest.approx(expected, abs=1e-12)
    # Without the events, the error says what is missing.
    with pytest.raises(leadscore.DataError, match="event log"):
        model.score(leads)


def test_future_events_change_no_score(model: leadscore.Model, data: tuple[Any, Any]) -> None:
    import pandas as pd

    deals, events = data
    leads = deals.head(20)
    later = pd.DataFrame(
        {"deal_id": leads["deal_id"], "event": "demo_request", "timestamp": leads["created_at"]}
    )
    a = column(model.score(leads, events=events), "points")
    b = column(model.score(leads, events=pd.concat([events, later])), "points")
    assert a == b


def test_explanations_name_events_and_unseen_types_are_warned(
    model: leadscore.Model, data: tuple[Any, Any]
) -> None:
    import pandas as pd

    deals, events = data
    leads = deals.head(30)
    why = model.explain(leads, events=events)
    assert why["attribute"].str.contains("days ago").any()
    sums = why.groupby("row")["contribution"].sum() + why.groupby("row")["base_points"].first()
    points = why.groupby("row")["points"].first()
    assert (sums - points).abs().max() < 1e-9
    odd = pd.DataFrame({"deal_id": ["D000001"], "event": ["fax_sent"], "timestamp": ["2020-01-01"]})
    with pytest.warns(UserWarning, match="fax_sent"):
        model.score(leads, events=pd.concat([events, odd]))


def test_one_lead_with_its_own_events_scores_as_in_a_frame(model: leadscore.Model, data: tuple[Any, Any]) -> None:
    deals, events = data
    leads = deals.head(20)
    frame = column(model.score(leads, events=events), "points")
    for i in range(20):
        lead = {k: (None if v != v else v) for k, v in leads.iloc[i].to_dict().items()}
        own = events[events["deal_id"] == lead["deal_id"]]
        pairs = list(zip(own["event"], own["timestamp"]))
        assert model.score_one(lead, events=pairs)["points"] == frame[i]
        why = model.explain_one(lead, 50, events=pairs)
        assert why["base_points"] + sum(c["points"] for c in why["contributions"]) == pytest.approx(why["points"], abs=1e-9)
    with pytest.warns(UserWarning, match="fax_sent"):
        model.score_one(lead, events=[("fax_sent", "2020-01-01")], at="2025-01-01")
    with pytest.raises(leadscore.DataError, match="soon"):
        model.score_one(lead, events=[("webinar", "soon")])
