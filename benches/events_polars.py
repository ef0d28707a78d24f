"""Scoring leads from a large event log, point in time, side by side in one run.

* leadscore: `leadscore score leads.csv --model model.json --events events.csv
  --out scores.csv` (its own process: one streaming pass over the leads' ids
  and as-of times, one over the log, then the scores);
* polars: the same point-in-time aggregation in a lazy query of its own
  process — the log joined to the leads by id, only events strictly before
  each lead's as-of time kept, each event decayed with its type's learned
  half-life, summed per lead and type with the type's weight (group-by),
  joined back to the leads, the probability written.

The model is trained by leadscore on 20,000 synthetic deals with events
(`leadscore synthetic --events`, seed 2026) and nothing else (id, as-of time,
outcome): its score is the intercept plus each event type's weight times the
lead's decayed count, which the polars query computes from the model file.
The leads to score (1M by default) have as-of times spread over two years and
the log (100M events by default, ~100 per lead, a third of them at or after
their lead's as-of time, 1 % of leads' ids not among the leads) is written
in chunks, in random order, as CSV and as Parquet.

Each job runs as a fresh child process, timed from start to exit, with its
peak resident memory read from the kernel (wait4). Both jobs' probabilities
must agree to 1e-9 for every lead (exit 1 otherwise); the speed and memory
ratios are printed.

Usage: python benches/events_polars.py [--leads 1000000] [--events 100000000]
       [--leadscore target/release/leadscore] [--formats csv,parquet]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benches"))
# The job's own process, started by a launcher: its peak memory is its own.
from rescore_1m import LAUNCHER  # noqa: E402

# The polars job: the point-in-time aggregation, then the probability.
POLARS_JOB = r"""
import json, math, sys
import polars as pl
model_path, leads_path, events_path, out_path = sys.argv[1:5]
model = json.load(open(model_path))
terms = model["events"]["terms"]
id_col, as_of = model["id_column"], model["events"]["as_of"]
log = model["events"]["log"]
types = pl.LazyFrame({
    "event": [t["event"] for t in terms],
    "rate": [-math.log(2) / (t["half_life_days"] * 86400.0) for t in terms],
    "weight": [t["weight"] for t in terms],
})
fmt = "%Y-%m-%dT%H:%M:%SZ"
if events_path.endswith(".parquet"):
    events = pl.scan_parquet(events_path)
    leads = pl.scan_parquet(leads_path)
else:
    events = pl.scan_csv(events_path, schema_overrides={id_col: pl.String})
    leads = pl.scan_csv(leads_path, schema_overrides={id_col: pl.String})
