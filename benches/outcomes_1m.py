"""What happened to 1M decisions, from 5M touches, side by side in one run.

* leadscore: `leadscore outcomes --decisions decisions.csv --touches
  touches.csv --deals deals.csv --id lead_id --format json` (its own process:
  the decisions read into one small record per lead, the touches and deals
  streamed in batches);
* polars: the same per-tier figures in a lazy query of its own process — the
  first touch per lead (group-by), joined to the decisions and the deals,
  then per tier the leads, touched, share within the SLA, median and 95th
  percentile hours to first touch, win rate, win rates within and after the
  SLA.

The files are generated here (seeded): 1M decisions in three tiers (4 h and
1 d SLAs, the third without), 5M touches (one to nine per touched lead, in
random order, 5 % of leads never touched), 1M deals (won, lost, open).

Each job runs as a fresh child process, timed from start to exit, with its
peak resident memory read from the kernel (wait4). Both jobs' figures must
agree to 1e-9 for every tier, and leadscore must finish within --max-seconds
and --max-mib (exit 1 otherwise); the speed and memory ratios are printed.

Usage: python benches/outcomes_1m.py [--leads 1000000] [--touches 5000000]
       [--leadscore target/release/leadscore]
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
import polars as pl

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benches"))
from rescore_1m import run_job  # noqa: E402

POLARS_JOB = r"""
import json, sys
import polars as pl
d_path, t_path, k_path, out_path = sys.argv[1:5]
ts = lambda c: pl.col(c).str.strptime(pl.Datetime("us", "UTC"), "%Y-%m-%dT%H:%M:%SZ")
first = (pl.scan_csv(t_path).group_by("lead_id").agg(ts("touched_at").min().alias("first")))
d = (pl.scan_csv(d_path, schema_overrides={"sla_due": pl.Utf8, "sla": pl.Utf8})
     .with_columns(ts("sla_due").alias("due"),
                   pl.col("sla").str.strip_chars_end("h").cast(pl.Float64).alias("sla_h"))
     .join(first, on="lead_id", how="left")
     .join(pl.scan_csv(k_path).select("lead_id", "outcome"), on="lead_id", how="left")
     .with_columns(
         ((pl.col("first") - (pl.col("due") - pl.duration(hours=pl.col("sla_h"))))
          .dt.total_microseconds() / 3.6e9).alias("hours"),
         pl.col("outcome").is_in(["won", "lost"]).alias("closed"),
         (pl.col("outcome") == "won").alias("won"),
         (pl.col("first") <= pl.col("due")).alias("on_time"))
)
closed_won = lambda cond: (pl.col("won") & pl.col("closed") & cond).sum() / (pl.col("closed") & cond).sum()
tiers = (d.group_by("tier").agg(
    pl.len().alias("leads"),
    pl.col("first").is_not_null().sum().alias("touched"),
    (pl.col("on_time").fill_null(False).sum() / pl.col("due").is_not_null().sum()).alias("within_sla"),
    pl.col("hours").median().alias("median_hours_to_touch"),
    pl.col("hours").quantile(0.95, interpolation="linear").alias("p95_hours_to_touch"),
    ((pl.col("won") & pl.col("closed")).sum() / pl.col("closed").sum()).alias("win_rate"),
    closed_won(pl.col("on_time").fill_null(False)).alias("win_rate_within_sla"),
    closed_won(pl.col("first").is_not_null() & ~pl.col("on_time").fill_null(True)).alias("win_rate_after_sla"),
).collect())
json.dump(tiers.to_dicts(), open(out_path, "w"))
"""

KEYS = [
    "leads",
    "touched",
    "within_sla",
    "median_hours_to_touch",
    "p95_hours_to_touch",
    "win_rate",
    "win_rate_within_sla",
    "win_rate_after_sla",
]


def write_inputs(work: Path, leads: int, touches: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    ids = np.array([f"L{i:07d}" for i in range(leads)])
    level = rng.integers(0, 6, leads)
    points = 4.0 * level - 6.0
    tier = np.where(level >= 4, "A", np.where(level >= 2, "B", "C"))
    sla_h = np.where(level >= 4, 4, np.where(level >= 2, 24, 0))
    created = 1_704_067_200 + rng.integers(0, 180 * 86_400, leads)

    def iso(seconds: np.ndarray) -> pl.Series:
        return pl.from_epoch(pl.Series(seconds), time_unit="s").dt.strftime("%Y-%m-%dT%H:%M:%SZ")

    due = iso(created + sla_h * 3600)
    pl.DataFrame(
        {
            "lead_id": ids,
            "tier": tier,
            "route": np.where(level >= 4, "sales", np.where(level >= 2, "sdr", "nurture")),
            "sla": pl.Series(np.char.add(sla_h.astype(str), "h")).replace("0h", None),
            "sla_due": pl.Series(due).zip_with(pl.Series(sla_h > 0), pl.Series([None] * leads, dtype=pl.Utf8)),
            "points": points,
        }
    ).write_csv(work / "decisions.csv")
    touched = rng.random(leads) >= 0.05
    who = np.flatnonzero(touched)
    # Every touched lead once, the rest of the touches spread over them.
    extra = rng.choice(who, touches - who.size)
    lead = np.concatenate([who, extra])
    scale = np.where(sla_h > 0, sla_h, 72)[lead].astype(float)
    delay = scale * np.exp(0.2 + 0.9 * rng.standard_normal(lead.size))
    delay[who.size:] += rng.integers(3600, 10 * 86_400, lead.size - who.size) / 3600.0
    at = created[lead] + np.round(delay * 3600).astype(np.int64)
    order = rng.permutation(lead.size)
    pl.DataFrame(
        {
            "lead_id": ids[lead[order]],
            "touched_at": iso(at[order]),
            "owner": np.array(["ana", "ben", "chloe", "dev"])[rng.integers(0, 4, lead.size)],
        }
    ).write_csv(work / "touches.csv")
    p = 0.05 + 0.07 * level
    u = rng.random(leads)
    outcome = np.where(rng.random(leads) < 0.1, "open", np.where(u < p, "won", "lost"))
    pl.DataFrame({"lead_id": ids, "outcome": outcome}).write_csv(work / "deals.csv")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--leads", type=int, default=1_000_000)
    ap.add_argument("--touches", type=int, default=5_000_000)
    ap.add_argument("--leadscore", default=str(REPO / "target" / "release" / "leadscore"))
    ap.add_argument("--max-seconds", type=float, default=15.0)
    ap.add_argument("--max-mib", type=float, default=600.0)
    ap.add_argument("--keep", help="write the generated files to this folder and stop")
    a = ap.parse_args()
    if a.keep:
        Path(a.keep).mkdir(parents=True, exist_ok=True)
        write_inputs(Path(a.keep), a.leads, a.touches, seed=2026)
        return 0
    binary = str(Path(a.leadscore).resolve())
    work = Path(tempfile.mkdtemp(prefix="leadscore-outcomes-"))
    try:
        write_inputs(work, a.leads, a.touches, seed=2026)
        sizes = {f: (work / f).stat().st_size / 2**20 for f in ("decisions.csv", "touches.csv", "deals.csv")}
        print(f"{a.leads:,} decisions, {a.touches:,} touches: " + ", ".join(f"{k} {v:.0f} MiB" for k, v in sizes.items()))
        out = work / "outcomes.json"
        ls_cmd = [
            binary, "outcomes", "--decisions", str(work / "decisions.csv"), "--touches", str(work / "touches.csv"),
            "--deals", str(work / "deals.csv"), "--id", "lead_id", "--format", "json", "--out", str(out),
        ]
        ls_wall, ls_mib = run_job(ls_cmd, one_core=False)
        pl_out = work / "polars.json"
        pl_cmd = [sys.executable, "-c", POLARS_JOB, *(str(work / f) for f in ("decisions.csv", "touches.csv", "deals.csv")), str(pl_out)]
        pl_wall, pl_mib = run_job(pl_cmd, one_core=False)
        ours = {t["tier"]: t for t in json.loads(out.read_text())["tiers"]}
        theirs = {t["tier"]: t for t in json.loads(pl_out.read_text())}
        bad = []
        for tier, row in theirs.items():
            for k in KEYS:
                x, y = ours[tier].get(k), row.get(k)
                if isinstance(y, float) and y != y:
                    y = None  # polars' NaN of 0/0 is leadscore's "none counts"
                if (x is None) != (y is None) or (x is not None and abs(float(x) - float(y)) > 1e-9):
                    bad.append(f"{tier} {k}: leadscore {x}, polars {y}")
        print(f"{'job':<10} {'wall s':>8} {'peak MiB':>9}")
        print(f"{'leadscore':<10} {ls_wall:>8.2f} {ls_mib:>9.0f}")
        print(f"{'polars':<10} {pl_wall:>8.2f} {pl_mib:>9.0f}")
        print(f"speed: leadscore {pl_wall / ls_wall:.2f}x polars; memory: leadscore {ls_mib / pl_mib:.2f}x polars")
        for tier in sorted(ours):
            t = ours[tier]
            print(f"  tier {tier}: {t['leads']:,} leads, within SLA {t['within_sla']}, median h {t['median_hours_to_touch']}, win rate {t['win_rate']:.4f}")
        ok = True
        if bad:
            print("figures differ:\n  " + "\n  ".join(bad))
            ok = False
        else:
            print(f"figures agree to 1e-9 for every tier ({len(theirs)} tiers, {len(KEYS)} figures each)")
        if ls_wall > a.max_seconds or ls_mib > a.max_mib:
            print(f"over budget: {ls_wall:.1f} s (at most {a.max_seconds}), {ls_mib:.0f} MiB (at most {a.max_mib})")
            ok = False
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
