"""Closing the loop on X Education: decisions, simulated touches, real
outcomes, the outcomes report, and the promotion gate.

X Education's leads carry no dates and no touches, so this script adds the
two things a CRM would hold, seeded and written down here:

* each lead's `created_at`, spread over the first half of 2025 in file order;
* one to three touches per lead (5 % never touched), sooner for the sales
  tiers and, within a tier, sooner for leads with more points (the way
  sales really work a queue), with a rejection reason on some low-points
  leads.

The outcome of every lead is its real `Converted`. The touch times are
drawn without looking at it, so touching within the SLA has no effect here
by construction: the stratified speed effect must cover 0 while the
unadjusted within-against-after difference, which mixes in the points, does
not.

Steps (each a `leadscore` command): train on the earliest 70 % of the leads
(pre-contact columns), `policy init`, `qualify` the latest 30 % with a
decision log, `outcomes` as text, JSON and HTML, `report --outcomes` on the
same leads, then `promote` twice on the latest 30 % as recent deals: a model
of the earliest 35 % against one of the earliest 70 % (passes), and against
one trained on the same leads with `Converted` shuffled (refused, exit 3).

Exits 1 when the speed effect excludes 0, the unadjusted difference covers
it, or the gate decides otherwise. With --out DIR the files (the outcomes
page, the report, the log) are kept there.

Usage: python benches/outcomes_x_education.py [--leadscore target/release/leadscore]
       [--data ../shared/data] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from evaluate_real_data import POST_CONTACT  # the columns filled in after first contact


def run(cmd: list[str], ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode not in ok:
        raise SystemExit(f"failed ({out.returncode}): {' '.join(cmd)}\n{out.stdout}\n{out.stderr}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--leadscore", default="target/release/leadscore")
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--out", help="keep the outcomes page, the report and the promotion log here")
    a = ap.parse_args()
    binary = str(Path(a.leadscore).resolve())
    rng = np.random.default_rng(2026)
    df = pd.read_csv(Path(a.data) / "x_education" / "leads.csv", dtype=str, keep_default_na=False)
    df = df.drop(columns=["Lead Number", *POST_CONTACT])
    n = len(df)
    start = pd.Timestamp("2025-01-01T00:00:00Z")
    offsets = np.sort(rng.integers(0, 181 * 86_400, n))
    df["created_at"] = (start + pd.to_timedelta(offsets, unit="s")).strftime("%Y-%m-%dT%H:%M:%SZ")
    cut_early, cut = int(n * 0.35), int(n * 0.7)
    work = Path(tempfile.mkdtemp(prefix="leadscore-xedu-loop-"))
    try:
        f = {name: work / name for name in (
            "train.csv", "early.csv", "shuffled.csv", "leads.csv", "model.json", "early.json", "shuffled.json",
            "policy.toml", "decisions.csv", "decisions.jsonl", "touches.csv", "deals.csv", "outcomes.json",
            "outcomes.html", "report.html", "promotions.jsonl",
        )}
        df.iloc[:cut].to_csv(f["train.csv"], index=False)
        df.iloc[:cut_early].to_csv(f["early.csv"], index=False)
        shuffled = df.iloc[:cut].copy()
        shuffled["Converted"] = rng.permutation(shuffled["Converted"].to_numpy())
        shuffled.to_csv(f["shuffled.csv"], index=False)
        new = df.iloc[cut:]
        new.to_csv(f["leads.csv"], index=False)
        base = ["--target", "Converted", "--id", "Prospect ID", "--missing", "Select", "--ignore", "created_at"]
        for deals, model in (("train.csv", "model.json"), ("early.csv", "early.json"), ("shuffled.csv", "shuffled.json")):
            run([binary, "train", str(f[deals]), *base, "--model", str(f[model]), "--quiet"])
        run([binary, "policy", "init", "--model", str(f["model.json"]), "--out", str(f["policy.toml"])])
        run([binary, "qualify", str(f["leads.csv"]), "--model", str(f["model.json"]), "--policy", str(f["policy.toml"]),
             "--out", str(f["decisions.csv"]), "--log", str(f["decisions.jsonl"])])
        dec = pd.read_csv(f["decisions.csv"], dtype={"Prospect ID": str})
        created = pd.to_datetime(new["created_at"].to_numpy(), utc=True)
        # Sales tiers sooner; within a tier, more points sooner.
        scale_h = dec["route"].map({"sales": 3.0, "sdr": 12.0, "nurture": 72.0, "disqualified": 200.0}).to_numpy()
        rank_in_tier = dec.groupby("tier")["points"].rank(pct=True).to_numpy()
        hours = scale_h * np.exp(0.6 - 1.4 * rank_in_tier + 0.7 * rng.standard_normal(len(dec)))
        touched = rng.random(len(dec)) >= 0.05
        rows = []
        for i in np.flatnonzero(touched):
            first = created[i] + pd.Timedelta(hours=float(hours[i]))
            reason = rng.choice(["no budget", "student", "wrong contact"]) if (
                rank_in_tier[i] < 0.2 and rng.random() < 0.3) else ""
            for k in range(int(rng.integers(1, 4))):
                at = first + pd.Timedelta(days=float(k * rng.uniform(0.5, 6)))
                rows.append((dec["Prospect ID"][i], at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                             f"rep{int(rng.integers(0, 6))}", reason if k == 0 else ""))
        pd.DataFrame(rows, columns=["Prospect ID", "touched_at", "owner", "reason"]).to_csv(f["touches.csv"], index=False)
        pd.DataFrame({
            "Prospect ID": new["Prospect ID"].to_numpy(),
            "outcome": np.where(new["Converted"].to_numpy() == "1", "won", "lost"),
        }).to_csv(f["deals.csv"], index=False)

        outcomes = [binary, "outcomes", "--decisions", str(f["decisions.jsonl"]), "--touches", str(f["touches.csv"]),
                    "--deals", str(f["deals.csv"]), "--id", "Prospect ID", "--by", "route", "--by", "owner"]
        print(run(outcomes).stdout)
        run([*outcomes, "--format", "json", "--out", str(f["outcomes.json"])])
        run([*outcomes, "--format", "html", "--out", str(f["outcomes.html"])])
        run([binary, "report", str(f["leads.csv"]), "--model", str(f["model.json"]), "--outcomes", str(f["outcomes.json"]),
             "--out", str(f["report.html"])])
        o = json.loads(f["outcomes.json"].read_text())
        e = o["all"]["speed_effect"]
        ok = True
        print(f"speed effect, same points: {100 * e['difference']:+.1f} pts ({100 * e['low']:+.1f} to {100 * e['high']:+.1f}); "
              f"unadjusted {100 * e['crude_difference']:+.1f} pts (none was planted)")
        if not e["low"] <= 0 <= e["high"]:
            print("the stratified speed effect excludes 0, though none was planted")
            ok = False
        if e["low"] <= e["crude_difference"] <= e["high"] and e["crude_difference"] <= 0:
            print("the unadjusted difference shows no confounding here: the check is void")
            ok = False

        for candidate, expected in (("model.json", 0), ("shuffled.json", 3)):
            p = run([binary, "promote", str(f["leads.csv"]), "--active", str(f["early.json"]), "--candidate",
                     str(f[candidate]), "--policy", str(f["policy.toml"]), "--log", str(f["promotions.jsonl"])], ok=(0, 3))
            print(f"promote {candidate} over early.json: exit {p.returncode}")
            print(p.stdout.split("\n\nPoints that moved")[0])
            if p.returncode != expected:
                print(f"expected exit {expected}")
                ok = False
        log = [json.loads(x) for x in f["promotions.jsonl"].read_text().splitlines()]
        print("promotion log:", [(x["verdict"], x["candidate_fingerprint"]) for x in log])
        if a.out:
            out = Path(a.out)
            out.mkdir(parents=True, exist_ok=True)
            for name in ("outcomes.html", "report.html", "outcomes.json", "promotions.jsonl", "policy.toml"):
                shutil.copy(f[name], out / name)
            print(f"kept in {out}")
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