events = events.select(
    pl.col(id_col), pl.col(log["event"]).cast(pl.String).alias("event"),
    pl.col(log["timestamp"]).str.to_datetime(fmt, time_unit="ms").dt.epoch("s").alias("t"),
)
leads = leads.select(pl.col(id_col), pl.col(as_of).str.to_datetime(fmt, time_unit="ms").dt.epoch("s").alias("as_of"))
activity = (
    events.join(leads, on=id_col, how="inner")
    .filter(pl.col("t") < pl.col("as_of"))
    .join(types, on="event", how="inner")
    .group_by(id_col)
    .agg((pl.col("weight") * (pl.col("rate") * (pl.col("as_of") - pl.col("t"))).exp()).sum().alias("activity"))
)
scores = (
    leads.join(activity, on=id_col, how="left", maintain_order="left")
    .select(pl.col(id_col), (1.0 / (1.0 + (-(model["intercept"] + pl.col("activity").fill_null(0.0))).exp())).alias("probability"))
)
scores.sink_csv(out_path) if out_path.endswith(".csv") else scores.sink_parquet(out_path)
"""


START = int(np.datetime64("2023-01-01T00:00:00", "s").astype(np.int64))
SPAN = 3 * 365 * 86400  # events over three years
FMT = "%Y-%m-%dT%H:%M:%SZ"


def run_job(cmd: list[str]) -> tuple[float, float]:
    """Runs `cmd` as a fresh process: (wall seconds, peak RSS in MiB)."""
    time.sleep(3)  # let the kernel reclaim the previous job's memory
    out = subprocess.run([sys.executable, "-c", LAUNCHER, *cmd], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    wall, rss = out.stdout.split()
    return float(wall), float(rss)


def write_data(work: Path, model: dict, n_leads: int, n_events: int, formats: list[str]) -> None:
    rng = np.random.default_rng(42)
    id_col = model["id_column"]
    as_of = model["events"]["as_of"]
    types = pl.Series([t["event"] for t in model["events"]["terms"]]).cast(pl.Categorical)
    # Ids of the leads and of 1 % more that are not among them.
    names = pl.select(pl.lit("L") + pl.int_range(int(n_leads * 1.01), eager=True)
                      .cast(pl.String).str.zfill(8)).to_series()
    # Times to the minute: each minute of the three years written once.
    minutes = SPAN // 60
    stamps = pl.Series((START + 60 * np.arange(minutes, dtype=np.int64)) * 1000) \
        .cast(pl.Datetime("ms")).dt.strftime(FMT)
    # As-of times over the last two years of the log's three: about a
    # third of the events fall at or after their lead's as-of time.
    lead_t = rng.integers(minutes // 3, minutes, n_leads)
    leads = pl.DataFrame({id_col: names[:n_leads], as_of: stamps.gather(lead_t)})
    if "csv" in formats:
        leads.write_csv(work / "leads.csv")
    if "parquet" in formats:
        leads.write_parquet(work / "leads.parquet")
    chunk = 10_000_000
    csv_file = open(work / "events.csv", "wb") if "csv" in formats else None
    pq_writer = None
    try:
        for start in range(0, n_events, chunk):
            n = min(chunk, n_events - start)
            ev = pl.DataFrame({
                id_col: names.gather(rng.integers(0, len(names), n)),
                "event": types.gather(rng.integers(0, len(types), n)),
                "timestamp": stamps.gather(rng.integers(0, minutes, n)),
            })
            if csv_file is not None:
                ev.write_csv(csv_file, include_header=start == 0)
            if "parquet" in formats:
                table = ev.to_arrow()
                if pq_writer is None:
                    import pyarrow.parquet as pq
                    pq_writer = pq.ParquetWriter(work / "events.parquet", table.schema)
                pq_writer.write_table(table, row_group_size=1_000_000)
    finally:
        if csv_file is not None:
            csv_file.close()
        if pq_writer is not None:
            pq_writer.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--leads", type=int, default=1_000_000)
    ap.add_argument("--events", type=int, default=100_000_000)
    ap.add_argument("--leadscore", default=str(REPO / "target" / "release" / "leadscore"))
    ap.add_argument("--formats", default="csv,parquet")
    a = ap.parse_args()
    formats = a.formats.split(",")
    binary = str(Path(a.leadscore).resolve())
    work = Path(tempfile.mkdtemp(prefix="leadscore-events-"))
    try:
        subprocess.run([binary, "synthetic", "--rows", "20000", "--seed", "2026",
                        "--events", str(work / "train_events.csv"), "--out", str(work / "all.csv")],
                       check=True, stderr=subprocess.DEVNULL)
        pl.read_csv(work / "all.csv").select("deal_id", "created_at", "outcome").write_csv(work / "train.csv")
        subprocess.run([binary, "train", str(work / "train.csv"), "--target", "outcome",
                        "--positive", "Won", "--id", "deal_id", "--events", str(work / "train_events.csv"),
                        "--as-of", "created_at", "--model", str(work / "model.json")],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        model = json.loads((work / "model.json").read_text())
        t0 = time.perf_counter()
        write_data(work, model, a.leads, a.events, formats)
        sizes = ", ".join(f"{f} {(work / f'events.{f}').stat().st_size / 2**30:.1f} GiB" for f in formats)
        print(f"{a.leads:,} leads, {a.events:,} events of {len(model['events']['terms'])} types "
              f"({sizes}; written in {time.perf_counter() - t0:.0f} s)")
        print(f"\n{'job':<44} {'events/s':>12} {'seconds':>8} {'peak MiB':>9}")
        ok = True
        for f in formats:
            leads, events = str(work / f"leads.{f}"), str(work / f"events.{f}")
            ls_out, pl_out = work / f"ls.{f}", work / f"pl.{f}"
            ls_t, ls_m = run_job([binary, "score", leads, "--model", str(work / "model.json"),
                                  "--events", events, "--out", str(ls_out), "--quiet"])
            pl_t, pl_m = run_job([sys.executable, "-c", POLARS_JOB, str(work / "model.json"),
                                  leads, events, str(pl_out)])
            for name, t, m in ((f"leadscore score --events ({f})", ls_t, ls_m),
                               (f"polars lazy join + group-by ({f})", pl_t, pl_m)):
                print(f"{name:<44} {a.events / t:>12,.0f} {t:>8.1f} {m:>9.0f}")
            def read(path: Path) -> pl.DataFrame:
                if f == "csv":
                    return pl.read_csv(path, schema_overrides={"deal_id": pl.String})
                return pl.read_parquet(path)
            ours, theirs = read(ls_out), read(pl_out)
            same_ids = ours["deal_id"].equals(theirs["deal_id"])
            diff = (ours["probability"] - theirs["probability"]).abs().max()
            print(f"  {f}: leadscore {pl_t / ls_t:.2f}x polars' speed, {ls_m / pl_m:.2f}x its peak "
                  f"memory; probabilities agree to {diff:.1e} (ids in the same order: {same_ids})")
            ok &= same_ids and diff is not None and diff <= 1e-9
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
