"""Evidence from Python: leakage audit, held-out evaluation, report."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import leadscore
from conftest import KINDS, as_kind, column, leadscore_cli


@pytest.mark.parametrize("kind", KINDS)
def test_audit_flags_a_column_filled_only_for_won_deals(deals: Any, kind: str) -> None:
    frame = deals.copy()
    won = frame["outcome"] == "Won"
    frame["contract_signed"] = np.where(won, "2024-05-01", None)
    findings = leadscore.audit(as_kind(frame, kind), target="outcome", positive="Won", id="deal_id")
    assert type(findings).__module__.split(".")[0] == kind
    columns = column(findings, "column")
    assert columns[0] == "contract_signed"
    assert column(findings, "reason")[0] == "filled_only_for_won"
    assert "industry" not in columns and "campaign" not in columns


def test_evaluate_matches_its_own_figures(deals: Any) -> None:
    e = leadscore.evaluate(deals, target="outcome", positive="Won", id="deal_id",
                           ignore=["created_at", "closed_at"], l2=3.0, seed=1)
    assert e["test_rows"] == 600
    assert 0.7 < e["auc"]["value"] < 0.95
    assert e["auc"]["low"] <= e["auc"]["value"] <= e["auc"]["high"]
    assert e["log_loss"]["value"] < e["base_log_loss"]
    with pytest.raises(ValueError, match="not both"):
        leadscore.evaluate(deals, target="outcome", time_column="created_at", folds=3)


def test_evaluate_gives_the_commands_figures_for_the_same_seed(deals: Any, tmp_path: Path) -> None:
    cli = leadscore_cli()
    deals.to_csv(tmp_path / "deals.csv", index=False)
    args = [str(cli), "evaluate", str(tmp_path / "deals.csv"), "--target", "outcome"]
    args += ["--positive", "Won", "--id", "deal_id", "--ignore", "created_at"]
    args += ["--ignore", "closed_at", "--l2", "3", "--seed", "7", "--format", "json"]
    from_cli = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    e = leadscore.evaluate(deals, target="outcome", positive="Won", id="deal_id",
                           ignore=["created_at", "closed_at"], l2=3.0, seed=7)
    for name in ("auc", "log_loss", "brier"):
        for part in ("value", "low", "high"):
            assert e[name][part] == pytest.approx(from_cli[name][part], abs=1e-12), (name, part)
    assert e["interval_method"] == from_cli["interval_method"]
    assert "seed 7" in e["interval_method"]
    # Another seed resamples otherwise.
    other = leadscore.evaluate(deals, target="outcome", positive="Won", id="deal_id",
                               ignore=["created_at", "closed_at"], l2=3.0, seed=8)
    assert other["auc"]["low"] != e["auc"]["low"]


def test_report_in_three_formats(model: leadscore.Model, leads: Any) -> None:
    html = model.report(leads, title="Synthetic")
    assert html.startswith("<!DOCTYPE html>") or html.lower().startswith("<!doctype html>")
    assert "<svg" in html and "Synthetic" in html
    assert "|" in model.report(leads, format="md")
    doc = json.loads(model.report(leads, format="json"))
    assert isinstance(doc, dict)
    with pytest.raises(ValueError, match="format"):
        model.report(leads, format="pdf")  # type: ignore[arg-type]

