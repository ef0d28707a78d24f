"""Qualification from Python: the example policy on synthetic leads."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import leadscore
from conftest import KINDS, as_kind, column, policy_names


@pytest.fixture(scope="module")
def policy(policy_file: Callable[[str], Path]) -> leadscore.Policy:
    return leadscore.Policy.load(policy_file("example"))


@pytest.mark.parametrize("kind", KINDS)
def test_qualify_gives_a_decision_per_lead_in_order(
    policy: leadscore.Policy, model: leadscore.Model, leads: Any, kind: str
) -> None:
    decisions = policy.qualify(as_kind(leads, kind), model=model)
    assert type(decisions).__module__.split(".")[0] == kind
    assert column(decisions, "deal_id") == leads["deal_id"].tolist()
    for name in ("tier", "route", "sla_due", "points", "reasons"):
        assert len(column(decisions, name)) == 200
    assert set(column(decisions, "route")) <= {"sales", "sdr", "nurture", "disqualified"}
    scores = model.score(leads)
    assert column(decisions, "points") == pytest.approx(scores["points"].tolist(), abs=1e-9)


def test_policy_pickles_and_round_trips(policy: leadscore.Policy, model: leadscore.Model, leads: Any) -> None:
    again = pickle.loads(pickle.dumps(policy))
    a = policy.qualify(leads, model=model)
    b = again.qualify(leads, model=model)
    assert a["tier"].tolist() == b["tier"].tolist()
    assert leadscore.Policy.from_toml(policy.to_toml()).to_toml() == policy.to_toml()


def test_unknown_field_is_a_policy_error_with_its_line(policy_file: Callable[[str], Path]) -> None:
    example = policy_file("example").read_text()
    text = example.replace('format_version = "1.0"', 'format_version = "1.0"\ncolour = "red"', 1)
    with pytest.raises(leadscore.PolicyError, match="colour") as info:
        leadscore.Policy.from_toml(text)
    assert isinstance(info.value, ValueError)
    assert "line" in str(info.value)


@pytest.mark.parametrize("name", policy_names())
def test_every_shared_policy_loads_as_written(policy_file: Callable[[str], Path], name: str) -> None:
    path = policy_file(name)
    assert leadscore.Policy.load(path).to_toml() == path.read_text()


def test_starter_policy_is_valid_and_commented(model: leadscore.Model, leads: Any) -> None:
    starter = leadscore.Policy.starter(model, capacity=40)
    text = starter.to_toml()
    assert text.startswith("# Lead qualification policy")
    assert "[capacity]" in text and "leads_per_rep = 40" in text
    decisions = starter.qualify(leads, model=model)
    # Exactly the capacity, more only for leads tied at the cut.
    assert 40 <= (decisions["route"] == "sales").sum() <= 42


def _lead(frame: Any, i: int) -> dict[str, Any]:
    """Row ``i`` of a pandas frame as a dict (NaN as None)."""
    row = frame.iloc[i].to_dict()
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}


def test_one_lead_with_a_capacity_tier_needs_frozen_cuts(
    policy: leadscore.Policy, model: leadscore.Model, deals: Any
) -> None:
    one = deals.iloc[[0]]
    with pytest.raises(leadscore.PolicyError, match="needs at least 200 to cut"):
        policy.qualify(one, model=model)
    with pytest.raises(leadscore.PolicyError, match="needs at least"):
        policy.decide_one(_lead(deals, 0), model=model)
    assert policy.cuts is None
    frozen = policy.freeze(deals, model=model)
    cuts = frozen.cuts
    assert cuts is not None and cuts["reference"]["leads"] == 3000
    assert cuts["format"] == "leadscore.cuts"
    decided = frozen.qualify(one, model=model)
    assert decided["cuts_leads"].tolist() == [3000]
    assert decided["cuts_fingerprint"].tolist() == [cuts["reference"]["fingerprint"]]


def test_decide_one_is_the_decision_of_a_one_row_frame(
    policy: leadscore.Policy, model: leadscore.Model, deals: Any, leads: Any
) -> None:
    frozen = policy.freeze(deals, model=model)
    for i in range(0, 200, 7):
        d = frozen.decide_one(_lead(leads, i), model=model)
        row = frozen.qualify(leads.iloc[[i]], model=model)
        assert d["id"] == row["deal_id"].iloc[0]
        assert d["tier"] == row["tier"].iloc[0]
        assert d["route"] == row["route"].iloc[0]
        assert d["points"] == pytest.approx(row["points"].iloc[0], abs=1e-9)
        assert d["reasons"] == row["reasons"].iloc[0]
        assert d["cuts"]["leads"] == 3000
        assert d["unseen"] == []
        total = d["base_points"] + sum(c["points"] for c in d["contributions"])
        assert total == pytest.approx(d["points"], abs=1e-9)
    # The worst lead of the reference is not sent to sales.
    scores = model.score(deals)
    worst = int(scores["points"].to_numpy().argmin())
    assert frozen.decide_one(_lead(deals, worst), model=model)["tier"] != "A"
    # An unseen value is flagged.
    odd = _lead(leads, 0) | {"industry": "Quantum Basket Weaving"}
    assert frozen.decide_one(odd, model=model)["unseen"] == ["industry"]


def test_cuts_survive_pickle_a_dict_and_a_file(
    policy: leadscore.Policy, model: leadscore.Model, deals: Any, leads: Any, tmp_path: Path
) -> None:
    frozen = policy.freeze(deals, model=model)
    lead = _lead(leads, 3)
    want = frozen.decide_one(lead, model=model)
    again = pickle.loads(pickle.dumps(frozen))
    assert again.cuts == frozen.cuts
    assert again.decide_one(lead, model=model) == want
    assert policy.with_cuts(frozen.cuts or {}).decide_one(lead, model=model) == want
    import json

    path = tmp_path / "cuts.json"
    path.write_text(json.dumps(frozen.cuts))
    assert policy.with_cuts(path).decide_one(lead, model=model) == want
    assert "cuts frozen from 3000 leads" in repr(frozen)
    # Cuts of another policy are refused.
    other = leadscore.Policy.from_toml(policy.to_toml().replace('version = "2024-06"', 'version = "2024-07"'))
    with pytest.raises(leadscore.PolicyError, match="frozen for policy"):
        other.with_cuts(frozen.cuts or {})


def test_decide_one_errors_name_the_column(
    policy: leadscore.Policy, model: leadscore.Model, deals: Any, leads: Any
) -> None:
    frozen = policy.freeze(deals, model=model)
    lead = _lead(leads, 0)
    del lead["country"]
    with pytest.raises(leadscore.DataError, match="country"):
        frozen.decide_one(lead, model=model)
    bad = _lead(leads, 0) | {"deal_value": "lots"}
    with pytest.raises(leadscore.DataError) as info:
        frozen.decide_one(bad, model=model)
    assert (info.value.row, info.value.column, info.value.value) == (1, "deal_value", "lots")
