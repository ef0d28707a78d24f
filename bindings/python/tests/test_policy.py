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
